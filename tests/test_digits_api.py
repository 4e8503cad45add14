"""The /digits page's API through FastAPI's TestClient: a drawing's normalized input is
``neuralab.data.normalize``'s, the linear classifier's contribution maps sum to its score minus
its bias, probabilities sum to 1, the templates are W's columns, bad requests name their field,
the page says "training" until the models are there, and the command line refuses a bad
``--digits-*`` option with one line (exit 2)."""

from __future__ import annotations

import socket
import subprocess
import sys
import warnings
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest

pytest.importorskip("fastapi", reason="the playground server needs FastAPI")
pytest.importorskip("httpx", reason="Starlette's TestClient needs httpx")

with warnings.catch_warnings():  # newer Starlette nudges httpx users towards httpx2
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from neuralab.data import normalize
from neuralab.playground.app import create_app
from neuralab.playground.digits import DigitModels, check_source

SIDE = 40


def stroke() -> np.ndarray:
    """A vertical bar, dark on white: (SIDE, SIDE) grey levels."""
    grey = np.full((SIDE, SIDE), 255, dtype=np.int64)
    grey[5:35, 18:23] = 0
    return grey


def body(grey: np.ndarray) -> dict[str, Any]:
    return {"width": grey.shape[1], "height": grey.shape[0], "pixels": grey.ravel().tolist()}


@pytest.fixture(scope="module")
def models() -> DigitModels:
    m = DigitModels()
    assert m.wait(120), m.status()
    return m


@pytest.fixture(scope="module")
def client(models: DigitModels) -> Iterator[TestClient]:
    with TestClient(create_app(digits=models)) as c:
        yield c


def test_a_drawing_gives_the_two_viewpoints(client: TestClient, models: DigitModels) -> None:
    grey = stroke()
    res = client.post("/api/digits/predict", json=body(grey))
    assert res.status_code == 200, res.text
    out = res.json()
    lin, mlp = out["linear"], out["mlp"]
    # the normalized input is predict's framing of the drawing (one implementation)
    framed = normalize.normalize_image(grey, normalize.FRAMINGS["digits"], 16.0)
    np.testing.assert_allclose(out["normalized"], framed / 16.0, atol=1e-4)
    scores, bias = np.array(lin["scores"]), np.array(lin["bias"])
    contributions = np.array(lin["contributions"])
    assert contributions.shape == (3, 8, 8)
    assert lin["top"] == np.argsort(-scores)[:3].tolist() and lin["predicted"] == lin["top"][0]
    # the algebraic viewpoint: Σ_pixels w_c ⊙ x = w_c · x = s_c − b_c
    np.testing.assert_allclose(contributions.sum(axis=(1, 2)),
                               (scores - bias)[lin["top"]], atol=1e-3)
    assert lin["scale"] == pytest.approx(np.abs(contributions).max(), abs=1e-4)
    for probs in (lin["probs"], mlp["probs"]):
        assert len(probs) == 10 and min(probs) >= 0
        assert sum(probs) == pytest.approx(1.0, abs=1e-5)
    assert np.argmax(mlp["probs"]) == mlp["predicted"]
    assert "1" in (out["class_names"][lin["predicted"]], out["class_names"][mlp["predicted"]])
    assert out["blank"] is False


def test_the_scores_are_w_dot_x_plus_b(client: TestClient) -> None:
    from neuralab.config import TrainConfig
    from neuralab.experiment import flat, make_scaler

    grey = stroke()
    out = client.post("/api/digits/predict", json=body(grey)).json()
    templates = client.get("/api/digits/templates").json()
    W = np.array(templates["templates"]).reshape(10, -1)  # (C, D): w_c as rows
    # x: the framed drawing preprocessed as a run on digits does (the mean image, one scale)
    ds = check_source().dataset
    scaler = make_scaler(TrainConfig(data="digits"), ds).fit(flat(ds.X_train))
    framed = normalize.normalize_image(grey, normalize.FRAMINGS["digits"], 16.0)
    x = scaler.transform(framed.reshape(1, -1))[0]
    np.testing.assert_allclose(W @ x + np.array(templates["bias"]), out["linear"]["scores"],
                               atol=1e-3)
    assert templates["shape"] == [8, 8]
    assert templates["scale"] == pytest.approx(np.abs(W).max(), abs=1e-4)


def test_a_blank_canvas_is_said_to_be_blank(client: TestClient) -> None:
    out = client.post("/api/digits/predict", json=body(np.full((16, 16), 255))).json()
    assert out["blank"] is True
    assert np.array(out["normalized"]).max() == 0


@pytest.mark.parametrize("change, field", [
    ({"width": 4}, "width"),
    ({"width": 10_000}, "width"),
    ({"height": "40"}, "height"),
    ({"pixels": [0] * 10}, "pixels"),
    ({"pixels": [256] * SIDE * SIDE}, "pixels.0"),
    ({"pixels": [0.5] * SIDE * SIDE}, "pixels.0"),
    ({"colour": 1}, "colour"),
])
def test_bad_requests_name_their_field(client: TestClient, change: dict[str, Any],
                                       field: str) -> None:
    res = client.post("/api/digits/predict", json={**body(stroke()), **change})
    assert res.status_code == 422, res.text
    assert res.json()["field"] == field
    assert field.split(".")[0] in res.json()["message"]


def test_a_body_that_is_not_json_is_refused(client: TestClient) -> None:
    res = client.post("/api/digits/predict", content=b"{pixels")
    assert res.status_code == 400 and res.json()["error"] == "json"


def test_the_page_says_training_until_ready() -> None:
    models = DigitModels()
    with TestClient(create_app(digits=models)) as c:
        res = c.post("/api/digits/predict", json=body(stroke()))  # starts training, no wait
        assert res.status_code == 503 and res.json()["state"] == "training"
        assert c.get("/api/digits/templates").status_code == 503
        assert models.wait(120)
        assert c.get("/api/digits/status").json() == {"state": "ready", "data": "digits",
                                                      "message": None}
        assert c.get("/api/digits/templates").status_code == 200
        assert c.get("/digits").status_code == 200


def test_a_run_directory_brings_its_model(tmp_path: Any) -> None:
    from neuralab.config import TrainConfig
    from neuralab.experiment import run

    config = TrainConfig.parse({"data": "digits", "model": {"kind": "linear"}, "epochs": 2})
    run(config, tmp_path / "run", progress=False, pictures=False, checkpoints=False)
    source = check_source(run=str(tmp_path / "run"))
    assert (source.data, source.run_kind) == ("digits", "linear")
    models = DigitModels(source)
    assert models.wait(120), models.status()
    W = np.asarray(source.run.model[0].weight.value)  # (D, C)
    np.testing.assert_allclose(np.array(models.templates()["templates"]).reshape(10, -1),
                               W.T, atol=1e-4)


@pytest.mark.parametrize("option, message", [
    (("--digits-data", "cifar10"), "digits-data='cifar10'"),
    (("--digits-root", "/nonexistent/mnist"), "digits-root='/nonexistent/mnist' is not a folder"),
    (("--digits-run", "/nonexistent/run"), "digits-run='/nonexistent/run'"),
    (("--digits-root", ""), "digits-root='' is not a folder"),
    (("--digits-data", "digits", "--digits-root", "."), "need no folder"),
])
def test_the_command_line_refuses_a_bad_option(option: tuple[str, ...], message: str) -> None:
    with socket.socket() as sock:  # a port free now: --host/--port pass, the option fails
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    done = subprocess.run([sys.executable, "-m", "neuralab", "playground", "--no-browser",
                           "--port", str(port), *option], capture_output=True, text=True,
                          timeout=120)
    lines = done.stderr.strip().splitlines()
    assert done.returncode == 2, done.stderr
    assert len(lines) == 1 and message in lines[0], done.stderr


def test_an_mnist_folder_trains_28_by_28_models(tmp_path: Any) -> None:
    from neuralab.data.testing import write_fake_mnist

    write_fake_mnist(tmp_path / "mnist")
    source = check_source(root=str(tmp_path / "mnist"))  # mnist: the default with a root
    models = DigitModels(source)
    assert models.wait(120), models.status()
    assert models.status()["data"] == "mnist"
    out = models.predict(stroke().astype(float))
    assert np.array(out["normalized"]).shape == (28, 28)
    assert np.array(out["linear"]["contributions"]).shape == (3, 28, 28)
    # MNIST's framing: the ink's box 20 pixels high, the rest of the 28 rows empty
    rows = np.flatnonzero(np.array(out["normalized"]).max(axis=1) > 0.2)
    assert 18 <= rows[-1] - rows[0] + 1 <= 21
    assert np.array(models.templates()["templates"]).shape == (10, 28, 28)
