"""The fitted-polynomial result, :class:`PolyFit`."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .algebra import _horner
from .codegen import _to_code
from .table import _table


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
        return _table(self.predict, start, end, step, decimals)

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
        return _to_code(self, lang, name, centered)

    def __repr__(self) -> str:
        return (f"PolyFit(degree={self.degree}, n={self.n}, l2={self.l2}, l1={self.l1}, "
                f"coefficients={np.array2string(self.coefficients, precision=6)})")
