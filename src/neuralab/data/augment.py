"""Data augmentation: random shifts, small rotations and scalings of training images.

A regularizer of the lecture's family that adds noise at training time, like dropout: each
epoch the network sees every training image moved a little — shifted by up to ``SHIFT`` of its
side (±2.8 px in MNIST's 28), turned by up to ``DEGREES`` (±10°), scaled by ``SCALE`` (0.9 to
1.1) about its centre — so it cannot fit the exact pixels of one drawing and learns what stays
the same when a digit is written a bit off-centre, tilted or larger. At test time nothing is
moved, as dropout keeps every unit.

:func:`affine_batch` resamples a whole batch at once (numpy bilinear sampling, one gather, no
loop over samples); :class:`Augmenter` is the Trainer's ``transform`` for a run trained on its
pixels: scaled rows back to pixels, moved, scaled again. Its random numbers are a pure function
of (seed, epoch, step), as the minibatch order is of (seed, epoch), so a resumed run draws the
same moves as an uninterrupted one and ends with the same weights, bit for bit.
"""

from __future__ import annotations

import numpy as np

SHIFT = 0.1  # the largest shift, a share of the image's side (2.8 px of 28)
DEGREES = 10.0  # the largest rotation either way
SCALE = (0.9, 1.1)  # the range of the zoom
_STREAM = 0xA06  # keeps the augmentation's numbers apart from the shuffling's (seed, epoch)


def random_moves(rng: np.random.Generator, n: int, side: int) -> np.ndarray:
    """``n`` random moves as rows (shift rows, shift columns in pixels, angle in radians, zoom):
    (n, 4) float64, uniform in ±``SHIFT``·side, ±``DEGREES``, ``SCALE``."""
    shift = rng.uniform(-SHIFT * side, SHIFT * side, size=(n, 2))
    angle = np.deg2rad(rng.uniform(-DEGREES, DEGREES, size=(n, 1)))
    zoom = rng.uniform(*SCALE, size=(n, 1))
    return np.concatenate([shift, angle, zoom], axis=1)


def affine_batch(images: np.ndarray, moves: np.ndarray, fill: float = 0.0) -> np.ndarray:
    """Images (N, H, W) or (N, H, W, C) moved by ``moves`` (N, 4) — shift (rows, columns),
    angle, zoom about the image's centre — by bilinear sampling; pixels that come from outside
    the image get ``fill``. Same shape and dtype as ``images``.

    Each output pixel p samples the input at c + R(−angle)·(p − c − shift) / zoom, c the centre;
    the four neighbours of every sample of the batch are gathered in one indexing operation.
    """
    n, h, w = images.shape[:3]
    rows, cols = np.meshgrid(np.arange(h, dtype=np.float64), np.arange(w, dtype=np.float64),
                             indexing="ij")
    cy, cx = (h - 1) / 2, (w - 1) / 2
    dy = rows.reshape(1, -1) - cy - moves[:, 0:1]  # (N, P) output offsets from the centre
    dx = cols.reshape(1, -1) - cx - moves[:, 1:2]
    cos, sin, zoom = np.cos(moves[:, 2:3]), np.sin(moves[:, 2:3]), moves[:, 3:4]
    src_y = cy + (cos * dy - sin * dx) / zoom  # rotated back by the angle, unzoomed
    src_x = cx + (sin * dy + cos * dx) / zoom
    # A frame of `fill` around each image: a sample outside reads it, clipped indices stay valid.
    padded = np.pad(images.astype(np.float64, copy=False),
                    [(0, 0), (1, 1), (1, 1)] + [(0, 0)] * (images.ndim - 3), constant_values=fill)
    y0 = np.floor(src_y)
    x0 = np.floor(src_x)
    fy, fx = src_y - y0, src_x - x0
    if images.ndim == 4:
        fy, fx = fy[..., None], fx[..., None]
    batch = np.arange(n)[:, None]

    def at(y: np.ndarray, x: np.ndarray) -> np.ndarray:
        return padded[batch, np.clip(y + 1, 0, h + 1).astype(np.intp),
                      np.clip(x + 1, 0, w + 1).astype(np.intp)]

    out = ((1 - fy) * ((1 - fx) * at(y0, x0) + fx * at(y0, x0 + 1))
           + fy * ((1 - fx) * at(y0 + 1, x0) + fx * at(y0 + 1, x0 + 1)))
    return out.reshape(images.shape).astype(images.dtype, copy=False)


class Augmenter:
    """The Trainer's ``transform`` for a run trained on image pixels with ``augment``.

    Called as ``augmenter(xb, epoch, step)`` on a minibatch of scaled rows xb (N, D), it returns
    the same images moved at random (:func:`random_moves`, :func:`affine_batch`): the rows go
    back to pixels through the run's scaler (x·scale + mean), are moved with the background 0,
    and are scaled again. The moves are drawn from ``default_rng([seed, epoch, step, _STREAM])``.
    numpy in, numpy out (``experiment`` brings a GPU batch to the host and back).

    Parameters
    ----------
    image_shape : tuple of int
        (H, W) or (H, W, C) of one image; D = H·W(·C).
    mean, scale
        The scaler's ``mean_`` (D,) and ``scale_``: what ``transform`` subtracted and divided by.
    seed : int
        The run's seed.
    """

    def __init__(self, image_shape: tuple[int, ...], mean: np.ndarray, scale: float,
                 seed: int) -> None:
        self.image_shape = tuple(int(s) for s in image_shape)
        self.mean = np.asarray(mean, dtype=np.float64).reshape(-1)
        self.scale = float(scale)
        self.seed = int(seed)

    def __call__(self, xb: np.ndarray, epoch: int, step: int) -> np.ndarray:
        host = np.asarray(xb)
        rng = np.random.default_rng([self.seed, epoch, step, _STREAM])
        pixels = (host.astype(np.float64) * self.scale + self.mean).reshape(
            -1, *self.image_shape)
        moved = affine_batch(pixels, random_moves(rng, pixels.shape[0], self.image_shape[0]))
        out = ((moved.reshape(host.shape) - self.mean) / self.scale).astype(host.dtype)
        return out
