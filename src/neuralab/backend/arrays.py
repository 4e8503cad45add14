"""Arrays on any backend: which namespace and device an array has, backends by name, and
moving arrays between them.

Every core module asks :func:`namespace` for the array namespace of its inputs (through
array_api_compat), so the same code runs on numpy arrays, ``array_api_strict`` arrays, torch
tensors (CPU or CUDA) and CuPy arrays.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import array_api_compat
import numpy as np

# The device and library names, and resolve_backend (names only, nothing imported), live in
# the floor table config.py, which TrainConfig validates with; re-exported here.
from ..config import DEVICES as DEVICES
from ..config import LIBRARIES as LIBRARIES
from ..config import resolve_backend as resolve_backend

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
    if xp is not None:
        for a in arrays:  # a plain loop: several calls a layer, every step
            if type(a) is not kind:
                break
        else:
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


# --------------------------------------------------------------------------- small helpers
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


def copy(a: Array) -> Array:
    if isinstance(a, np.ndarray):
        return a.copy()
    xp = namespace(a)
    return xp.asarray(a, copy=True)


def float_dtype_name(x: Array) -> str:
    return str(to_numpy_dtype(x.dtype))


def prod(shape: tuple[int, ...]) -> int:
    return math.prod(shape)
