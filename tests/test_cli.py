"""The ``neuralab`` command and the promise that importing neuralab stays light."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from neuralab.cli import app


def test_demo_learns_the_spiral() -> None:
    result = CliRunner().invoke(app, ["demo", "--epochs", "60"])
    assert result.exit_code == 0, result.output
    final = float(result.output.strip().splitlines()[-1].split(":")[1].split()[0])
    assert final > 0.9  # a linear model cannot beat ~0.5 on three spiral arms


def test_bad_option_is_one_line_and_exit_status_2() -> None:
    result = CliRunner().invoke(app, ["demo", "--epochs", "0"])
    assert result.exit_code == 2
    assert "epochs" in result.output


def test_version() -> None:
    result = CliRunner().invoke(app, ["--version"])
    assert result.exit_code == 0 and result.output.startswith("neuralab ")


def test_import_does_not_pull_heavy_dependencies() -> None:
    code = (
        "import sys, neuralab, neuralab.nn, neuralab.losses, neuralab.optim, "
        "neuralab.regularizers, neuralab.cli\n"
        "heavy = {'torch', 'matplotlib', 'fastapi', 'sklearn', 'PIL', 'cupy'}\n"
        "print(sorted(heavy & {m.split('.')[0] for m in sys.modules}))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


# --------------------------------------------------------------------------- train / eval / predict
RUN_FILES = {"config.json", "model.safetensors", "history.csv", "metrics.json", "curves.png",
             "confusion.png", "dataset.json", "preprocess.safetensors"}


def invoke(*args: str):
    return CliRunner().invoke(app, list(args))


@pytest.fixture(scope="module")
def linear_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("runs") / "linear"
    result = invoke("train", "--model", "linear", "--lr", "1e-2", "--epochs", "15", "--quiet",
                    "--out", str(out))
    assert result.exit_code == 0, result.output
    return out


def test_train_writes_a_complete_run_directory(linear_run: Path) -> None:
    assert RUN_FILES | {"templates.png"} <= {p.name for p in linear_run.iterdir()}
    metrics = json.loads((linear_run / "metrics.json").read_text())
    assert set(metrics) == {"train_accuracy", "val_accuracy", "test_accuracy", "train_loss",
                            "val_loss", "test_loss", "epochs", "seconds"}
    assert metrics["epochs"] == 15 and metrics["test_accuracy"] > 0.9
    assert (linear_run / "checkpoints" / "last.safetensors").is_file()
    assert len((linear_run / "history.csv").read_text().splitlines()) == 16


def test_eval_reproduces_the_metrics(linear_run: Path) -> None:
    result = invoke("eval", str(linear_run))
    assert result.exit_code == 0, result.output
    metrics = json.loads((linear_run / "metrics.json").read_text())
    assert f"{metrics['test_accuracy']:.4f}" in result.output


def test_predict_reads_an_image_and_ranks_classes(linear_run: Path, tmp_path: Path) -> None:
    from PIL import Image
    from sklearn.datasets import load_digits

    digits = load_digits()
    zero = digits.images[digits.target == 0][0]  # 8×8, 0..16, light ink on black
    big = Image.fromarray((zero * 255 / 16).astype(np.uint8)).resize((64, 64), Image.NEAREST)
    big.save(tmp_path / "zero.png")
    result = invoke("predict", str(linear_run), str(tmp_path / "zero.png"), "--top-k", "2",
                    "--no-invert")
    assert result.exit_code == 0, result.output
    line = result.output.strip().splitlines()[-1]
    assert line.split(": ")[1].startswith("0 ")  # the best class is "0"
    assert len(line.split(": ")[1].split("   ")) == 2


def test_resume_continues_a_run_to_more_epochs(tmp_path: Path) -> None:
    out = tmp_path / "run"
    assert invoke("train", "--model", "linear", "--epochs", "2", "-q", "--out", str(out)
                  ).exit_code == 0
    result = invoke("train", "--resume", str(out), "--epochs", "4", "-q")
    assert result.exit_code == 0, result.output
    assert json.loads((out / "metrics.json").read_text())["epochs"] == 4
    assert len((out / "history.csv").read_text().splitlines()) == 5


def test_config_file_with_flag_overrides(tmp_path: Path) -> None:
    cfg = tmp_path / "exp.toml"
    cfg.write_text('loss = "svm"\nepochs = 1\n[model]\nkind = "linear"\n')
    out = tmp_path / "run"
    result = invoke("train", "--config", str(cfg), "--epochs", "2", "-q", "--out", str(out))
    assert result.exit_code == 0, result.output
    saved = json.loads((out / "config.json").read_text())
    assert saved["loss"] == "svm" and saved["epochs"] == 2 and saved["model"]["kind"] == "linear"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["train", "--lr", "-1"], "lr=-1.0"),
        (["train", "--activation", "swish"], "activation='swish'"),
        (["train", "--data", "imagenet"], "imagenet"),
        (["train", "--hidden", "10,x"], "hidden='10,x'"),
        (["train", "--dropout", "1"], "dropout=1.0"),
        (["train", "--config", "missing.toml"], "missing.toml"),
        (["train", "--data", "mnist", "--root", "/nonexistent/mnist"], "/nonexistent/mnist"),
        (["eval", "/nonexistent/run"], "/nonexistent/run"),
        (["data", "info", "nope"], "nope"),
    ],
)
def test_bad_input_is_one_red_line_and_status_2(args: list[str], message: str) -> None:
    result = invoke(*args)
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    lines = [ln for ln in result.output.strip().splitlines() if ln.strip()]
    assert len(lines) == 1 and message in lines[0], result.output


def test_predict_refuses_a_file_that_is_not_an_image(linear_run: Path, tmp_path: Path) -> None:
    bad = tmp_path / "notes.png"
    bad.write_text("not an image")
    result = invoke("predict", str(linear_run), str(bad))
    assert result.exit_code == 2 and "notes.png" in result.output


def test_data_list_and_info() -> None:
    listed = invoke("data", "list")
    assert listed.exit_code == 0 and "digits" in listed.output and "cifar10" in listed.output
    info = invoke("data", "info", "digits")
    assert info.exit_code == 0 and "8" in info.output


def test_train_on_hog_features_caches_them_and_predict_uses_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from PIL import Image
    from sklearn.datasets import load_digits

    monkeypatch.setenv("NEURALAB_DATA", str(tmp_path / "cache"))
    args = ["train", "--features", "hog,raw", "--hog-cell", "4", "--hog-block", "2",
            "--model", "linear", "--lr", "1e-2", "--epochs", "10", "-q"]
    first = invoke(*args, "--out", str(tmp_path / "a"))
    assert first.exit_code == 0, first.output
    cached = list((tmp_path / "cache").rglob("*.npz"))
    assert len(cached) == 1  # one feature file for digits + (hog, raw) + these parameters
    stamp = cached[0].stat().st_mtime_ns
    second = invoke(*args, "--out", str(tmp_path / "b"))
    assert second.exit_code == 0 and cached[0].stat().st_mtime_ns == stamp  # read, not rewritten
    saved = json.loads((tmp_path / "a" / "config.json").read_text())
    assert saved["features"] == ["hog", "raw"]
    assert json.loads((tmp_path / "a" / "metrics.json").read_text())["test_accuracy"] > 0.9

    digits = load_digits()
    zero = digits.images[digits.target == 0][0]
    Image.fromarray((zero * 255 / 16).astype(np.uint8)).save(tmp_path / "zero.png")
    result = invoke("predict", str(tmp_path / "a"), str(tmp_path / "zero.png"), "--no-invert")
    assert result.exit_code == 0, result.output
    assert result.output.strip().splitlines()[-1].split(": ")[1].startswith("0 ")


def test_feature_options_are_validated(tmp_path: Path) -> None:
    bad = invoke("train", "--features", "hog,sift", "-q", "--out", str(tmp_path / "x"))
    assert bad.exit_code == 2 and "sift" in bad.output
    mixed = invoke("train", "--color-bins", "8", "-q", "--out", str(tmp_path / "y"))
    assert mixed.exit_code == 2 and "color_bins" in mixed.output


# --------------------------------------------------------------------------- train's options
# train's options are made from TrainConfig / ModelConfig: these tests read the fields and the
# rendered --help, so they fail if the two drift apart.
FLAG_NAMES = {"--lam", "--lr-schedule", "--hidden", "--features", "--hog-cell", "--hog-block",
              "--color-bins", "--model", "--batchnorm", "--config", "--resume", "--out",
              "--quiet"}


def _config_fields(config_class):
    """(option name, field) for every field train has an option for, nested ones included."""
    from neuralab.config import ModelConfig

    names = {path: name for name, path in config_class.OPTION_ALIASES.items()}
    for cls, prefix in ((config_class, ()), (ModelConfig, ("model",))):
        for name, field in cls.model_fields.items():
            if (*prefix, name) not in (("model",), ("feature_params",)):
                yield names.get((*prefix, name), name), field


def _shown(value, name: str) -> str | None:
    if value is None or value == ():
        return None
    if isinstance(value, bool):
        return name if value else f"no-{name}"
    if isinstance(value, tuple):
        return ",".join(map(str, value))
    return f"{value:g}" if isinstance(value, float) else str(value)


def _help_rows(monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """train's --help, one row per option (wide enough that no row wraps), by option."""
    import typer.rich_utils

    monkeypatch.setattr(typer.rich_utils, "MAX_WIDTH", 1000)
    result = invoke("train", "--help")
    assert result.exit_code == 0, result.output
    rows = {}
    for line in result.output.splitlines():
        words = line.strip("│ ").split()
        if words and words[0].startswith("--"):
            rows[words[0]] = " ".join(words)
    return rows


def test_train_help_shows_each_config_field_with_its_description_and_default(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from neuralab.config import FEATURE_PARAMS, TrainConfig

    rows = _help_rows(monkeypatch)
    assert FLAG_NAMES <= set(rows)
    for name, field in _config_fields(TrainConfig):
        flag = "--" + name.replace("_", "-")
        row = rows[flag]
        assert field.description and " ".join(field.description.split()) in row, flag
        shown = _shown(field.default, name.replace("_", "-"))
        if shown is None:
            assert "[default:" not in row, flag
        else:
            assert row.endswith(f"[default: {shown}]"), (flag, row)
        choices = TrainConfig.CHOICES.get(name) or (
            ("linear", "mlp") if name == "model" else None)
        if choices:
            assert f"Choices: {' | '.join(choices)}." in row, flag
    assert "Choices: sgd | momentum | nesterov | rmsprop | adam." in rows["--optimizer"]
    assert "Choices: sigmoid | tanh | relu" in rows["--activation"]  # ModelConfig's CHOICES
    hog = FEATURE_PARAMS["hog"]
    assert rows["--hog-cell"].endswith(f"[default: {hog['hog_pixels_per_cell'][0]}]")
    assert rows["--hog-block"].endswith(f"[default: {hog['hog_cells_per_block'][0]}]")
    assert rows["--color-bins"].endswith(f"[default: {FEATURE_PARAMS['color']['color_bins']}]")
    assert "--no-batchnorm" in rows["--batchnorm"]


def test_train_help_follows_a_changed_default(monkeypatch: pytest.MonkeyPatch) -> None:
    from pydantic import Field

    from neuralab import config

    class Changed(config.TrainConfig):
        epochs: int = Field(7, description="Passes over the training set, changed.")
        lam: float = Field(0.25, description="Regularization strength λ.")

    monkeypatch.setattr(config, "TrainConfig", Changed)
    rows = _help_rows(monkeypatch)
    assert rows["--epochs"].endswith("Passes over the training set, changed. [default: 7]")
    assert rows["--lam"].endswith("[default: 0.25]")


def test_train_flags_are_unset_until_given() -> None:
    """Every option that sets the config has Typer default None, so a flag overrides a --config
    file or a resumed run only when it is given."""
    import typer.main

    command = typer.main.get_command(app).commands["train"]
    ctx = command.context_class(command, info_name="train")
    params = [p for p in command.get_params(ctx) if p.name not in ("quiet", "overwrite", "help")]
    assert len(params) >= 30 and all(p.default is None for p in params)
    names = [opt for p in params for opt in p.opts]
    assert len(names) == len(set(names))  # no two fields share an option


def test_listing_the_commands_does_not_import_pydantic() -> None:
    code = (
        "import sys\nfrom typer.testing import CliRunner\nfrom neuralab.cli import app\n"
        "assert CliRunner().invoke(app, ['--help']).exit_code == 0\n"
        "print('pydantic' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
