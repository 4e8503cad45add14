"""``neuralab train --threads N`` (TrainConfig.threads): checked like every option, applied with
threadpoolctl around the run only (the limits in force before are back after it), and it does
not change the model."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from safetensors.numpy import load_file
from threadpoolctl import threadpool_info, threadpool_limits
from typer.testing import CliRunner

from neuralab import experiment
from neuralab.cli import app
from neuralab.config import TrainConfig

# A short run of the default MLP on digits (with dropout: the masks must not depend on threads).
SHORT = ["--epochs", "2", "--hidden", "64", "--dropout", "0.2", "--quiet"]


def _counts() -> list[tuple[str, int]]:
    """Every thread pool threadpoolctl sees, as (library file, threads)."""
    return sorted((pool["filepath"], pool["num_threads"]) for pool in threadpool_info())


@pytest.mark.parametrize(("value", "needle"), [
    ("0", "threads=0 is out of range"),
    ("-1", "threads=-1 is out of range"),
    ("x", "'--threads'"),
    ("2.5", "'--threads'"),
])
def test_a_bad_thread_count_is_one_line_and_status_2(tmp_path: Path, value: str,
                                                     needle: str) -> None:
    out = tmp_path / "run"
    result = CliRunner().invoke(app, ["train", "--threads", value, *SHORT, "--out", str(out)])
    assert result.exit_code == 2, result.output
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: ") and needle in lines[0], lines
    assert not out.exists()


def test_threads_is_a_config_field_with_a_checked_range() -> None:
    assert TrainConfig().threads == 1
    assert TrainConfig.parse(threads=4).threads == 4
    with pytest.raises(ValueError, match=r"threads=0 is out of range"):
        TrainConfig.parse(threads=0)


def test_the_thread_count_does_not_change_the_model(tmp_path: Path) -> None:
    """Without --threads and with --threads 1: the same weights, bit for bit (one is the
    default). With two: the same to float32 rounding — OpenBLAS may split a long inner product
    between its threads (on MNIST's 784 inputs it does), which rounds differently; on digits'
    small products it keeps one thread, so here they are equal too."""
    weights = {}
    for name, extra in (("default", []), ("one", ["--threads", "1"]),
                        ("two", ["--threads", "2"])):
        out = tmp_path / name
        result = CliRunner().invoke(app, ["train", *SHORT, *extra, "--out", str(out)])
        assert result.exit_code == 0, result.output
        weights[name] = load_file(out / "model.safetensors")
        assert '"threads": ' + (extra[1] if extra else "1") in (out / "config.json").read_text()
    for name in ("one", "two"):
        assert weights[name].keys() == weights["default"].keys()
    for key, value in weights["default"].items():
        np.testing.assert_array_equal(weights["one"][key], value, err_msg=key)
        np.testing.assert_allclose(weights["two"][key], value, rtol=1e-4, atol=1e-6,
                                   err_msg=key)


def test_the_limit_holds_during_the_run_and_is_lifted_after(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    if not threadpool_info():
        pytest.fail("threadpoolctl finds no BLAS/OpenMP library: numpy's BLAS should be one")
    seen: list[list[tuple[str, int]]] = []
    inner = experiment._run

    def spy(*args: Any, **kwargs: Any) -> Any:
        seen.append(_counts())
        return inner(*args, **kwargs)

    monkeypatch.setattr(experiment, "_run", spy)
    with threadpool_limits(limits=2):  # the caller's own setting, kept around the run
        before = _counts()
        experiment.run(TrainConfig.parse(epochs=1, model={"hidden": [16]}, threads=1),
                       tmp_path / "run", progress=False, pictures=False)
        after = _counts()
    assert seen and all(count == 1 for _, count in seen[0]), seen
    assert after == before and any(count == 2 for _, count in before), before
