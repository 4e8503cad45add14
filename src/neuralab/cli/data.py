"""``neuralab data list / info / download``: the datasets of :mod:`neuralab.data`."""

from __future__ import annotations

from pathlib import Path

import typer

from .errors import friendly_errors, verbatim


def data_list() -> None:
    """Every dataset neuralab knows, and whether it needs files."""
    from rich.console import Console
    from rich.table import Table

    from .. import data

    table = Table()
    for col in ("name", "task", "files", "description"):
        table.add_column(col)
    for info in data.list_datasets():
        files = "built in" if not info.needs_files else (
            "download" if info.downloadable else "--root")
        table.add_row(info.name, info.task, files, info.description)
    Console().print(table)


@friendly_errors
def data_info(
    name: str = typer.Argument(..., help="Dataset name."),
    root: Path = typer.Option(None, help="Folder holding the dataset's files."),
) -> None:
    """Load a dataset and describe it: splits, shapes, classes.

    Example: neuralab data info cifar10 --root ../shared/data/cifar10
    """
    import warnings

    from .. import data

    with warnings.catch_warnings():  # the summary lists the loader's notes itself
        warnings.simplefilter("ignore", data.DatasetNotice)
        ds = data.load(name, root=root)
    typer.echo(ds.summary())


@friendly_errors
def data_download(
    name: str = typer.Argument(..., help="mnist, fashion-mnist or cifar10."),
    root: Path = typer.Option(None, help=verbatim("Where to put the files [default: the cache "
                                               "folder].")),
    base_url: str = typer.Option(None, help="Fetch the files from this URL instead of the "
                                 "official one (a mirror): each file's name is appended."),
) -> None:
    """Fetch a dataset's official archives, verify their checksums and unpack them.

    Example: neuralab data download fashion-mnist
    """
    from .. import data

    typer.echo(f"{name}: files in {data.download(name, root, base_url=base_url)}")
