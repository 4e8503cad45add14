"""Hyperparameter sweeps: grid and random search over any training option.

Each trial is a full training run (:func:`neuralab.experiment.run`) with its own seed, run in
this process, on local processes or on a Dask cluster; results stream to
``<out>/results.jsonl`` as trials finish, and a re-run of the same sweep skips the trials
already there. ::

    from neuralab import sweep

    result = sweep.run("sweeps/lr-lam", grid={"lr": [1e-3, 1e-2], "lam": [0, 1e-4]},
                       fixed={"epochs": 10}, jobs=2)
    result.best["val_accuracy"], result.best_toml      # neuralab train --config best.toml

Modules: :mod:`~neuralab.sweep.space` (options, specs, trials, seeds and keys),
:mod:`~neuralab.sweep.execute` (where trials run), :mod:`~neuralab.sweep.results` (the
results file and ``best.toml``), :mod:`~neuralab.sweep.report` (live table and heatmap),
:mod:`~neuralab.sweep.runner` (``run``). Dask is imported only for ``dask=...``.
"""

from .runner import SweepInterrupted, SweepResult, run
from .space import Trial, plan

__all__ = ["SweepInterrupted", "SweepResult", "Trial", "plan", "run"]
