"""``neuralab polyfit``: PolySolve's polynomial fit, with regularization and degree selection by
cross-validation, over :mod:`neuralab.poly`; and the parsers of its ``--select``, ``--cv`` and
``--table`` specs."""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from .errors import friendly_errors, verbatim


def _degrees(text: str) -> list[int]:
    """``0:10`` (inclusive) or ``1,2,5``."""
    try:
        if ":" in text:
            lo, hi = (int(part) for part in text.split(":"))
            degrees = list(range(lo, hi + 1))
        else:
            degrees = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        degrees = []
    if not degrees:
        raise ValueError(f"select={text!r} must be degrees like 0:10 (inclusive) or 1,2,3")
    return degrees


def _table_spec(text: str) -> tuple[float, float, float]:
    try:
        start, end, step = (float(part) for part in text.split(":"))
    except ValueError:
        raise ValueError(f"table={text!r} must be START:END:STEP, e.g. 10:60:5") from None
    return start, end, step


def _cv_spec(text: str | None) -> int | str | None:
    if text is None or text.lower() == "loo":
        return text
    try:
        return int(text)
    except ValueError:
        raise ValueError(f"cv={text!r} is not allowed; allowed: loo or an integer k >= 2"
                         ) from None


def _number(v: float) -> str:
    return "—" if v != v else f"{v:.6g}"  # v != v: NaN (undefined for this n and degree)


@friendly_errors
def polyfit(
    file: Path = typer.Argument(None, help=verbatim(
        "Text file of 'x y' lines (spaces, tabs or a comma; # comments); - reads stdin. "
        "[default: the lecture's runners]")),
    degree: int = typer.Option(None, help=verbatim("Polynomial degree, 0..20. [default: the "
                                                "--select winner, else 3]")),
    l2: float = typer.Option(0.0, help="Ridge λ: minimizes Σ(y−ŷ)² + λ·Σβ² (standardized "
                             "powers of x, intercept free)."),
    l1: float = typer.Option(0.0, help="Lasso λ: minimizes (1/2n)·Σ(y−ŷ)² + λ·Σ|β|; with "
                             "--l2, the elastic net."),
    select: str = typer.Option(None, help="Degrees to cross-validate, e.g. 0:10: train and "
                               "validation error by degree, and the best degree."),
    cv: str = typer.Option(None, help=verbatim("Folds for --select: loo or k. [default: loo "
                                            "for n <= 20, else 5]")),
    code: str = typer.Option(None, help="Also print the fit as a function: python | "
                             "javascript | c | java."),
    table: str = typer.Option(None, help=verbatim("Also print PolySolve's x–y table "
                                             "START:END:STEP, e.g. 10:60:5.")),
    decimals: int = typer.Option(4, help="Digits after the decimal point in --table."),
    plot: Path = typer.Option(None, help="Write a PNG: data and fit (and, with --select, the "
                              "errors by degree)."),
) -> None:
    """Fit a polynomial y = a0 + a1·x + ... + ad·x^d (PolySolve, with regularization).

    Prints the equation, the coefficients (lowest power first, full precision) and r, r²,
    adjusted r², standard errors and RMSE.

    Examples:

      neuralab polyfit --degree 3                       # the lecture's runners

      neuralab polyfit --select 0:7 --plot fit.png      # degree by leave-one-out

      neuralab polyfit data.txt --degree 6 --l2 0.01 --code c --table 0:10:0.5
    """
    from rich.console import Console
    from rich.table import Table

    from .. import poly
    from ..checks import check_int

    check_int("decimals", decimals, 0, 17)  # also without --table: a bad value is never ignored
    if file is None:
        from ..data.runners import runners

        x, y = runners()
        source, labels = "the lecture's runners (age → speed)", ("age (years)", "speed (mph)")
    else:
        if str(file) == "-":
            text, source = sys.stdin.read(), "stdin"
        elif not file.is_file():
            raise ValueError(f"FILE={str(file)!r}: no such file")
        else:
            try:
                text = file.read_text(encoding="utf-8-sig")
            except UnicodeDecodeError:
                raise ValueError(f"FILE={str(file)!r} is not UTF-8 text") from None
            source = str(file)
        try:
            x, y = poly.parse_points(text)
        except ValueError as err:
            raise ValueError(f"{source}: {err}") from None
        labels = ("x", "y")
    selection = None
    if select is not None:
        selection = poly.select_degree(x, y, _degrees(select), cv=_cv_spec(cv), l2=l2, l1=l1)
    if degree is None:
        degree = 3 if selection is None else selection.best_degree
    fit = poly.fit(x, y, degree, l2=l2, l1=l1)
    table_rows = None if table is None else fit.table(*_table_spec(table), decimals=decimals)
    source_code = None if code is None else fit.to_code(code)

    console = Console(highlight=False)
    console.print(f"[bold]{source}[/]: {fit.n} points, degree {fit.degree}"
                  + "".join(f", {k}={v:g}" for k, v in (("l2", l2), ("l1", l1)) if v))
    console.print(fit.equation(), markup=False)
    coefs = Table(title="coefficients (powers of x)")
    coefs.add_column("power", justify="right")
    coefs.add_column("coefficient", justify="right")
    for k, a in enumerate(fit.coefficients):
        coefs.add_row(f"x^{k}", repr(float(a)))
    console.print(coefs)
    stats = Table(title="statistics")
    stats.add_column("statistic")
    stats.add_column("value", justify="right")
    for label, value in (
        ("r (correlation of fit and data)", fit.r), ("r²", fit.r2), ("adjusted r²", fit.adj_r2),
        ("standard error √(SSE/(n−d−1))", fit.stderr),
        ("PolySolve's standard error √(SSE/(n−2))", fit.stderr_polysolve),
        ("RMSE √(SSE/n)", fit.rmse),
    ):
        stats.add_row(label, _number(value))
    console.print(stats)
    if selection is not None:
        sel = Table(title=f"mean squared error by degree ({selection.cv})")
        for col in ("degree", "train", "validation", ""):
            sel.add_column(col, justify="right")
        for d, tr, va in zip(selection.degrees, selection.train_error, selection.val_error,
                             strict=True):
            sel.add_row(str(d), _number(tr), _number(va),
                        "← best" if d == selection.best_degree else "")
        console.print(sel)
        console.print(f"best degree by {selection.cv}: {selection.best_degree}")
    if source_code is not None:
        typer.echo(source_code)
    if table_rows is not None:
        typer.echo(table_rows, nl=False)
    if plot is not None:
        from .. import viz

        viz.close(viz.plot_polyfit(fit, selection, plot, xlabel=labels[0], ylabel=labels[1]))
        typer.echo(f"plot: {plot}")
