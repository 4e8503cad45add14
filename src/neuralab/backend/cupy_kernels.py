"""CuPy kernels of the training step, compiled on first use.

CuPy launches cost more Python than torch's, so the step's two-kernel updates run as one fused
elementwise kernel each, and the softmax loss with its gradient as one raw kernel.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .arrays import Array

# (params, outputs, body) for cupy.ElementwiseKernel
_CUPY_SOURCES = {
    "axpy": ("T x, T alpha", "T y", "y += alpha * x"),
    "relu_grad": ("T dout, T out", "T dx", "dx = out > (T)0 ? dout : (T)0"),
}
_CUPY_KERNELS: dict[str, Any] = {}


def _cupy_kernel(name: str, dtype: Any = None) -> Any:
    """A CuPy kernel, compiled on first use: ``name`` of ``_CUPY_SOURCES`` (an elementwise
    kernel for any dtype), or ``"softmax_xent"`` for ``dtype`` (float32 or float64)."""
    key = name if dtype is None else f"{name}_{dtype}"
    kernel = _CUPY_KERNELS.get(key)
    if kernel is None:
        import cupy

        if dtype is None:
            params, outputs, body = _CUPY_SOURCES[name]
            kernel = cupy.ElementwiseKernel(params, outputs, body, f"neuralab_{name}")
        else:
            ctype = {"float32": "float", "float64": "double"}[str(dtype)]
            kernel = cupy.RawKernel(f"typedef {ctype} T;\n" + _CUPY_SOFTMAX_XENT, name)
        _CUPY_KERNELS[key] = kernel
    return kernel


# The softmax loss and its gradient in one CuPy kernel, one thread per row (C is small):
# L_i = log Σ_j e^{z_j} − z_{y_i} with z = s_i − max(s_i), dL/ds = (softmax − onehot) · scale.
# Each row writes scale · L_i, so the batch's mean loss is one sum. ``T`` is set per dtype.
# This CUDA source is the one other copy of the softmax cross-entropy: everything else calls
# loss_kernels.softmax_xent (its numpy and array-API kernels), which calls this one on CuPy.
# tests/test_backends.py builds it as C++ on the CPU and checks it against the numpy kernel.
_CUPY_SOFTMAX_XENT = r"""
extern "C" __global__ void softmax_xent(const T* s, const T* onehot, T* grad, T* loss,
                                        const int n, const int c, const T scale) {
    const int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= n) return;
    const T* row = s + (long long)i * c;
    const T* hot = onehot + (long long)i * c;
    T* g = grad + (long long)i * c;
    T top = row[0];
    for (int j = 1; j < c; ++j) top = row[j] > top ? row[j] : top;
    T total = 0;
    for (int j = 0; j < c; ++j) total += exp(row[j] - top);
    const T log_total = log(total);
    T li = 0;
    for (int j = 0; j < c; ++j) {
        const T log_p = row[j] - top - log_total;
        g[j] = (exp(log_p) - hot[j]) * scale;
        li -= hot[j] * log_p;
    }
    loss[i] = li * scale;
}
"""


def _cupy_softmax_xent(scores: Array, onehot: Array, scale: float) -> tuple[Array, Array]:
    """:func:`softmax_xent` on CuPy arrays: one kernel and one sum instead of ~9 launches."""
    import cupy

    s = cupy.ascontiguousarray(scores)
    hot = cupy.ascontiguousarray(onehot, dtype=s.dtype)
    n, c = s.shape
    kernel = _cupy_kernel("softmax_xent", s.dtype)
    grad, rows = cupy.empty_like(s), cupy.empty(n, dtype=s.dtype)
    threads = 128
    kernel(((n + threads - 1) // threads,), (threads,),
           (s, hot, grad, rows, np.int32(n), np.int32(c), s.dtype.type(scale)))
    return rows.sum(), grad
