"""Every bad input to the ``neuralab`` command is one clear line, never a traceback (issue 19).

Each case runs the real CLI: in this process through Typer's CliRunner (the imports are paid
once, so a hundred cases take seconds), and the cases of ``SUBPROCESS`` also as ``python -m
neuralab`` in a subprocess. Every case must end with exit status 0 or 2 and no traceback; a
status 2 prints exactly one line on stderr (``error: ...``, naming what was wrong) and leaves
everything it could write — its ``--out``, the data cache, the run directories and files it was
given, the working directory — byte for byte as it was. A hypothesis fuzz (derandomized, a
bounded number of examples) throws strings, numbers, empty, huge and negative values, brackets
and unicode at every command's options with the same assertions.

Downloads are tested against a real HTTP server on 127.0.0.1 (404, a cut connection, a body
shorter than announced, bytes with the wrong checksum) and a port nothing listens on.
"""

from __future__ import annotations

import hashlib
import http.server
import os
import shutil
import socket
import struct
import subprocess
import sys
import threading
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

import neuralab
from neuralab.cli import app


# --------------------------------------------------------------------------- the world
def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return (struct.pack(">I", len(data)) + kind + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))


def _make_inputs(folder: Path) -> None:
    """The bad (and a few good) files the cases name."""
    from PIL import Image

    folder.mkdir()
    Image.new("L", (8, 8), 30).save(folder / "ok.png")
    Image.new("L", (8, 8), 30).save(folder / "scan[red].png")
    whole = (folder / "ok.png").read_bytes()
    (folder / "trunc.png").write_bytes(whole[: len(whole) // 2 + 5])
    header = struct.pack(">IIBBBBB", 30000, 30000, 8, 0, 0, 0, 0)  # claims 30000 x 30000 grey
    (folder / "bomb.png").write_bytes(b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", header)
                                      + _png_chunk(b"IDAT", zlib.compress(b"\0" * 64))
                                      + _png_chunk(b"IEND", b""))
    (folder / "text.png").write_text("not an image\n")
    (folder / "empty.png").write_bytes(b"")
    (folder / "a folder").mkdir()
    (folder / "afile").write_text("a file, not a folder\n")
    (folder / "broken.toml").write_text('epochs = 2\nlr = \n')
    (folder / "binary.toml").write_bytes(b"\xff\xfe\x00lr")
    (folder / "badvalue.toml").write_text("lr = -1.0\n")
    (folder / "unknown.toml").write_text("colour = 'red'\n")
    (folder / "words.txt").write_text("a b\nc d\n")
    (folder / "one.txt").write_text("1 2\n")
    (folder / "binary.txt").write_bytes(b"\xff\xfe\x00\x01")
    (folder / "empty.txt").write_text("")
    (folder / "points.txt").write_text("".join(f"{x} {x * x + 1}\n" for x in range(12)))
    junk = bytes(range(7, 107))  # no data set's header
    for name in ("train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte",
                 "t10k-labels-idx1-ubyte"):
        (folder / "mnist-junk").mkdir(exist_ok=True)
        (folder / "mnist-junk" / name).write_bytes(junk)
        (folder / "mnist-gz-junk").mkdir(exist_ok=True)
        (folder / "mnist-gz-junk" / f"{name}.gz").write_bytes(junk)
    batch_names = [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]
    for kind, names in (("py", (*batch_names, "batches.meta")),
                        ("bin", (*(f"{n}.bin" for n in batch_names), "batches.meta.txt"))):
        batches = folder / f"cifar-{kind}-junk" / f"cifar-10-batches-{kind}"
        batches.mkdir(parents=True)
        for name in names:
            (batches / name).write_bytes(junk)
    (folder / "nested.toml").write_text('[model]\nhidden = "x"\n')
    (folder / "model3.toml").write_text("model = 3\n")
    (folder / "params.toml").write_text('features = ["hog"]\n[feature_params]\n'
                                        'hog_pixels_per_cell = "a"\n')


def _make_runs(runs: Path, env: dict[str, str]) -> None:
    """A finished digits run, a spiral run (no images), and damaged copies of the first: killed
    after a checkpoint, killed before one, with a broken / wrong / foreign config.json, with a
    corrupt model file and without its preprocessing file."""
    for name, data in (("ok", "digits"), ("spiral", "spiral")):
        result = CliRunner(env=env).invoke(app, ["train", "--model", "linear", "--data", data,
                                                 "--epochs", "2", "--quiet",
                                                 "--out", str(runs / name)])
        assert result.exit_code == 0, result.output
    ok = runs / "ok"

    def copy(name: str, *drop: str) -> Path:
        target = runs / name
        shutil.copytree(ok, target)
        for part in drop:
            path = target / part
            shutil.rmtree(path) if path.is_dir() else path.unlink()
        return target

    copy("killed", "model.safetensors", "metrics.json", "history.csv", "preprocess.safetensors")
    copy("unstarted", "model.safetensors", "metrics.json", "history.csv",
         "preprocess.safetensors", "checkpoints")
    (copy("brokenjson") / "config.json").write_text('{\n  "lr": \n}\n')
    (copy("badconfig") / "config.json").write_text('{"lr": -1}')
    (copy("listconfig") / "config.json").write_text("[1, 2]")
    (copy("brokenmodel") / "model.safetensors").write_bytes(b"junk")
    copy("nopreprocess", "preprocess.safetensors")
    copy("[bracket] run")


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """A folder holding everything a case may touch: inputs/, runs/, the data cache, an empty
    download folder and the working directory; plus the environment the CLI runs in."""
    root = tmp_path_factory.mktemp("world")
    env = {"NEURALAB_DATA": str(root / "cache"), "COLUMNS": "200", "NO_COLOR": "1"}
    (root / "cache").mkdir()
    (root / "dl").mkdir()
    (root / "cwd").mkdir()
    _make_inputs(root / "inputs")
    _make_runs(root / "runs", env)
    return {"root": root, "env": env}


class _Handler(http.server.BaseHTTPRequestHandler):
    """/missing/...: 404; /close/...: the connection closed without a reply; /short/...: a body
    shorter than its Content-Length; /junk/...: 200 with bytes of the wrong checksum."""

    def do_GET(self) -> None:
        kind = self.path.strip("/").split("/")[0]
        if kind == "missing":
            self.send_error(404)
        elif kind == "close":
            self.close_connection = True
        elif kind == "short":
            self.send_response(200)
            self.send_header("Content-Length", "1000")
            self.end_headers()
            self.wfile.write(b"x" * 10)
            self.close_connection = True
        else:
            body = b"junk"
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    def log_message(self, *args: Any) -> None:  # quiet
        pass


@pytest.fixture(scope="module")
def server() -> Iterator[dict[str, str]]:
    """Base URLs: a local HTTP server's misbehaviours and a port nothing listens on."""
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    with socket.socket() as sock:  # a free port, closed again: connections are refused
        sock.bind(("127.0.0.1", 0))
        refused = sock.getsockname()[1]
    base = f"http://127.0.0.1:{httpd.server_address[1]}"
    yield {"{http}": base, "{refused}": f"http://127.0.0.1:{refused}/"}
    httpd.shutdown()
    httpd.server_close()


def _snapshot(root: Path) -> dict[str, str]:
    """Every file and folder under ``root``: its bytes' hash (files) or "dir"."""
    seen = {}
    for path in sorted(root.rglob("*")):
        key = str(path.relative_to(root))
        seen[key] = "dir" if path.is_dir() else hashlib.sha1(path.read_bytes()).hexdigest()
    return seen


# --------------------------------------------------------------------------- the cases
# (id, arguments, expected exit status, a text the one error line (status 2) or stdout (0) holds)
# {W}: the world folder; {out}: a fresh run directory under it; {http}, {refused}: the server.
T = ["train", "--quiet", "--epochs", "1", "--out", "{out}"]
TEN = ",".join(map(str, range(1, 11)))  # ten values on a grid axis
DL = ["data", "download", "fashion-mnist", "--root", "{W}/dl", "--base-url"]
CASES: list[tuple[str, list[str], int, str]] = [
    # the tracebacks
    ("download-refused", [*DL, "{refused}"], 2, "failed"),
    ("download-404", [*DL, "{http}/missing/"], 2, "HTTP 404"),
    ("download-closed", [*DL, "{http}/close/"], 2, "failed"),
    ("download-short", [*DL, "{http}/short/"], 2, "failed"),
    ("download-checksum", [*DL, "{http}/junk/"], 2, "checksum mismatch"),
    ("download-no-scheme", [*DL, "nowhere"], 2, "nowhere"),
    ("download-unknown", ["data", "download", "nope", "--root", "{W}/dl"], 2, "'nope'"),
    ("download-builtin", ["data", "download", "digits", "--root", "{W}/dl"], 2, "cannot be"),
    ("download-root-file", ["data", "download", "mnist", "--root", "{W}/inputs/afile",
                            "--base-url", "{refused}"], 2, "afile"),
    ("download-no-name", ["data", "download"], 2, "Missing argument"),
    ("predict-truncated", ["predict", "{W}/runs/ok", "{W}/inputs/trunc.png"], 2, "trunc.png"),
    ("predict-folder", ["predict", "{W}/runs/ok", "{W}/inputs/a folder"], 2, "a folder"),
    ("predict-bomb", ["predict", "{W}/runs/ok", "{W}/inputs/bomb.png"], 2, "too large"),
    ("train-out-file", [*T[:-1], "{W}/inputs/afile"], 2, "afile"),
    # rich markup in user values
    ("root-brackets", [*T, "--data", "mnist", "--root", "{W}/[mnist]"], 2, "[mnist]"),
    ("predict-brackets-missing", ["predict", "{W}/runs/ok", "{W}/inputs/gone[red].png"], 2,
     "gone[red].png"),
    ("predict-brackets-ok", ["predict", "{W}/runs/ok", "{W}/inputs/scan[red].png"], 0,
     "scan[red].png:"),
    ("eval-brackets-run", ["eval", "{W}/runs/[bracket] run"], 0, "[bracket] run"),
    ("eval-brackets-missing", ["eval", "{W}/[x]missing"], 2, "[x]missing"),
    ("activation-markup", [*T, "--activation", "[bold red]x"], 2, "[bold red]x"),
    ("polyfit-help", ["polyfit", "--help"], 0, "START:END:STEP"),
    ("polyfit-help-default", ["polyfit", "--help"], 0, "[default: the --select winner"),
    ("download-help-default", ["data", "download", "--help"], 0, "[default: the cache folder]"),
    # accepted silently before
    ("train-mse-classes", [*T, "--loss", "mse"], 2, "loss='mse'"),
    ("train-no-hidden", [*T, "--hidden", ""], 2, "model linear"),
    ("train-no-hidden-commas", [*T, "--hidden", ",,"], 2, "hidden=[]"),
    ("train-runners", [*T, "--data", "runners"], 2, "neuralab polyfit"),
    ("train-runners-mse", [*T, "--data", "runners", "--loss", "mse"], 2, "polyfit"),
    ("train-plane", [*T, "--data", "plane"], 2, "loss mse"),
    ("train-spiral-hog", [*T, "--data", "spiral", "--features", "hog"], 2, "raw, polar"),
    ("train-digits-polar", [*T, "--features", "polar"], 2, "raw, hog, color"),
    ("train-features-mixed", [*T, "--features", "hog,polar"], 2, "mixes"),
    ("config-json-broken", [*T[:-2], "--resume", "{W}/runs/brokenjson"], 2, "line 3"),
    ("eval-config-json-broken", ["eval", "{W}/runs/brokenjson"], 2, "config.json"),
    ("eval-config-json-value", ["eval", "{W}/runs/badconfig"], 2, "config.json: lr=-1"),
    ("eval-config-json-list", ["eval", "{W}/runs/listconfig"], 2, "JSON object"),
    ("resume-config-json-list", [*T[:-2], "--resume", "{W}/runs/listconfig"], 2, "JSON object"),
    ("config-toml-broken", [*T, "--config", "{W}/inputs/broken.toml"], 2, "line 2"),
    ("config-toml-binary", [*T, "--config", "{W}/inputs/binary.toml"], 2, "binary.toml"),
    ("config-toml-value", [*T, "--config", "{W}/inputs/badvalue.toml"], 2, "lr=-1"),
    ("config-toml-unknown", [*T, "--config", "{W}/inputs/unknown.toml"], 2, "colour"),
    ("config-toml-nested", [*T, "--config", "{W}/inputs/nested.toml"], 2, "model.hidden='x'"),
    ("config-toml-model", [*T, "--config", "{W}/inputs/model3.toml"], 2, "model=3"),
    ("config-toml-params", [*T, "--config", "{W}/inputs/params.toml"], 2, "'a'"),
    ("config-toml-missing", [*T, "--config", "{W}/inputs/nope.toml"], 2, "nope.toml"),
    ("config-toml-folder", [*T, "--config", "{W}/inputs/a folder"], 2, "a folder"),
    ("eval-killed", ["eval", "{W}/runs/killed"], 2, "train --resume"),
    ("predict-killed", ["predict", "{W}/runs/killed", "{W}/inputs/ok.png"], 2, "--resume"),
    ("eval-unstarted", ["eval", "{W}/runs/unstarted"], 2, "train --resume"),
    # train: every option out of its range or not of its type
    *[(f"train-{flag}-{value}", [*T, f"--{flag}", value], 2, needle) for flag, value, needle in [
        ("lr", "0", "lr=0"), ("lr", "-1", "lr=-1"), ("lr", "nan", "lr=nan"),
        ("lr", "inf", "lr=inf"), ("lr", "1e308", "lr=1e+308"), ("lr", "fast", "--lr"),
        ("lr", "", "--lr"), ("epochs", "0", "epochs=0"), ("epochs", "-3", "epochs=-3"),
        ("epochs", "2.5", "--epochs"), ("epochs", "99999999999999999999", "epochs="),
        ("batch-size", "0", "batch_size=0"), ("batch-size", "1e9", "--batch-size"),
        ("lam", "-1", "lam=-1"), ("beta", "-0.5", "beta=-0.5"), ("dropout", "1", "dropout=1"),
        ("dropout", "-0.1", "dropout=-0.1"), ("activation", "swish", "swish"),
        ("init", "zeros", "zeros"), ("optimizer", "lbfgs", "lbfgs"), ("reg", "l3", "l3"),
        ("lr-schedule", "warm", "warm"), ("loss", "hinge", "hinge"), ("model", "cnn", "cnn"),
        ("hidden", "0", "hidden=[0]"), ("hidden", "-5", "hidden=[-5]"),
        ("hidden", "5000", "hidden=[5000]"), ("hidden", "1,2,3,4,5,6,7,8,9", "at most 8"),
        ("hidden", "a,b", "hidden='a,b'"), ("k", "1", "k=1"), ("alpha", "-1", "alpha=-1"),
        ("std", "0", "std=0"), ("patience", "0", "patience=0"), ("seed", "-1", "seed=-1"),
        ("device", "tpu", "device='tpu'"), ("device", "cuda:x", "cuda:x"),
        ("backend", "jax", "backend='jax'"), ("data", "nope", "data='nope'"),
        ("data", "", "''"), ("features", "nope", "nope"), ("features", "hog,hog", "hog"),
        ("hog-cell", "0", "hog"), ("color-bins", "x", "--color-bins"),
    ]],
    ("train-cupy-on-cpu", [*T, "--backend", "cupy", "--device", "cpu"], 2, "cupy"),
    ("train-numpy-on-cuda", [*T, "--backend", "numpy", "--device", "cuda"], 2, "numpy"),
    ("train-hog-cell-too-big", [*T, "--features", "hog", "--hog-cell", "100"], 2, "too small"),
    ("train-color-on-grey", [*T, "--features", "color"], 2, "RGB"),
    ("train-hog-cell-without-hog", [*T, "--hog-cell", "4"], 2, "feature_params"),
    ("train-mnist-missing", [*T, "--data", "mnist", "--root", "{W}/nowhere"], 2, "nowhere"),
    ("train-cifar-empty", [*T, "--data", "cifar10", "--root", "{W}/dl"], 2, "cifar"),
    ("train-mnist-file-root", [*T, "--data", "mnist", "--root", "{W}/inputs/afile"], 2, "afile"),
    ("train-unknown-option", [*T, "--colour", "red"], 2, "--colour"),
    ("train-missing-value", ["train", "--epochs"], 2, "--epochs"),
    ("train-extra-argument", [*T, "extra"], 2, "extra"),
    ("train-flag-value", ["train", "--quiet=yes"], 2, "--quiet"),
    ("resume-missing", [*T[:-2], "--resume", "{W}/nowhere"], 2, "nowhere"),
    ("resume-file", [*T[:-2], "--resume", "{W}/inputs/afile"], 2, "afile"),
    ("resume-empty-folder", [*T[:-2], "--resume", "{W}/dl"], 2, "dl"),
    # (a run stopped before its first epoch resumes from the start: test_run_dirs.py)
    # eval / predict
    ("eval-missing", ["eval", "{W}/nowhere"], 2, "nowhere"),
    ("eval-file", ["eval", "{W}/inputs/afile"], 2, "afile"),
    ("eval-empty-folder", ["eval", "{W}/dl"], 2, "dl"),
    ("eval-corrupt-model", ["eval", "{W}/runs/brokenmodel"], 2, "model.safetensors"),
    ("eval-no-preprocess", ["eval", "{W}/runs/nopreprocess"], 2, "preprocess.safetensors"),
    ("eval-no-argument", ["eval"], 2, "Missing argument"),
    ("eval-ok", ["eval", "{W}/runs/ok"], 0, "accuracy"),
    ("predict-text", ["predict", "{W}/runs/ok", "{W}/inputs/text.png"], 2, "text.png"),
    ("predict-empty", ["predict", "{W}/runs/ok", "{W}/inputs/empty.png"], 2, "empty.png"),
    ("predict-missing", ["predict", "{W}/runs/ok", "{W}/inputs/nope.png"], 2, "nope.png"),
    ("predict-no-image", ["predict", "{W}/runs/ok"], 2, "Missing argument"),
    ("predict-top-k-0", ["predict", "{W}/runs/ok", "{W}/inputs/ok.png", "--top-k", "0"], 2,
     "--top-k"),
    ("predict-top-k-x", ["predict", "{W}/runs/ok", "{W}/inputs/ok.png", "--top-k", "x"], 2,
     "--top-k"),
    ("predict-top-k-huge", ["predict", "{W}/runs/ok", "{W}/inputs/ok.png", "--top-k",
                            "99999999999999999999"], 0, "ok.png:"),
    ("predict-no-images-run", ["predict", "{W}/runs/spiral", "{W}/inputs/ok.png"], 2,
     "no images"),
    ("predict-run-missing", ["predict", "{W}/nowhere", "{W}/inputs/ok.png"], 2, "nowhere"),
    ("predict-ok", ["predict", "{W}/runs/ok", "{W}/inputs/ok.png"], 0, "ok.png:"),
    # data list / info
    ("data-list-extra", ["data", "list", "extra"], 2, "extra"),
    ("data-info-unknown", ["data", "info", "nope"], 2, "'nope'"),
    ("data-info-empty", ["data", "info", ""], 2, "''"),
    ("data-info-brackets", ["data", "info", "[red]x"], 2, "[red]x"),
    ("data-info-mnist-missing", ["data", "info", "mnist", "--root", "{W}/[mnist]"], 2,
     "[mnist]"),
    ("data-info-cifar-file", ["data", "info", "cifar10", "--root", "{W}/inputs/afile"], 2,
     "afile"),
    ("data-info-no-name", ["data", "info"], 2, "Missing argument"),
    ("data-info-mnist-junk", ["data", "info", "mnist", "--root", "{W}/inputs/mnist-junk"], 2,
     "magic number"),
    ("data-info-mnist-gz-junk", ["data", "info", "mnist", "--root",
                                 "{W}/inputs/mnist-gz-junk"], 2, "gzip"),
    ("data-info-cifar-py-junk", ["data", "info", "cifar10", "--root",
                                 "{W}/inputs/cifar-py-junk"], 2, "data_batch_1"),
    ("data-info-cifar-bin-junk", ["data", "info", "cifar10", "--root",
                                  "{W}/inputs/cifar-bin-junk"], 2, "data_batch_1.bin"),
    ("train-mnist-junk", [*T, "--data", "mnist", "--root", "{W}/inputs/mnist-junk"], 2,
     "magic number"),
    ("data-no-command", ["data", "nope"], 2, "nope"),
    ("data-info-ok", ["data", "info", "spiral"], 0, "spiral"),
    # polyfit
    ("polyfit-missing", ["polyfit", "{W}/inputs/nope.txt"], 2, "nope.txt"),
    ("polyfit-folder", ["polyfit", "{W}/inputs/a folder"], 2, "a folder"),
    ("polyfit-binary", ["polyfit", "{W}/inputs/binary.txt"], 2, "binary.txt"),
    ("polyfit-empty", ["polyfit", "{W}/inputs/empty.txt"], 2, "empty.txt"),
    ("polyfit-words", ["polyfit", "{W}/inputs/words.txt"], 2, "words.txt"),
    ("polyfit-one-point", ["polyfit", "{W}/inputs/one.txt"], 2, "got 1"),
    *[(f"polyfit-{flag}-{value.split('/')[-1]}",
       ["polyfit", "{W}/inputs/points.txt", f"--{flag}", value], 2, needle)
      for flag, value, needle in [
        ("degree", "-1", "degree=-1"), ("degree", "21", "degree=21"),
        ("degree", "x", "--degree"), ("l2", "-1", "l2=-1"), ("l1", "-1", "l1=-1"),
        ("l2", "nan", "l2=nan"), ("l1", "inf", "l1=inf"), ("select", "a:b", "select='a:b'"),
        ("select", "5:1", "select"), ("select", "", "select"), ("select", "0:99", "degree=21"),
        ("code", "cobol", "cobol"), ("table", "1:2", "table='1:2'"),
        ("table", "0:10:0", "step=0"), ("table", "0:1e308:1e-308", "rows"),
        ("table", "0:nan:1", "nan"), ("decimals", "-1", "decimals=-1"),
        ("decimals", "1000", "decimals=1000"), ("plot", "{W}/nowhere/fit.png", "nowhere"),
        ("plot", "{W}/inputs/a folder", "a folder"),
    ]],
    ("polyfit-cv-1", ["polyfit", "{W}/inputs/points.txt", "--select", "0:3", "--cv", "1"], 2,
     "cv"),
    ("polyfit-cv-x", ["polyfit", "{W}/inputs/points.txt", "--select", "0:3", "--cv", "x"], 2,
     "cv='x'"),
    ("polyfit-cv-too-many", ["polyfit", "{W}/inputs/points.txt", "--select", "0:3", "--cv",
                             "50"], 2, "cv"),
    ("polyfit-degree-too-high", ["polyfit", "{W}/inputs/one.txt", "--degree", "5"], 2,
     "degree=5"),
    ("polyfit-ok", ["polyfit", "--degree", "2"], 0, "degree 2"),
    # sweep (each refused before any trial)
    ("sweep-nothing", ["sweep", "--out", "{out}"], 2, "grid"),
    ("sweep-grid-no-equals", ["sweep", "--grid", "lr", "--out", "{out}"], 2, "lr"),
    ("sweep-grid-unknown", ["sweep", "--grid", "colour=1,2", "--out", "{out}"], 2, "colour"),
    ("sweep-grid-empty", ["sweep", "--grid", "lr=", "--out", "{out}"], 2, "lr"),
    ("sweep-grid-bad-value", ["sweep", "--grid", "lr=fast", "--out", "{out}"], 2, "fast"),
    ("sweep-random-bad", ["sweep", "--random", "lr=log:0:1", "--out", "{out}"], 2, "lr"),
    ("sweep-random-kind", ["sweep", "--random", "lr=foo:1:2", "--out", "{out}"], 2, "foo"),
    ("sweep-trials-0", ["sweep", "--random", "lr=log:1e-4:1e-1", "--trials", "0", "--out",
                        "{out}"], 2, "trials=0"),
    ("sweep-jobs-0", ["sweep", "--grid", "lr=1e-3", "--jobs", "0", "--out", "{out}"], 2,
     "jobs=0"),
    ("sweep-metric", ["sweep", "--grid", "lr=1e-3", "--metric", "speed", "--out", "{out}"], 2,
     "speed"),
    ("sweep-axes", ["sweep", "--grid", "lr=1e-3", "--axes", "a,b", "--out", "{out}"], 2, "axes"),
    ("sweep-set-bad", ["sweep", "--grid", "lr=1e-3", "--set", "epochs=0", "--out", "{out}"], 2,
     "epochs=0"),
    ("sweep-config-broken", ["sweep", "--grid", "lr=1e-3", "--config",
                             "{W}/inputs/broken.toml", "--out", "{out}"], 2, "line 2"),
    ("sweep-mse-on-classes", ["sweep", "--grid", "lr=1e-3", "--set", "loss=mse", "--out",
                              "{out}"], 2, "mse"),
    ("sweep-out-file", ["sweep", "--grid", "lr=1e-3", "--set", "epochs=0", "--out",
                        "{W}/inputs/afile"], 2, "epochs=0"),
    ("sweep-ok", ["sweep", "--grid", "lr=1e-3,1e-2", "--set", "epochs=1", "--set",
                  "data=spiral", "--jobs", "1", "--quiet", "--out", "{out}"], 0, "results:"),
    ("sweep-trials-huge", ["sweep", "--random", "lr=log:1e-4:1e-1", "--trials",
                           "99999999999999999999", "--out", "{out}"], 2, "trials="),
    ("sweep-grid-huge", ["sweep", *[arg for axis in ("lr", "lam", "beta", "seed", "batch_size")
                                    for arg in ("--grid", f"{axis}={TEN}")],
                         "--out", "{out}"], 2, "combinations"),
    # demo / playground / the top level
    ("demo-epochs-0", ["demo", "--epochs", "0"], 2, "--epochs"),
    ("demo-epochs-huge", ["demo", "--epochs", "99999999999999999999"], 2, "--epochs"),
    ("demo-epochs-x", ["demo", "--epochs", "x"], 2, "--epochs"),
    ("demo-seed-negative", ["demo", "--seed", "-1"], 2, "--seed"),
    ("playground-port-negative", ["playground", "--port", "-1", "--no-browser"], 2, "--port"),
    ("playground-port-0", ["playground", "--port", "0", "--no-browser"], 2, "--port"),
    ("playground-port-huge", ["playground", "--port", "70000", "--no-browser"], 2, "--port"),
    ("playground-port-x", ["playground", "--port", "x", "--no-browser"], 2, "--port"),
    # export (--to safetensors: no optional package needed)
    *[(f"export-{name}", ["export", run, "--to", to, "--out", out], status, needle)
      for name, run, to, out, status, needle in [
          ("format", "{W}/runs/ok", "tflite", "{out}", 2, "--to 'tflite' is not a format"),
          ("not-a-run", "{W}/inputs", "safetensors", "{out}", 2, "not a neuralab run directory"),
          ("killed", "{W}/runs/killed", "safetensors", "{out}", 2, "--resume"),
          ("missing-run", "{W}/nowhere", "safetensors", "{out}", 2, "nowhere"),
          ("exists", "{W}/runs/ok", "safetensors", "{W}/inputs/ok.png", 2, "--overwrite"),
          ("out-folder", "{W}/runs/ok", "safetensors", "{W}/inputs", 2, "is a folder"),
          ("out-no-dir", "{W}/runs/ok", "safetensors", "{out}/m.safetensors", 2,
           "does not exist"),
          ("ok", "{W}/runs/ok", "safetensors", "{out}", 0, "wrote"),
      ]],
    ("no-such-command", ["nope"], 2, "nope"),
    ("no-such-option", ["--nope"], 2, "--nope"),
]

#: The cases also run as ``python -m neuralab`` subprocesses: the issue's own list.
SUBPROCESS = ["download-refused", "download-404", "predict-truncated", "predict-folder",
              "predict-bomb", "train-out-file", "root-brackets", "predict-brackets-missing",
              "train-mse-classes", "train-no-hidden", "train-runners", "train-plane",
              "train-spiral-hog", "config-json-broken", "eval-killed", "playground-port-negative",
              "polyfit-help"]


def _args(args: list[str], world: dict[str, Any], server: dict[str, str], out: Path
          ) -> list[str]:
    subs = {"{W}": str(world["root"]), "{out}": str(out), **server}
    result = []
    for arg in args:
        for key, value in subs.items():
            arg = arg.replace(key, value)
        result.append(arg)
    return result


def _flat(text: str) -> str:
    """Text with Rich's box characters and line breaks folded away, for help screens."""
    return " ".join(text.replace("│", " ").split())


def _check(status: int, stdout: str, stderr: str, expected: int, needle: str,
           before: dict[str, str], after: dict[str, str], out: Path) -> None:
    assert "Traceback" not in stdout + stderr, stderr
    assert status == expected, (status, stdout, stderr)
    if expected == 2:
        lines = [line for line in stderr.splitlines() if line.strip()]
        assert len(lines) == 1, stderr
        assert lines[0].startswith("error: ") and needle in lines[0], lines[0]
        assert not out.exists()
        assert after == before  # nothing written, nothing half-written
    else:
        assert needle in _flat(stdout), stdout


@pytest.fixture
def cwd(world: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(world["root"] / "cwd")  # default outputs (runs/..., sweeps/...) land here
    return world["root"] / "cwd"


@pytest.mark.parametrize(("name", "args", "expected", "needle"), CASES,
                         ids=[case[0] for case in CASES])
def test_bad_input_is_one_line_and_writes_nothing(
    world: dict[str, Any], server: dict[str, str], cwd: Path, name: str, args: list[str],
    expected: int, needle: str,
) -> None:
    out = world["root"] / f"out-{name}"
    before = _snapshot(world["root"])
    result = CliRunner(env=world["env"]).invoke(app, _args(args, world, server, out))
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception  # a traceback: show it
    _check(result.exit_code, result.stdout, result.stderr, expected,
           _args([needle], world, server, out)[0], before, _snapshot(world["root"]), out)


@pytest.mark.parametrize("name", SUBPROCESS)
def test_bad_input_through_python_m_neuralab(
    world: dict[str, Any], server: dict[str, str], cwd: Path, name: str,
) -> None:
    _, args, expected, needle = next(case for case in CASES if case[0] == name)
    out = world["root"] / f"out-{name}"
    before = _snapshot(world["root"])
    done = _neuralab(_args(args, world, server, out), world["env"])
    _check(done.returncode, done.stdout, done.stderr, expected,
           _args([needle], world, server, out)[0], before, _snapshot(world["root"]), out)


def _neuralab(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """``python -m neuralab ARGS`` with the neuralab this process imported."""
    path = os.pathsep.join([str(Path(neuralab.__file__).parents[1]),
                            os.environ.get("PYTHONPATH", "")])
    return subprocess.run([sys.executable, "-m", "neuralab", *args], capture_output=True,
                          text=True, timeout=120, env={**os.environ, **env, "PYTHONPATH": path})


@pytest.mark.parametrize(("where", "needle"), [
    (["--host", "256.0.0.1"], "host='256.0.0.1'"), (["--host", "[x]"], "host='[x]'"),
    (["--host", "192.0.2.1"], "192.0.2.1"),  # TEST-NET-1: never this machine's address
    (["--port", "{busy}"], "in use"),
])
def test_playground_that_cannot_listen_is_one_line(world: dict[str, Any], where: list[str],
                                                   needle: str) -> None:
    # A subprocess with a timeout: were the check to miss, the server would run, not hang here.
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = str(busy.getsockname()[1])
        args = [arg.replace("{busy}", port) for arg in where]
        done = _neuralab(["playground", "--no-browser", *args], world["env"])
    assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr
    assert done.stderr.startswith("error: ") and len(done.stderr.strip().splitlines()) == 1
    assert needle in done.stderr and "playground:" not in done.stdout


def test_a_notice_prints_a_folder_with_brackets_as_it_is(world: dict[str, Any], cwd: Path,
                                                         tmp_path: Path) -> None:
    from neuralab.data.testing import write_fake_mnist

    folder = tmp_path / "[mnist] test only"
    write_fake_mnist(folder, splits=("test",), n_test=40)  # the loader splits it, with a notice
    result = CliRunner(env=world["env"]).invoke(app, [
        "train", "--data", "mnist", "--root", str(folder), "--model", "linear", "--epochs", "1",
        "--quiet", "--out", str(tmp_path / "run")])
    assert result.exit_code == 0, result.output
    notes = [line for line in result.stderr.splitlines() if line.startswith("note: ")]
    assert notes and str(folder) in notes[0], result.stderr


@pytest.mark.parametrize(("text", "needle"), [("garbage\n", "stdin: line 1"), ("", "stdin"),
                                               ("1 2\n3 nan\n", "stdin: line 2")])
def test_polyfit_reads_bad_points_from_stdin_as_one_line(world: dict[str, Any], cwd: Path,
                                                         text: str, needle: str) -> None:
    result = CliRunner(env=world["env"]).invoke(app, ["polyfit", "-"], input=text)
    assert result.exit_code == 2 and result.stderr.startswith("error: "), result.output
    assert needle in result.stderr and len(result.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize("text", ["START:END:STEP", "[default: the cache folder]",
                                  "a [bold]b[/bold] :smile: c", "x:y", "tcp://host:8786/a:b",
                                  "back\\slash [x]", ""])
def test_help_text_is_shown_as_written(text: str) -> None:
    from rich.text import Text

    from neuralab.cli.errors import unverbatim, verbatim

    assert Text.from_markup(verbatim(text)).plain == text  # what Typer's rich help shows
    assert unverbatim(verbatim(text)) == text  # what the documentation's reference shows


def test_the_cases_cover_every_command() -> None:
    firsts = {tuple(args[:2]) if args[0] == "data" else (args[0],) for _, args, _, _ in CASES}
    commands = {("train",), ("eval",), ("predict",), ("polyfit",), ("sweep",), ("demo",),
                ("playground",), ("data", "list"), ("data", "info"), ("data", "download")}
    assert commands <= firsts
    assert len(CASES) >= 100
    assert len({case[0] for case in CASES}) == len(CASES)


# --------------------------------------------------------------------------- the fuzz
#: Values a careless user types: numbers of every size and sign, empty, brackets, unicode.
NASTY = ["", " ", "0", "1", "2", "-1", "-0", "1.5", "1e-9", "1e308", "-1e308", "nan", "inf",
         "99999999999999999999", "0x10", "1,2", ",", "[red]", "[/]", "[bold]x[/bold]", ":end:",
         "ü", "日本", "🙂", "a" * 300, "--help", "-", "..", "/", "{}", "%s", "\\"]
VALUES = st.one_of(st.sampled_from(NASTY), st.text(max_size=12),
                   st.integers(-10**30, 10**30).map(str), st.floats().map(repr))


def _either(*good: str) -> st.SearchStrategy[str]:
    """A value that is good for the option (so the command goes on and deeper checks run) or
    one of VALUES."""
    return st.one_of(st.sampled_from(good), VALUES)


#: train's options with good values of each (the other half of the draws are VALUES).
TRAIN_GOOD: dict[str, tuple[str, ...]] = {
    "data": ("digits", "spiral", "xor", "plane", "runners", "mnist", "cifar10", "blobs"),
    "root": ("{W}/dl", "{W}/inputs/afile"),
    "features": ("raw", "hog", "color", "polar", "playground", "hog,color"),
    "model": ("linear", "mlp"), "hidden": ("8", "8,8", ""), "activation": ("tanh", "maxout"),
    "alpha": ("0.1",), "k": ("2", "3"), "dropout": ("0.5",), "init": ("xavier", "normal"),
    "std": ("0.01",), "loss": ("softmax", "svm", "mse"), "reg": ("none", "l1", "elastic"),
    "lam": ("0", "1"), "beta": ("0.5",), "optimizer": ("sgd", "momentum", "rmsprop"),
    "lr": ("1e-3", "0.1", "10"), "lr_schedule": ("step", "cosine"),
    "batch_size": ("1", "32", "65536"), "seed": ("0", "7"), "patience": ("1",),
    "device": ("cpu", "cuda", "cuda:9"), "backend": ("numpy", "array_api_strict", "cupy"),
    "hog_cell": ("2", "4"), "hog_block": ("1", "2"), "color_bins": ("4",),
}


def _command_options() -> dict[str, tuple[list[str], dict[str, st.SearchStrategy[str]]]]:
    """Per command: the fixed arguments (a fresh --out, one epoch, a refused download URL) and
    its options ("" for the positional argument) with the values drawn for each."""
    from neuralab.cli import train_options

    names = ("digits", "spiral", "plane", "mnist", "fashion-mnist", "cifar10", "runners")
    train = {f"--{o.name.replace('_', '-')}": _either(*TRAIN_GOOD.get(o.name, ("1",)))
             for o in train_options() if o.type is not bool and o.name != "epochs"}
    return {
        "train": (["train", "--quiet", "--epochs", "1", "--out", "{out}"], train),
        "eval": (["eval"], {"": _either("{W}/runs/ok", "{W}/runs/killed", "{W}/runs/spiral")}),
        "predict": (["predict", "{W}/runs/ok"],
                    {"": _either("{W}/inputs/ok.png", "{W}/inputs/trunc.png"),
                     "--top-k": _either("1", "5")}),
        "data info": (["data", "info"], {"": _either(*names), "--root": _either("{W}/dl")}),
        "data download": (["data", "download", "--base-url", "{refused}"],
                          {"": _either(*names), "--root": _either("{W}/dl")}),
        "polyfit": (["polyfit", "{W}/inputs/points.txt"], {
            "--degree": _either("0", "2", "5"), "--l2": _either("0.1"), "--l1": _either("0.01"),
            "--select": _either("0:4", "1,3"), "--cv": _either("loo", "3"),
            "--code": _either("python", "c", "java", "javascript"),
            "--table": _either("0:10:1", "5:0:-0.5"), "--decimals": _either("3")}),
        "sweep": (["sweep", "--quiet", "--jobs", "1", "--out", "{out}", "--set", "epochs=1",
                   "--set", "data=spiral"], {
            "--grid": st.one_of(st.sampled_from(["lr=1e-3,1e-2", "hidden=4x4,8"]),
                                VALUES.map(lambda v: f"lr={v}"), VALUES),
            "--random": _either("lr=log:1e-4:1e-1", "hidden=logint:2:16"),
            "--trials": _either("2"), "--metric": _either("val_loss", "val_accuracy"),
            "--set": _either("hidden=8", "lam=0"), "--axes": _either("lr,hidden")}),
        # the values that would start a long run or a server are left out
        "demo": (["demo"], {"--epochs": _either("1", "3").filter(
                                lambda v: not _int_in(v, 4, 100_000)),
                            "--seed": _either("1")}),
        "export": (["export", "--out", "{out}"],
                   {"": _either("{W}/runs/ok", "{W}/runs/killed"),
                    "--to": _either("safetensors")}),
        "playground": (["playground", "--no-browser"],
                       {"--port": VALUES.filter(lambda v: not _int_in(v, 1, 65535))}),
    }


def _int_in(text: str, low: int, high: int) -> bool:
    """Whether the command line would read ``text`` as an integer in [low, high]."""
    try:
        return low <= int(text) <= high
    except ValueError:
        return False


@st.composite
def _command_lines(draw: st.DrawFn) -> tuple[str, list[str]]:
    commands = _command_options()
    command = draw(st.sampled_from(sorted(commands)))
    fixed, options = commands[command]
    chosen = draw(st.lists(st.sampled_from(sorted(options)), min_size=1, max_size=3,
                           unique=True))
    args = list(fixed)
    for flag in chosen:
        value = draw(options[flag])
        args += [value] if flag == "" else [flag, value]
    return command, args


@settings(max_examples=150, derandomize=True, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(line=_command_lines())
def test_fuzz_every_command_is_status_0_or_2_and_never_a_traceback(
    world: dict[str, Any], server: dict[str, str], cwd: Path, line: tuple[str, list[str]],
) -> None:
    _, args = line
    out = world["root"] / "fuzz-out"
    shutil.rmtree(out, ignore_errors=True)
    before = _snapshot(world["root"])
    result = CliRunner(env=world["env"]).invoke(app, _args(args, world, server, out))
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    assert "Traceback" not in result.output
    status = result.exit_code
    diverged = status == 1 and "diverged" in result.stderr
    assert status in (0, 2) or diverged, (args, status, result.output)
    if status == 2:
        lines = [line for line in result.stderr.splitlines() if line.strip()]
        assert len(lines) == 1 and lines[0].startswith("error: "), (args, result.stderr)
        assert _snapshot(world["root"]) == before, args
    shutil.rmtree(out, ignore_errors=True)
