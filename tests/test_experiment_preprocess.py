"""What a run does to its inputs: the image scaler for images, the floored standardizer for
features and tabular data, preprocess.safetensors, and old run directories. On real MNIST (when
``../shared/data/mnist`` is there): the CLI's 6k/2k/2k split, no test image dominating the loss,
inputs within |x| <= 100, and the issue's accuracies at 15 epochs."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from typer.testing import CliRunner

from neuralab import experiment
from neuralab import io as nio
from neuralab.cli import app
from neuralab.config import TrainConfig
from neuralab.data import ImageScaler, Standardizer
from neuralab.train import predict_scores

SHARED_MNIST = Path(__file__).resolve().parents[2] / "shared" / "data" / "mnist"
# "only the 10000 test images were found ...; split them 6000/2000/2000": expected here.
pytestmark = pytest.mark.filterwarnings("ignore::neuralab.data.DatasetNotice")


def _splits(loaded: experiment.LoadedRun) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Every split of a run's data, preprocessed as the run says, with its labels."""
    _, ds = experiment.load_data(loaded.config)
    return {s: (loaded.scaler.transform(experiment.flat(getattr(ds, f"X_{s}"))),
                getattr(ds, f"y_{s}")) for s in ("train", "val", "test")}


def _per_sample_loss(model, X: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Softmax cross-entropy of each sample (float64)."""
    s = np.asarray(predict_scores(model, X), dtype=np.float64)
    s -= s.max(axis=1, keepdims=True)
    return np.log(np.exp(s).sum(axis=1)) - s[np.arange(len(y)), y]


def _png(path: Path, value: int | np.ndarray, size: int = 8) -> Path:
    arr = np.full((size, size), value, np.uint8) if np.isscalar(value) else value
    Image.fromarray(np.asarray(arr, np.uint8)).save(path)
    return path


# --------------------------------------------------------------------------- which scheme
def test_image_run_uses_the_image_scaler(tmp_path: Path) -> None:
    config = TrainConfig.parse({"data": "digits", "epochs": 3})
    result = experiment.run(config, tmp_path, progress=False, pictures=False)
    arrays, meta = nio.read_arrays(tmp_path / "preprocess.safetensors")
    assert meta["kind"] == "image_scaler" and set(arrays) == {"mean"}
    assert meta["pixel_max"] == 16.0 and meta["floor"] == 0.01
    assert meta["scale"] == pytest.approx(max(meta["std"], 0.16), rel=1e-6)
    assert meta["scale"] >= meta["std"] and arrays["mean"].shape == (64,)
    loaded = experiment.open_run(tmp_path)
    assert isinstance(loaded.scaler, ImageScaler)
    for X, _ in _splits(loaded).values():
        assert np.abs(X).max() <= 100
    metrics = experiment.evaluate_run(tmp_path)
    for key in ("train_accuracy", "val_accuracy", "test_accuracy", "test_loss"):
        assert metrics[key] == pytest.approx(result.metrics[key], rel=1e-5), key
    # Any picture, even all black or all white, becomes an input within the bound.
    gradient = np.tile(np.linspace(0, 255, 8), (8, 1))
    images = [_png(tmp_path / "black.png", 0), _png(tmp_path / "white.png", 255),
              _png(tmp_path / "ramp.png", gradient)]
    for ranked in experiment.predict_images(tmp_path, images, top_k=2, invert=False):
        assert len(ranked) == 2 and all(np.isfinite(p) for _, p in ranked)


@pytest.mark.parametrize(("data", "features"), [("digits", ["raw"]), ("spiral", [])],
                         ids=["features", "tabular"])
def test_feature_and_tabular_runs_use_the_floored_standardizer(
    tmp_path: Path, data: str, features: list[str]
) -> None:
    config = TrainConfig.parse({"data": data, "features": features, "epochs": 2})
    result = experiment.run(config, tmp_path, progress=False, pictures=False)
    arrays, meta = nio.read_arrays(tmp_path / "preprocess.safetensors")
    assert meta == {"kind": "standardizer", "floor": 0.01}
    assert set(arrays) == {"mean", "std", "scale"}
    np.testing.assert_array_equal(arrays["scale"],
                                  np.maximum(arrays["std"], 0.01 * arrays["std"].max()))
    loaded = experiment.open_run(tmp_path)
    assert isinstance(loaded.scaler, Standardizer)
    metrics = experiment.evaluate_run(tmp_path)
    assert metrics["test_accuracy"] == pytest.approx(result.metrics["test_accuracy"])


def test_run_written_before_the_image_scaler_still_loads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A run directory of the previous version: per-pixel Standardizer, preprocess.safetensors
    with kind "standardizer" and arrays mean/std only. It loads, and eval and predict give what
    they gave then."""

    def old_save(scaler: Standardizer, path: Path) -> None:  # the previous version, verbatim
        nio.write_arrays(path, {"mean": scaler.mean_, "std": scaler.std_},
                         {"kind": "standardizer"})

    with monkeypatch.context() as m:
        m.setattr(experiment, "make_scaler", lambda config, ds: Standardizer(floor=0))
        m.setattr(experiment, "save_preprocess", old_save)
        result = experiment.run(TrainConfig.parse({"data": "digits", "epochs": 3}), tmp_path,
                                progress=False, pictures=False)
    arrays, meta = nio.read_arrays(tmp_path / "preprocess.safetensors")
    assert meta == {"kind": "standardizer"} and set(arrays) == {"mean", "std"}
    mean, std = arrays["mean"], arrays["std"]
    assert (std == 0).any() and (std[std > 0] < 0.01 * std.max()).any()  # the floor would act
    loaded = experiment.open_run(tmp_path)
    assert isinstance(loaded.scaler, Standardizer)
    _, ds = experiment.load_data(loaded.config)
    X = experiment.flat(ds.X_test)
    before = np.where(std > 0, (X - mean) / np.where(std > 0, std, 1), 0)  # the old transform
    np.testing.assert_allclose(loaded.scaler.transform(X), before, rtol=1e-6, atol=1e-6)
    metrics = experiment.evaluate_run(tmp_path)
    for key in ("train_accuracy", "test_accuracy", "test_loss"):
        assert metrics[key] == pytest.approx(result.metrics[key], rel=1e-5), key
    ranked = experiment.predict_images(tmp_path, [_png(tmp_path / "one.png", 200)], top_k=1)
    assert len(ranked[0]) == 1


# --------------------------------------------------------------------------- real MNIST
MNIST_RUNS = {  # name -> CLI options besides --data/--root (the CLI's defaults otherwise)
    "linear": ["--model", "linear", "--epochs", "15"],
    "mlp256": ["--hidden", "256", "--epochs", "15"],
    "default": [],  # the default MLP: hidden 100, 50 epochs
}


@pytest.fixture(scope="module")
def mnist_runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    if not SHARED_MNIST.is_dir():
        pytest.skip(f"real MNIST files not at {SHARED_MNIST}")
    root = tmp_path_factory.mktemp("mnist-runs")
    runs = {}
    for name, options in MNIST_RUNS.items():
        out = root / name
        result = CliRunner().invoke(app, ["train", "--data", "mnist", "--root", str(SHARED_MNIST),
                                          *options, "--quiet", "--out", str(out)])
        assert result.exit_code == 0, result.output
        runs[name] = out
    return runs


@pytest.mark.parametrize("name", list(MNIST_RUNS))
def test_mnist_no_test_image_dominates_the_loss(mnist_runs: dict[str, Path], name: str) -> None:
    """Per-pixel standardization let one test image carry ~70 % of the default MLP's test loss
    (a border pixel divided by a std near 0: |x| up to 19,444). Now none carries 5 %."""
    loaded = experiment.open_run(mnist_runs[name])
    assert isinstance(loaded.scaler, ImageScaler) and loaded.scaler.pixel_max_ == 255.0
    splits = _splits(loaded)
    assert [len(y) for _, y in splits.values()] == [6000, 2000, 2000]  # the CLI's split
    for split, (X, _) in splits.items():
        assert np.abs(X).max() <= 100, split
    loss = _per_sample_loss(loaded.model, *splits["test"])
    assert loss.max() / loss.sum() < 0.05


@pytest.mark.parametrize(("name", "threshold"), [("linear", 0.90), ("mlp256", 0.95)])
def test_mnist_must_show_accuracy(mnist_runs: dict[str, Path], name: str,
                                  threshold: float) -> None:
    """The issue's Must show, at 15 epochs with the CLI's defaults otherwise."""
    metrics = experiment.evaluate_run(mnist_runs[name])
    assert metrics["test_accuracy"] >= threshold, metrics
