"""Pictures: training curves, confusion matrices and the lecture's class templates.

matplotlib is imported inside each function (with the non-interactive Agg backend), so
``import neuralab`` never pays for it. Each function returns the Figure and, given ``path``,
writes a PNG atomically.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from .backend import to_numpy


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    return plt


def _save(fig: Any, path: str | Path | None) -> None:
    if path is None:
        return
    from .io import atomic_write_bytes

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
    atomic_write_bytes(path, buf.getvalue())


def plot_history(history: Any, path: str | Path | None = None) -> Any:
    """Loss (data and data + regularization) and accuracy per epoch, train vs validation."""
    plt = _pyplot()
    epochs = history["epoch"]
    has_acc = any(v is not None for v in history["train_accuracy"])
    fig, axes = plt.subplots(1, 2 if has_acc else 1, figsize=(10 if has_acc else 5.5, 3.8))
    axes = np.atleast_1d(axes)
    ax = axes[0]
    ax.plot(epochs, history["train_loss"], label="train (data loss)")
    if any(v is not None for v in history["val_loss"]):
        ax.plot(epochs, history["val_loss"], label="validation (data loss)")
    total = [t + r for t, r in zip(history["train_loss"], history["reg_loss"], strict=True)]
    ax.plot(epochs, total, "--", alpha=0.6, label="train data + regularization")
    ax.set(xlabel="epoch", ylabel="loss", title="Loss")
    ax.legend(frameon=False)
    if has_acc:
        ax = axes[1]
        ax.plot(epochs, history["train_accuracy"], label="train")
        if any(v is not None for v in history["val_accuracy"]):
            ax.plot(epochs, history["val_accuracy"], label="validation")
        ax.set(xlabel="epoch", ylabel="accuracy", title="Accuracy")
        ax.legend(frameon=False)
    fig.tight_layout()
    _save(fig, path)
    return fig


def confusion_matrix(y_true: Any, y_pred: Any, n_classes: int) -> np.ndarray:
    """Counts (C, C): row = true class, column = predicted class."""
    t, p = np.asarray(to_numpy(y_true), dtype=np.int64), np.asarray(to_numpy(y_pred), np.int64)
    return np.bincount(t * n_classes + p, minlength=n_classes * n_classes).reshape(
        n_classes, n_classes)


def plot_confusion(
    y_true: Any, y_pred: Any, class_names: Sequence[str], path: str | Path | None = None
) -> Any:
    """The confusion matrix as a heat map with counts in the cells."""
    plt = _pyplot()
    c = len(class_names)
    cm = confusion_matrix(y_true, y_pred, c)
    size = max(4.0, 0.45 * c + 2)
    fig, ax = plt.subplots(figsize=(size, size))
    ax.imshow(cm, cmap="Blues")
    ax.set_xticks(range(c), class_names, rotation=45, ha="right")
    ax.set_yticks(range(c), class_names)
    ax.set(xlabel="predicted", ylabel="true",
           title=f"Confusion matrix (accuracy {np.trace(cm) / max(cm.sum(), 1):.3f})")
    if c <= 20:
        for (i, j), count in np.ndenumerate(cm):
            ax.text(j, i, str(count), ha="center", va="center", fontsize=8,
                    color="white" if count > cm.max() / 2 else "black")
    fig.tight_layout()
    _save(fig, path)
    return fig


def plot_templates(
    weight: Any, image_shape: tuple[int, ...], class_names: Sequence[str],
    path: str | Path | None = None,
) -> Any:
    """The lecture's visual viewpoint: each class's weights W[:, c] shown as an image.

    weight: (D, C) with D = prod(image_shape). Each template is min-max scaled on its own,
    as in CS231n's pictures.
    """
    plt = _pyplot()
    w = np.asarray(to_numpy(weight), dtype=np.float64)
    c = w.shape[1]
    cols = min(c, 10)
    rows = -(-c // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(1.4 * cols, 1.6 * rows), squeeze=False)
    for k, ax in enumerate(axes.flat):
        ax.axis("off")
        if k >= c:
            continue
        t = w[:, k].reshape(image_shape)
        t = (t - t.min()) / max(t.max() - t.min(), 1e-12)
        ax.imshow(t, cmap=None if t.ndim == 3 else "gray", interpolation="nearest")
        ax.set_title(class_names[k], fontsize=8)
    fig.suptitle("Class templates (columns of W)", fontsize=10)
    fig.tight_layout()
    _save(fig, path)
    return fig


def close(fig: Any) -> None:
    _pyplot().close(fig)


def plot_polyfit(fit: Any, selection: Any = None, path: str | Path | None = None,
                 *, xlabel: str = "x", ylabel: str = "y") -> Any:
    """A polynomial fit over its data and, optionally, the errors that chose its degree.

    Left: the points and the fitted curve (on the data's x range plus 5% each side; the y axis
    is held to the data's range plus half its spread, so a wildly oscillating high-degree fit
    shows as leaving the frame instead of flattening the data). Right, given ``selection`` (a
    :class:`neuralab.poly.DegreeSelection`): train and cross-validated mean squared error by
    degree on a log scale, the best degree marked; errors that are 0 (an interpolating fit)
    are drawn at the bottom of the axis.

    Parameters
    ----------
    fit : neuralab.poly.PolyFit
    selection : neuralab.poly.DegreeSelection, optional
    path : str or Path, optional
        Where to write the PNG (atomically).
    xlabel, ylabel : str
        Axis labels of the fit panel.
    """
    plt = _pyplot()
    panels = 1 if selection is None else 2
    fig, axes = plt.subplots(1, panels, figsize=(5.5 * panels, 4.0), squeeze=False)
    ax = axes[0, 0]
    x, y = np.asarray(fit.x), np.asarray(fit.y)
    lo, hi = float(x.min()), float(x.max())
    pad = 0.05 * (hi - lo) if hi > lo else 1.0
    grid = np.linspace(lo - pad, hi + pad, 400)
    penalty = "".join(f", {k}={v:g}" for k, v in (("l2", fit.l2), ("l1", fit.l1)) if v)
    ax.plot(grid, fit.predict(grid), color="C0", label=f"degree {fit.degree}{penalty}")
    ax.scatter(x, y, color="C3", zorder=3, label=f"data (n={x.size})")
    spread = float(y.max() - y.min()) or 1.0
    ax.set_ylim(float(y.min()) - 0.5 * spread, float(y.max()) + 0.5 * spread)
    r2 = fit.r2
    ax.set(xlabel=xlabel, ylabel=ylabel,
           title=f"Polynomial fit, r² = {r2:.4f}" if np.isfinite(r2) else "Polynomial fit")
    ax.legend(frameon=False)
    if selection is not None:
        ax = axes[0, 1]
        degrees = np.asarray(selection.degrees)
        errors = np.concatenate([selection.train_error, selection.val_error])
        errors = errors[np.isfinite(errors)]
        top = float(errors.max()) if errors.size else 1.0
        # an interpolating fit has training error ~1e-28: rounding, not a value worth 28
        # decades of axis — draw such errors on the floor instead
        real = errors[errors > 1e-10 * top]
        floor = float(real.min()) / 10 if real.size else 1e-12
        for err, label, style in ((selection.train_error, "train", "o-"),
                                  (selection.val_error, f"validation ({selection.cv})", "s-")):
            shown = np.where(np.isfinite(err), np.maximum(err, floor), np.nan)
            ax.plot(degrees, shown, style, label=label)
            for deg in degrees[np.isfinite(err) & (err < floor)]:
                ax.annotate("≈0", (deg, floor), textcoords="offset points", xytext=(0, 6),
                            ha="center", fontsize=8)
        ax.axvline(selection.best_degree, color="0.5", ls="--", lw=1,
                   label=f"best degree {selection.best_degree}")
        ax.set_yscale("log")
        ax.set_ylim(bottom=floor / 2)
        ax.set(xlabel="degree", ylabel="mean squared error", title="Choosing the degree")
        ax.set_xticks(degrees)
        ax.legend(frameon=False)
    fig.tight_layout()
    _save(fig, path)
    return fig
