"""Feature pipeline: named feature blocks concatenated per image, and an on-disk cache.

:func:`extract` turns a batch of images into one ``(N, F)`` matrix by concatenating the blocks
named in ``names`` (see :data:`FEATURE_BLOCKS`), each configured by prefixed keyword arguments
(``hog_orientations=12``, ``color_bins=16`` ...; see :data:`FEATURE_PARAMS`).

:func:`cached` does the same for every split of a :class:`neuralab.data.Dataset` and stores the
result in ``<cache_dir>/<dataset>-<names>-<key>.npz``, where the key hashes the dataset's name,
split shapes and contents (so a different seed or split gives a different key), the feature
names and parameters and a format version. The file is written to a temporary name and moved in
place with ``os.replace``, so readers never see half a file, and a second call loads it instead
of recomputing.
"""

from __future__ import annotations

import hashlib
import json
import os
import warnings
import zipfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from neuralab.checks import check_array, check_choice, check_float_dtype
from neuralab.config import FEATURE_BLOCKS, FEATURE_PARAMS, check_feature_names
from neuralab.config import IMAGE_BLOCKS as _IMAGE_BLOCKS
from neuralab.config import POINT_BLOCKS as _POINT_BLOCKS
from neuralab.features.color import HSV_CHANNELS, color_histogram
from neuralab.features.hog import BLOCK_NORMS, hog
from neuralab.features.playground import check_playground_names, playground
from neuralab.features.polar import polar

if TYPE_CHECKING:  # pragma: no cover - typing only
    from neuralab.data import Dataset

__all__ = [
    "CACHE_VERSION",
    "FEATURE_BLOCKS",
    "FEATURE_PARAMS",
    "cache_path",
    "cached",
    "check_feature_names",
    "extract",
]

#: Bump when feature values change, so that old cache files are not reused.
CACHE_VERSION = 1

# FEATURE_BLOCKS (the block names, one line each), FEATURE_PARAMS (each block's keyword
# arguments with their defaults) and check_feature_names live in neuralab.config, the table of
# allowed values that TrainConfig validates with; this module re-exports them.


def _resolve_params(names: tuple[str, ...], params: Mapping[str, Any]) -> dict[str, Any]:
    """Defaults of the chosen blocks updated with ``params``; unknown keys, or keys of blocks
    not in ``names``, raise ``ValueError``."""
    resolved: dict[str, Any] = {}
    for name in names:
        resolved.update(FEATURE_PARAMS[name])
    for key, value in params.items():
        if key not in resolved:
            owner = next((b for b, p in FEATURE_PARAMS.items() if key in p), None)
            if owner is not None:
                raise ValueError(
                    f"{key}={value!r} configures the {owner!r} block, which is not in "
                    f"names={names!r}"
                )
            known = ", ".join(k for b in FEATURE_PARAMS for k in FEATURE_PARAMS[b]) or "none"
            raise ValueError(f"unknown feature parameter {key!r}; allowed: {known}")
        resolved[key] = value
    if "hog" in names:
        check_choice("hog_block_norm", resolved["hog_block_norm"], BLOCK_NORMS)
    if "color" in names:
        check_choice("color_channel", resolved["color_channel"], HSV_CHANNELS)
    if "playground" in names:
        resolved["playground_names"] = check_playground_names(resolved["playground_names"])
    return resolved


def _as_images(images: Any, image_shape: Sequence[int] | None) -> np.ndarray:
    """(N, H, W) or (N, H, W, C); flat (N, D) rows are reshaped with ``image_shape``."""
    x = check_array("images", images, (2, 3, 4), "(N, H, W), (N, H, W, C) or (N, D) rows")
    if x.ndim == 2:
        if image_shape is None:
            raise ValueError(
                f"images of shape {x.shape} are flat rows; pass image_shape=(H, W) or "
                "(H, W, C) to say how to fold them back into images"
            )
        shape = tuple(int(s) for s in image_shape)
        if len(shape) not in (2, 3) or int(np.prod(shape)) != x.shape[1]:
            raise ValueError(
                f"image_shape={tuple(image_shape)!r} does not fold rows of {x.shape[1]} values "
                "into (H, W) or (H, W, C) images"
            )
        x = x.reshape(x.shape[0], *shape)
    if x.ndim == 4 and x.shape[-1] == 1:
        x = x[..., 0]  # a single channel is grayscale
    return x


def extract(
    images: Any,
    names: Sequence[str] | str = ("hog", "color"),
    *,
    image_shape: Sequence[int] | None = None,
    dtype: Any = np.float32,
    **params: Any,
) -> np.ndarray:
    """Concatenated feature blocks of a batch of images.

    Parameters
    ----------
    images : array_like
        ``(N, H, W)`` grayscale, ``(N, H, W, C)`` colour images, or flat rows ``(N, D)`` with
        ``image_shape``; for the point blocks, ``(N, 2)`` points.
    names : sequence of str or str
        Blocks to concatenate, in this order: ``"hog"``, ``"color"`` (RGB images only),
        ``"raw"``, ``"polar"``, ``"playground"`` (2-D points only); or a comma-separated
        string such as ``"hog,color"``.
    image_shape : tuple of int, optional
        ``(H, W)`` or ``(H, W, C)`` for flat rows (e.g. ``dataset.image_shape``).
    dtype : {float32, float64}
        dtype of the result (float32, what neuralab's models train on, by default).
    **params
        Per-block settings, see :data:`FEATURE_PARAMS`: ``hog_orientations``,
        ``hog_pixels_per_cell``, ``hog_cells_per_block``, ``hog_block_norm``,
        ``hog_transform_sqrt``, ``color_bins``, ``color_channel``, ``color_pixel_max``
        (``None``: 255 for integer images, 1 for float images; pass 255 for float 0..255
        data such as neuralab's CIFAR-10), ``playground_names``.

    Returns
    -------
    numpy.ndarray
        ``(N, F)`` with ``F`` the sum of the blocks' widths.

    Examples
    --------
    >>> import numpy as np
    >>> from neuralab import features
    >>> x = np.random.default_rng(0).integers(0, 256, (3, 32, 32, 3), dtype=np.uint8)
    >>> features.extract(x, "hog,color", hog_cells_per_block=(2, 2), color_bins=8).shape
    (3, 332)
    """
    names = check_feature_names(names)
    out_dtype = check_float_dtype("dtype", dtype)
    p = _resolve_params(names, params)
    if any(n in _POINT_BLOCKS for n in names):
        x = check_array("images", images, 2, "(N, 2) points")
        if x.shape[1] != 2:
            raise ValueError(f"the point blocks need 2-D points (N, 2), got shape {x.shape}")
    elif any(n in _IMAGE_BLOCKS for n in names):
        x = _as_images(images, image_shape)
    else:  # raw only: any (N, ...) input
        x = check_array("images", images, (2, 3, 4), "(N, D), (N, H, W) or (N, H, W, C)")
    blocks = []
    for name in names:  # a loop over the few blocks, each vectorized over the batch
        if name == "hog":
            blocks.append(hog(
                x, p["hog_orientations"], p["hog_pixels_per_cell"], p["hog_cells_per_block"],
                p["hog_block_norm"], channel_axis=-1 if x.ndim == 4 else None,
                transform_sqrt=p["hog_transform_sqrt"],
            ))
        elif name == "color":
            if x.ndim != 4 or x.shape[-1] != 3:
                raise ValueError(
                    f"the 'color' block needs RGB images (N, H, W, 3), got shape {x.shape}"
                )
            blocks.append(color_histogram(
                x, p["color_bins"], p["color_channel"], pixel_max=p["color_pixel_max"]))
        elif name == "polar":
            blocks.append(polar(x))
        elif name == "playground":
            blocks.append(playground(x, p["playground_names"]))
        else:  # raw
            blocks.append(x.reshape(x.shape[0], -1))
    return np.concatenate([b.astype(out_dtype, copy=False) for b in blocks], axis=1)


# --------------------------------------------------------------------------- cache
def _default_cache_dir() -> Path:
    from neuralab.data import data_home  # light, but only needed here

    return data_home("features")


def _dataset_digest(dataset: Dataset) -> str:
    """blake2b of every split's arrays (shape, dtype and bytes): a different seed, split or
    preprocessing gives a different digest."""
    h = hashlib.blake2b(digest_size=16)
    for split in ("train", "val", "test"):
        for arr in dataset.split(split):
            arr = np.ascontiguousarray(arr)
            h.update(f"{split}:{arr.dtype.str}:{arr.shape};".encode())
            h.update(memoryview(arr).cast("B"))
    return h.hexdigest()


def _jsonable(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, tuple | list):
        return [_jsonable(v) for v in value]
    return value


def _cache_key(dataset: Dataset, names: tuple[str, ...], params: dict[str, Any]) -> dict:
    return {
        "version": CACHE_VERSION,
        "dataset": dataset.name,
        "splits": {s: list(dataset.split(s)[0].shape) for s in ("train", "val", "test")},
        "image_shape": _jsonable(dataset.image_shape),
        "data": _dataset_digest(dataset),
        "names": list(names),
        "params": {k: _jsonable(v) for k, v in sorted(params.items())},
    }


def _prepare(
    dataset: Dataset, names: Any, params: Mapping[str, Any] | None
) -> tuple[tuple[str, ...], dict[str, Any]]:
    names = check_feature_names(names)
    resolved = _resolve_params(names, dict(params or {}))
    if "color" in names and resolved["color_pixel_max"] is None:
        # neuralab keeps pixels in their original units (0..255 as float32); decide the scale
        # once for the whole dataset, so that every split is scaled alike.
        top = max(float(dataset.split(s)[0].max(initial=0.0)) for s in ("train", "val", "test"))
        resolved["color_pixel_max"] = 1.0 if top <= 1.0 else 255.0
    return names, resolved


def cache_path(
    dataset: Dataset, names: Sequence[str] | str = ("hog", "color"),
    params: Mapping[str, Any] | None = None, cache_dir: str | os.PathLike | None = None,
) -> Path:
    """The file :func:`cached` reads or writes for these arguments (it may not exist yet)."""
    names, resolved = _prepare(dataset, names, params)
    return _path_for(dataset, names, _cache_key(dataset, names, resolved), cache_dir)


def _path_for(dataset: Dataset, names: tuple[str, ...], key: dict,
              cache_dir: str | os.PathLike | None) -> Path:
    folder = Path(cache_dir).expanduser() if cache_dir is not None else _default_cache_dir()
    digest = hashlib.sha256(json.dumps(key, sort_keys=True).encode()).hexdigest()[:16]
    safe = "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in dataset.name)
    return folder / f"{safe}-{'+'.join(names)}-{digest}.npz"


def _read_cache(path: Path, key: dict) -> dict[str, np.ndarray] | None:
    try:
        with np.load(path, allow_pickle=False) as npz:
            if json.loads(str(npz["key"])) != key:
                return None
            return {s: npz[f"X_{s}"] for s in ("train", "val", "test")}
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile) as exc:
        warnings.warn(f"ignoring unreadable feature cache {path} ({exc}); recomputing",
                      RuntimeWarning, stacklevel=3)
        return None


def _write_cache(path: Path, key: dict, arrays: dict[str, np.ndarray]) -> None:
    from neuralab.io import atomic_write

    def write(tmp: str) -> None:
        with open(tmp, "wb") as fh:  # a file object: np.savez would add ".npz" to a name
            np.savez(fh, key=np.array(json.dumps(key, sort_keys=True)),
                     **{f"X_{s}": a for s, a in arrays.items()})

    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(path, write)  # readers see the old file or the new one, never half


def cached(
    dataset: Dataset,
    names: Sequence[str] | str = ("hog", "color"),
    params: Mapping[str, Any] | None = None,
    cache_dir: str | os.PathLike | None = None,
) -> Dataset:
    """``dataset`` with every split's images replaced by :func:`extract` features, cached.

    Parameters
    ----------
    dataset : Dataset
        Image data: ``X_*`` of shape ``(N, H, W[, C])`` or flat rows with ``image_shape`` set;
        or 2-D points ``(N, 2)`` (toy data sets) for the ``polar`` / ``playground`` blocks.
    names : sequence of str or str
        Feature blocks, as for :func:`extract` (``"hog,color"`` works).
    params : mapping, optional
        Block parameters, as the keyword arguments of :func:`extract`. For ``"color"`` an
        unset ``color_pixel_max`` is fixed for the whole dataset: 1 if every pixel is <= 1,
        else 255 (neuralab stores image pixels as 0..255 floats).
    cache_dir : path, optional
        Where cache files live; default ``data_home("features")``
        (``$NEURALAB_DATA/features`` or ``~/.cache/neuralab/features``).

    Returns
    -------
    Dataset
        Same labels, class names and task; ``X_*`` float32 ``(N, F)``; ``image_shape=None``;
        a note naming the features and the cache file. Standardize it with training statistics
        before training, e.g. ``data.apply(ds, data.Standardizer())``.
    """
    names, resolved = _prepare(dataset, names, params)
    key = _cache_key(dataset, names, resolved)
    path = _path_for(dataset, names, key, cache_dir)
    arrays = _read_cache(path, key)
    status = "loaded from"
    if arrays is None:
        arrays = {
            s: extract(dataset.split(s)[0], names, image_shape=dataset.image_shape, **resolved)
            for s in ("train", "val", "test")
        }
        _write_cache(path, key, arrays)
        status = "computed, cached in"
    width = arrays["train"].shape[1]
    note = f"features {'+'.join(names)} ({width} per sample) {status} {path}"
    return dataset.replace(
        **{f"X_{s}": a for s, a in arrays.items()},
        image_shape=None,
        notes=[*dataset.notes, note],
    )
