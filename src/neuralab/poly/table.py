"""PolySolve's x–y table generator behind :meth:`PolyFit.table`."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from ..checks import check_int, check_number

_MAX_TABLE_ROWS = 100_000


def _table(predict: Callable[[np.ndarray], Any], start: float, end: float, step: float,
           decimals: int) -> str:
    """The body of :meth:`PolyFit.table` (see there), given the fit's ``predict``."""
    for name, v in (("start", start), ("end", end), ("step", step)):
        check_number(name, v)
    check_int("decimals", decimals, 0, 17)
    span = float(end) - float(start)
    if step == 0 or (span != 0 and (span > 0) != (step > 0)):
        raise ValueError(f"step={step!r} must be non-zero and go from start={start!r} "
                         f"towards end={end!r}")
    # the 1e-9 slack keeps `end` when (end − start)/step is an integer up to rounding
    ratio = span / float(step)  # inf for a huge span over a tiny step: too many rows too
    rows: float = math.floor(ratio + 1e-9) + 1 if math.isfinite(ratio) else math.inf
    if rows > _MAX_TABLE_ROWS:
        raise ValueError(f"step={step!r} gives {rows} rows; allowed: at most "
                         f"{_MAX_TABLE_ROWS}")
    xs = float(start) + float(step) * np.arange(int(rows))
    ys = np.asarray(predict(xs))
    xt = [f"{v:.{decimals}f}" for v in xs]
    yt = [f"{v:.{decimals}f}" for v in ys]
    wx, wy = max(map(len, xt)), max(map(len, yt))
    return "".join(f"{a:>{wx}}  {b:>{wy}}\n" for a, b in zip(xt, yt, strict=True))
