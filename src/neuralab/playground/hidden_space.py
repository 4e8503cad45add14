"""ConvNetJS's hidden-space view: the data and a grid of input-space lines mapped through the
network up to one layer, then onto two axes — the lecture's "a network makes the data linearly
separable" made visible (the output layer is a linear classifier on the last hidden layer).

Pure numpy, no session state: given the model, the points with their features, the layer and
the projection, :func:`hidden_space` returns 2-D coordinates. Layer 0 is the input plane
``(x1, x2)`` itself; layer ``k`` (1-based) is hidden layer ``k``'s activations ``h`` (H units,
eval mode, from :func:`~neuralab.playground.network.layer_outputs`). A layer of at most 2 units
is shown as is (one unit: ``(h, 0)``); a wider one is projected onto its top-2 principal
directions (PCA of the training rows' activations) or onto two chosen units ``[i, j]``.

PCA comes from numpy's SVD of the centred activations, whose signs are arbitrary: a direction
that flips from one frame to the next would mirror the picture while the network barely
changed. So each direction is turned to point along the previous picture's (``reference``,
kept by the session), or without one so that its largest component is positive.
:func:`hidden_space_reply` builds the protocol's ``hidden_space`` reply from a session's
pieces and checks the layer and the unit indices against the network.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..nn import Linear, Sequential
from . import tfp
from .frames import json_array
from .network import layer_outputs
from .points import featurize
from .protocol import DOMAIN, PlaygroundConfig, ProtocolError

__all__ = ["GRID_LINES", "LINE_SAMPLES", "HiddenSpace", "check_view", "decision_line",
           "grid_lines", "hidden_space", "hidden_space_reply", "layer_activations",
           "pca_directions"]

GRID_LINES = 11  # lines of each family over the plotted square: 1.2 apart on [-6, 6]
LINE_SAMPLES = 41  # points per line: enough for a tanh layer's bends to look smooth
DECIMALS = 4  # coordinates in the reply: far finer than a 300-pixel canvas shows


@dataclass(frozen=True)
class HiddenSpace:
    """One picture of the view: 2-D coordinates of the training rows (N, 2), the test rows
    (M, 2) and the grid lines (L, S, 2); the axes' names; for PCA the directions (2, H) and the
    share of the variance along each (2,); the output's decision line ``[a, b, c]``
    (a·u + b·v + c = 0) when it is exact in these coordinates, else None."""

    train: np.ndarray
    test: np.ndarray
    lines: np.ndarray
    axes: tuple[str, str]
    units: int
    directions: np.ndarray | None = None
    variance: np.ndarray | None = None
    boundary: np.ndarray | None = None


def grid_lines(lines: int = GRID_LINES, samples: int = LINE_SAMPLES,
               domain: float = DOMAIN) -> np.ndarray:
    """The input-space grid, (2·lines, samples, 2) float64: first ``lines`` horizontal lines
    (x2 constant, from −domain up to +domain, each sampled along x1 from left to right), then
    ``lines`` vertical ones (x1 constant, each sampled along x2 from bottom to top)."""
    at = np.linspace(-domain, domain, lines)
    t = np.linspace(-domain, domain, samples)
    horizontal = np.stack(np.broadcast_arrays(t[None, :], at[:, None]), axis=-1)
    vertical = np.stack(np.broadcast_arrays(at[:, None], t[None, :]), axis=-1)
    return np.concatenate([horizontal, vertical])


def layer_activations(model: Sequential, act_index: Sequence[int], layer: int,
                      xy: np.ndarray, F: np.ndarray) -> np.ndarray:
    """Layer ``layer``'s values for points ``xy`` (N, 2) with features ``F`` (N, D), (N, H)
    float64: the points themselves for layer 0, else hidden layer ``layer``'s activations in
    eval mode (its activation layer, ``act_index[layer - 1]`` in the Sequential)."""
    if layer == 0:
        return np.asarray(xy, dtype=np.float64).reshape(-1, 2)
    outs = layer_outputs(model, F)
    return np.array(outs[act_index[layer - 1]], dtype=np.float64)  # a copy: outs are buffers


def pca_directions(A: np.ndarray, reference: np.ndarray | None = None
                   ) -> tuple[np.ndarray, np.ndarray]:
    """The top-2 principal directions of the rows of ``A`` (N, H), H ≥ 2, and the share of the
    variance along each.

    Returns ``(D, share)``: ``D`` (2, H) orthonormal rows, the right-singular vectors of the
    centred ``A`` with the two largest singular values (most variance first), and ``share``
    (2,) their singular values squared over the sum of all (0 when ``A`` has no variance).
    Signs: row k points along ``reference[k]`` (D[k]·reference[k] ≥ 0) when a (2, H)
    reference is given, else its component of largest magnitude is positive. With fewer than
    2 rows, or a non-finite ``A`` (a diverged network), the directions complete the basis
    arbitrarily but still orthonormally (units 0 and 1 for a non-finite ``A``).
    """
    n, h = A.shape
    if n == 0 or not np.isfinite(A).all():
        D, s = np.eye(h)[:2], np.zeros(0)
    else:
        _, s, vt = np.linalg.svd(A - A.mean(axis=0), full_matrices=True)
        D = vt[:2].copy()
    total = float(np.sum(s ** 2))
    share = np.array([s[k] ** 2 / total if k < s.size and total > 0 else 0.0 for k in range(2)])
    if reference is not None and reference.shape == D.shape:
        flip = np.sum(D * reference, axis=1) < 0
    else:
        flip = D[np.arange(2), np.argmax(np.abs(D), axis=1)] < 0
    D[flip] *= -1.0
    return D, share


def decision_line(weight: np.ndarray, bias: np.ndarray) -> tuple[np.ndarray, float]:
    """The output's two-class decision boundary in its input ``h`` (H,): ``w·h + b = 0``.

    ``weight`` (H, K), ``bias`` (K,): K = 2 class scores (softmax or SVM), the boundary is
    s₁ − s₀ = 0; K = 1 (TFP's tanh unit, o > 0 is class 1), it is the unit's z = 0."""
    if weight.shape[1] == 1:
        return weight[:, 0].astype(np.float64), float(bias[0])
    return (weight[:, 1] - weight[:, 0]).astype(np.float64), float(bias[1] - bias[0])


def hidden_space(model: Sequential, act_index: Sequence[int], layer: int,
                 projection: str | Sequence[int],
                 train: tuple[np.ndarray, np.ndarray], test: tuple[np.ndarray, np.ndarray],
                 lines: tuple[np.ndarray, np.ndarray],
                 head: tuple[np.ndarray, float] | None = None,
                 reference: np.ndarray | None = None) -> HiddenSpace:
    """The view's picture: points and lines through the network up to ``layer``, in 2-D.

    Parameters
    ----------
    model, act_index
        The session's network and the index of each hidden layer's activation in it.
    layer : int
        0 for the input plane, ``k`` in 1..L for hidden layer ``k`` (checked by the caller).
    projection : "pca" or [i, j]
        For a layer of more than 2 units: its top-2 principal directions (of the training
        rows), or units ``i`` and ``j`` as the axes (also allowed, to swap or pick the axes,
        for a layer of 2). A layer of at most 2 units with ``"pca"`` is shown as is.
    train, test : (xy (N, 2), F (N, D))
        The points and their features (the network's inputs).
    lines : (xy (L, S, 2), F (L·S, D))
        The grid lines (:func:`grid_lines`) and their features.
    head : (w (H,), b), optional
        The output's decision line in this layer's values (:func:`decision_line`), given when
        ``layer`` is the last hidden one; it is drawn only when exact: at most 2 units, no
        projection but the identity.
    reference : (2, H), optional
        The previous picture's PCA directions, whose signs these keep.
    """
    shape = lines[0].shape[:2]
    xy = np.concatenate([train[0], test[0], lines[0].reshape(-1, 2)])
    F = np.concatenate([train[1], test[1], lines[1]])
    A = layer_activations(model, act_index, layer, xy, F)
    n, m, h = len(train[0]), len(test[0]), A.shape[1]
    names = ["x1", "x2"] if layer == 0 else [f"unit {u}" for u in range(h)]
    directions = variance = None
    if projection != "pca":
        i, j = projection
        P, axes = np.eye(h)[[i, j]], (names[i], names[j])
    elif h <= 2:  # shown as is; one unit: (h, 0)
        P, axes = np.eye(2, h), (names[0], names[1] if h == 2 else "")
    else:
        P, variance = pca_directions(A[:n], reference)
        A = A - (A[:n].mean(axis=0) if n else 0.0)
        directions, axes = P, ("PC1", "PC2")
    coords = A @ P.T
    boundary = None
    if head is not None and h <= 2 and directions is None:
        w, b = head
        boundary = np.array([*(P @ w), b])  # P is a permutation (or h ≤ 2's identity)
    return HiddenSpace(coords[:n], coords[n:n + m], coords[n + m:].reshape(*shape, 2), axes, h,
                       directions, variance, boundary)


def check_view(layer: int, projection: str | Sequence[int], widths: Sequence[int]
                         ) -> None:
    """Raise a :class:`ProtocolError` naming the field when ``layer`` or the units of
    ``projection`` do not exist in a network whose hidden layers have ``widths`` units."""
    depth = len(widths)
    if layer > depth:
        allowed = "0 (the network has no hidden layer: the input plane x1, x2)" if depth == 0 \
            else f"0-{depth} (0: the input plane x1, x2; 1-{depth}: the hidden layers)"
        raise ProtocolError(f"layer={layer} is out of range; allowed: {allowed}", "layer")
    if projection == "pca":
        return
    units = 2 if layer == 0 else widths[layer - 1]
    if max(projection) >= units:
        what = "the input plane has 2 axes (0: x1, 1: x2)" if layer == 0 \
            else f"hidden layer {layer} has {units} unit{'s' if units > 1 else ''}"
        allowed = "'pca'" if units < 2 else f"'pca' or two different units of 0-{units - 1}"
        raise ProtocolError(f"projection={list(projection)} is out of range; allowed: "
                            f"{allowed} ({what})", "projection")


def hidden_space_reply(layer: int, projection: str | Sequence[int], config: PlaygroundConfig,
                       model: Sequential, act_index: Sequence[int], head: Linear,
                       train: tuple[np.ndarray, np.ndarray], test: tuple[np.ndarray, np.ndarray],
                       reference: tuple[int, np.ndarray] | None = None,
                       ) -> tuple[dict[str, Any], tuple[int, np.ndarray] | None]:
    """The ``hidden_space`` reply (PROTOCOL.md) for a session's network and points.

    ``reference`` is ``(layer, directions)`` of the previous PCA picture; returns the reply and
    the reference to keep for the next one. The decision line comes for two classes when
    ``layer`` is the last hidden one.

    Raises
    ------
    ProtocolError
        Naming ``layer`` or ``projection`` when they do not exist in this network.
    """
    widths = list(config.hidden)
    check_view(layer, projection, widths)
    inputs = tfp.inputs if config.tfp else featurize
    xy = grid_lines()
    lines = (xy, inputs(xy.reshape(-1, 2), config.features))
    two_classes = config.classification and config.classes == 2
    line = decision_line(head.weight.value, head.bias.value) \
        if two_classes and layer == len(widths) > 0 else None
    ref = reference[1] if reference is not None and reference[0] == layer else None
    with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
        view = hidden_space(model, act_index, layer, projection, train, test, lines, line, ref)
    keep = (layer, view.directions) if view.directions is not None else reference

    def arr(a: np.ndarray | None) -> list[Any] | None:
        return None if a is None else json_array(a, DECIMALS)

    reply = {
        "type": "hidden_space", "layer": layer,
        "projection": projection if projection == "pca" else list(projection),
        "units": view.units, "axes": list(view.axes),
        "train": arr(view.train), "test": arr(view.test), "lines": arr(view.lines),
        "directions": arr(view.directions), "variance": arr(view.variance),
        "boundary": arr(view.boundary),
    }
    return reply, keep
