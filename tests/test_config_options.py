"""One table of options (issue 20, item 4): ``neuralab train --help`` shows TrainConfig's own
defaults and choices, TOML files take the flat names the CLI and sweeps use (nested tables
too), the shipped ``examples/*.toml`` run, and the data split is chosen by ``split_seed``,
``val_fraction`` and ``test_fraction`` — the same split for every run and sweep trial unless
asked otherwise."""

from __future__ import annotations

import json
import re
import tomllib
import typing
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from typer.testing import CliRunner

from neuralab import config as C
from neuralab.cli import app
from neuralab.experiment import check_run

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared" / "data"
EXAMPLES = sorted((REPO / "examples").glob("*.toml"))


def invoke(*args: str, **kw: Any):
    return CliRunner().invoke(app, list(args), env={"COLUMNS": "200"}, **kw)


# --------------------------------------------------------------------------- --help
def help_rows() -> dict[str, str]:
    """``neuralab train --help`` as printed in a 200-column terminal: each option's row, its
    wrapped lines joined, by flag."""
    result = invoke("train", "--help")
    assert result.exit_code == 0, result.output
    rows: dict[str, str] = {}
    last = None
    for line in result.output.splitlines():
        cells = line.strip().strip("│").split()
        if cells and cells[0].startswith("--"):
            last = cells[0]
            rows[last] = " ".join(cells)
        elif cells and last is not None and line.strip().startswith("│"):
            rows[last] += " " + " ".join(cells)  # a wrapped line of the row above
    return rows


def field_of(path: tuple[str, ...]) -> Any:
    cls = C.ModelConfig if path[0] == "model" else C.TrainConfig
    return cls, cls.model_fields[path[-1]]


def allowed_choices(path: tuple[str, ...]) -> tuple[str, ...] | None:
    """What TrainConfig's check accepts for a field with a fixed list of names."""
    cls, field = field_of(path)
    if path[-1] in cls.CHOICES:
        return tuple(cls.CHOICES[path[-1]])
    if typing.get_origin(field.annotation) is typing.Literal:
        return typing.get_args(field.annotation)
    return None


def cli_options() -> dict[str, tuple[str, ...]]:
    """Every place of a TrainConfig dict that train has a flag for, by flag name: one per place
    of option_paths, the feature parameters being the CLI's three."""
    from neuralab.cli.options import FEATURE_OPTIONS

    out: dict[str, tuple[str, ...]] = {}
    for name, path in C.option_paths().items():
        if path in out.values() or (path[0] == "feature_params" and name not in FEATURE_OPTIONS):
            continue
        out[name] = path
    return out


def test_help_shows_each_option_with_trainconfigs_default_and_choices() -> None:
    rows = help_rows()
    options = cli_options()
    assert len(options) >= 30
    shown_defaults: dict[str, str] = {}
    for name, path in options.items():
        flag = "--" + name.replace("_", "-")
        assert flag in rows, f"{flag} is missing from train --help"
        row = rows[flag]
        defaults = re.findall(r"\[default: ([^\]]*)\]", row)
        if path[0] == "feature_params":
            expected: Any = C.FEATURE_PARAMS["hog" if "hog" in path[-1] else "color"][path[-1]]
        else:
            expected = field_of(path)[1].default
        if expected is None or expected == ():
            assert defaults == [], (flag, row)  # unset: the description says what that means
        else:
            assert len(defaults) == 1, (flag, row)
            shown_defaults[name] = defaults[0]
        choices = re.findall(r"Choices: ([^.]*)\.", row)
        allowed = None if path[0] == "feature_params" else allowed_choices(path)
        if allowed is None:
            assert choices == [], (flag, row)
        else:
            assert len(choices) == 1 and tuple(choices[0].split(" | ")) == allowed, (flag, row)
    assert shown_defaults["epochs"] == "50" and shown_defaults["hidden"] == "100"
    # Each shown default, typed back on the command line, gives TrainConfig's default config.
    args = []
    for name, text in shown_defaults.items():
        flag = "--" + name.replace("_", "-")
        args += [f"--{text}"] if text in (name, f"no-{name}") else [flag, text]
    captured = capture_config("--features", "hog,color", *args)
    expected_config = C.TrainConfig(features=("hog", "color")).model_dump(mode="json")
    params = captured.pop("feature_params")
    expected_config.pop("feature_params")
    assert captured == expected_config
    hog, color = C.FEATURE_PARAMS["hog"], C.FEATURE_PARAMS["color"]
    assert params == {"hog_pixels_per_cell": list(hog["hog_pixels_per_cell"]),
                      "hog_cells_per_block": list(hog["hog_cells_per_block"]),
                      "color_bins": color["color_bins"]}


def test_help_states_no_running_time_and_no_hard_coded_default() -> None:
    result = invoke("train", "--help")
    assert re.search(r"~\s*\d+(\.\d+)? ?s\b", result.output) is None  # times vary by machine
    for cls in (C.TrainConfig, C.ModelConfig):
        for name, field in cls.model_fields.items():
            text = field.description or ""
            default = field.default
            if isinstance(default, int | float) and not isinstance(default, bool):
                # a description that repeats its default drifts when the default changes
                assert f"default {default:g}" not in text and f"{default:g} by default" \
                    not in text, name


def capture_config(*args: str) -> dict[str, Any]:
    """The config ``neuralab train ARGS`` would run, as JSON data, without training."""
    from neuralab import experiment

    seen: list[C.TrainConfig] = []
    original = experiment.run

    def fake_run(cfg: C.TrainConfig, *a: Any, **kw: Any) -> None:
        seen.append(cfg)
        raise ValueError("captured")

    experiment.run = fake_run
    try:
        result = invoke("train", *args, "--quiet")
    finally:
        experiment.run = original
    assert seen, result.output
    return seen[0].model_dump(mode="json")


def test_every_train_option_goes_where_the_one_table_says() -> None:
    from neuralab.cli.options import train_options
    from neuralab.sweep import space

    options = train_options()
    assert [o.name for o in options] == list(cli_options())
    for option in options:
        assert option.path == C.option_path(option.name)
    assert space.option_path is C.option_path and space.set_option is C.set_option


# --------------------------------------------------------------------------- TOML names
def write(tmp_path: Path, text: str, name: str = "run.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_a_toml_file_takes_the_flat_names_and_the_nested_tables(tmp_path: Path) -> None:
    flat = write(tmp_path, 'hidden = [256, 128]\ndropout = 0.2\nmodel = "mlp"\n'
                 'features = ["hog"]\nhog_cell = 4\nlr = 0.01\n', "flat.toml")
    nested = write(tmp_path, 'lr = 0.01\nfeatures = ["hog"]\n[model]\nkind = "mlp"\n'
                   'hidden = [256, 128]\ndropout = 0.2\n[feature_params]\n'
                   'hog_pixels_per_cell = [4, 4]\n', "nested.toml")
    a, b = capture_config("--config", str(flat)), capture_config("--config", str(nested))
    assert a == b
    assert a["model"]["hidden"] == [256, 128] and a["model"]["dropout"] == 0.2
    assert a["feature_params"] == {"hog_pixels_per_cell": [4, 4]}
    # flags override the file, whichever way it names the option
    assert capture_config("--config", str(flat), "--hidden", "64")["model"]["hidden"] == [64]
    linear = write(tmp_path, 'model = "linear"\nloss = "svm"\n', "linear.toml")
    assert capture_config("--config", str(linear))["model"]["kind"] == "linear"


def test_an_option_given_flat_and_nested_must_agree(tmp_path: Path) -> None:
    same = write(tmp_path, "hidden = [64]\n[model]\nhidden = [64]\n", "same.toml")
    assert capture_config("--config", str(same))["model"]["hidden"] == [64]
    both = write(tmp_path, "hidden = [256, 128]\n[model]\nhidden = [100]\n", "both.toml")
    result = invoke("train", "--config", str(both), "--quiet", "--out", str(tmp_path / "x"))
    assert result.exit_code == 2
    assert "hidden=[256, 128] and model.hidden=[100] both set model.hidden" in result.output
    assert not (tmp_path / "x").exists()
    with pytest.raises(ValueError, match=r"hog_pixels_per_cell=.*hog_cell="):
        C.nest({"features": ["hog"], "hog_cell": 4, "hog_pixels_per_cell": [6, 6]})


def test_unknown_names_are_refused_with_the_names_allowed(tmp_path: Path) -> None:
    bad = write(tmp_path, "hiden = [64]\n")
    result = invoke("train", "--config", str(bad), "--quiet", "--out", str(tmp_path / "x"))
    assert result.exit_code == 2
    assert "unknown option 'hiden'; allowed: data, root, features" in result.output
    assert "hidden" in result.output
    with pytest.raises(ValueError, match=r"unknown option 'model.hiden'; allowed: kind, hidden"):
        C.TrainConfig.parse({"model": {"hiden": [64]}})


def test_sweeps_take_the_same_flat_names_from_a_toml_base(tmp_path: Path) -> None:
    from neuralab.sweep.space import plan

    base = tomllib.loads('hidden = [32]\nepochs = 2\nmodel = "mlp"\n')
    trials = plan(base, grid={"lr": [1e-3, 1e-2]})
    assert [t.config["model"]["hidden"] for t in trials] == [[32], [32]]
    nested = plan({"model": {"hidden": [32]}, "epochs": 2}, grid={"lr": [1e-3, 1e-2]})
    assert [t.key for t in trials] == [t.key for t in nested]


# --------------------------------------------------------------------------- examples/*.toml
def test_the_lectures_experiments_ship_as_toml_files() -> None:
    names = {p.stem for p in EXAMPLES}
    assert {"linear_svm_cifar10", "softmax_l2_mnist", "l1_sparsity", "dropout_mlp",
            "batchnorm_mlp", "hog_color_linear"} <= names
    for path in EXAMPLES:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        cfg = C.TrainConfig.parse(data)
        check_run(cfg)
        assert path.read_text(encoding="utf-8").startswith("#"), path  # says what it shows
    assert C.TrainConfig.parse(tomllib.loads((REPO / "examples/dropout_mlp.toml").read_text())
                               ).model.hidden == (256, 128)


def example_root(data: str, tmp_path: Path) -> Path | None:
    """The dataset folder for an example: the shared sample when present, else tiny fake files
    in the official format (so the example runs everywhere)."""
    from neuralab.data.testing import write_fake_cifar10, write_fake_mnist

    if data not in ("mnist", "cifar10"):
        return None
    if (SHARED / data).is_dir():
        return SHARED / data
    if data == "mnist":
        write_fake_mnist(tmp_path / "mnist", n_train=200, n_test=60)
    else:
        write_fake_cifar10(tmp_path / "cifar10", n_per_batch=40)
    return tmp_path / data


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_each_example_trains(path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                             ) -> None:
    """Each example through the real command, for one epoch (its other settings as shipped)."""
    monkeypatch.setenv("NEURALAB_DATA", str(tmp_path / "cache"))  # the feature cache
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    root = example_root(data["data"], tmp_path)
    out = tmp_path / "run"
    extra = ["--root", str(root)] if root is not None else []
    if data["data"] == "mnist":  # a folder of one pair of files is carved: train on 10 % of it
        extra += ["--val-fraction", "0.1", "--test-fraction", "0.8"]
    result = invoke("train", "--config", str(path), *extra, "--epochs", "1", "--quiet",
                    "--out", str(out))
    assert result.exit_code == 0, result.output
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["epochs"] == 1 and 0 <= metrics["val_accuracy"] <= 1
    ran = json.loads((out / "config.json").read_text())
    assert ran["data"] == data["data"] and ran["epochs"] == 1


# --------------------------------------------------------------------------- the split
def splits(**fields: Any) -> Any:
    from neuralab.experiment import load_data

    return load_data(C.TrainConfig(**fields))[1]


def test_the_split_is_split_seeds_not_seeds() -> None:
    a, b, c = splits(seed=0), splits(seed=7), splits(seed=0, split_seed=1)
    np.testing.assert_array_equal(a.X_val, b.X_val)  # another seed: the same validation images
    np.testing.assert_array_equal(a.y_test, b.y_test)
    assert not np.array_equal(a.X_val, c.X_val)  # another split_seed: another split


def test_the_fractions_choose_the_split_sizes() -> None:
    ds = splits(val_fraction=0.1, test_fraction=0.3)
    n = len(ds.y_train) + len(ds.y_val) + len(ds.y_test)
    assert n == 1797
    assert abs(len(ds.y_val) - 0.1 * n) <= 1 and abs(len(ds.y_test) - 0.3 * n) <= 1
    default = splits()
    assert abs(len(default.y_val) - 0.2 * n) <= 1  # unset: the data set's own (60/20/20)


@pytest.mark.parametrize(("fields", "message"), [
    ({"val_fraction": 1.0}, "val_fraction=1.0 is out of range; allowed: [0, 1)"),
    ({"test_fraction": -0.1}, "test_fraction=-0.1 is out of range"),
    ({"val_fraction": 0.5, "test_fraction": 0.5},
     "val_fraction=0.5 + test_fraction=0.5 must be < 1"),
    ({"split_seed": -1}, "split_seed=-1"),
])
def test_bad_fractions_are_refused(fields: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        C.TrainConfig.parse(fields)


def test_test_fraction_is_refused_where_the_test_split_is_the_data_sets_own(tmp_path: Path
                                                                           ) -> None:
    with pytest.raises(ValueError, match=r"test_fraction=0.3: data='cifar10' has a test split "
                       r"of its own .*; test_fraction applies to: digits"):
        check_run(C.TrainConfig(data="cifar10", test_fraction=0.3))
    result = invoke("train", "--data", "cifar10", "--test-fraction", "0.3", "--quiet",
                    "--out", str(tmp_path / "x"))
    assert result.exit_code == 2 and "test_fraction=0.3" in result.output


def test_the_cli_sets_the_split() -> None:
    cfg = capture_config("--val-fraction", "0.1", "--test-fraction", "0.25", "--split-seed", "3")
    assert (cfg["val_fraction"], cfg["test_fraction"], cfg["split_seed"]) == (0.1, 0.25, 3)


def test_a_sweep_puts_every_trial_on_one_split_by_default() -> None:
    from neuralab.sweep.space import plan

    trials = plan(grid={"lr": [1e-3, 1e-2, 1e-1]}, fixed={"epochs": 2})
    assert len({t.seed for t in trials}) == 3  # each trial its own initial weights
    assert {t.config["split_seed"] for t in trials} == {0}  # and all the same split
    repeated = plan(grid={"split_seed": [0, 1, 2]}, fixed={"epochs": 2})
    assert [t.config["split_seed"] for t in repeated] == [0, 1, 2]


def test_a_run_written_before_split_seed_keeps_its_split(tmp_path: Path) -> None:
    from neuralab.experiment import read_config_json, run

    old = C.TrainConfig(model="linear", epochs=1, seed=4).model_dump(mode="json")
    del old["split_seed"], old["val_fraction"], old["test_fraction"]
    (tmp_path / "config.json").write_text(json.dumps(old))
    assert C.TrainConfig.parse(read_config_json(tmp_path / "config.json")).split_seed == 4
    # and a resumed run cannot move to another split
    out = tmp_path / "run"
    run(C.TrainConfig(model="linear", epochs=1), out, progress=False, pictures=False)
    with pytest.raises(ValueError, match="split_seed=0; a resumed run keeps its data"):
        run(C.TrainConfig(model="linear", epochs=2, split_seed=1), out, resume=True,
            progress=False, pictures=False)
