"""Where trials run: this process, a pool of local processes, or a Dask cluster.

Each executor is a generator of ``(trial, outcome)`` pairs in the order trials finish; closing
it (the sweep was interrupted) cancels what has not started. The local pool and Dask also
take a ``stop`` event (set by Ctrl-C, see :mod:`~neuralab.sweep.runner`): they then terminate
their workers (or cancel the trials) at once — those trials have not finished, and waiting for
them is what made Ctrl-C slow — and yield every trial that finished before they return.
Scheduling is left to
``concurrent.futures`` and Dask: a Dask worker that dies mid-trial has its trial re-run on
another worker by the scheduler, and ``retries`` re-runs a trial that raised. A local process
that dies breaks its pool; the unfinished trials are then resubmitted to a fresh pool, at
most ``retries`` times.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import shutil
import signal
import socket
import tempfile
import threading
import time
import warnings
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any

from .space import Trial

Outcome = dict[str, Any]

#: Seconds between two looks at the ``stop`` event while waiting for trials: Ctrl-C is
#: answered within this (plus the few milliseconds that terminating the workers takes).
POLL_S = 0.1


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
        if run_dir is not None:
            # Not in the results file, so whatever is there is the half-written run of an
            # attempt that was killed (Ctrl-C, a dead worker): start it afresh.
            shutil.rmtree(run_dir, ignore_errors=True)
        # The pid in the name lets the sweep remove it if it has to kill this process.
        out = run_dir or stack.enter_context(tempfile.TemporaryDirectory(prefix=_scratch(
            os.getpid())))
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


def _scratch(pid: int) -> str:
    """The name prefix of the temporary run directories of worker process ``pid``."""
    return f"neuralab-trial-{pid}-"


def _ignore_ctrl_c() -> None:
    # A terminal's Ctrl-C goes to the whole process group: the workers leave it to the sweep,
    # which stops them itself (a KeyboardInterrupt here would print a traceback per worker).
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _close(pool: ProcessPoolExecutor, now: bool) -> None:
    """Shut ``pool`` down; ``now``: terminate its workers first rather than wait for their
    trials. Results already sent are still collected: the pool reads them before it notices
    the dead workers."""
    pids = []
    if now:
        # Python 3.14 has pool.terminate_workers(); before it, _processes is the only way in.
        processes = dict(getattr(pool, "_processes", None) or {})
        pids = list(processes)
        for process in processes.values():
            process.terminate()
    pool.shutdown(wait=True, cancel_futures=True)
    for pid in pids:  # a terminated trial leaves its temporary run directory behind
        for scratch in Path(tempfile.gettempdir()).glob(_scratch(pid) + "*"):
            shutil.rmtree(scratch, ignore_errors=True)


def local_processes(trials: Sequence[Trial], jobs: int, run_dir: RunDir, retries: int,
                    stop: threading.Event | None = None) -> Iterator[tuple[Trial, Outcome]]:
    """Run the trials on ``jobs`` local processes (``concurrent.futures``).

    ``stop``, once set, ends the run within :data:`POLL_S`: the workers are terminated and
    the trials that finished before that are yielded before the generator returns.
    """
    stop = stop if stop is not None else threading.Event()
    pending = {t.key: t for t in trials}
    futures: dict[Future[Outcome], Trial] = {}
    broken = 0
    while pending and not stop.is_set():
        pool = ProcessPoolExecutor(max_workers=min(jobs, len(pending)), mp_context=_context(),
                                   initializer=_ignore_ctrl_c)
        running: set[Future[Outcome]] = set()
        try:
            futures = {pool.submit(run_trial, t.config, run_dir(t)): t for t in pending.values()}
            running = set(futures)
            while running and not stop.is_set():
                done, running = wait(running, timeout=POLL_S, return_when=FIRST_COMPLETED)
                for future in done:
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
            _close(pool, now=bool(running) or stop.is_set())
    # Stopped: the trials that finished before (or while) the workers were terminated.
    for future, trial in futures.items():
        if (trial.key in pending and future.done() and not future.cancelled()
                and future.exception() is None):
            del pending[trial.key]
            yield trial, future.result()


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


def dask_client(dask: Any, jobs: int) -> tuple[Any, Callable[[bool], None]]:
    """A ``distributed.Client`` for ``dask`` (a Client, ``"local"`` or a scheduler address)
    and a function that closes what this call opened: ``close(now)``, where ``now`` kills the
    workers of a LocalCluster it started rather than wait for their trials."""
    check_dask(dask)
    import distributed

    if isinstance(dask, distributed.Client):
        return dask, lambda now: None
    if dask.strip() == "local":
        # the dashboard on a free port: 8787 taken by another cluster is a warning on stderr
        with _ctrl_c_ignored_by_children():
            cluster = distributed.LocalCluster(n_workers=jobs, threads_per_worker=1,
                                               processes=True, dashboard_address=":0")
        client = distributed.Client(cluster)

        def close(now: bool) -> None:
            if not now:
                client.close()
                cluster.close()
                return
            # A busy worker would hold the cluster's close for 4 s, then be killed; killed
            # now, the scheduler logs each lost connection with a traceback: noise after a
            # Ctrl-C, whose one line the user should see alone.
            with _loggers_silenced("distributed", "tornado"):
                client.close()
                for nanny in cluster.workers.values():
                    with contextlib.suppress(ProcessLookupError, TypeError):
                        os.kill(nanny.pid, signal.SIGKILL)  # its worker process
                cluster.close()

        return client, close
    try:
        client = distributed.Client(dask.strip(), timeout="10s")
    except (OSError, TimeoutError) as err:
        raise ValueError(f"dask={dask!r}: cannot reach a Dask scheduler there ({err}); start "
                         f"one with `dask scheduler` or use --dask local") from None
    return client, lambda now: client.close()


@contextlib.contextmanager
def _loggers_silenced(*names: str) -> Iterator[None]:
    """The loggers ``names`` and their descendants log nothing inside; their levels are
    restored on the way out."""
    family = [logging.getLogger(n) for n in list(logging.root.manager.loggerDict)
              if n.split(".")[0] in names] + [logging.getLogger(n) for n in names]
    levels = [logger.level for logger in family]
    for logger in family:
        logger.setLevel(logging.CRITICAL + 1)
    try:
        yield
    finally:
        for logger, level in zip(family, levels, strict=True):
            logger.setLevel(level)


@contextlib.contextmanager
def _ctrl_c_ignored_by_children() -> Iterator[None]:
    """Processes started inside ignore SIGINT, from a terminal's Ctrl-C to the whole process
    group: this process stops them itself (else each prints a traceback, and shutdown waits).

    An ignored signal is the one disposition a new interpreter inherits, so SIGINT is ignored
    here too while they start; a Ctrl-C in that moment is lost."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous if previous is not None
                      else signal.default_int_handler)


def on_dask(trials: Sequence[Trial], dask: Any, jobs: int, run_dir: RunDir, retries: int,
            stop: threading.Event | None = None) -> Iterator[tuple[Trial, Outcome]]:
    """Run the trials on a Dask cluster, yielding each as it finishes; ``stop`` as for
    :func:`local_processes` (the unfinished trials are cancelled)."""
    import distributed

    stop = stop if stop is not None else threading.Event()
    client, close = dask_client(dask, jobs)
    futures: dict[str, Any] = {}
    by_key: dict[str, Trial] = {}

    def take(future: Any) -> tuple[Trial, Outcome]:
        try:
            outcome = future.result()  # a trial that kept failing raises its error here
        except distributed.KilledWorker as err:
            raise WorkerLost(
                f"Dask workers died running trial {by_key[future.key].index} again and "
                f"again (out of memory?): {err}; the finished trials are saved: run the "
                f"same sweep again to resume") from None
        del futures[future.key]
        future.release()  # the outcome is ours now; let the cluster forget it
        return by_key[future.key], outcome

    try:
        for trial in trials:
            # The key names the trial: the scheduler will not run one key twice at once, and
            # its dashboard shows which trial is where.
            key = f"neuralab-trial-{trial.key}"
            futures[key] = client.submit(run_trial, trial.config, run_dir(trial), key=key,
                                         retries=retries)
            by_key[key] = trial
        finished = distributed.as_completed(list(futures.values()))
        while not finished.is_empty() and not stop.is_set():
            batch = finished.next_batch(block=False)
            if not batch:
                # Not stop.wait(): Ctrl-C's handler sets stop, and would deadlock on the
                # event's lock if it interrupted this thread while holding it.
                time.sleep(POLL_S)
            for future in batch:
                yield take(future)
        # Stopped: the trials that finished meanwhile.
        for future in [f for f in futures.values() if f.status == "finished"]:
            yield take(future)
    finally:
        if futures:
            client.cancel(list(futures.values()))
        close(bool(futures))
