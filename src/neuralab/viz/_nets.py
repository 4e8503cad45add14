"""Neural-network pictures: the activation functions with their derivatives, and the
distributions of hidden-layer values (what batch norm changes)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ._core import as_float, panel_grid, save, subplots

SLIDE_ACTIVATIONS = ("sigmoid", "tanh", "relu", "leaky_relu", "maxout", "elu")


def activation_curve(
    name: str, x: Any, *, alpha: float | None = None,
    maxout_pieces: Sequence[tuple[float, float]] = ((1.0, 0.0), (-0.5, -1.0)),
) -> tuple[np.ndarray, np.ndarray]:
    """``f(x)`` and ``f'(x)`` of one activation, by the library's own forward and backward.

    Parameters
    ----------
    name : str
        An activation of :data:`neuralab.nn.ACTIVATION_REGISTRY` (``linear`` included).
    x : array_like
        ``(N,)`` inputs.
    alpha : float, optional
        Leaky ReLU's slope or ELU's α (the layer's default when None).
    maxout_pieces : sequence of (w, b)
        Maxout is ``max_k(w_k·x + b_k)`` over these ``k`` lines of the scalar ``x``.

    Returns
    -------
    (numpy.ndarray, numpy.ndarray)
        ``f(x)`` and ``df/dx``, both ``(N,)`` float64.
    """
    from ..nn import make_activation

    xs = as_float(x).ravel()
    kwargs: dict[str, Any] = {}
    if name in ("leaky_relu", "elu") and alpha is not None:
        kwargs["alpha"] = alpha
    if name == "maxout":
        w, b = (np.array(v, dtype=np.float64) for v in zip(*maxout_pieces, strict=True))
        layer = make_activation(name, k=len(w))
        out = layer.forward(xs[:, None] * w + b)  # (N, k) pieces -> (N, 1)
        grad = layer.backward(np.ones_like(out))  # (N, k): 1 at the winning piece
        return np.asarray(out)[:, 0], np.asarray(grad) @ w
    layer = make_activation(name, **kwargs)
    out = layer.forward(xs[:, None])
    grad = layer.backward(np.ones_like(out))
    return np.asarray(out)[:, 0], np.asarray(grad)[:, 0]


_FORMULAS = {
    "sigmoid": "σ(x) = 1 / (1 + e^−x)", "tanh": "tanh(x)", "relu": "max(0, x)",
    "leaky_relu": "max(αx, x), α = {alpha:g}", "elu": "x if x > 0, else α(eˣ − 1), α = {alpha:g}",
    "maxout": "max(w₁x + b₁, w₂x + b₂)", "linear": "x",
}
_DEFAULT_ALPHA = {"leaky_relu": 0.1, "elu": 1.0}  # 0.1: the slide's max(0.1x, x)


def plot_activations(
    names: Sequence[str] = SLIDE_ACTIVATIONS, x: Any = None, path: str | Path | None = None,
    *, ncols: int = 3,
) -> Any:
    """Each activation function (solid) and its derivative (dashed), as computed by the
    layers' ``forward`` and ``backward``.

    Parameters
    ----------
    names : sequence of str
        Default: the slide's six — sigmoid, tanh, ReLU, Leaky ReLU (α = 0.1), Maxout (of the
        lines x and −0.5x − 1) and ELU (α = 1).
    x : array_like, optional
        Inputs; default 401 points in [−5, 5].
    path : str or Path, optional
        Where to write the PNG (atomically).
    ncols : int
        Panels per row.

    Returns
    -------
    matplotlib.figure.Figure
        In panel ``i`` (``fig.axes[i]``), ``lines[0]`` is ``f`` and ``lines[1]`` is ``f'``.
    """
    if not names:
        raise ValueError("names is empty; give at least one activation")
    xs = np.linspace(-5.0, 5.0, 401) if x is None else as_float(x).ravel()
    fig, axes = panel_grid(len(names), ncols, 3.6, 2.9)
    for ax, name in zip(axes, names, strict=True):
        alpha = _DEFAULT_ALPHA.get(name)
        f, df = activation_curve(name, xs, alpha=alpha)
        ax.plot(xs, f, color="C0", lw=2, label="f(x)")
        ax.plot(xs, df, "--", color="C3", lw=1.5, label="f′(x)")
        ax.axhline(0, color="0.6", lw=0.6)
        ax.axvline(0, color="0.6", lw=0.6)
        formula = _FORMULAS.get(name, name).format(alpha=alpha or 0)
        ax.set_title(f"{name}: {formula}", fontsize=9)
        ax.legend(frameon=False, fontsize=8, loc="upper left")
    fig.tight_layout()
    save(fig, path)
    return fig


def plot_layer_histograms(
    activations: Mapping[str, Sequence[Any]], bins: int = 50, path: str | Path | None = None,
    *, xlabel: str = "value",
) -> Any:
    """Histograms of hidden-layer values, one row per model and one column per layer.

    With batch norm every layer's pre-activations stay centred with unit spread; without it
    they drift and spread (or shrink) with depth.

    Parameters
    ----------
    activations : mapping of str to sequence of array_like
        Model name -> the values recorded at each layer (any shapes; all entries counted).
        Every model must have the same number of layers.
    bins : int
    path : str or Path, optional
        Where to write the PNG (atomically).
    xlabel : str

    Returns
    -------
    matplotlib.figure.Figure
        Each panel's title gives the layer's mean and standard deviation.
    """
    if not activations:
        raise ValueError("activations is empty; give at least one model's layer values")
    depths = {len(v) for v in activations.values()}
    if len(depths) != 1 or 0 in depths:
        raise ValueError(f"every model needs the same number (>= 1) of layers, got "
                         f"{ {k: len(v) for k, v in activations.items()} }")
    if bins < 1:
        raise ValueError(f"bins={bins!r} is out of range; allowed: >= 1")
    depth = depths.pop()
    # one x scale per row: a distribution that shrinks with depth must look narrower
    fig, axes = subplots(len(activations), depth, figsize=(3.0 * depth, 2.4 *
                                                           len(activations)),
                         squeeze=False, sharex="row")
    for r, (row, (name, layers)) in enumerate(zip(axes, activations.items(), strict=True)):
        for j, (ax, values) in enumerate(zip(row, layers, strict=True)):
            v = as_float(values).ravel()
            ax.hist(v, bins=bins, color=f"C{r}")
            mean, std = round(float(v.mean()), 2) + 0.0, float(v.std())  # + 0.0: no "-0.00"
            ax.set_title(f"layer {j + 1}: mean {mean:.2f}, std {std:.2g}", fontsize=8)
            ax.set_yticks([])
            ax.set_xlabel(xlabel, fontsize=8)
        row[0].set_ylabel(name, fontsize=9)
    fig.tight_layout()
    save(fig, path)
    return fig
