"""Two-dimensional toy datasets: the TensorFlow Playground's sets and the lecture's hard cases.

:func:`toy` returns ``(X, y)`` with ``X`` of shape ``(n, 2)`` (float32) and ``y`` of shape
``(n,)``: ``int64`` classes for classification, ``float32`` targets in ``[-1, 1]`` for
regression. Every generator is vectorized (no loop over points) and draws from
``np.random.default_rng(seed)`` only.

Noise follows the playground: ``noise`` is its "Noise" slider (0–50 %) divided by 100, so it
lies in ``[0, 0.5]``. Depending on the set it acts in one of three ways (each generator's
docstring in :data:`TOY_SETS` says which):

* **label noise** — the point is kept where it was drawn, but its label is computed from a
  noisy copy ``p + U(-s, s)·noise`` (``s`` the set's half-width: 5 for circle and xor, 6 for the
  regression sets, 3 for quadrants / ring / three-modes, 4 for the checkerboard). Near the
  boundary labels flip; positions do not move.
* **positional noise** — the label is exact and the point moves: spiral adds
  ``U(-1, 1)·noise`` to each coordinate, moons adds ``N(0, (2.5·noise)²)``.
* **spread** — gaussian and blobs draw points with variance ``0.5 + 7·noise`` (the
  playground's linear map of noise ``[0, 0.5]`` to variance ``[0.5, 4]``).

Labels: the playground's ``+1`` / ``-1`` become classes ``1`` / ``0``. For a fixed ``seed`` the
random draws happen in the same order whatever ``noise`` is, so changing only ``noise`` keeps
the clean positions (label-noise sets) or the labels (positional-noise sets) unchanged. Points
are returned shuffled (one permutation drawn last).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from neuralab.checks import check_int, check_number
from neuralab.data.dataset import Dataset
from neuralab.data.splits import three_way_split

# A generator function: (rng, n, noise, classes) -> (X (n, 2) float64, y (n,)).
GenerateFn = Callable[[np.random.Generator, int, float, int], tuple[np.ndarray, np.ndarray]]


@dataclass(frozen=True)
class ToySpec:
    """One toy set: its task, allowed class counts, default size and generator.

    Attributes
    ----------
    name : str
    task : {"classification", "regression"}
    classes : tuple of int
        Allowed values of ``classes``; the first is the default. Empty for regression.
    default_n : int
        The playground's sample count (500 to classify, 1200 to regress).
    noise : {"label", "positional", "spread"}
        How ``noise`` acts (see the module docstring).
    description : str
        One line.
    """

    name: str
    task: str
    classes: tuple[int, ...]
    default_n: int
    noise: str
    description: str
    generate: GenerateFn


# --------------------------------------------------------------------------- helpers
def _halves(n: int) -> tuple[int, int]:
    """``(n1, n0)``: class 1 gets the extra point when ``n`` is odd (its loop runs first)."""
    return (n + 1) // 2, n // 2


def _counts(n: int, k: int) -> np.ndarray:
    """``n`` points split over ``k`` groups as evenly as possible, earlier groups first."""
    return n // k + (np.arange(k) < n % k)


def _noisy(rng: np.random.Generator, X: np.ndarray, half_width: float, noise: float) -> np.ndarray:
    """The playground's noisy copy ``X + U(-s, s)·noise``, used only to compute labels."""
    return X + rng.uniform(-half_width, half_width, size=X.shape) * noise


# --------------------------------------------------------------------------- playground sets
def _circle(rng: np.random.Generator, n: int, noise: float, k: int) -> tuple[np.ndarray, ...]:
    """Playground "circle": radius 5. Class 1: ``r ~ U(0, 2.5)``; class 0: ``r ~ U(3.5, 5)``;
    angle ``~ U(0, 2π)``, point ``(r sin a, r cos a)``. Label noise (s = 5): class 1 iff the
    noisy copy lies within radius 2.5."""
    n1, n0 = _halves(n)
    r = np.concatenate([rng.uniform(0.0, 2.5, n1), rng.uniform(3.5, 5.0, n0)])
    angle = rng.uniform(0.0, 2 * math.pi, n)
    X = np.stack([r * np.sin(angle), r * np.cos(angle)], axis=1)
    P = _noisy(rng, X, 5.0, noise)
    return X, (np.hypot(P[:, 0], P[:, 1]) < 2.5).astype(np.int64)


def _xor(rng: np.random.Generator, n: int, noise: float, k: int) -> tuple[np.ndarray, ...]:
    """Playground "xor": ``x, y ~ U(-5, 5)``, each pushed 0.3 away from 0 (a visible gap along
    the axes). Label noise (s = 5): class 1 iff ``x'·y' >= 0`` for the noisy copy."""
    X = rng.uniform(-5.0, 5.0, (n, 2))
    X += np.where(X > 0, 0.3, -0.3)
    P = _noisy(rng, X, 5.0, noise)
    return X, (P[:, 0] * P[:, 1] >= 0).astype(np.int64)


def _gaussian(rng: np.random.Generator, n: int, noise: float, k: int) -> tuple[np.ndarray, ...]:
    """Playground "gaussian": class 1 around (2, 2), class 0 around (-2, -2), per-coordinate
    variance ``0.5 + 7·noise`` (std its square root)."""
    n1, n0 = _halves(n)
    y = np.concatenate([np.ones(n1, np.int64), np.zeros(n0, np.int64)])
    centre = np.where(y == 1, 2.0, -2.0)[:, None]
    std = math.sqrt(0.5 + 7.0 * noise)
    return centre + std * rng.standard_normal((n, 2)), y


def _spiral(rng: np.random.Generator, n: int, noise: float, k: int) -> tuple[np.ndarray, ...]:
    """Playground "spiral", generalized to ``k`` arms. Arm ``j`` has ``m`` points ``i = 0..m-1``:
    ``r = i/m·5``, ``t = 1.75·i/m·2π + 2πj/k``, point ``(r sin t, r cos t) + U(-1, 1)·noise``
    (positional noise). Arm ``j`` is class ``k-1-j``, so for ``k = 2`` the arm with ``δ = 0`` is
    class 1 and the one with ``δ = π`` class 0, as in the playground."""
    counts = _counts(n, k)
    arm = np.repeat(np.arange(k), counts)
    i = np.arange(n) - np.repeat(np.cumsum(counts) - counts, counts)
    frac = i / counts[arm]
    r = frac * 5.0
    t = 1.75 * frac * 2 * math.pi + 2 * math.pi * arm / k
    X = np.stack([r * np.sin(t), r * np.cos(t)], axis=1)
    X += rng.uniform(-1.0, 1.0, (n, 2)) * noise
    return X, (k - 1 - arm).astype(np.int64)


def _plane(rng: np.random.Generator, n: int, noise: float, k: int) -> tuple[np.ndarray, ...]:
    """Playground "plane" (regression): ``x, y ~ U(-6, 6)``; target ``(x' + y')/10``, the linear
    map of ``[-10, 10]`` to ``[-1, 1]`` (not clamped), on the noisy copy (label noise, s = 6)."""
    X = rng.uniform(-6.0, 6.0, (n, 2))
    P = _noisy(rng, X, 6.0, noise)
    return X, ((P[:, 0] + P[:, 1]) / 10.0).astype(np.float32)


_MULTI_GAUSSIAN_CENTRES = np.array(
    [[-4, 2.5, 1], [0, 2.5, -1], [4, 2.5, 1], [-4, -2.5, -1], [0, -2.5, 1], [4, -2.5, -1]],
    dtype=np.float64,
)


def _multi_gaussian(
    rng: np.random.Generator, n: int, noise: float, k: int
) -> tuple[np.ndarray, ...]:
    """Playground "multi-gaussian" (regression): ``x, y ~ U(-6, 6)``; six centres
    ``(cx, cy, sign)``; each gives ``sign·clamp(1 - d/2, 0, 1)`` (distance ``[0, 2]`` mapped to
    ``[1, 0]``, clamped) and the target is the value with the largest magnitude (the first
    centre on ties, 0 far from all); computed on the noisy copy (label noise, s = 6)."""
    X = rng.uniform(-6.0, 6.0, (n, 2))
    P = _noisy(rng, X, 6.0, noise)
    c = _MULTI_GAUSSIAN_CENTRES
    d = np.hypot(P[:, None, 0] - c[None, :, 0], P[:, None, 1] - c[None, :, 1])  # (n, 6)
    values = c[None, :, 2] * np.clip(1.0 - d / 2.0, 0.0, 1.0)
    best = np.argmax(np.abs(values), axis=1)
    return X, values[np.arange(n), best].astype(np.float32)


# --------------------------------------------------------------------------- lecture's hard cases
_QUADRANT_SIGNS = np.array([[1, 1], [-1, 1], [-1, -1], [1, -1]], dtype=np.float64)


def _quadrant_index(P: np.ndarray) -> np.ndarray:
    """0 for x>=0,y>=0 (first quadrant), 1 second, 2 third, 3 fourth."""
    right, top = P[:, 0] >= 0, P[:, 1] >= 0
    return np.where(top, np.where(right, 0, 1), np.where(right, 3, 2)).astype(np.int64)


def _quadrants(rng: np.random.Generator, n: int, noise: float, k: int) -> tuple[np.ndarray, ...]:
    """The lecture's first hard case. Points in ``[-3, 3]²``, exactly ``n/4`` per quadrant
    (``|x|, |y| ~ U(0, 3)``). ``k = 2`` (default, the slide): class 1 = first and third
    quadrants (``x·y > 0``), class 0 = second and fourth. ``k = 4``: class = quadrant index
    (0 first, 1 second, 2 third, 3 fourth, counter-clockwise). Label noise (s = 3)."""
    quadrant = rng.permutation(np.arange(n) % 4)
    X = rng.uniform(0.0, 3.0, (n, 2)) * _QUADRANT_SIGNS[quadrant]
    q = _quadrant_index(_noisy(rng, X, 3.0, noise))
    return X, (q if k == 4 else (q % 2 == 0).astype(np.int64))


def _ring(rng: np.random.Generator, n: int, noise: float, k: int) -> tuple[np.ndarray, ...]:
    """The lecture's second hard case: points uniform in ``[-3, 3]²``; class 1 iff
    ``1 <= ‖p'‖ <= 2`` for the noisy copy (label noise, s = 3), else class 0. Class 1 covers
    ``3π/36 ≈ 26 %`` of the square, so the classes are not balanced."""
    X = rng.uniform(-3.0, 3.0, (n, 2))
    r = np.linalg.norm(_noisy(rng, X, 3.0, noise), axis=1)
    return X, ((r >= 1.0) & (r <= 2.0)).astype(np.int64)


# Three modes: discs of radius 0.8 centred on a circle of radius 2 at 90°, 210° and 330°.
_MODE_ANGLES = np.deg2rad([90.0, 210.0, 330.0])
_MODE_CENTRES = 2.0 * np.stack([np.cos(_MODE_ANGLES), np.sin(_MODE_ANGLES)], axis=1)
_MODE_RADIUS = 0.8


def _mode_distance(P: np.ndarray) -> np.ndarray:
    """Distance from each point to the nearest mode centre, shape ``(n,)``."""
    return np.linalg.norm(P[:, None, :] - _MODE_CENTRES[None], axis=2).min(axis=1)


def _three_modes(rng: np.random.Generator, n: int, noise: float, k: int) -> tuple[np.ndarray, ...]:
    """The lecture's third hard case. Class 1: ``ceil(n/2)`` points uniform in three discs of
    radius 0.8 centred 2 from the origin at 90°, 210°, 330° (equal shares); class 0: the rest,
    uniform over ``[-3, 3]²`` outside the discs ("everything else"). Label: class 1 iff the
    noisy copy lies in a disc (label noise, s = 3)."""
    n1, n0 = _halves(n)
    mode = rng.permutation(np.arange(n1) % 3)
    rad = _MODE_RADIUS * np.sqrt(rng.random(n1))  # sqrt: uniform over the disc's area
    ang = rng.uniform(0.0, 2 * math.pi, n1)
    inside = _MODE_CENTRES[mode] + rad[:, None] * np.stack([np.cos(ang), np.sin(ang)], axis=1)
    # Background by rejection, in batches: the discs cover ~17 % of the square, so a batch of
    # 1.5·n0 + 16 candidates almost always suffices and the loop (over batches, not points)
    # rarely runs twice.
    kept: list[np.ndarray] = []
    have = 0
    while have < n0:
        cand = rng.uniform(-3.0, 3.0, (int(1.5 * (n0 - have)) + 16, 2))
        cand = cand[_mode_distance(cand) > _MODE_RADIUS]
        kept.append(cand)
        have += len(cand)
    outside = np.concatenate(kept)[:n0] if kept else np.zeros((0, 2))
    X = np.concatenate([inside, outside])
    P = _noisy(rng, X, 3.0, noise)
    return X, (_mode_distance(P) <= _MODE_RADIUS).astype(np.int64)


# --------------------------------------------------------------------------- extra sets
def _moons(rng: np.random.Generator, n: int, noise: float, k: int) -> tuple[np.ndarray, ...]:
    """Two interleaving half circles (scikit-learn's ``make_moons``): class 0 the upper moon
    ``(cos t, sin t)``, class 1 the lower ``(1 - cos t, 0.5 - sin t)``, ``t`` evenly spaced in
    ``[0, π]``; ``make_moons(noise=noise)``'s Gaussian jitter; then scaled by 2.5 and centred
    (positional noise, std ``2.5·noise``)."""
    n0 = n // 2
    n1 = n - n0
    t0 = np.linspace(0.0, math.pi, n0)
    t1 = np.linspace(0.0, math.pi, n1)
    X = np.concatenate(
        [
            np.stack([np.cos(t0), np.sin(t0)], axis=1),
            np.stack([1.0 - np.cos(t1), 0.5 - np.sin(t1)], axis=1),
        ]
    )
    X += rng.standard_normal((n, 2)) * noise
    X = 2.5 * (X - np.array([0.5, 0.25]))
    y = np.concatenate([np.zeros(n0, np.int64), np.ones(n1, np.int64)])
    return X, y


def _checkerboard(rng: np.random.Generator, n: int, noise: float, k: int) -> tuple[np.ndarray, ...]:
    """Points uniform in ``[-4, 4]²`` cut into a 4×4 board of 2×2 cells; cell ``(i, j)`` (column
    ``i = floor((x+4)/2)``, row ``j``) is class ``(i + j) mod k`` — the black/white parity for
    ``k = 2``, diagonal stripes of ``k`` colours otherwise. Label noise (s = 4)."""
    X = rng.uniform(-4.0, 4.0, (n, 2))
    cell = np.floor((_noisy(rng, X, 4.0, noise) + 4.0) / 2.0).astype(np.int64)
    return X, ((cell[:, 0] + cell[:, 1]) % k).astype(np.int64)


def _blobs(rng: np.random.Generator, n: int, noise: float, k: int) -> tuple[np.ndarray, ...]:
    """``k`` Gaussian blobs with centres on a circle at angles ``π/4 + 2πj/k`` (radius ``2√2``
    for ``k <= 4``, so ``k = 2`` is the playground's (2, 2) / (-2, -2); radius 4 for more
    blobs), class ``j`` per blob, equal counts, variance ``0.5 + 7·noise`` like "gaussian"."""
    y = np.repeat(np.arange(k), _counts(n, k)).astype(np.int64)
    radius = 2 * math.sqrt(2) if k <= 4 else 4.0
    angle = math.pi / 4 + 2 * math.pi * y / k
    centre = radius * np.stack([np.cos(angle), np.sin(angle)], axis=1)
    return centre + math.sqrt(0.5 + 7.0 * noise) * rng.standard_normal((n, 2)), y


# --------------------------------------------------------------------------- table
def _spec(
    name: str, task: str, classes: tuple[int, ...], noise: str, desc: str, gen: GenerateFn
) -> ToySpec:
    return ToySpec(name, task, classes, 500 if task == "classification" else 1200, noise, desc, gen)


TOY_SETS: dict[str, ToySpec] = {
    s.name: s
    for s in (
        _spec("circle", "classification", (2,), "label",
              "playground: a disc (class 1) inside a ring (class 0)", _circle),
        _spec("xor", "classification", (2,), "label",
              "playground: class 1 where x·y >= 0 (first and third quadrants)", _xor),
        _spec("gaussian", "classification", (2,), "spread",
              "playground: two Gaussian blobs at (2, 2) and (-2, -2)", _gaussian),
        _spec("spiral", "classification", (2, 3, 4, 5), "positional",
              "playground: interleaved spiral arms, one class per arm", _spiral),
        _spec("plane", "regression", (), "label",
              "playground regression: target (x + y) / 10", _plane),
        _spec("multi-gaussian", "regression", (), "label",
              "playground regression: six signed bumps", _multi_gaussian),
        _spec("quadrants", "classification", (2, 4), "label",
              "lecture hard case: first+third vs second+fourth quadrants", _quadrants),
        _spec("ring", "classification", (2,), "label",
              "lecture hard case: class 1 iff 1 <= |x| <= 2", _ring),
        _spec("three-modes", "classification", (2,), "label",
              "lecture hard case: three modes vs everything else", _three_modes),
        _spec("moons", "classification", (2,), "positional",
              "two interleaving half circles", _moons),
        _spec("checkerboard", "classification", (2, 3, 4, 5), "label",
              "4x4 board of cells, class (column + row) mod K", _checkerboard),
        _spec("blobs", "classification", (2, 3, 4, 5, 6, 7, 8), "spread",
              "K Gaussian blobs on a circle", _blobs),
    )
}  # fmt: skip

NOISE_RANGE = (0.0, 0.5)


def toy_names(task: str | None = None) -> tuple[str, ...]:
    """Names of the toy sets, optionally only those of one ``task``."""
    return tuple(n for n, s in TOY_SETS.items() if task is None or s.task == task)


def _check_name(name: Any) -> ToySpec:
    key = name.strip().lower().replace("_", "-") if isinstance(name, str) else name
    if key not in TOY_SETS:
        raise ValueError(
            f"name={name!r} is not a toy dataset; choose one of: {', '.join(TOY_SETS)}"
        )
    return TOY_SETS[key]


def check_toy_args(
    name: Any, n: Any = None, noise: Any = 0.0, classes: Any = None
) -> tuple[ToySpec, int, float, int]:
    """Validate :func:`toy`'s arguments; returns ``(spec, n, noise, classes)`` with defaults.

    Raises ``ValueError`` naming the parameter, the value and what is allowed.
    """
    spec = _check_name(name)
    if n is None:
        n = spec.default_n
    n = check_int("n", n, 1)
    noise = check_number("noise", noise, *NOISE_RANGE,
                         note=" (the playground's noise slider 0-50 % divided by 100)")
    if spec.task == "regression":
        if classes is not None:
            raise ValueError(
                f"classes={classes!r} is not allowed for the regression set {spec.name!r}; "
                "allowed: None"
            )
        k = 0
    else:
        k = spec.classes[0] if classes is None else classes
        if isinstance(k, bool) or not isinstance(k, int | np.integer) or k not in spec.classes:
            allowed = ", ".join(map(str, spec.classes))
            raise ValueError(
                f"classes={classes!r} is not allowed for {spec.name!r}; allowed: {allowed}"
            )
    return spec, int(n), float(noise), int(k)


def toy(
    name: str,
    n: int | None = None,
    noise: float = 0.0,
    seed: int | np.random.Generator = 0,
    classes: int | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Generate a 2-D toy dataset.

    Parameters
    ----------
    name : str
        One of :data:`TOY_SETS`: ``circle``, ``xor``, ``gaussian``, ``spiral`` (the playground's
        classification sets), ``plane``, ``multi-gaussian`` (its regression sets),
        ``quadrants``, ``ring``, ``three-modes`` (the lecture's hard cases for a linear
        classifier), ``moons``, ``checkerboard``, ``blobs``.
    n : int, optional
        Number of points, >= 1. Default: the playground's 500 (classification) or 1200
        (regression).
    noise : float
        In ``[0, 0.5]``: the playground's noise slider / 100. How it acts depends on the set
        (label noise, positional noise or spread; see the module docstring).
    seed : int or numpy.random.Generator
        Seed of a fresh ``np.random.default_rng(seed)`` (or a generator to draw from).
    classes : int, optional
        Number of classes where the set allows several (spiral 2–5, quadrants 2 or 4,
        checkerboard 2–5, blobs 2–8); must be ``None`` for regression sets.

    Returns
    -------
    X : numpy.ndarray
        Shape ``(n, 2)``, float32, shuffled.
    y : numpy.ndarray
        Shape ``(n,)``: int64 classes ``0..classes-1``, or float32 targets for regression.
    """
    spec, n, noise, k = check_toy_args(name, n, noise, classes)
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    X, y = spec.generate(rng, n, noise, k)
    perm = rng.permutation(n)
    return X[perm].astype(np.float32), y[perm]


def load_toy(
    *,
    name: str,
    seed: int = 0,
    val_fraction: float | None = None,
    n: int | None = None,
    noise: float = 0.0,
    classes: int | None = None,
    test_fraction: float = 0.2,
) -> Dataset:
    """A toy set as a :class:`~neuralab.data.Dataset` (the :func:`~neuralab.data.load` entry).

    The ``n`` points of :func:`toy` are split train / val / test (default 60 / 20 / 20),
    stratified by class for classification and at random for regression, with ``seed``.
    Class names are ``"0" .. "K-1"``.
    """
    spec, n, noise, k = check_toy_args(name, n, noise, classes)
    X, y = toy(spec.name, n=n, noise=noise, seed=seed, classes=classes)
    parts = three_way_split(
        X,
        y,
        val_fraction=0.2 if val_fraction is None else val_fraction,
        test_fraction=test_fraction,
        seed=seed,
        stratify=spec.task == "classification",
    )
    return Dataset(
        spec.name,
        *parts,
        class_names=[str(c) for c in range(k)],
        image_shape=None,
        task=spec.task,
        description=f"{spec.description} (n={n}, noise={noise:g}, seed={seed})",
    )
