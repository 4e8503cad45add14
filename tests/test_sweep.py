"""Hyperparameter sweeps: search spaces, the results file, local processes and Dask.

The sweeps here are tiny (digits, 2 epochs, 16 hidden units: a few hundredths of a second of
training per trial) so that the whole file stays fast on a 2-core machine; what they check —
same seeds give the same numbers everywhere, every trial exactly once, resume — does not
depend on the size of a trial.
"""

from __future__ import annotations

import json
import os
import signal
import tomllib
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from neuralab import sweep
from neuralab.cli import app
from neuralab.config import TrainConfig
from neuralab.sweep.results import ResultsFile, to_toml
from neuralab.sweep.space import parse_distribution, parse_grid, plan, sweep_name

# 12 trials: 3 learning rates × 4 regularization strengths.
SPEC: dict[str, Any] = {"grid": {"lr": [1e-3, 1e-2, 3e-2], "lam": [0.0, 1e-4, 1e-3, 1e-2]},
                        "fixed": {"epochs": 2, "hidden": 16}}


def numbers(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Records without what legitimately differs between runs: timing and worker."""
    return [{k: v for k, v in r.items() if k not in ("seconds", "worker")} for r in rows]


def lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines()]


@pytest.fixture(scope="module")
def local_run(tmp_path_factory: pytest.TempPathFactory) -> sweep.SweepResult:
    """The reference: the 12-trial sweep on two local processes."""
    return sweep.run(tmp_path_factory.mktemp("sweep") / "local", **SPEC, jobs=2, progress=False)


@pytest.fixture(scope="module")
def client() -> Any:
    """A 2-worker LocalCluster of single-threaded worker processes, shared by the Dask tests."""
    distributed = pytest.importorskip("distributed", reason="needs dask[distributed]")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster) as c:
        yield c


# --------------------------------------------------------------------------- the search space
def test_grid_is_every_combination_each_with_its_own_stable_seed() -> None:
    trials = plan(**SPEC)
    assert [t.params for t in trials[:2]] == [{"lr": 1e-3, "lam": 0.0}, {"lr": 1e-3, "lam": 1e-4}]
    assert len(trials) == 12 and len({t.key for t in trials}) == 12
    assert len({t.seed for t in trials}) == 12
    assert all(t.config["epochs"] == 2 and t.config["model"]["hidden"] == [16] for t in trials)
    # Seeds depend on the parameters, not on the order of the axes or the spelling of values.
    again = plan(grid=["lam=0,1e-4,0.001,1e-2", "lr=0.001,1e-2,3e-2"],
                 fixed=["epochs=2", "hidden=16"])
    assert {t.key: t.seed for t in again} == {t.key: t.seed for t in trials}
    assert plan(**SPEC, seed=1)[0].seed != trials[0].seed
    fixed_seed = plan(grid={"lr": [1e-3, 1e-2]}, fixed={"seed": 7})
    assert [t.seed for t in fixed_seed] == [7, 7]


def test_random_search_is_reproducible_and_more_trials_extend_it() -> None:
    spec = ["lr=log:1e-4:1e-1", "hidden=logint:8:64", "dropout=uniform:0:0.5",
            "activation=relu,tanh", "batch_size=int:16:128"]
    five, eight = plan(random=spec, trials=5), plan(random=spec, trials=8)
    assert five == eight[:5]
    for t in eight:
        assert 1e-4 <= t.params["lr"] <= 1e-1 and 8 <= t.params["hidden"][0] <= 64
        assert 0 <= t.params["dropout"] <= 0.5 and t.params["activation"] in ("relu", "tanh")
        assert 16 <= t.params["batch_size"] <= 128
    assert len(plan(random={"lr": "log:1e-4:1e-1"})) == 20  # the default trial count
    assert parse_distribution("lr", ["a", "b"]).kind == "choice"


def test_cli_value_syntax() -> None:
    axes = parse_grid(["hidden=64,128x64,32+32", "features=hog+color,raw", "batchnorm=true,false",
                       "patience=none,3", "reg=none,l2", "model=linear,mlp"])
    assert axes["hidden"] == [[64], [128, 64], [32, 32]]
    assert axes["features"] == [["hog", "color"], ["raw"]]
    assert axes["batchnorm"] == [True, False] and axes["patience"] == [None, 3]
    assert axes["reg"] == ["none", "l2"]  # "none" is a name here, not "unset"
    trial = plan(grid={"model": ["linear"], "hog_cell": [4]}, fixed={"features": ["hog"]})[0]
    assert trial.config["model"]["kind"] == "linear"
    assert trial.config["feature_params"]["hog_pixels_per_cell"] == [4, 4]


def test_sweep_name_is_stable_and_ignores_the_trial_count() -> None:
    name = sweep_name(grid=["lr=1e-3,1e-2"], fixed=["epochs=2"])
    assert name.startswith("digits-lr-") and name == sweep_name(grid={"lr": [0.001, 0.01]},
                                                                fixed={"epochs": 2})
    assert name != sweep_name(grid=["lr=1e-3,1e-2"], fixed=["epochs=3"])


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"grid": ["lrr=1,2"]}, "unknown option 'lrr'"),
    ({"grid": ["lr"]}, "NAME=VALUES"),
    ({"grid": ["lr=1e-3,0.001"]}, "repeats a value"),
    ({"grid": ["lr=1e-3", "lr=1e-2"]}, "given twice"),
    ({}, "--grid NAME=A,B,C"),
    ({"grid": ["lr=1e-3"], "random": ["lam=log:1e-5:1"]}, "not both"),
    ({"grid": ["lr=1e-3"], "trials": 5}, "applies to a random search"),
    ({"random": ["lr=log:1e-3:1"], "trials": 0}, "trials=0"),
    ({"random": ["lr=log:0:1"]}, "LOW > 0"),
    ({"random": ["lr=uniform:x:1"]}, "uniform:LOW:HIGH"),
    ({"random": ["hidden=int:1.5:8"]}, "must be integers"),
    ({"grid": ["lr=1e-3"], "fixed": ["lr=1e-2"]}, "both swept and fixed"),
    ({"grid": ["lr=1e-3"], "fixed": ["epochs=2,3"]}, "takes one value"),
    ({"grid": ["lr=1e-3,-1"]}, "trial 1 (lr=-1): lr=-1.0 is out of range"),
    ({"grid": ["activation=relu,swish"]}, "activation='swish' is not allowed"),
    ({"grid": ["lr=1e-3"], "seed": -1}, "seed=-1"),
])
def test_bad_specs_are_one_value_error(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError) as err:
        plan(**kwargs)
    assert message in str(err.value)


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"metric": "test_accuracy"}, "metric='test_accuracy' is not allowed"),
    ({"axes": ["lr", "epochs"]}, "axes='epochs' is not allowed"),
    ({"jobs": 0}, "jobs=0"),
    ({"fixed": {"data": "plane", "loss": "mse", "epochs": 1}}, "use metric='val_loss'"),
    ({"dask": 3}, "dask=3 must be a scheduler address"),
])
def test_bad_run_arguments_fail_before_any_trial(tmp_path: Path, kwargs: dict[str, Any],
                                                 message: str) -> None:
    with pytest.raises(ValueError) as err:
        sweep.run(tmp_path, **{"grid": {"lr": [1e-3]}, "progress": False, **kwargs})
    assert message in str(err.value)
    assert not (tmp_path / "results.jsonl").exists()


# --------------------------------------------------------------------------- the results file
def test_results_file_dedupes_on_key_and_drops_a_cut_last_line(tmp_path: Path) -> None:
    path = tmp_path / "results.jsonl"
    path.write_text('{"key": "a", "x": 1}\n{"key": "b", "x"')  # killed mid-write
    with ResultsFile(path) as results:
        assert set(results.records) == {"a"}
        assert results.append({"key": "c", "x": float("nan")})
        assert not results.append({"key": "a", "x": 2})  # a re-run trial: recorded once
        with pytest.raises(ValueError, match="another sweep"), ResultsFile(path):
            pass
    assert lines(path) == [{"key": "a", "x": 1}, {"key": "c", "x": None}]


def test_toml_round_trips_every_config_value() -> None:
    config = TrainConfig.parse({
        "features": ["hog"], "feature_params": {"hog_pixels_per_cell": [4, 4]},
        "model": {"hidden": [32, 16], "activation": "leaky_relu", "alpha": 0.05},
        "lam": 1e-5, "root": 'a "quoted"\\path', "patience": 3}).model_dump(mode="json")
    text = to_toml(config, "a header\nof two lines")
    assert text.startswith("# a header\n# of two lines\n")
    assert TrainConfig.parse(tomllib.loads(text)).model_dump(mode="json") == config


# --------------------------------------------------------------------------- local processes
def test_local_sweep_streams_results_and_writes_best_and_heatmap(
        local_run: sweep.SweepResult) -> None:
    out = local_run.out
    records = lines(out / "results.jsonl")
    assert len(records) == 12 and {r["key"] for r in records} == {r["key"] for r in
                                                                   local_run.rows}
    assert local_run.ran == 12 and local_run.skipped == 0
    assert [r["trial"] for r in local_run.rows] == list(range(12))
    assert all(r["status"] == "ok" and 0 <= r["val_accuracy"] <= 1 for r in records)
    best = max(local_run.rows, key=lambda r: (r["val_accuracy"], -r["trial"]))
    assert local_run.best == best
    toml = tomllib.loads((out / "best.toml").read_text())
    assert TrainConfig.parse(toml).model_dump(mode="json") == best["config"]
    assert toml["seed"] == best["seed"] and toml["lr"] == best["params"]["lr"]
    assert (out / "heatmap.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert json.loads((out / "sweep.json").read_text())["n_trials"] == 12


def test_running_the_same_sweep_again_runs_nothing(local_run: sweep.SweepResult) -> None:
    again = sweep.run(local_run.out, **SPEC, jobs=2, progress=False)
    assert (again.ran, again.skipped) == (0, 12)
    assert again.rows == local_run.rows
    assert len(lines(local_run.out / "results.jsonl")) == 12
    # Nothing left to run: no cluster is reached (nothing listens at this address).
    pytest.importorskip("distributed", reason="needs dask[distributed]")
    assert sweep.run(local_run.out, **SPEC, dask="tcp://127.0.0.1:9", progress=False).ran == 0


def test_interrupted_then_resumed_equals_uninterrupted(
        tmp_path: Path, local_run: sweep.SweepResult) -> None:
    class Stop(Exception):
        pass

    seen: list[str] = []

    def stop_after_five(record: dict[str, Any]) -> None:
        seen.append(record["key"])
        if len(seen) == 5:
            raise Stop

    with pytest.raises(Stop):
        sweep.run(tmp_path, **SPEC, jobs=2, progress=False, on_result=stop_after_five)
    assert [r["key"] for r in lines(tmp_path / "results.jsonl")] == seen
    resumed = sweep.run(tmp_path, **SPEC, jobs=1, progress=False)  # in this process, now
    assert (resumed.ran, resumed.skipped) == (7, 5)
    assert numbers(resumed.rows) == numbers(local_run.rows)
    assert len(lines(tmp_path / "results.jsonl")) == 12


def test_a_killed_local_process_costs_no_trial(tmp_path: Path,
                                              local_run: sweep.SweepResult) -> None:
    psutil = pytest.importorskip("psutil", reason="finds the pool's worker processes")
    first_pool: list[int] = []

    def kill_a_worker(record: dict[str, Any]) -> None:
        if first_pool:
            return
        # The pool's workers are forked by the forkserver, a child of this process.
        servers = [p for p in psutil.Process().children()
                   if "forkserver" in " ".join(p.cmdline())]
        first_pool.extend(w.pid for s in servers for w in s.children())
        if first_pool:
            os.kill(first_pool[0], signal.SIGKILL)

    result = sweep.run(tmp_path, **SPEC, jobs=2, progress=False, on_result=kill_a_worker)
    assert first_pool, "no pool worker found"
    records = lines(tmp_path / "results.jsonl")
    assert sorted(r["trial"] for r in records) == list(range(12))  # all, each once
    pids = {int(r["worker"].rsplit(":", 1)[1]) for r in records}
    assert pids - set(first_pool), "the broken pool was not replaced"
    assert numbers(result.rows) == numbers(local_run.rows)


@pytest.mark.filterwarnings("ignore:overflow:RuntimeWarning")
def test_diverged_trials_are_results_and_keep_runs_keeps_pictures(tmp_path: Path) -> None:
    result = sweep.run(tmp_path, grid={"lam": [1e-4, 1000.0]}, jobs=1, progress=False,
                       fixed={"lr": 10.0, "optimizer": "sgd", "epochs": 1, "hidden": 16},
                       keep_runs=True)
    ok, diverged = result.rows
    assert ok["status"] == "ok" and diverged["status"] == "diverged"
    assert diverged["val_accuracy"] is None and "diverged" in diverged["error"]
    assert result.best == ok and (tmp_path / "runs" / ok["key"] / "curves.png").is_file()
    assert sweep.run(tmp_path, grid={"lam": [1e-4, 1000.0]}, jobs=1, progress=False,
                     fixed={"lr": 10.0, "optimizer": "sgd", "epochs": 1, "hidden": 16}).ran == 0


def test_random_search_heatmap_and_loss_metric(tmp_path: Path) -> None:
    result = sweep.run(tmp_path, random={"lr": "log:1e-3:1e-1", "hidden": "int:8:32"},
                       trials=14, fixed={"epochs": 1}, jobs=1, progress=False,
                       metric="val_loss", axes=["hidden", "lr"])
    assert len(result.rows) == 14
    assert result.best == min(result.rows, key=lambda r: r["val_loss"])
    assert result.heatmap is not None and result.heatmap.stat().st_size > 1000


# --------------------------------------------------------------------------- Dask
def test_dask_sweep_equals_local_processes(tmp_path: Path, client: Any,
                                           local_run: sweep.SweepResult) -> None:
    result = sweep.run(tmp_path, **SPEC, dask=client, progress=False)
    assert result.ran == 12
    assert numbers(result.rows) == numbers(local_run.rows)
    dask_pids = {str(pid) for pid in client.run(os.getpid).values()}
    assert {r["worker"].rsplit(":", 1)[1] for r in result.rows} <= dask_pids


def test_killed_worker_still_yields_every_trial_exactly_once(
        tmp_path: Path, client: Any, local_run: sweep.SweepResult) -> None:
    killed: dict[str, Any] = {}

    def kill_a_busy_worker(record: dict[str, Any]) -> None:
        if killed:
            return
        busy = [addr for addr, keys in client.processing().items() if keys]
        if busy:  # a worker with a trial in flight: SIGKILL it, as a crash would
            pid = client.run(os.getpid)[busy[0]]
            killed.update(pid=pid, keys=client.processing()[busy[0]])
            os.kill(pid, signal.SIGKILL)

    result = sweep.run(tmp_path, **SPEC, dask=client, progress=False,
                       on_result=kill_a_busy_worker)
    assert killed, "no worker was busy after the first trial finished"
    records = lines(tmp_path / "results.jsonl")
    rerun = [r for r in records if f"neuralab-trial-{r['key']}" in killed["keys"]]
    assert any(not r["worker"].endswith(f":{killed['pid']}") for r in rerun)  # ran elsewhere
    assert sorted(r["trial"] for r in records) == list(range(12))  # all, each once
    assert numbers(result.rows) == numbers(local_run.rows)  # the re-run trial: same numbers
    client.wait_for_workers(2, timeout=60)  # the nanny restarts the killed worker


# --------------------------------------------------------------------------- the command
def test_cli_sweep_then_train_from_best_toml(tmp_path: Path) -> None:
    out = tmp_path / "sw"
    args = ["sweep", "--grid", "lr=1e-2,3e-2", "--grid", "hidden=16,32x16", "--set",
            "epochs=2", "--jobs", "1", "--quiet", "--out", str(out)]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "4 trials run, 0 already in the results file" in result.output
    assert "best.toml" in result.output and (out / "heatmap.png").is_file()
    best = sweep.run(out, grid=["lr=1e-2,3e-2", "hidden=16,32x16"], fixed=["epochs=2"],
                     jobs=1, progress=False).best
    assert best is not None
    run_dir = tmp_path / "run"
    trained = CliRunner().invoke(app, ["train", "--config", str(out / "best.toml"), "--quiet",
                                       "--out", str(run_dir)])
    assert trained.exit_code == 0, trained.output
    metrics = json.loads((run_dir / "metrics.json").read_text())
    # The same config and seed: the trial again (BLAS threads may move the last bits).
    assert metrics["val_accuracy"] == pytest.approx(best["val_accuracy"], abs=1 / 360)
    assert metrics["val_loss"] == pytest.approx(best["val_loss"], rel=1e-4)


def test_cli_dask_local_matches_this_process(tmp_path: Path) -> None:
    pytest.importorskip("distributed", reason="needs dask[distributed]")
    args = ["sweep", "--grid", "lr=1e-2,3e-2", "--set", "epochs=1", "--set", "hidden=16",
            "--quiet", "--jobs", "2"]
    result = CliRunner().invoke(app, [*args, "--dask", "local", "--out", str(tmp_path / "d")])
    assert result.exit_code == 0, result.output
    local = sweep.run(tmp_path / "l", grid={"lr": [1e-2, 3e-2]}, fixed={"epochs": 1,
                      "hidden": 16}, jobs=1, progress=False)
    on_dask = sorted(lines(tmp_path / "d" / "results.jsonl"), key=lambda r: r["trial"])
    assert len(on_dask) == 2 and numbers(on_dask) == numbers(local.rows)


@pytest.mark.parametrize(("args", "words"), [
    (["--grid", "lrr=1,2"], "unknown option 'lrr'"),
    (["--grid", "lr=1e-3", "--random", "lam=log:1e-5:1"], "not both"),
    (["--grid", "lr=1e-3", "--config", "missing.toml"], "config='missing.toml': no such file"),
    (["--grid", "lr=1e-3", "--axes", "lam"], "axes='lam' is not allowed"),
])
def test_cli_bad_input_is_one_red_line_and_status_2(tmp_path: Path, args: list[str],
                                                    words: str) -> None:
    result = CliRunner().invoke(app, ["sweep", *args, "--out", str(tmp_path)])
    assert result.exit_code == 2
    assert words in result.output and len(result.output.strip().splitlines()) == 1


def test_sweep_help_states_the_default_number_of_trials() -> None:
    """The CLI keeps numpy and pydantic out of ``neuralab --help``, so its help cannot import
    the default from neuralab.sweep: this test keeps the two equal."""
    from neuralab.sweep.space import DEFAULT_TRIALS

    result = CliRunner().invoke(app, ["sweep", "--help"], terminal_width=200)
    assert result.exit_code == 0
    assert f"Random-search trials (default: {DEFAULT_TRIALS})." in " ".join(result.output.split())
    assert len(plan(random=["lr=log:1e-4:1e-1"], fixed=["epochs=1"])) == DEFAULT_TRIALS
