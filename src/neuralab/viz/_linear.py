"""The linear classifier's three viewpoints and decision regions.

* algebraic: :func:`plot_score_function` — ``f(x, W) = Wx + b`` with every number shown;
* visual: :func:`~neuralab.viz.plot_templates` and :func:`~neuralab.viz.plot_weight_pictures`
  — one template per class;
* geometric: :func:`plot_hyperplanes` — one line ``w_c·x + b_c = 0`` per class in 2-D;

and, for any classifier of 2-D points, :func:`plot_decision_regions` / :func:`plot_decision_grid`.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

from ._core import as_float, class_colors, panel_grid, predictor, save, subplots


def _fmt(v: float) -> str:
    """Four significant digits without trailing zeros: 0.25, -96.8, 437.9, 60.75."""
    return f"{v:.4g}"


def _number_grid(ax: Any, values: np.ndarray, title: str, cmap: str = "RdBu_r",
                 symmetric: bool = True) -> None:
    """A matrix drawn as coloured cells with its numbers written in them."""
    vmax = float(np.abs(values).max()) or 1.0
    im = ax.imshow(values, cmap=cmap, vmin=-vmax if symmetric else values.min(), vmax=vmax,
                   aspect="equal")
    for (i, j), v in np.ndenumerate(values):
        r, g, b, _ = im.cmap(im.norm(v))
        dark = 0.299 * r + 0.587 * g + 0.114 * b < 0.5  # white digits on dark cells
        ax.text(j, i, _fmt(v), ha="center", va="center", fontsize=9,
                color="white" if dark else "black")
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_title(title, fontsize=10)


def plot_score_function(
    weight: Any, bias: Any, image: Any, class_names: Sequence[str],
    path: str | Path | None = None,
) -> Any:
    """The algebraic viewpoint: an image stretched into a column x, then ``s = Wx + b``.

    Drawn as on the lecture's 4-pixel slide: the image with its pixel values, the matrix ``W``
    (one row per class, shown in the slide's ``(C, D)`` layout), the column ``x``, the bias
    ``b`` and the class scores.

    Parameters
    ----------
    weight : array_like
        ``(D, C)``: neuralab's layout (``x W``); the picture shows its transpose.
    bias : array_like
        ``(C,)``.
    image : array_like
        ``(H, W)`` pixel values with ``H·W = D`` (D <= 64: every number is written out).
    class_names : sequence of str
        One name per class.
    path : str or Path, optional
        Where to write the PNG (atomically).

    Returns
    -------
    matplotlib.figure.Figure
        The scores are in the last panel's texts, formatted to 4 significant digits.
    """
    w, b, img = as_float(weight), as_float(bias).ravel(), as_float(image)
    if img.ndim != 2:
        raise ValueError(f"image must have shape (H, W), got shape {img.shape}")
    d = img.size
    if w.ndim != 2 or w.shape[0] != d or d > 64:
        raise ValueError(f"weight must have shape (D, C) with D = {d} pixels (at most 64), "
                         f"got shape {w.shape}")
    c = w.shape[1]
    if b.shape != (c,) or len(class_names) != c:
        raise ValueError(f"bias and class_names must have {c} entries (one per class), got "
                         f"{b.size} and {len(class_names)}")
    x = img.reshape(d, 1)
    scores = w.T @ x + b[:, None]
    fig, axes = subplots(1, 5, figsize=(2.2 + 0.55 * d + 4.2, 2.6),
                         gridspec_kw={"width_ratios": [img.shape[1], d, 1, 1, 1.3]})
    _number_grid(axes[0], img, "input image", cmap="gray", symmetric=False)
    _number_grid(axes[1], w.T, "W  (one row per class)")
    axes[1].set_yticks(range(c), class_names)
    _number_grid(axes[2], x, "x", cmap="Greys", symmetric=False)
    _number_grid(axes[3], b[:, None], "+ b")
    _number_grid(axes[4], scores, "= scores")
    axes[4].yaxis.tick_right()
    axes[4].set_yticks(range(c), class_names)
    fig.suptitle("f(x, W) = Wx + b", fontsize=11)
    fig.tight_layout()
    save(fig, path)
    return fig


def _box(X: np.ndarray | None, lim: tuple[float, float] | None) -> tuple[float, ...]:
    """The plotting window: ``lim`` on both axes, or the data's range padded by 10 %."""
    if lim is not None:
        return (lim[0], lim[1], lim[0], lim[1])
    if X is None or X.size == 0:
        return (-3.0, 3.0, -3.0, 3.0)
    lo, hi = X.min(axis=0), X.max(axis=0)
    pad = 0.1 * np.maximum(hi - lo, 1e-9)
    return (lo[0] - pad[0], hi[0] + pad[0], lo[1] - pad[1], hi[1] + pad[1])


def _scatter(ax: Any, X: np.ndarray, y: np.ndarray, names: Sequence[str]) -> None:
    colors = class_colors(len(names))
    for k, name in enumerate(names):
        pts = X[y == k]
        if pts.size:
            ax.scatter(pts[:, 0], pts[:, 1], s=12, color=colors[k], edgecolors="white",
                       linewidths=0.4, label=name, zorder=3)


def _check_points(X: Any, y: Any) -> tuple[np.ndarray, np.ndarray]:
    X = as_float(X)
    if X.ndim != 2 or X.shape[1] != 2:
        raise ValueError(f"X must have shape (N, 2) (2-D points), got shape {X.shape}")
    y = np.asarray(as_float(y), dtype=np.int64).ravel()
    if y.shape[0] != X.shape[0]:
        raise ValueError(f"y has {y.shape[0]} labels but X has {X.shape[0]} points")
    return X, y


def plot_hyperplanes(
    weight: Any, bias: Any, X: Any = None, y: Any = None, class_names: Sequence[str] | None = None,
    path: str | Path | None = None, *, lim: tuple[float, float] | None = None,
    title: str = "Hyperplanes cutting up space",
) -> Any:
    """The geometric viewpoint: each class's score ``s_c = w_c·x + b_c`` is zero on a line.

    Draws, for every class, the line ``s_c(x) = 0`` and an arrow along ``w_c`` (the direction
    in which that class's score grows), over the regions where each class has the highest
    score (lightly shaded) and, optionally, the data.

    Parameters
    ----------
    weight : array_like
        ``(2, C)`` (neuralab's layout): column ``c`` is ``w_c``.
    bias : array_like
        ``(C,)``.
    X, y : array_like, optional
        ``(N, 2)`` points and their ``(N,)`` labels.
    class_names : sequence of str, optional
        Default ``class 0``, ``class 1``, ...
    path : str or Path, optional
        Where to write the PNG (atomically).
    lim : (float, float), optional
        The window on both axes; default: the data's range (or [-3, 3]).
    title : str
        Axes title.

    Returns
    -------
    matplotlib.figure.Figure
        Line ``c`` of the axes (``fig.axes[0].lines[c]``) is class ``c``'s hyperplane.
    """
    w, b = as_float(weight), as_float(bias).ravel()
    if w.ndim != 2 or w.shape[0] != 2:
        raise ValueError(f"weight must have shape (2, C) (a classifier of 2-D points), got "
                         f"shape {w.shape}")
    c = w.shape[1]
    if b.shape != (c,):
        raise ValueError(f"bias must have shape ({c},), got shape {b.shape}")
    names = list(class_names) if class_names is not None else [f"class {k}" for k in range(c)]
    pts = None
    if X is not None:
        pts, labels = _check_points(X, y)
    x0, x1, y0, y1 = _box(pts, lim)
    fig, ax = subplots(figsize=(5.2, 5.0))
    colors = class_colors(c)
    gx, gy = np.meshgrid(np.linspace(x0, x1, 200), np.linspace(y0, y1, 200))
    region = np.argmax(np.stack([gx.ravel(), gy.ravel()], 1) @ w + b, axis=1)
    from matplotlib.colors import ListedColormap

    ax.imshow(region.reshape(gx.shape), origin="lower", extent=(x0, x1, y0, y1), alpha=0.18,
              cmap=ListedColormap(colors), vmin=-0.5, vmax=c - 0.5, aspect="auto")
    span = 4 * max(x1 - x0, y1 - y0)
    for k in range(c):
        wk = w[:, k]
        norm2 = float(wk @ wk)
        if norm2 == 0:
            continue  # a zero weight vector has no hyperplane
        p0 = -b[k] * wk / norm2  # the point of the line closest to the origin
        d = np.array([-wk[1], wk[0]]) / np.sqrt(norm2)
        seg = np.stack([p0 - span * d, p0 + span * d])
        ax.plot(seg[:, 0], seg[:, 1], color=colors[k], lw=2, label=f"{names[k]}: score = 0")
        # the arrow starts at the visible point of the line nearest the window's centre
        centre = np.array([(x0 + x1) / 2, (y0 + y1) / 2])
        foot = p0 + ((centre - p0) @ d) * d
        arrow = 0.12 * max(x1 - x0, y1 - y0) * wk / np.sqrt(norm2)
        ax.annotate("", xy=foot + arrow, xytext=foot,
                    arrowprops={"arrowstyle": "->", "color": colors[k], "lw": 1.5})
    if pts is not None:
        _scatter(ax, pts, labels, names)
    ax.set(xlim=(x0, x1), ylim=(y0, y1), xlabel="x₁", ylabel="x₂", title=title)
    ax.legend(fontsize=8, loc="best", framealpha=0.8)
    fig.tight_layout()
    save(fig, path)
    return fig


def plot_decision_regions(
    model: Any, X: Any, y: Any, *, class_names: Sequence[str] | None = None,
    title: str | None = None, xlabel: str = "x₁", ylabel: str = "x₂", resolution: int = 200,
    ax: Any = None, path: str | Path | None = None,
) -> Any:
    """Which class a classifier of 2-D points predicts everywhere, with the data on top.

    Parameters
    ----------
    model : neuralab model, estimator with ``predict``, or callable
        A :class:`~neuralab.nn.Sequential` (argmax of its scores, in eval mode), a fitted
        scikit-learn / :mod:`neuralab.estimators` classifier, or ``f(X) -> labels`` — e.g.
        ``lambda X: clf.predict(features.polar(X))`` to see a feature-space classifier in the
        input space.
    X, y : array_like
        ``(N, 2)`` points and ``(N,)`` integer labels; the title reports the accuracy on them.
    class_names : sequence of str, optional
    title : str, optional
    xlabel, ylabel : str
    resolution : int
        Grid points per axis.
    ax : matplotlib.axes.Axes, optional
        Draw into this axes (used by :func:`plot_decision_grid`); default: a new figure.
    path : str or Path, optional
        Where to write the PNG (atomically).

    Returns
    -------
    matplotlib.figure.Figure
        The region image is ``ax.images[0]``: its array holds the predicted class per grid cell.
    """
    X, y = _check_points(X, y)
    if resolution < 2:
        raise ValueError(f"resolution={resolution!r} is out of range; allowed: >= 2")
    predict = predictor(model)
    x0, x1, y0, y1 = _box(X, None)
    gx, gy = np.meshgrid(np.linspace(x0, x1, resolution), np.linspace(y0, y1, resolution))
    grid = np.stack([gx.ravel(), gy.ravel()], axis=1).astype(np.float32)
    region = predict(grid).astype(np.int64).reshape(gx.shape)
    accuracy = float(np.mean(predict(X.astype(np.float32)) == y))
    c = int(max(region.max(), y.max()) + 1)
    if class_names is not None:
        c = max(c, len(class_names))
    names = list(class_names) if class_names is not None else [f"class {k}" for k in range(c)]
    own = ax is None
    if own:
        fig, ax = subplots(figsize=(4.6, 4.2))
    from matplotlib.colors import ListedColormap

    ax.imshow(region, origin="lower", extent=(x0, x1, y0, y1), alpha=0.3, aspect="auto",
              cmap=ListedColormap(class_colors(c)), vmin=-0.5, vmax=c - 0.5,
              interpolation="nearest")
    _scatter(ax, X, y, names)
    head = f"{title} — " if title else ""
    ax.set(xlim=(x0, x1), ylim=(y0, y1), xlabel=xlabel, ylabel=ylabel)
    ax.set_title(f"{head}accuracy {accuracy:.2f}", fontsize=10)
    if own:
        fig.tight_layout()
        save(fig, path)
    return ax.figure


class DecisionPanel(NamedTuple):
    """One panel of :func:`plot_decision_grid`: a classifier and the points to draw."""

    title: str
    model: Any
    X: Any
    y: Any
    xlabel: str = "x₁"
    ylabel: str = "x₂"


def plot_decision_grid(
    panels: Sequence[DecisionPanel | tuple[Any, ...]], ncols: int = 3,
    path: str | Path | None = None, *, title: str | None = None,
) -> Any:
    """Several :func:`plot_decision_regions` side by side (e.g. linear vs 2-layer net).

    Parameters
    ----------
    panels : sequence of DecisionPanel or tuple
        ``(title, model, X, y[, xlabel, ylabel])`` per panel, filled row by row.
    ncols : int
        Panels per row.
    path : str or Path, optional
        Where to write the PNG (atomically).
    title : str, optional
        Figure title.

    Returns
    -------
    matplotlib.figure.Figure
    """
    if not panels:
        raise ValueError("panels is empty; give at least one (title, model, X, y)")
    if ncols < 1:
        raise ValueError(f"ncols={ncols!r} is out of range; allowed: >= 1")
    items = [p if isinstance(p, DecisionPanel) else DecisionPanel(*p) for p in panels]
    fig, axes = panel_grid(len(items), ncols, 4.0, 3.8)
    for ax, p in zip(axes, items, strict=True):
        plot_decision_regions(p.model, p.X, p.y, title=p.title, xlabel=p.xlabel,
                              ylabel=p.ylabel, ax=ax, resolution=150)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    save(fig, path)
    return fig
