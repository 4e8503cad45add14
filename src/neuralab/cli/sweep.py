"""``neuralab sweep``: grid or random search over training options, over :mod:`neuralab.sweep`
(local processes or a Dask cluster)."""

from __future__ import annotations

from pathlib import Path

import typer

from .errors import fail, friendly_errors
from .options import toml_file


@friendly_errors
def sweep(
    grid: list[str] = typer.Option(None, "--grid", help="A grid axis NAME=V1,V2,... (repeat "
                                   "for more axes); every combination is a trial. Lists inside "
                                   "a value: hidden=128x64, features=hog+color."),
    random: list[str] = typer.Option(None, "--random", help="A random-search option: "
                                     "NAME=log:LOW:HIGH | uniform:LOW:HIGH | int:LOW:HIGH | "
                                     "logint:LOW:HIGH | A,B,C (a choice)."),
    # 20: neuralab.sweep.space.DEFAULT_TRIALS, not imported here (it would bring numpy into
    # `neuralab --help`); tests/test_sweep.py keeps the two equal
    trials: int = typer.Option(None, help="Random-search trials (default: 20)."),
    set_: list[str] = typer.Option(None, "--set", help="NAME=VALUE for every trial, e.g. "
                                   "epochs=10 (repeatable)."),
    config: Path = typer.Option(None, help="A TOML file of training options every trial "
                                "starts from (as for train)."),
    seed: int = typer.Option(0, help="Sweep seed: random draws and each trial's own seed "
                             "derive from it (sweep or --set seed to choose seeds yourself); "
                             "every trial has the same data split (split_seed)."),
    jobs: int = typer.Option(None, help="Trials at once: local processes, or the workers of "
                             "--dask local (default: the CPU cores)."),
    dask: str = typer.Option(None, help="Run on a Dask cluster: its scheduler's address "
                             "(tcp://scheduler:8786), or local for a LocalCluster."),
    metric: str = typer.Option("val_accuracy", help="Rank trials by: val_accuracy | val_loss"),
    axes: str = typer.Option(None, help="Heatmap axes X,Y (default: the first two swept "
                             "options)."),
    out: Path = typer.Option(None, help="Sweep directory; the same sweep resumes there "
                             "(default: sweeps/DATA-OPTIONS-HASH)."),
    keep_runs: bool = typer.Option(False, "--keep-runs", help="Keep every trial's run "
                                   "directory, pictures included, in OUT/runs/."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No live table."),
) -> None:
    """Grid or random search over training options: one full training run per trial.

    Results stream to OUT/results.jsonl; Ctrl-C stops at once and keeps every finished trial,
    and the same command again skips the trials already there.

    At the end: the best trials, OUT/best.toml (for train --config) and OUT/heatmap.png.

    Examples:

      neuralab sweep --grid lr=1e-3,1e-2,1e-1 --grid lam=0,1e-4 --set epochs=20

      neuralab sweep --random lr=log:1e-4:1e-1 --random hidden=logint:16:256

      neuralab sweep --grid lr=1e-3,1e-2 --dask tcp://scheduler:8786
    """
    from rich.console import Console

    from .. import sweep as sweeps
    from ..sweep.execute import WorkerLost
    from ..sweep.report import table
    from ..sweep.space import sweep_name

    base = toml_file(config, "config") if config is not None else None
    spec = {"grid": grid or None, "random": random or None, "fixed": set_ or None}
    out_dir = out or Path("sweeps") / sweep_name(base, seed=seed, **spec)
    try:
        result = sweeps.run(out_dir, **spec, trials=trials, base=base, seed=seed, jobs=jobs,
                            dask=dask, metric=metric,
                            axes=None if axes is None else axes.split(","), keep_runs=keep_runs,
                            progress=not quiet)
    except sweeps.SweepInterrupted as stopped:
        left = stopped.total - stopped.finished
        _interrupted(f"{stopped.finished} of {stopped.total} trials finished, saved in "
                     f"{stopped.results}; run the same command again to run the other {left}")
    except KeyboardInterrupt:  # before or after the trials ran
        _interrupted(f"the finished trials are in {out_dir / 'results.jsonl'}; run the same "
                     f"command again to resume")
    except WorkerLost as err:
        fail(str(err), status=1)
    console = Console(highlight=False)
    names = list(result.rows[0]["params"]) if result.rows else []
    console.print(table(result.rows, names, result.metric,
                        title=f"best of {len(result.rows)} trials by {result.metric}"))
    console.print(f"{result.ran} trials run, {result.skipped} already in the results file")
    typer.echo(f"results:  {result.results}")
    if result.best_toml is None:
        typer.echo(f"best:     none — no trial has a {result.metric} (did they all diverge?)")
    else:
        typer.echo(f"best:     {result.best_toml}  (neuralab train --config {result.best_toml})")
    if result.heatmap is not None:
        typer.echo(f"heatmap:  {result.heatmap}")


def _interrupted(message: str) -> None:
    """Ctrl-C: one plain line on stderr (not an error, and not Rich markup: paths may hold
    brackets) and exit status 130, as a shell reports a SIGINT."""
    typer.echo(f"interrupted: {message}", err=True)
    raise typer.Exit(130)
