"""The binary frame of PROTOCOL.md: ``uint32 LE header length | UTF-8 JSON header | heatmaps``.

Encoding and decoding, and the heatmaps: the G×G grid they sample, their 8-bit quantization
and their layout in the payload (the output map, one map per input feature, one per hidden
neuron; a large network's neuron maps at a smaller T×T, :func:`neuron_map_size`).
"""

from __future__ import annotations

import json
import math
import struct
from dataclasses import dataclass
from typing import Any

import numpy as np

from .points import featurize
from .protocol import DOMAIN

__all__ = ["NEURON_MAP_PIXELS", "GridFeatures", "decode_frame", "encode_frame", "grid_features",
           "grid_points", "heatmaps", "json_array", "json_number", "neuron_map_size", "quantize"]

_HEADER_LENGTH = struct.Struct("<I")

#: The most pixels a frame's hidden-neuron maps hold together (2¹⁸). The default network's six
#: fit at any G; 6 × 32 neurons at G = 100 would be 1.9 MB a frame — more than a browser on a
#: small machine takes in 20 times a second, for thumbnails drawn ~12 pixels wide — so theirs
#: come at T = 36, and 6 × 8 at T = 73.
NEURON_MAP_PIXELS = 1 << 18


def encode_frame(header: dict[str, Any], payload: bytes | np.ndarray) -> bytes:
    """``uint32 LE header length | UTF-8 JSON header | heatmap bytes`` (PROTOCOL.md's frame).

    ``header`` must hold only finite numbers (JSON has no NaN): the session writes ``null``
    for a metric it cannot compute. ``payload`` is any bytes-like object (a uint8 array too).
    """
    head = json.dumps(header, separators=(",", ":"), allow_nan=False).encode("utf-8")
    return b"".join((_HEADER_LENGTH.pack(len(head)), head, payload))


def decode_frame(data: bytes) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """Split a binary frame into its header and its heatmaps, each ``(height, width, channels)``
    uint8 keyed by id (``"output"``, ``"F0"``, ``"L1N0"`` ...). The inverse of
    :func:`encode_frame`; what a client does in JavaScript."""
    (length,) = _HEADER_LENGTH.unpack_from(data, 0)
    header = json.loads(bytes(data[4 : 4 + length]).decode("utf-8"))
    body = memoryview(data)[4 + length :]
    maps = {}
    for h in header["heatmaps"]:
        size = h["width"] * h["height"] * h["channels"]
        chunk = np.frombuffer(body[h["offset"] : h["offset"] + size], dtype=np.uint8)
        maps[h["id"]] = chunk.reshape(h["height"], h["width"], h["channels"])
    return header, maps


def json_number(x: Any) -> float | None:
    """A JSON-safe float: ``None`` for NaN/inf (JSON has neither)."""
    x = float(x)
    return x if math.isfinite(x) else None


def json_array(a: np.ndarray, decimals: int = 6) -> list[Any]:
    """Nested lists of rounded floats (``None`` where not finite)."""
    a = np.asarray(a, dtype=np.float64)
    if np.isfinite(a).all():
        return np.round(a, decimals).tolist()
    out = np.round(a, decimals).astype(object)
    out[~np.isfinite(a)] = None
    return out.tolist()


# --------------------------------------------------------------------------- heatmaps
def grid_points(g: int) -> np.ndarray:
    """The heatmaps' G×G sample points, (G², 2) float32, row-major from the top-left.

    Pixel (row r, column c) samples the centre of its cell: ``x = -6 + (c + ½)·12/G``,
    ``y = 6 - (r + ½)·12/G``.
    """
    centres = -DOMAIN + (np.arange(g) + 0.5) * (2 * DOMAIN / g)
    xx, yy = np.meshgrid(centres, centres[::-1])  # rows: y from +6 down to -6
    return np.stack([xx.ravel(), yy.ravel()], axis=1).astype(np.float32)


def quantize(a: np.ndarray, lo: np.ndarray | float, hi: np.ndarray | float,
             finite: bool = True) -> np.ndarray:
    """``a`` mapped linearly from [lo, hi] to 0..255 (uint8, rounded, clipped); ``lo``/``hi``
    broadcast per column. A column with hi == lo maps to 0. ``finite=False`` when ``a`` may
    hold NaN/inf (a diverged network): NaN then maps to 0."""
    lo = np.asarray(lo, dtype=np.float32)
    span = np.asarray(hi, dtype=np.float32) - lo
    scale = np.divide(np.float32(255.0), span, out=np.zeros_like(span), where=span > 0)
    q = a * scale  # two passes for the affine map: q = a·s + (½ − lo·s)
    q += np.float32(0.5) - lo * scale
    if not finite:
        np.nan_to_num(q, copy=False, nan=0.0, posinf=255.0, neginf=0.0)
    np.clip(q, 0.0, 255.0, out=q)
    return q.astype(np.uint8)


@dataclass(frozen=True)
class GridFeatures:
    """The grid's network inputs (G², D), their ranges (D,) and their heatmaps, one after the
    other ((D·G²,) uint8): fixed for given features and G."""

    inputs: np.ndarray
    lo: np.ndarray
    hi: np.ndarray
    maps: np.ndarray


def grid_features(features: list[str] | tuple[str, ...], g: int) -> GridFeatures:
    """The :class:`GridFeatures` of the G×G grid."""
    F = featurize(grid_points(g), features)
    lo, hi = F.min(axis=0), F.max(axis=0)
    return GridFeatures(F, lo, hi, np.ascontiguousarray(quantize(F, lo, hi).T).ravel())


def neuron_map_size(g: int, units: int) -> int:
    """T, the side of each hidden neuron's map for ``units`` neurons on the G×G grid: G while
    ``units``·G² ≤ :data:`NEURON_MAP_PIXELS`, else the largest T with ``units``·T² within it
    (at least 8). Pixel (r, c) of a T×T map is the grid's value at the G-cell that holds the
    centre of its own cell, row ⌊(r + ½)·G/T⌋ and column ⌊(c + ½)·G/T⌋."""
    if units * g * g <= NEURON_MAP_PIXELS:
        return g
    return max(8, min(g, math.isqrt(NEURON_MAP_PIXELS // max(units, 1))))


def _entry(map_id: str, g: int, channels: int, lo: float | None, hi: float | None,
           offset: int) -> dict[str, Any]:
    return {"id": map_id, "width": g, "height": g, "channels": channels, "lo": lo, "hi": hi,
            "offset": offset}


def heatmaps(g: int, output: np.ndarray, output_range: tuple[float, float],
             features: GridFeatures | None, hidden: list[np.ndarray]) -> tuple[
                 list[dict[str, Any]], np.ndarray]:
    """The frame's heatmap entries and payload (uint8) on the G×G grid.

    ``output`` (G², K) is quantized over the fixed ``output_range`` into one K-channel map
    (HWC); the features' maps follow (none when ``features`` is None: a frame pushed while
    playing leaves out these fixed maps), then one map per hidden neuron of ``hidden`` (a
    (G², H) array of activations per layer), each over its own range, at T×T
    (:func:`neuron_map_size`).
    """
    g2 = g * g
    k = output.shape[1]
    entries = [_entry("output", g, k, *output_range, 0)]
    offset = g2 * k
    feature_maps = features.maps if features is not None else np.empty(0, np.uint8)
    if features is not None:
        entries += [_entry(f"F{i}", g, 1, json_number(lo), json_number(hi), offset + i * g2)
                    for i, (lo, hi) in enumerate(zip(features.lo, features.hi, strict=True))]
    offset += feature_maps.size
    t = neuron_map_size(g, sum(act.shape[1] for act in hidden))
    t2 = t * t
    if t < g:  # each T-cell's centre falls in one G-cell: that cell's row of activations
        pick = ((np.arange(t) + 0.5) * g / t).astype(np.intp)
        rows = (pick[:, None] * g + pick[None, :]).ravel()
        hidden = [act[rows] for act in hidden]
    # every neuron of every layer, one row each (units, T²) as the payload lays them out: one
    # transposed copy, one range and one quantization for all of them (per layer, numpy's
    # fixed costs add up to more). Row-wise, as numpy reduces a few long rows in one
    # vectorized pass each, where the (T², units) columns took ~30× longer
    names = [f"L{layer}N{unit}" for layer, act in enumerate(hidden, start=1)
             for unit in range(act.shape[1])]
    acts = None
    if hidden:  # out=: concatenate alone would keep the transposes' column order
        acts = np.empty((len(names), t2), dtype=np.result_type(*hidden))
        np.concatenate([act.T for act in hidden], out=acts)
        lo, hi = acts.min(axis=1), acts.max(axis=1)
        entries += [_entry(name, t, 1, json_number(a), json_number(b), offset + n * t2)
                    for n, (name, a, b) in enumerate(zip(names, lo.tolist(), hi.tolist(),
                                                         strict=True))]
    payload = np.empty(offset + len(names) * t2, dtype=np.uint8)
    finite = bool(np.isfinite(output).all())
    payload[: g2 * k] = quantize(output, *output_range, finite).ravel()  # HWC
    payload[g2 * k : g2 * k + feature_maps.size] = feature_maps
    if acts is not None:
        q = quantize(acts, lo[:, None], hi[:, None],
                     bool(np.isfinite(lo).all() and np.isfinite(hi).all()))
        payload[offset:] = q.ravel()  # one map per neuron
    return entries, payload
