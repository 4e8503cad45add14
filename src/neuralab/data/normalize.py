"""Bring a photographed or drawn image to the form a data set's images were made in.

A model trained on MNIST has only ever seen light strokes on black, the digit scaled so that its
longer side is 20 pixels and shifted so that its centre of mass sits at the centre of a 28×28
field (LeCun et al.: the NIST bitmaps were "size normalized to fit in a 20x20 pixel box while
preserving their aspect ratio", anti-aliased, then "centered in a 28x28 image by computing the
center of mass of the pixels"; measured on the files, the centre of mass is at (14.0, 14.0)
± 0.3). A digit drawn edge to edge on white paper and resized as a whole canvas is far from
that, and the model reads it wrong. :func:`normalize_image` repeats the making of the data set
on one image:

1. grey levels to ink: dark ink on light paper is inverted (the data sets are light on dark),
   the paper's level (the median of the image's border) subtracted and the darkest ink scaled to 1;
2. the ink's bounding box (pixels above ``INK_THRESHOLD`` of the strongest ink) is cropped;
3. its longer side is scaled to the data set's box, aspect kept, with Pillow's anti-aliased
   resampling (Lanczos; an area average, ``BOX``, for scikit-learn's digits);
4. it is pasted into the data set's canvas, centred by its centre of mass (MNIST) or by its box
   (Fashion-MNIST, digits), and scaled so its strongest pixel is the data set's ``pixel_max``.

The framings, from how each data set was made (:data:`FRAMINGS`):

* ``mnist``: box 20 in 28, centre of mass;
* ``fashion-mnist``: box 28 in 28, centred by the box (Xiao et al.: longest edge resized to 28,
  the shorter extended to 28 with the image in the centre, intensities negated);
* ``digits`` (scikit-learn's, the UCI optdigits): 32×32 bitmaps normalized to fill the box,
  then each 4×4 block's count of ink pixels (0..16) is one of the 8×8 pixels — here box 8 in 8,
  centred by the box, an area average for the counting.

Colour images (CIFAR-10) are centre-cropped to a square and resized (:func:`square_resize`).
Everything is whole-array numpy and Pillow; no loop runs over pixels.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

#: Ink at or above this share of the strongest ink counts for the bounding box; fainter pixels
#: (anti-aliasing halos, paper texture) neither widen it nor move the crop.
INK_THRESHOLD = 0.2


@dataclass(frozen=True)
class Framing:
    """How a data set framed its images: the ink's longer side is scaled to ``box`` pixels and
    pasted in a ``size`` × ``size`` canvas, centred by its centre of ``"mass"`` or its ``"box"``;
    ``resample`` is the Pillow filter of the scaling."""

    size: int
    box: int
    centre: str  # "mass" or "box"
    resample: str = "LANCZOS"


FRAMINGS: dict[str, Framing] = {
    "mnist": Framing(28, 20, "mass"),
    "fashion-mnist": Framing(28, 28, "box"),
    "digits": Framing(8, 8, "box", resample="BOX"),
}


def framing_of(name: str) -> Framing | None:
    """The framing of data set ``name``, None for one that is not digit-like (CIFAR-10, toy)."""
    return FRAMINGS.get(name)


def paper_level(grey: np.ndarray) -> float:
    """The paper's grey level: the median of the image's outermost rows and columns, which a
    drawing crosses only here and there (the median of the whole image would be ink where the
    strokes cover more than half of it)."""
    frame = np.concatenate([grey[0], grey[-1], grey[1:-1, 0], grey[1:-1, -1]])
    return float(np.median(frame))


def to_ink(grey: np.ndarray, invert: bool | None = None) -> np.ndarray:
    """Grey levels (H, W), 0..255, as ink (H, W) in [0, 1]: light on dark like the data sets.

    ``invert`` None inverts when the paper is light (:func:`paper_level` above 127.5: dark ink
    on paper). The paper's level becomes 0 and the strongest ink 1; a blank image gives zeros.
    """
    grey = np.asarray(grey, dtype=np.float64)
    flip = paper_level(grey) > 127.5 if invert is None else invert
    ink = 255.0 - grey if flip else grey
    ink = ink - paper_level(ink)
    top = ink.max(initial=0.0)
    if top <= 0:
        return np.zeros_like(ink)
    return np.clip(ink / top, 0.0, 1.0)


def ink_box(ink: np.ndarray, threshold: float = INK_THRESHOLD) -> tuple[int, int, int, int]:
    """The bounding box (top, bottom, left, right; bottom and right exclusive) of the pixels of
    ``ink`` (H, W) at or above ``threshold``; the whole image when none is."""
    mask = ink >= threshold
    rows, cols = np.flatnonzero(mask.any(axis=1)), np.flatnonzero(mask.any(axis=0))
    if rows.size == 0:
        return 0, ink.shape[0], 0, ink.shape[1]
    return int(rows[0]), int(rows[-1]) + 1, int(cols[0]), int(cols[-1]) + 1


def centre_of_mass(image: np.ndarray) -> tuple[float, float]:
    """The (row, column) centre of mass of ``image`` (H, W) with pixel i at coordinate i; the
    middle of the image when it holds no mass."""
    total = image.sum()
    if total <= 0:
        return (image.shape[0] - 1) / 2, (image.shape[1] - 1) / 2
    rows = (image.sum(axis=1) * np.arange(image.shape[0])).sum() / total
    cols = (image.sum(axis=0) * np.arange(image.shape[1])).sum() / total
    return float(rows), float(cols)


def scale_box(ink: np.ndarray, box: int, resample: str = "LANCZOS") -> np.ndarray:
    """``ink`` (h, w) in [0, 1] scaled so its longer side is ``box`` pixels, aspect kept (the
    shorter side at least 1), anti-aliased by Pillow's ``resample`` filter; clipped to [0, 1]."""
    from PIL import Image

    h, w = ink.shape
    scale = box / max(h, w)
    size = (max(1, round(w * scale)), max(1, round(h * scale)))  # Pillow's (width, height)
    img = Image.fromarray(ink.astype(np.float32), mode="F")
    out = img.resize(size, getattr(Image.Resampling, resample))
    return np.clip(np.asarray(out, dtype=np.float64), 0.0, 1.0)


def paste(patch: np.ndarray, size: int, centre: str) -> np.ndarray:
    """``patch`` (h, w) pasted into a zero ``size`` × ``size`` canvas, its centre of mass at
    (size/2, size/2) moved by a whole number of pixels — MNIST's centre, (14.0, 14.0) in 28×28
    — or its box in the middle (``centre="box"``). What falls outside the canvas is cut off."""
    h, w = patch.shape
    if centre == "mass":
        r, c = centre_of_mass(patch)
        top, left = round(size / 2 - r), round(size / 2 - c)
    else:
        top, left = (size - h) // 2, (size - w) // 2
    canvas = np.zeros((size, size))
    r0, c0 = max(top, 0), max(left, 0)
    r1, c1 = min(top + h, size), min(left + w, size)
    if r1 > r0 and c1 > c0:
        canvas[r0:r1, c0:c1] = patch[r0 - top:r1 - top, c0 - left:c1 - left]
    return canvas


def normalize_image(grey: np.ndarray, framing: Framing, pixel_max: float = 255.0,
                    invert: bool | None = None) -> np.ndarray:
    """A grey image (H, W), 0..255, of any size, framed as the data set's images:
    (size, size) float32 with the ink's strongest pixel at ``pixel_max`` (255 MNIST, 16 digits).

    Ink (:func:`to_ink`) → its bounding box (:func:`ink_box`) → longer side to the box
    (:func:`scale_box`) → pasted by centre of mass or box (:func:`paste`) → grey levels scaled.
    """
    ink = to_ink(grey, invert)
    top, bottom, left, right = ink_box(ink)
    patch = scale_box(ink[top:bottom, left:right], framing.box, framing.resample)
    out = paste(patch, framing.size, framing.centre)
    peak = out.max(initial=0.0)
    if peak > 0:
        out = out / peak
    return (out * pixel_max).astype(np.float32)


def square_resize(image: Any, shape: tuple[int, int]) -> np.ndarray:
    """A colour image (a Pillow image or an (H, W, 3) array) centre-cropped to a square and
    resized to ``shape`` (rows, columns) with an anti-aliased filter: (rows, columns, 3)
    float32, 0..255, as CIFAR-10's photos were made (objects centred, square)."""
    from PIL import Image

    img = image if isinstance(image, Image.Image) else Image.fromarray(
        np.asarray(image, dtype=np.uint8))
    side = min(img.size)
    left, top = (img.size[0] - side) // 2, (img.size[1] - side) // 2
    img = img.crop((left, top, left + side, top + side))
    out = img.resize((shape[1], shape[0]), Image.Resampling.LANCZOS)
    return np.asarray(out, dtype=np.float32)
