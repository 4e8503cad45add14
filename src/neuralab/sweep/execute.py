"""Where trials run: this process, a pool of local processes, or a Dask cluster.

Each executor is a generator of ``(trial, outcome)`` pairs in the order trials finish; closing
it (the sweep was interrupted) cancels what has not started. Scheduling is left to
``concurrent.futures`` and Dask: a Dask worker that dies mid-trial has its trial re-run on
another worker by the scheduler, and ``retries`` re-runs a trial that raised. A local process
that dies breaks its pool; the unfinished trials are then resubmitted to a fresh pool, at
most ``retries`` times.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import socket
import tempfile
import warnings
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from .space import Trial

Outcome = dict[str, Any]


class WorkerLost(RuntimeError):
    """Trial processes or Dask workers kept dying (more often than ``retries`` allows)."""


def run_trial(config: dict[str, Any], run_dir: str | None = None, threads: int = 1) -> Outcome:
    """Train one trial and return its outcome (runs in a worker; module-level so that process
    pools and Dask can send it by reference).

    Parameters
    ----------
    config : dict
        A validated TrainConfig as JSON-ready data.
    run_dir : str, optional
        Keep the full run directory (pictures and checkpoints included) here; by default the
        run goes to a temporary directory that is removed, and only the numbers come back.
    threads : int
        BLAS threads for this trial. One: parallelism comes from running trials side by side,
        and every executor then computes with the same thread count, hence the same numbers.

    Returns
    -------
    dict
        ``status`` ("ok", or "diverged" for a NaN/inf loss — a result, not an error: the same
        seed diverges again), ``metrics`` (as in ``metrics.json``), ``error`` and ``worker``
        (host:pid).
    """
    from threadpoolctl import threadpool_limits

    from ..config import TrainConfig
    from ..data import DatasetNotice
    from ..experiment import run
    from ..train import TrainingDiverged

    cfg = TrainConfig.parse(config)
    outcome: Outcome = {"status": "ok", "metrics": {}, "error": None,
                        "worker": f"{socket.gethostname()}:{os.getpid()}"}
    with contextlib.ExitStack() as stack:
        stack.enter_context(threadpool_limits(limits=threads))
        stack.enter_context(warnings.catch_warnings())
        warnings.simplefilter("ignore", DatasetNotice)  # one notice per trial would be noise
        out = run_dir or stack.enter_context(tempfile.TemporaryDirectory(prefix="neuralab-"))
        try:
            keep = run_dir is not None  # a kept run is a complete run directory
            # overwrite: a retried trial replaces what its killed attempt left in its run_dir
            outcome["metrics"] = run(cfg, out, progress=False, pictures=keep,
                                     checkpoints=keep, overwrite=keep).metrics
        except TrainingDiverged as err:
            outcome.update(status="diverged", error=str(err))
    return outcome


RunDir = Callable[[Trial], str | None]


def in_process(trials: Sequence[Trial], run_dir: RunDir) -> Iterator[tuple[Trial, Outcome]]:
    """Run the trials one after another in this process (``jobs=1``: no start-up cost, and
    a debugger or profiler sees the training)."""
    for trial in trials:
        yield trial, run_trial(trial.config, run_dir(trial))


def _context() -> Any:
    # forkserver: workers fork from a clean server process, never from this one, which may
    # be running threads (the live table, a Dask client) that fork would copy mid-lock.
    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")


def local_processes(trials: Sequence[Trial], jobs: int, run_dir: RunDir,
                    retries: int) -> Iterator[tuple[Trial, Outcome]]:
    """Run the trials on ``jobs`` local processes (``concurrent.futures``)."""
    pending = {t.key: t for t in trials}
    broken = 0
    while pending:
        pool = ProcessPoolExecutor(max_workers=min(jobs, len(pending)), mp_context=_context())
        try:
            futures = {pool.submit(run_trial, t.config, run_dir(t)): t for t in pending.values()}
            for future in as_completed(futures):
                trial = futures[future]
                outcome = future.result()
                del pending[trial.key]
                yield trial, outcome
        except BrokenProcessPool:
            broken += 1
            if broken > retries:
                raise WorkerLost(
                    f"a trial process died {broken} times (out of memory? or, from a script, "
                    f"a sweep started without `if __name__ == '__main__':`, which worker "
                    f"processes need); the finished trials are saved: run the same sweep again "
                    f"to resume") from None
        finally:
            pool.shutdown(wait=True, cancel_futures=True)


def check_dask(dask: Any) -> None:
    """A ValueError unless Dask is installed and ``dask`` names a cluster (no connection)."""
    try:
        import distributed
    except ImportError:
        raise ValueError("dask: Dask is not installed; pip install 'neuralab[dist]' "
                         "(or 'dask[distributed]')") from None
    if not isinstance(dask, distributed.Client) and (not isinstance(dask, str)
                                                     or not dask.strip()):
        raise ValueError(f"dask={dask!r} must be a scheduler address such as "
                         f"tcp://scheduler:8786, 'local', or a distributed.Client")


def dask_client(dask: Any, jobs: int) -> tuple[Any, Callable[[], None]]:
    """A ``distributed.Client`` for ``dask`` (a Client, ``"local"`` or a scheduler address)
    and a function that closes what this call opened."""
    check_dask(dask)
    import distributed

    if isinstance(dask, distributed.Client):
        return dask, lambda: None
    if dask.strip() == "local":
        cluster = distributed.LocalCluster(n_workers=jobs, threads_per_worker=1, processes=True,
                                           dashboard_address=None)
        client = distributed.Client(cluster)

        def close() -> None:
            client.close()
            cluster.close()

        return client, close
    try:
        client = distributed.Client(dask.strip(), timeout="10s")
    except (OSError, TimeoutError) as err:
        raise ValueError(f"dask={dask!r}: cannot reach a Dask scheduler there ({err}); start "
                         f"one with `dask scheduler` or use --dask local") from None
    return client, client.close


def on_dask(trials: Sequence[Trial], dask: Any, jobs: int, run_dir: RunDir,
            retries: int) -> Iterator[tuple[Trial, Outcome]]:
    """Run the trials on a Dask cluster, yielding each as it finishes."""
    import distributed

    client, close = dask_client(dask, jobs)
    futures: dict[str, Any] = {}
    by_key: dict[str, Trial] = {}
    try:
        for trial in trials:
            # The key names the trial: the scheduler will not run one key twice at once, and
            # its dashboard shows which trial is where.
            key = f"neuralab-trial-{trial.key}"
            futures[key] = client.submit(run_trial, trial.config, run_dir(trial), key=key,
                                         retries=retries)
            by_key[key] = trial
        for future in distributed.as_completed(list(futures.values())):
            try:
                outcome = future.result()  # a trial that kept failing raises its error here
            except distributed.KilledWorker as err:
                raise WorkerLost(
                    f"Dask workers died running trial {by_key[future.key].index} again and "
                    f"again (out of memory?): {err}; the finished trials are saved: run the "
                    f"same sweep again to resume") from None
            del futures[future.key]
            future.release()  # the outcome is ours now; let the cluster forget it
            yield by_key[future.key], outcome
    finally:
        if futures:
            client.cancel(list(futures.values()))
        close()
