"""Histogram of oriented gradients (HOG) for a whole batch of images at once.

:func:`hog` returns, for every image of a batch, the vector ``skimage.feature.hog(image, ...,
feature_vector=True)`` returns (same parameters, same order of features), computed with array
operations over the whole batch: no Python loop over images, cells or pixels.

(Longer than the project's ~500-line rule, on purpose: the five steps below are one data path
whose buffers, chunking and exact-binning fallbacks are shared and tuned together — 20× the
scikit-image loop — and splitting them over files would hide how they feed each other.)

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

Speed, without a Python loop over images or cells (numpy's per-call overhead is what shapes the
code): each chunk of ~32k pixels -- small enough for its temporaries to stay in the L2 cache --
takes two subtractions for all the gradients (in the images' own interleaved layout), a few
comparisons to pick each pixel's channel, two gathers for its gradient, float32 ``arctan2``
(vectorized by numpy) for the orientation, and one ``np.bincount`` for every cell histogram.
Orientations within a small margin of a bin edge (~0.01 % of random pixels), and colour pixels
whose two best channels have nearly equal magnitude but different gradients (~0.55 % of
CIFAR-10's pixels; a grey area's equal channels are no tie, as any of them gives the same vote,
and neither are opposite gradients, ``-g`` voting as ``g``), are "deferred": they vote into a
sink, and are redone with skimage's own double-precision formulas (``hypot``, ``arctan2``,
``mod 180``), which can decide differently from float32 there. That exact path (~20x the fast path's
cost per pixel), the check for NaN/inf and the block normalization run once per group of ~500k
pixels, not per chunk, as their cost is mostly numpy's fixed cost per call. Groups are
independent, so ``n_jobs`` threads share them (numpy releases the GIL in its array operations)
and the result is the same bit for bit with any number of threads.
"""

from __future__ import annotations

import itertools
import math
import os
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, TypeVar

import numpy as np
from numpy.lib.stride_tricks import as_strided

from neuralab.checks import (
    check_array,
    check_choice,
    check_finite,
    check_float_dtype,
    check_int,
    check_pair,
)

__all__ = ["BLOCK_NORMS", "hog", "hog_shape"]

#: Allowed values of ``block_norm``.
BLOCK_NORMS: tuple[str, ...] = ("L1", "L1-sqrt", "L2", "L2-Hys")

_EPS = 1e-5  # skimage's block-normalization epsilon
_HYS_CLIP = 0.2  # L2-Hys clipping threshold
# Margin (degrees) around bin edges inside which the fast path defers to the exact formula. The
# fast path's angle is float32 arctan2 of the float32-rounded gradient: off by < 1e-4° (the
# rounding moves it by ~4e-6°, numpy's arctan2 errs by <= 4 ulp, ~2e-5° at 180°).
_ANGLE_MARGIN = 1e-3
# Pixels per chunk: small enough that a chunk's temporaries mostly stay in the CPU's L2 cache
# (128k pixels cost ~20 % more per pixel than 32k), large enough that numpy's per-call overhead
# (~40 calls per chunk, ~1 µs each) stays small (8k pixels cost ~20 % more too).
_CHUNK_PIXELS = 1 << 15
# Pixels per group of chunks: what has a fixed cost per numpy call and can wait -- the exact
# path's ~30 calls (~100 µs whatever the number of pixels), the check for NaN/inf, the block
# normalization -- runs once per group, while its images are still in the last-level cache
# (512 images of 32x32 RGB float64: 12 MB).
_GROUP_PIXELS = 1 << 19
# Relative tolerance on squared magnitudes below which two colour channels count as tied: far
# above the float32 rounding of g_row² + g_col² (~4e-7) and of skimage's hypot.
_TIE_RTOL = 1e-5


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
        result on the same images to ~1e-7. float32 is ~20 % faster and equals scikit-image run
        on ``images.astype(np.float32)`` (which is what skimage itself computes for float32
        input) to ~1e-7; it can differ from the float64 result where float32 rounding of a
        gradient moves its orientation across a bin edge.
    n_jobs : int or None
        Threads that share the work: the batch is cut into groups of ~500k pixels (512 images
        of 32x32) and each thread takes the next group until none is left (numpy releases the
        GIL in its array operations, so the threads run in parallel). ``None``: one per CPU
        this process may run on, capped at the number of groups; ``1`` (default): the calling
        thread only, no thread pool. The default is 1 because on the shared 2-vCPU machine we
        measure on, 2 threads gained 0.95–1.35× on 10,000 32x32 RGB images, depending on what
        else ran there; try ``None`` on a real multi-core.
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
    work = check_float_dtype("dtype", dtype)
    if channel_axis is None:
        x = check_array("images", images, 3, "(N, H, W) with channel_axis=None")
        x = x[..., None]
    else:
        x = check_array("images", images, 4, "(N, H, W, C) with channel_axis=-1")
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
    if not isinstance(transform_sqrt, np.bool_):  # numpy's bool too
        check_choice("transform_sqrt", transform_sqrt, (True, False))
    if transform_sqrt and n and x.min() < 0:
        raise ValueError(
            f"transform_sqrt=True needs images >= 0, got a minimum of {float(x.min())}"
        )

    chunk = max(1, min(n, _CHUNK_PIXELS // (h * w)))
    group = chunk * max(1, _GROUP_PIXELS // (chunk * h * w))
    n_groups = -(-n // group)
    jobs = resolve_n_jobs(n_jobs, n_groups)
    out = np.empty((n, spec.n_features), dtype=work)
    if n == 0:
        return out
    o = spec.orientations

    def one_group(ws: _Workspace, i: int) -> None:
        # Each group of chunks is fully vectorized, and its images' rows of ``out`` depend on
        # nothing else. Cell histograms chunk by chunk (temporaries in cache); then, once per
        # group, what has a fixed cost per numpy call: the check for NaN/inf, the exact votes
        # of the deferred pixels and the block normalization.
        start, stop = i * group, min((i + 1) * group, n)
        sums = ws.sums[: stop - start]
        deferred, finite = [], True
        with np.errstate(over="ignore", invalid="ignore"):  # NaN/inf: checked below
            for lo in range(start, stop, chunk):
                hi = min(lo + chunk, stop)
                hist, exact = _chunk_votes(x[lo:hi], ws.views(hi - lo), transform_sqrt)
                # NaN/inf anywhere in x makes some vote non-finite (every pixel of an image
                # >= 3x3 enters some gradient; np.maximum propagates NaN; weight 0 times inf is
                # NaN), and so the sums, sink included: only then look at x itself.
                finite &= math.isfinite(np.add.reduce(hist))
                _fold_slots(hist.reshape(hi - lo, *spec.n_cells, _slots(o)), o,
                            out=sums[lo - start : hi - start])
                deferred.append(exact + (lo - start) * h * w)  # flat pixel index in the group
        if not finite or min(h, w) < 3:
            if not _all_finite(x[start:stop]):
                check_finite("images", np.asarray(images))  # raises, naming the global index
            if not finite:  # finite pixels whose differences overflow float32: all exact
                sums[...] = 0
                deferred = [np.arange((stop - start) * h * w)]
        # In pixel order, so the votes are added in the same order whatever the chunk size or
        # the number of threads.
        _add_exact_votes(x[start:stop], spec, work, transform_sqrt, np.concatenate(deferred),
                         sums)
        _normalize_blocks(sums, spec, ws, out[start:stop])

    run_chunks(n_groups, jobs, lambda: _Workspace(chunk, group, (h, w, c), spec, work),
               one_group)
    return out


# --------------------------------------------------------------------------- threads
#
# Shared with color.py. A pool per call (its cost, 0.1-0.3 ms, is ~0.1 % of a 10k-image batch;
# batches of one group never start one), no global state: each thread owns its buffers and
# writes its own rows of the result.

_State = TypeVar("_State")


def resolve_n_jobs(n_jobs: Any, n_chunks: int) -> int:
    """Threads to use for ``n_chunks`` chunks: ``n_jobs`` (None = the CPUs this process may run
    on), capped at ``n_chunks``, at least 1. Raises ``ValueError`` for anything but None or an
    integer >= 1."""
    n_jobs = check_int("n_jobs", n_jobs, 1, optional=True)
    if n_jobs is None:
        try:
            n_jobs = len(os.sched_getaffinity(0))
        except (AttributeError, OSError):  # not on Linux
            n_jobs = os.cpu_count() or 1
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
# orientations -- runs on those (half the memory traffic of float64). Decisions that float32
# rounding could flip are deferred: every angle within _ANGLE_MARGIN of a bin edge, channel
# choices within _TIE_RTOL (ties) between channels whose float32 gradients differ, and every
# pixel of a group where a squared magnitude overflows float32. (Channels with the same float32
# gradient, or its opposite, give the same vote whichever skimage picks -- the same magnitude
# and unsigned orientation; their float64 gradients differ from it by less than float32's
# rounding, which the angle margin and the float32 votes already allow for.)
# Deferred pixels vote into their cell's sink slot; once a group's histograms are counted,
# their gradients are recomputed from the image in the working dtype and re-decided exactly as
# skimage does: channel by argmax of hypot, vote by hypot, orientation by degrees(arctan2) %
# 180, in float64.


class _Workspace:
    """Buffers for chunks of up to ``n`` images, reused by every chunk (allocating fresh
    temporaries per chunk would cost more, in page faults, than the arithmetic itself), and
    for the block normalization of groups of up to ``group`` images.

    Per-pixel arrays are flat over the chunk, ``S = n·H·W`` pixels. The gradients keep the
    images' interleaved layout ``(S, C)`` (flattened), so that each is one subtraction over one
    contiguous stretch of memory; the squared magnitudes are channel-major ``(C, S)``, so that
    the per-channel comparisons run over contiguous memory too.
    """

    def __init__(self, n: int, group: int, shape: tuple[int, int, int], spec: _Spec,
                 work: np.dtype) -> None:
        h, w, c = shape
        (ch, cw), (ncy, ncx) = spec.cell, spec.n_cells
        (by, bx), (nby, nbx), o = spec.block, spec.n_blocks, spec.orientations
        size = n * h * w
        self.shape, self.spec, self.work = shape, spec, work
        self.image = np.empty(size * c, dtype=work)  # a cast (or sqrt) copy, when needed
        # The gradients, rounded to float32 (the exact path recomputes the few it needs): g_row
        # then g_col, in one buffer, which also holds bincount's float64 weights once both are
        # dead (see _Views).
        self.g = np.empty(2 * size * c, dtype=np.float32)
        self.m2 = np.empty((max(c, 2), size), dtype=np.float32)
        self.f32 = np.empty((max(c, 5), size), dtype=np.float32)  # best, second, temporaries
        self.bools = np.empty((3, size), dtype=bool)
        self.k = np.empty((2, size), dtype=np.uint8 if c <= 256 else np.uint16)
        self.idx = np.empty(size, dtype=np.intp)
        self.base = np.arange(size, dtype=np.intp) * c  # flat index of each pixel's channel 0
        self.slots = np.empty(size, dtype=np.int32)
        # Where each pixel votes in the flat (n, ncy, ncx, 2·O + 2) histogram of slots (see
        # _fast_bins). Pixels outside the cell grid (bottom rows / right columns when H or W is
        # not a multiple of the cell size) vote into cell 0 with weight 0.
        rows, cols = ncy * ch, ncx * cw
        cell = np.zeros((h, w), dtype=np.int32)
        cell[:rows, :cols] = (np.repeat(np.arange(ncy), ch)[:, None] * ncx
                              + np.repeat(np.arange(ncx), cw)[None, :])
        image = np.arange(n, dtype=np.int32)[:, None, None] * (ncy * ncx)
        self.pos = ((image + cell) * _slots(o)).reshape(-1)
        self.inside = None
        if rows < h or cols < w:
            inside = np.zeros((h, w), dtype=np.float64)
            inside[:rows, :cols] = 1
            self.inside = np.broadcast_to(inside, (n, h, w)).reshape(-1)
        # A group's cell sums (see _fold_slots), and the block normalization's buffers.
        self.sums = np.empty((group, ncy, ncx, o), dtype=np.float64)
        self.blocks = np.empty((group * nby * nbx, by * bx * o), dtype=np.float64)
        self.cells = np.empty((group, ncy, ncx), dtype=np.float64)
        self.norms = np.empty((2, group * nby * nbx), dtype=np.float64)
        self._views: dict[int, _Views] = {}

    def views(self, n: int) -> _Views:
        """The buffers cut to a chunk of ``n`` images (built once per chunk size)."""
        views = self._views.get(n)
        if views is None:
            views = self._views[n] = _Views(self, n)
        return views


class _Views:
    """A workspace's buffers cut to a chunk of ``n`` images, as the per-chunk functions use
    them. Cutting ~50 views anew for every chunk would cost a noticeable part of a small
    chunk's time, so each chunk size gets its set once."""

    def __init__(self, ws: _Workspace, n: int) -> None:
        h, w, c = ws.shape
        (ncy, ncx), o = ws.spec.n_cells, ws.spec.orientations
        size = n * h * w
        self.c, self.work = c, ws.work
        self.scale, exact = _orientation_constants(o)
        # An exactly vertical gradient (θ = ±90°) lies on an edge when O is even; it is never
        # deferred where the scale puts it exactly there (see _orientation_constants).
        self.vertical_exact = exact and o % 2 == 0
        self.offset = np.float32(o)
        self.margin = np.float32(_ANGLE_MARGIN * o / 180.0)  # in bins
        self.sink = _slots(o) - 1
        self.minlength = n * ncy * ncx * _slots(o)
        self.image = ws.image[: size * c]
        half = ws.g.shape[0] // 2
        self.g_row, self.g_col = ws.g[: size * c], ws.g[half : half + size * c]
        line = w * c  # one image row
        self.line = line
        self.g_col_inner = self.g_col[c:-c]
        self.g_row_inner = self.g_row[line:-line] if h > 2 else None
        # The first and last column of every image row, the first and last row of every image.
        self.col_borders = self.g_col.reshape(n * h, w, c)[:, :: max(w - 1, 1)]
        self.row_borders = self.g_row.reshape(n, h, line)[:, :: max(h - 1, 1)]
        self.g_row_planes = self.g_row.reshape(size, c).T  # (C, S) views, strided
        self.g_col_planes = self.g_col.reshape(size, c).T
        # Buffers that are dead by the time they are reused share memory: the chunk's working
        # set then fits the CPU's L2 cache better (~0.9 MB less at 32k RGB pixels, ~30 %).
        # g_col² (sq) is added into m2 before best, second ... are first written; the chosen
        # channel's gradient (r, col) is gathered once the comparisons of m2 are done; the
        # float64 votes (magnitude) are written once the angles have been computed from r,
        # col, the last readers of g_row, g_col (r, col themselves for grayscale images).
        self.m2 = ws.m2[:c, :size]
        self.sq = ws.f32[:c, :size]
        self.best, self.second, self.tmp, self.s, self.e = ws.f32[:5, :size]
        self.r, self.col = ws.m2[:2, :size]
        self.magnitude = ws.g.view(np.float64)[:size]  # 8 bytes a pixel <= 2·C float32s
        self.better, self.near, self.nonzero = ws.bools[:, :size]
        self.tie = self.better  # free again once the channel is chosen
        self.k, self.kj = ws.k[:, :size]
        self.idx, self.base = ws.idx[:size], ws.base[:size]
        self.slots, self.pos = ws.slots[:size], ws.pos[:size]
        self.inside = None if ws.inside is None else ws.inside[:size]


def _slots(orientations: int) -> int:
    """Histogram slots per cell: ``2·O + 1`` for the fast path's ``floor(s)``, ``s`` in
    ``[0, 2·O]`` (see :func:`_fast_bins`), and a sink."""
    return 2 * orientations + 2


@lru_cache(maxsize=64)
def _orientation_constants(orientations: int) -> tuple[np.float32, bool]:
    """``(scale, exact)``: the float32 factor from radians to bins for :func:`_fast_bins`, and
    whether it is exact for the axes.

    float32 ``arctan2`` returns exactly ``±π₃₂`` (π's float32 neighbour) for an exactly
    horizontal gradient pointing left, and ``±π₃₂/2`` for an exactly vertical one. The scale is
    ``O/π`` rounded so that ``π₃₂·scale`` is exactly O where some float32 allows it (``exact``;
    most O, all up to 12), at least O otherwise: θ = ±180° then lands on slot 0 or 2·O, which
    hold bin 0, and where exact, θ = ±90° lands on ``O ± O/2`` exactly (halving is exact in
    binary): exactly on its bin's lower edge, as in skimage. The shift is < 1e-7 bin.
    """
    scale = np.float32(orientations / np.pi)
    pi32, o32 = np.float32(np.pi), np.float32(orientations)
    for step in (np.float32(np.inf), np.float32(-np.inf)):  # the few float32s around O/π
        candidate = scale
        for _ in range(4):
            if pi32 * candidate == o32:
                return candidate, True
            candidate = np.nextafter(candidate, step)
    while pi32 * scale < o32:
        scale = np.nextafter(scale, np.float32(np.inf))
    return scale, False


def _edges(orientations: int) -> np.ndarray:
    """skimage's bin edges ``(180/O)·k``, degrees, computed in double precision as its Cython
    code does."""
    return (180.0 / orientations) * np.arange(orientations + 1, dtype=np.float64)


def _chunk_votes(x: np.ndarray, v: _Views, transform_sqrt: bool
                 ) -> tuple[np.ndarray, np.ndarray]:
    """Histograms of the chunk x (n, H, W, C): ``(hist, exact)``, ``hist`` (n·ncy·ncx·(2·O + 2),)
    float64 the sums of the votes per cell and slot (see :func:`_fast_bins`; the last slot of
    each cell is a sink), ``exact`` (k,) intp the flat indices in the chunk of the pixels whose
    votes went to the sink: the exact path must add them. NaN/inf in x give NaN/inf sums
    (the caller checks); the caller sets ``np.errstate`` for them."""
    g_row, g_col = _gradients(x, v, transform_sqrt)
    best, r, col, tie = _choose_channel(g_row, g_col, v)
    slots, flag = _fast_bins(r, col, v)
    magnitude = np.sqrt(best, out=v.magnitude)  # in float32, then widened
    if tie is not None:
        flag |= tie
    exact = flag.nonzero()[0]  # np.flatnonzero, without its Python-level overhead
    slots[exact] = v.sink  # so that only the exact path gives their vote
    if v.inside is not None:
        magnitude *= v.inside
    slots += v.pos
    try:
        hist = np.bincount(slots, weights=magnitude, minlength=v.minlength)
    except ValueError:
        # A negative slot: only a NaN angle casts to one, and that comes from NaN/inf in the
        # images, never from finite ones; poison the sums, which the caller checks.
        hist = np.full(v.minlength, np.nan)
    return hist, exact


def _gradients(x: np.ndarray, v: _Views, transform_sqrt: bool
               ) -> tuple[np.ndarray, np.ndarray]:
    """Central differences ``g_row, g_col`` (S·C,) float32 of the chunk x (n, H, W, C), any
    layout and real dtype, in x's interleaved order (pixel-major, channel-minor).

    Each difference is taken in the working dtype and then rounded once. 0 on each image's
    border rows (``g_row``) / columns (``g_col``), as skimage. The differences are single long
    operations over the flat chunk (neighbours in a row are C apart, in a column W·C); their
    meaningless values at image borders (differences across rows / images) are then
    overwritten with 0.
    """
    c, line = v.c, v.line
    if x.dtype == v.work and x.flags.c_contiguous and not transform_sqrt:
        flat = x.reshape(-1)  # the images themselves
    else:
        flat = v.image
        copy = flat.reshape(x.shape)
        if x.flags.c_contiguous or c == 1:
            np.copyto(copy, x, casting="unsafe")
        else:
            # Channel by channel: each copy streams along the source's rows whatever its layout
            # (channels first, as CIFAR-10's batches are read, costs ~3.5x more as one 4-D
            # copy, whose inner loop runs over the 3 channels).
            for j in range(c):
                np.copyto(copy[..., j], x[..., j], casting="unsafe")
        if transform_sqrt:
            np.sqrt(flat, out=flat)
    np.subtract(flat[2 * c :], flat[: -2 * c], out=v.g_col_inner, casting="same_kind")
    if v.g_row_inner is not None:
        np.subtract(flat[2 * line :], flat[: -2 * line], out=v.g_row_inner,
                    casting="same_kind")
    v.col_borders[...] = 0
    v.row_borders[...] = 0
    return v.g_row, v.g_col


def _choose_channel(g_row: np.ndarray, g_col: np.ndarray, v: _Views
                    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray | None]:
    """Per pixel, the channel with the largest gradient magnitude, in float32.

    Inputs (S·C,) float32, interleaved. Returns ``m2`` (S,) float32, the largest
    ``g_row² + g_col²``; ``r, c`` (S,) float32, the chosen channel's gradient; and a boolean
    mask of ties (or None): pixels where a second channel's ``m2`` lies within ``_TIE_RTOL`` of
    the best. There float32 rounding (or skimage's ``hypot``) could order the channels
    differently, so the exact path re-decides them. Zero gradients never count as ties.
    """
    m2, c = v.m2, v.c
    if c == 1:
        np.square(g_row, out=m2[0])
        np.square(g_col, out=v.sq[0])
        m2[0] += v.sq[0]
        return m2[0], g_row, g_col, None
    # Squares straight into channel-major order: the transposed reads cost less than a
    # transposing copy of the images would, and every comparison below is contiguous.
    np.square(v.g_row_planes, out=m2)
    np.square(v.g_col_planes, out=v.sq)
    m2 += v.sq
    best, second, tmp, k, kj, better = v.best, v.second, v.tmp, v.k, v.kj, v.better
    # k = the first channel with the largest m2: channel j takes over only if strictly larger
    # than the best before it, and j exceeds every earlier k, so max(k, j·better) is the update.
    np.greater(m2[1], m2[0], out=better)
    np.copyto(k, better)
    np.minimum(m2[0], m2[1], out=second)  # the second largest m2: a tie if close to the best
    np.maximum(m2[0], m2[1], out=best)
    for j in range(2, c):  # a loop over the few channels, vectorized over pixels
        np.greater(m2[j], best, out=better)
        np.multiply(better, k.dtype.type(j), out=kj)
        np.maximum(k, kj, out=k)
        np.minimum(best, m2[j], out=tmp)
        np.maximum(second, tmp, out=second)
        np.maximum(best, m2[j], out=best)
    # Gather the chosen channel's gradient from the interleaved arrays. (A cast copy and an
    # add between intp arrays cost half of one add that mixes intp and uint8; take's "wrap"
    # mode costs less than its bounds checks, and never acts: the indices are in range; the
    # method skips np.take's Python-level dispatch, ~1 µs a call.)
    idx = v.idx
    np.copyto(idx, k)
    idx += v.base
    r = g_row.take(idx, out=v.r, mode="wrap")
    col = g_col.take(idx, out=v.col, mode="wrap")
    np.multiply(best, np.float32(1.0 - _TIE_RTOL), out=tmp)
    # At least two channels above the threshold <=> the second largest is (the best is above
    # it unless best == 0 or denormal, and then nothing is).
    tie = np.greater(second, tmp, out=v.tie)
    _drop_equal_ties(tie, g_row, g_col, r, col, tmp, c)
    return best, r, col, tie


def _drop_equal_ties(tie: np.ndarray, g_row: np.ndarray, g_col: np.ndarray, r: np.ndarray,
                     col: np.ndarray, threshold: np.ndarray, c: int) -> None:
    """Clear ``tie`` (S,) where every channel within the tie threshold (``m2 > threshold``) has
    the chosen channel's gradient ``(r, col)`` or its opposite ``(-r, -col)``: whichever
    skimage picks, its vote is the same (the same magnitude; orientations 180° apart, the same
    unsigned one -- where rounding could tell them apart, at a bin edge, ``_fast_bins`` defers
    the pixel anyway).

    Grey areas of real photos (R = G = B) tie on every pixel with a gradient: about half of
    the deferred pixels of CIFAR-10, which the exact path would redo at ~20x the fast path's
    cost per pixel; opposite gradients (a colour edge where one channel rises as another
    falls by the same step) are a third of the rest. Only the tied pixels are looked at (few
    in random images)."""
    tied = tie.nonzero()[0]
    if not tied.size:
        return
    # Channel-major (C, t), so that "any channel" is a reduction over the first axis, a few
    # whole-row operations (along a last axis of length C it would cost ~10x more).
    at = np.arange(c)[:, None] + tied * c  # flat indices of the tied pixels' channels
    rows, cols = g_row.take(at), g_col.take(at)
    m2 = np.square(rows)
    m2 += np.square(cols)  # the float32 m2 of _choose_channel, recomputed for these few pixels
    r_tied, col_tied = r.take(tied), col.take(tied)
    other = np.not_equal(rows, r_tied)
    other |= np.not_equal(cols, col_tied)
    not_opposite = np.not_equal(rows, -r_tied)
    not_opposite |= np.not_equal(cols, -col_tied)
    other &= not_opposite
    other &= np.greater(m2, threshold.take(tied))
    tie[tied] = np.logical_or.reduce(other, axis=0)


def _fast_bins(r: np.ndarray, c: np.ndarray, v: _Views) -> tuple[np.ndarray, np.ndarray]:
    """Histogram slots (S,) int32 of the float32 gradients ``(r, c) = (g_row, g_col)``, and a
    boolean mask (S,) of the pixels too close to a bin edge for float32 to decide: those the
    exact path must redo (their slot is meaningless).

    In units of bins, ``s = atan2(r, c)·O/π + O`` lies in ``[0, 2·O]`` and the slot is
    ``floor(s)``. Slots ``j`` and ``j + O`` are bin ``j`` (θ and θ + 180° are the same unsigned
    orientation) and slot ``2·O`` is bin 0 (θ = 180°); :func:`_fold_slots` merges them after
    counting, which costs less than folding every pixel. An exactly horizontal gradient
    (``g_row == 0``: θ = 0° or ±180°, all bin 0, as skimage's ``mod 180`` makes them) lies
    exactly on an edge (slots 0, O or 2·O) yet is never deferred: its θ is exact; so is an
    exactly vertical one where O is even and the scale exact (its slot ``O ± O/2``, bin O/2).
    """
    s, e = v.s, v.e
    np.arctan2(r, c, out=s)  # float32, vectorized: a few ulp, far below _ANGLE_MARGIN
    s *= v.scale
    s += v.offset
    slots = v.slots
    np.copyto(slots, s, casting="unsafe")  # floor, as s >= 0 (or > -1e-6: truncated to 0)
    # Distance to the nearest edge, in bins.
    np.rint(s, out=e)
    np.subtract(s, e, out=e)
    np.abs(e, out=e)
    near = np.less(e, v.margin, out=v.near)
    near &= np.not_equal(r, 0, out=v.nonzero)
    if v.vertical_exact:
        near &= np.not_equal(c, 0, out=v.nonzero)
    return slots, near


def _fold_slots(raw: np.ndarray, orientations: int, out: np.ndarray) -> None:
    """Cell histograms ``out`` (m, ncy, ncx, O) from the slot sums ``raw`` (m, ncy, ncx,
    2·O + 2) of :func:`_fast_bins`: bin j = slot j + slot j + O, plus slot 2·O for bin 0 (the
    sink, last, is dropped)."""
    o = orientations
    np.add(raw[..., :o], raw[..., o : 2 * o], out=out)  # θ < 0 and θ >= 0 halves
    out[..., 0] += raw[..., 2 * o]  # θ = 180°


def _all_finite(x: np.ndarray) -> bool:
    return x.dtype.kind != "f" or bool(np.isfinite(x).all())


def _exact_gradients(x: np.ndarray, img: np.ndarray, row: np.ndarray, col: np.ndarray,
                     work: np.dtype, transform_sqrt: bool) -> np.ndarray:
    """``(g_row, g_col)`` (C, 2, k) float64 of the pixels ``x[img, row, col]``, each difference
    taken in the working dtype (after the optional sqrt) as skimage does, so float32 work gives
    float32 differences, upcast. Border rows / columns get 0, as in :func:`_gradients`."""
    h, w, c = x.shape[1:]
    # Off the image only on its border, whose difference is discarded: clip.
    rows = np.stack([np.minimum(row + 1, h - 1), np.maximum(row - 1, 0), row, row])
    cols = np.stack([col, col, np.minimum(col + 1, w - 1), np.maximum(col - 1, 0)])
    pixels = (img * h + rows) * w + cols  # (4, k): flat index of each pixel in the batch
    planes = np.moveaxis(x, -1, 1)  # (N, C, H, W)
    if x.flags.c_contiguous:  # one gather of whole pixels, C values each (fancy indexing and
        # gathering the values one by one are ~3x slower)
        values = x.reshape(-1, c).take(pixels, axis=0)
    elif planes.flags.c_contiguous:  # channels first in memory (CIFAR-10's batches as read):
        # one gather too; channel j of image i is the plane (i·C + j) of H·W values (fancy
        # indexing costs ~5x more here)
        at = (pixels + img * ((c - 1) * h * w))[..., None] + np.arange(c) * (h * w)
        values = planes.reshape(-1).take(at)
    else:
        values = x[img, rows, cols]
    values = values.astype(work, copy=False)  # (4, k, C): down, up, right, left
    if transform_sqrt:
        values = np.sqrt(values)
    grad = values[0::2] - values[1::2]  # (2, k, C): down - up, right - left
    grad[0, (row == 0) | (row == h - 1)] = 0
    grad[1, (col == 0) | (col == w - 1)] = 0
    return grad.transpose(2, 0, 1).astype(np.float64)


def _exact_votes(grad: np.ndarray, edges: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(magnitude, bin)`` of pixels with float64 gradients ``grad = (g_row, g_col)``
    (C, 2, k) by skimage's own rule, in double precision as its Cython kernel runs: the channel
    with the largest ``hypot`` (the first on ties), its ``hypot`` as the vote, bin of
    ``degrees(arctan2(g_row, g_col)) mod 180`` by comparison with the edges; a θ that rounds to
    180.0 goes to the sink bin O."""
    gr, gc = grad[:, 0], grad[:, 1]
    if grad.shape[0] > 1:
        # argmax over the channels as a loop of comparisons (argmax along axis 0 of a (C, k)
        # array costs ~5x more): a channel takes over only if strictly larger, so the first wins
        # ties, as with argmax.
        magnitude = np.hypot(gr, gc)
        best = magnitude[0].copy()
        pick = np.zeros(grad.shape[2], dtype=np.intp)
        for j in range(1, grad.shape[0]):  # a loop over the few channels
            pick[magnitude[j] > best] = j
            np.maximum(best, magnitude[j], out=best)
        cols = np.arange(grad.shape[2])
        gr, gc = gr[pick, cols], gc[pick, cols]
    else:
        gr, gc = gr[0], gc[0]
    theta = np.rad2deg(np.arctan2(gr, gc))
    # theta % 180 for θ in [-180, 180], as np.remainder computes it, at a fraction of its cost:
    # θ + 180 for θ < 0 (rounded once: a tiny negative θ gives 180.0, the sink), 0 for ±180.
    wrapped = np.where(theta < 0, theta + 180, theta)
    wrapped[theta == 180] = 0
    theta = wrapped
    bins = np.searchsorted(edges, theta, side="right") - 1
    np.minimum(bins, edges.size - 1, out=bins)
    return np.hypot(gc, gr), bins


def _add_exact_votes(x: np.ndarray, spec: _Spec, work: np.dtype, transform_sqrt: bool,
                     pixels: np.ndarray, sums: np.ndarray) -> None:
    """Add to ``sums`` (N, ncy, ncx, O) the exact votes of the deferred ``pixels`` (k,) intp,
    flat indices into the batch x (N, H, W, C), in their order."""
    h, w = x.shape[1:3]
    (ch, cw), (ncy, ncx), o = spec.cell, spec.n_cells, spec.orientations
    edges = _edges(o)
    flat = sums.reshape(-1)
    for start in range(0, pixels.shape[0], _CHUNK_PIXELS):  # bounded memory, same order
        img, rest = np.divmod(pixels[start : start + _CHUNK_PIXELS], h * w)
        row, col = np.divmod(rest, w)
        inside = (row < ncy * ch) & (col < ncx * cw)  # beyond the cell grid: no vote
        img, row, col = img[inside], row[inside], col[inside]
        magnitude, bins = _exact_votes(
            _exact_gradients(x, img, row, col, work, transform_sqrt), edges)
        voting = bins < o  # not the sink: θ rounded to 180.0
        cell = (img * ncy + row // ch) * ncx + col // cw
        np.add.at(flat, cell[voting] * o + bins[voting], magnitude[voting])


def _normalize_blocks(sums: np.ndarray, spec: _Spec, ws: _Workspace, out: np.ndarray) -> None:
    """Write into ``out`` (n, F) the blocks of the cell histograms ``sums / (ch·cw)`` (``sums``
    (n, ncy, ncx, O) float64: per cell, the sums of the votes), each normalized on its own with
    skimage's formulas (see the module docstring), in as few passes over the blocks as possible.

    Block (i, j) starts at cell (i, j): a strided view of the cells (runs of ``bx·O``
    contiguous numbers), copied once into ``out`` (straight into ``out`` when it is float64),
    one row per block, and scaled there. Each block's first norm comes first, from its cells'
    totals (``by·bx`` times fewer numbers than the blocks hold),
    with the cell area A folded into eps: ``(v/A) / (Σ v/A + eps) = v / (Σv + A·eps)`` and
    ``(v/A) / sqrt(Σ (v/A)² + eps²) = v / N`` with ``N = sqrt(Σv² + (A·eps)²)``. L2-Hys then
    clips in the units of the sums, ``w = min(v, 0.2·N)`` (= N·min(v/N, 0.2)), and its second
    normalization ``(w/N) / sqrt(Σ (w/N)² + eps²)`` is ``w / sqrt(Σw² + (eps·N)²)``: after
    the copy, three passes (clip, sum of squares, scale) where the formula as written takes
    four. Sums over
    rows use ``einsum``, which, unlike a BLAS matrix product, gives every row the same result
    whatever the rows around it (so chunks and threads cannot change a bit).
    """
    n = sums.shape[0]
    (by, bx), (nby, nbx), o = spec.block, spec.n_blocks, spec.orientations
    area = spec.cell[0] * spec.cell[1]
    m = n * nby * nbx
    sn, sy, sx, so = sums.strides
    blocks = as_strided(sums, shape=(n, nby, nbx, by, bx, o),
                        strides=(sn, sy, sx, sy, sx, so), writeable=False)
    direct = out.dtype == np.float64
    rows = out.reshape(m, -1) if direct else ws.blocks[:m]  # one row per block
    rows6 = rows.reshape(n, nby, nbx, by, bx, o)
    l1 = spec.block_norm in ("L1", "L1-sqrt")
    cells = ws.cells[:n]
    if l1:
        np.einsum("nyxk->nyx", sums, out=cells)  # the votes are >= 0, so Σ|v| = Σv
    else:
        np.einsum("nyxk,nyxk->nyx", sums, sums, out=cells)
    norm, tmp = ws.norms[:, :m]
    block = norm.reshape(n, nby, nbx)  # per block: the total of its cells
    np.copyto(block, cells[:, :nby, :nbx])
    for dy, dx in itertools.product(range(by), range(bx)):  # a few small array operations
        if dy or dx:
            block += cells[:, dy : dy + nby, dx : dx + nbx]
    # The blocks are copied into their rows first and scaled / clipped there, one row per
    # block: a (m, by·bx·O) operation with the per-block factor broadcast along each row costs
    # ~40 % less than the same operation reading the 6-D strided view of the cells (with
    # by, bx = 3, 3, each of its inner loops runs over only bx·O numbers).
    np.copyto(rows6, blocks)
    if l1:
        norm += area * _EPS
    else:
        norm += (area * _EPS) ** 2
        np.sqrt(norm, out=norm)  # N
    if spec.block_norm != "L2-Hys":
        np.divide(1.0, norm, out=norm)
        rows *= norm[:, None]
        if spec.block_norm == "L1-sqrt":
            np.sqrt(rows, out=rows)
    else:
        np.multiply(norm, _HYS_CLIP, out=tmp)
        np.minimum(rows, tmp[:, None], out=rows)
        np.einsum("ij,ij->i", rows, rows, out=tmp)  # Σw²
        norm *= _EPS
        np.square(norm, out=norm)
        norm += tmp
        np.sqrt(norm, out=norm)
        np.divide(1.0, norm, out=norm)
        rows *= norm[:, None]
    if not direct:
        np.copyto(out, rows.reshape(n, -1))
