"""How the commands fail: ``friendly_errors`` turns the library's errors into one red line on
stderr (exit status 2; a diverged run, status 1) instead of a traceback, ``fail`` prints that
line, ``OneLineErrors`` does the same for the command-line parser's own errors (a missing
argument, a value out of an option's range), and the data loaders' notices print as one yellow
line each. Every user value is escaped before Rich prints it, so ``/data/[mnist]`` stays
``/data/[mnist]``; ``verbatim`` does the same for help text."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from typing import Any, TypeVar

import typer
from typer.core import TyperGroup

F = TypeVar("F", bound=Callable[..., Any])


def _stderr() -> Any:
    from rich.console import Console

    return Console(stderr=True)


def _escape(text: str) -> str:
    from rich.markup import escape

    return escape(text)


def verbatim(text: str) -> str:
    """``text`` as Typer's rich help shows it unchanged: ``[default: ...]`` is not taken for a
    style tag, nor ``START:END:STEP`` for the ``:end:`` emoji (an empty style span after each
    colon splits such codes; rich replaces emoji codes only within one run of plain text)."""
    escaped = _escape(text)
    return escaped.replace(":", ":[r][/r]") if escaped.count(":") > 1 else escaped


def unverbatim(text: str) -> str:
    """The text :func:`verbatim` was given back (for help rendered without Rich, e.g. the
    documentation's CLI reference)."""
    return text.replace(":[r][/r]", ":").replace("\\[", "[")


def fail(message: str, status: int = 2) -> None:
    """Print ``error: message`` in red on stderr (the message verbatim, never read as markup)
    and exit with ``status``."""
    _stderr().print(f"[bold red]error:[/] {_escape(message)}", highlight=False, soft_wrap=True,
                    emoji=False)
    raise typer.Exit(status)


def _message(err: BaseException) -> str:
    """One line saying what went wrong; an OSError names its file (``out: File exists``)."""
    if isinstance(err, OSError) and err.filename is not None and err.strerror:
        return f"{err.filename}: {err.strerror}"
    text = str(err).strip()
    return text.splitlines()[0] if text else type(err).__name__


def friendly_errors(func: F) -> F:
    """Turn the library's ValueError/TypeError and OSError (a missing or unreadable file, a
    failed download) into one red line, status 2; a diverged run into one line, status 1.
    Never a traceback for a user mistake."""

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
        except BrokenPipeError:
            raise  # `neuralab data list | head`: Typer leaves quietly, as for any command
        except (ValueError, TypeError, OSError) as err:
            fail(_message(err))

    return wrapper  # type: ignore[return-value]


class OneLineErrors(TyperGroup):
    """The app's group: the parser's own errors (a missing argument, an unknown option, a value
    out of an option's range) are one red line and status 2 as well, instead of a usage panel;
    the line says which ``--help`` to read."""

    def main(self, args: Any = None, prog_name: str | None = None,
             complete_var: str | None = None, standalone_mode: bool = True, **extra: Any) -> Any:
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, standalone_mode, **extra)
        try:
            status = super().main(args, prog_name, complete_var, False, **extra)
        except _parser_errors("ClickException") as err:
            if type(err).__name__ == "NoArgsIsHelpError":  # `neuralab data`: its help shown
                sys.exit(err.exit_code)
            ctx = getattr(err, "ctx", None)
            hint = f" (see `{ctx.command_path} --help`)" if ctx is not None else ""
            try:
                fail(err.format_message().strip().replace("\n", " ") + hint, err.exit_code)
            except typer.Exit as done:
                sys.exit(done.exit_code)
        except _parser_errors("Abort"):
            sys.exit(1)
        sys.exit(status if isinstance(status, int) else 0)


def _parser_errors(name: str) -> tuple[type[BaseException], ...]:
    """The exception class ``name`` of the parser Typer runs on: its own copy of click (Typer
    0.22 and later) and click itself, where each is importable."""
    import importlib

    found = []
    for module in ("typer._click.exceptions", "typer.exceptions", "click.exceptions"):
        try:
            cls = getattr(importlib.import_module(module), name, None)
        except ImportError:
            continue
        if isinstance(cls, type) and cls not in found:
            found.append(cls)
    return tuple(found)


def note(message: str) -> None:
    """One yellow ``note:`` line on stderr (a loader's notice, a dead run's lock taken over),
    the user's text escaped."""
    _stderr().print(f"[yellow]note:[/] {_escape(message)}", highlight=False, soft_wrap=True,
                    emoji=False)


def _show_notices() -> None:
    """Print the data loaders' one-line notices (e.g. "split the 10k test images ...")."""
    import warnings

    from ..data import DatasetNotice

    def show(message: Any, category: type, *rest: Any, **kw: Any) -> None:
        if issubclass(category, DatasetNotice):
            note(str(message))
        else:
            sys.stderr.write(warnings.formatwarning(message, category, *rest[:2]))

    warnings.simplefilter("always", DatasetNotice)
    warnings.showwarning = show
