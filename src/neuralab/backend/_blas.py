"""numpy's own BLAS ``gemm`` with its β term: C ← α·A·B + β·C, in place.

Why: ``numpy.matmul`` always overwrites its output, while BLAS gemm can also scale and add to
it. That lets a plain SGD step happen inside the weight-gradient product,
W ← (1 − η·c)·W − η·xᵀ·dout, instead of writing dW out and reading it back with W in a pass
of its own (for a 3072×512 float32 weight that pass moves ~19 MB: ~8 % of a training step).

Which library: the BLAS that numpy itself loaded (found with threadpoolctl), so these products
share numpy's thread pool. Calling another BLAS (scipy's) would start a second pool whose
threads fight numpy's for the cores. Only the CBLAS symbols of the OpenBLAS builds shipped in
numpy's wheels are used, because their names tell the integer width; each is checked against
``numpy.matmul`` once, on first use. With any other BLAS :func:`gemm` is unavailable
(:func:`available` is False) and callers keep to numpy.
"""

from __future__ import annotations

import ctypes
import os
import threading

import numpy as np

# (symbol prefix, suffix, C integer type) of the CBLAS entry points in numpy's wheels:
# scipy-openblas64 (numpy >= 2), openblas64_ (numpy 1.2x), scipy-openblas32.
_SYMBOLS = (
    ("scipy_cblas_", "gemm64_", ctypes.c_int64),
    ("cblas_", "gemm64_", ctypes.c_int64),
    ("scipy_cblas_", "gemm", ctypes.c_int32),
)
_ROW_MAJOR, _NO_TRANS, _TRANS = 101, 111, 112  # the CBLAS enum values
_CTYPES = {
    np.dtype(np.float32): ("s", ctypes.c_float),
    np.dtype(np.float64): ("d", ctypes.c_double),
}

_lock = threading.Lock()
_routines: dict[np.dtype, ctypes._CFuncPtr] | None = None  # filled on first use


def _numpy_blas_path() -> str | None:
    """The file of the BLAS library numpy loaded, or None if threadpoolctl cannot tell."""
    from threadpoolctl import threadpool_info

    home = os.path.dirname(os.path.realpath(np.__file__))  # .../site-packages/numpy
    for info in threadpool_info():
        path = os.path.realpath(info.get("filepath") or "")
        # Linux/Windows wheels vendor it in numpy.libs/, macOS wheels in numpy/.dylibs/
        if info.get("user_api") == "blas" and path.startswith((home + os.sep, home + ".libs")):
            return path
    return None


def _load() -> dict[np.dtype, ctypes._CFuncPtr]:
    path = _numpy_blas_path()
    if path is None:
        return {}
    try:
        lib = ctypes.CDLL(path)
    except OSError:
        return {}
    for prefix, suffix, c_int in _SYMBOLS:
        routines = {}
        for dtype, (letter, c_float) in _CTYPES.items():
            fn = getattr(lib, f"{prefix}{letter}{suffix}", None)
            if fn is None:
                break
            fn.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int, c_int, c_int, c_int,
                           c_float, ctypes.c_void_p, c_int, ctypes.c_void_p, c_int, c_float,
                           ctypes.c_void_p, c_int]
            fn.restype = None
            routines[dtype] = fn
        else:
            return routines if _agrees(routines) else {}
    return {}


def _agrees(routines: dict[np.dtype, ctypes._CFuncPtr]) -> bool:
    """Whether every routine computes what numpy does, in each of the four layouts."""
    rng = np.random.default_rng(0)
    for dtype in routines:
        a, b = rng.standard_normal((5, 7)).astype(dtype), rng.standard_normal((7, 3)).astype(dtype)
        for a_ in (a, np.ascontiguousarray(a.T).T):
            for b_ in (b, np.ascontiguousarray(b.T).T):
                c = np.ones((5, 3), dtype)
                _call(routines[dtype], c, a_, b_, 2.0, 0.5)
                if not np.allclose(c, 2.0 * (a @ b) + 0.5, rtol=1e-4, atol=1e-4):
                    return False
    return True


def _operand(m: np.ndarray) -> tuple[int, int] | None:
    """(CBLAS transpose flag, leading dimension) of a 2-D operand, or None if BLAS cannot read
    it in place: it must be a C-contiguous array or the transpose of one."""
    item = m.itemsize
    if m.strides[1] == item and m.strides[0] >= max(1, m.shape[1]) * item:
        return _NO_TRANS, m.strides[0] // item
    if m.strides[0] == item and m.strides[1] >= max(1, m.shape[0]) * item:
        return _TRANS, m.strides[1] // item
    return None


def _call(fn: ctypes._CFuncPtr, c: np.ndarray, a: np.ndarray, b: np.ndarray, alpha: float,
          beta: float) -> None:
    (ta, lda), (tb, ldb) = _operand(a), _operand(b)
    m, k = a.shape
    n = b.shape[1]
    # ctypes releases the GIL for the call, as numpy does around its own BLAS calls
    fn(_ROW_MAJOR, ta, tb, m, n, k, alpha, a.ctypes.data, lda, b.ctypes.data, ldb, beta,
       c.ctypes.data, max(1, n))  # c is C-contiguous: its leading dimension is N


def _get() -> dict[np.dtype, ctypes._CFuncPtr]:
    global _routines
    if _routines is None:
        with _lock:
            if _routines is None:
                _routines = _load()
    return _routines


def available(c: np.ndarray, a: np.ndarray, b: np.ndarray) -> bool:
    """Whether :func:`gemm` can compute ``c ← α·a@b + β·c`` in place for these arrays: numpy
    arrays of one float dtype that numpy's BLAS handles, c (M, N) C-contiguous, a (M, K) and
    b (K, N) each C-contiguous or a transposed C-contiguous array, c sharing no memory with
    them."""
    return (
        type(c) is np.ndarray and type(a) is np.ndarray and type(b) is np.ndarray
        and c.dtype == a.dtype == b.dtype and c.dtype in _get()
        and c.ndim == a.ndim == b.ndim == 2 and c.flags.c_contiguous and c.flags.writeable
        and a.shape[0] == c.shape[0] and b.shape[1] == c.shape[1] and a.shape[1] == b.shape[0]
        and min(c.shape) > 0 and a.shape[1] > 0
        and _operand(a) is not None and _operand(b) is not None
        and not np.may_share_memory(c, a) and not np.may_share_memory(c, b)
    )


def gemm(c: np.ndarray, a: np.ndarray, b: np.ndarray, alpha: float, beta: float) -> np.ndarray:
    """In place ``c ← alpha·(a @ b) + beta·c`` with numpy's BLAS; returns ``c``.

    a (M, K), b (K, N), c (M, N). Only call it where :func:`available` is True.
    """
    _call(_get()[c.dtype], c, a, b, alpha, beta)
    return c
