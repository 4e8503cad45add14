"""What a sweep shows: the live table of the best trials so far, and the heatmap PNG.

rich and matplotlib are imported inside the functions that draw, so planning a sweep (and
``neuralab --help``) does not pay for them. The heatmap uses a bare ``matplotlib.figure.Figure``
(no pyplot), so drawing it touches no global figure state.
"""

from __future__ import annotations

import io
import math
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .. import io as nio

#: The metrics a sweep can rank trials by, and whether larger is better.
METRICS: dict[str, bool] = {"val_accuracy": True, "val_loss": False}
#: At most this many distinct values on an axis are drawn as heatmap cells; more (a random
#: search's continuous draws) are drawn as a scatter coloured by the metric.
MAX_CELLS = 12


def ranked(rows: Sequence[dict[str, Any]], metric: str) -> list[dict[str, Any]]:
    """Rows with a value for ``metric``, best first (ties: lower trial number first)."""
    sign = -1.0 if METRICS[metric] else 1.0
    valid = [r for r in rows if r.get(metric) is not None]
    return sorted(valid, key=lambda r: (sign * r[metric], r["trial"]))


def label(value: Any) -> str:
    """A parameter value as the CLI spells it: ``0.001``, ``128x64``, ``hog+color``."""
    if isinstance(value, list | tuple):
        sep = "x" if all(isinstance(v, int) for v in value) else "+"
        return sep.join(label(v) for v in value)
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def table(rows: Sequence[dict[str, Any]], names: Sequence[str], metric: str, *,
          title: str = "", top: int = 10) -> Any:
    """A rich Table of the ``top`` best rows: trial, swept options, seed and metrics."""
    from rich.table import Table

    out = Table(title=title or None, title_justify="left")
    out.add_column("rank", justify="right")
    out.add_column("trial", justify="right")
    for name in names:
        out.add_column(name, justify="right")
    out.add_column("seed", justify="right")
    for col in ("val_accuracy", "val_loss", "seconds"):
        out.add_column(col.replace("_", " "), justify="right",
                       style="bold" if col == metric else None)
    for rank, row in enumerate(ranked(rows, metric)[:top], 1):
        cells = [str(rank), str(row["trial"]), *(label(row["params"][n]) for n in names),
                 str(row["seed"])]
        for col in ("val_accuracy", "val_loss", "seconds"):
            value = row.get(col)
            cells.append("—" if value is None else f"{value:.4g}" if col != "seconds"
                         else f"{value:.1f}")
        out.add_row(*cells)
    return out


class LiveTable:
    """A ``rich.live.Live`` view of a running sweep: progress, elapsed time and the best
    trials so far. Use as a context manager and call :meth:`update` with the finished rows."""

    def __init__(self, names: Sequence[str], metric: str, total: int, where: str,
                 console: Any = None) -> None:
        self.names, self.metric, self.total, self.where = list(names), metric, total, where
        self.console = console
        self.rows: list[dict[str, Any]] = []
        self._t0 = time.perf_counter()

    def __rich__(self) -> Any:
        # Live re-renders this a few times a second, so the elapsed time keeps moving.
        done = len(self.rows)
        failed = sum(r.get("status") != "ok" for r in self.rows)
        title = (f"sweep: {done}/{self.total} trials on {self.where}, "
                 f"{time.perf_counter() - self._t0:.0f} s"
                 + (f", {failed} diverged" if failed else "") + "; the best so far:")
        return table(self.rows, self.names, self.metric, title=title)

    def update(self, rows: Sequence[dict[str, Any]]) -> None:
        self.rows = list(rows)
        self._live.refresh()

    def __enter__(self) -> LiveTable:
        from rich.console import Console
        from rich.live import Live

        self._live = Live(self, console=self.console or Console(stderr=True),
                          refresh_per_second=4, transient=True)
        self._live.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._live.stop()


# --------------------------------------------------------------------------- heatmap
def _number(v: Any) -> float | None:
    """``v`` as a number where it is one (a one-layer ``hidden=[64]`` is 64), else None."""
    if isinstance(v, list | tuple) and len(v) == 1:
        v = v[0]
    return float(v) if isinstance(v, int | float) and not isinstance(v, bool) else None


def _axis(values: Sequence[Any]) -> tuple[list[Any], bool]:
    """The distinct values of one axis in order, and whether they are drawn as cells."""
    distinct = {label(v): v for v in values}
    numeric = all(_number(v) is not None for v in distinct.values())
    ordered = (sorted(distinct.values(), key=_number) if numeric
               else [distinct[k] for k in sorted(distinct)])
    return ordered, len(ordered) <= MAX_CELLS


def heatmap(rows: Sequence[dict[str, Any]], axes: Sequence[str], metric: str,
            path: str | Path) -> Path | None:
    """Draw ``metric`` over two swept options (one gives a single row) and write a PNG.

    With few distinct values per axis (a grid) each cell is the best value among trials with
    those two values (best over the other swept options), written in the cell and the best
    cell outlined; with many (a random search) each trial is a point coloured by the metric,
    on a log axis where the values span more than two decades. Returns ``None`` (and writes
    nothing) if no trial has a value for ``metric``.
    """
    from matplotlib.figure import Figure

    good = ranked(rows, metric)
    if not good:
        return None
    x_name, y_name = axes[0], axes[1] if len(axes) > 1 else None
    xs, x_cells = _axis([r["params"][x_name] for r in good])
    ys, y_cells = _axis([r["params"][y_name] for r in good]) if y_name else ([None], True)
    cells = x_cells and y_cells
    fig = Figure(figsize=(max(4.5, 1.5 + 0.9 * len(xs)), max(3.2, 1.8 + 0.6 * len(ys)))
                 if cells else (7.0, 5.0))
    ax = fig.add_subplot()
    cmap = "viridis" if METRICS[metric] else "viridis_r"
    if cells:
        _cells(fig, ax, good, x_name, y_name, xs, ys, metric, cmap)
    else:
        _scatter(fig, ax, good, x_name, y_name, metric, cmap)
    ax.set_xlabel(x_name)
    ax.set_ylabel(y_name or "")
    others = cells and len(good[0]["params"]) > len(axes)
    ax.set_title(f"{metric} by {' and '.join(axes)}, best trial in red"
                 + ("\n(each cell: the best over the other swept options)" if others else ""),
                 fontsize=9)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
    return nio.atomic_write_bytes(path, buf.getvalue())


def _cells(fig: Any, ax: Any, good: list[dict[str, Any]], x_name: str, y_name: str | None,
           xs: list[Any], ys: list[Any], metric: str, cmap: str) -> None:
    import numpy as np

    grid = np.full((len(ys), len(xs)), np.nan)
    col = {label(v): i for i, v in enumerate(xs)}
    row = {label(v): i for i, v in enumerate(ys)}
    for r in reversed(good):  # best last, so each cell ends with its best trial
        i = row[label(r["params"][y_name])] if y_name else 0
        grid[i, col[label(r["params"][x_name])]] = r[metric]
    image = ax.imshow(grid, cmap=cmap, origin="lower", aspect="auto")
    fig.colorbar(image, ax=ax, label=metric)
    ax.set_xticks(range(len(xs)), [label(v) for v in xs])
    ax.set_yticks(range(len(ys)), [label(v) for v in ys] if y_name else [])
    lo, hi = np.nanmin(grid), np.nanmax(grid)
    for (i, j), value in np.ndenumerate(grid):
        if not math.isnan(value):
            t = (value - lo) / (hi - lo or 1.0)  # position in the colour map
            dark = (t if METRICS[metric] else 1.0 - t) < 0.5  # viridis is dark at its low end
            ax.text(j, i, f"{value:.3f}", ha="center", va="center", fontsize=8,
                    color="white" if dark else "black")
    best = good[0]  # the best trial (ties: the first), as in the table and best.toml
    ax.add_patch(_outline(col[label(best["params"][x_name])],
                          row[label(best["params"][y_name])] if y_name else 0))


def _outline(j: int, i: int) -> Any:
    from matplotlib.patches import Rectangle

    return Rectangle((j - 0.5, i - 0.5), 1, 1, fill=False, edgecolor="red", linewidth=2)


def _scatter(fig: Any, ax: Any, good: list[dict[str, Any]], x_name: str, y_name: str | None,
             metric: str, cmap: str) -> None:
    def coords(name: str | None) -> list[float]:
        if name is None:
            return [0.0] * len(good)
        values = [r["params"][name] for r in good]
        numbers = [_number(v) for v in values]
        if all(x is not None for x in numbers):
            return numbers  # type: ignore[return-value]
        names = sorted({label(v) for v in values})  # categorical: one position per value
        (ax.set_xticks if name == x_name else ax.set_yticks)(range(len(names)), names)
        return [float(names.index(label(v))) for v in values]

    x, y = coords(x_name), coords(y_name)
    points = ax.scatter(x, y, c=[r[metric] for r in good], cmap=cmap, s=40, edgecolors="k",
                        linewidths=0.3)
    fig.colorbar(points, ax=ax, label=metric)
    ax.scatter([x[0]], [y[0]], s=160, facecolors="none", edgecolors="red", linewidths=2)
    for name, values, setter in ((x_name, x, ax.set_xscale), (y_name, y, ax.set_yscale)):
        if name and min(values) > 0 and max(values) / min(values) > 100:
            setter("log")
