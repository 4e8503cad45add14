"""A run directory is never corrupted (issue 19): the lock, the refusal of a non-empty
directory, ``--overwrite``, a failed resume that changes nothing, Ctrl-C, permissions and
atomic writes.

What is about exit statuses and messages runs the real command in a subprocess
(``python -m neuralab``); the rest calls :func:`neuralab.experiment.run`. Runs are tiny
(digits, a few epochs, 8 hidden units, no pictures where none are looked at).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from safetensors import SafetensorError

from neuralab import experiment, rundir
from neuralab import io as nio
from neuralab.config import TrainConfig

SMALL = {"data": "digits", "model": {"hidden": [8]}, "epochs": 3, "seed": 0}


def cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """``neuralab ARGS`` in a subprocess; asserts it never ends in a traceback."""
    done = subprocess.run([sys.executable, "-m", "neuralab", *args], capture_output=True,
                          text=True, cwd=cwd, timeout=300)
    assert "Traceback" not in done.stderr, done.stderr
    return done


def snapshot(directory: Path) -> dict[str, bytes]:
    """Every file under ``directory`` (the lock included), by relative path, with its bytes."""
    return {str(p.relative_to(directory)): p.read_bytes()
            for p in sorted(directory.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def finished(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A finished 3-epoch MLP run (checkpoints, no pictures), to be copied by each test."""
    out = tmp_path_factory.mktemp("finished") / "run"
    experiment.run(TrainConfig.parse(SMALL), out, progress=False, pictures=False)
    return out


def copy_of(run: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(run, tmp_path / "run"))


# --------------------------------------------------------------------------- resume
def test_a_failed_resume_changes_nothing_and_a_later_resume_works(finished: Path,
                                                                   tmp_path: Path) -> None:
    run = copy_of(finished, tmp_path)
    before = snapshot(run)
    wider = cli("train", "--resume", str(run), "--hidden", "50", "-q")
    assert wider.returncode == 2
    assert "hidden=[8]" in wider.stderr and "hidden=[50]" in wider.stderr
    fewer = cli("train", "--resume", str(run), "--epochs", "2", "-q")
    assert fewer.returncode == 2
    assert "has done 3 epochs; --epochs must be more than 3" in fewer.stderr
    assert snapshot(run) == before  # config.json included: byte for byte
    more = cli("train", "--resume", str(run), "--epochs", "4", "-q")
    assert more.returncode == 0, more.stderr
    assert json.loads((run / "metrics.json").read_text())["epochs"] == 4
    assert json.loads((run / "config.json").read_text())["epochs"] == 4


def test_a_resume_with_as_many_epochs_as_done_is_refused(finished: Path,
                                                          tmp_path: Path) -> None:
    run = copy_of(finished, tmp_path)
    before = snapshot(run)
    with pytest.raises(ValueError, match="has done 3 epochs; --epochs must be more than 3"):
        experiment.run(TrainConfig.parse(SMALL), run, resume=True, progress=False)
    assert snapshot(run) == before


def test_a_checkpoint_that_does_not_fit_is_found_before_any_write(finished: Path,
                                                                   tmp_path: Path) -> None:
    """config.json edited by hand to another width: the checkpoint's shapes give it away."""
    run = copy_of(finished, tmp_path)
    edited = json.loads((run / "config.json").read_text())
    edited["model"]["hidden"] = [16]
    (run / "config.json").write_text(json.dumps(edited))
    before = snapshot(run)
    config = TrainConfig.parse({**edited, "epochs": 5})
    # named as in the file, PyTorch's layout: weight (out, in)
    with pytest.raises(ValueError, match=r"does not fit the model.*'0\.weight'.*shape \(8, 64\), "
                                         r"the model needs \(16, 64\)"):
        experiment.run(config, run, resume=True, progress=False)
    assert snapshot(run) == before


def test_a_run_stopped_before_its_first_epoch_resumes_from_the_start(tmp_path: Path) -> None:
    run = tmp_path / "run"
    run.mkdir()
    config = TrainConfig.parse(SMALL)
    (run / "config.json").write_text(config.model_dump_json())  # all a stopped run wrote
    result = experiment.run(config, run, resume=True, progress=False, pictures=False)
    assert result.metrics["epochs"] == 3 and (run / "model.safetensors").is_file()


# --------------------------------------------------------------------------- refusal, overwrite
def test_a_non_empty_directory_is_refused_and_overwrite_replaces_the_run(tmp_path: Path) -> None:
    run = tmp_path / "run"
    linear = TrainConfig.parse({**SMALL, "model": {"kind": "linear"}, "epochs": 1})
    experiment.run(linear, run, progress=False)  # pictures: templates.png among them
    assert (run / "templates.png").is_file()
    before = snapshot(run)
    refused = cli("train", "--out", str(run), "--hidden", "8", "--epochs", "1", "-q")
    assert refused.returncode == 2
    assert "is not empty" in refused.stderr and "--overwrite" in refused.stderr
    assert snapshot(run) == before
    replaced = cli("train", "--out", str(run), "--hidden", "8", "--epochs", "1", "-q",
                   "--overwrite")
    assert replaced.returncode == 0, replaced.stderr
    assert not (run / "templates.png").exists()  # the old run's picture is gone ...
    pictures = next(line for line in replaced.stdout.splitlines()
                    if line.startswith("pictures:"))
    assert "templates.png" not in pictures and "curves.png" in pictures  # ... and not listed
    assert json.loads((run / "config.json").read_text())["model"]["kind"] == "mlp"
    assert not (run / ".lock").exists()


def test_overwrite_never_deletes_a_directory_that_holds_no_run(tmp_path: Path) -> None:
    folder = tmp_path / "thesis"
    folder.mkdir()
    (folder / "chapter1.tex").write_text("precious")
    with pytest.raises(ValueError, match=r"does not hold a neuralab run.*refusing to delete"):
        experiment.run(TrainConfig.parse(SMALL), folder, overwrite=True, progress=False)
    assert snapshot(folder) == {"chapter1.tex": b"precious"}


def test_an_overwrite_cut_short_can_be_overwritten_again(finished: Path, tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """config.json is deleted last, so a killed clear leaves a directory still seen as a run."""
    run = copy_of(finished, tmp_path)

    def killed(path: Path) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(rundir.shutil, "rmtree", killed)  # dies at checkpoints/
    with pytest.raises(KeyboardInterrupt):
        rundir.clear(run)
    assert rundir.is_run(run) and (run / "checkpoints").is_dir()


def test_an_existing_file_as_out_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("keep")
    with pytest.raises(ValueError, match="is a file, not a directory"):
        experiment.run(TrainConfig.parse(SMALL), path, progress=False)
    assert path.read_text() == "keep"


# --------------------------------------------------------------------------- the lock
def test_a_second_writer_is_refused_with_the_directory_and_the_pid(tmp_path: Path) -> None:
    out = tmp_path / "run"
    with rundir.lock(out, notice=pytest.fail):  # this process writes out/
        busy = cli("train", "--out", str(out), "--epochs", "1", "-q")
        assert busy.returncode == 2
        assert str(out) in busy.stderr and f"pid {os.getpid()}" in busy.stderr
        assert snapshot(out).keys() == {".lock"}  # the refused writer wrote nothing
    assert not out.exists()  # the lock is gone, and the directory it created with it


def test_two_trains_on_one_directory_at_once_one_wins(tmp_path: Path) -> None:
    out = tmp_path / "run"
    args = ["train", "--out", str(out), "--hidden", "8", "--epochs", "3", "-q", "--seed"]
    procs = [subprocess.Popen([sys.executable, "-m", "neuralab", *args, seed], text=True,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE)
             for seed in ("1", "2")]
    outputs = [p.communicate(timeout=300) for p in procs]
    statuses = [p.returncode for p in procs]
    assert sorted(statuses) == [0, 2], outputs
    winner = "12"[statuses.index(0)]
    loser = outputs[statuses.index(2)][1]
    assert "Traceback" not in loser
    assert "being written by another neuralab process" in loser or "is not empty" in loser
    assert json.loads((out / "config.json").read_text())["seed"] == int(winner)
    assert len((out / "history.csv").read_text().splitlines()) == 4  # one run's 3 epochs
    assert not (out / ".lock").exists()


def dead_pid() -> int:
    """The pid of a process that has exited."""
    proc = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)
    return int(proc.stdout)


def test_a_stale_lock_of_a_dead_process_is_taken_over_with_a_notice(tmp_path: Path) -> None:
    out = tmp_path / "run"
    out.mkdir()
    pid = dead_pid()
    (out / ".lock").write_text(json.dumps({"pid": pid, "host": socket.gethostname()}))
    done = cli("train", "--out", str(out), "--hidden", "8", "--epochs", "1", "-q")
    assert done.returncode == 0, done.stderr
    notes = [line for line in done.stderr.splitlines() if "took over" in line]
    assert len(notes) == 1 and f"pid {pid}" in notes[0] and "no longer running" in notes[0]
    assert (out / "model.safetensors").is_file() and not (out / ".lock").exists()


def test_the_lock_is_removed_on_errors_and_on_ctrl_c(finished: Path, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    run = copy_of(finished, tmp_path)
    with pytest.raises(ValueError):
        experiment.run(TrainConfig.parse(SMALL), run, resume=True, progress=False)
    assert not (run / ".lock").exists()

    def interrupt(config: TrainConfig) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(experiment, "load_data", interrupt)
    fresh = tmp_path / "fresh"
    with pytest.raises(KeyboardInterrupt):
        experiment.run(TrainConfig.parse(SMALL), fresh, progress=False)
    assert not fresh.exists()  # created for the run, nothing written: removed with the lock


# --------------------------------------------------------------------------- Ctrl-C
def test_ctrl_c_exits_130_saying_how_to_resume_and_resume_works(tmp_path: Path) -> None:
    out = tmp_path / "run"
    proc = subprocess.Popen([sys.executable, "-m", "neuralab", "train", "--out", str(out),
                             "--hidden", "8", "--epochs", "100000", "-q"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    last = out / "checkpoints" / "last.safetensors"
    deadline = time.monotonic() + 240  # a bound on waiting, not a timing
    while not last.is_file() and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.1)
    assert last.is_file(), proc.poll()
    proc.send_signal(signal.SIGINT)
    _, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 130, stderr
    assert "Traceback" not in stderr
    line = stderr.strip().splitlines()[-1]
    done = experiment.epochs_done(out)
    assert done >= 1
    assert line == (f"interrupted after {done} epoch{'s' * (done != 1)}; continue with "
                    f"`neuralab train --resume {out}`")
    assert not (out / ".lock").exists() and not list(out.rglob("*.tmp"))
    with pytest.raises(ValueError, match=r"no final model.*neuralab train --resume"):
        experiment.open_run(out)  # what `neuralab eval` says
    resumed = cli("train", "--resume", str(out), "--epochs", str(done + 2), "-q")
    assert resumed.returncode == 0, resumed.stderr
    assert json.loads((out / "metrics.json").read_text())["epochs"] == done + 2


# --------------------------------------------------------------------------- files
def test_files_get_the_permissions_the_umask_gives(tmp_path: Path) -> None:
    old = os.umask(0o027)
    try:
        experiment.run(TrainConfig.parse({**SMALL, "epochs": 1}), tmp_path / "run",
                       progress=False, pictures=False)
    finally:
        os.umask(old)
    modes = {str(p.relative_to(tmp_path)): oct(p.stat().st_mode & 0o777)
             for p in (tmp_path / "run").rglob("*") if p.is_file()}
    assert "run/model.safetensors" in modes and "run/checkpoints/last.safetensors" in modes
    assert set(modes.values()) == {oct(0o640)}, modes  # 0o666 & ~0o027; safetensors gave 0o600


def test_a_write_that_raises_leaves_the_old_file_and_no_partial_one(tmp_path: Path) -> None:
    path = tmp_path / "metrics.json"
    nio.atomic_write_text(path, '{"epochs": 3}')
    with pytest.raises(TypeError):
        nio.atomic_write_bytes(path, "not bytes")  # type: ignore[arg-type]
    with pytest.raises(SafetensorError):  # a value safetensors cannot store
        nio.write_arrays(tmp_path / "arrays.safetensors", {"a": np.array([1, "x"], object)}, {})
    assert snapshot(tmp_path) == {"metrics.json": b'{"epochs": 3}'}


def test_a_run_stopped_after_training_resumes_to_its_final_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Ctrl-C after the last epoch, before metrics.json: the `--resume` the CLI then suggests
    writes the final files (no more epochs) — the model an uninterrupted run writes. A finished
    run still refuses a resume without more epochs."""
    config = TrainConfig.parse(SMALL)
    whole = experiment.run(config, tmp_path / "whole", progress=False, pictures=False)
    out = tmp_path / "run"

    def interrupt(*args: object) -> None:
        raise KeyboardInterrupt

    with monkeypatch.context() as patch:
        patch.setattr(experiment, "save_preprocess", interrupt)
        with pytest.raises(KeyboardInterrupt):
            experiment.run(config, out, progress=False, pictures=False)
    assert experiment.epochs_done(out) == 3 and not (out / "metrics.json").exists()
    resumed = experiment.run(config, out, resume=True, progress=False, pictures=False)
    assert resumed.metrics["epochs"] == 3
    assert resumed.metrics["test_accuracy"] == whole.metrics["test_accuracy"]
    from safetensors.numpy import load_file

    weights, want = (load_file(d / "model.safetensors") for d in (out, tmp_path / "whole"))
    assert weights.keys() == want.keys()
    for name in want:
        np.testing.assert_array_equal(weights[name], want[name], err_msg=name)
    with pytest.raises(ValueError, match="has done 3 epochs; --epochs must be more than 3"):
        experiment.run(config, out, resume=True, progress=False, pictures=False)
