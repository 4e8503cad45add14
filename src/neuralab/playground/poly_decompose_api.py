"""``POST /api/poly/decompose``: the polynomial page's "true function" mode.

The page picks a true function f, the noise σ, the sample size n, the number K of data sets,
a seed, the degree whose fits it overlays, the penalty and λ, and the gradient-descent steps;
the reply carries what it draws, every number from :mod:`neuralab.poly.decompose`:

* ``sample``: the first data set's points, f, the mean fit and (up to :data:`MAX_DRAWN`) of the
  K fits at the chosen degree, sampled on a grid over f's domain;
* ``by_degree``: bias², variance, σ², the Monte-Carlo test error (and its standard error), the
  training error, and gradient descent's test error beside the exact fit's, for each degree
  0..``max_degree`` at the chosen penalty;
* ``by_lam``: the same against λ at the chosen degree (ridge when no penalty is chosen).

Errors are :mod:`.poly_api`'s JSON ``{"error", "field", "line", "message"}`` (422 names the
field).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Annotated, Any, Literal

import numpy as np
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from neuralab import poly
from neuralab.data import runners
from neuralab.poly import decompose as dc
from neuralab.poly.fitting import fits_on

from .poly_api import (
    LAM_GRID,
    LASSO_CURVE_SWEEPS,
    MAX_LAM,
    Penalty,
    PolyError,
    _num,
    api_reply,
)

__all__ = ["TRUTHS", "DecomposeRequest", "compute_decomposition", "router"]

MAX_DRAWN = 30       # fits overlaid on the plot (the mean uses all K)
GRID = 200           # samples of each drawn curve
N_TEST = 400         # fresh test points per data set
MAX_N = 1000
MAX_K = 200
MAX_GD_STEPS = 10**7

router = APIRouter(prefix="/api/poly")


def _runners_trend(degree: int) -> tuple[Callable[[np.ndarray], np.ndarray], tuple[float, float]]:
    """The least-squares fit of the lecture's runners table as the 'truth', on its ages."""
    fit = poly.fit(*runners(), degree)
    return fit.predict, (10.0, 60.0)


# value → (label, builder of (f, domain)); the page builds its menu from this table
TRUTHS: dict[str, tuple[str, Callable[[], tuple[Callable, tuple[float, float]]]]] = {
    "sin": ("sin(2πx) on [0, 1]", lambda: (lambda x: np.sin(2 * np.pi * x), (0.0, 1.0))),
    "runners1": ("runners' trend, degree 1", lambda: _runners_trend(1)),
    "runners2": ("runners' trend, degree 2", lambda: _runners_trend(2)),
    "step": ("a step at x = 0.5 on [0, 1]",
             lambda: (lambda x: np.where(x < 0.5, 0.0, 1.0), (0.0, 1.0))),
}
Truth = Literal["sin", "runners1", "runners2", "step"]


class DecomposeRequest(BaseModel):
    """What the page sends; every field has the page's default."""

    model_config = ConfigDict(extra="forbid")

    truth: Truth = "sin"
    sigma: Annotated[float, Field(strict=True, ge=0, le=100, allow_inf_nan=False)] = 0.3
    n: Annotated[int, Field(strict=True, ge=2, le=MAX_N)] = 20
    k: Annotated[int, Field(strict=True, ge=2, le=MAX_K)] = 50
    seed: Annotated[int, Field(strict=True, ge=0, le=2**31 - 1)] = 0
    degree: Annotated[int, Field(strict=True, ge=0, le=poly.MAX_DEGREE)] = 3
    max_degree: Annotated[int, Field(strict=True, ge=0, le=poly.MAX_DEGREE)] = 10
    penalty: Penalty = "none"
    lam: Annotated[float, Field(strict=True, ge=0, le=MAX_LAM, allow_inf_nan=False)] = 0.0
    gd_steps: Annotated[int, Field(strict=True, ge=0, le=MAX_GD_STEPS)] = 1000


@router.get("/truths")
def truths() -> dict[str, Any]:
    """The menu of true functions and the request's defaults and limits (the page keeps no
    copy)."""
    fields = DecomposeRequest.model_fields
    return {"truths": [{"value": k, "label": v[0]} for k, v in TRUTHS.items()],
            "defaults": {name: f.default for name, f in fields.items()},
            "limits": {"n": MAX_N, "k": MAX_K, "gd_steps": MAX_GD_STEPS,
                       "max_degree": poly.MAX_DEGREE}}


@router.post("/decompose")
async def decompose_endpoint(request: Request) -> JSONResponse:
    return await api_reply("poly: decompose", compute_decomposition, request, DecomposeRequest,
                           timing=lambda r: f"decompose;dur={r['timing_ms']:.2f}")


def compute_decomposition(req: DecomposeRequest) -> dict[str, Any]:
    """Everything the mode draws for one request."""
    t0 = time.perf_counter()
    if req.degree > req.max_degree:
        raise PolyError(422, "request", f"degree={req.degree} is above max_degree="
                        f"{req.max_degree}; allowed: degree <= max_degree", field="degree")
    label, build = TRUTHS[req.truth]
    f, domain = build()
    sample = dc.draw(f, domain, req.sigma, req.n, req.k, n_test=N_TEST, seed=req.seed)
    lam = req.lam if req.penalty != "none" else 0.0
    l2 = lam if req.penalty == "l2" else 0.0
    l1 = lam if req.penalty == "l1" else 0.0
    degrees = list(range(req.max_degree + 1))
    by_degree = dc.decompose(sample, degrees, l2, l1, gd_steps=req.gd_steps,
                             max_sweeps=LASSO_CURVE_SWEEPS)
    lam_penalty = "l1" if req.penalty == "l1" else "l2"
    lams = np.array(LAM_GRID)
    zero = np.zeros_like(lams)
    by_lam = dc.decompose(sample, [req.degree] * lams.size,
                          lams if lam_penalty == "l2" else zero,
                          lams if lam_penalty == "l1" else zero, max_sweeps=LASSO_CURVE_SWEEPS)
    return {
        "truth": req.truth, "label": label, "domain": list(domain),
        "sigma": req.sigma, "n": req.n, "k": req.k, "degree": req.degree,
        "penalty": req.penalty, "lam": lam, "lam_penalty": lam_penalty,
        "sample": _sample(sample, f, domain, req.degree, l2, l1),
        "by_degree": _rows(by_degree) | {"degrees": degrees, "gd_steps": req.gd_steps},
        "by_lam": _rows(by_lam) | {"lams": lams.tolist()},
        "timing_ms": 1e3 * (time.perf_counter() - t0),
    }


def _sample(sample: dc.Sample, f: Callable, domain: tuple[float, float], degree: int,
            l2: float, l1: float) -> dict[str, Any]:
    """The first data set, f, the K fits' mean and the first MAX_DRAWN fits on a grid."""
    xs = np.linspace(*domain, GRID)
    out: dict[str, Any] = {"x": sample.x.tolist(), "y": sample.y[0].tolist(),
                           "grid": xs.tolist(), "f": np.asarray(f(xs), float).tolist(),
                           "fits": [], "mean": None}
    if fits_on(sample.x, degree, l1 > 0 or l2 > 0):
        center, scale, tcoef = dc.fit_all(sample.x, sample.y, degree, l2, l1,
                                          max_sweeps=LASSO_CURVE_SWEEPS)
        pred = dc.predict_all(tcoef, center, scale, xs)
        out["fits"] = [[_num(v) for v in row] for row in pred[:MAX_DRAWN]]
        out["mean"] = [_num(v) for v in pred.mean(axis=0)]
    return out


def _rows(d: dc.Decomposition) -> dict[str, Any]:
    def col(a: np.ndarray | None) -> list[float | None] | None:
        return None if a is None else [_num(v) for v in a]

    return {"bias2": col(d.bias2), "variance": col(d.variance), "noise": d.noise,
            "test": col(d.test_error), "test_se": col(d.test_se), "train": col(d.train_error),
            "gd_test": col(d.gd_test_error), "gd_train": col(d.gd_train_error),
            "exact_test": col(d.exact_test_error), "exact_train": col(d.exact_train_error)}
