"""Histogram of oriented gradients (HOG) for a whole batch of images at once.

:func:`hog` returns, for every image of a batch, the vector ``skimage.feature.hog(image, ...,
feature_vector=True)`` returns (same parameters, same order of features), computed with array
operations over the whole batch: no Python loop over images, cells or pixels.

The algorithm, as scikit-image implements it (this is what "equal to skimage" means):

1. Optional power-law compression: ``image = sqrt(image)`` (``transform_sqrt=True``).
2. Gradients by central differences, ``g_row[r, c] = I[r+1, c] - I[r-1, c]`` and
   ``g_col[r, c] = I[r, c+1] - I[r, c-1]``, set to 0 on the first/last row (``g_row``) and the
   first/last column (``g_col``) -- not ``np.gradient``, which uses one-sided differences at the
   border and halves the central ones. For colour images each pixel keeps the gradient of the
   channel with the largest magnitude ``hypot(g_row, g_col)`` (the first channel on ties).
3. Orientation ``θ = degrees(atan2(g_row, g_col)) mod 180`` in ``[0, 180)`` (unsigned).
   Bin ``k`` of ``O`` covers ``[k·180/O, (k+1)·180/O)``: each pixel votes with its whole
   magnitude into exactly one bin (no interpolation between bins or cells); a pixel whose θ
   rounds up to 180.0 falls in no bin. A cell's histogram is the *mean* over its
   ``ch × cw`` pixels. The cell grid is ``floor(H/ch) × floor(W/cw)`` cells from the top-left
   corner; the remaining bottom rows / right columns belong to no cell (their pixels still
   enter their neighbours' gradients).
4. Blocks: every window of ``by × bx`` cells, stride one cell, normalized with ``eps = 1e-5``:
   ``L1: v / (Σ|v| + eps)``, ``L1-sqrt: sqrt(v / (Σ|v| + eps))``, ``L2: v / sqrt(Σv² + eps²)``,
   ``L2-Hys``: L2, then ``min(v, 0.2)``, then L2 again.
5. Features in the order (block row, block col, cell row in block, cell col in block,
   orientation): ``F = (ncy - by + 1)·(ncx - bx + 1)·by·bx·O``.

Precision. scikit-image sums each cell in single precision (a C ``float`` accumulator), so its
output is only float32-accurate; this module matches it to ~1e-7 (the tests assert <= 1e-6 in
float64), not bit for bit. With ``dtype=float64`` (default) every difference is taken in double
precision and every *decision* -- which channel, which orientation bin -- is skimage's: the
bulk of the work runs on the differences rounded to float32, and wherever that rounding could
change a decision the pixel is recomputed in double precision. The votes travel in float32
(relative error ~2e-7) and are summed in float64.

Speed, without a Python loop over images or cells: ``atan2`` + ``mod`` over every pixel would
cost more than everything else together, so the orientation bin comes from a lookup table
indexed by a monotone "pseudo-angle" (one division, in float32). Table cells within a small
margin of a bin edge are marked ambiguous; only their pixels (~0.2 % of random images) are binned
with skimage's own double-precision formula. Likewise, colour pixels whose two best channels
have nearly equal magnitude are re-decided with ``hypot`` as skimage does (``hypot`` and
``g_row² + g_col²`` can order exact ties differently). Images are processed in chunks of
~65k pixels whose temporaries stay in the CPU caches; the block normalization runs at the end
over the whole batch.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
from numpy.lib.stride_tricks import as_strided

from neuralab.features._checks import (
    check_batch,
    check_choice,
    check_finite,
    check_int,
    check_pair,
    check_work_dtype,
)

__all__ = ["BLOCK_NORMS", "hog", "hog_shape"]

#: Allowed values of ``block_norm``.
BLOCK_NORMS: tuple[str, ...] = ("L1", "L1-sqrt", "L2", "L2-Hys")

_EPS = 1e-5  # skimage's block-normalization epsilon
_HYS_CLIP = 0.2  # L2-Hys clipping threshold
_TABLE_BITS = 12  # 4096 pseudo-angle cells: ~0.05° each, so few pixels are near an edge
# Margin (degrees) around bin edges inside which the table defers to the exact formula: the fast
# path works in float32, whose rounding moves a pseudo-angle by < 1e-4° (and the margin costs
# almost nothing: a table cell is ~0.04° wide).
_TABLE_MARGIN = 1e-3
# Pixels per chunk: small enough that a chunk's temporaries stay in the CPU caches, large enough
# that numpy's per-call overhead (~60 calls per chunk) is negligible.
_CHUNK_PIXELS = 1 << 16
# Images whose block normalization runs in one go (bounds the (n, F) temporaries).
_NORM_CHUNK = 4096
# Relative tolerance on squared magnitudes below which two colour channels count as tied: far
# above the float32 rounding of g_row² + g_col² (~4e-7) and of skimage's hypot.
_TIE_RTOL = 1e-5
_SIGN32 = np.int32(-(2**31))  # the sign bit of a float32 seen as int32


@dataclass(frozen=True)
class _Spec:
    orientations: int
    cell: tuple[int, int]
    block: tuple[int, int]
    block_norm: str
    n_cells: tuple[int, int]
    n_blocks: tuple[int, int]

    @property
    def n_features(self) -> int:
        return (self.n_blocks[0] * self.n_blocks[1] * self.block[0] * self.block[1]
                * self.orientations)


def hog_shape(
    image_shape: tuple[int, int] | tuple[int, ...],
    orientations: int = 9,
    pixels_per_cell: tuple[int, int] = (8, 8),
    cells_per_block: tuple[int, int] = (3, 3),
) -> tuple[int, int, int, int, int]:
    """Shape ``(n_blocks_row, n_blocks_col, by, bx, O)`` of one image's HOG before flattening.

    ``image_shape`` is ``(H, W)`` (a trailing channel size is ignored). Raises ``ValueError`` when
    the image holds fewer than one block.
    """
    spec = _make_spec(tuple(image_shape[:2]), orientations, pixels_per_cell, cells_per_block,
                      "L2-Hys")
    return (*spec.n_blocks, *spec.block, spec.orientations)


def _make_spec(
    hw: tuple[int, ...], orientations: Any, pixels_per_cell: Any, cells_per_block: Any,
    block_norm: Any,
) -> _Spec:
    o = check_int("orientations", orientations, 1)
    cell = check_pair("pixels_per_cell", pixels_per_cell)
    block = check_pair("cells_per_block", cells_per_block)
    norm = check_choice("block_norm", block_norm, BLOCK_NORMS)
    h, w = int(hw[0]), int(hw[1])
    n_cells = (h // cell[0], w // cell[1])
    n_blocks = (n_cells[0] - block[0] + 1, n_cells[1] - block[1] + 1)
    if n_blocks[0] < 1 or n_blocks[1] < 1:
        raise ValueError(
            f"images of {h}x{w} pixels are too small for pixels_per_cell={cell} and "
            f"cells_per_block={block}: one block needs at least {block[0] * cell[0]} rows and "
            f"{block[1] * cell[1]} columns"
        )
    return _Spec(o, cell, block, norm, n_cells, n_blocks)


def hog(
    images: Any,
    orientations: int = 9,
    pixels_per_cell: tuple[int, int] = (8, 8),
    cells_per_block: tuple[int, int] = (3, 3),
    block_norm: str = "L2-Hys",
    channel_axis: int | None = None,
    *,
    transform_sqrt: bool = False,
    dtype: Any = np.float64,
) -> np.ndarray:
    """HOG descriptors of a batch of images, one row per image.

    Parameters
    ----------
    images : array_like
        ``(N, H, W)`` grayscale images (``channel_axis=None``) or ``(N, H, W, C)`` colour images
        (``channel_axis=-1``); any real dtype (uint8, float32, float64 ...), finite values.
    orientations : int
        ``O``, number of orientation bins over ``[0°, 180°)``, >= 1.
    pixels_per_cell : (int, int)
        ``(ch, cw)``, cell size in pixels (rows, cols).
    cells_per_block : (int, int)
        ``(by, bx)``, block size in cells.
    block_norm : {"L1", "L1-sqrt", "L2", "L2-Hys"}
        Block normalization (see the module docstring for the formulas).
    channel_axis : int or None
        Axis of the *batch* array that holds the channels (``-1`` or ``3`` for ``(N, H, W, C)``,
        ``1`` for ``(N, C, H, W)``); ``None`` for grayscale. Never 0, the batch axis.
    transform_sqrt : bool
        Take the square root of the images first (power-law compression); needs values >= 0.
    dtype : {float64, float32}
        Precision of the gradients and of the result. float64 (default) equals scikit-image's
        result on the same images to ~1e-7. float32 is ~25 % faster and equals scikit-image run
        on ``images.astype(np.float32)`` (which is what skimage itself computes for float32
        input) to ~1e-7; it can differ from the float64 result where float32 rounding of a
        gradient moves its orientation across a bin edge.

    Returns
    -------
    numpy.ndarray
        Shape ``(N, F)`` with ``F = (ncy - by + 1)(ncx - bx + 1)·by·bx·O``, ``ncy = H // ch``,
        ``ncx = W // cw``; row ``i`` equals ``skimage.feature.hog(images[i], orientations,
        pixels_per_cell, cells_per_block, block_norm, channel_axis=-1 or None,
        transform_sqrt=transform_sqrt, feature_vector=True)``.

    Raises
    ------
    ValueError
        Wrong number of dimensions, an image smaller than one block, non-finite values,
        negative values with ``transform_sqrt``, or a parameter outside its allowed values.
    TypeError
        ``images`` is not real numeric data.

    Examples
    --------
    >>> import numpy as np
    >>> from neuralab import features
    >>> x = np.random.default_rng(0).random((5, 32, 32, 3))
    >>> features.hog(x, pixels_per_cell=(8, 8), cells_per_block=(2, 2), channel_axis=-1).shape
    (5, 324)
    """
    work = check_work_dtype("dtype", dtype)
    if channel_axis is None:
        x = check_batch("images", images, (3,), "(N, H, W) with channel_axis=None")
        x = x[..., None]
    else:
        x = check_batch("images", images, (4,), "(N, H, W, C) with channel_axis=-1")
        if isinstance(channel_axis, bool) or not isinstance(channel_axis, int | np.integer):
            raise ValueError(
                f"channel_axis={channel_axis!r} is not allowed; use None (grayscale) or an axis "
                "of the batch array other than 0, e.g. -1 for (N, H, W, C)"
            )
        if not -4 <= channel_axis <= 3 or channel_axis % 4 == 0:
            raise ValueError(
                f"channel_axis={channel_axis!r} is not allowed for images of shape {x.shape}: "
                "use -1/3 for (N, H, W, C), 1 for (N, C, H, W); axis 0 is the batch"
            )
        x = np.moveaxis(x, int(channel_axis) % 4, -1)
    n, h, w, c = x.shape
    if c < 1:
        raise ValueError(f"images must have at least one channel, got shape {x.shape}")
    spec = _make_spec((h, w), orientations, pixels_per_cell, cells_per_block, block_norm)
    if not isinstance(transform_sqrt, bool | np.bool_):
        raise ValueError(f"transform_sqrt={transform_sqrt!r} is not allowed; use True or False")
    if transform_sqrt and n and x.min() < 0:
        raise ValueError(
            f"transform_sqrt=True needs images >= 0, got a minimum of {float(x.min())}"
        )

    out = np.empty((n, spec.n_features), dtype=work)
    if n == 0:
        return out
    chunk = min(n, max(1, _CHUNK_PIXELS // (h * w)))
    ws = _Workspace(chunk, h, w, c, spec, work)
    hist = np.empty((n, *spec.n_cells, spec.orientations), dtype=np.float64)
    for start in range(0, n, chunk):  # chunks of images bound memory; each is fully vectorized
        stop = min(start + chunk, n)
        if not _cell_histograms(x[start:stop], spec, ws, transform_sqrt, out=hist[start:stop]):
            check_finite("images", np.asarray(images))  # raises, naming the global index
    for start in range(0, n, _NORM_CHUNK):
        stop = min(start + _NORM_CHUNK, n)
        out[start:stop] = _normalize_blocks(hist[start:stop], spec).reshape(stop - start, -1)
    return out


# --------------------------------------------------------------------------- internals
#
# Precision plan. Each gradient is a difference taken in the working dtype (double by default)
# and rounded once to float32; the bulk work -- squared magnitudes, channel choice, magnitudes,
# fast orientation binning -- runs on those (half the memory traffic of float64). Decisions that
# float32 rounding could flip are deferred: the table defers every angle within _TABLE_MARGIN
# of a bin edge, channel choices within _TIE_RTOL count as ties, and squared magnitudes that
# overflow float32 send the whole chunk. Those pixels get their gradients recomputed from the
# image in the working dtype and are re-decided exactly as skimage does: channel by argmax of
# hypot, vote by hypot, orientation by degrees(arctan2) % 180, in float64.


class _Workspace:
    """Buffers for one chunk of ``n`` images, reused by every chunk: allocating fresh
    temporaries per chunk would cost more (page faults) than the arithmetic itself.

    Per-pixel arrays are flat over the chunk, ``S = n·H·W`` pixels, channel-major ``(C, S)``
    so that every array operation runs over one long contiguous stretch of memory.
    """

    def __init__(self, n: int, h: int, w: int, c: int, spec: _Spec, work: np.dtype) -> None:
        (ch, cw), (ncy, ncx), o1 = spec.cell, spec.n_cells, spec.orientations + 1
        size = n * h * w
        self.work = work
        self.planar = np.empty((c, size), dtype=work)
        self.m2 = np.empty((c, size), dtype=np.float32)
        self.best_m2 = np.empty(size, dtype=np.float32)
        self.flag = np.empty(size, dtype=bool)
        self.tie = np.empty(size, dtype=bool)
        self.count = np.empty(size, dtype=np.uint8)
        # The gradients, rounded to float32 (the exact path recomputes the few it needs).
        self.r32 = np.empty((c, size), dtype=np.float32)
        self.c32 = np.empty((c, size), dtype=np.float32)
        self.f32 = np.empty((4, size), dtype=np.float32)
        self.mask = np.empty(size, dtype=np.int32)
        self.i32 = np.empty((2, size), dtype=np.int32)
        self.bins = np.empty(size, dtype=np.intp)
        # Where each pixel votes in the flat (n, ncy, ncx, O + 1) histogram. Bin O is the sink
        # for pixels that fall in no bin. Pixels outside the cell grid (bottom rows / right
        # columns when H or W is not a multiple of the cell size) vote into cell 0 with weight 0.
        rows, cols = ncy * ch, ncx * cw
        cell = np.zeros((h, w), dtype=np.intp)
        cell[:rows, :cols] = (np.repeat(np.arange(ncy), ch)[:, None] * ncx
                              + np.repeat(np.arange(ncx), cw)[None, :])
        image = np.arange(n)[:, None, None] * (ncy * ncx)
        self.pos = ((image + cell) * o1).reshape(-1)
        self.inside = None
        if rows < h or cols < w:
            inside = np.zeros((h, w), dtype=np.float32)
            inside[:rows, :cols] = 1
            self.inside = np.broadcast_to(inside, (n, h, w)).reshape(-1)


@lru_cache(maxsize=64)
def _orientation_table(orientations: int) -> tuple[np.ndarray, np.ndarray]:
    """``(table, edges)`` for binning by pseudo-angle.

    For a folded gradient ``(u, v)`` with ``v >= 0`` the pseudo-angle ``p = 1 - u / (|u| + v)``
    grows monotonically from 0 (θ = 0°) to 2 (θ = 180°). ``table[j]`` is the orientation bin of
    every θ whose p lies in ``[2j/L, 2(j+1)/L)`` (``L = 2**_TABLE_BITS``) widened by
    ``_TABLE_MARGIN``, or -1 if that range touches a bin edge (then the exact formula decides).
    ``table[L]`` (p = 2 after rounding: θ within float32 rounding of 180°, which skimage may
    put in the last bin or, if its θ rounds to 180.0, in none) is -1 as well; an exactly
    horizontal gradient (``g_row == 0``, θ = 0° or 180° ≡ 0°, bin 0) is given index 0 instead.
    ``edges`` are skimage's bin edges, ``(180/O)·k`` computed in double precision as its Cython
    code does.
    """
    edges = (180.0 / orientations) * np.arange(orientations + 1, dtype=np.float64)
    size = 1 << _TABLE_BITS
    q = 1.0 - np.arange(size + 1) * (2.0 / size)  # cell boundaries in q = u / (|u| + v)
    theta = np.rad2deg(np.arctan2(1.0 - np.abs(q), q))  # inverse of the pseudo-angle, degrees
    lo = np.searchsorted(edges, np.maximum(theta[:-1] - _TABLE_MARGIN, 0.0), side="right") - 1
    hi = np.searchsorted(edges, theta[1:] + _TABLE_MARGIN, side="right") - 1
    clean = (lo == hi) & (hi < orientations)
    table = np.append(np.where(clean, lo, -1), -1).astype(np.intp)
    return table, edges


def _gradients(x: np.ndarray, ws: _Workspace, transform_sqrt: bool
               ) -> tuple[list[np.ndarray], np.ndarray, np.ndarray]:
    """Central differences of the chunk x (n, H, W, C), any layout and real dtype.

    Returns the channel planes (C arrays of S values in the working dtype, for
    :func:`_exact_gradients`) and ``g_row, g_col`` (C, S) float32: each difference is taken in
    the working dtype and then rounded once. 0 on each image's border rows (``g_row``) /
    columns (``g_col``), as skimage. The differences are single long operations over each flat
    channel; their meaningless values at image borders (differences across rows / images) are
    then overwritten with 0.
    """
    n, h, w, c = x.shape
    size = n * h * w
    if x.dtype == ws.work and x.flags.c_contiguous and not transform_sqrt:
        # Read the channels in place: strided 1-D views of the interleaved data.
        flat = x.reshape(-1)
        planes = [flat[k::c] for k in range(c)]
    else:
        planar = ws.planar[:, :size]
        for k in range(c):  # a loop over the few channels
            np.copyto(planar[k].reshape(n, h, w), x[..., k], casting="unsafe")
        if transform_sqrt:
            np.sqrt(planar, out=planar)
        planes = list(planar)
    g_row, g_col = ws.r32[:, :size], ws.c32[:, :size]
    for k, p in enumerate(planes):
        np.subtract(p[2:], p[:-2], out=g_col[k, 1:-1], casting="same_kind")
        if h > 2:
            np.subtract(p[2 * w :], p[: -2 * w], out=g_row[k, w:-w], casting="same_kind")
    cols = g_col.reshape(c, n * h, w)
    cols[:, :, 0] = 0
    cols[:, :, -1] = 0
    rows = g_row.reshape(c, n, h, w)
    rows[:, :, 0] = 0
    rows[:, :, -1] = 0
    return planes, g_row, g_col


def _exact_gradients(planes: list[np.ndarray], idx: np.ndarray, h: int, w: int
                     ) -> tuple[np.ndarray, np.ndarray]:
    """``g_row, g_col`` (C, k) float64 of the flat pixels ``idx``, each difference taken in the
    planes' dtype as skimage does (so float32 images give float32 differences, upcast)."""
    col, row = idx % w, (idx // w) % h
    inner_c = (col > 0) & (col < w - 1)
    inner_r = (row > 0) & (row < h - 1)
    last = planes[0].shape[0] - 1
    right, left = np.minimum(idx + 1, last), np.maximum(idx - 1, 0)
    down, up = np.minimum(idx + w, last), np.maximum(idx - w, 0)
    g_row = np.stack([np.where(inner_r, p[down] - p[up], 0) for p in planes])
    g_col = np.stack([np.where(inner_c, p[right] - p[left], 0) for p in planes])
    return g_row.astype(np.float64, copy=False), g_col.astype(np.float64, copy=False)


def _choose_channel(
    g_row: np.ndarray, g_col: np.ndarray, ws: _Workspace
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray | None]:
    """Per pixel, the channel with the largest gradient magnitude, in float32.

    Inputs (C, S) float32. Returns ``m2`` (S,) float32, the largest
    ``g_row² + g_col²``; ``r32, c32`` (S,) float32, the chosen channel's gradient; and a boolean
    mask of ties (or None): pixels where a second channel's ``m2`` lies within ``_TIE_RTOL`` of
    the best. There float32 rounding (or skimage's ``hypot``) could order the channels
    differently, so the exact path re-decides them. Zero gradients never count as ties.
    """
    c, size = g_row.shape
    r32, c32 = g_row, g_col
    m2 = ws.m2[:, :size]
    tmp = ws.f32[2, :size]
    np.square(r32, out=m2)
    for k in range(c):
        np.square(c32[k], out=tmp)
        m2[k] += tmp
    if c == 1:
        return m2[0], r32[0], c32[0], None
    best, best_r, best_c = ws.best_m2[:size], ws.f32[0, :size], ws.f32[1, :size]
    np.copyto(best, m2[0])
    np.copyto(best_r, r32[0])
    np.copyto(best_c, c32[0])
    better, mask, t = ws.flag[:size], ws.mask[:size], ws.i32[0, :size]
    for k in range(1, c):  # a loop over the few channels, vectorized over pixels
        np.greater(m2[k], best, out=better)  # strict: the first channel wins exact ties
        np.maximum(best, m2[k], out=best)
        # Branch-free exact select: dst ^= (dst ^ src) & mask, mask all ones where better.
        np.negative(better.view(np.int8), out=mask, casting="unsafe")
        for dst, src in ((best_r, r32[k]), (best_c, c32[k])):
            d = dst.view(np.int32)
            np.bitwise_xor(d, src.view(np.int32), out=t)
            t &= mask
            d ^= t
    threshold = tmp
    np.multiply(best, np.float32(1.0 - _TIE_RTOL), out=threshold)
    count = ws.count[:size]
    np.greater(m2[0], threshold, out=better)
    np.copyto(count, better, casting="unsafe")
    for k in range(1, c):
        np.greater(m2[k], threshold, out=better)
        count += better
    tie = np.greater_equal(count, 2, out=ws.tie[:size])
    return best, best_r, best_c, tie


def _fast_bins(r: np.ndarray, c: np.ndarray, table: np.ndarray, ws: _Workspace) -> np.ndarray:
    """Orientation bins (S,) intp of the float32 gradients ``(r, c) = (g_row, g_col)`` by
    table lookup; -1 where the table defers to the exact formula. Overwrites ``c``'s buffer
    when it is ``ws.f32[1]``."""
    size = r.shape[0]
    u, den, t = ws.f32[2, :size], ws.f32[3, :size], ws.f32[1, :size]
    # Fold to the upper half-plane, (u, v) = sign(g_row)·(g_col, g_row), by copying the sign bit
    # of g_row onto g_col: θ and θ + 180° are the same unsigned orientation.
    ui = u.view(np.int32)
    np.bitwise_and(r.view(np.int32), _SIGN32, out=ui)
    ui ^= c.view(np.int32)
    # Pseudo-angle index (1 - q)·L/2 with q = u / (|u| + v):
    # (1 - q) = (|u| + v - u) / (|u| + v), and |u| + v = |g_col| + |g_row|.
    np.abs(c, out=den)
    np.abs(r, out=t)  # t may alias c: c is not needed after this
    den += t
    den += np.finfo(np.float32).tiny  # a zero gradient gives (0 - 0) / tiny = 0: bin 0
    np.subtract(den, u, out=t)
    t *= np.float32(0.5 * (table.size - 1))  # exact: a power of two
    t /= den
    index = ws.i32[1, :size]
    np.copyto(index, t, casting="unsafe")  # floor, as t >= 0
    # g_row == 0 (either sign): θ is 0° or 180° ≡ 0°, bin 0 -- index 0, never the deferred L.
    nonzero = np.not_equal(r, 0, out=ws.flag[:size])
    np.multiply(index, nonzero, out=index)
    return np.take(table, index, out=ws.bins[:size], mode="clip")  # in range; no checks


def _exact_votes(gr: np.ndarray, gc: np.ndarray, edges: np.ndarray
                 ) -> tuple[np.ndarray, np.ndarray]:
    """``(magnitude, bin)`` of pixels with float64 gradients ``gr, gc`` (C, k) by skimage's
    own rule, in double precision as its Cython kernel runs: the channel with the largest
    ``hypot`` (the first on ties), its ``hypot`` as the vote, bin of
    ``degrees(arctan2(g_row, g_col)) mod 180`` by comparison with the edges; a θ that rounds to
    180.0 goes to the sink bin O."""
    pick = np.argmax(np.hypot(gr, gc), axis=0)
    cols = np.arange(gr.shape[1])
    gr, gc = gr[pick, cols], gc[pick, cols]
    theta = np.rad2deg(np.arctan2(gr, gc)) % 180
    bins = np.searchsorted(edges, theta, side="right") - 1
    o = edges.size - 1
    bins[bins >= o] = o
    return np.hypot(gc, gr), bins


def _all_finite(x: np.ndarray) -> bool:
    return x.dtype.kind != "f" or bool(np.isfinite(x).all())


def _cell_histograms(
    x: np.ndarray, spec: _Spec, ws: _Workspace, transform_sqrt: bool, out: np.ndarray
) -> bool:
    """Cell histograms ``out`` (n, ncy, ncx, O) float64 of the chunk x (n, H, W, C); False
    (and ``out`` unspecified) if x holds NaN or inf."""
    n = x.shape[0]
    (ch, cw), (ncy, ncx), o = spec.cell, spec.n_cells, spec.orientations
    with np.errstate(over="ignore", invalid="ignore"):  # float32 overflow: handled below
        planes, g_row, g_col = _gradients(x, ws, transform_sqrt)
        m2, r32, c32, tie = _choose_channel(g_row, g_col, ws)
    h, w = x.shape[1:3]
    table, edges = _orientation_table(o)
    largest = m2.max()
    if not np.isfinite(largest) or min(h, w) < 3:
        # Every pixel of an image >= 3x3 enters some gradient, so a NaN/inf anywhere shows up
        # in m2 (np.maximum propagates NaN); only then look for it.
        if not _all_finite(x):
            return False
    if np.isfinite(largest):
        bins = _fast_bins(r32, c32, table, ws)
        magnitude = np.sqrt(m2, out=m2)
        flag = np.less(bins, 0, out=ws.flag[: bins.shape[0]])
        if tie is not None:
            flag |= tie
        exact = np.flatnonzero(flag)
        if exact.size:
            gr, gc = _exact_gradients(planes, exact, h, w)
            magnitude[exact], bins[exact] = _exact_votes(gr, gc, edges)
    else:  # finite pixels whose differences overflow float32 (|g| > 1e19): all exact
        gr, gc = _exact_gradients(planes, np.arange(m2.shape[0]), h, w)
        magnitude, bins = _exact_votes(gr, gc, edges)
    if ws.inside is not None:
        magnitude *= ws.inside[: magnitude.shape[0]]

    bins += ws.pos[: bins.shape[0]]
    hist = np.bincount(bins, weights=magnitude, minlength=n * ncy * ncx * (o + 1))
    # The cell mean, as skimage (which divides its sum by the cell area).
    np.divide(hist.reshape(n, ncy, ncx, o + 1)[..., :o], ch * cw, out=out)
    return True


def _normalize_blocks(hist: np.ndarray, spec: _Spec) -> np.ndarray:
    """Blocks (n, nby, nbx, by, bx, O) of the cell histograms hist (n, ncy, ncx, O), each
    normalized on its own with skimage's formulas (see the module docstring).

    The blocks are gathered with one copy from a strided view (block (i, j) starts at cell
    (i, j)); per-block sums are row sums of the (n·nby·nbx, by·bx·O) matrix, computed with
    ``einsum`` / a matrix product, which is much faster than ``sum`` over short trailing axes.
    """
    n, o = hist.shape[0], spec.orientations
    (by, bx), (nby, nbx) = spec.block, spec.n_blocks
    hist = np.ascontiguousarray(hist)
    sn, sy, sx, so = hist.strides
    view = as_strided(hist, shape=(n, nby, nbx, by, bx, o), strides=(sn, sy, sx, sy, sx, so),
                      writeable=False)
    blocks = np.empty((n, nby, nbx, by, bx, o), dtype=hist.dtype)
    np.copyto(blocks, view)
    rows = blocks.reshape(-1, by * bx * o)  # one row per block
    if spec.block_norm in ("L1", "L1-sqrt"):
        # The votes are >= 0, so Σ|v| = Σv.
        rows *= (1.0 / (rows @ np.ones(rows.shape[1]) + _EPS))[:, None]
        if spec.block_norm == "L1-sqrt":
            np.sqrt(rows, out=rows)
    else:
        rows *= (1.0 / np.sqrt(np.einsum("ij,ij->i", rows, rows) + _EPS**2))[:, None]
        if spec.block_norm == "L2-Hys":
            np.minimum(rows, _HYS_CLIP, out=rows)
            rows *= (1.0 / np.sqrt(np.einsum("ij,ij->i", rows, rows) + _EPS**2))[:, None]
    return blocks
