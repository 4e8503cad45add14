"""Ctrl-C on a sweep: it stops at once (the running trials are terminated, not waited for),
keeps every trial that finished — before the signal or while stopping — as a complete line of
the results file, says so in one line with exit status 130, and the same command resumes.

The time bounds below are timeouts that catch a sweep waiting for its running trials (which
took 4–13 s), not measurements.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from neuralab import sweep
from neuralab.sweep.runner import ctrl_c_sets

# 8 trials of 40 epochs on two processes: seconds of work, so the Ctrl-C lands mid-sweep.
ARGS = ["sweep", "--grid", "lr=1e-3,3e-3,1e-2,3e-2", "--grid", "lam=0,1e-3",
        "--set", "epochs=40", "--set", "hidden=16", "--jobs", "2", "--quiet"]
TOTAL = 8
MESSAGE = re.compile(r"interrupted: (\d+) of 8 trials finished, saved in (.+); run the same "
                     r"command again to run the other (\d+)")


def records(path: Path) -> list[dict[str, Any]]:
    """Every line of a results file, each of which must be a complete JSON record."""
    return [json.loads(line) for line in path.read_text().splitlines()]


def gone(pid: int) -> bool:
    """True once process ``pid`` has exited (a zombie waiting for its parent counts)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    try:  # Linux: state Z is a zombie, dead but not yet reaped
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except (OSError, IndexError):
        return True


def wait_for(condition: Any, what: str, deadline_s: float = 120.0) -> None:
    end = time.monotonic() + deadline_s
    while not condition():
        assert time.monotonic() < end, f"gave up waiting for {what}"
        time.sleep(0.05)


@pytest.mark.parametrize("where", [[], ["--dask", "local"]], ids=["processes", "dask"])
def test_ctrl_c_on_the_command_stops_at_once_keeps_every_trial_and_resumes(
        tmp_path: Path, where: list[str]) -> None:
    if where:
        pytest.importorskip("distributed", reason="needs dask[distributed]")
    out = tmp_path / "sw"
    results = out / "results.jsonl"
    command = [sys.executable, "-m", "neuralab", *ARGS, *where, "--out", str(out)]
    # Its own process group, signalled as a whole: what a terminal's Ctrl-C does.
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)
    try:
        wait_for(lambda: proc.poll() is not None or (
            results.exists() and results.read_text().count("\n") >= 1), "the first trial")
        assert proc.poll() is None, "the sweep ended before the Ctrl-C:\n" + proc.stderr.read()
        text = results.read_text()
        before = text[: text.rfind("\n") + 1].splitlines()  # the complete lines
        os.killpg(proc.pid, signal.SIGINT)
        stdout, stderr = proc.communicate(timeout=5)  # the issue: 2 s; plus slack
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    assert proc.returncode == 130, stderr
    assert stdout == "" and len(stderr.strip().splitlines()) == 1, stderr
    message = MESSAGE.fullmatch(stderr.strip())
    assert message, stderr
    finished, other = int(message[1]), int(message[3])
    assert Path(message[2]) == results and finished + other == TOTAL
    saved = records(results)
    assert len(saved) == finished == len({r["key"] for r in saved}) and finished < TOTAL
    assert results.read_text().splitlines()[: len(before)] == before  # nothing lost
    assert all(r["status"] == "ok" and 0 <= r["val_accuracy"] <= 1 for r in saved)
    workers = {int(r["worker"].rsplit(":", 1)[1]) for r in saved}
    wait_for(lambda: all(gone(pid) for pid in workers), "the workers to end", 5.0)

    again = subprocess.run(command, capture_output=True, text=True, timeout=600)
    assert again.returncode == 0, again.stderr
    assert f"{other} trials run, {finished} already in the results file" in again.stdout
    resumed = records(results)
    assert resumed[:finished] == saved and len({r["key"] for r in resumed}) == TOTAL


def test_trials_that_finish_while_stopping_are_kept_and_running_ones_killed(
        tmp_path: Path) -> None:
    # Trials 0 and 1 take one epoch; 2 and 3 take thousands, far longer than this test.
    spec: dict[str, Any] = {"grid": {"epochs": [1, 3000], "lr": [1e-2, 3e-2]},
                            "fixed": {"hidden": 16}}
    keys = [t.key for t in sweep.plan(**spec)]

    signalled: list[bool] = []

    def ctrl_c_once_the_long_trials_run(record: dict[str, Any]) -> None:
        if signalled:
            return
        signalled.append(True)
        # A worker starts trial 2 or 3 only after sending its earlier result, so once both
        # have started, trials 0 and 1 have finished — whether or not they are yielded yet.
        wait_for(lambda: all((tmp_path / "runs" / k / "config.json").exists()
                             for k in keys[2:]), "the long trials to start")
        os.kill(os.getpid(), signal.SIGINT)

    with pytest.raises(KeyboardInterrupt) as stopped:
        sweep.run(tmp_path, **spec, jobs=2, keep_runs=True, progress=False,
                  on_result=ctrl_c_once_the_long_trials_run)
    assert isinstance(stopped.value, sweep.SweepInterrupted)
    assert (stopped.value.finished, stopped.value.total, stopped.value.ran) == (2, 4, 2)
    saved = records(tmp_path / "results.jsonl")
    assert sorted(r["trial"] for r in saved) == [0, 1]
    workers = {int(r["worker"].rsplit(":", 1)[1]) for r in saved}
    wait_for(lambda: all(gone(pid) for pid in workers), "the workers to end", 5.0)


def test_ctrl_c_in_this_process_keeps_the_finished_trials(tmp_path: Path) -> None:
    def ctrl_c_after_two(record: dict[str, Any]) -> None:
        if record["trial"] == 1:
            os.kill(os.getpid(), signal.SIGINT)  # jobs=1: a KeyboardInterrupt, as always

    spec: dict[str, Any] = {"grid": {"lr": [1e-2, 3e-2, 1e-1]}, "fixed": {"epochs": 1,
                                                                          "hidden": 16}}
    with pytest.raises(sweep.SweepInterrupted) as stopped:
        sweep.run(tmp_path, **spec, jobs=1, progress=False, on_result=ctrl_c_after_two)
    assert (stopped.value.finished, stopped.value.total) == (2, 3)
    assert [r["trial"] for r in records(tmp_path / "results.jsonl")] == [0, 1]
    resumed = sweep.run(tmp_path, **spec, jobs=1, progress=False)
    assert (resumed.ran, resumed.skipped) == (1, 2)


def test_ctrl_c_sets_the_event_and_restores_the_handler() -> None:
    stop = threading.Event()
    before = signal.getsignal(signal.SIGINT)
    with ctrl_c_sets(stop):
        os.kill(os.getpid(), signal.SIGINT)
        wait_for(stop.is_set, "the handler", 5.0)
    assert signal.getsignal(signal.SIGINT) is before



def test_a_dask_cluster_killed_on_ctrl_c_logs_nothing(capfd: pytest.CaptureFixture[str]) -> None:
    # Killing busy workers makes the scheduler log each lost connection with a traceback, at
    # a moment that depends on the machine's load (it once broke the one-line message above).
    pytest.importorskip("distributed", reason="needs dask[distributed]")
    from neuralab.sweep.execute import dask_client

    client, close = dask_client("local", 1)
    busy = client.submit(time.sleep, 60)
    wait_for(lambda: any(client.processing().values()), "the worker to take the task", 30.0)
    close(True)
    assert busy.status != "finished" and "distributed" not in capfd.readouterr().err


def test_silenced_loggers_log_nothing_and_get_their_levels_back(
        capfd: pytest.CaptureFixture[str]) -> None:
    import logging

    from neuralab.sweep.execute import _loggers_silenced

    parent, child = logging.getLogger("nl_test_family"), logging.getLogger("nl_test_family.c")
    parent.addHandler(logging.StreamHandler())  # to stderr, as distributed's own handler
    parent.setLevel(logging.INFO)
    child.setLevel(logging.DEBUG)
    try:
        with _loggers_silenced("nl_test_family"):
            child.critical("a lost connection")
            parent.error("a closed stream")
        assert capfd.readouterr().err == ""
        assert (parent.level, child.level) == (logging.INFO, logging.DEBUG)
        child.info("heard")
        assert "heard" in capfd.readouterr().err
    finally:
        parent.handlers.clear()
