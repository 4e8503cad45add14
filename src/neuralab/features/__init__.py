"""Hand-made features: HOG, colour histograms, polar coordinates, playground maps.

Every function takes a whole batch and is vectorized over it (no Python loop over samples,
cells or pixels). Shapes: ``N`` samples, images ``(N, H, W)`` grayscale or ``(N, H, W, C)``
colour, ``O`` orientation bins, ``F`` features per sample.

Quick tour::

    from neuralab import data, features

    F = features.hog(images, orientations=9, pixels_per_cell=(8, 8),
                     cells_per_block=(2, 2), channel_axis=-1)       # (N, F) == skimage's hog
    H = features.color_histogram(rgb_uint8, bins=10, channel="hue")  # (N, 10), rows sum to 1
    P = features.polar(X)                                            # (N, 2): r, θ
    Z = features.playground(X, names=("x1^2", "x2^2", "x1x2"))       # (N, 3)

    # A pipeline of named blocks ("hog", "color", "raw"), parameters prefixed by block:
    F = features.extract(images, names=("hog", "color"), hog_orientations=12, color_bins=16)

    # Every split of a Dataset, computed once and cached on disk (keyed by dataset contents,
    # names and parameters); then standardize with training statistics and train:
    ds = data.load("cifar10")
    ds = features.cached(ds, names="hog,color", params={"color_pixel_max": 255})
    ds = data.apply(ds, data.Standardizer())
    # model = models.linear(ds.n_features, ds.n_classes); Trainer(model, ...).fit(...)

Names and allowed values: :data:`FEATURE_BLOCKS` and :data:`FEATURE_PARAMS` (the pipeline),
:data:`BLOCK_NORMS`, :data:`HSV_CHANNELS`, :data:`PLAYGROUND_FEATURES`. Bad input raises
``ValueError`` (``TypeError`` for non-numeric data) naming the parameter, the value and what is
allowed. Importing this package needs numpy only: scikit-image is the tests' oracle, never a
dependency.
"""

from neuralab.features.color import HSV_CHANNELS, color_histogram, rgb_to_hsv
from neuralab.features.hog import BLOCK_NORMS, hog, hog_shape
from neuralab.features.pipeline import (
    CACHE_VERSION,
    FEATURE_BLOCKS,
    FEATURE_PARAMS,
    cache_path,
    cached,
    check_feature_names,
    extract,
)
from neuralab.features.playground import PLAYGROUND_FEATURES, check_playground_names, playground
from neuralab.features.polar import polar

__all__ = [
    "BLOCK_NORMS",
    "CACHE_VERSION",
    "FEATURE_BLOCKS",
    "FEATURE_PARAMS",
    "HSV_CHANNELS",
    "PLAYGROUND_FEATURES",
    "cache_path",
    "cached",
    "check_feature_names",
    "check_playground_names",
    "color_histogram",
    "extract",
    "hog",
    "hog_shape",
    "playground",
    "polar",
    "rgb_to_hsv",
]
