"""Save and load models as safetensors files that PyTorch loads as they are; export them.

File format (``format_version`` ``"2"``): one `safetensors <https://huggingface.co/docs/
safetensors>`_ file whose tensors are the ``state_dict()`` of the PyTorch module
:func:`to_torch` builds — the same names, shapes and order — so a PyTorch user loads it with::

    import safetensors.torch, torch.nn as nn
    module = nn.Sequential(nn.Linear(64, 100), nn.ReLU(), nn.Linear(100, 10))  # the architecture
    module.load_state_dict(safetensors.torch.load_file(path))  # strict: every name and shape

(``to_torch(load(path))`` builds that module from the file's architecture metadata.)

Keys are ``torch.nn.Sequential`` indices: one module per layer, layers without parameters
(activations, Dropout, Maxout, Flatten) included, so they shift the indices as in PyTorch.

=========  =========================================================================  =========
layer      tensors (H: the layer's width, D: its input width)                         ours
=========  =========================================================================  =========
Linear     ``i.weight`` (H, D) — our W (D, H) transposed —, ``i.bias`` (H,)            W.T, b
BatchNorm  ``i.weight`` (H,), ``i.bias`` (H,), ``i.running_mean`` (H,),                γ, β
           ``i.running_var`` (H,), ``i.num_batches_tracked`` (int64, 0-d: always 0,
           neuralab does not count batches; PyTorch reads it only when momentum=None)
=========  =========================================================================  =========

Its metadata (all strings):

==================  ==========================================================================
key                 value
==================  ==========================================================================
``neuralab``        ``json.dumps(model.get_config())`` — the architecture (the layer list)
``format_version``  ``"2"``
``dtype``           the weights' float dtype (``"float32"``; ``"float32,float64"`` if mixed)
``training``        ``"true"`` / ``"false"``: the mode the model was saved in
==================  ==========================================================================

Files of format ``"1"`` (neuralab's own names: Linear ``weight`` (D, H), BatchNorm ``gamma``,
``beta``; no ``num_batches_tracked``) still load: :func:`load` reads the version first.
Training checkpoints (:func:`write_arrays`) store the model the same way, under ``model/``;
their optimizer slots (``optim/...``) keep neuralab's shapes, as PyTorch's optimizers key their
state by number, not by name.

Nothing is pickled: loading a file never runs code from it.

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
from typing import TYPE_CHECKING, Any, NamedTuple

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
    "FORMAT_VERSION", "READABLE_VERSIONS", "atomic_write", "atomic_write_bytes",
    "atomic_write_text", "file_state", "from_torch_state_dict", "load", "read_arrays",
    "read_arrays_file", "save", "to_bytes", "to_torch", "torch_state_dict", "write_arrays",
]

FORMAT_VERSION = "2"
#: The versions :func:`load` reads: "1" is neuralab's own layout (W (D, H), gamma/beta).
READABLE_VERSIONS = ("1", "2")
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
    tensors = _host_arrays(torch_state_dict(model))
    metadata = {
        "neuralab": json.dumps(model.get_config()),
        "format_version": FORMAT_VERSION,
        "dtype": ",".join(sorted({str(t.dtype) for t in tensors.values()
                                  if np.issubdtype(t.dtype, np.floating)})),
        "training": "true" if (model.training if training is None else training) else "false",
    }
    clash = sorted(metadata.keys() & dict(extra_metadata or {}).keys())
    if clash:
        raise ValueError(f"extra_metadata may not replace the format's own keys: {clash}")
    metadata.update(extra_metadata or {})
    return tensors, metadata


def _host_arrays(arrays: Mapping[str, B.Array]) -> dict[str, np.ndarray]:
    """Named arrays (any backend) as C-contiguous numpy arrays, as safetensors writes them
    (``order="C"``, not ``np.ascontiguousarray``: a 0-d array stays 0-d)."""
    return {name: np.asarray(B.to_numpy(a), order="C") for name, a in arrays.items()}


def atomic_write(path: PathLike, write: Callable[[str], None]) -> Path:
    """Run ``write(tmp)`` on a fresh file beside ``path``, flush it to disk, rename it over:
    readers see the old file or the new one, never half of one. If ``write`` raises, the
    temporary file is removed and ``path`` is untouched. The file gets the user's normal
    permissions (the umask's), as ``open`` gives."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    # O_EXCL: never clobber someone else's file; mode 0o666 lets the umask decide, as open() does
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:  # from here on tmp is ours to remove, whatever interrupts (a Ctrl-C too)
        mode = os.fstat(fd).st_mode & 0o777  # the user's normal permissions (0o644, umask 022)
        os.close(fd)
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
    written atomically — the format of training checkpoints and preprocessing state. A
    checkpoint's model arrays are in the file layout (:func:`torch_state_dict`)."""
    path = Path(path)
    tensors = _host_arrays(arrays)
    metadata = {"neuralab_arrays": json.dumps(meta), "format_version": FORMAT_VERSION}
    atomic_write(path, lambda tmp: safetensors.numpy.save_file(tensors, tmp, metadata=metadata))
    return path


class ArraysFile(NamedTuple):
    """What :func:`read_arrays_file` reads: the arrays, the JSON metadata and the format
    version the file was written with (which says the layout of a checkpoint's model)."""

    arrays: dict[str, np.ndarray]
    meta: dict[str, Any]
    version: str


def read_arrays_file(path: PathLike) -> ArraysFile:
    """The arrays, metadata and format version of a file written by :func:`write_arrays`."""
    path = Path(path)
    if not path.is_file():
        raise ValueError(f"path={str(path)!r}: no such file")
    metadata, tensors = _read(path)
    if "neuralab_arrays" not in metadata:
        raise ValueError(f"{path} was not written by neuralab.io.write_arrays")
    version = _check_version(metadata, path)
    return ArraysFile(tensors, json.loads(metadata["neuralab_arrays"]), version)


def read_arrays(path: PathLike) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    """The arrays and metadata written by :func:`write_arrays`."""
    arrays, meta, _ = read_arrays_file(path)
    return arrays, meta


# --------------------------------------------------------------------------- the file layout
#: Our parameter and buffer names -> PyTorch's, per layer type; Linear's weight is transposed.
_TORCH_NAMES: dict[type[Layer], dict[str, str]] = {
    Linear: {"weight": "weight", "bias": "bias"},
    BatchNorm: {"gamma": "weight", "beta": "bias", "running_mean": "running_mean",
                "running_var": "running_var"},
}
_TRANSPOSED = {(Linear, "weight")}  # ours W (D, H), torch's weight (H, D)
#: Entries of PyTorch's state_dict that neuralab keeps no value for, per layer type ...
_TORCH_ONLY: dict[type[Layer], tuple[str, ...]] = {BatchNorm: ("num_batches_tracked",)}
#: ... and the constant each is written with (we count no batches: torch reads the count
#: only when momentum=None, which to_torch never sets).
_CONSTANTS: dict[str, Callable[[], np.ndarray]] = {
    "num_batches_tracked": lambda: np.zeros((), dtype=np.int64),
}


def _layout(layer: Layer, prefix: str = "") -> list[tuple[str | None, str, bool]]:
    """``(our name, torch name, transposed)`` for every entry of the file, in PyTorch's
    state_dict order; our name is None for the entries only PyTorch has."""
    if isinstance(layer, Sequential):
        return [entry for i, child in enumerate(layer) for entry in _layout(child, f"{prefix}{i}.")]
    kind = next((cls for cls in _TORCH_NAMES if isinstance(layer, cls)), None)
    if kind is None:  # no parameters (activations, Dropout ...), or ones named as in torch
        return [(prefix + name, prefix + name, False)
                for name in (*layer.named_params(), *layer.named_buffers())]
    names = _TORCH_NAMES[kind]
    entries: list[tuple[str | None, str, bool]] = [
        (prefix + ours, prefix + names.get(ours, ours), (kind, ours) in _TRANSPOSED)
        for ours in (*layer.named_params(), *layer.named_buffers())
    ]
    return entries + [(None, prefix + name, False) for name in _TORCH_ONLY.get(kind, ())]


def torch_state_dict(model: Sequential) -> dict[str, B.Array]:
    """``model``'s state under the names and shapes of ``to_torch(model).state_dict()``.

    Linear: ``weight`` (H, D) = our W.T, ``bias`` (H,); BatchNorm: ``weight`` = γ, ``bias``
    = β, ``running_mean``, ``running_var`` (H,), ``num_batches_tracked`` (int64, 0-d, 0).
    Arrays stay on the model's backend (a transposed weight is a view); the constants are
    numpy. This is the layout of every weight file neuralab writes.
    """
    if not isinstance(model, Sequential):
        raise TypeError(f"model must be a neuralab Sequential, got {type(model).__name__}")
    state = model.state_dict()
    out: dict[str, B.Array] = {}
    for ours, theirs, transposed in _layout(model):
        if ours is None:
            out[theirs] = _CONSTANTS[theirs.rpartition(".")[2]]()
        else:
            out[theirs] = state[ours].T if transposed else state[ours]
    return out


def from_torch_state_dict(model: Sequential, state: Mapping[str, Any]) -> dict[str, Any]:
    """The inverse of :func:`torch_state_dict`: ``state`` (PyTorch's names and shapes, e.g.
    ``torch_module.state_dict()`` or a weight file's tensors) under ``model``'s own names and
    shapes, ready for ``model.load_state_dict``. The PyTorch-only entries
    (``num_batches_tracked``) may be absent; they are dropped.

    Raises
    ------
    ValueError
        Naming the missing, unexpected or misshapen entries in PyTorch's terms.
    """
    layout = _layout(model)
    expected = {theirs for _, theirs, _ in layout}
    required = {theirs for ours, theirs, _ in layout if ours is not None}
    missing, extra = sorted(required - set(state)), sorted(set(state) - expected)
    if missing or extra:
        raise ValueError(f"the weights do not fit the model: missing {missing}, unexpected "
                         f"{extra}")
    ours_state = model.state_dict()
    out: dict[str, Any] = {}
    for ours, theirs, transposed in layout:
        if ours is None:
            continue
        value, like = state[theirs], ours_state[ours]
        need = tuple(like.shape)[::-1] if transposed else tuple(like.shape)
        if tuple(value.shape) != need:
            raise ValueError(f"state[{theirs!r}] has shape {tuple(value.shape)}, the model needs "
                             f"{need}")
        # a file's numpy arrays: transposed into a C-ordered copy, as the model's own are
        out[ours] = (np.ascontiguousarray(value.T) if isinstance(value, np.ndarray)
                     else value.T) if transposed else value
    return out


def file_state(model: Sequential, tensors: Mapping[str, Any], version: str) -> dict[str, Any]:
    """A file's model tensors under ``model``'s own names, whichever layout ``version`` says
    they are in: ``"1"`` (ours, as they are) or ``"2"`` (PyTorch's, :func:`torch_state_dict`)."""
    if version == "1":
        return dict(tensors)
    return from_torch_state_dict(model, tensors)


def _check_version(metadata: dict[str, str], path: Path) -> str:
    """The file's ``format_version``, after checking that this neuralab reads it."""
    version = metadata.get("format_version")
    if version not in READABLE_VERSIONS:
        raise ValueError(
            f"{path}: format_version={version!r} is not supported; this neuralab reads "
            f"format_version {' and '.join(map(repr, READABLE_VERSIONS))}"
        )
    return str(version)


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
        holds arrays whose names or shapes do not fit the architecture. Files of format
        ``"1"`` (neuralab's own layout) load as well.
    """
    target = B.get_backend(backend)  # a bad backend name fails before any reading
    path = Path(path)
    if not path.is_file():
        raise ValueError(f"path={str(path)!r}: no such file")
    metadata, tensors = _read(path)
    config = _parse_metadata(metadata, path)
    model = _build(config, B.make_rng(seed), path)
    try:
        state = file_state(model, tensors, metadata["format_version"])
        _match_dtypes(model, state)
        model.load_state_dict(state)
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
    _check_version(metadata, path)
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

    Modules get the dtype of our arrays and, for torch-backed models, their device. The
    weights go in through :func:`torch_state_dict`, the layout of neuralab's weight files, so
    ``module.load_state_dict(safetensors.torch.load_file(path))`` loads a saved model into it.

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
    module = _convert(model, torch)
    # the weights through the file layout: one mapping for files and modules, checked here
    # (strict) against the modules just built
    module.load_state_dict({name: _tensor(value, torch)
                            for name, value in torch_state_dict(model).items()})
    return module


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


def _dtype_device(x: B.Array, torch: Any) -> dict[str, Any]:
    """The torch dtype and device of our array ``x`` (numpy and cupy arrays: on the CPU)."""
    like = _tensor(x[:1], torch)
    return {"dtype": like.dtype, "device": like.device}


def _linear(layer: Linear, torch: Any) -> torch.nn.Module:
    # torch stores weight (H, D) and computes x @ weight.T + bias; to_torch copies the weights
    return torch.nn.Linear(layer.in_features, layer.out_features,
                           **_dtype_device(layer.weight.value, torch))


def _batchnorm(layer: BatchNorm, torch: Any) -> torch.nn.Module:
    return torch.nn.BatchNorm1d(layer.num_features, eps=layer.eps,
                                momentum=1.0 - layer.momentum,
                                **_dtype_device(layer.gamma.value, torch))


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
