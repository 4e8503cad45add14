"""Colour histograms in HSV space, for a whole batch of RGB images at once.

:func:`rgb_to_hsv` is ``matplotlib.colors.rgb_to_hsv`` vectorized without boolean-mask
scatter, with the same arithmetic in the same precision, so it returns the same numbers bit for
bit. :func:`color_histogram` bins one HSV channel of every image the way ``np.histogram(values,
bins, range=(0, 1))`` does, for all images in one ``np.bincount`` (each image's bins offset by
``image_index · bins``), and divides by the pixel count so every row sums to 1.

Scaling: float images are taken as RGB in ``[0, 1]`` (as matplotlib requires); integer images
(uint8 ...) as ``0..255``. ``pixel_max`` overrides this: the images are divided by it in float64
first, i.e. the result equals matplotlib's on ``images / pixel_max`` (use ``pixel_max=255`` for
float images holding 0..255 values, as neuralab's image datasets do).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from neuralab.checks import check_array, check_choice, check_finite, check_int, check_positive
from neuralab.features.hog import resolve_n_jobs, run_chunks

__all__ = ["HSV_CHANNELS", "color_histogram", "rgb_to_hsv"]

#: Allowed values of ``channel``.
HSV_CHANNELS: tuple[str, ...] = ("hue", "saturation", "value")


_CHUNK_PIXELS = 1 << 15  # pixels per chunk: a chunk's temporaries stay in the CPU caches


def _prepare(images: Any, pixel_max: float | None, name: str = "images"
             ) -> tuple[np.ndarray, np.dtype, float | None]:
    """Validated ``(x, work dtype, divisor)`` for (N, H, W, 3) RGB ``images``.

    Floats without ``pixel_max`` are used as they are, in matplotlib's precision (at least
    float32); integers default to ``pixel_max = 255``; with a divisor the work is float64.
    Values must be finite and, after the division, within [0, 1].
    """
    x = check_array(name, images, 4, "(N, H, W, 3)")
    if x.shape[-1] != 3:
        raise ValueError(f"{name} must have 3 channels (RGB) on the last axis, got shape {x.shape}")
    check_positive("pixel_max", pixel_max, optional=True)
    if pixel_max is None and x.dtype.kind in "iu":
        pixel_max = 255.0
    work = np.dtype(np.float64) if pixel_max is not None else np.promote_types(x.dtype,
                                                                               np.float32)
    top = 1.0 if pixel_max is None else float(pixel_max)
    if x.size and not (x.dtype == np.uint8 and top == 255.0):  # uint8 / 255 is always fine
        lo, hi = x.min(), x.max()  # min/max propagate NaN
        if not (np.isfinite(lo) and np.isfinite(hi)):
            check_finite(name, x)
        if lo < 0 or hi > top:
            raise ValueError(
                f"{name} must hold RGB values in [0, {top:g}] (pixel_max={pixel_max}), found "
                f"[{float(lo):g}, {float(hi):g}]; pass pixel_max=255 for 0..255 float data"
            )
    return x, work, (None if pixel_max is None else float(pixel_max))


class _Buffers:
    """Temporaries for ``size`` pixels, reused chunk after chunk (allocating ~15 fresh arrays
    per chunk costs more in page faults than the arithmetic)."""

    def __init__(self, size: int, work: np.dtype) -> None:
        self.f = np.empty((8, size), dtype=work)
        self.b = np.empty((2, size), dtype=bool)
        self.i = np.empty(size, dtype=np.intp)
        bits = np.dtype(f"i{work.itemsize}")  # same-size integers, to select floats bitwise
        self.m = np.empty(size, dtype=bits)
        self.t = np.empty(size, dtype=bits)


def _select(dst: np.ndarray, src: np.ndarray, mask: np.ndarray, buf: _Buffers) -> None:
    """``dst[mask] = src[mask]`` without branches: ``dst ^= (dst ^ src) & -mask`` on the bit
    patterns. (``np.putmask`` / ``copyto(where=)`` mispredict on random masks: 3-4x slower.)"""
    size = dst.shape[0]
    bits = buf.m.dtype
    m, t = buf.m[:size], buf.t[:size]
    np.negative(mask.view(np.int8), out=m, casting="unsafe")  # all ones where mask
    d = dst.view(bits)
    np.bitwise_xor(d, src.view(bits), out=t)
    t &= m
    d ^= t


def _planes(x: np.ndarray, divisor: float | None, buf: _Buffers) -> list[np.ndarray]:
    """The r, g, b planes of x (n, H, W, 3) as contiguous (n·H·W,) arrays in the buffers'
    dtype, divided by ``divisor`` (a true division, as ``images / 255.0`` would do)."""
    size = x.shape[0] * x.shape[1] * x.shape[2]
    planes = []
    for k in range(3):
        out = buf.f[k, :size].reshape(x.shape[:3])
        if divisor is None:
            np.copyto(out, x[..., k])
        else:
            np.divide(x[..., k], divisor, out=out)
        planes.append(out.reshape(-1))
    return planes


def rgb_to_hsv(images: Any, *, pixel_max: float | None = None) -> np.ndarray:
    """HSV values of RGB images, equal to ``matplotlib.colors.rgb_to_hsv``.

    Parameters
    ----------
    images : array_like
        ``(N, H, W, 3)`` RGB; floats in ``[0, 1]`` or integers in ``0..255`` (see the module
        docstring for ``pixel_max``).
    pixel_max : float, optional
        Divide by this first (in float64).

    Returns
    -------
    numpy.ndarray
        ``(N, H, W, 3)``: hue, saturation, value, each in ``[0, 1]``; float32 for float32
        input, else float64 (matplotlib's precision rule).
    """
    x, work, divisor = _prepare(images, pixel_max)
    buf = _Buffers(x.shape[0] * x.shape[1] * x.shape[2], work)
    parts = _hsv_parts(*_planes(x, divisor, buf), HSV_CHANNELS, buf)
    return np.stack(parts, axis=-1).reshape(x.shape)


def _hsv_parts(r: np.ndarray, g: np.ndarray, b: np.ndarray, which: tuple[str, ...],
               buf: _Buffers) -> list[np.ndarray]:
    """The requested HSV planes of the RGB planes r, g, b (values in [0, 1]) with matplotlib's
    arithmetic, in ``buf`` (rows 3..7; rows 0..2 hold r, g, b). Only what is needed is
    computed: value needs the max, saturation also the min, hue everything."""
    size = r.shape[0]
    v, delta, t, u = (buf.f[k, :size] for k in range(3, 7))
    mask, zero = buf.b[0, :size], buf.b[1, :size]
    np.maximum(r, g, out=v)
    np.maximum(v, b, out=v)
    out: dict[str, np.ndarray] = {"value": v}
    if "saturation" in which or "hue" in which:
        np.minimum(r, g, out=delta)
        np.minimum(delta, b, out=delta)
        np.subtract(v, delta, out=delta)  # np.ptp, as matplotlib
    if "saturation" in which:
        # delta / v where v > 0, else 0 (then delta = 0 too, values being >= 0): v + (v == 0)
        # is v itself where v > 0 and 1 where v == 0.
        s = buf.f[7, :size]
        np.equal(v, 0, out=zero)
        np.add(v, zero, out=s)
        out["saturation"] = np.divide(delta, s, out=s)
    if "hue" in which:
        np.greater(delta, 0, out=zero)  # "positive": only these pixels get a hue
        d = u
        np.logical_not(zero, out=mask)
        np.add(delta, mask, out=d)  # delta where positive, 1 elsewhere: no 0 / 0
        # matplotlib writes red-max, then green-max, then blue-max, each overwriting the last:
        # on ties blue wins over green over red. Same operations, same order, same rounding.
        h = np.subtract(g, b, out=delta)  # delta is not needed any more
        h /= d
        np.subtract(b, r, out=t)
        t /= d
        t += 2.0
        np.equal(g, v, out=mask)
        _select(h, t, mask, buf)
        np.subtract(r, g, out=t)
        t /= d
        t += 4.0
        np.equal(b, v, out=mask)
        _select(h, t, mask, buf)
        h *= zero  # hue 0 where max == min (h is >= 0 there, so this gives +0.0)
        h /= 6.0
        # (h / 6) % 1.0 with h / 6 in [-1/6, 5/6]: numpy's mod returns x for x >= 0 and
        # x + 1.0 for x < 0 -- the same rounding, without the slow general modulo.
        np.less(h, 0, out=mask)
        h += mask
        out["hue"] = h
    return [out[k] for k in which]


def color_histogram(
    images: Any, bins: int = 10, channel: str = "hue", *, pixel_max: float | None = None,
    n_jobs: int | None = 1,
) -> np.ndarray:
    """Normalized histogram of one HSV channel per image.

    Parameters
    ----------
    images : array_like
        ``(N, H, W, 3)`` RGB images: floats in ``[0, 1]`` or integers in ``0..255``.
    bins : int
        ``B`` >= 1 equal-width bins over ``[0, 1]`` (the last bin includes 1.0).
    channel : {"hue", "saturation", "value"}
    pixel_max : float, optional
        Divide the images by this first (in float64); e.g. 255 for float 0..255 data.
    n_jobs : int or None
        Threads that share the work, as in :func:`neuralab.features.hog`: chunks of ~32k
        pixels; ``None`` = one thread per CPU, capped at the number of chunks; ``1`` (default)
        runs in the calling thread alone. The result does not depend on ``n_jobs``.

    Returns
    -------
    numpy.ndarray
        ``(N, B)`` float64, each row summing to 1: row ``i`` equals
        ``np.histogram(rgb_to_hsv(images[i])[..., k], bins=B, range=(0, 1))[0] / (H·W)``.

    Examples
    --------
    >>> import numpy as np
    >>> from neuralab import features
    >>> x = np.random.default_rng(0).integers(0, 256, (4, 8, 8, 3), dtype=np.uint8)
    >>> features.color_histogram(x, bins=6).shape
    (4, 6)
    """
    bins = check_int("bins", bins, 1)
    channel = check_choice("channel", channel, HSV_CHANNELS)
    x, work, divisor = _prepare(images, pixel_max)
    n, h, w, _ = x.shape
    if h * w == 0:
        raise ValueError(f"images must have at least one pixel, got shape {x.shape}")
    chunk = max(1, min(n, _CHUNK_PIXELS // (h * w)))
    n_chunks = -(-n // chunk)
    jobs = resolve_n_jobs(n_jobs, n_chunks)
    out = np.empty((n, bins), dtype=np.float64)
    edges = np.linspace(0, 1, bins + 1, endpoint=True, dtype=work)
    # Upper edges, the last one +inf: the last bin includes 1.0, the others exclude their edge.
    upper = np.append(edges[1:-1], np.inf).astype(edges.dtype)
    # Image i of a chunk counts into bins i·B .. i·B + B - 1: one bincount for the chunk.
    offsets = np.repeat(np.arange(chunk) * bins, h * w)

    def one_chunk(buf: _Buffers, i: int) -> None:
        # Chunks of images keep temporaries in cache; each writes its own rows of ``out``.
        start, stop = i * chunk, min((i + 1) * chunk, n)
        size = (stop - start) * h * w
        (values,) = _hsv_parts(*_planes(x[start:stop], divisor, buf), (channel,), buf)
        index = _histogram_index(values, bins, edges, upper, buf)
        index += offsets[:size]
        counts = np.bincount(index, minlength=(stop - start) * bins).reshape(-1, bins)
        np.divide(counts, h * w, out=out[start:stop])

    run_chunks(n_chunks, jobs, lambda: _Buffers(chunk * h * w, work), one_chunk)
    return out


def _histogram_index(values: np.ndarray, bins: int, edges: np.ndarray, upper: np.ndarray,
                     buf: _Buffers) -> np.ndarray:
    """Bin of each value in [0, 1] by ``np.histogram``'s rule for ``range=(0, 1)``: edges
    ``linspace(0, 1, B + 1)`` in the values' dtype; ``edges[k] <= v < edges[k+1]``, the last
    bin closed. numpy computes ``int(v · B)`` and then corrects by one where rounding put a
    value on the wrong side of an edge; so does this, in ``buf`` (rows 0 and 1 of ``f``, the
    r and g planes, are free by now). ``upper``: the upper edges, the last one +inf."""
    size = values.shape[0]
    f, e = buf.f[0, :size], buf.f[1, :size]
    mask, index = buf.b[0, :size], buf.i[:size]
    np.multiply(values, values.dtype.type(bins), out=f)
    np.copyto(index, f, casting="unsafe")  # floor, as f >= 0
    np.equal(index, bins, out=mask)  # v = 1.0 belongs to the last bin
    index -= mask
    np.take(edges, index, out=e, mode="clip")  # in range; "clip" skips the bounds check
    np.less(values, e, out=mask)
    index -= mask
    np.take(upper, index, out=e, mode="clip")
    np.greater_equal(values, e, out=mask)
    index += mask
    return index
