"""``run``: plan a sweep, run the trials not yet in its results file, report the best."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .. import io as nio
from ..checks import check_choice, check_int
from ..config import TrainConfig
from . import execute, report
from .results import ResultsFile, write_best_toml
from .space import Trial, plan, swept_names

#: Metric columns of every record (``None`` where a trial has no such number).
METRIC_COLUMNS = ("train_accuracy", "train_loss", "val_accuracy", "val_loss", "test_accuracy",
                  "test_loss", "epochs", "seconds")


@dataclass
class SweepResult:
    """What :func:`run` leaves behind.

    Attributes
    ----------
    out : Path
        The sweep directory.
    rows : list of dict
        One record per trial of this sweep (as in ``results.jsonl``), in trial order.
    best : dict or None
        The best record by ``metric`` (``None`` if every trial diverged).
    ran, skipped : int
        Trials run now, and trials found in the results file and not run again.
    """

    out: Path
    rows: list[dict[str, Any]]
    best: dict[str, Any] | None
    metric: str
    ran: int
    skipped: int
    results: Path
    best_toml: Path | None
    heatmap: Path | None


class SweepInterrupted(KeyboardInterrupt):
    """Ctrl-C stopped the sweep; every trial that had finished is in the results file, and
    running the same sweep again runs the others.

    Attributes
    ----------
    finished, total : int
        Trials of this sweep in the results file, and trials in the sweep.
    ran : int
        Of ``finished``, the trials this call ran.
    results : Path
        The results file.
    """

    def __init__(self, finished: int, total: int, ran: int, results: Path) -> None:
        super().__init__(f"{finished} of {total} trials finished ({ran} in this run); "
                         f"they are in {results}")
        self.finished, self.total, self.ran, self.results = finished, total, ran, results


@contextlib.contextmanager
def ctrl_c_sets(stop: threading.Event) -> Iterator[None]:
    """While inside, Ctrl-C (SIGINT) sets ``stop`` instead of raising KeyboardInterrupt.

    The sweep then stops where it chooses — never halfway through a results line, and after
    collecting the trials that finished meanwhile — instead of wherever the interrupt lands.
    Only the main thread may set a signal handler; elsewhere (no Ctrl-C arrives there) this
    does nothing.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, lambda signum, frame: stop.set())
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous if previous is not None
                      else signal.default_int_handler)


def default_jobs() -> int:
    """The CPU cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover (macOS, Windows)
        return os.cpu_count() or 1


def record(trial: Trial, outcome: dict[str, Any]) -> dict[str, Any]:
    """The results-file line of a finished trial: identity, parameters, numbers, config."""
    metrics = outcome["metrics"]
    return {"key": trial.key, "trial": trial.index, "params": trial.params, "seed": trial.seed,
            "status": outcome["status"], **{m: metrics.get(m) for m in METRIC_COLUMNS},
            "error": outcome["error"], "worker": outcome["worker"], "config": trial.config}


def run(
    out: str | Path,
    *,
    grid: Mapping[str, Any] | Sequence[str] | None = None,
    random: Mapping[str, Any] | Sequence[str] | None = None,
    trials: int | None = None,
    base: TrainConfig | Mapping[str, Any] | None = None,
    fixed: Mapping[str, Any] | Sequence[str] | None = None,
    seed: int = 0,
    jobs: int | None = None,
    dask: Any = None,
    metric: str = "val_accuracy",
    axes: Sequence[str] | None = None,
    keep_runs: bool = False,
    retries: int = 2,
    progress: bool = True,
    console: Any = None,
    on_result: Callable[[dict[str, Any]], None] | None = None,
) -> SweepResult:
    """Run a grid or random search of training runs and write the sweep directory ``out``.

    ``out/results.jsonl`` gets one line per trial as it finishes; trials already there are
    not run again, so running the same sweep again resumes it. At the end ``out/best.toml``
    (the best trial's config, for ``neuralab train --config``) and ``out/heatmap.png``
    (``metric`` over two swept options) are written.

    Parameters
    ----------
    out : str or Path
        The sweep directory.
    grid, random, trials, base, fixed, seed
        The search space: see :func:`neuralab.sweep.plan`.
    jobs : int, optional
        Trials at once (default: the CPU cores): local processes, or the workers of
        ``dask="local"``. ``jobs=1`` without Dask trains in this process.
    dask : str or distributed.Client, optional
        Run on Dask: a scheduler address (``"tcp://scheduler:8786"``), ``"local"`` (a
        ``LocalCluster`` of ``jobs`` single-threaded worker processes) or a Client.
    metric : str
        ``val_accuracy`` (larger is better) or ``val_loss`` (smaller is better).
    axes : sequence of str, optional
        The heatmap's x and y options (default: the first two swept options).
    keep_runs : bool
        Keep each trial's run directory, pictures included, in ``out/runs/<key>`` (on a
        cluster this path must be on a file system the workers share).
    retries : int
        Re-runs of a trial that raised, or whose local process pool broke.
    progress : bool
        Show the live table of the best trials so far (on ``console``, default stderr).
    on_result : callable, optional
        Called with each new record once it is saved; an exception it raises stops the
        sweep (the saved records stay, and the next run resumes after them).

    Raises
    ------
    ValueError
        For a bad search space, option value, metric, axis or Dask address — before any
        trial runs.
    SweepInterrupted
        On Ctrl-C (a KeyboardInterrupt), once every finished trial is saved. On local
        processes or Dask it stops within a fraction of a second: the trials still running
        are terminated or cancelled (in this process, the trial in flight is abandoned).
    """
    metric = check_choice("metric", metric, report.METRICS)
    jobs = default_jobs() if jobs is None else check_int("jobs", jobs, 1)
    retries = check_int("retries", retries, 0)
    trial_list = plan(base, grid=grid, random=random, trials=trials, fixed=fixed, seed=seed)
    names = swept_names(grid, random)
    axes = _check_axes(axes, names)
    if dask is not None:
        execute.check_dask(dask)  # connecting waits until there is something to run
    if metric == "val_accuracy" and any(t.config["loss"] == "mse" for t in trial_list):
        raise ValueError("metric='val_accuracy' does not exist for loss='mse' (regression); "
                         "use metric='val_loss'")
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise ValueError(f"out={str(out)!r} is a file; a sweep needs a directory")
    out.mkdir(parents=True, exist_ok=True)
    nio.atomic_write_text(out / "sweep.json", json.dumps(
        {"grid": _shown(grid), "random": _shown(random), "trials": trials, "seed": seed,
         "fixed": _shown(fixed), "metric": metric, "n_trials": len(trial_list),
         "base": _base_json(base)}, indent=2))

    def run_dir(trial: Trial) -> str | None:
        return str(out.resolve() / "runs" / trial.key) if keep_runs else None

    with ResultsFile(out / "results.jsonl") as results:
        todo = [t for t in trial_list if t.key not in results.records]

        def rows() -> list[dict[str, Any]]:
            return [results.records[t.key] for t in trial_list if t.key in results.records]

        stop = threading.Event()  # set by Ctrl-C where the trials run in other processes
        ctrl_c: Any = contextlib.nullcontext()
        if dask is not None and todo:  # nothing to run: no cluster to start or reach
            source = execute.on_dask(todo, dask, jobs, run_dir, retries, stop)
            where = "Dask" if not isinstance(dask, str) else f"Dask ({dask})"
            ctrl_c = ctrl_c_sets(stop)
        elif jobs == 1 or not todo:
            source, where = execute.in_process(todo, run_dir), "this process"
        else:
            source = execute.local_processes(todo, jobs, run_dir, retries, stop)
            where, ctrl_c = f"{jobs} processes", ctrl_c_sets(stop)
        live: Any = (report.LiveTable(names, metric, len(trial_list), where, console)
                     if progress and todo else contextlib.nullcontext())
        ran = 0
        try:
            with ctrl_c, live, contextlib.closing(source):
                if progress and todo:
                    live.update(rows())
                for trial, outcome in source:
                    new = record(trial, outcome)
                    if not results.append(new):
                        continue  # already recorded: a re-run must not count twice
                    ran += 1
                    if progress:
                        live.update(rows())
                    if on_result is not None:
                        on_result(new)
        except KeyboardInterrupt:  # in this process: the trial in flight is lost
            stop.set()
        final = rows()
    if stop.is_set():
        raise SweepInterrupted(len(final), len(trial_list), ran, out / "results.jsonl")
    best = next(iter(report.ranked(final, metric)), None)
    best_toml = None if best is None else write_best_toml(out / "best.toml", best, metric)
    heatmap = report.heatmap(final, axes, metric, out / "heatmap.png")
    return SweepResult(out, final, best, metric, ran, len(trial_list) - len(todo),
                       out / "results.jsonl", best_toml, heatmap)


def _check_axes(axes: Sequence[str] | None, names: list[str]) -> list[str]:
    if axes is None:
        return names[:2]
    axes = [a.strip().replace("-", "_") for a in ([axes] if isinstance(axes, str) else axes)]
    if not 1 <= len(axes) <= 2 or len(set(axes)) != len(axes):
        raise ValueError(f"axes={axes!r} must name one or two different swept options")
    for axis in axes:
        check_choice("axes", axis, names)
    return axes


def _shown(specs: Any) -> Any:
    """Specs as JSON data for sweep.json (lists of strings, or a mapping)."""
    if specs is None or isinstance(specs, str):
        return specs
    if isinstance(specs, Mapping):
        return {k: v if isinstance(v, str) else list(v) if isinstance(v, Sequence) else v
                for k, v in specs.items()}
    return list(specs)


def _base_json(base: Any) -> Any:
    if isinstance(base, TrainConfig):
        return base.model_dump(mode="json")
    return dict(base) if base is not None else None
