"""neuralab.checks: what each check accepts, what it returns, and its one message style."""

from __future__ import annotations

import math
import subprocess
import sys

import numpy as np
import pytest

from neuralab.checks import (
    NotNumeric,
    check_array,
    check_choice,
    check_finite,
    check_float_dtype,
    check_int,
    check_names,
    check_number,
    check_pair,
    check_positive,
    int_interval,
    interval,
)


def _message(call, *args, **kwargs) -> str:
    with pytest.raises(ValueError) as err:
        call(*args, **kwargs)
    return str(err.value)


# --------------------------------------------------------------------------- how allowed reads
@pytest.mark.parametrize(("args", "text"), [
    ((0, 1, True, False), "[0, 1)"),
    ((0, 10, False, True), "(0, 10]"),
    ((0,), "[0, inf)"),
    ((-math.inf, 0, True, True), "(-inf, 0]"),
    ((0.5, 2.5), "[0.5, 2.5]"),
    ((1e-5, 1e5), "[1e-05, 100000]"),
])
def test_interval(args, text):
    assert interval(*args) == text


def test_int_interval():
    assert int_interval(1) == "integers >= 1"
    assert int_interval(0, 20) == "integers in [0, 20]"
    assert int_interval(high=9) == "integers <= 9"
    assert int_interval() == "integers"


# --------------------------------------------------------------------------- numbers
def test_check_number_accepts_and_returns_a_float():
    assert check_number("p", 0, 0, 1, high_closed=False) == 0.0
    assert type(check_number("p", np.float32(0.5), 0, 1)) is float
    assert check_number("x", np.int64(3)) == 3.0
    assert check_number("x", None, optional=True) is None


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"value": 1.0, "low": 0, "high": 1, "high_closed": False},
     "p=1.0 is out of range; allowed: [0, 1)"),
    ({"value": 0, "low": 0, "low_closed": False}, "p=0 is out of range; allowed: (0, inf)"),
    ({"value": math.inf, "low": 0}, "p=inf is out of range; allowed: [0, inf)"),
    ({"value": "fast", "low": 0}, "p='fast' is not a number; allowed: [0, inf)"),
    ({"value": math.nan}, "p=nan is not a number; allowed: (-inf, inf)"),
    ({"value": True, "low": 0, "high": 1}, "p=True is not a number; allowed: [0, 1]"),
    ({"value": None, "low": 0, "high": 1}, "p=None is not a number; allowed: [0, 1]"),
    ({"value": 60.0, "low": 0, "high": 50, "note": " (percent)"},
     "p=60.0 is out of range; allowed: [0, 50] (percent)"),
    ({"value": -1, "low": 0, "optional": True}, "p=-1 is out of range; allowed: None or [0, inf)"),
])
def test_check_number_messages(kwargs, message):
    assert _message(check_number, "p", **kwargs) == message


def test_check_positive():
    assert check_positive("pixel_max", 255) == 255.0
    assert _message(check_positive, "pixel_max", 0) == (
        "pixel_max=0 is out of range; allowed: (0, inf)")
    assert check_positive("pixel_max", None, optional=True) is None


# --------------------------------------------------------------------------- integers
def test_check_int_accepts_python_and_numpy_integers():
    assert check_int("n", 3, 1) == 3
    value = check_int("n", np.int64(3), 1, 5)
    assert value == 3 and type(value) is int
    assert check_int("n", None, 1, optional=True) is None


@pytest.mark.parametrize(("value", "low", "high", "message"), [
    (0, 1, None, "n=0 is out of range; allowed: integers >= 1"),
    (21, 0, 20, "n=21 is out of range; allowed: integers in [0, 20]"),
    (2.0, 1, None, "n=2.0 is not an integer; allowed: integers >= 1"),
    (True, 0, None, "n=True is not an integer; allowed: integers >= 0"),
    ("4", None, None, "n='4' is not an integer; allowed: integers"),
])
def test_check_int_messages(value, low, high, message):
    assert _message(check_int, "n", value, low, high) == message


def test_check_pair():
    assert check_pair("cell", 8) == (8, 8)
    assert check_pair("cell", (4, np.int64(6))) == (4, 6)
    allowed = "allowed: a pair of integers >= 1 (rows, cols), or one integer for both"
    assert _message(check_pair, "cell", (0, 8)) == f"cell=(0, 8) is out of range; {allowed}"
    assert _message(check_pair, "cell", 3.0) == f"cell=3.0 is not a pair of integers; {allowed}"
    assert _message(check_pair, "cell", (1, 2, 3)).startswith("cell=(1, 2, 3) is not a pair")


# --------------------------------------------------------------------------- choices
def test_check_choice():
    assert check_choice("loss", "svm", ("softmax", "svm")) == "svm"
    assert check_choice("flag", False, (True, False)) is False
    assert _message(check_choice, "loss", "hinge", ("softmax", "svm", "mse")) == (
        "loss='hinge' is not allowed; choose one of: softmax, svm, mse")
    assert _message(check_choice, "act", "ReLU", ("relu",)).startswith("act='ReLU'")
    assert _message(check_choice, "flag", 1, (True, False)) == (
        "flag=1 is not allowed; choose one of: True, False")
    assert _message(check_choice, "k", True, (1, 2)) == "k=True is not allowed; choose one of: 1, 2"
    assert _message(check_choice, "loss", ["svm"], ("svm",)).startswith("loss=['svm']")


# --------------------------------------------------------------------------- arrays
def test_check_float_dtype():
    assert check_float_dtype("dtype", "float32") == np.float32
    assert check_float_dtype("dtype", np.float64) == np.float64
    assert _message(check_float_dtype, "dtype", "int8") == (
        "dtype='int8' is not allowed; choose one of: float32, float64")


def test_check_array_accepts_real_arrays_and_converts():
    x = check_array("x", [1, 2, 3], 1)
    assert x.dtype.kind == "i"
    assert check_array("x", [1, 2, 3], 1, dtype=np.float64).dtype == np.float64
    assert check_array("images", np.zeros((2, 4, 4)), (3, 4)).shape == (2, 4, 4)


def test_check_array_messages():
    assert _message(check_array, "images", np.zeros((4, 4)), 3, "(N, H, W)") == (
        "images must have shape (N, H, W) (3-D), got shape (4, 4); "
        "for a single one pass images[None]")
    assert _message(check_array, "x", np.zeros((1, 2)), 1) == (
        "x must be 1-D, got shape (1, 2)")
    assert _message(check_array, "x", np.zeros(3), (2, 3)).startswith(
        "x must be 2-D or 3-D, got shape (3,)")


@pytest.mark.parametrize("bad", [["a", "b"], np.zeros(2, dtype=bool), np.zeros(2, dtype=complex),
                                 [None, 1.0], [[1.0], [2.0, 3.0]]])
def test_a_non_numeric_array_is_a_type_error_and_a_value_error(bad):
    for kind in (TypeError, ValueError, NotNumeric):
        with pytest.raises(kind, match="x must hold real numbers"):
            check_array("x", bad, 1)


def test_check_finite_names_the_first_bad_element():
    check_finite("x", np.arange(3))  # integers are always finite
    check_finite("x", np.zeros(0))
    assert _message(check_finite, "x", np.array([1.0, 2.0, np.nan, np.inf])) == (
        "x[2]=nan is not finite; allowed: finite numbers (2 non-finite values; "
        "replace or drop NaN/inf)")
    images = np.zeros((3, 2, 2), np.float32)
    images[1, 0, 1] = -np.inf
    assert _message(check_finite, "images", images).startswith(
        "images[1, 0, 1]=-inf is not finite; allowed: finite numbers (1 non-finite value;")
    assert _message(check_array, "x", [1.0, math.nan], 1, finite=True).startswith("x[1]=nan")


def test_finite_values_whose_sum_overflows_pass():
    big = np.full(4, np.finfo(np.float32).max, dtype=np.float32)
    assert check_finite("x", big) is big


def test_importing_checks_imports_neither_numpy_nor_pydantic():
    code = ("import sys, neuralab.checks\n"
            "print(sorted({'numpy', 'pydantic'} & {m.split('.')[0] for m in sys.modules}))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_names_distinct_from_a_table_or_a_comma_separated_string():
    allowed = ("hog", "color", "raw")
    assert check_names("names", "hog, color", allowed) == ("hog", "color")
    assert check_names("names", ["raw"], allowed) == ("raw",)
    assert _message(check_names, "names", [], allowed, "block") == (
        "names=[] is not allowed; name one or more blocks of: hog, color, raw")
    assert _message(check_names, "names", ["hog", "edges"], allowed).startswith(
        "names='edges' is not allowed; choose one of: hog, color, raw")
    assert _message(check_names, "names", "hog,hog", allowed, "block") == (
        "names=('hog', 'hog') repeats a block; each may appear once")
