"""Export a model for other runtimes: ONNX, TorchScript or the plain safetensors weight file.

All three start from :func:`neuralab.io.to_torch` in eval mode (dropout off, batch norm on its
running statistics), so they compute the scores neuralab's ``predict`` does:

===============  ================================================================  ===============
``to``           what is written                                                    needs
===============  ================================================================  ===============
``onnx``         ``torch.onnx.export`` (the ``torch.export`` exporter) of the       torch, onnx,
                 module: input ``x`` (N, D), output ``scores`` (N, C), N dynamic    onnxscript
``torchscript``  ``torch.jit.script`` of the module, saved by ``torch.jit.save``    torch
``safetensors``  :func:`neuralab.io.save` in eval mode: the ``state_dict`` of the    —
                 module, loadable with ``module.load_state_dict(load_file(path))``
===============  ================================================================  ===============

The input is the model's: a run's rows after its features and standardization
(``preprocess.safetensors``), not raw pixels. Every file is written atomically
(:func:`neuralab.io.atomic_write`). torch and onnx are optional: ``pip install
'neuralab[export]'`` (onnx, onnxruntime, onnxscript) and PyTorch (``make torch``).
"""

from __future__ import annotations

import contextlib
import importlib.util
import logging
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from . import io
from .nn import BatchNorm, Flatten, Linear, Sequential

__all__ = ["FORMATS", "SUFFIXES", "check_installed", "export", "input_width", "missing_packages"]

FORMATS = ("onnx", "torchscript", "safetensors")
#: The usual file name ending of each format (``neuralab export`` names its file with it).
SUFFIXES = {"onnx": ".onnx", "torchscript": ".pt", "safetensors": ".safetensors"}
#: The packages each format imports.
NEEDS = {"onnx": ("torch", "onnx", "onnxscript"), "torchscript": ("torch",), "safetensors": ()}
INSTALL = "pip install 'neuralab[export]'"


def missing_packages(to: str) -> list[str]:
    """The packages ``to`` needs that are not installed (found without importing them)."""
    _check_format(to)
    return [name for name in NEEDS[to] if importlib.util.find_spec(name) is None]


def check_installed(to: str) -> None:
    """Raise a ValueError saying what to install when ``to`` needs a missing package."""
    missing = missing_packages(to)
    if missing:
        raise ValueError(f"export to {to} needs {', '.join(missing)}: {INSTALL}"
                         + (" and PyTorch (pip install torch)" if "torch" in missing else ""))


def export(model: Sequential, path: str | Path, to: str) -> Path:
    """Write ``model`` (eval mode; the model itself is not changed) to ``path`` as ``to``.

    Parameters
    ----------
    model : Sequential
        A model whose first layer with weights is a Linear or a BatchNorm (its input width D
        is then known); a Flatten in front of it is not supported (the image shape is not).
    path : str or os.PathLike
        The file to write; an existing file is replaced (atomically).
    to : {"onnx", "torchscript", "safetensors"}

    Raises
    ------
    ValueError
        For an unknown format, a model whose input width is unknown, or a missing package
        (the message says what to install).
    """
    check_installed(to)
    path = Path(path)
    if not path.parent.is_dir():
        raise ValueError(f"path={str(path)!r}: directory {str(path.parent)!r} does not exist")
    if to == "safetensors":
        return io.atomic_write_bytes(path, io.to_bytes(model, training=False))
    import torch

    module = io.to_torch(model).eval()
    if to == "torchscript":
        with _quiet():  # torch.jit is deprecated in favour of torch.export, but still works
            scripted = torch.jit.script(module)
            io.atomic_write(path, lambda tmp: torch.jit.save(scripted, tmp))
        return path
    weight = next(module.parameters())  # the example input's dtype and device
    # batch 2: torch.export would take a batch of 1 for a constant
    x = torch.zeros(2, input_width(model), dtype=weight.dtype, device=weight.device)
    with _quiet():
        program = torch.onnx.export(
            module, (x,), None, dynamo=True, verbose=False, input_names=["x"],
            output_names=["scores"],
            dynamic_shapes=({0: torch.export.Dim("N")},),  # any batch size
        )
    io.atomic_write(path, lambda tmp: program.save(tmp))
    return path


def _check_format(to: str) -> None:
    if to not in FORMATS:
        raise ValueError(f"to={to!r} is not a format; choose one of: {', '.join(FORMATS)}")


def input_width(model: Sequential) -> int:
    """D: the input width of the first layer with weights."""
    for layer in _leaves(model):
        if isinstance(layer, Flatten):
            break
        if isinstance(layer, Linear):
            return layer.in_features
        if isinstance(layer, BatchNorm):
            return layer.num_features
    raise ValueError("export: the model's input width is unknown (it must start with a Linear "
                     "or BatchNorm layer, not a Flatten)")


def _leaves(layer: Any) -> Iterator[Any]:
    if isinstance(layer, Sequential):
        for child in layer:
            yield from _leaves(child)
    else:
        yield layer


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    """Silence the exporters' warnings and log lines (deprecations, torchvision not installed):
    the command prints one line of its own."""
    logger = logging.getLogger("torch.onnx")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        logger.setLevel(level)
