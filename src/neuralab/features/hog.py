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
~65k pixels whose temporaries stay in the CPU caches, histograms and block normalization
alike; the chunks are independent, so ``n_jobs`` threads share them (numpy releases the GIL in
its array operations) and the result is the same bit for bit with any number of threads.
"""

from __future__ import annotations

import itertools
import os
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, TypeVar

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
# that numpy's per-call overhead (~100 calls per chunk, ~1 µs each) stays small.
_CHUNK_PIXELS = 1 << 16
# Relative tolerance on squared magnitudes below which two colour channels count as tied: far
# above the float32 rounding of g_row² + g_col² (~4e-7) and of skimage's hypot.
_TIE_RTOL = 1e-5
_SIGN32 = np.int32(-(2**31))  # the sign bit of a float32 seen as int32
_TINY32 = np.finfo(np.float32).tiny  # the smallest normal float32


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
    n_jobs: int | None = 1,
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
    n_jobs : int or None
        Threads that share the work: the batch is cut into chunks of ~65k pixels (64 images of
        32x32) and each thread takes the next chunk until none is left (numpy releases the GIL
        in its array operations, so the threads run in parallel). ``None``: one per CPU this
        process may run on, capped at the number of chunks; ``1`` (default): the calling thread
        only, no thread pool. The default is 1 because on the 2-vCPU machine we measure on,
        threads gained 0.8–1.15× (the vCPUs share a core); try ``None`` on a real multi-core.
        The result does not depend on ``n_jobs``: every image's features are computed by the
        same operations whichever thread runs them, bit for bit.

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
        negative values with ``transform_sqrt``, or a parameter outside its allowed values
        (``n_jobs`` must be None or an integer >= 1).
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

    chunk = max(1, min(n, _CHUNK_PIXELS // (h * w)))
    n_chunks = -(-n // chunk)
    jobs = resolve_n_jobs(n_jobs, n_chunks)
    out = np.empty((n, spec.n_features), dtype=work)
    if n == 0:
        return out

    def one_chunk(ws: _Workspace, i: int) -> None:
        # Chunks of images bound memory and keep temporaries in cache; each is fully
        # vectorized, and its images' rows of ``out`` depend on nothing else.
        start, stop = i * chunk, min((i + 1) * chunk, n)
        hist = ws.hist[: stop - start]
        if not _cell_histograms(x[start:stop], spec, ws, transform_sqrt, out=hist):
            check_finite("images", np.asarray(images))  # raises, naming the global index
        _normalize_blocks(stop - start, spec, ws, out[start:stop])

    run_chunks(n_chunks, jobs, lambda: _Workspace(chunk, h, w, c, spec, work), one_chunk)
    return out


# --------------------------------------------------------------------------- threads
#
# Shared with color.py. A pool per call (its cost, 0.1-0.3 ms, is ~0.1 % of a 10k-image batch;
# batches of one chunk never start one), no global state: each thread owns its buffers and
# writes its own rows of the result.

_State = TypeVar("_State")


def resolve_n_jobs(n_jobs: Any, n_chunks: int) -> int:
    """Threads to use for ``n_chunks`` chunks: ``n_jobs`` (None = the CPUs this process may run
    on), capped at ``n_chunks``, at least 1. Raises ``ValueError`` for anything but None or an
    integer >= 1."""
    if n_jobs is None:
        try:
            n_jobs = len(os.sched_getaffinity(0))
        except (AttributeError, OSError):  # not on Linux
            n_jobs = os.cpu_count() or 1
    elif isinstance(n_jobs, bool) or not isinstance(n_jobs, int | np.integer) or n_jobs < 1:
        raise ValueError(
            f"n_jobs={n_jobs!r} is not allowed; expected None (one thread per CPU) or an "
            "integer >= 1"
        )
    return max(1, min(int(n_jobs), n_chunks))


def run_chunks(n_chunks: int, n_jobs: int, make_state: Callable[[], _State],
               work: Callable[[_State, int], None]) -> None:
    """``work(state, i)`` for every chunk ``i`` in ``range(n_chunks)``, on ``n_jobs`` threads
    (the calling thread and ``n_jobs - 1`` pool threads), each with its own ``make_state()``.

    Threads take the next chunk from a shared counter, so a thread slowed down by other work on
    the machine simply does fewer chunks. The first exception stops the others after their
    current chunk and is raised here. ``n_jobs == 1``: a plain loop, no thread.
    """
    if n_jobs <= 1:
        state = make_state()
        for i in range(n_chunks):
            work(state, i)
        return
    counter, lock, failed = itertools.count(), threading.Lock(), threading.Event()

    def worker() -> None:
        state = make_state()
        while not failed.is_set():
            with lock:
                i = next(counter)
            if i >= n_chunks:
                return
            try:
                work(state, i)
            except BaseException:
                failed.set()
                raise

    with ThreadPoolExecutor(max_workers=n_jobs - 1,
                            thread_name_prefix="neuralab-features") as pool:
        futures = [pool.submit(worker) for _ in range(n_jobs - 1)]
        worker()  # on an exception, leaving the block waits for the pool threads to stop
    for future in futures:
        future.result()  # re-raises a pool thread's exception


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
        self.sq = np.empty((c, size), dtype=np.float32) if c > 1 else None
        # The gradients, rounded to float32 (the exact path recomputes the few it needs).
        self.r32 = np.empty((c, size), dtype=np.float32)
        self.c32 = np.empty((c, size), dtype=np.float32)
        self.f32 = np.empty((4, size), dtype=np.float32)
        self.mask = np.empty(size, dtype=np.int32)
        self.i32 = np.empty((2, size), dtype=np.int32)
        self.bins = np.empty(size, dtype=np.intp)
        # Cell histograms and block normalization (see _normalize_blocks).
        (by, bx), (nby, nbx), o = spec.block, spec.n_blocks, spec.orientations
        self.hist = np.empty((n, ncy, ncx, o), dtype=np.float64)
        sn, sy, sx, so = self.hist.strides
        self.hist_blocks = as_strided(self.hist, shape=(n, nby, nbx, by, bx, o),
                                      strides=(sn, sy, sx, sy, sx, so), writeable=False)
        self.blocks = np.empty((n * nby * nbx, by * bx * o), dtype=np.float64)
        self.norms = np.empty(n * nby * nbx, dtype=np.float64)
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
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Central differences of the chunk x (n, H, W, C), any layout and real dtype.

    Returns the channel planes (C, S) in the working dtype (x itself for contiguous grayscale
    images of that dtype, else a channel-major copy; :func:`_exact_gradients` reads them too)
    and ``g_row, g_col`` (C, S) float32: each difference is taken in the working dtype and then
    rounded once. 0 on each image's border rows (``g_row``) / columns (``g_col``), as skimage.
    The differences are single long operations over each flat channel; their meaningless
    values at image borders (differences across rows / images) are then overwritten with 0.
    """
    n, h, w, c = x.shape
    size = n * h * w
    if c == 1 and x.dtype == ws.work and x.flags.c_contiguous and not transform_sqrt:
        planes = x.reshape(1, size)  # the image itself
    else:
        # One copy to channel-major planes: cheaper than differences of strided channels.
        planes = ws.planar[:, :size]
        np.copyto(planes.reshape(c, n, h, w), np.moveaxis(x, -1, 0), casting="unsafe")
        if transform_sqrt:
            np.sqrt(planes, out=planes)
    g_row, g_col = ws.r32[:, :size], ws.c32[:, :size]
    np.subtract(planes[:, 2:], planes[:, :-2], out=g_col[:, 1:-1], casting="same_kind")
    if h > 2:
        np.subtract(planes[:, 2 * w :], planes[:, : -2 * w], out=g_row[:, w:-w],
                    casting="same_kind")
    cols = g_col.reshape(c, n * h, w)
    cols[:, :, 0] = 0
    cols[:, :, -1] = 0
    rows = g_row.reshape(c, n, h, w)
    rows[:, :, 0] = 0
    rows[:, :, -1] = 0
    return planes, g_row, g_col


def _exact_gradients(planes: np.ndarray, idx: np.ndarray, h: int, w: int) -> np.ndarray:
    """``(g_row, g_col)`` (C, 2, k) float64 of the flat pixels ``idx``, each difference taken in
    the planes' dtype as skimage does (so float32 images give float32 differences, upcast).
    A few operations on k pixels whatever C: this runs once per chunk on ~0.2 % of its pixels,
    so its cost is the number of numpy calls."""
    inner = np.empty((2, idx.shape[0]), dtype=np.intp)
    np.floor_divide(idx, w, out=inner[0])
    np.remainder(inner[0], h, out=inner[0])  # row
    np.remainder(idx, w, out=inner[1])  # column
    inner -= 1  # border rows / columns (0 or size - 1) get a 0 gradient: now -1 or size - 2
    inner = inner.view(np.uintp) < np.array([[max(h - 2, 0)], [max(w - 2, 0)]], np.uintp)
    neighbours = idx + np.array([[w], [-w], [1], [-1]])  # down, up, right, left
    # Off the chunk only at its border pixels, whose difference is discarded: clip.
    values = planes.take(neighbours, axis=1, mode="clip")  # (C, 4, k)
    diff = values[:, 0::2] - values[:, 1::2]  # (C, 2, k): down - up, right - left
    return np.where(inner, diff, 0).astype(np.float64, copy=False)


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
    m2 = ws.m2[:, :size]
    np.square(g_row, out=m2)
    if c == 1:
        tmp = ws.f32[2, :size]
        np.square(g_col[0], out=tmp)
        m2[0] += tmp
        return m2[0], g_row[0], g_col[0], None
    sq = ws.sq[:, :size]
    np.square(g_col, out=sq)
    m2 += sq  # sq is free from here on
    best, best_r, best_c = ws.best_m2[:size], ws.f32[0, :size], ws.f32[1, :size]
    second = ws.f32[2, :size]  # the second largest m2: a tie if it is close to the best
    better, mask, t = ws.flag[:size], ws.mask[:size], ws.i32[0, :size]
    prev, prev_r, prev_c = m2[0], g_row[0], g_col[0]  # the best of the channels before k
    for k in range(1, c):  # a loop over the few channels, vectorized over pixels
        np.greater(m2[k], prev, out=better)  # strict: the first channel wins exact ties
        if k == 1:
            np.minimum(prev, m2[k], out=second)
        else:
            np.minimum(prev, m2[k], out=sq[0])
            np.maximum(second, sq[0], out=second)
        np.maximum(prev, m2[k], out=best)
        # Branch-free exact select: best = prev ^ ((prev ^ new) & mask), mask all ones where
        # the new channel is better.
        np.negative(better.view(np.int8), out=mask, casting="unsafe")
        for dst, old, new in ((best_r, prev_r, g_row[k]), (best_c, prev_c, g_col[k])):
            np.bitwise_xor(old.view(np.int32), new.view(np.int32), out=t)
            t &= mask
            np.bitwise_xor(old.view(np.int32), t, out=dst.view(np.int32))
        prev, prev_r, prev_c = best, best_r, best_c
    threshold = sq[0]
    np.multiply(best, np.float32(1.0 - _TIE_RTOL), out=threshold)
    # At least two channels above the threshold <=> the second largest is (the best is above
    # it unless best == 0 or denormal, and then nothing is).
    tie = np.greater(second, threshold, out=ws.tie[:size])
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
    # 1 where g_row != 0, else 0, from the bits of |g_row| (an int32 >= 0, 0 only for ±0.0).
    nonzero = np.minimum(t.view(np.int32), 1, out=ws.mask[:size])
    den += t
    den += _TINY32  # a zero gradient gives (0 - 0) / tiny = 0: bin 0
    np.subtract(den, u, out=t)
    t *= np.float32(0.5 * (table.size - 1))  # exact: a power of two
    t /= den
    index = ws.i32[1, :size]
    np.copyto(index, t, casting="unsafe")  # floor, as t >= 0
    # g_row == 0 (either sign): θ is 0° or 180° ≡ 0°, bin 0 -- index 0, never the deferred L.
    index *= nonzero
    return np.take(table, index, out=ws.bins[:size], mode="clip")  # in range; no checks


def _exact_votes(grad: np.ndarray, edges: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(magnitude, bin)`` of pixels with float64 gradients ``grad = (g_row, g_col)``
    (C, 2, k) by skimage's own rule, in double precision as its Cython kernel runs: the channel
    with the largest ``hypot`` (the first on ties), its ``hypot`` as the vote, bin of
    ``degrees(arctan2(g_row, g_col)) mod 180`` by comparison with the edges; a θ that rounds to
    180.0 goes to the sink bin O."""
    gr, gc = grad[:, 0], grad[:, 1]
    if grad.shape[0] > 1:
        pick = np.argmax(np.hypot(gr, gc), axis=0)
        cols = np.arange(grad.shape[2])
        gr, gc = gr[pick, cols], gc[pick, cols]
    else:
        gr, gc = gr[0], gc[0]
    theta = np.rad2deg(np.arctan2(gr, gc)) % 180
    bins = np.searchsorted(edges, theta, side="right") - 1
    np.minimum(bins, edges.size - 1, out=bins)
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
            magnitude[exact], bins[exact] = _exact_votes(
                _exact_gradients(planes, exact, h, w), edges)
    else:  # finite pixels whose differences overflow float32 (|g| > 1e19): all exact
        magnitude, bins = _exact_votes(
            _exact_gradients(planes, np.arange(m2.shape[0]), h, w), edges)
    if ws.inside is not None:
        magnitude *= ws.inside[: magnitude.shape[0]]

    bins += ws.pos[: bins.shape[0]]
    hist = np.bincount(bins, weights=magnitude, minlength=n * ncy * ncx * (o + 1))
    # The cell mean, as skimage (which divides its sum by the cell area).
    np.divide(hist.reshape(n, ncy, ncx, o + 1)[..., :o], ch * cw, out=out)
    return True


def _normalize_blocks(n: int, spec: _Spec, ws: _Workspace, out: np.ndarray) -> None:
    """Write into ``out`` (n, F) the blocks of the cell histograms ``ws.hist[:n]``, each
    normalized on its own with skimage's formulas (see the module docstring).

    The blocks are gathered with one copy from a strided view (block (i, j) starts at cell
    (i, j)), straight into ``out`` when it is float64; per-block sums are row sums of the
    (n·nby·nbx, by·bx·O) matrix, computed with ``einsum``, which is much faster than ``sum``
    over short trailing axes and, unlike a BLAS matrix product, gives every row the same
    result whatever the rows around it (so chunks and threads cannot change a bit).
    """
    (by, bx), (nby, nbx), o = spec.block, spec.n_blocks, spec.orientations
    m = n * nby * nbx
    direct = out.dtype == np.float64
    rows = out.reshape(m, -1) if direct else ws.blocks[:m]  # one row per block
    np.copyto(rows.reshape(n, nby, nbx, by, bx, o), ws.hist_blocks[:n])
    scale = ws.norms[:m]
    if spec.block_norm in ("L1", "L1-sqrt"):
        np.einsum("ij->i", rows, out=scale)  # the votes are >= 0, so Σ|v| = Σv
        scale += _EPS
        np.divide(1.0, scale, out=scale)
        rows *= scale[:, None]
        if spec.block_norm == "L1-sqrt":
            np.sqrt(rows, out=rows)
    else:
        _l2_normalize(rows, scale)
        if spec.block_norm == "L2-Hys":
            np.minimum(rows, _HYS_CLIP, out=rows)
            _l2_normalize(rows, scale)
    if not direct:
        np.copyto(out, rows.reshape(n, -1))


def _l2_normalize(rows: np.ndarray, scale: np.ndarray) -> None:
    """``rows /= sqrt(Σ rows² + eps²)`` row by row, as ``rows * (1 / sqrt(...))``."""
    np.einsum("ij,ij->i", rows, rows, out=scale)
    scale += _EPS**2
    np.sqrt(scale, out=scale)
    np.divide(1.0, scale, out=scale)
    rows *= scale[:, None]
