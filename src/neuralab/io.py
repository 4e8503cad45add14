"""Save and load models as safetensors files; export them to PyTorch.

File format (``format_version`` ``"1"``): one `safetensors <https://huggingface.co/docs/
safetensors>`_ file. Its tensors are ``model.state_dict()`` under their dotted names
(``"1.weight"``, ``"2.running_mean"`` ...), each in its own dtype; its metadata (all strings):

==================  ==========================================================================
key                 value
==================  ==========================================================================
``neuralab``        ``json.dumps(model.get_config())`` — the architecture
``format_version``  ``"1"``
``dtype``           the state's float dtype (``"float32"``; ``"float32,float64"`` if mixed)
``training``        ``"true"`` / ``"false"``: the mode the model was saved in
==================  ==========================================================================

Nothing is pickled: loading a file never runs code from it. The file can be read by any
safetensors reader (``safetensors.torch.load_file`` included).

Examples
--------
>>> from neuralab import io
>>> io.save(model, "model.safetensors")                       # doctest: +SKIP
>>> data = io.to_bytes(model)                                  # doctest: +SKIP
>>> model = io.load("model.safetensors", backend="torch")     # doctest: +SKIP
>>> torch_model = io.to_torch(model)                          # doctest: +SKIP
"""

from __future__ import annotations

import functools
import inspect
import json
import os
import secrets
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import safetensors.numpy
from safetensors import SafetensorError, safe_open

from . import backend as B
from .nn import (
    ELU,
    LAYERS,
    BatchNorm,
    Dropout,
    Flatten,
    Identity,
    Layer,
    LeakyReLU,
    Linear,
    Maxout,
    ReLU,
    Sequential,
    Sigmoid,
    Tanh,
)

if TYPE_CHECKING:  # torch is imported inside to_torch only: `import neuralab.io` stays light
    import torch

__all__ = [
    "FORMAT_VERSION", "atomic_write", "atomic_write_bytes", "atomic_write_text", "load",
    "read_arrays", "save", "to_bytes", "to_torch", "write_arrays",
]

FORMAT_VERSION = "1"
PathLike = str | os.PathLike[str]


# --------------------------------------------------------------------------- save
def save(model: Sequential, path: PathLike) -> Path:
    """Write ``model``'s architecture and weights to ``path`` (a safetensors file).

    The write is atomic: the file is built under a temporary name in the same directory and
    then renamed over ``path``, so a crash never leaves a half-written model behind.

    Parameters
    ----------
    model : Sequential
        The model, on any backend; its arrays are copied to the host with
        :func:`neuralab.backend.to_numpy`.
    path : str or os.PathLike
        Destination; an existing file is replaced. ``.safetensors`` is the usual suffix.

    Returns
    -------
    Path
        The path written.

    Raises
    ------
    TypeError
        If ``model`` is not a :class:`~neuralab.nn.Sequential`.
    ValueError
        If the directory of ``path`` does not exist.
    """
    tensors, metadata = _model_file(model)
    path = Path(path)
    if not path.parent.is_dir():
        raise ValueError(f"path={str(path)!r}: directory {str(path.parent)!r} does not exist")
    atomic_write(path, lambda tmp: safetensors.numpy.save_file(tensors, tmp, metadata=metadata))
    return path


def to_bytes(model: Sequential, *, training: bool | None = None,
             extra_metadata: Mapping[str, str] | None = None) -> bytes:
    """The content of the file :func:`save` writes, as bytes (for a download, a message ...).

    Parameters
    ----------
    model : Sequential
        The model, on any backend.
    training : bool, optional
        The mode to record (and :func:`load` to restore); default: the model's own.
    extra_metadata : mapping of str to str, optional
        More metadata entries, after the format's own (which they may not replace).

    Raises
    ------
    TypeError
        If ``model`` is not a :class:`~neuralab.nn.Sequential`.
    ValueError
        If ``extra_metadata`` names one of the format's own keys.
    """
    tensors, metadata = _model_file(model, training, extra_metadata)
    return safetensors.numpy.save(tensors, metadata=metadata)


def _model_file(model: Sequential, training: bool | None = None,
                extra_metadata: Mapping[str, str] | None = None,
                ) -> tuple[dict[str, np.ndarray], dict[str, str]]:
    """The tensors and the metadata of a model file (the format in the module docstring)."""
    if not isinstance(model, Sequential):
        raise TypeError(
            f"model must be a neuralab Sequential, got {type(model).__name__}; "
            f"wrap a single layer as Sequential(layer)"
        )
    tensors = _host_arrays(model.state_dict())
    metadata = {
        "neuralab": json.dumps(model.get_config()),
        "format_version": FORMAT_VERSION,
        "dtype": ",".join(sorted({str(t.dtype) for t in tensors.values()})),
        "training": "true" if (model.training if training is None else training) else "false",
    }
    clash = sorted(metadata.keys() & dict(extra_metadata or {}).keys())
    if clash:
        raise ValueError(f"extra_metadata may not replace the format's own keys: {clash}")
    metadata.update(extra_metadata or {})
    return tensors, metadata


def _host_arrays(arrays: Mapping[str, B.Array]) -> dict[str, np.ndarray]:
    """Named arrays (any backend) as C-contiguous numpy arrays, as safetensors writes them."""
    return {name: np.ascontiguousarray(B.to_numpy(a)) for name, a in arrays.items()}


def atomic_write(path: PathLike, write: Callable[[str], None]) -> Path:
    """Run ``write(tmp)`` on a fresh file beside ``path``, flush it to disk, rename it over:
    readers see the old file or the new one, never half of one. If ``write`` raises, the
    temporary file is removed and ``path`` is untouched. The file gets the user's normal
    permissions (the umask's), as ``open`` gives."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    # O_EXCL: never clobber someone else's file; mode 0o666 lets the umask decide, as open() does
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    mode = os.fstat(fd).st_mode & 0o777  # the user's normal permissions (0o644 under umask 022)
    os.close(fd)
    try:
        write(str(tmp))
        # safetensors replaces the file with one of mode 0o600: give back the umask's mode
        os.chmod(tmp, mode)
        with open(tmp, "rb+") as f:  # the rename must not overtake the data on a power cut
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


def atomic_write_bytes(path: PathLike, data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically (temp file beside it, fsync, rename)."""
    path = Path(path)

    def write(tmp: str) -> None:
        with open(tmp, "wb") as f:
            f.write(data)

    atomic_write(path, write)
    return path


def atomic_write_text(path: PathLike, text: str) -> Path:
    """Write UTF-8 ``text`` to ``path`` atomically."""
    return atomic_write_bytes(path, text.encode("utf-8"))


def write_arrays(path: PathLike, arrays: dict[str, B.Array], meta: dict[str, Any]) -> Path:
    """Named arrays (any backend) plus JSON-serializable ``meta`` as one safetensors file,
    written atomically — the format of training checkpoints and preprocessing state."""
    path = Path(path)
    tensors = _host_arrays(arrays)
    metadata = {"neuralab_arrays": json.dumps(meta), "format_version": FORMAT_VERSION}
    atomic_write(path, lambda tmp: safetensors.numpy.save_file(tensors, tmp, metadata=metadata))
    return path


def read_arrays(path: PathLike) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    """The arrays and metadata written by :func:`write_arrays`."""
    path = Path(path)
    if not path.is_file():
        raise ValueError(f"path={str(path)!r}: no such file")
    metadata, tensors = _read(path)
    if "neuralab_arrays" not in metadata:
        raise ValueError(f"{path} was not written by neuralab.io.write_arrays")
    return tensors, json.loads(metadata["neuralab_arrays"])


# --------------------------------------------------------------------------- load
def load(path: PathLike, backend: str = "numpy", *, seed: int | B.Generator | None = None,
         ) -> Sequential:
    """Rebuild a model written by :func:`save`, with its weights, buffers, dtype and mode.

    Parameters
    ----------
    path : str or os.PathLike
        A file written by :func:`save`.
    backend : str
        Where to put the model: ``"numpy"`` (default), ``"torch"``, ``"torch:cuda"`` ...
        (see :func:`neuralab.backend.get_backend`).
    seed : int or numpy Generator, optional
        Source of the Dropout layers' masks (they are random state, not saved).

    Returns
    -------
    Sequential
        In the mode (train/eval) it was saved in.

    Raises
    ------
    ValueError
        If the file is missing, is not a neuralab model file, names an unknown layer type, or
        holds arrays whose names or shapes do not fit the architecture.
    """
    target = B.get_backend(backend)  # a bad backend name fails before any reading
    path = Path(path)
    if not path.is_file():
        raise ValueError(f"path={str(path)!r}: no such file")
    metadata, tensors = _read(path)
    config = _parse_metadata(metadata, path)
    model = _build(config, B.make_rng(seed), path)
    _match_dtypes(model, tensors)
    try:
        model.load_state_dict(tensors)
    except ValueError as err:
        raise ValueError(f"{path}: {err}") from None
    model.train(metadata.get("training", "false") == "true")
    return model.to(target)


def _read(path: Path) -> tuple[dict[str, str], dict[str, np.ndarray]]:
    """The metadata and the tensors of a safetensors file."""
    try:
        with safe_open(str(path), framework="numpy") as f:
            metadata = f.metadata() or {}
            tensors = {name: f.get_tensor(name) for name in f.keys()}
    except SafetensorError as err:
        raise ValueError(f"{path} is not a neuralab model file (not safetensors: {err})") from None
    return metadata, tensors


def _parse_metadata(metadata: dict[str, str], path: Path) -> dict[str, Any]:
    """The model config stored in ``metadata``, after checking the format."""
    if "neuralab" not in metadata:
        raise ValueError(
            f"{path} is not a neuralab model file: its metadata has no 'neuralab' entry "
            f"(write models with neuralab.io.save)"
        )
    version = metadata.get("format_version")
    if version != FORMAT_VERSION:
        raise ValueError(
            f"{path}: format_version={version!r} is not supported; this neuralab reads "
            f"format_version={FORMAT_VERSION!r}"
        )
    try:
        config = json.loads(metadata["neuralab"])
    except json.JSONDecodeError as err:
        raise ValueError(f"{path}: the 'neuralab' metadata is not valid JSON ({err})") from None
    if not isinstance(config, dict) or config.get("type") != "Sequential":
        raise ValueError(f"{path}: the stored config is not a Sequential model: {config!r:.200}")
    return config


def _build(config: Any, rng: B.Generator, path: Path) -> Layer:
    """A fresh layer (or nested Sequential) from its ``get_config()`` dict."""
    if not isinstance(config, dict) or not isinstance(config.get("type"), str):
        raise ValueError(f"{path}: a layer config must be a dict with a 'type', got {config!r}")
    kind = config["type"]
    kwargs = {k: v for k, v in config.items() if k != "type"}
    if kind == "Sequential":
        return Sequential(*(_build(c, rng, path) for c in kwargs.get("layers", [])))
    cls = LAYERS.get(kind)
    if cls is None:
        known = ", ".join(sorted(LAYERS))
        raise ValueError(f"{path}: unknown layer type {kind!r}; known types: {known}")
    # Linear's initial weights are overwritten by the file; the generator matters for Dropout
    if "rng" in inspect.signature(cls).parameters:
        kwargs["rng"] = rng
    try:
        return cls(**kwargs)
    except TypeError as err:
        raise ValueError(f"{path}: layer config {config!r} does not fit {kind}: {err}") from None


def _match_dtypes(model: Sequential, tensors: dict[str, np.ndarray]) -> None:
    """Cast the fresh model's arrays to the file's dtypes (load_state_dict keeps the model's)."""
    params, buffers = model.named_params(), model.named_buffers()
    for name, arr in tensors.items():
        if name in params:
            params[name].value = params[name].value.astype(arr.dtype, copy=False)
        elif name in buffers:
            model.set_buffer(name, buffers[name].astype(arr.dtype, copy=False))


# --------------------------------------------------------------------------- to_torch
def to_torch(model: Sequential) -> torch.nn.Sequential:
    """The equivalent ``torch.nn.Sequential``, with copies of the weights and the same modes.

    ==============  ========================================================================
    neuralab        PyTorch
    ==============  ========================================================================
    Linear          ``nn.Linear`` with ``weight = W.T`` (ours computes ``x @ W + b``, W (D, H))
    BatchNorm       ``nn.BatchNorm1d(momentum=1 - momentum)`` (ours weighs the OLD value),
                    ``weight = γ``, ``bias = β``, running mean/var copied
    Dropout         ``nn.Dropout(p)`` (both drop with probability ``p``)
    LeakyReLU, ELU  ``nn.LeakyReLU(negative_slope=alpha)``, ``nn.ELU(alpha)``
    Maxout          ``neuralab.io.TorchMaxout(k)``: max over groups of k consecutive units
    Sigmoid, Tanh,  ``nn.Sigmoid``, ``nn.Tanh``, ``nn.ReLU``, ``nn.Identity``, ``nn.Flatten``
    ReLU, Identity,
    Flatten
    ==============  ========================================================================

    Modules get the dtype of our arrays and, for torch-backed models, their device.

    Raises
    ------
    TypeError
        If ``model`` is not a :class:`~neuralab.nn.Sequential`.
    ValueError
        If PyTorch is not installed or a layer has no PyTorch equivalent.
    """
    if not isinstance(model, Sequential):
        raise TypeError(f"model must be a neuralab Sequential, got {type(model).__name__}")
    try:
        import torch
    except ImportError as err:
        raise ValueError("to_torch needs PyTorch: pip install torch") from err
    return _convert(model, torch)


def _convert(layer: Layer, torch: Any) -> torch.nn.Module:
    """One of our layers as a torch module, in the same train/eval mode."""
    if isinstance(layer, Sequential):
        module = torch.nn.Sequential(*(_convert(child, torch) for child in layer))
        module.training = layer.training  # not .train(): children keep their own modes
        return module
    make = _CONVERTERS.get(type(layer))  # exact type: a subclass may compute something else
    if make is None:
        raise ValueError(f"to_torch: layer {type(layer).__name__} has no PyTorch equivalent")
    return make(layer, torch).train(layer.training)


def _tensor(x: B.Array, torch: Any) -> torch.Tensor:
    """A torch copy of ``x``: torch tensors keep their device, others go through numpy."""
    if isinstance(x, torch.Tensor):
        return x.detach().clone()
    return torch.from_numpy(np.array(B.to_numpy(x), copy=True))


def _linear(layer: Linear, torch: Any) -> torch.nn.Module:
    w, b = _tensor(layer.weight.value, torch), _tensor(layer.bias.value, torch)
    module = torch.nn.Linear(layer.in_features, layer.out_features, dtype=w.dtype, device=w.device)
    with torch.no_grad():
        module.weight.copy_(w.T)  # torch stores (H, D) and computes x @ weight.T + bias
        module.bias.copy_(b)
    return module


def _batchnorm(layer: BatchNorm, torch: Any) -> torch.nn.Module:
    gamma = _tensor(layer.gamma.value, torch)
    module = torch.nn.BatchNorm1d(
        layer.num_features, eps=layer.eps, momentum=1.0 - layer.momentum,
        dtype=gamma.dtype, device=gamma.device,
    )
    with torch.no_grad():
        module.weight.copy_(gamma)
        module.bias.copy_(_tensor(layer.beta.value, torch))
        module.running_mean.copy_(_tensor(layer.running_mean, torch))
        module.running_var.copy_(_tensor(layer.running_var, torch))
    return module


@functools.cache
def _torch_maxout_class() -> type:
    """``TorchMaxout``, created on first use so that torch is imported only when needed."""
    import torch

    class TorchMaxout(torch.nn.Module):
        """neuralab's Maxout in torch: (N, H·k) -> (N, H), max over k consecutive units."""

        def __init__(self, k: int) -> None:
            super().__init__()
            self.k = k

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return x.reshape(x.shape[0], -1, self.k).amax(dim=-1)

        def extra_repr(self) -> str:
            return f"k={self.k}"

    # a module-level name (served by __getattr__ below) lets torch.save pickle the module
    TorchMaxout.__module__, TorchMaxout.__qualname__ = __name__, "TorchMaxout"
    return TorchMaxout


def __getattr__(name: str) -> Any:
    if name == "TorchMaxout":
        return _torch_maxout_class()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


_CONVERTERS: dict[type[Layer], Callable[[Any, Any], Any]] = {
    Linear: _linear,
    BatchNorm: _batchnorm,
    Dropout: lambda layer, torch: torch.nn.Dropout(layer.p),
    Flatten: lambda layer, torch: torch.nn.Flatten(),
    Sigmoid: lambda layer, torch: torch.nn.Sigmoid(),
    Tanh: lambda layer, torch: torch.nn.Tanh(),
    ReLU: lambda layer, torch: torch.nn.ReLU(),
    Identity: lambda layer, torch: torch.nn.Identity(),
    LeakyReLU: lambda layer, torch: torch.nn.LeakyReLU(negative_slope=layer.alpha),
    ELU: lambda layer, torch: torch.nn.ELU(alpha=layer.alpha),
    Maxout: lambda layer, torch: _torch_maxout_class()(layer.k),
}
