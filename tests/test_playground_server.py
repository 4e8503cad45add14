"""The playground server over a real WebSocket (Starlette's TestClient): the message flow of
PROTOCOL.md, the Origin check, the size limit, and a fuzz test the session must survive."""

from __future__ import annotations

import json
import math
import random
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

pytest.importorskip("fastapi", reason="the playground server needs FastAPI")
pytest.importorskip("httpx", reason="Starlette's TestClient needs httpx")

with warnings.catch_warnings():  # newer Starlette nudges httpx users towards httpx2
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from neuralab.config import ACTIVATIONS, LOSSES, OPTIMIZERS, REGULARIZERS
from neuralab.playground.app import create_app, origin_allowed
from neuralab.playground.frames import (
    NEURON_MAP_PIXELS,
    decode_frame,
    grid_features,
    heatmaps,
    neuron_map_size,
)
from neuralab.playground.protocol import (
    DATA_FIELDS,
    DATASETS,
    FEATURES,
    LIMITS,
    MAX_MESSAGE_BYTES,
    NET_FIELDS,
    PlaygroundConfig,
    ProtocolError,
    resolve_config,
    validate_patch,
)
from neuralab.playground.tables import PRESETS

SENTINEL = {"type": "export", "what": "csv"}  # its reply marks the end of earlier replies


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient]:
    with TestClient(create_app()) as c:
        yield c


def receive(ws: Any) -> dict[str, Any]:
    """The next message: JSON as a dict, a binary frame as its decoded header."""
    event = ws.receive()
    if event.get("bytes") is not None:
        return decode_frame(event["bytes"])[0]
    return json.loads(event["text"])


def open_session(client: TestClient, **headers: str) -> Any:
    return client.websocket_connect("/ws", headers=dict(headers))


def greet(ws: Any) -> tuple[dict, dict, dict]:
    hello, points, frame = receive(ws), receive(ws), receive(ws)
    assert (hello["type"], points["type"], frame["type"]) == ("hello", "points", "frame")
    return hello, points, frame


def exchange(ws: Any, *messages: dict[str, Any] | str) -> list[dict[str, Any]]:
    """Send ``messages``, then the sentinel; return every reply before the sentinel's."""
    for m in (*messages, SENTINEL):
        ws.send_text(m if isinstance(m, str) else json.dumps(m))
    replies = []
    while True:
        r = receive(ws)
        if r["type"] == "export" and r["what"] == "csv":
            return replies
        replies.append(r)


# --------------------------------------------------------------------------- pages
def test_pages_and_a_missing_index(tmp_path: Path) -> None:
    with TestClient(create_app(static_dir=tmp_path)) as c:
        r = c.get("/")
        assert r.status_code == 404 and "index.html" in r.text
        assert c.get("/static/app.js").status_code == 404
        (tmp_path / "index.html").write_text("<!doctype html><title>t</title>")
        (tmp_path / "app.js").write_text("let x = 1;")
        assert c.get("/").text.startswith("<!doctype html>")
        assert c.get("/static/app.js").text == "let x = 1;"


# --------------------------------------------------------------------------- the flow
def test_hello_config_play_pause_step(client: TestClient) -> None:
    with open_session(client) as ws:
        hello, points, frame = greet(ws)
        assert hello["version"] == 1 and hello["config"] == PlaygroundConfig().model_dump()
        assert len(points["train"]) == 250 and frame["epoch"] == 0

        replies = exchange(ws, {"type": "config", "config": {"lr": 0.1, "hidden": [3]}})
        assert [r["type"] for r in replies] == ["config", "frame"]
        assert replies[0]["config"]["hidden"] == [3] and len(replies[1]["weights"]) == 2

        replies = exchange(ws, {"type": "config", "config": {"dataset": "xor"}})
        assert [r["type"] for r in replies] == ["config", "points", "frame"]

        ws.send_text(json.dumps({"type": "play"}))
        playing = []
        while len(playing) < 4:
            r = receive(ws)
            assert r["type"] == "frame" and r["playing"]
            playing.append(r)
        assert playing[-1]["step"] > playing[0]["step"] > 0  # training goes on between frames
        assert playing[1]["step"] - playing[0]["step"] == PlaygroundConfig().steps_per_frame

        replies = exchange(ws, {"type": "pause"})
        assert replies[-1]["type"] == "frame" and not replies[-1]["playing"]
        paused = replies[-1]
        # paused: a frame request answers with the very same state, no training in between
        again = exchange(ws, {"type": "frame"})
        assert [r["type"] for r in again] == ["frame"] and again[0]["step"] == paused["step"]

        (stepped,) = exchange(ws, {"type": "step"})
        assert stepped["epoch"] == paused["epoch"] + 1 and not stepped["playing"]


def _accepted(patch: dict[str, Any], cross_field: bool = True) -> bool:
    """Whether the server takes ``patch`` as a config message (on the default config), or
    each of its fields on its own (``cross_field=False``)."""
    try:
        valid = validate_patch(patch)
        if cross_field:
            resolve_config(PlaygroundConfig(), valid)
    except ProtocolError:
        return False
    return True


def test_hello_carries_every_table(client: TestClient) -> None:
    """The page builds its controls and reads its links from hello alone (PROTOCOL.md): every
    table arrives over the socket and equals the Python definitions and the validators."""
    with open_session(client) as ws:
        hello, _, _ = greet(ws)
    fields = list(PlaygroundConfig.model_fields)
    assert hello["defaults"] == PlaygroundConfig().model_dump() == hello["config"]
    assert hello["choices"] == {
        "rules": ["neuralab", "tfp"],
        "dataset": list(DATASETS), "problem": ["classification", "regression"],
        "features": list(FEATURES), "activation": list(ACTIVATIONS), "loss": list(LOSSES),
        "optimizer": list(OPTIMIZERS), "reg": list(REGULARIZERS)}
    assert hello["datasets"] == DATASETS and hello["features"] == list(FEATURES)
    assert hello["limits"] == json.loads(json.dumps(LIMITS))
    assert hello["groups"] == {"data": [f for f in fields if f in DATA_FIELDS],
                               "net": [f for f in fields if f in NET_FIELDS]}
    assert hello["losses"] == {"classification": ["softmax", "svm"], "regression": ["mse"]}
    # every field but the switch batchnorm has its choices or its range
    tabled = hello["choices"].keys() | hello["ranges"].keys()
    assert sorted(tabled) == sorted(f for f in fields if f != "batchnorm")

    # each choice table is exactly what the validators accept
    for field, names in hello["choices"].items():
        listed = field == "features"  # a list; activation: a name or a list of names
        for name in names:
            assert _accepted({field: [name] if listed else name}, False), (field, name)
        assert not _accepted({field: ["nope"] if listed else "nope"}, False), field
    # each range: its ends in or out as it says, beyond them out, integers only where it says
    for field, r in hello["ranges"].items():
        def ok(v: float, field: str = field) -> bool:
            return _accepted({field: [v] if field == "hidden" else v}, False)
        lo, hi = r["min"], r["max"]
        assert ok(lo) == r["min_inclusive"], (field, lo)
        assert not ok(lo - 1), field
        if hi is None:
            assert ok(1e300), field
        else:
            assert ok(hi) == r["max_inclusive"], (field, hi)
            assert not ok(hi + 1), field
        if r["integer"]:
            assert ok(lo + 1) and not ok(lo + 1.5), field
        else:
            assert ok(lo + 0.25 * (1 if hi is None else min(1, hi - lo))), field
    # losses per problem, class counts per data set: what resolve_config allows
    for problem, fits in hello["losses"].items():
        for loss in hello["choices"]["loss"]:
            assert _accepted({"problem": problem, "loss": loss}) == (loss in fits)
    assert hello["rules"]["neuralab"]["losses"] == hello["losses"]
    for rules, table in hello["rules"].items():
        for problem, fits in table["losses"].items():
            for loss in hello["choices"]["loss"]:
                assert _accepted({"rules": rules, "problem": problem, "loss": loss}) == (
                    loss in fits), (rules, problem, loss)
    lo, hi = hello["limits"]["classes"]
    for name, d in hello["datasets"].items():
        assert _accepted({"dataset": name, "problem": d["problem"]})
        if d["problem"] == "classification":
            for k in range(lo, hi + 1):
                assert _accepted({"dataset": name, "classes": k}) == (k in d["classes"])
    # what the page offers lies within the rules
    assert hello["presets"] == json.loads(json.dumps(PRESETS))
    for field, values in hello["presets"].items():
        assert all(_accepted({field: v}) for v in values), field
    for field, (low, high, step) in hello["sliders"].items():
        assert _accepted({field: low}) and _accepted({field: high}) and 0 < step <= high - low


def test_exports_travel_in_the_reply(client: TestClient) -> None:
    with open_session(client) as ws:
        greet(ws)
        for what in ("model", "script", "csv"):
            ws.send_text(json.dumps({"type": "export", "what": what}))
            reply = receive(ws)
            assert reply["type"] == "export" and reply["what"] == what and reply["content"]


def test_bad_messages_get_an_error_and_the_session_lives_on(client: TestClient) -> None:
    with open_session(client) as ws:
        greet(ws)
        bad = ["{", "[]", '{"type":"jump"}', '{"type":"config","config":{"lr":-1}}',
               '{"type":"add_point","x":0,"y":0,"label":9}',
               '{"type":"set_weight","layer":9,"i":0,"j":0,"value":1}']
        replies = exchange(ws, *bad)
        assert [r["type"] for r in replies] == ["error"] * len(bad)
        assert replies[3] == {"type": "error", "field": "lr",
                              "message": "lr=-1.0 is out of range; allowed: (0, 10]"}
        assert replies[4]["field"] == "label" and replies[5]["field"] == "layer"
        ws.send_bytes(b"\xff\x00")  # binary, not UTF-8
        assert "UTF-8" in receive(ws)["message"]
        (frame,) = exchange(ws, {"type": "step"})
        assert frame["epoch"] == 1 and math.isfinite(frame["train_loss"])


def test_size_limit(client: TestClient) -> None:
    with open_session(client) as ws:
        greet(ws)
        big = json.dumps({"type": "import_csv", "text": "0,0,1\n" * 12000})  # 72 KB
        assert len(big) > MAX_MESSAGE_BYTES
        (reply,) = exchange(ws, big)
        assert reply["type"] == "error" and "64 KiB" in reply["message"]
        assert [r["type"] for r in exchange(ws, {"type": "frame"})] == ["frame"]


def test_frame_sizes_are_as_documented(client: TestClient) -> None:
    """PROTOCOL.md's *Frame sizes*: 4 + header + G²·(K + D) + H·T² bytes, T = G up to 2¹⁸
    pixels of hidden maps; the largest network at the largest grid sends its 192 neuron maps at
    36 × 36, a frame of ~0.6 MB instead of ~3.5 MB."""
    largest = {"dataset": "blobs", "classes": 5, "features": list(FEATURES),
               "hidden": [LIMITS["neurons"]] * LIMITS["hidden_layers"], "grid": LIMITS["grid"][1]}
    with open_session(client) as ws:
        greet(ws)
        for patch, k_d, h in (({}, 2 + 2, 6), (largest, 5 + 9, 192),
                              ({"activation": "maxout"}, 5 + 9, 192)):
            ws.send_text(json.dumps({"type": "config", "config": patch}))
            while (event := ws.receive()).get("bytes") is None:
                assert json.loads(event["text"])["type"] in ("config", "points")
            data = event["bytes"]
            header = int.from_bytes(data[:4], "little")
            entries = decode_frame(data)[0]["heatmaps"]
            g, t = entries[0]["width"], entries[-1]["width"]
            assert t == neuron_map_size(g, h)
            assert len(data) == 4 + header + g * g * k_d + h * t * t
            if patch:
                assert g == 128 and t == 36 and h * t * t <= NEURON_MAP_PIXELS
                assert 0.5e6 < len(data) < 0.7e6
            else:
                assert g == t == 50 and len(data) < 30_000


def test_large_networks_send_smaller_neuron_maps() -> None:
    """Each T×T pixel is the grid's value in the G-cell holding its cell's centre."""
    assert neuron_map_size(50, 6) == 50 and neuron_map_size(128, 6) == 128
    assert neuron_map_size(100, 48) == 73 and neuron_map_size(10, 10_000) == 8
    assert neuron_map_size(100, 192) == neuron_map_size(128, 192) == 36
    g, t = 100, neuron_map_size(100, 192)
    act = np.arange(g * g, dtype=np.float32)[:, None] * np.ones((1, 192), np.float32)
    entries, payload = heatmaps(g, np.zeros((g * g, 1), np.float32), (-1.0, 1.0),
                                grid_features(["x1"], g), [act[:, :96], act[:, 96:]])
    neuron = [e for e in entries if e["id"].startswith("L")]
    assert len(neuron) == 192 and {(e["width"], e["height"]) for e in neuron} == {(t, t)}
    cells = ((np.arange(t) + 0.5) * g / t).astype(int)
    expected = (cells[:, None] * g + cells[None, :]).ravel()  # the value is the cell's index
    first = neuron[0]
    got = payload[first["offset"] : first["offset"] + t * t].astype(np.float64)
    lo, hi = first["lo"], first["hi"]
    assert lo == expected.min() and hi == expected.max()
    assert np.abs(lo + got / 255 * (hi - lo) - expected).max() <= (hi - lo) / 255


def test_sessions_are_isolated(client: TestClient) -> None:
    with open_session(client) as a, open_session(client) as b:
        greet(a), greet(b)
        exchange(a, {"type": "config", "config": {"hidden": [7]}})
        (frame_b,) = exchange(b, {"type": "frame"})
        assert [len(w) for w in frame_b["weights"]] == [2, 4, 2]


# --------------------------------------------------------------------------- origin
@pytest.mark.parametrize("origin", ["http://evil.example", "http://localhost:9999",
                                    "https://localhost", "null", "http://127.0.0.1.evil.com"])
def test_foreign_origins_are_closed_with_1008(client: TestClient, origin: str) -> None:
    with pytest.raises(WebSocketDisconnect) as err, open_session(client, origin=origin) as ws:
        ws.receive_text()  # the server accepts, then closes at once: nothing to read
    assert err.value.code == 1008


@pytest.mark.parametrize("origin", ["http://testserver", "http://localhost",
                                    "http://127.0.0.1:80", "http://[::1]"])
def test_own_and_loopback_origins_connect(client: TestClient, origin: str) -> None:
    with open_session(client, origin=origin) as ws:
        greet(ws)


def test_origin_rules() -> None:
    assert origin_allowed(None, 8765)  # not a browser
    assert origin_allowed("http://localhost:8765", 8765)
    assert origin_allowed("http://192.168.1.5:8765", 8765, "192.168.1.5")
    assert not origin_allowed("http://192.168.1.5:8765", 8765, "127.0.0.1")
    # DNS rebinding: a foreign name that resolves to us still carries its own Origin
    assert not origin_allowed("http://evil.example:8765", 8765, "127.0.0.1",
                              "evil.example:8765")
    # bound to every interface: the page's own Host is its origin
    assert origin_allowed("http://myhost.lan:8765", 8765, "0.0.0.0", "myhost.lan:8765")
    assert not origin_allowed("http://other.lan:8765", 8765, "0.0.0.0", "myhost.lan:8765")


# --------------------------------------------------------------------------- fuzz
CONFIG_VALUES: dict[str, list[Any]] = {
    "dataset": ["circle", "spiral", "plane", "xor", "quadrants", "moons", "nope", 3],
    "problem": ["classification", "regression", "other"],
    "classes": [2, 3, 4, 5, 1, 9, "3"],
    "n_points": [10, 50, 300, 9, 6000, -1, 2.5],
    "noise": [0, 10, 50, 51, -1, "x"],
    "train_ratio": [10, 50, 90, 5, 100],
    "data_seed": [0, 1, 2**40, -3],
    "features": [["x1"], ["x1", "x2", "r", "theta"], ["sin_x1", "x1x2"], [], ["x3"], "x1"],
    "hidden": [[], [3], [4, 2], [8, 8, 8], [0], [40], [1] * 7, "4,2"],
    "activation": ["relu", "tanh", "maxout", ["elu", "sigmoid"], "swish", [], ["linear"] * 7],
    "batchnorm": [True, False, 1, "yes"],
    "seed": [0, 1, 7, -1, 1.5],
    "loss": ["softmax", "svm", "mse", "hinge"],
    "lr": [0.001, 0.03, 1, 10, 0, -1, 11, "fast"],
    "optimizer": ["sgd", "momentum", "nesterov", "rmsprop", "adam", "lbfgs"],
    "reg": ["none", "l1", "l2", "elastic", "l3"],
    "lam": [0, 0.001, 1, -0.5],
    "beta": [0, 0.5, 2, -1],
    "dropout": [0, 0.2, 0.9, [0.1, 0.5], 1, -0.1, [2]],
    "batch_size": [1, 2, 10, 100, 500, 0, 501],
    "steps_per_frame": [1, 10, 50, 0, 501],
    "epoch_cap": [None, 1, 5, 0],
    "grid": [10, 20, 50, 9, 129],
}
TYPES = ["config", "play", "pause", "step", "reset", "regenerate", "add_point", "delete_point",
         "import_csv", "set_weight", "set_bias", "export", "frame"]


def _junk(rng: random.Random, depth: int = 0) -> Any:
    choices = [None, True, -7, 3.5, 1e308, -1e-300, "", "x" * rng.randint(0, 50), "\u00e9\u2603"]
    if depth < 3:
        choices += [[_junk(rng, depth + 1) for _ in range(rng.randint(0, 3))],
                    {rng.choice(["a", "type", "x", "lr"]): _junk(rng, depth + 1)}]
    return rng.choice(choices)


def _fuzz_message(rng: random.Random) -> str | bytes:
    kind = rng.random()
    if kind < 0.08:  # not JSON at all
        return rng.choice(["", "{", "}", "nul", "[1,", '{"type": "play",}', "NaN", "\x00",
                           '{"type":"config","config":{"lr":Infinity}}', "[" * 5000])
    if kind < 0.11:
        return bytes(rng.randrange(256) for _ in range(rng.randint(0, 40)))
    if kind < 0.15:
        return json.dumps(_junk(rng))
    if kind < 0.16:
        return json.dumps({"type": "import_csv", "text": "1,2,0\n" * 12000})  # too big
    message: dict[str, Any] = {"type": rng.choice([*TYPES, "warp", None, 5])}
    t = message["type"]
    if t == "config":
        keys = rng.sample(sorted(CONFIG_VALUES), rng.randint(1, 4))
        message["config"] = {k: rng.choice(CONFIG_VALUES[k]) for k in keys}
        if rng.random() < 0.05:
            message["config"]["bogus"] = 1
        if rng.random() < 0.03:
            message["config"] = rng.choice([[], "lr=1", None])
    elif t in ("add_point", "delete_point"):
        message.update(x=rng.uniform(-7, 7), y=rng.uniform(-7, 7))
        if t == "add_point":
            message["label"] = rng.choice([0, 1, 2, 0.5, -1, "a", True])
            if rng.random() < 0.3:
                message["split"] = rng.choice(["train", "test", "val"])
    elif t == "import_csv":
        rows = [f"{rng.uniform(-5, 5):.3f},{rng.uniform(-5, 5):.3f},{rng.randint(0, 3)}"
                + rng.choice(["", ",train", ",test"]) for _ in range(rng.randint(0, 30))]
        message["text"] = rng.choice(["x,y,label\n", ""]) + "\n".join(rows)
    elif t == "set_weight":
        message.update(layer=rng.randint(-1, 4), i=rng.randint(0, 9), j=rng.randint(0, 9),
                       value=rng.choice([0.5, -3.0, 1e30, 0]))
    elif t == "set_bias":
        message.update(layer=rng.randint(-1, 4), j=rng.randint(0, 9),
                       value=rng.choice([0.5, -3.0, 1e30, 0, "x"]))
    elif t == "export":
        message["what"] = rng.choice(["model", "script", "pdf"])  # csv: the sentinel
    if rng.random() < 0.05:
        message[rng.choice(["extra", "x", "config"])] = _junk(rng)
    if rng.random() < 0.03:
        del message["type"]
    return json.dumps(message)


def test_fuzz_keeps_the_session_alive(client: TestClient) -> None:
    rng = random.Random(20240601)
    with open_session(client) as ws:
        greet(ws)
        for _ in range(1000):
            raw = _fuzz_message(rng)
            if isinstance(raw, bytes):
                ws.send_bytes(raw)
            else:
                ws.send_text(raw)
        replies = exchange(ws, {"type": "pause"})
        errors = [r for r in replies if r["type"] == "error"]
        assert len(errors) > 300  # most of the fuzz is invalid ...
        assert all(not r["message"].startswith("internal error") for r in errors), [
            r["message"] for r in errors if r["message"].startswith("internal")]
        assert {"frame", "config"} <= {r["type"] for r in replies}  # ... some of it is not
        # back to a sane experiment: it still trains to a finite loss
        defaults = PlaygroundConfig().model_dump()
        exchange(ws, {"type": "config", "config": defaults}, {"type": "regenerate"})
        (frame,) = exchange(ws, {"type": "step"})
        assert frame["type"] == "frame" and frame["epoch"] >= 1
        assert math.isfinite(frame["train_loss"]) and math.isfinite(frame["test_loss"])


# --------------------------------------------------------------------------- serving
def test_cli_command_starts_the_server(monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    import neuralab.playground.app as app_module
    from neuralab.cli import app

    calls = []
    monkeypatch.setattr(app_module, "serve", lambda **kw: calls.append(kw))
    result = CliRunner().invoke(app, ["playground", "--port", "9001", "--no-browser"])
    assert result.exit_code == 0, result.output
    result = CliRunner().invoke(app, ["playground", "--no-browser", "--max-sessions", "100",
                                      "--idle-minutes", "5"])
    assert result.exit_code == 0, result.output
    assert [c.pop("digits").data for c in calls] == ["digits", "digits"]  # /digits' default
    assert calls == [{"host": "127.0.0.1", "port": 9001, "open_browser": False,
                      "max_sessions": 64, "idle_minutes": 30.0, "workers": None},
                     {"host": "127.0.0.1", "port": 8765, "open_browser": False,
                      "max_sessions": 100, "idle_minutes": 5.0, "workers": None}]
    assert CliRunner().invoke(app, ["playground", "--port", "0"]).exit_code == 2


def test_loopback_detection() -> None:
    from neuralab.playground.app import is_loopback

    assert all(map(is_loopback, ["127.0.0.1", "localhost", "::1", "[::1]", "127.0.0.2"]))
    assert not any(map(is_loopback, ["0.0.0.0", "::", "192.168.1.5", "example.com"]))
