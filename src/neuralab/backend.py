"""Array backends: namespace, device, dtype, randomness — and the numpy fast paths.

This is the only core module that imports numpy. Everything in ``nn/``, ``losses``,
``regularizers``, ``optim`` and ``gradcheck`` asks :func:`namespace` for the array namespace of
its inputs (via array_api_compat) and so runs unchanged on numpy arrays, ``array_api_strict``
arrays, torch tensors (CPU or CUDA) and CuPy arrays.

Two kinds of helpers live here:

* **Conversion and randomness** — :func:`get_backend`, :func:`to_numpy`, :func:`asarray`,
  :func:`uniform`, :func:`normal`, :func:`bernoulli`. Random numbers always come from an explicit
  ``numpy.random.Generator`` and are then moved to the target backend, so the same seed gives the
  same dropout mask or initial weights on every backend.
* **Buffer-reusing ops** — :func:`matmul`, :func:`add`, :func:`multiply`, ... take an optional
  ``out=``. On numpy they write into it (no multi-MB allocation per training step, which is ~20 %
  of a step's time); on other namespaces they ignore it and return a fresh array. Callers always
  use the *return value*, so the same code is correct on both paths.
* **Fused kernels** — :func:`sgd_update_`, :func:`adam_update_`, :func:`softmax_xent`,
  :func:`count_hits`: a whole optimizer update or loss in one call, as few in-place numpy passes
  as the arithmetic allows (numpy cannot fuse element-wise operations), the array-API sequence
  elsewhere.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass
from typing import Any

import array_api_compat
import numpy as np

from . import _blas

Array = Any  # any array-API array: numpy.ndarray, torch.Tensor, array_api_strict.Array, cupy
Generator = np.random.Generator

BACKEND_NAMES = ("numpy", "array_api_strict", "torch", "torch:cuda", "cupy")


# --------------------------------------------------------------------------- namespaces
# array_api_compat's lookup costs ~3 µs a call; the training step asks ~30 times, which on a GPU
# (where a step's kernels take microseconds) is a fifth of the step. The namespace depends only on
# the array type, so it is remembered per type.
_NAMESPACES: dict[type, Any] = {}


def namespace(*arrays: Array) -> Any:
    """The array-API namespace shared by ``arrays`` (``TypeError`` if they mix backends)."""
    kind = type(arrays[0])
    xp = _NAMESPACES.get(kind)
    if xp is not None and all(type(a) is kind for a in arrays):
        return xp
    try:
        xp = array_api_compat.array_namespace(*arrays)
    except TypeError as err:
        kinds = sorted({type(a).__module__ + "." + type(a).__name__ for a in arrays})
        raise TypeError(
            f"arrays come from different backends ({', '.join(kinds)}); move the model and "
            f"the data to one backend with model.to(...) and backend.asarray(x, like=...)"
        ) from err
    if all(type(a) is kind for a in arrays):
        _NAMESPACES[kind] = xp
    return xp


def device(x: Array) -> Any:
    """The device ``x`` lives on (``"cpu"`` for numpy)."""
    return array_api_compat.device(x)


def is_numpy(x: Array) -> bool:
    return isinstance(x, np.ndarray)


def _is_torch(x: Array) -> bool:
    # torch.Tensor's module is "torch"; checking it is 3x cheaper than an isinstance through
    # array_api_compat and needs no torch import.
    return type(x).__module__ == "torch"


def _is_cupy(x: Array) -> bool:
    return array_api_compat.is_cupy_array(x)


# CuPy launches cost more Python than torch's, so on CuPy the two-kernel updates of the training
# step run as one fused elementwise kernel each: (params, outputs, body) for cupy.ElementwiseKernel.
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


def on_host(x: Array) -> bool:
    """Whether ``x`` lives in host memory (numpy, array_api_strict, torch CPU tensors): reading
    a value back as a Python float is then free, whereas on a GPU it waits for the device."""
    if isinstance(x, np.ndarray):
        return True
    if _is_torch(x):
        return x.device.type == "cpu"
    return not _is_cupy(x)


@dataclass(frozen=True)
class Backend:
    """A target for arrays: a name, its array-API namespace ``xp`` and a device."""

    name: str
    xp: Any
    device: Any = None

    def asarray(self, x: Any, dtype: str | None = None) -> Array:
        """Copy/convert ``x`` (any backend, list or scalar) onto this backend."""
        data = to_numpy(x) if _is_array(x) else np.asarray(x)
        if dtype is not None:
            data = data.astype(dtype, copy=False)
        if self.name == "numpy":
            return np.array(data, copy=True)
        if self.name.startswith("torch"):
            import torch

            return torch.as_tensor(np.array(data, copy=True), device=self.device)
        if self.name == "cupy":
            return self.xp.asarray(data)
        return self.xp.asarray(np.array(data, copy=True))

    def dtype(self, name: str) -> Any:
        """The namespace's dtype object for ``"float32"``, ``"float64"``, ``"int64"`` ..."""
        return getattr(self.xp, name)


def get_backend(name: str = "numpy") -> Backend:
    """A :class:`Backend` by name: ``numpy``, ``array_api_strict``, ``torch``, ``torch:cuda``
    (or ``torch:cuda:1``), ``cupy``.

    Optional backends are imported here, on first use, never at package import.
    """
    if not isinstance(name, str):
        raise TypeError(f"backend must be a name (str), got {type(name).__name__}")
    base = name.split(":")[0]
    if base == "numpy" and name == "numpy":
        return Backend("numpy", array_api_compat.array_namespace(np.empty(0)), "cpu")
    if name == "array_api_strict":
        import array_api_strict

        return Backend(name, array_api_strict, None)
    if base == "torch":
        try:
            import torch
        except ImportError as err:
            raise ValueError(f"backend={name!r} needs PyTorch, which is not installed: "
                             f"pip install torch (pytorch.org lists the CUDA builds)") from err
        try:
            dev = torch.device(name.partition(":")[2] or "cpu")
        except RuntimeError:
            raise ValueError(f"backend={name!r}: {name.partition(':')[2]!r} is not a device; "
                             f"use torch, torch:cuda or torch:cuda:N") from None
        if dev.type == "cuda":
            _check_torch_cuda(torch, name, dev)
        return Backend(name, array_api_compat.array_namespace(torch.empty(0)), dev)
    if name == "cupy":
        try:
            import cupy
        except ImportError as err:
            raise ValueError("backend='cupy' needs CuPy, which is not installed: pip install "
                             "cupy-cuda12x (or cupy-cuda13x, to match your CUDA driver)") from err
        try:
            n_gpus = cupy.cuda.runtime.getDeviceCount()
        except Exception:  # CuPy raises its own CUDARuntimeError when no driver is found
            n_gpus = 0
        if n_gpus == 0:
            raise ValueError("backend='cupy' needs an NVIDIA GPU, and CuPy finds none "
                             "(check nvidia-smi); use device='cpu'")
        return Backend(name, array_api_compat.array_namespace(cupy.empty(0)), None)
    raise ValueError(f"backend={name!r} is not known; choose one of {', '.join(BACKEND_NAMES)}")


def _check_torch_cuda(torch: Any, name: str, dev: Any) -> None:
    """A clear error, naming what to install or check, when torch cannot use ``dev``."""
    if torch.version.cuda is None:
        raise ValueError(f"backend={name!r} (device {str(dev)!r}) needs a CUDA build of "
                         f"PyTorch, but torch "
                         f"{torch.__version__} is a CPU-only build: install a CUDA build "
                         f"(pytorch.org/get-started) or use device='cpu'")
    count = torch.cuda.device_count()
    if count == 0:
        raise ValueError(f"backend={name!r}: torch (CUDA {torch.version.cuda}) sees no GPU; "
                         f"check nvidia-smi and CUDA_VISIBLE_DEVICES, or use device='cpu'")
    if dev.index is not None and dev.index >= count:
        raise ValueError(f"backend={name!r}: there is no GPU {dev.index}; torch sees {count} "
                         f"(cuda:0 to cuda:{count - 1})")


DEVICES = ("cpu", "cuda")
LIBRARIES = ("numpy", "array_api_strict", "torch", "cupy")


def resolve_backend(device: str | None = None, backend: str | None = None) -> str | None:
    """The backend name for a device and an array library, or None when both are None.

    ==========  ============  =====================
    device      backend       result
    ==========  ============  =====================
    ``cpu``     None/numpy    ``numpy``
    ``cpu``     torch         ``torch`` (CPU tensors)
    ``cuda``    None/torch    ``torch:cuda``
    ``cuda:N``  None/torch    ``torch:cuda:N``
    ``cuda``    cupy          ``cupy``
    None        any           that library on its default device
    ==========  ============  =====================
    """
    if backend is not None and backend not in LIBRARIES:
        raise ValueError(f"backend={backend!r} is not allowed; choose one of: "
                         f"{', '.join(LIBRARIES)}")
    if device is None:
        return backend
    kind, _, index = device.partition(":") if isinstance(device, str) else ("", "", "")
    if kind not in DEVICES or (index and (kind != "cuda" or not index.isdigit())):
        raise ValueError(f"device={device!r} is not allowed; choose cpu, cuda or cuda:N")
    if kind == "cpu":
        if backend == "cupy":
            raise ValueError("backend='cupy' runs on CUDA GPUs only; use device='cuda', or "
                             "backend='numpy' or 'torch' on the CPU")
        return backend or "numpy"
    if backend in ("numpy", "array_api_strict"):
        raise ValueError(f"backend={backend!r} runs on the CPU only; for device={device!r} "
                         f"choose backend='torch' or 'cupy'")
    if backend == "cupy":
        if index:
            raise ValueError(f"device={device!r} with backend='cupy': choose the GPU with "
                             f"CUDA_VISIBLE_DEVICES={index} and device='cuda'")
        return "cupy"
    return f"torch:{device}"


def backend_of(x: Array) -> Backend:
    """The :class:`Backend` an array lives on."""
    if is_numpy(x):
        return get_backend("numpy")
    if array_api_compat.is_torch_array(x):
        dev = x.device
        return Backend(f"torch:{dev}" if dev.type != "cpu" else "torch", namespace(x), dev)
    if _is_cupy(x):
        return get_backend("cupy")
    return Backend(type(x).__module__.split(".")[0], namespace(x), device(x))


def _is_array(x: Any) -> bool:
    return array_api_compat.is_array_api_obj(x)


# --------------------------------------------------------------------------- conversion
def to_numpy(x: Any) -> np.ndarray:
    """A numpy copy-or-view of ``x`` from any backend (torch tensors are detached, CuPy and
    CUDA arrays copied to the host)."""
    if isinstance(x, np.ndarray):
        return x
    if array_api_compat.is_torch_array(x):
        return x.detach().cpu().numpy()
    if _is_cupy(x):
        return x.get()
    if _is_array(x):
        return np.from_dlpack(x)
    return np.asarray(x)


def asarray(x: Any, like: Array | None = None, dtype: Any = None) -> Array:
    """``x`` converted to the backend and device of ``like`` (numpy when ``like`` is None).

    ``dtype`` may be a name (``"float32"``) or a dtype of ``like``'s namespace; by default
    floating data takes ``like``'s dtype and integer data stays integer.
    """
    target = backend_of(like) if like is not None else get_backend("numpy")
    if dtype is None and like is not None:
        src = to_numpy(x) if _is_array(x) else np.asarray(x)
        if src.dtype.kind == "f":
            dtype = str(to_numpy_dtype(like.dtype))
    elif dtype is not None and not isinstance(dtype, str):
        dtype = str(to_numpy_dtype(dtype))
    if like is not None and is_numpy(like) and is_numpy(x) and (dtype is None or x.dtype == dtype):
        return x  # already there: no copy
    return target.asarray(x, dtype=dtype)


def to_numpy_dtype(dtype: Any) -> np.dtype:
    """The numpy dtype matching a dtype of any namespace (``torch.float32`` -> float32)."""
    text = str(dtype).rsplit(".", 1)[-1]
    return np.dtype(text)


# --------------------------------------------------------------------------- randomness
def make_rng(seed: int | Generator | None = None) -> Generator:
    """An explicit generator: pass an int for reproducibility, a Generator to share one, or
    None for fresh OS entropy. There is no global seed anywhere in neuralab."""
    if isinstance(seed, np.random.Generator):
        return seed
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int | np.integer)):
        raise TypeError(f"seed must be an int, a numpy Generator or None, got {seed!r}")
    return np.random.default_rng(seed)


def uniform(
    rng: Generator, shape: tuple[int, ...], like: Array | None = None, low: float = 0.0,
    high: float = 1.0, dtype: Any = None,
) -> Array:
    """U(low, high) samples of ``shape`` on ``like``'s backend (drawn in float64, then cast)."""
    return asarray(rng.uniform(low, high, size=shape), like=like, dtype=dtype)


def normal(
    rng: Generator, shape: tuple[int, ...], like: Array | None = None, std: float = 1.0,
    mean: float = 0.0, dtype: Any = None,
) -> Array:
    """N(mean, std²) samples of ``shape`` on ``like``'s backend."""
    return asarray(rng.normal(mean, std, size=shape), like=like, dtype=dtype)


def bernoulli(
    rng: Generator, shape: tuple[int, ...], prob: float, like: Array | None = None,
    dtype: Any = None,
) -> Array:
    """0/1 samples, 1 with probability ``prob``, as floats on ``like``'s backend."""
    return asarray((rng.random(size=shape) < prob).astype(np.float64), like=like, dtype=dtype)


def dropout_mask(rng: Generator, shape: tuple[int, ...], keep: float, like: Array) -> Array:
    """The inverted-dropout mask m / keep, m ~ Bernoulli(keep), with the shape and dtype of
    ``like`` and on its device.

    On the host the 0/1 draws come from ``rng`` itself, so every CPU backend drops the same
    units. On a GPU the mask is drawn there (copying a batch-sized mask from the host each step
    would cost more than the layer): a seed taken from ``rng`` keys a fresh device generator,
    so a run is still reproducible, and resumes exactly, from the state of ``rng`` alone.
    """
    if on_host(like):
        return bernoulli(rng, shape, keep, like=like) / keep
    seed = int(rng.integers(2**63))
    if _is_torch(like):
        import torch

        gen = torch.Generator(device=like.device)
        gen.manual_seed(seed)
        u = torch.rand(shape, generator=gen, device=like.device, dtype=like.dtype)
        return u.lt_(keep).mul_(1.0 / keep)  # in place: 1.0 where kept, then scaled
    import cupy

    u = cupy.random.default_rng(seed).random(shape, dtype=like.dtype)
    return (u < keep).astype(like.dtype) * (1.0 / keep)


def epoch_permutation(seed: int, epoch: int, n: int) -> np.ndarray:
    """The order of ``n`` examples in ``epoch``: a pure function of (seed, epoch), so a resumed
    run shuffles exactly like an uninterrupted one without saving generator state."""
    return np.random.default_rng([seed, epoch]).permutation(n)


def take_rows(x: Array, idx: Array) -> Array:
    """``x[idx]`` (a copy) for an integer index array on the host or already on ``x``'s
    backend; the trainer moves each epoch's order to the device once, so a batch is gathered
    there without a host-to-device copy per step."""
    if isinstance(x, np.ndarray):
        return x[idx]
    if isinstance(idx, np.ndarray):
        idx = asarray(idx, like=x)
    if _is_torch(x):
        return x.index_select(0, idx)
    return namespace(x).take(x, idx, axis=0)


def rng_state(rng: Generator) -> dict[str, Any]:
    """A JSON-serializable snapshot of a generator (for checkpoints)."""
    return rng.bit_generator.state


def set_rng_state(rng: Generator, state: dict[str, Any]) -> None:
    rng.bit_generator.state = state


# --------------------------------------------------------------------------- reusable buffers
class Workspace:
    """Named output buffers a layer reuses from one step to the next (numpy only).

    ``get`` returns None (meaning "allocate a fresh array") unless the workspace is enabled and
    ``like`` is a numpy array; a buffer is re-created whenever the shape or dtype changes.
    """

    def __init__(self) -> None:
        self.enabled = False
        self._buffers: dict[str, np.ndarray] = {}

    def get(self, key: str, shape: tuple[int, ...], like: Array) -> np.ndarray | None:
        if not self.enabled or not isinstance(like, np.ndarray):
            return None
        buf = self._buffers.get(key)
        if buf is None or buf.shape != tuple(shape) or buf.dtype != like.dtype:
            buf = np.empty(shape, dtype=like.dtype)
            self._buffers[key] = buf
        return buf

    def clear(self) -> None:
        self._buffers.clear()


# --------------------------------------------------------------------------- ops with out=
# Each takes the array-API route unless ``out`` is a numpy array, in which case numpy writes the
# result into ``out`` and returns it. Always use the return value.


def _np(out: Any) -> bool:
    return out is not None and isinstance(out, np.ndarray)


_CONST_ROWS: dict[tuple[float, int, np.dtype], np.ndarray] = {}


def _const_row(value: float, n: int, dtype: np.dtype) -> np.ndarray:
    """A cached read-only (n,) array filled with ``value`` (tiny: one per value, width and
    dtype; the values used are 0 and 1)."""
    row = _CONST_ROWS.get((value, n, dtype))
    if row is None:
        row = np.full(n, value, dtype=dtype)
        row.flags.writeable = False  # shared between layers and threads
        _CONST_ROWS[(value, n, dtype)] = row
    return row


def matmul(a: Array, b: Array, out: Array | None = None) -> Array:
    if _np(out):
        return np.matmul(a, b, out=out)
    # The ``@`` operator is the array API's matmul on every backend, without the compat
    # layer's dtype-promotion wrapper (~10 µs a call on torch).
    return a @ b


def affine(x: Array, w: Array, b: Array, out: Array | None = None) -> Array:
    """``x @ w + b`` for x (N, D), w (D, H), b (H,) -> (N, H): on torch one ``addmm`` call
    (cuBLAS adds the bias in the GEMM's epilogue), elsewhere a matmul and a broadcast add."""
    if _is_torch(x):
        import torch

        return torch.addmm(b, x, w)
    out = matmul(x, w, out=out)
    return add(out, b, out=out)


def add(a: Array, b: Array | float, out: Array | None = None) -> Array:
    if _np(out):
        return np.add(a, b, out=out)
    return a + b


def subtract(a: Array, b: Array | float, out: Array | None = None) -> Array:
    if _np(out):
        return np.subtract(a, b, out=out)
    return a - b


def multiply(a: Array, b: Array | float, out: Array | None = None) -> Array:
    if _np(out):
        return np.multiply(a, b, out=out)
    return a * b


def divide(a: Array, b: Array | float, out: Array | None = None) -> Array:
    if _np(out):
        return np.divide(a, b, out=out)
    return a / b


def maximum(a: Array, b: float, out: Array | None = None) -> Array:
    """Elementwise max with a scalar (ReLU's kernel)."""
    if _np(out):
        if b == 0 and a.ndim:
            # numpy's maximum against a scalar misses its SIMD loop (~3x slower than against
            # an array), so ReLU compares with a broadcast row of zeros: same values, same NaNs.
            b = _const_row(0.0, a.shape[-1], a.dtype)
        return np.maximum(a, b, out=out)
    if _is_torch(a):
        return a.clamp_min(b)  # no scalar tensor made on the device each call
    if _is_cupy(a):
        import cupy

        return cupy.maximum(a, b)  # CuPy's ufuncs take a Python scalar: no host-to-device copy
    xp = namespace(a)
    return xp.maximum(a, xp.asarray(b, dtype=a.dtype, device=device(a)))


def relu_grad(dout: Array, out: Array, dx: Array | None = None) -> Array:
    """``dout * (out > 0)``, the ReLU backward; on numpy written into ``dx``."""
    if _np(dx):
        np.multiply(dout, out > 0, out=dx)
        return dx
    if _is_torch(dout):
        import torch

        # The one-kernel op torch's own ReLU backward runs: dout where out > 0, else 0.
        return torch.ops.aten.threshold_backward(dout, out, 0)
    if _is_cupy(dout):
        return _cupy_kernel("relu_grad")(dout, out)
    xp = namespace(dout, out)
    return dout * xp.astype(out > 0, dout.dtype)


def log_softmax(scores: Array) -> Array:
    """Row-wise log-softmax, (N, C) -> (N, C): z − log Σⱼ e^{zⱼ} with z = s − max(s), so
    exp never overflows. torch computes it in one fused kernel."""
    if _is_torch(scores):
        import torch

        return torch.log_softmax(scores, dim=1)
    xp = namespace(scores)
    z = scores - xp.max(scores, axis=1, keepdims=True)
    return z - xp.log(xp.sum(xp.exp(z), axis=1, keepdims=True))


def sum_rows(a: Array, out: Array | None = None) -> Array:
    """Column sums of a 2-D array, ``(N, H) -> (H,)``."""
    if isinstance(a, np.ndarray):
        # as the product ones(N) @ a: a BLAS matrix-vector product, 2-3x faster than numpy's
        # column reduction (a bias gradient each layer, each step); with or without ``out``,
        # so that reused buffers give the same bits as fresh arrays
        return np.matmul(_const_row(1.0, a.shape[0], a.dtype), a, out=out if _np(out) else None)
    if _is_torch(a):
        return a.sum(0)
    return namespace(a).sum(a, axis=0)


def sqrt(a: Array, out: Array | None = None) -> Array:
    if _np(out):
        return np.sqrt(a, out=out)
    return namespace(a).sqrt(a)


def square(a: Array, out: Array | None = None) -> Array:
    if _np(out):
        return np.square(a, out=out)
    return a * a


# axpy_ on numpy walks y in slices: each slice of x is scaled into a scratch buffer (one ufunc
# call) that is then added to the slice of y (a second call), so no full-size temporary is ever
# allocated. The slice length trades cache residency against Python overhead: every slice costs
# two ufunc calls (~2 µs each), which at 16 Ki elements doubled the time of the L2-gradient and
# SGD updates of a 3072×512 weight. At 256 Ki elements (a 1 MiB float32 scratch, reused, so it
# stays cached) the overhead is gone and the updates run at memory speed.
_CHUNK = 1 << 18
_SMALL = 1 << 12  # below this many elements the plain ``y += alpha * x`` is cheaper
_scratch = threading.local()  # per thread: numpy releases the GIL, so threads may train at once


def _scratch_buffer(dtype: np.dtype) -> np.ndarray:
    """This thread's two ``_CHUNK``-element scratch rows of ``dtype``, shape (2, _CHUNK)
    (made on first use)."""
    buffers = getattr(_scratch, "buffers", None)
    if buffers is None:
        buffers = _scratch.buffers = {}
    buf = buffers.get(dtype)
    if buf is None or buf.shape[1] < _CHUNK:
        buf = buffers[dtype] = np.empty((2, _CHUNK), dtype=dtype)
    return buf


def axpy_(y: Array, x: Array, alpha: float) -> Array:
    """In place ``y += alpha * x`` and return ``y``.

    numpy has no fused multiply-add, so ``y += alpha * x`` would allocate a full-size temporary;
    on numpy this goes through a reused, cache-sized scratch buffer instead (see ``_CHUNK``).
    """
    if (
        isinstance(y, np.ndarray) and isinstance(x, np.ndarray) and y.size > _SMALL
        and y.flags.c_contiguous and x.shape == y.shape
    ):
        yf, xf = y.reshape(-1), x.reshape(-1)  # yf is a view (y is contiguous): writes land in y
        tmp = _scratch_buffer(y.dtype)[0]
        for start in range(0, yf.size, _CHUNK):
            ys, xs = yf[start : start + _CHUNK], xf[start : start + _CHUNK]
            t = np.multiply(xs, alpha, out=tmp[: ys.size])
            np.add(ys, t, out=ys)
        return y
    if _is_torch(y):
        return y.add_(x, alpha=alpha)  # one fused kernel
    if _is_cupy(y):
        _cupy_kernel("axpy")(x, y.dtype.type(alpha), y)  # one fused kernel, in place
        return y
    y += alpha * x
    return y


def gemm_accumulates(c: Array, a: Array, b: Array) -> bool:
    """Whether :func:`gemm_` runs as ONE product that reads and writes ``c`` in place (numpy
    arrays with numpy's BLAS found, see :mod:`neuralab._blas`), so that fusing an update into
    it saves a pass over ``c``. Elsewhere :func:`gemm_` still works, in several operations."""
    return _blas.available(c, a, b)


def gemm_(c: Array, a: Array, b: Array, alpha: float, beta: float) -> Array:
    """In place ``c ← alpha·(a @ b) + beta·c``; returns ``c`` (use it).

    a (M, K), b (K, N), c (M, N). On numpy this is BLAS gemm's own β term where
    :func:`gemm_accumulates` (the product is never stored on its own); on torch ``addmm_``.
    """
    if _blas.available(c, a, b):
        return _blas.gemm(c, a, b, alpha, beta)
    if _is_torch(c):
        return c.addmm_(a, b, beta=beta, alpha=alpha)
    if isinstance(c, np.ndarray):
        c *= beta
        return axpy_(c, np.matmul(a, b), alpha)
    return beta * c + alpha * (a @ b)


# --------------------------------------------------------------------------- optimizer updates
# The parameter updates of ``optim``, one call each. On numpy (C-contiguous arrays of one shape
# and dtype) each is a fixed sequence of in-place ufuncs over slices of at most ``_CHUNK``
# elements, with this thread's two scratch rows for the intermediates: nothing is allocated
# (a fresh multi-MB temporary costs more than the arithmetic), and an L2 term c·w is folded into
# the update instead of being added to the gradient in a pass of its own over the weights.
# Elsewhere they run the textbook sequence of array-API operations; on torch these are the same
# kernels, in the same order, as ``L2.add_grad`` followed by the update, so folding the L2 term
# changes no bits there.


def _fast(*arrays: Array) -> bool:
    """Whether the numpy update path applies: numpy arrays, C-contiguous, one shape and dtype."""
    first = arrays[0]
    for a in arrays:  # a plain loop: this runs for every parameter at every step
        if not (isinstance(a, np.ndarray) and a.flags.c_contiguous and a.shape == first.shape
                and a.dtype == first.dtype):
            return False
    return True


def _slices(*arrays: np.ndarray) -> list[tuple[np.ndarray, ...]]:
    """Aligned flat slices of at most ``_CHUNK`` elements of ``arrays`` (views: writes land in
    the arrays), each followed by this thread's two scratch rows cut to the same length."""
    flat = [a.reshape(-1) for a in arrays]  # views: the arrays are C-contiguous
    scratch = _scratch_buffer(arrays[0].dtype)
    n = flat[0].size
    if n <= _CHUNK:  # the common case, without the slicing
        return [(*flat, scratch[0, :n], scratch[1, :n])]
    return [(*(f[start : start + _CHUNK] for f in flat), scratch[0, : min(_CHUNK, n - start)],
             scratch[1, : min(_CHUNK, n - start)]) for start in range(0, n, _CHUNK)]


def add_scaled(a: Array, b: Array, alpha: float, out: Array | None = None) -> Array:
    """``a + alpha·b`` as a new array (on numpy written into ``out`` when given); ``a`` and
    ``b`` are left unchanged. a, b: the same shape."""
    if _np(out):
        np.multiply(b, alpha, out=out)
        return np.add(a, out, out=out)
    if _is_torch(a):
        import torch

        # the kernel of a.add_(b, alpha=alpha), out of place: the bits an in-place L2 gradient
        # (``regularizers.L2.add_grad``) gives
        return torch.add(a, b, alpha=alpha)
    return a + alpha * b


def sgd_update_(w: Array, g: Array, lr: float, weight_decay: float = 0.0) -> Array:
    """In place ``w ← w − lr·(g + c·w)`` with c = ``weight_decay``; returns ``w`` (use it).

    w, g: one shape. ``g`` is not modified. On numpy one sweep over w computes
    ``(1 − lr·c)·w − lr·g`` (the L2 gradient never materializes); elsewhere ``g + c·w`` is
    formed first, as torch.optim.SGD's ``weight_decay`` does.
    """
    if weight_decay == 0.0:
        return axpy_(w, g, -lr)
    if _fast(w, g):
        keep = 1.0 - lr * weight_decay
        for ws, gs, t, _ in _slices(w, g):
            np.multiply(gs, -lr, out=t)
            ws *= keep
            ws += t
        return w
    return axpy_(w, add_scaled(g, w, weight_decay), -lr)


def adam_update_(
    w: Array, g: Array, m: Array, v: Array, *, lr: float, beta1: float, beta2: float,
    eps: float, step: int, weight_decay: float = 0.0,
) -> Array:
    """One Adam step (the rule in :class:`neuralab.optim.Adam`), in place on the parameter
    ``w`` and the moments ``m``, ``v``; returns ``w`` (use it).

    w, g, m, v: one shape; ``step`` is t ≥ 1. With ``weight_decay`` c > 0 the gradient is
    ``g + c·w`` (an L2 penalty's), without modifying ``g``. numpy: 12 in-place passes (14 with
    c), each over a cache-sized slice; the update uses
    ``(η/bc₁)·m / (√v/√bc₂ + ε) = (η·√bc₂/bc₁)·m / (√v + ε·√bc₂)``, one scaling pass fewer
    than torch's form (equal up to rounding).
    """
    bc1, bc2 = 1.0 - beta1**step, 1.0 - beta2**step
    if _fast(w, g, m, v):
        root = math.sqrt(bc2)
        eps_root, rate = eps * root, -lr * root / bc1
        for ws, gs, ms, vs, t, u in _slices(w, g, m, v):
            if weight_decay:
                np.multiply(ws, weight_decay, out=u)
                gs = np.add(gs, u, out=u)
            np.multiply(gs, 1.0 - beta1, out=t)  # m ← β₁·m + (1 − β₁)·g
            ms *= beta1
            ms += t
            np.square(gs, out=t)  # v ← β₂·v + (1 − β₂)·g²
            t *= 1.0 - beta2
            vs *= beta2
            vs += t
            np.sqrt(vs, out=t)  # w ← w − (η·√bc₂/bc₁)·m / (√v + ε·√bc₂)
            t += eps_root
            np.divide(ms, t, out=t)
            t *= rate
            ws += t
        return w
    if weight_decay:
        g = add_scaled(g, w, weight_decay)
    m *= beta1
    m = axpy_(m, g, 1.0 - beta1)
    v *= beta2
    v = axpy_(v, square(g), 1.0 - beta2)
    denom = add(divide(sqrt(v), math.sqrt(bc2)), eps)  # √v̂ + ε = √v / √bc₂ + ε
    return axpy_(w, divide(m, denom), -lr / bc1)


# --------------------------------------------------------------------------- loss and metrics
_FEW_CLASSES = 64  # up to this many columns, row maxima are taken on the transpose (below)


def softmax_xent(scores: Array, onehot: Array) -> tuple[Array, Array]:
    """Mean softmax cross-entropy of scores (N, C) against one-hot targets (N, C), as a 0-d
    array, and its gradient ``(softmax(s) − onehot) / N``, (N, C).

    With z = s − max(s) per row (so exp never overflows) and S = Σⱼ e^{zⱼ}:
    L = mean(log S − z_y) and softmax(s) = e^z / S. On numpy that is 9 passes over small
    arrays, the gradient written over e^z; elsewhere log-softmax, then its exp (torch: one
    fused kernel each).
    """
    n, c = scores.shape
    scale = 1.0 / n
    if isinstance(scores, np.ndarray) and isinstance(onehot, np.ndarray):
        if c <= _FEW_CLASSES:
            # numpy reduces a short last axis row by row (12 µs for 256×10); along the first
            # axis of the transposed copy it is one vectorized pass per class (2 µs)
            top = np.maximum.reduce(np.ascontiguousarray(scores.T), axis=0)
        else:
            top = scores.max(axis=1)
        z = scores - top[:, None]
        e = np.exp(z)
        total = np.matmul(e, _const_row(1.0, c, e.dtype))  # (N,) row sums (BLAS), each ≥ 1
        # Σ log S and Σ(−z_y) are both ≥ 0: no cancellation in their difference
        loss = (np.log(total).sum() - np.vdot(onehot, z)) * scale
        e /= total[:, None]
        e -= onehot
        e *= scale
        return np.asarray(loss), e
    if _is_cupy(scores):
        return _cupy_softmax_xent(scores, onehot, scale)
    xp = namespace(scores)
    log_p = log_softmax(scores)  # (N, C)
    loss = xp.sum(log_p * onehot) * -scale
    return loss, (xp.exp(log_p) - onehot) * scale


def count_hits(scores: Array, y: Array) -> Array:
    """How many rows of scores (N, C) have their argmax at the label y (N,): a 0-d array on
    the scores' device (a Python int on numpy), not read back to the host."""
    if isinstance(scores, np.ndarray):
        return np.count_nonzero(scores.argmax(axis=1) == y)
    xp = namespace(scores)
    return xp.sum(xp.astype(xp.argmax(scores, axis=1) == y, xp.int64))


def sumsq(a: Array) -> float:
    """Σ a² as a Python float (one BLAS dot product on numpy, no temporary)."""
    if isinstance(a, np.ndarray):
        flat = a.reshape(-1)
        return float(np.dot(flat, flat))
    xp = namespace(a)
    return float(xp.sum(a * a))


def to_float(a: Array) -> float:
    """A 0-d array (or scalar) as a Python float."""
    return float(a)


def to_floats(arrays: list[Array]) -> list[float]:
    """0-d arrays as Python floats; from a GPU in one transfer (each read waits for the device,
    so reading them one by one would wait once per value)."""
    if not arrays:
        return []
    if on_host(arrays[0]):
        return [float(a) for a in arrays]
    return to_numpy(namespace(*arrays).stack(arrays)).tolist()


def all_finite(a: Array) -> bool:
    if isinstance(a, np.ndarray):
        return bool(np.isfinite(a).all())
    xp = namespace(a)
    return bool(xp.all(xp.isfinite(a)))


def copy(a: Array) -> Array:
    if isinstance(a, np.ndarray):
        return a.copy()
    xp = namespace(a)
    return xp.asarray(a, copy=True)


def float_dtype_name(x: Array) -> str:
    return str(to_numpy_dtype(x.dtype))


def prod(shape: tuple[int, ...]) -> int:
    return math.prod(shape)
