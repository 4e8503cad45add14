"""The ``neuralab`` command (``python -m neuralab`` works too)."""

from __future__ import annotations

import typer

from . import __version__

app = typer.Typer(
    help="neuralab: the classical core of deep learning — losses, regularization, networks.",
    no_args_is_help=True,
    add_completion=False,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"neuralab {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                 help="Print the version and exit."),
) -> None:
    """neuralab command line."""


@app.command()
def demo(
    epochs: int = typer.Option(200, min=1, help="Passes over the 300 spiral points."),
    seed: int = typer.Option(0, help="Seed for data, weights and shuffling."),
) -> None:
    """Train a 2-layer ReLU net on the 3-class spiral and print loss and accuracy.

    Example: neuralab demo --epochs 100
    """
    from .demo import run

    acc = run(epochs=epochs, seed=seed, report=typer.echo)
    typer.echo(f"final train accuracy: {acc:.3f} (a linear classifier manages about 0.5)")


def main() -> None:
    app()


if __name__ == "__main__":
    main()
