"""``POST /api/poly/fit``: the polynomial page's one round trip.

One request carries everything the page shows (the data as text, the degree, the penalty and
λ, the table spec) and one JSON reply carries everything it draws: the parsed points, the fit
and its statistics, the curve sampled across the view, the generated code, the table and the
two validation curves (error by degree, error by λ). The page is then a pure view of
:mod:`neuralab.poly`: every number comes from :func:`poly.fit`, :func:`poly.select_degree`
and :func:`poly.validation_curve`, never from JavaScript arithmetic.

Keeping an update fast (the page refits while a slider or a point is dragged):

* the error-by-degree curve does not depend on the degree and the error-by-λ curve does not
  depend on λ, so each is cached (small LRU keyed by a digest of the data) and a slider drag
  recomputes only the other one;
* cross-validation runs on at most :data:`CV_MAX_POINTS` points (a seeded sample beyond that);
* the lasso's coordinate descent is capped (:data:`LASSO_FIT_SWEEPS` for the fit,
  :data:`LASSO_CURVE_SWEEPS` for each cross-validation fit) and each lasso curve stops after
  :data:`LASSO_BUDGET_S` (the reply says so): on the nearly collinear power basis one exact
  lasso solve can take a second. ``poly.select_degree`` / ``validation_curve`` take no sweep
  limit, so the lasso curves are cross-validated here, with poly's folds and NaN rules.

Errors are JSON ``{"error", "field", "line", "message"}``: 400 for a body that is not JSON,
413 for one over :data:`MAX_BODY_BYTES`, 422 for a bad field (pydantic, unknown fields
rejected), bad text (``line`` is its line number) or an impossible fit. Nothing is written to
disk.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import re
import sys
import threading
import time
import warnings
from collections import OrderedDict
from collections.abc import Callable
from typing import Annotated, Any, Literal, get_args

import numpy as np
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from starlette.concurrency import run_in_threadpool

from neuralab import poly
from neuralab.data import runners

__all__ = ["MAX_POINTS", "MAX_TEXT_CHARS", "FitRequest", "compute", "router"]

# POST /api/poly/decompose (the error decomposition) is poly_decompose_api's

MAX_POINTS = 10_000
MAX_TEXT_CHARS = 1_000_000  # 10,000 lines of up to 100 characters
MAX_BODY_BYTES = 4 << 20  # the text as UTF-8 and JSON-escaped, with room to spare
MAX_TABLE_ROWS = 2_000  # poly allows 100,000; a web page needs far fewer
CURVE_SAMPLES = 400
CV_MAX_POINTS = 500  # cross-validation beyond this runs on a seeded sample
LASSO_FIT_SWEEPS = 1_000
LASSO_CURVE_SWEEPS = 50
LASSO_BUDGET_S = 0.15  # per lasso curve; the rest of the curve is left out
LAM_EXPONENTS = (-6, 4)  # the page's λ slider and the λ curve span 10^-6 .. 10^4
LAM_GRID = (0.0, *(10.0 ** k for k in range(LAM_EXPONENTS[0], LAM_EXPONENTS[1] + 1)))
MAX_DECIMALS = 17  # a float64 needs at most 17 significant digits
MAX_LAM = 1e6
PAGE_LAM = 0.1  # the λ the page shows before one is chosen (a request's own default is 0)
Penalty = Literal["none", "l2", "l1"]
PENALTY_LABELS = dict(zip(get_args(Penalty), ("None", "Ridge (L2)", "Lasso (L1)"), strict=True))

router = APIRouter(prefix="/api/poly")
log = logging.getLogger("neuralab.playground")

Finite = Annotated[float, Field(strict=True, allow_inf_nan=False)]


# --------------------------------------------------------------------------- the request
class TableSpec(BaseModel):
    """PolySolve's table generator; a missing start/end/step follows the data's x range."""

    model_config = ConfigDict(extra="forbid")

    start: Finite | None = None
    end: Finite | None = None
    step: Finite | None = None
    decimals: Annotated[int, Field(strict=True, ge=0, le=MAX_DECIMALS)] = 4


class FitRequest(BaseModel):
    """What the page sends on every change."""

    model_config = ConfigDict(extra="forbid")

    text: Annotated[str, Field(strict=True, max_length=MAX_TEXT_CHARS)]
    degree: Annotated[int, Field(strict=True, ge=0, le=poly.MAX_DEGREE)] = 3
    penalty: Penalty = "none"
    lam: Annotated[float, Field(strict=True, ge=0, le=MAX_LAM, allow_inf_nan=False)] = 0.0
    table: TableSpec | None = None
    # False while a point is dragged: the fit and the plot follow the pointer, the
    # cross-validation (tens of fits) waits for the drop
    curves: Annotated[bool, Field(strict=True)] = True
    # the plot's x range, so the sampled curve covers the view while a point is dragged
    x_range: Annotated[list[Finite], Field(min_length=2, max_length=2)] | None = None

    @model_validator(mode="after")
    def _ordered_range(self) -> FitRequest:
        if self.x_range is not None:
            lo, hi = self.x_range
            if not (lo < hi and math.isfinite(hi - lo)):
                raise ValueError(f"x_range={self.x_range} must be [low, high] with low < high "
                                 "and a finite width")
        return self


class PolyError(Exception):
    """A request the page must show to the user: HTTP status and the JSON error body."""

    def __init__(self, status: int, error: str, message: str, *, field: str | None = None,
                 line: int | None = None, **extra: Any) -> None:
        super().__init__(message)
        self.status = status
        self.body = {"error": error, "field": field, "line": line, "message": message, **extra}


# --------------------------------------------------------------------------- routes
@router.get("/example")
def example() -> dict[str, Any]:
    """The lecture's runners table as text, and every table the page builds its controls from:
    the limits, the penalties (value and label) and the request's defaults — the page keeps no
    copy of them."""
    x, y = runners()
    lines = ["# The lecture's runners: age (years), best average speed (mph)"]
    lines += [f"{a:g} {b:g}" for a, b in zip(x, y, strict=True)]
    fields = FitRequest.model_fields
    return {"text": "\n".join(lines) + "\n", "max_points": MAX_POINTS,
            "max_degree": poly.MAX_DEGREE, "max_text": MAX_TEXT_CHARS,
            "lam_exponents": list(LAM_EXPONENTS), "max_lam": MAX_LAM,
            "max_decimals": MAX_DECIMALS,
            "penalties": [{"value": k, "label": v} for k, v in PENALTY_LABELS.items()],
            "defaults": {"degree": fields["degree"].default, "penalty": fields["penalty"].default,
                         "lam": PAGE_LAM,
                         "decimals": TableSpec.model_fields["decimals"].default}}


@router.post("/fit")
async def fit_endpoint(request: Request) -> JSONResponse:
    return await api_reply("poly: fit", compute, request, FitRequest,
                           timing=lambda r: f"fit;dur={r['timing']['total_ms']:.2f}")


async def api_reply(what: str, fn: Callable[..., Any], request: Request | None = None,
                    model: type[BaseModel] | None = None, *args: Any,
                    timing: Callable[[dict[str, Any]], str] | None = None) -> JSONResponse:
    """The JSON reply of a page's API call: the body parsed as ``model`` (when given) and
    ``fn(request_model, *args)`` run on a worker thread — CPU work off the event loop, so
    WebSocket sessions keep streaming — then rendered inside the try, so a stray NaN becomes
    a JSON error, not a crash. A :class:`PolyError` (a bad field, a model not ready) replies
    with its status and body; a bug with a 500 the page can show. ``timing`` gives the reply's
    ``Server-Timing`` header from the result. One implementation for /poly and /digits."""
    try:
        call = (_parse_request(await _read_body(request), model), *args) if model else args
        result = await run_in_threadpool(fn, *call)
        headers = {"Server-Timing": timing(result)} if timing else None
        return JSONResponse(result, headers=headers)
    except PolyError as err:
        return JSONResponse(err.body, status_code=err.status)
    except Exception as err:  # a bug: still JSON, so the page can show it
        log.exception("%s failed", what)
        return JSONResponse({"error": "internal", "field": None, "line": None,
                             "message": f"internal error: {type(err).__name__}: {err}"},
                            status_code=500)


async def _read_body(request: Request) -> bytes:
    """The body, refused once it passes MAX_BODY_BYTES (never buffered beyond that)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        raise _too_large()
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_BODY_BYTES:
            raise _too_large()
    return bytes(body)


def _too_large() -> PolyError:
    return PolyError(413, "too_large", f"the request is larger than {MAX_BODY_BYTES} bytes; "
                     f"allowed: at most {MAX_POINTS} points, {MAX_TEXT_CHARS} characters",
                     field="text")


def _reject_constant(name: str) -> None:
    raise ValueError(f"{name} is not a number JSON allows")


def _parse_request(body: bytes, model: type[BaseModel] = FitRequest) -> Any:
    try:
        # Python's json reads NaN/Infinity; JSON (and the page) has no such numbers
        data = json.loads(body, parse_constant=_reject_constant)
    except (ValueError, UnicodeDecodeError) as err:
        raise PolyError(400, "json", f"the body is not valid JSON: {err}") from None
    try:
        return model.model_validate(data)
    except ValidationError as err:
        first = err.errors(include_url=False)[0]
        field = ".".join(str(p) for p in first["loc"]) or None
        got = f" (got {first['input']!r:.60})" if "input" in first and field else ""
        raise PolyError(422, "request", f"{field or 'body'}: {first['msg']}{got}",
                        field=field) from None


# --------------------------------------------------------------------------- the work
def compute(req: FitRequest) -> dict[str, Any]:
    """Everything the page shows for one request (raises PolyError for the user's mistakes)."""
    t0 = time.perf_counter()
    x, y, lines = _points(req.text)
    lam = req.lam if req.penalty != "none" else 0.0  # λ means nothing without a penalty
    l2 = lam if req.penalty == "l2" else 0.0
    l1 = lam if req.penalty == "l1" else 0.0
    try:
        # the lasso's "did not converge" warning goes to the page (catch_warnings is
        # process-wide: with concurrent requests one may land in the log instead — harmless)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", RuntimeWarning)
            fit = poly.fit(x, y, req.degree, l2=l2, l1=l1, max_sweeps=LASSO_FIT_SWEEPS)
    except ValueError as err:
        raise PolyError(422, "fit", str(err), field="degree") from None
    t_fit = time.perf_counter()
    validation = _validation(x, y, req.degree, req.penalty, lam) if req.curves else None
    t_cv = time.perf_counter()
    lo, hi = req.x_range or _view(x)
    xs = np.linspace(lo, hi, CURVE_SAMPLES)
    table, table_error = _table(fit, x, req.table)
    stats = fit.stats()
    result = {
        "n": fit.n, "x": x.tolist(), "y": y.tolist(), "lines": lines,
        "degree": fit.degree, "penalty": req.penalty, "lam": lam,
        "coefficients": [_num(c) for c in fit.coefficients],
        # 17 significant digits: the exact double, what PolySolve lists
        "coefficients_text": [f"{c:.17g}" for c in fit.coefficients],
        "equation": fit.equation(6),
        "stats": {k: v if isinstance(v, int) else _num(v) for k, v in stats.items()}
        | {"sse": _num(fit.sse)},
        "curve": {"x": [_num(v) for v in xs], "y": [_num(v) for v in fit.predict(xs)]},
        "code": {lang: fit.to_code(lang) for lang in poly.LANGUAGES},
        "table": table, "table_error": table_error,
        "validation": validation,
        "warnings": [str(w.message) for w in caught],
    }
    t_end = time.perf_counter()
    # parse + fit, the cross-validated curves, everything: the page shows the total
    result["timing"] = {"fit_ms": 1e3 * (t_fit - t0), "validation_ms": 1e3 * (t_cv - t_fit),
                        "total_ms": 1e3 * (t_end - t0)}
    return result


_LINE = re.compile(r"^line (\d+):")


def _points(text: str) -> tuple[np.ndarray, np.ndarray, list[int]]:
    """x, y and each point's line number (the page rewrites that line when it is dragged)."""
    try:
        x, y = poly.parse_points(text)
    except ValueError as err:
        found = _LINE.match(str(err))
        raise PolyError(422, "data", str(err), field="text",
                        line=int(found.group(1)) if found else None) from None
    # parse_points accepted every line, so each line with data outside a comment is one point
    lines = [i for i, raw in enumerate(text.splitlines(), start=1)
             if raw.split("#", 1)[0].strip()]
    if x.size > MAX_POINTS:
        line = lines[MAX_POINTS]
        raise PolyError(422, "data", f"line {line}: point {MAX_POINTS + 1} is one too many; "
                        f"allowed: at most {MAX_POINTS} points", field="text", line=line)
    return x, y, lines


def _view(x: np.ndarray) -> tuple[float, float]:
    """The data's x range with an 8% margin each side (the page's default view), within the
    floats (x near ±1e308 must not overflow to inf)."""
    lo, hi = float(x.min()), float(x.max())
    pad = 0.16 * (hi / 2 - lo / 2) if hi > lo else max(1.0, 0.1 * abs(lo))
    top = sys.float_info.max
    return max(lo - pad, -top), min(hi + pad, top)


def _table(fit: poly.PolyFit, x: np.ndarray, spec: TableSpec | None
           ) -> tuple[str | None, str | None]:
    """(table text, None) or (None, why): a bad table spec must not hide the fit."""
    spec = spec or TableSpec()
    start = float(x.min()) if spec.start is None else spec.start
    end = float(x.max()) if spec.end is None else spec.end
    step = spec.step if spec.step is not None else ((end - start) / 10 or 1.0)
    # checked before poly's own 100,000-row limit: a web page needs far fewer rows
    rows = (end - start) / step if step else -1.0
    if rows >= 0 and (not math.isfinite(rows) or rows + 1 > MAX_TABLE_ROWS):
        return None, (f"step={step:g} gives more than {MAX_TABLE_ROWS} rows; allowed: at "
                      f"most {MAX_TABLE_ROWS} (a larger step)")
    try:
        return fit.table(start, end, step, spec.decimals), None
    except ValueError as err:
        return None, str(err)


def _num(v: Any) -> float | None:
    """A JSON-safe number: NaN/inf (undefined statistics) become null."""
    v = float(v)
    return v if math.isfinite(v) else None


# --------------------------------------------------------------------------- validation
def _validation(x: np.ndarray, y: np.ndarray, degree: int, penalty: str,
                lam: float) -> dict[str, Any]:
    """The error-by-degree curve (at the chosen penalty) and the error-by-λ curve (at the
    chosen degree; ridge when no penalty is chosen), both cross-validated like
    ``poly.select_degree``'s default: leave-one-out up to 20 points, else 5-fold."""
    n_all = x.size
    if n_all > CV_MAX_POINTS:
        pick = np.random.default_rng(0).choice(n_all, CV_MAX_POINTS, replace=False)
        x, y = x[pick], y[pick]
    key = _digest(x, y)
    top = min(poly.MAX_DEGREE, max(degree, np.unique(x).size - 1))
    lam_penalty = "l1" if penalty == "l1" else "l2"
    out: dict[str, Any] = {"n_used": int(x.size), "n": int(n_all)}
    try:
        # the lasso's degree curve may stop early, and always holds the chosen degree
        by_degree = _cached((key, "degree", top, penalty, lam,
                             degree if penalty == "l1" else None),
                            lambda: _degree_curve(x, y, top, degree, penalty, lam))
        by_lam = _cached((key, "lam", degree, lam_penalty),
                         lambda: _lam_curve(x, y, degree, lam_penalty))
    except ValueError as err:  # e.g. one point: nothing to hold out
        out["error"] = str(err)
        return out
    out["cv"] = by_degree["cv"] + (f" on {x.size} of {n_all} points" if x.size < n_all else "")
    out["degree_curve"] = by_degree
    out["lam_curve"] = by_lam
    at = by_degree["degrees"].index(degree)
    out["train_error"] = by_degree["train"][at]
    out["val_error"] = by_degree["val"][at]
    return out


def _degree_curve(x: np.ndarray, y: np.ndarray, top: int, degree: int, penalty: str,
                  lam: float) -> dict[str, Any]:
    if penalty == "l1" and lam > 0:
        # the chosen degree first: the page always gets its validation error
        done = _capped_lasso(x, y, [(d, lam) for d in (degree, *range(top + 1))])
        degrees = sorted({d for (d, _), _ in done})
        rows = {d: errs for (d, _), errs in done}
        val = np.array([rows[d][1] for d in degrees])
        best = degrees[int(np.nanargmin(val))]  # the lowest degree on ties, as poly's
        return {"degrees": degrees, **_columns([rows[d] for d in degrees]), "best": best,
                "cv": _lasso_label(x.size, len(degrees) < top + 1)}
    s = poly.select_degree(x, y, range(top + 1), l2=lam if penalty == "l2" else 0.0)
    return {"degrees": list(range(top + 1)), "train": [_num(v) for v in s.train_error],
            "val": [_num(v) for v in s.val_error], "best": s.best_degree, "cv": s.cv}


def _lam_curve(x: np.ndarray, y: np.ndarray, degree: int, penalty: str) -> dict[str, Any]:
    if penalty == "l1":
        # the cheap ends first: λ = 0 (no penalty), then from the largest λ (few coefficients
        # survive) down to the smallest (the slow, nearly unpenalized solves)
        order = (0.0, *sorted(LAM_GRID[1:], reverse=True))
        done = sorted(_capped_lasso(x, y, [(degree, lam) for lam in order]))
        lams = [lam for (_, lam), _ in done]
        val = np.array([errs[1] for _, errs in done])
        # poly.validation_curve's tie rule: the largest λ (the simpler model) wins
        best = max(lam for lam, v in zip(lams, val, strict=True) if v == np.nanmin(val))
        return {"penalty": penalty, "lams": lams, **_columns([errs for _, errs in done]),
                "best": best, "cv": _lasso_label(x.size, len(lams) < len(LAM_GRID))}
    vc = poly.validation_curve(x, y, degree, LAM_GRID, penalty="l2")
    return {"penalty": penalty, "lams": list(LAM_GRID), "train": [_num(v) for v in vc.train_error],
            "val": [_num(v) for v in vc.val_error], "best": vc.best_lam, "cv": vc.cv}


def _capped_lasso(x: np.ndarray, y: np.ndarray, settings: list[tuple[int, float]]
                  ) -> list[tuple[tuple[int, float], tuple[float, float]]]:
    """[((degree, l1), (train MSE, cross-validated MSE))] like ``poly.select_degree`` (the
    same folds, the same NaN rules), each lasso solve capped at LASSO_CURVE_SWEEPS sweeps, in
    the given order until LASSO_BUDGET_S has passed (always at least the first setting)."""
    # poly's own fold maker: the lasso curves must hold out the same points as the others
    folds, label = poly.cv_folds(x.size)
    deadline = time.perf_counter() + LASSO_BUDGET_S
    done: dict[tuple[int, float], tuple[float, float]] = {}
    for setting in settings:
        if setting not in done:
            done[setting] = _lasso_errors(x, y, folds, *setting)
        if time.perf_counter() > deadline:
            break
    if all(math.isnan(v) for _, v in done.values()):
        raise ValueError(f"the lasso cannot be cross-validated on {x.size} points ({label})")
    return list(done.items())


def _lasso_label(n: int, stopped: bool) -> str:
    label = poly.cv_folds(n)[1]
    label += f"; lasso solves capped at {LASSO_CURVE_SWEEPS} sweeps"
    return label + (f", the curve at {LASSO_BUDGET_S:g} s" if stopped else "")


def _lasso_errors(x: np.ndarray, y: np.ndarray, folds: list[np.ndarray], degree: int,
                  l1: float) -> tuple[float, float]:
    def fit(xt: np.ndarray, yt: np.ndarray) -> poly.PolyFit:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # the cap is deliberate
            return poly.fit(xt, yt, degree, l1=l1, max_sweeps=LASSO_CURVE_SWEEPS)

    try:
        train = fit(x, y).mse
    except ValueError:  # λ = 0 and too few points for the degree
        train = math.nan
    errors = []
    for held in folds:
        keep = np.ones(x.size, dtype=bool)
        keep[held] = False
        try:
            f = fit(x[keep], y[keep])
        except ValueError:
            return train, math.nan
        errors.append(float(np.mean((y[held] - f.predict(x[held])) ** 2)))
    return train, float(np.mean(errors))


def _columns(rows: list[tuple[float, float]]) -> dict[str, list[float | None]]:
    return {"train": [_num(t) for t, _ in rows], "val": [_num(v) for _, v in rows]}


# --------------------------------------------------------------------------- the cache
_CACHE: OrderedDict[tuple, dict[str, Any]] = OrderedDict()
_CACHE_SIZE = 64
_CACHE_LOCK = threading.Lock()  # requests run on a thread pool


def _digest(x: np.ndarray, y: np.ndarray) -> str:
    return hashlib.blake2b(x.tobytes() + b"|" + y.tobytes(), digest_size=16).hexdigest()


def _cached(key: tuple, make: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """LRU memo: a curve is a pure function of its key (the data digest and parameters)."""
    with _CACHE_LOCK:
        if key in _CACHE:
            _CACHE.move_to_end(key)
            return _CACHE[key]
    value = make()  # outside the lock: two threads may compute the same curve, harmlessly
    with _CACHE_LOCK:
        _CACHE[key] = value
        while len(_CACHE) > _CACHE_SIZE:
            _CACHE.popitem(last=False)
    return value
