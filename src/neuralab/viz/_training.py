"""Training pictures: loss/accuracy curves, confusion matrices and class templates."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ..backend import to_numpy
from ._core import (
    layout_pad,
    line_height,
    panel_grid,
    save,
    set_margins,
    subplots,
    text_width,
    top_title,
)

#: Width in inches of one template's cell in :func:`plot_templates`.
PANEL_WIDTH = 1.5


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
    epochs = history["epoch"]
    has_acc = any(v is not None for v in history["train_accuracy"])
    fig, axes = subplots(1, 2 if has_acc else 1, figsize=(10 if has_acc else 5.5, 3.8))
    axes = np.atleast_1d(axes)
    ax = axes[0]
    ax.plot(epochs, history["train_loss"], label="train (data loss)")
    if any(v is not None for v in history["val_loss"]):
        ax.plot(epochs, history["val_loss"], label="validation (data loss)")
    total = [t + r for t, r in zip(history["train_loss"], history["reg_loss"], strict=True)]
    ax.plot(epochs, total, "--", alpha=0.6, label="train data + regularization")
    ax.set(xlabel="epoch", ylabel="loss")
    top_title(ax, "Loss")
    ax.legend(frameon=False)
    if has_acc:
        ax = axes[1]
        ax.plot(epochs, history["train_accuracy"], label="train")
        if any(v is not None for v in history["val_accuracy"]):
            ax.plot(epochs, history["val_accuracy"], label="validation")
        ax.set(xlabel="epoch", ylabel="accuracy")
        top_title(ax, "Accuracy")
        ax.legend(frameon=False)
    _curves_margins(fig, axes)
    save(fig, path)
    return fig


def _curves_margins(fig: Any, axes: Sequence[Any]) -> None:
    """Margins that fit :func:`plot_history`'s panels, side by side: a title above each, the
    epochs and their label below, and left of each its y label and the widest of its y tick
    labels — those of the ticks it will draw, found for the axes' final height."""
    import matplotlib

    rc = matplotlib.rcParams
    pad = layout_pad()
    label = line_height(rc["axes.labelsize"]) + rc["axes.labelpad"] / 72
    top = pad + line_height(rc["axes.titlesize"]) + rc["axes.titlepad"] / 72
    bottom = (pad + label + line_height(rc["xtick.labelsize"])
              + (rc["xtick.major.size"] + rc["xtick.major.pad"]) / 72)
    height = fig.get_figheight()
    fig.subplots_adjust(bottom=bottom / height, top=1 - top / height)  # the y ticks depend on it
    lefts = [label + (rc["ytick.major.size"] + rc["ytick.major.pad"]) / 72
             + max((text_width(s, rc["ytick.labelsize"]) for s in _tick_labels(ax.yaxis)),
                   default=0.0)
             for ax in axes]
    set_margins(fig, left=pad + lefts[0], right=pad, bottom=bottom, top=top,
                wspace=pad + max(lefts[1:], default=0.0))


def _tick_labels(axis: Any) -> list[str]:
    """The labels ``axis`` will draw at its major ticks, as its draw finds them (the ticks in
    its view interval, formatted together), without making its tick artists."""
    lo, hi = sorted(axis.get_view_interval())
    slack = 1e-9 * max(hi - lo, 1e-300)
    locs = [v for v in axis.get_majorticklocs() if lo - slack <= v <= hi + slack]
    return [s for s in axis.get_major_formatter().format_ticks(locs) if s]


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
    fig, axes = subplots(1, len(metrics), figsize=(5.2 * len(metrics), 3.8), squeeze=False)
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
    c = len(class_names)
    cm = confusion_matrix(y_true, y_pred, c)
    size = max(4.0, 0.45 * c + 2)
    fig, ax = subplots(figsize=(size, size))
    ax.imshow(cm, cmap="Blues")
    ax.set_xticks(range(c), class_names, rotation=45, ha="right")
    ax.set_yticks(range(c), class_names)
    ax.set(xlabel="predicted", ylabel="true")
    top_title(ax, f"Confusion matrix (accuracy {np.trace(cm) / max(cm.sum(), 1):.3f})")
    if c <= 20:
        for (i, j), count in np.ndenumerate(cm):
            ax.text(j, i, str(count), ha="center", va="center", fontsize=8,
                    color="white" if count > cm.max() / 2 else "black")
    _confusion_margins(fig, class_names)
    save(fig, path)
    return fig


def _confusion_margins(fig: Any, class_names: Sequence[str]) -> None:
    """Margins that fit :func:`plot_confusion`'s labels, from the class names' widths: the
    names left of the rows, the names below the columns (at 45°), the title above."""
    import matplotlib

    rc = matplotlib.rcParams
    pad = layout_pad()
    names = max(text_width(str(name), rc["ytick.labelsize"]) for name in class_names)
    tick = (rc["ytick.major.size"] + rc["ytick.major.pad"]) / 72
    label = line_height(rc["axes.labelsize"]) + rc["axes.labelpad"] / 72
    # a name turned 45° about its right end drops (width + height) / sqrt(2) below its tick
    drop = (names + line_height(rc["xtick.labelsize"])) / np.sqrt(2)
    set_margins(fig, left=pad + label + names + tick, right=pad,
                bottom=pad + label + drop + tick,
                top=pad + line_height(rc["axes.titlesize"]) + rc["axes.titlepad"] / 72)


def plot_templates(
    weight: Any, image_shape: tuple[int, ...], class_names: Sequence[str],
    path: str | Path | None = None, *, scale: Any = None, clip: float = 0.5,
    title: str = "Class templates (columns of W)",
) -> Any:
    """The lecture's visual viewpoint: each class's weights ``W[:, c]`` shown as an image.

    Each template is min-max scaled on its own, as in CS231n's pictures (RGB templates over
    their three channels together, so a template's colour cast — the airplane's and ship's
    blue, the frog's green — stays visible), after its ``clip`` % most extreme values at either
    end are clipped: a few outlying weights would otherwise squeeze every other pixel into a
    pale grey.

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
    scale : float or array_like, optional
        What the model's inputs were divided by: a number, or ``D`` per-pixel values (a
        :class:`~neuralab.data.Standardizer`'s ``std_``). The template shown is then
        ``W[:, c] / scale``, the weights on the pixels themselves. A single number changes
        nothing in the picture (the scaling is per template).
    clip : float, default 0.5
        Percent of each template's values clipped at each end before scaling, in ``[0, 50)``;
        0 is plain min-max.
    title : str
        The figure's title.

    Returns
    -------
    matplotlib.figure.Figure
    """
    w = np.asarray(to_numpy(weight), dtype=np.float64)
    d = int(np.prod(image_shape))
    if w.ndim != 2 or w.shape[0] != d:
        raise ValueError(f"weight must have shape ({d}, C) for image_shape "
                         f"{tuple(image_shape)}, got {w.shape}")
    if len(class_names) != w.shape[1]:
        raise ValueError(f"class_names has {len(class_names)} names for {w.shape[1]} templates")
    if not 0 <= clip < 50:
        raise ValueError(f"clip={clip!r} is out of range; allowed: [0, 50) percent")
    if scale is not None:
        s = np.asarray(to_numpy(scale), dtype=np.float64).reshape(-1)
        if s.size not in (1, d) or not np.all(np.isfinite(s)) or np.any(s <= 0):
            raise ValueError(f"scale must be one number or {d} per-pixel numbers, all > 0")
        w = w / s[:, None]
    fig, axes = panel_grid(w.shape[1], 10, PANEL_WIDTH, 1.7)
    for k, ax in enumerate(axes):
        ax.axis("off")
        ax.imshow(template_image(w[:, k].reshape(image_shape), clip),
                  cmap=None if len(image_shape) == 3 else "gray", interpolation="nearest")
        top_title(ax, class_names[k], fontsize=9)
    pad = layout_pad()
    fig.suptitle(title, fontsize=10, y=1 - pad / 2 / fig.get_figheight(), va="top")
    names = max(text_width(str(name), 9) for name in class_names)
    gap = 0.15  # inches between two templates, and above the names of the next row
    if names > PANEL_WIDTH - gap:  # the names would run into each other: spread the panels
        fig.tight_layout()
    else:
        import matplotlib

        above = line_height(9) + matplotlib.rcParams["axes.titlepad"] / 72  # a template's name
        set_margins(fig, left=pad / 2, right=pad / 2, bottom=pad / 2, wspace=gap,
                    top=pad / 2 + line_height(10) + gap / 3 + above, hspace=above + gap)
    save(fig, path)
    return fig


def template_image(template: Any, clip: float = 0.5) -> np.ndarray:
    """One template as an image in ``[0, 1]``: the values between its ``clip`` and
    ``100 - clip`` percentiles stretched to the full range (all channels together), what
    :func:`plot_templates` draws."""
    t = np.asarray(template, dtype=np.float64)
    lo, hi = np.percentile(t, [clip, 100 - clip]) if clip else (t.min(), t.max())
    return np.clip((t - lo) / max(hi - lo, 1e-12), 0.0, 1.0)
