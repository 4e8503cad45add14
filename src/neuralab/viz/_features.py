"""Image-feature pictures: HOG glyphs, colour histograms and accuracy comparisons."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ._core import figure, save, subplots


def hog_cells(image: Any, orientations: int = 9,
              pixels_per_cell: tuple[int, int] = (8, 8)) -> np.ndarray:
    """Per-cell orientation histograms of one image, each normalized to sum 1 (L1).

    Computed by :func:`neuralab.features.hog` with one-cell blocks, so the picture shows the
    same gradients the features hold.

    Parameters
    ----------
    image : array_like
        ``(H, W)`` grayscale or ``(H, W, 3)`` colour.
    orientations : int
    pixels_per_cell : (int, int)

    Returns
    -------
    numpy.ndarray
        ``(H // ch, W // cw, orientations)``.
    """
    from ..features import hog

    img = np.asarray(image)
    if img.ndim not in (2, 3):
        raise ValueError(f"image must have shape (H, W) or (H, W, 3), got shape {img.shape}")
    ch, cw = pixels_per_cell
    rows, cols = img.shape[0] // ch, img.shape[1] // cw
    f = hog(img[None], orientations, pixels_per_cell, (1, 1), "L1",
            channel_axis=-1 if img.ndim == 3 else None)
    return f.reshape(rows, cols, orientations)


def _cell_energy(img: np.ndarray, rows: int, cols: int, ch: int, cw: int) -> np.ndarray:
    """Mean gradient magnitude per cell ``(rows, cols)``: central differences, and for colour
    the channel with the largest magnitude at each pixel (as HOG chooses)."""
    x = img.astype(np.float64)
    if x.ndim == 2:
        x = x[..., None]
    gr, gc = np.zeros_like(x), np.zeros_like(x)
    gr[1:-1] = x[2:] - x[:-2]
    gc[:, 1:-1] = x[:, 2:] - x[:, :-2]
    mag = np.hypot(gr, gc).max(axis=-1)[: rows * ch, : cols * cw]
    return mag.reshape(rows, ch, cols, cw).mean(axis=(1, 3))


def plot_hog(
    image: Any, orientations: int = 9, pixels_per_cell: tuple[int, int] = (8, 8),
    path: str | Path | None = None, *, title: str | None = None,
) -> Any:
    """An image beside its histogram of oriented gradients: in every cell, one line per
    orientation bin, drawn along the edge direction; its brightness is the bin's share of the
    cell's histogram times the cell's mean gradient magnitude (so flat regions stay dark).

    Parameters
    ----------
    image : array_like
        ``(H, W)`` grayscale or ``(H, W, 3)`` colour (uint8 or floats).
    orientations : int
        Bins over [0°, 180°).
    pixels_per_cell : (int, int)
    path : str or Path, optional
        Where to write the PNG (atomically).
    title : str, optional
        Title of the image panel.

    Returns
    -------
    matplotlib.figure.Figure
        ``fig.axes[1].collections[0]`` holds ``cells × orientations`` segments, cell by cell
        (row-major), bin by bin.
    """
    from matplotlib.collections import LineCollection

    cells = hog_cells(image, orientations, pixels_per_cell)
    img = np.asarray(image)
    ch, cw = pixels_per_cell
    rows, cols, _ = cells.shape
    # Bin o collects gradients at angle ≈ m = π(o + ½)/O from the x axis towards the rows
    # (downwards); the edge runs perpendicular to the gradient, along (−sin m, cos m), and that
    # is the line drawn (as skimage's hog visualization does).
    mid = np.pi * (np.arange(orientations) + 0.5) / orientations
    radius = 0.45 * min(ch, cw)
    dx, dy = -radius * np.sin(mid), radius * np.cos(mid)
    cy = (np.arange(rows) + 0.5) * ch - 0.5
    cx = (np.arange(cols) + 0.5) * cw - 0.5
    yy, xx = np.meshgrid(cy, cx, indexing="ij")
    x_c, y_c = xx[..., None], yy[..., None]
    segs = np.stack([np.stack([x_c - dx, y_c - dy], -1), np.stack([x_c + dx, y_c + dy], -1)],
                    axis=-2).reshape(-1, 2, 2)
    # The histograms are normalized per cell, so a flat patch of sky would shine as brightly
    # as an edge; weighting by the cell's mean gradient magnitude keeps flat cells dark.
    strength = (cells * _cell_energy(img, rows, cols, ch, cw)[..., None]).reshape(-1)
    top = float(strength.max()) or 1.0
    colors = np.zeros((strength.size, 4))
    colors[:, :3] = 1.0
    colors[:, 3] = strength / top
    fig, (ax_img, ax_hog) = subplots(1, 2, figsize=(9.0, 4.6 * img.shape[0] / img.shape[1]
                                                     + 0.6))
    ax_img.imshow(img, cmap="gray" if img.ndim == 2 else None, interpolation="nearest")
    ax_img.set_title(title or "image", fontsize=10)
    ax_hog.set_facecolor("black")
    ax_hog.add_collection(LineCollection(segs, colors=colors, linewidths=1.2))
    ax_hog.set(xlim=(-0.5, cols * cw - 0.5), ylim=(rows * ch - 0.5, -0.5), aspect="equal")
    ax_hog.set_title(f"HOG: {rows}×{cols} cells of {ch}×{cw} px, {orientations} bins",
                     fontsize=10)
    for ax in (ax_img, ax_hog):
        ax.set_xticks([])
        ax.set_yticks([])
    fig.tight_layout()
    save(fig, path)
    return fig


def plot_color_histograms(
    images: Any, bins: int = 12, channel: str = "hue", names: Sequence[str] | None = None,
    path: str | Path | None = None,
) -> Any:
    """Images over their colour histograms (:func:`neuralab.features.color_histogram`).

    Parameters
    ----------
    images : array_like
        ``(N, H, W, 3)`` RGB: uint8 0..255 or floats in [0, 1].
    bins : int
    channel : {"hue", "saturation", "value"}
    names : sequence of str, optional
        Image titles.
    path : str or Path, optional
        Where to write the PNG (atomically).

    Returns
    -------
    matplotlib.figure.Figure
        Column ``i``: the image (``fig.axes[2i]``) and its bars (``fig.axes[2i + 1]``), each
        bar coloured with the hue it counts (grey levels for saturation and value).
    """
    from matplotlib.colors import hsv_to_rgb

    from ..features import color_histogram

    x = np.asarray(images)
    if x.ndim != 4 or x.shape[-1] != 3:
        raise ValueError(f"images must have shape (N, H, W, 3), got shape {x.shape}")
    hist = color_histogram(x, bins=bins, channel=channel)
    n = x.shape[0]
    if names is not None and len(names) != n:
        raise ValueError(f"names has {len(names)} entries for {n} images")
    centres = (np.arange(bins) + 0.5) / bins
    if channel == "hue":
        colors = hsv_to_rgb(np.stack([centres, np.ones(bins), np.ones(bins)], axis=1))
    else:
        colors = np.repeat(centres[:, None], 3, axis=1)
    fig = figure((3.4 * n, 5.2))
    grid = fig.add_gridspec(2, n, height_ratios=[1.4, 1])
    for i in range(n):
        ax = fig.add_subplot(grid[0, i])
        ax.imshow(x[i], interpolation="nearest")
        ax.axis("off")
        ax.set_title(names[i] if names is not None else f"image {i + 1}", fontsize=10)
        ax = fig.add_subplot(grid[1, i])
        ax.bar(centres, hist[i], width=1.0 / bins, color=colors, edgecolor="0.3", linewidth=0.5)
        ax.set(xlim=(0, 1), xlabel=channel, ylabel="share of pixels" if i == 0 else None)
    fig.tight_layout()
    save(fig, path)
    return fig


def plot_accuracies(
    results: Mapping[str, float] | Mapping[str, Mapping[str, float]],
    path: str | Path | None = None, *, title: str = "Test accuracy",
    xlabel: str = "accuracy",
) -> Any:
    """Accuracies as horizontal bars, each labelled with its value.

    Parameters
    ----------
    results : mapping
        ``{name: accuracy}`` (one bar each), or ``{group: {name: accuracy}}`` (a cluster of
        bars per group, e.g. per feature set, one colour per model).
    path : str or Path, optional
        Where to write the PNG (atomically).
    title, xlabel : str

    Returns
    -------
    matplotlib.figure.Figure
        ``fig.axes[0].patches``: the bars, group by group.
    """
    if not results:
        raise ValueError("results is empty; give at least one accuracy")
    nested = all(isinstance(v, Mapping) for v in results.values())
    groups: dict[str, dict[str, float]] = (
        {g: dict(v) for g, v in results.items()} if nested  # type: ignore[arg-type]
        else {"": dict(results)})  # type: ignore[arg-type]
    series = list(dict.fromkeys(k for g in groups.values() for k in g))
    fig, ax = subplots(figsize=(6.5, 0.9 + 0.42 * len(groups) * len(series)))
    if nested:
        # one cluster per group (top to bottom in the mapping's order), one colour per series
        height = 0.8 / len(series)
        for j, name in enumerate(series):
            pos = [len(groups) - 1 - i + ((len(series) - 1) / 2 - j) * height
                   for i in range(len(groups))]
            vals = [float(g.get(name, np.nan)) for g in groups.values()]
            bars = ax.barh(pos, vals, height=height * 0.9, color=f"C{j}", label=name)
            ax.bar_label(bars, labels=[f"{v:.3f}" for v in vals], padding=3, fontsize=8)
        ax.set_yticks([len(groups) - 1 - i for i in range(len(groups))], list(groups))
        ax.legend(frameon=False, fontsize=8, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    else:
        vals = [float(v) for v in groups[""].values()]
        pos = [len(series) - 1 - j for j in range(len(series))]
        bars = ax.barh(pos, vals, height=0.6, color=[f"C{j}" for j in range(len(series))])
        ax.bar_label(bars, labels=[f"{v:.3f}" for v in vals], padding=3, fontsize=8)
        ax.set_yticks(pos, series)
    ax.set(xlim=(0, 1.12), xlabel=xlabel, title=title)
    fig.tight_layout()
    save(fig, path)
    return fig
