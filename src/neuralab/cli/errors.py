"""How the commands fail: ``friendly_errors`` turns the library's errors into one red line on
stderr (exit status 2; a diverged run, status 1) instead of a traceback, ``fail`` prints that
line, and the data loaders' notices print as one yellow line each."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from typing import Any, TypeVar

import typer

F = TypeVar("F", bound=Callable[..., Any])


def _stderr() -> Any:
    from rich.console import Console

    return Console(stderr=True)


def fail(message: str, status: int = 2) -> None:
    """Print ``error: message`` in red on stderr and exit with ``status``."""
    _stderr().print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True)
    raise typer.Exit(status)


def friendly_errors(func: F) -> F:
    """Turn the library's ValueError/TypeError/FileNotFoundError into one red line, status 2;
    a diverged run into one line, status 1. Never a traceback for a user mistake."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        import warnings

        from ..train import TrainingDiverged

        try:
            with warnings.catch_warnings():
                _show_notices()
                return func(*args, **kwargs)
        except TrainingDiverged as err:
            fail(str(err), status=1)
        except (ValueError, TypeError, FileNotFoundError) as err:
            fail(str(err).splitlines()[0] if str(err) else type(err).__name__)

    return wrapper  # type: ignore[return-value]


def _show_notices() -> None:
    """Print the data loaders' one-line notices (e.g. "split the 10k test images ...")."""
    import warnings

    from ..data import DatasetNotice

    console = _stderr()

    def show(message: Any, category: type, *rest: Any, **kw: Any) -> None:
        if issubclass(category, DatasetNotice):
            console.print(f"[yellow]note:[/] {message}", highlight=False)
        else:
            sys.stderr.write(warnings.formatwarning(message, category, *rest[:2]))

    warnings.simplefilter("always", DatasetNotice)
    warnings.showwarning = show
