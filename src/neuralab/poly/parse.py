"""Reading ``x y`` pairs from text (files, the CLI, the web page)."""

from __future__ import annotations

import math
import re

import numpy as np

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
