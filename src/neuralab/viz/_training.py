"""Training pictures: loss/accuracy curves, confusion matrices and class templates."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ..backend import to_numpy
from ._core import panel_grid, pyplot, save


def plot_history(history: Any, path: str | Path | None = None) -> Any:
    """Loss (data and data + regularization) and accuracy per epoch, train vs validation.

    Parameters
    ----------
    history : neuralab.train.History
    path : str or Path, optional
        Where to write the PNG (atomically).

    Returns
    -------
    matplotlib.figure.Figure
    """
    plt = pyplot()
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
    save(fig, path)
    return fig


def plot_histories(
    histories: Mapping[str, Any], metrics: Sequence[str] = ("loss", "accuracy"),
    path: str | Path | None = None, *, title: str | None = None,
) -> Any:
    """Several training runs side by side: train (dashed) and validation (solid) per run.

    Made for the lecture's "more complex" regularizers: with dropout the gap between the
    training and validation curves narrows; with batch norm the loss falls in fewer epochs.

    Parameters
    ----------
    histories : mapping of str to neuralab.train.History
        Run name -> its history; each run gets one colour.
    metrics : sequence of {"loss", "accuracy"}
        One panel per metric: ``train_<metric>`` and ``val_<metric>`` (where recorded).
    path : str or Path, optional
        Where to write the PNG (atomically).
    title : str, optional
        Figure title.

    Returns
    -------
    matplotlib.figure.Figure
    """
    for metric in metrics:
        if metric not in ("loss", "accuracy"):
            raise ValueError(f"metrics: {metric!r} is not allowed; allowed: loss, accuracy")
    if not histories:
        raise ValueError("histories is empty; give at least one run")
    plt = pyplot()
    fig, axes = plt.subplots(1, len(metrics), figsize=(5.2 * len(metrics), 3.8), squeeze=False)
    for ax, metric in zip(axes[0], metrics, strict=True):
        for k, (name, history) in enumerate(histories.items()):
            epochs = history["epoch"]
            for split, style in (("train", "--"), ("val", "-")):
                values = history[f"{split}_{metric}"]
                if all(v is None for v in values):
                    continue
                shown = [np.nan if v is None else v for v in values]
                label = f"{name} ({'train' if split == 'train' else 'validation'})"
                ax.plot(epochs, shown, style, color=f"C{k}", label=label)
        ax.set(xlabel="epoch", ylabel=metric, title=metric.capitalize())
        ax.legend(frameon=False, fontsize=8)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    save(fig, path)
    return fig


def confusion_matrix(y_true: Any, y_pred: Any, n_classes: int) -> np.ndarray:
    """Counts ``(C, C)``: row = true class, column = predicted class."""
    t, p = np.asarray(to_numpy(y_true), dtype=np.int64), np.asarray(to_numpy(y_pred), np.int64)
    return np.bincount(t * n_classes + p, minlength=n_classes * n_classes).reshape(
        n_classes, n_classes)


def plot_confusion(
    y_true: Any, y_pred: Any, class_names: Sequence[str], path: str | Path | None = None
) -> Any:
    """The confusion matrix as a heat map with counts in the cells.

    Parameters
    ----------
    y_true, y_pred : array_like
        ``(N,)`` integer labels.
    class_names : sequence of str
        One name per class.
    path : str or Path, optional
        Where to write the PNG (atomically).

    Returns
    -------
    matplotlib.figure.Figure
    """
    plt = pyplot()
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
    save(fig, path)
    return fig


def plot_templates(
    weight: Any, image_shape: tuple[int, ...], class_names: Sequence[str],
    path: str | Path | None = None,
) -> Any:
    """The lecture's visual viewpoint: each class's weights ``W[:, c]`` shown as an image.

    Each template is min-max scaled on its own, as in CS231n's pictures.

    Parameters
    ----------
    weight : array_like
        ``(D, C)`` with ``D = prod(image_shape)``.
    image_shape : tuple of int
        ``(H, W)`` or ``(H, W, 3)``.
    class_names : sequence of str
        One name per column of ``weight``.
    path : str or Path, optional
        Where to write the PNG (atomically).

    Returns
    -------
    matplotlib.figure.Figure
    """
    w = np.asarray(to_numpy(weight), dtype=np.float64)
    fig, axes = panel_grid(w.shape[1], 10, 1.4, 1.6)
    for k, ax in enumerate(axes):
        ax.axis("off")
        t = w[:, k].reshape(image_shape)
        t = (t - t.min()) / max(t.max() - t.min(), 1e-12)
        ax.imshow(t, cmap=None if t.ndim == 3 else "gray", interpolation="nearest")
        ax.set_title(class_names[k], fontsize=8)
    fig.suptitle("Class templates (columns of W)", fontsize=10)
    fig.tight_layout()
    save(fig, path)
    return fig
