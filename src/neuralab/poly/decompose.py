"""The lecture's error decomposition, measured: modeling, estimation and optimization error.

Pick a true function f on an interval, a noise level σ and a sample size n. A *data set* is n
points ``y = f(x) + σ·ε`` (ε standard normal) at a fixed design x (n points drawn uniformly
once, from the seed; the fixed-design setting of the bias–variance decomposition). Drawing
K data sets and fitting each gives K polynomials ŷ_1..ŷ_K; test points are drawn fresh from
the same f + noise at m fresh x. With the mean fit ȳ(x) = (1/K)·Σ_k ŷ_k(x), averaged over the
test x:

=================  ======================================  ===============================
part               formula                                 the lecture's name
=================  ======================================  ===============================
bias²              mean_x (ȳ(x) − f(x))²                   modeling error (the class
                                                           cannot express f)
variance           mean_x mean_k (ŷ_k(x) − ȳ(x))²          estimation error (finite data)
noise              σ²                                      the floor no model goes below
test error         mean_{x,k} (y_test − ŷ_k(x))²           measured (Monte-Carlo)
=================  ======================================  ===============================

and test error ≈ bias² + variance + σ² (exactly in expectation: the difference is the
sampling error of the test noise, reported as ``test_se``). bias² and variance carry K's
correction: the variance over the K fits divides by K − 1, and bias² subtracts the mean fit's
own sampling error variance/K — so both are unbiased (bias² can come out slightly below 0
where the true bias is 0) and their sum is unchanged.

The optimization error: fit the same least-squares objective (no penalty) by gradient descent
for a chosen number of steps instead of solving it — from w = 0, step 1/L (L the largest
eigenvalue of the Hessian AᵀA/N) in the scaled power basis A = [1, t, ..., t^d],
t = (x − center)/scale ∈ [−1, 1]. GD on a quadratic is linear, so its iterate after s steps is
exactly ``w_s = w* − (I − H/L)^s·w*`` (w* the exact fit): computed from the eigenvectors of H
in one step whatever s is. The high powers of t are nearly collinear (tiny eigenvalues), so
GD creeps along them — the optimization error grows with the degree; the training error of
GD is never below the exact fit's; its test error may be (stopping early regularizes).

Every fit is :mod:`.fitting`'s own solver (the one :func:`~neuralab.poly.fit` uses), run on
all K data sets at once (they share x, so one factorization serves all K).

Shapes: n training points, K data sets, m test points, D settings (degrees or λ).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from ..checks import check_int, check_number
from .algebra import _horner
from .fitting import _t_coefficients, check_degree, fits_on

MAX_DATASETS = 1000
MAX_TEST = 10_000
MAX_GD_STEPS = 10**9


@dataclass(frozen=True)
class Sample:
    """K data sets at one fixed design, and the fresh test points.

    Attributes
    ----------
    x : numpy.ndarray
        ``(n,)`` the training x, sorted.
    y : numpy.ndarray
        ``(K, n)`` the K data sets' y.
    x_test : numpy.ndarray
        ``(m,)`` test x.
    y_test : numpy.ndarray
        ``(K, m)`` test y, fresh noise for every data set.
    f_test : numpy.ndarray
        ``(m,)`` f at the test x (noise-free).
    sigma : float
        The noise's standard deviation.
    """

    x: np.ndarray
    y: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    f_test: np.ndarray
    sigma: float


@dataclass(frozen=True)
class Decomposition:
    """Result of :func:`decompose`: one row per setting (degree, λ).

    Attributes
    ----------
    degrees, l2, l1 : numpy.ndarray
        ``(D,)`` each setting's degree and penalties.
    bias2, variance : numpy.ndarray
        ``(D,)`` modeling and estimation error (see the module docstring).
    noise : float
        σ².
    test_error : numpy.ndarray
        ``(D,)`` the Monte-Carlo test MSE.
    test_se : numpy.ndarray
        ``(D,)`` its standard error as an estimate of bias² + variance + σ².
    train_error : numpy.ndarray
        ``(D,)`` the mean training MSE over the K data sets.
    gd_train_error, gd_test_error : numpy.ndarray or None
        ``(D,)`` the same for gradient descent (None without ``gd_steps``; NaN for a setting
        with a penalty: GD runs on the plain least-squares objective).
    exact_train_error, exact_test_error : numpy.ndarray or None
        ``(D,)`` the exact least-squares fit's errors GD is compared with (equal to
        ``train_error``/``test_error`` for a setting without penalty).
    gd_steps : int or None
        The number of GD steps.
    NaN marks a setting the data cannot support (an unpenalized degree ≥ n).
    """

    degrees: np.ndarray
    l2: np.ndarray
    l1: np.ndarray
    bias2: np.ndarray
    variance: np.ndarray
    noise: float
    test_error: np.ndarray
    test_se: np.ndarray
    train_error: np.ndarray
    gd_train_error: np.ndarray | None = None
    gd_test_error: np.ndarray | None = None
    exact_train_error: np.ndarray | None = None
    exact_test_error: np.ndarray | None = None
    gd_steps: int | None = None

    @property
    def optimization_error(self) -> np.ndarray | None:
        """``(D,)`` GD's test error minus the exact fit's (None without GD)."""
        if self.gd_test_error is None or self.exact_test_error is None:
            return None
        return self.gd_test_error - self.exact_test_error


def draw(f: Callable[[np.ndarray], np.ndarray], domain: tuple[float, float], sigma: float,
         n: int, k: int = 100, *, n_test: int = 1000, seed: int = 0) -> Sample:
    """K data sets of n points from ``f + σ·ε`` on ``domain``, and m = ``n_test`` test points.

    ``f`` maps an array of x to the same shape of y. The training x are drawn once (the
    fixed design), uniformly on ``domain``; the same seed gives the same sample.
    """
    lo, hi = (check_number("domain[0]", domain[0]), check_number("domain[1]", domain[1]))
    if not lo < hi:
        raise ValueError(f"domain={domain} must be (low, high) with low < high")
    sigma = check_number("sigma", sigma, 0.0)
    n = check_int("n", n, 1, 100_000)
    k = check_int("k", k, 2, MAX_DATASETS)
    n_test = check_int("n_test", n_test, 1, MAX_TEST)
    rng = np.random.default_rng(seed)
    x = np.sort(rng.uniform(lo, hi, n))
    y = np.asarray(f(x), dtype=np.float64) + sigma * rng.standard_normal((k, n))
    x_test = rng.uniform(lo, hi, n_test)
    f_test = np.asarray(f(x_test), dtype=np.float64)
    y_test = f_test + sigma * rng.standard_normal((k, n_test))
    return Sample(x, y, x_test, y_test, f_test, sigma)


def fit_all(x: np.ndarray, y: np.ndarray, degree: int, l2: float = 0.0, l1: float = 0.0, *,
            max_sweeps: int = 10_000) -> tuple[float, float, np.ndarray]:
    """Fit every data set: x ``(n,)``, y ``(K, n)`` → (center, scale, coefficients in powers
    of t ``(d+1, K)``), by :func:`~neuralab.poly.fit`'s solver."""
    import warnings

    with warnings.catch_warnings():
        # a capped lasso is a deliberate approximation here
        warnings.simplefilter("ignore", RuntimeWarning)
        center, scale, tcoef, _ = _t_coefficients(x, y.T, check_degree(degree), l2, l1,
                                                  tol=1e-12, max_sweeps=max_sweeps)
    return center, scale, tcoef


def predict_all(tcoef: np.ndarray, center: float, scale: float, x: np.ndarray) -> np.ndarray:
    """The K polynomials ``tcoef`` ``(d+1, K)`` at x ``(m,)`` → ``(K, m)`` (Horner in t)."""
    return _horner(tcoef, ((x - center) / scale)[:, None]).T


def gradient_descent(x: np.ndarray, tcoef: np.ndarray, center: float, scale: float,
                     steps: int) -> np.ndarray:
    """GD's coefficients after ``steps`` steps on ``(1/2N)·‖A·w − y‖²`` from w = 0, step 1/L,
    A = [1, t, ..., t^d] ``(n, d+1)``; ``tcoef`` ``(d+1, K)`` is the exact minimizer.
    Returns ``(d+1, K)``: ``w* − (I − H/L)^steps·w*`` (see the module docstring)."""
    steps = check_int("steps", steps, 0, MAX_GD_STEPS)
    a = np.vander((x - center) / scale, tcoef.shape[0], increasing=True)
    h = a.T @ a / x.size
    lam, v = np.linalg.eigh(h)
    lam = np.clip(lam, 0.0, None)  # rounding can make a zero eigenvalue slightly negative
    keep = 1.0 - (1.0 - lam / lam[-1]) ** steps  # the part of w* each eigendirection reached
    return v @ (keep[:, None] * (v.T @ tcoef))


def _parts(pred_test: np.ndarray, sample: Sample, pred_train: np.ndarray
           ) -> tuple[float, float, float, float, float]:
    """(bias², variance, test MSE, its standard error, training MSE) of K fits' predictions
    ``pred_test`` ``(K, m)`` and ``pred_train`` ``(K, n)``."""
    k = pred_test.shape[0]
    mean = pred_test.mean(axis=0)
    spread = float(np.mean((pred_test - mean) ** 2))
    # unbiased for finite K: E[(ȳ − f)²] = bias² + variance/K, so the plain mean-fit error
    # overstates bias² (visibly, at a high degree); the correction moves variance/K over to
    # the variance (the K−1 denominator) and leaves the sum bias² + variance unchanged
    bias2 = float(np.mean((mean - sample.f_test) ** 2)) - spread / (k - 1)
    variance = spread * k / (k - 1)
    err = (sample.y_test - pred_test) ** 2
    # err − (ŷ − f)² has mean σ² and is independent across (k, x): its spread gives the
    # sampling error of test MSE − (bias² + variance)
    resid = err - (pred_test - sample.f_test) ** 2
    se = float(resid.std() / np.sqrt(resid.size))
    train = float(np.mean((sample.y - pred_train) ** 2))
    return bias2, variance, float(err.mean()), se, train


def decompose(sample: Sample, degrees: Sequence[int], l2: float | Sequence[float] = 0.0,
              l1: float | Sequence[float] = 0.0, *, gd_steps: int | None = None,
              max_sweeps: int = 10_000) -> Decomposition:
    """bias², variance, σ² and the test error of each setting (degree, l2, l1) on ``sample``.

    Parameters
    ----------
    sample : Sample
        From :func:`draw`.
    degrees : sequence of int
        ``(D,)``; ``l2``/``l1`` a number for every setting or a sequence ``(D,)`` (a curve
        by λ at one degree repeats the degree).
    gd_steps : int, optional
        Also measure gradient descent after this many steps (settings without penalty).
    max_sweeps : int
        The lasso's coordinate-descent cap per fit.
    """
    degrees = [check_degree(d) for d in degrees]
    count = len(degrees)
    l2s = np.broadcast_to(np.asarray(l2, dtype=np.float64), (count,))
    l1s = np.broadcast_to(np.asarray(l1, dtype=np.float64), (count,))
    for name, values in (("l2", l2s), ("l1", l1s)):
        for v in values:
            check_number(name, float(v), 0.0)
    rows = np.full((count, 5), np.nan)
    gd = np.full((count, 4), np.nan)
    for i, (d, a2, a1) in enumerate(zip(degrees, l2s, l1s, strict=True)):
        if not fits_on(sample.x, d, a1 > 0 or a2 > 0):
            continue
        center, scale, tcoef = fit_all(sample.x, sample.y, d, float(a2), float(a1),
                                       max_sweeps=max_sweeps)
        rows[i] = _parts(predict_all(tcoef, center, scale, sample.x_test), sample,
                         predict_all(tcoef, center, scale, sample.x))
        if gd_steps is None or a1 > 0 or a2 > 0:
            continue
        w = gradient_descent(sample.x, tcoef, center, scale, gd_steps)
        g = _parts(predict_all(w, center, scale, sample.x_test), sample,
                   predict_all(w, center, scale, sample.x))
        gd[i] = (g[4], g[2], rows[i, 4], rows[i, 2])
    with_gd = gd_steps is not None
    return Decomposition(
        np.array(degrees), l2s.copy(), l1s.copy(), rows[:, 0], rows[:, 1],
        sample.sigma ** 2, rows[:, 2], rows[:, 3], rows[:, 4],
        *((gd[:, 0], gd[:, 1], gd[:, 2], gd[:, 3]) if with_gd else (None,) * 4),
        gd_steps=gd_steps)
