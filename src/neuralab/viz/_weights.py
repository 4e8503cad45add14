"""Regularized weights side by side: template pictures on a shared zero-centred scale, and
histograms of the weight values."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ._core import as_float, save, subplots

SPARSE_FRACTION = 0.01  # a weight counts as "zero" below 1 % of the largest |w| of its model


def plot_weight_pictures(
    weights: Mapping[str, Any], image_shape: tuple[int, ...],
    class_names: Sequence[str] | None = None, path: str | Path | None = None,
) -> Any:
    """Class templates of several models, one row each, on a shared zero-centred scale.

    Unlike :func:`~neuralab.viz.plot_templates` (min-max per template), every row keeps
    zero white and the sign in colour (red > 0, blue < 0), so regularizers can be compared:
    L2 spreads small weights over every pixel, L1 keeps a few and sets the rest to ~0.

    Parameters
    ----------
    weights : mapping of str to array_like
        Model name -> its ``(D, C)`` weight matrix, ``D = prod(image_shape)``.
    image_shape : tuple of int
        ``(H, W)``.
    class_names : sequence of str, optional
        Column titles.
    path : str or Path, optional
        Where to write the PNG (atomically).

    Returns
    -------
    matplotlib.figure.Figure
        Each row's label says which share of its weights is below 1 % of its largest |w|.
    """
    if not weights:
        raise ValueError("weights is empty; give at least one model's (D, C) weights")
    mats = {name: as_float(w) for name, w in weights.items()}
    d = int(np.prod(image_shape))
    shapes = {w.shape for w in mats.values()}
    if len(shapes) != 1 or next(iter(shapes))[0] != d or len(next(iter(shapes))) != 2:
        raise ValueError(f"every weight matrix must have shape ({d}, C) for image_shape "
                         f"{tuple(image_shape)}, got shapes {sorted(shapes)}")
    c = next(iter(shapes))[1]
    fig, axes = subplots(len(mats), c, figsize=(1.1 * c + 1.6, 1.25 * len(mats) + 0.4),
                         squeeze=False)
    for row, (name, w) in zip(axes, mats.items(), strict=True):
        vmax = float(np.abs(w).max()) or 1.0
        zeros = float(np.mean(np.abs(w) < SPARSE_FRACTION * vmax))
        for k, ax in enumerate(row):
            ax.imshow(w[:, k].reshape(image_shape), cmap="RdBu_r", vmin=-vmax, vmax=vmax,
                      interpolation="nearest")
            ax.set_xticks([])
            ax.set_yticks([])
            if class_names is not None and ax is axes[0, k]:
                ax.set_title(class_names[k], fontsize=9)
        row[0].set_ylabel(f"{name}\n{zeros:.0%} ≈ 0", fontsize=9, rotation=0, ha="right",
                          va="center")
    fig.tight_layout()
    save(fig, path)
    return fig


def plot_weight_histograms(
    weights: Mapping[str, Any], bins: int = 61, path: str | Path | None = None,
) -> Any:
    """Histograms of the weight values of several models (counts on a log scale).

    L1 piles weights up at zero, L2 gives a bell of small values; the titles give ΣW² and Σ|W|.

    Parameters
    ----------
    weights : mapping of str to array_like
        Model name -> its weights (any shape; all entries are counted).
    bins : int
        Equal-width bins over the largest |w| of all models, symmetric about 0.
    path : str or Path, optional
        Where to write the PNG (atomically).

    Returns
    -------
    matplotlib.figure.Figure
    """
    if not weights:
        raise ValueError("weights is empty; give at least one model's weights")
    if bins < 1:
        raise ValueError(f"bins={bins!r} is out of range; allowed: >= 1")
    values = {name: as_float(w).ravel() for name, w in weights.items()}
    vmax = max(float(np.abs(v).max()) for v in values.values()) or 1.0
    edges = np.linspace(-vmax, vmax, bins + 1)
    fig, axes = subplots(1, len(values), figsize=(3.6 * len(values), 3.0), squeeze=False,
                         sharey=True)
    for k, (ax, (name, v)) in enumerate(zip(axes[0], values.items(), strict=True)):
        ax.hist(v, bins=edges, color=f"C{k}")
        ax.set_yscale("log")
        ax.set_title(f"{name}\nΣW² = {np.sum(v * v):.3g}, Σ|W| = {np.sum(np.abs(v)):.3g}",
                     fontsize=9)
        ax.set_xlabel("weight value")
    axes[0, 0].set_ylabel("count")
    fig.tight_layout()
    save(fig, path)
    return fig
