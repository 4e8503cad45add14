"""Polynomial regression: the lecture's runners example, as PolySolve does it — but stable.

:func:`fit` fits ``y ≈ a0 + a1·x + ... + ad·x^d`` by least squares, optionally with the
lecture's L2, L1 or elastic-net regularization; :func:`select_degree` and
:func:`validation_curve` choose the degree and λ by k-fold or leave-one-out cross-validation;
:meth:`PolyFit.to_code` writes the fitted polynomial as a Python, JavaScript, C or Java function
and :meth:`PolyFit.table` prints PolySolve's x–y table. :func:`parse_points` reads ``x y`` pairs
from text (files, the CLI, the web page).

Numerics
--------
Raw powers ``1, x, ..., x^d`` make a notoriously ill-conditioned least-squares problem (with x
in 10..60, x^7 is ~10^12 times x^0), and the normal equations square that condition number.
Here every fit is computed in the centred and scaled variable

    t = (x − center) / scale,   center = (min x + max x)/2,   scale = (max x − min x)/2,

so ``t`` lies in [−1, 1]. The unregularized fit solves the least-squares problem in the
Chebyshev basis of ``t`` (nearly orthogonal columns: a small condition number where raw
powers have ~10^10 and more) by SVD-based ``numpy.linalg.lstsq``. Predictions evaluate
``Σ c_j·t^j`` by Horner's rule — stable for every degree up to 20. The coefficients in
powers of the original ``x`` (what PolySolve shows) are an exact algebraic conversion of
these; they are reported, but evaluating them directly loses digits at high degree when x is
far from 0.

Regularized objectives
----------------------
Penalties act on the *standardized power basis* (scikit-learn's
``PolynomialFeatures(d, include_bias=False)`` + ``StandardScaler()``): the columns
``x, x², ..., x^d`` are computed from the raw x and each is centred and scaled to unit variance
on the training data, ``z_k = (x^k − mean(x^k)) / std(x^k)``; the model is
``ŷ = b + Σ_k β_k·z_k`` and the intercept ``b`` is never penalized. With n points:

=================  ============================================  ==============================
arguments          minimizes over (b, β)                         scikit-learn equivalent
=================  ============================================  ==============================
``l2=λ``           Σ(y − ŷ)² + λ·Σβ²                             ``Ridge(alpha=λ)``
``l1=λ``           (1/2n)·Σ(y − ŷ)² + λ·Σ|β|                     ``Lasso(alpha=λ)``
``l1=λ1, l2=λ2``   (1/2n)·Σ(y − ŷ)² + λ1·Σ|β| + (λ2/2n)·Σβ²      ``ElasticNet(alpha=λ1 + λ2/n,
                                                                 l1_ratio=λ1/(λ1 + λ2/n))``
=================  ============================================  ==============================

The elastic net is the ridge objective divided by 2n plus the lasso's L1 term, so that it
reduces to each of the two when the other λ is 0. Ridge is solved by SVD of the standardized
design; lasso and elastic net by cyclic coordinate descent, finished exactly: every few sweeps
the stationarity equations are solved on the current active set and signs (and, if that is
not yet optimal, the lasso homotopy / feature-sign search take over), and an answer is accepted
only when it satisfies the KKT conditions to rounding — far tighter than a tolerance-stopped
descent, which creeps on these nearly collinear columns.

Examples
--------
>>> from neuralab import data, poly
>>> x, y = data.runners()
>>> f = poly.fit(x, y, 3)
>>> print(f.equation(4))
y = -4.796 + 1.4·x - 0.03557·x^2 + 0.000268·x^3
>>> poly.select_degree(x, y, range(8), cv="loo").best_degree
3
"""

from __future__ import annotations

import keyword
import math
import re
import warnings
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

__all__ = [
    "MAX_DEGREE", "DegreeSelection", "PolyFit", "ValidationCurve", "fit", "parse_points",
    "select_degree", "validation_curve",
]

MAX_DEGREE = 20
LANGUAGES = ("python", "javascript", "c", "java")
_LANG_ALIASES = {"py": "python", "js": "javascript", "python": "python",
                 "javascript": "javascript", "c": "c", "java": "java"}
_MAX_TABLE_ROWS = 100_000

CV = int | Literal["loo"] | None


# --------------------------------------------------------------------------- validation
def _check_degree(degree: Any) -> int:
    if isinstance(degree, bool) or not isinstance(degree, int | np.integer):
        raise ValueError(f"degree={degree!r} must be an integer; allowed: 0..{MAX_DEGREE}")
    if not 0 <= degree <= MAX_DEGREE:
        raise ValueError(f"degree={degree!r} is out of range; allowed: integers 0..{MAX_DEGREE}")
    return int(degree)


def _check_lam(name: str, value: Any) -> float:
    try:
        lam = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name}={value!r} must be a number; allowed: λ >= 0") from None
    if not math.isfinite(lam) or lam < 0:
        raise ValueError(f"{name}={value!r} is not allowed; allowed: a finite λ >= 0 "
                         "(the regularization strength)")
    return lam


def _check_xy(x: Any, y: Any) -> tuple[np.ndarray, np.ndarray]:
    arrays = []
    for name, v in (("x", x), ("y", y)):
        try:
            a = np.asarray(v, dtype=np.float64)
        except (TypeError, ValueError):
            raise ValueError(f"{name} must be a 1-D array of numbers, got {type(v).__name__}"
                             ) from None
        if a.ndim != 1:
            raise ValueError(f"{name} must be 1-D, got shape {a.shape}")
        bad = np.flatnonzero(~np.isfinite(a))
        if bad.size:
            i = int(bad[0])
            raise ValueError(f"{name}[{i}]={float(a[i])!r} is not finite; allowed: finite "
                             f"numbers (no NaN or inf; {bad.size} such value(s))")
        arrays.append(a)
    xa, ya = arrays
    if xa.shape != ya.shape:
        raise ValueError(f"x and y must have the same length, got {xa.size} and {ya.size}")
    if xa.size == 0:
        raise ValueError("x and y are empty; allowed: at least 1 point")
    return xa, ya


def _check_enough_points(x: np.ndarray, degree: int, regularized: bool) -> None:
    """Without a penalty a degree-d fit needs d+1 points at d+1 distinct x (else it is not
    unique); a penalty makes any system solvable, so then nothing is required."""
    if regularized:
        return
    n = x.size
    if n < degree + 1:
        raise ValueError(f"degree={degree} needs at least {degree + 1} points without "
                         f"regularization, got {n}; allowed: degree <= {n - 1} "
                         "(or set l2 > 0)")
    unique = np.unique(x).size
    if unique < degree + 1:
        raise ValueError(f"degree={degree} needs at least {degree + 1} distinct x values "
                         f"without regularization, got {unique} (x has duplicates); allowed: "
                         f"degree <= {unique - 1} (or set l2 > 0)")


def _fits_on(x: np.ndarray, degree: int, regularized: bool) -> bool:
    try:
        _check_enough_points(x, degree, regularized)
    except ValueError:
        return False
    return True


# --------------------------------------------------------------------------- polynomial algebra
def _horner(coef: np.ndarray, t: np.ndarray | float) -> Any:
    """Σ coef[j]·t^j, highest power first — the exact operation order of the generated code."""
    y = coef[-1] + 0.0 * np.asarray(t, dtype=np.float64)  # broadcast scalars to t's shape
    for c in coef[-2::-1]:
        y = y * t + c
    return y


def _compose_affine(coef: np.ndarray, a: float, b: float) -> np.ndarray:
    """Coefficients (lowest first) of p(a + b·u) in powers of u, given p's coefficients."""
    out = np.array([coef[-1]], dtype=np.float64)
    for c in coef[-2::-1]:
        # out·(a + b·u) + c, as polynomials in u
        nxt = np.zeros(out.size + 1)
        nxt[:-1] += a * out
        nxt[1:] += b * out
        nxt[0] += c
        out = nxt
    return out


def _affine(x: np.ndarray) -> tuple[float, float]:
    """center and scale mapping the data's x range onto [−1, 1] (scale 1 for a single x)."""
    lo, hi = float(x.min()), float(x.max())
    center = lo + (hi - lo) / 2  # not (lo+hi)/2: that can overflow for huge |x|
    scale = (hi - lo) / 2
    return center, scale if scale > 0 else 1.0


# --------------------------------------------------------------------------- solvers
def _lstsq_chebyshev(t: np.ndarray, y: np.ndarray, degree: int) -> np.ndarray:
    """Least squares in the Chebyshev basis of t ∈ [−1, 1]; returns power-of-t coefficients."""
    basis = np.polynomial.chebyshev.chebvander(t, degree)
    norms = np.linalg.norm(basis, axis=0)
    norms[norms == 0] = 1.0
    cheb, *_ = np.linalg.lstsq(basis / norms, y, rcond=None)
    return np.polynomial.chebyshev.cheb2poly(cheb / norms)


def _standardized_powers(x: np.ndarray, degree: int
                         ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The columns x, x², ..., x^d, each centred and scaled (population std, like
    ``StandardScaler``); a constant column keeps scale 1 (so it becomes ~0, as in sklearn)."""
    powers = x[:, None] ** np.arange(1, degree + 1)
    mean = powers.mean(axis=0)
    std = powers.std(axis=0)
    tiny = 10 * np.finfo(np.float64).eps * np.maximum(np.abs(mean), 1.0)
    std = np.where(std < tiny, 1.0, std)
    return (powers - mean) / std, mean, std


def _ridge(z: np.ndarray, yc: np.ndarray, l2: float) -> np.ndarray:
    """argmin ‖yc − zβ‖² + l2·‖β‖² via the SVD of z: β = V·diag(s/(s²+l2))·Uᵀ·yc. The SVD never
    forms zᵀz, so it keeps the digits the normal equations would lose."""
    u, s, vt = np.linalg.svd(z, full_matrices=False)
    d = s / (s * s + l2)
    return vt.T @ (d * (u.T @ yc))


def _coordinate_descent(z: np.ndarray, yc: np.ndarray, l1: float, l2: float, *,
                        tol: float, max_sweeps: int) -> np.ndarray:
    """Minimize ½‖yc − zβ‖² + n·l1·‖β‖₁ + ½·l2·‖β‖² (n times the elastic-net objective).

    Cyclic coordinate descent on the Gram matrix (d ≤ 20 columns, so H = zᵀz + l2·I is tiny
    and a sweep costs O(d²) whatever n is). The columns of a polynomial basis are highly
    correlated, so plain descent creeps towards the answer (scikit-learn's ``Lasso`` too).
    After 10, 100, 1000 ... sweeps we therefore try to finish exactly: by solving the
    stationarity equations on the descent's active set and signs, by the lasso homotopy (LARS
    with the lasso modification, once) and by the feature-sign search from the best point so
    far. An answer is accepted only when it satisfies the KKT conditions to rounding and does
    not raise the objective, so the result is the minimizer to rounding — far tighter than a
    tolerance on the descent. (Only for a tiny l1 at a high degree, where even these stall on
    the near-singular basis, does the descent run to ``max_sweeps`` and warn.)
    """
    n, d = z.shape
    h = z.T @ z + l2 * np.eye(d)
    corr = z.T @ yc
    thr = n * l1
    beta = np.zeros(d)
    scale = max(float(np.abs(corr).max()), np.finfo(np.float64).tiny)

    def objective(b: np.ndarray) -> float:
        # from the residual, not ½βᵀHβ − cᵀβ, which cancels catastrophically here
        r = yc - z @ b
        return float(0.5 * (r @ r) + 0.5 * l2 * (b @ b) + thr * np.abs(b).sum())

    check, tried_path = 10, False
    for sweep in range(1, max_sweeps + 1):
        converged = _sweep(h, corr, thr, beta) <= tol * scale
        if converged or sweep == check:
            check *= 10
            now = objective(beta)
            candidates = [_solve_on_support(h, corr, thr, np.sign(beta))]
            if not tried_path:
                tried_path = True
                candidates.append(_lasso_path(h, corr, thr))
            # the feature-sign search only ever lowers the objective: start it from the best
            # point so far
            start = min((c for c in [beta, *candidates] if c is not None), key=objective)
            candidates.append(_feature_sign_search(h, corr, thr, start, objective))
            for cand in candidates:
                if cand is not None and _kkt(h, corr, thr, cand) \
                        and objective(cand) <= now + 1e-12 * max(abs(now), 1.0):
                    return cand
            if converged:
                return beta
    warnings.warn(f"coordinate descent did not converge in {max_sweeps} sweeps "
                  f"(l1={l1}, l2={l2}); the result may be inaccurate", RuntimeWarning,
                  stacklevel=3)
    return beta


def _sweep(h: np.ndarray, c: np.ndarray, thr: float, beta: np.ndarray) -> float:
    """One cyclic pass of exact coordinate minimization of ½βᵀHβ − cᵀβ + thr·‖β‖₁, in place
    (β_j = soft-threshold(c_j − Σ_{k≠j} H_jk·β_k, thr) / H_jj); returns the largest change
    times H_jj (a change of the gradient, comparable with c)."""
    biggest = 0.0
    for j in range(beta.size):
        if h[j, j] == 0:  # an all-zero column (constant x^k) and no l2: β_j stays 0
            continue
        rho = c[j] - h[j] @ beta + h[j, j] * beta[j]
        new = math.copysign(max(abs(rho) - thr, 0.0), rho) / h[j, j]
        biggest = max(biggest, abs(new - beta[j]) * h[j, j])
        beta[j] = new
    return biggest


def _solve_on_support(h: np.ndarray, c: np.ndarray, thr: float,
                      signs: np.ndarray) -> np.ndarray | None:
    """β with H_AA·β_A = c_A − thr·s_A on A = {s ≠ 0}, zero elsewhere (None if singular)."""
    active = np.flatnonzero(signs)
    out = np.zeros(c.size)
    if active.size:
        try:
            with np.errstate(all="ignore"):
                out[active] = np.linalg.solve(h[np.ix_(active, active)],
                                              c[active] - thr * signs[active])
        except np.linalg.LinAlgError:
            return None
    return out if np.all(np.isfinite(out)) else None


def _kkt(h: np.ndarray, c: np.ndarray, thr: float, beta: np.ndarray) -> bool:
    """The lasso optimality conditions, to rounding: g = c − Hβ equals thr·sign(β_j) where
    β_j ≠ 0 and |g_j| <= thr where β_j = 0."""
    g = c - h @ beta
    size = max(float(np.abs(c).max()), thr,
               float(np.abs(h).max()) * float(np.abs(beta).max(initial=0.0)))
    slack = 16 * beta.size * np.finfo(np.float64).eps * max(size, np.finfo(np.float64).tiny)
    on = beta != 0
    return bool(np.all(np.abs(g[on] - thr * np.sign(beta[on])) <= slack)
                and np.all(np.abs(g[~on]) <= thr + slack))


def _feature_sign_search(h: np.ndarray, c: np.ndarray, thr: float, start: np.ndarray,
                         objective: Callable[[np.ndarray], float], max_steps: int = 100
                         ) -> np.ndarray | None:
    """The feature-sign search (Lee, Battle, Raina & Ng, 2007) for argmin ½βᵀHβ − cᵀβ +
    thr·‖β‖₁ from ``start`` (not modified): activate the zero coordinate whose gradient most
    exceeds thr, solve the stationarity equations for the active set and signs, and move to
    the best point of the segment there — its end or a point where a coordinate crosses zero
    (a coordinate sweep instead when rounding makes that no better). Every step lowers the
    objective; the answer is the first point satisfying the KKT conditions, or None when the
    steps run out."""
    beta = start.copy()
    now = objective(beta)
    for _ in range(max_steps):
        if _kkt(h, c, thr, beta):
            return beta
        grad = h @ beta - c
        on = beta != 0
        violation = np.where(on, -np.inf, np.abs(grad) - thr)
        signs = np.sign(beta)
        if violation.max() > 0:
            i = int(np.argmax(violation))
            signs[i] = -np.sign(grad[i])
        target = _solve_on_support(h, c, thr, signs)
        best, best_value = beta, now
        if target is not None:
            # f is piecewise quadratic along beta -> target, with kinks where a coordinate
            # crosses zero: the best point on the segment is the end or a kink
            step = target - beta
            with np.errstate(divide="ignore", invalid="ignore"):
                cross = -beta / step
            for t in [*np.unique(cross[(cross > 0) & (cross < 1)]), 1.0]:
                point = target if t == 1.0 else beta + t * step
                if t < 1.0:
                    point[cross == t] = 0.0  # exactly zero where it crossed
                value = objective(point)
                if value < best_value:
                    best, best_value = point, value
        if best_value < now:
            beta, now = best, best_value
        else:
            _sweep(h, c, thr, beta)
            now = objective(beta)
    return None


def _lasso_path(h: np.ndarray, c: np.ndarray, thr: float) -> np.ndarray | None:
    """argmin ½βᵀHβ − cᵀβ + thr·‖β‖₁ by the homotopy: follow the piecewise-linear solution
    path from λ = max|c| (where β = 0) down to λ = thr, adding a coordinate when its
    correlation c_j − H_j·β reaches ±λ and dropping one when it crosses zero (Efron et al.,
    2004, "LARS with the lasso modification"). None if an active set turns singular."""
    d = c.size
    beta = np.zeros(d)
    lam = float(np.abs(c).max())
    if lam <= thr:
        return beta
    signs = np.zeros(d)
    j0 = int(np.argmax(np.abs(c)))
    signs[j0] = np.sign(c[j0])
    dropped = -1
    for _ in range(50 * d):
        active = np.flatnonzero(signs)
        try:
            direction = np.linalg.solve(h[np.ix_(active, active)], signs[active])
        except np.linalg.LinAlgError:
            return None
        if not np.all(np.isfinite(direction)):
            return None
        # as λ falls by γ, β_A grows by γ·direction and every correlation g falls by γ·a
        a = h[:, active] @ direction
        g = c - h @ beta
        gamma, event, join_sign = lam - thr, -1, 0.0
        with np.errstate(divide="ignore", invalid="ignore"):
            for j in np.flatnonzero(signs == 0):
                if j == dropped:
                    continue
                for sign in (1.0, -1.0):  # g_j − γ·a_j = sign·(λ − γ)
                    step = (lam - sign * g[j]) / (1.0 - sign * a[j])
                    if 1e-15 * lam < step < gamma:
                        gamma, event, join_sign = float(step), int(j), sign
            hits = -beta[active] / direction
            for j, step in zip(active, hits, strict=True):
                if 1e-15 * lam < step < gamma:
                    gamma, event, join_sign = float(step), int(j), 0.0
        beta[active] += gamma * direction
        lam -= gamma
        if event < 0:
            return beta
        if join_sign:
            signs[event], dropped = join_sign, -1
        else:
            signs[event], beta[event], dropped = 0.0, 0.0, event
    return None


# --------------------------------------------------------------------------- the fit
@dataclass(frozen=True, eq=False)
class PolyFit:
    """A fitted polynomial ``y = a0 + a1·x + ... + ad·x^d`` and its statistics.

    Attributes
    ----------
    degree : int
        d.
    coefficients : numpy.ndarray
        ``(d+1,)`` a0..ad in powers of the original x, lowest power first (PolySolve's order;
        ``numpy.polyfit`` returns the same numbers highest first).
    center, scale : float
        The fit's variable is ``t = (x − center)/scale`` (the training x range mapped to
        [−1, 1]); :meth:`predict` and the generated code evaluate in t.
    t_coefficients : numpy.ndarray
        ``(d+1,)`` the same polynomial in powers of t, lowest first.
    l2, l1 : float
        The regularization strengths (see the module docstring for the objectives).
    x, y : numpy.ndarray
        The training data (float64 copies).
    fitted, residuals : numpy.ndarray
        ŷ = ``predict(x)`` and ``y − ŷ``.
    n : int
        Number of points.
    sse : float
        Σ(y − ŷ)².
    r : float
        Pearson correlation of ŷ with y (NaN when either is constant).
    r2 : float
        r² (PolySolve's "correlation coefficient squared"). For an unregularized fit with d ≥ 0
        this equals the coefficient of determination ``1 − SSE/SST``; with a penalty it can
        differ — :attr:`r2_score` is that one.
    adj_r2 : float
        Adjusted r²: ``1 − (1 − r²)·(n − 1)/(n − d − 1)``; NaN when n <= d + 1.
    stderr : float
        Standard error of the regression, ``√(SSE/(n − d − 1))`` (residual standard deviation
        with d+1 fitted parameters); NaN when n <= d + 1.
    stderr_polysolve : float
        PolySolve's standard error, ``√(SSE/(n − 2))`` whatever the degree; NaN when n <= 2.
    rmse : float
        ``√(SSE/n)``.
    """

    degree: int
    coefficients: np.ndarray
    center: float
    scale: float
    t_coefficients: np.ndarray
    l2: float
    l1: float
    x: np.ndarray = field(repr=False)
    y: np.ndarray = field(repr=False)
    fitted: np.ndarray = field(init=False, repr=False)
    residuals: np.ndarray = field(init=False, repr=False)

    def __post_init__(self) -> None:
        fitted = self.predict(self.x)
        object.__setattr__(self, "fitted", fitted)
        object.__setattr__(self, "residuals", self.y - fitted)

    # ----------------------------------------------------------------- evaluation
    def predict(self, x: Any) -> Any:
        """ŷ at ``x`` (a number or an array of any shape; a float for a number).

        Horner's rule in ``t = (x − center)/scale``, operation for operation what
        :meth:`to_code` writes, so generated code reproduces these values.
        """
        xa = np.asarray(x, dtype=np.float64)
        y = _horner(self.t_coefficients, (xa - self.center) / self.scale)
        return float(y) if np.ndim(y) == 0 else y

    __call__ = predict

    # ----------------------------------------------------------------- statistics
    @property
    def n(self) -> int:
        return int(self.x.size)

    @property
    def sse(self) -> float:
        return float(self.residuals @ self.residuals)

    @property
    def mse(self) -> float:
        """SSE/n, the training error used by :func:`select_degree`."""
        return self.sse / self.n

    @property
    def rmse(self) -> float:
        return math.sqrt(self.mse)

    @property
    def r(self) -> float:
        fc = self.fitted - self.fitted.mean()
        yc = self.y - self.y.mean()
        denom = math.sqrt(float(fc @ fc) * float(yc @ yc))
        # a constant fit or constant data has no defined correlation
        if denom <= 1e-300 or float(fc @ fc) <= 1e-28 * max(float(yc @ yc), 1e-300):
            return math.nan
        return float(np.clip(float(fc @ yc) / denom, -1.0, 1.0))

    @property
    def r2(self) -> float:
        return self.r ** 2

    @property
    def r2_score(self) -> float:
        """Coefficient of determination ``1 − SSE/SST`` (scikit-learn's ``r2_score``); NaN for
        constant y."""
        yc = self.y - self.y.mean()
        sst = float(yc @ yc)
        return 1.0 - self.sse / sst if sst > 0 else math.nan

    @property
    def adj_r2(self) -> float:
        dof = self.n - self.degree - 1
        return 1.0 - (1.0 - self.r2) * (self.n - 1) / dof if dof > 0 else math.nan

    @property
    def stderr(self) -> float:
        dof = self.n - self.degree - 1
        return math.sqrt(self.sse / dof) if dof > 0 else math.nan

    @property
    def stderr_polysolve(self) -> float:
        return math.sqrt(self.sse / (self.n - 2)) if self.n > 2 else math.nan

    def stats(self) -> dict[str, float]:
        """The statistics by name (what ``neuralab polyfit`` prints)."""
        return {"n": self.n, "degree": self.degree, "l2": self.l2, "l1": self.l1,
                "r": self.r, "r2": self.r2, "adj_r2": self.adj_r2, "stderr": self.stderr,
                "stderr_polysolve": self.stderr_polysolve, "rmse": self.rmse}

    # ----------------------------------------------------------------- text
    def equation(self, digits: int = 6) -> str:
        """``y = a0 + a1·x + a2·x^2 ...`` with ``digits`` significant digits."""
        terms = []
        for k, a in enumerate(self.coefficients):
            num = f"{abs(a):.{digits}g}"
            body = num if k == 0 else f"{num}·x" if k == 1 else f"{num}·x^{k}"
            sign = "-" if a < 0 else "+"
            terms.append((sign, body))
        first_sign, first = terms[0]
        text = ("-" if first_sign == "-" else "") + first
        for sign, body in terms[1:]:
            text += f" {sign} {body}"
        return f"y = {text}"

    def table(self, start: float, end: float, step: float, decimals: int = 4) -> str:
        """PolySolve's table generator: x from ``start`` to ``end`` (inclusive when reached)
        in steps of ``step``, and the fitted y, as two right-aligned text columns.

        Parameters
        ----------
        start, end, step : float
            The x grid; ``step`` must be non-zero with the sign of ``end − start``.
        decimals : int
            Digits after the decimal point in both columns, 0..17.

        Returns
        -------
        str
            One ``x  y`` line per row, newline-terminated (readable by :func:`parse_points`).
        """
        for name, v in (("start", start), ("end", end), ("step", step)):
            if not isinstance(v, int | float | np.number) or not math.isfinite(float(v)):
                raise ValueError(f"{name}={v!r} must be a finite number")
        if isinstance(decimals, bool) or not isinstance(decimals, int | np.integer) \
                or not 0 <= decimals <= 17:
            raise ValueError(f"decimals={decimals!r} is out of range; allowed: integers 0..17")
        span = float(end) - float(start)
        if step == 0 or (span != 0 and (span > 0) != (step > 0)):
            raise ValueError(f"step={step!r} must be non-zero and go from start={start!r} "
                             f"towards end={end!r}")
        # the 1e-9 slack keeps `end` when (end − start)/step is an integer up to rounding
        rows = math.floor(span / float(step) + 1e-9) + 1
        if rows > _MAX_TABLE_ROWS:
            raise ValueError(f"step={step!r} gives {rows} rows; allowed: at most "
                             f"{_MAX_TABLE_ROWS}")
        xs = float(start) + float(step) * np.arange(rows)
        ys = np.asarray(self.predict(xs))
        xt = [f"{v:.{decimals}f}" for v in xs]
        yt = [f"{v:.{decimals}f}" for v in ys]
        wx, wy = max(map(len, xt)), max(map(len, yt))
        return "".join(f"{a:>{wx}}  {b:>{wy}}\n" for a, b in zip(xt, yt, strict=True))

    def to_code(self, lang: str = "python", *, name: str = "poly",
                centered: bool = True) -> str:
        """Source of a self-contained function ``name(x)`` that evaluates this polynomial.

        Horner's rule with coefficients written to 17 significant digits (they round-trip
        exactly through any IEEE-754 double parser).

        Parameters
        ----------
        lang : str
            ``"python"`` (``"py"``), ``"javascript"`` (``"js"``), ``"c"`` or ``"java"`` (a
            ``static`` method to paste into a class).
        name : str
            The function's name (an identifier).
        centered : bool
            True (default): evaluate in ``t = (x − center)/scale`` with :attr:`t_coefficients`,
            exactly as :meth:`predict` does — the same digits at every degree. False:
            PolySolve's form, Horner in x with :attr:`coefficients`; equal up to rounding for
            low degrees, but digits are lost at high degree when x is far from 0.
        """
        key = _LANG_ALIASES.get(str(lang).lower()) if isinstance(lang, str) else None
        if key is None:
            raise ValueError(f"lang={lang!r} is not supported; allowed: {', '.join(LANGUAGES)}")
        if not isinstance(name, str) or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name) \
                or keyword.iskeyword(name):
            raise ValueError(f"name={name!r} must be an identifier, e.g. 'poly'")
        coef = self.t_coefficients if centered else self.coefficients
        if not np.all(np.isfinite(coef)):
            raise ValueError("the coefficients in powers of x overflow; use centered=True")
        lits = [_literal(c) for c in coef]
        d = self.degree
        if centered:
            var = "t"
            about = f"t = (x - {_literal(self.center)}) / {_literal(self.scale)}"
        else:
            var, about = "x", "x"
        doc = [f"Degree-{d} polynomial fitted by neuralab (n={self.n}, l2={self.l2!r}, "
               f"l1={self.l1!r}).",
               f"Horner's rule in {about}; c[k] is the coefficient of {var}^k."]
        return _EMITTERS[key](name, lits, d, var, doc, _literal(self.center),
                              _literal(self.scale), centered)

    def __repr__(self) -> str:
        return (f"PolyFit(degree={self.degree}, n={self.n}, l2={self.l2}, l1={self.l1}, "
                f"coefficients={np.array2string(self.coefficients, precision=6)})")


def _literal(v: float) -> str:
    """17 significant digits, always a floating literal (``6`` -> ``6.0``)."""
    text = f"{float(v):.17g}"
    return text if any(ch in text for ch in ".en") else text + ".0"


def _python(name: str, lits: list[str], d: int, var: str, doc: list[str], center: str,
            scale: str, centered: bool) -> str:
    lines = [f"def {name}(x):", f'    """{doc[0]}', "", *(f"    {t}" for t in doc[1:]),
             '    """', "    c = ("]
    lines += [f"        {lit},  # {var}^{k}" for k, lit in enumerate(lits)]
    lines.append("    )")
    if d == 0:
        return "\n".join([*lines, "    return c[0]", ""])
    if centered:
        lines.append(f"    t = (x - {center}) / {scale}")
    lines += ["    y = c[-1]", "    for a in c[-2::-1]:", f"        y = y * {var} + a",
              "    return y", ""]
    return "\n".join(lines)


def _braced(lits: list[str], var: str, indent: str, comment: str) -> list[str]:
    """One coefficient per line, each followed by a comment naming its power."""
    last = len(lits) - 1
    return [f"{indent}{lit}{',' if k < last else ''}  {comment.format(f'{var}^{k}')}"
            for k, lit in enumerate(lits)]


def _javascript(name: str, lits: list[str], d: int, var: str, doc: list[str], center: str,
                scale: str, centered: bool) -> str:
    lines = ["/**", *(f" * {t}" for t in doc), " */", f"function {name}(x) {{",
             "  const c = [", *_braced(lits, var, "    ", "// {}"), "  ];"]
    if d == 0:
        return "\n".join([*lines, "  return c[0];", "}", ""])
    if centered:
        lines.append(f"  const t = (x - {center}) / {scale};")
    lines += [f"  let y = c[{d}];", f"  for (let i = {d - 1}; i >= 0; i--) {{",
              f"    y = y * {var} + c[i];", "  }", "  return y;", "}", ""]
    return "\n".join(lines)


def _c(name: str, lits: list[str], d: int, var: str, doc: list[str], center: str, scale: str,
       centered: bool) -> str:
    lines = ["/*", *(f" * {t}" for t in doc), " */", f"double {name}(double x)", "{",
             f"    static const double c[{d + 1}] = {{",
             *_braced(lits, var, "        ", "/* {} */"), "    };"]
    if d == 0:
        return "\n".join([*lines, "    (void)x;", "    return c[0];", "}", ""])
    if centered:
        lines.append(f"    const double t = (x - {center}) / {scale};")
    lines += [f"    double y = c[{d}];", f"    for (int i = {d - 1}; i >= 0; --i) {{",
              f"        y = y * {var} + c[i];", "    }", "    return y;", "}", ""]
    return "\n".join(lines)


def _java(name: str, lits: list[str], d: int, var: str, doc: list[str], center: str,
          scale: str, centered: bool) -> str:
    lines = ["/**", *(f" * {t}" for t in doc), " */", f"public static double {name}(double x) {{",
             "    final double[] c = {", *_braced(lits, var, "        ", "// {}"), "    };"]
    if d == 0:
        return "\n".join([*lines, "    return c[0];", "}", ""])
    if centered:
        lines.append(f"    final double t = (x - {center}) / {scale};")
    lines += [f"    double y = c[{d}];", f"    for (int i = {d - 1}; i >= 0; --i) {{",
              f"        y = y * {var} + c[i];", "    }", "    return y;", "}", ""]
    return "\n".join(lines)


_EMITTERS = {"python": _python, "javascript": _javascript, "c": _c, "java": _java}


def fit(x: Any, y: Any, degree: int, l2: float = 0.0, l1: float = 0.0, *,
        tol: float = 1e-12, max_sweeps: int = 10_000) -> PolyFit:
    """Fit a polynomial of ``degree`` to the points (x, y).

    Parameters
    ----------
    x, y : array_like
        1-D, same length, finite.
    degree : int
        0..20. Without regularization the fit needs at least ``degree + 1`` points at distinct
        x values.
    l2 : float
        Ridge strength λ2 >= 0: minimizes ``Σ(y − ŷ)² + λ2·Σβ²`` over the standardized power
        basis (scikit-learn ``Ridge(alpha=λ2)``), intercept not penalized.
    l1 : float
        Lasso strength λ1 >= 0: minimizes ``(1/2n)·Σ(y − ŷ)² + λ1·Σ|β|`` (scikit-learn
        ``Lasso(alpha=λ1)``), by coordinate descent. With both, the elastic net
        ``(1/2n)·Σ(y − ŷ)² + λ1·Σ|β| + (λ2/2n)·Σβ²`` (see the module docstring).
    tol, max_sweeps : float, int
        Coordinate-descent stopping rule (l1 > 0 only): stop when no coefficient moves by more
        than ``tol`` relative; a :class:`RuntimeWarning` after ``max_sweeps`` sweeps.

    Returns
    -------
    PolyFit

    Raises
    ------
    ValueError
        Bad degree, negative λ, NaN/inf, mismatched lengths, or too few (distinct) points for
        an unregularized fit — the message names the parameter, its value and what is allowed.

    Notes
    -----
    Unregularized: least squares in the Chebyshev basis of t = (x − center)/scale (see the
    module docstring), converted exactly to powers of t and of x; the result equals
    ``numpy.polyfit(x, y, degree)[::-1]`` wherever numpy's problem is well conditioned, and
    stays accurate where numpy warns ``RankWarning``.
    """
    degree = _check_degree(degree)
    l2 = _check_lam("l2", l2)
    l1 = _check_lam("l1", l1)
    xa, ya = _check_xy(x, y)
    regularized = l1 > 0 or l2 > 0
    _check_enough_points(xa, degree, regularized)
    center, scale = _affine(xa)
    if degree == 0:
        # every objective above has the same minimizer: the mean (nothing to penalize)
        tcoef = np.array([ya.mean()])
    elif not regularized:
        tcoef = _lstsq_chebyshev((xa - center) / scale, ya, degree)
    else:
        z, mean, std = _standardized_powers(xa, degree)
        zmean = z.mean(axis=0)  # ~1e-17, but removing it makes the intercept exact
        zc = z - zmean
        ymean = ya.mean()
        if l1 == 0:
            beta = _ridge(zc, ya - ymean, l2)
        else:
            beta = _coordinate_descent(zc, ya - ymean, l1, l2, tol=tol, max_sweeps=max_sweeps)
        tcoef = _standardized_to_t(beta, ymean - zmean @ beta, mean, std, center, scale)
    coef = _compose_affine(tcoef, -center / scale, 1.0 / scale)
    return PolyFit(degree, coef, center, scale, tcoef, l2, l1, xa.copy(), ya.copy())


def _standardized_to_t(beta: np.ndarray, b0: float, mean: np.ndarray, std: np.ndarray,
                       center: float, scale: float) -> np.ndarray:
    """b0 + Σ_k β_k·(x^k − mean_k)/std_k rewritten in powers of t, where x = center + scale·t.

    Each x^k = (center + scale·t)^k is expanded binomially; with t ∈ [−1, 1] those terms are
    bounded by max|x|^k, so the conversion loses no more than evaluating the basis would."""
    d = beta.size
    out = np.zeros(d + 1)
    out[0] = b0
    power = np.array([1.0])  # (center + scale·t)^k, lowest first
    for k in range(1, d + 1):
        nxt = np.zeros(k + 1)
        nxt[:-1] += center * power
        nxt[1:] += scale * power
        power = nxt
        w = beta[k - 1] / std[k - 1]
        out[: k + 1] += w * power
        out[0] -= w * mean[k - 1]
    return out


# --------------------------------------------------------------------------- cross-validation
def _folds(n: int, cv: CV, seed: int | None) -> tuple[list[np.ndarray], str]:
    if cv is None:
        cv = "loo" if n <= 20 else 5
    if isinstance(cv, str):
        if cv.lower() != "loo":
            raise ValueError(f"cv={cv!r} is not allowed; allowed: 'loo' or an integer k, "
                             f"2 <= k <= n={n}")
        k, label = n, "leave-one-out"
    elif isinstance(cv, bool) or not isinstance(cv, int | np.integer) or not 2 <= cv <= n:
        raise ValueError(f"cv={cv!r} is not allowed; allowed: 'loo' or an integer k, "
                         f"2 <= k <= n={n}")
    else:
        k, label = int(cv), f"{int(cv)}-fold"
    if n < 2:
        raise ValueError(f"cross-validation needs at least 2 points, got {n}")
    order = np.arange(n)
    if seed is not None and k < n:  # leave-one-out needs no shuffling
        order = np.random.default_rng(seed).permutation(n)
        label += f" (shuffled, seed {seed})"
    # scikit-learn's KFold sizes: the first n % k folds get one extra point
    sizes = np.full(k, n // k)
    sizes[: n % k] += 1
    return np.split(order, np.cumsum(sizes)[:-1]), label


def _cv_errors(x: np.ndarray, y: np.ndarray, folds: list[np.ndarray], degree: int,
               l2: float, l1: float) -> tuple[float, float]:
    """(training MSE on all points, mean over folds of the held-out MSE); NaN where a fit is
    impossible (an unregularized degree with too few distinct x in a training fold)."""
    regularized = l1 > 0 or l2 > 0
    train = fit(x, y, degree, l2, l1).mse if _fits_on(x, degree, regularized) else math.nan
    errors = []
    for held in folds:
        keep = np.ones(x.size, dtype=bool)
        keep[held] = False
        if not _fits_on(x[keep], degree, regularized):
            return train, math.nan
        f = fit(x[keep], y[keep], degree, l2, l1)
        errors.append(float(np.mean((y[held] - f.predict(x[held])) ** 2)))
    return train, float(np.mean(errors))


@dataclass(frozen=True)
class DegreeSelection:
    """Result of :func:`select_degree`.

    Attributes
    ----------
    degrees : numpy.ndarray
        The degrees tried.
    train_error : numpy.ndarray
        Mean squared error of the fit to *all* points (NaN where that fit is impossible).
    val_error : numpy.ndarray
        Cross-validated mean squared error: the mean over folds of the held-out MSE (what
        scikit-learn's ``cross_val_score(..., scoring="neg_mean_squared_error")`` averages);
        NaN where a training fold cannot support the degree.
    best_degree : int
        The degree with the smallest validation error (the lowest such degree on ties).
    cv : str
        How the folds were made, e.g. ``"leave-one-out"`` or ``"5-fold (shuffled, seed 0)"``.
    l2, l1 : float
        The penalties used for every fit.
    """

    degrees: np.ndarray
    train_error: np.ndarray
    val_error: np.ndarray
    best_degree: int
    cv: str
    l2: float = 0.0
    l1: float = 0.0


@dataclass(frozen=True)
class ValidationCurve:
    """Result of :func:`validation_curve`: errors against λ for one degree.

    Attributes
    ----------
    penalty : str
        ``"l2"`` or ``"l1"``: which λ was varied.
    lams : numpy.ndarray
        The λ values tried.
    train_error, val_error : numpy.ndarray
        As in :class:`DegreeSelection`.
    best_lam : float
        λ with the smallest validation error (the largest such λ on ties: the simpler model).
    degree : int
    cv : str
    """

    penalty: str
    lams: np.ndarray
    train_error: np.ndarray
    val_error: np.ndarray
    best_lam: float
    degree: int
    cv: str


def select_degree(x: Any, y: Any, degrees: Iterable[int] = range(MAX_DEGREE + 1), *,
                  cv: CV = None, l2: float = 0.0, l1: float = 0.0,
                  seed: int | None = 0) -> DegreeSelection:
    """Train and cross-validated error for each degree, and the degree that generalizes best.

    Parameters
    ----------
    x, y : array_like
        The data.
    degrees : iterable of int
        Degrees to try, each 0..20.
    cv : "loo", int or None
        ``"loo"``: leave-one-out (n folds of one point — for tiny data sets like the runners);
        an int k: k-fold (2 <= k <= n). None: leave-one-out for n <= 20, else 5-fold.
    l2, l1 : float
        Penalties applied to every fit (see :func:`fit`).
    seed : int or None
        k-fold shuffles the points with this seed before cutting contiguous folds (sorted data
        would otherwise make each fold an extrapolation); None keeps the given order, like
        scikit-learn's ``KFold()``.

    Returns
    -------
    DegreeSelection
    """
    xa, ya = _check_xy(x, y)
    degs = [_check_degree(d) for d in degrees]
    if not degs:
        raise ValueError("degrees is empty; allowed: one or more integers 0..20")
    l2, l1 = _check_lam("l2", l2), _check_lam("l1", l1)
    folds, label = _folds(xa.size, cv, seed)
    errs = np.array([_cv_errors(xa, ya, folds, d, l2, l1) for d in degs])
    val = errs[:, 1]
    if np.all(np.isnan(val)):
        raise ValueError(f"degrees={degs} cannot be cross-validated on {xa.size} points "
                         f"({label}); allowed: lower degrees or l2 > 0")
    best = degs[int(np.nanargmin(val))]
    return DegreeSelection(np.array(degs), errs[:, 0], val, best, label, l2, l1)


def validation_curve(x: Any, y: Any, degree: int, lams: Sequence[float], *,
                     penalty: Literal["l2", "l1"] = "l2", cv: CV = None, l2: float = 0.0,
                     l1: float = 0.0, seed: int | None = 0) -> ValidationCurve:
    """Train and cross-validated error of a degree-``degree`` fit for each λ in ``lams``.

    Parameters
    ----------
    degree : int
        0..20.
    lams : sequence of float
        Values for the ``penalty`` strength, each >= 0.
    penalty : "l2" or "l1"
        Which strength ``lams`` sets; the other one stays at its argument ``l2`` / ``l1``
        (giving the varied one as an argument too is an error).
    cv, seed :
        As in :func:`select_degree`.

    Returns
    -------
    ValidationCurve
    """
    if penalty not in ("l2", "l1"):
        raise ValueError(f"penalty={penalty!r} is not allowed; allowed: 'l2', 'l1'")
    fixed = {"l2": _check_lam("l2", l2), "l1": _check_lam("l1", l1)}
    if fixed[penalty]:
        raise ValueError(f"{penalty}={fixed[penalty]!r} conflicts with penalty={penalty!r}: "
                         "the λ values come from lams")
    degree = _check_degree(degree)
    xa, ya = _check_xy(x, y)
    values = [_check_lam(f"lams[{i}]", v) for i, v in enumerate(lams)]
    if not values:
        raise ValueError("lams is empty; allowed: one or more λ >= 0")
    folds, label = _folds(xa.size, cv, seed)
    errs = np.array([_cv_errors(xa, ya, folds, degree, **{**fixed, penalty: lam})
                     for lam in values])
    val = errs[:, 1]
    if np.all(np.isnan(val)):
        raise ValueError(f"degree={degree} cannot be cross-validated on {xa.size} points "
                         f"({label}) with lams={values}; allowed: λ > 0 or a lower degree")
    best_val = np.nanmin(val)
    ties = [v for v, e in zip(values, val, strict=True) if e == best_val]
    return ValidationCurve(penalty, np.array(values), errs[:, 0], val, max(ties), degree, label)


# --------------------------------------------------------------------------- parsing
_SEPARATOR = re.compile(r"[\s,]+")


def parse_points(text: str) -> tuple[np.ndarray, np.ndarray]:
    """Read ``x y`` pairs, one per line, from ``text``.

    The two numbers are separated by spaces, tabs and/or a comma; ``#`` starts a comment;
    blank lines are skipped.

    Returns
    -------
    x, y : numpy.ndarray
        float64, in the order given.

    Raises
    ------
    ValueError
        For a line without exactly two numbers, a value that is not a number, or NaN/inf —
        naming the line number and the line's text.
    """
    if not isinstance(text, str):
        raise ValueError(f"text must be a string, got {type(text).__name__}")
    xs: list[float] = []
    ys: list[float] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        fields = [f for f in _SEPARATOR.split(line) if f]
        if len(fields) != 2:
            raise ValueError(f"line {number}: {raw.strip()!r} has {len(fields)} value(s); "
                             "allowed: two numbers 'x y' separated by spaces, tabs or a comma")
        pair = []
        for label, f in zip("xy", fields, strict=True):
            try:
                v = float(f)
            except ValueError:
                raise ValueError(f"line {number}: {raw.strip()!r}: {label}={f!r} is not a "
                                 "number; allowed: numbers like 12, -3.5, 1e-3") from None
            if not math.isfinite(v):
                raise ValueError(f"line {number}: {raw.strip()!r}: {label}={f!r} is not "
                                 "finite; allowed: finite numbers")
            pair.append(v)
        xs.append(pair[0])
        ys.append(pair[1])
    if not xs:
        raise ValueError("text has no data points; allowed: lines of 'x y' pairs")
    return np.array(xs), np.array(ys)
