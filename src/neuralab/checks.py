"""The argument checks every layer uses, with one message style.

Each check returns the value it accepted, cleaned (a Python ``int``, ``float``, ``str``, a pair,
an ndarray), or raises ``ValueError`` with a one-line message that names the parameter, the value
received and what is allowed::

    lr=0.0 is out of range; allowed: (0, 10]
    batch_size=0 is out of range; allowed: integers in [1, 65536]
    k=2.5 is not an integer; allowed: integers >= 2
    lam='big' is not a number; allowed: [0, inf)
    loss='hinge' is not allowed; choose one of: softmax, svm, mse
    x[2]=nan is not finite; allowed: finite numbers (1 non-finite value; replace or drop NaN/inf)
    images must have shape (N, H, W) (3-D), got shape (16, 16); for a single one pass images[None]
    x must be 1-D, got shape (1, 2)

A number's interval is written as in mathematics: ``[`` and ``]`` include the end, ``(`` and
``)`` exclude it, and an infinite end is always excluded (every number accepted is finite).

This module is the floor of the package with :mod:`neuralab.config`: it imports nothing of
neuralab, and numpy only inside the array checks, so importing it stays light.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np

__all__ = [
    "NotNumeric",
    "check_array",
    "check_choice",
    "check_finite",
    "check_float_dtype",
    "check_int",
    "check_names",
    "check_number",
    "check_pair",
    "check_positive",
    "int_interval",
    "interval",
]


class NotNumeric(TypeError, ValueError):
    """An array that does not hold real numbers: a wrong type and a bad value at once, so both
    ``except TypeError`` and ``except ValueError`` catch it."""


# --------------------------------------------------------------------------- how allowed reads
def _g(x: float) -> str:
    return ("-inf" if x < 0 else "inf") if math.isinf(x) else f"{x:g}"


def interval(low: float = -math.inf, high: float = math.inf, low_closed: bool = True,
             high_closed: bool = True) -> str:
    """The interval as text: ``interval(0, 1, True, False)`` is ``"[0, 1)"``; infinite ends are
    open: ``interval(0)`` is ``"[0, inf)"``."""
    left = "[" if low_closed and math.isfinite(low) else "("
    right = "]" if high_closed and math.isfinite(high) else ")"
    return f"{left}{_g(low)}, {_g(high)}{right}"


def int_interval(low: int | None = None, high: int | None = None) -> str:
    """The integers from ``low`` to ``high`` (inclusive; None: unbounded) as text:
    ``"integers >= 1"``, ``"integers in [0, 20]"``, ``"integers <= 9"``, ``"integers"``."""
    if low is not None and high is not None:
        return f"integers in [{low}, {high}]"
    if low is not None:
        return f"integers >= {low}"
    if high is not None:
        return f"integers <= {high}"
    return "integers"


def _fail(name: str, value: Any, problem: str, allowed: str, optional: bool) -> ValueError:
    if optional:
        allowed = f"None or {allowed}"
    return ValueError(f"{name}={value!r} {problem}; allowed: {allowed}")


# --------------------------------------------------------------------------- scalars
def check_number(name: str, value: Any, low: float = -math.inf, high: float = math.inf, *,
                 low_closed: bool = True, high_closed: bool = True, optional: bool = False,
                 note: str = "") -> float | None:
    """``float(value)`` if ``value`` is a real number (not a bool, not NaN) in the interval
    from ``low`` to ``high``; ``low_closed`` / ``high_closed`` say whether the ends belong to it.
    ``optional=True`` lets ``None`` through; ``note`` follows the interval in the message
    (e.g. ``" (percent)"``)."""
    if value is None and optional:
        return None
    allowed = interval(low, high, low_closed, high_closed) + note
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or math.isnan(value):
        raise _fail(name, value, "is not a number", allowed, optional)
    ok_low = value >= low if low_closed and math.isfinite(low) else value > low
    ok_high = value <= high if high_closed and math.isfinite(high) else value < high
    if not (ok_low and ok_high):
        raise _fail(name, value, "is out of range", allowed, optional)
    return float(value)


def check_positive(name: str, value: Any, *, optional: bool = False) -> float | None:
    """``float(value)`` if it is a finite number > 0."""
    return check_number(name, value, 0.0, low_closed=False, optional=optional)


def check_int(name: str, value: Any, low: int | None = None, high: int | None = None, *,
              optional: bool = False) -> int | None:
    """``int(value)`` if ``value`` is an integer (Python or numpy; not a bool, not a float
    such as ``2.0``) with ``low <= value <= high`` (None: unbounded)."""
    if value is None and optional:
        return None
    allowed = int_interval(low, high)
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise _fail(name, value, "is not an integer", allowed, optional)
    if (low is not None and value < low) or (high is not None and value > high):
        raise _fail(name, value, "is out of range", allowed, optional)
    return int(value)


def check_pair(name: str, value: Any, low: int = 1) -> tuple[int, int]:
    """``value`` as a pair of integers ``(rows, cols)``, each >= ``low``; one integer means
    the same for both."""
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        value = (value, value)
    try:
        pair = tuple(value)
    except TypeError:
        pair = ()
    allowed = f"a pair of {int_interval(low)} (rows, cols), or one integer for both"
    if len(pair) != 2 or not all(isinstance(v, numbers.Integral) and not isinstance(v, bool)
                                 for v in pair):
        raise _fail(name, value, "is not a pair of integers", allowed, False)
    if min(pair) < low:
        raise _fail(name, value, "is out of range", allowed, False)
    return int(pair[0]), int(pair[1])


def check_choice(name: str, value: Any, allowed: Iterable[Any]) -> Any:
    """``value`` if it is one of ``allowed`` (an exact match: ``'ReLU'`` is not ``'relu'``, and
    ``True`` is not ``1``); the message lists them."""
    allowed = tuple(allowed)
    for choice in allowed:
        same_kind = isinstance(value, type(choice)) and (
            isinstance(choice, bool) or not isinstance(value, bool))
        if same_kind and value == choice:
            return value
    raise ValueError(f"{name}={value!r} is not allowed; choose one of: "
                     f"{', '.join(map(str, allowed))}")


def check_names(name: str, value: Any, allowed: Iterable[str],
                item: str = "name") -> tuple[str, ...]:
    """``value`` as a non-empty tuple of distinct names from ``allowed``; a comma-separated
    string (``"hog,color"``, as on a command line) is accepted too. ``item`` says what one name
    is in the messages (``"feature"``)."""
    allowed = tuple(allowed)
    if isinstance(value, str):
        value = [part.strip() for part in value.split(",") if part.strip()]
    try:
        names = tuple(value)
    except TypeError:
        names = ()
    if not names:
        raise ValueError(f"{name}={value!r} is not allowed; name one or more {item}s of: "
                         f"{', '.join(allowed)}")
    for one in names:
        check_choice(name, one, allowed)
    if len(set(names)) != len(names):
        raise ValueError(f"{name}={names!r} repeats a {item}; each may appear once")
    return names


# --------------------------------------------------------------------------- arrays
def check_float_dtype(name: str, value: Any) -> np.dtype:
    """A computation dtype: ``numpy.dtype`` float32 or float64."""
    import numpy as np

    try:
        dtype = np.dtype(value)
    except TypeError:
        dtype = None
    if dtype not in (np.dtype(np.float32), np.dtype(np.float64)):
        raise ValueError(f"{name}={value!r} is not allowed; choose one of: float32, float64")
    return dtype


def check_array(name: str, value: Any, ndim: int | tuple[int, ...], shape: str | None = None,
                *, dtype: Any = None, finite: bool = False) -> np.ndarray:
    """``value`` as an ndarray of real numbers (integer or float dtype) with ``ndim`` (one or
    several allowed) dimensions; ``shape`` describes them for the message (e.g.
    ``"(N, H, W)"``). ``dtype`` converts the result; ``finite=True`` also runs
    :func:`check_finite`.

    Raises :class:`NotNumeric` (a ``TypeError`` and a ``ValueError``) for strings, objects,
    complex numbers or bools, and ``ValueError`` for a wrong number of dimensions.
    """
    import numpy as np

    try:
        arr = np.asarray(value)
    except (TypeError, ValueError):  # ragged nested lists, objects numpy cannot hold
        raise NotNumeric(f"{name} must hold real numbers (integer or float dtype) in an array, "
                         f"got {type(value).__name__} that is not one") from None
    if arr.dtype == np.bool_ or arr.dtype.kind not in "iuf":
        raise NotNumeric(f"{name} must hold real numbers (integer or float dtype), "
                         f"got dtype {arr.dtype}")
    ndims = (ndim,) if isinstance(ndim, int) else tuple(ndim)
    if arr.ndim not in ndims:
        dims = " or ".join(f"{d}-D" for d in ndims)
        hint = f"; for a single one pass {name}[None]" if arr.ndim + 1 in ndims else ""
        want = f"have shape {shape} ({dims})" if shape else f"be {dims}"
        raise ValueError(f"{name} must {want}, got shape {arr.shape}{hint}")
    if dtype is not None:
        arr = arr.astype(dtype, copy=False)
    if finite:
        check_finite(name, arr)
    return arr


def check_finite(name: str, arr: np.ndarray) -> np.ndarray:
    """``arr`` if it holds no NaN or ±inf (integer arrays always pass), else a ``ValueError``
    naming the first bad element, its index and how many there are.

    A sum is one cheap pass and is non-finite whenever an element is; only then (or when the
    sum overflowed) are the elements inspected one by one.
    """
    import numpy as np

    if arr.dtype.kind not in "fc" or arr.size == 0:
        return arr
    with np.errstate(over="ignore", invalid="ignore"):
        total = np.add.reduce(arr, axis=None)
    if np.isfinite(total):
        return arr
    bad = ~np.isfinite(arr)
    if bad.any():
        where = tuple(int(i) for i in np.argwhere(bad)[0])
        count = int(bad.sum())
        index = f"[{', '.join(map(str, where))}]" if where else ""
        raise ValueError(
            f"{name}{index}={arr[where].item()!r} is not finite; allowed: finite numbers "
            f"({count} non-finite value{'s' if count > 1 else ''}; replace or drop NaN/inf)")
    return arr
