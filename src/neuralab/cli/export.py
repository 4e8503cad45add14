"""``neuralab export``: a run's model as ONNX, TorchScript or the plain safetensors weights
(:mod:`neuralab.export`)."""

from __future__ import annotations

from pathlib import Path

import typer

from .errors import friendly_errors


@friendly_errors
def export(
    run_dir: Path = typer.Argument(..., help="A directory written by `neuralab train`."),
    to: str = typer.Option(..., "--to", help="onnx, torchscript or safetensors."),
    out: Path = typer.Option(None, help="The file to write.",
                             show_default="RUN_DIR/export/model.onnx (.pt, .safetensors)"),
    overwrite: bool = typer.Option(False, "--overwrite", help="Replace the file if it exists."),
) -> None:
    """Export a trained model for PyTorch, ONNX Runtime or TorchScript.

    Its input is the model's: rows after the run's features and standardization
    (preprocess.safetensors); its output, the scores (N, C). ONNX and TorchScript need the
    optional packages: pip install 'neuralab[export]' (and PyTorch).

    Example: neuralab export runs/digits-mlp-20260101-120000 --to onnx
    """
    import numpy as np

    from .. import export as ex
    from ..experiment import open_run

    if to not in ex.FORMATS:
        raise ValueError(f"--to {to!r} is not a format; choose one of: {', '.join(ex.FORMATS)}")
    ex.check_installed(to)  # before reading the run: the fix is an install
    path = out if out is not None else run_dir / "export" / f"model{ex.SUFFIXES[to]}"
    if path.is_dir():
        raise ValueError(f"out={str(path)!r} is a folder; name the file to write")
    if path.exists() and not overwrite:
        raise ValueError(f"out={str(path)!r} exists; replace it with --overwrite, or choose "
                         f"another --out")
    model = open_run(run_dir).model  # its checks: a run directory with a final model
    if out is None:
        path.parent.mkdir(exist_ok=True)
    ex.export(model, path, to)
    width = ex.input_width(model)
    n_scores = model.forward(np.zeros((2, width), dtype=np.float32)).shape[1]
    typer.echo(f"wrote {path} ({to}: input x (N, {width}), output scores (N, {n_scores}))")
