"""How fast the playground serves and draws: frames per second sent by the server and DRAWN by
the page in Chromium, epochs per second, and the time from a config message to its frame.

Targets (PROTOCOL.md's 30 frames/s and an interactive feel): at least 30 frames/s with at
least 10 minibatch steps per frame, and at most 100 ms from a config message to its frame.
Against TensorFlow Playground (TFP), which trains one epoch per animation frame (~60 epochs/s
at 60 frames/s on its default circle net): at least its 60 epochs/s on the default network,
and in the browser at least 30 frames/s drawn for TFP's largest network (6 hidden layers of 8,
every feature, a 100 × 100 heatmap) and 20 for 6 layers of 32.

Measured three ways, in one run:

* **session** — the server's work alone: ``Session.train_steps(steps_per_frame)`` +
  ``Session.frame()`` in a loop (no throttle), and ``Session.apply(config message)`` whose
  reply holds the new frame. This is the capacity of one session on one core. For the default
  network also ``Session.tick()`` in a loop — exactly the server's work while playing, a frame
  without the features' fixed maps — as steps/s and steps per CPU second (medians of several
  windows), against TFP's pace (60 epochs/s: 1,500 steps/s at 25 steps an epoch), and the
  library's ``train_step`` alone on the same model and batch size: the ceiling a session
  would reach if its batching, history and frames cost nothing.
* **websocket** — the real thing: uvicorn serving ``create_app()`` on a free loopback port, a
  ``websockets`` client in this process. While playing the server throttles itself to 30
  frames/s, so the figure to read is whether it holds 30; the config latency includes JSON,
  the event loop, the worker thread and the socket. Like ``neuralab playground`` on loopback,
  without permessage-deflate.
* **browser** — ``neuralab playground --no-browser`` in its own process and the page in
  headless Chromium (Playwright; ``--no-sandbox --disable-gpu
  --disable-background-networking``, a 1280 × 800 window) training each network: the frames
  the page DREW (``window.playgroundStats.drawn``, counted once per painted animation frame),
  the frames it received, the page's JavaScript time per drawn frame (``drawMs``:
  ``performance.now()`` around its drawing) and the epochs per second (the page's epoch
  counter), each over ``--seconds`` and the median of ``--runs`` runs. The page and the server
  share the machine's cores, as they do for a user.

BLAS runs on one thread, as ``neuralab playground`` (``serve()``) sets it: for these small
matrices extra BLAS threads only contend (``--blas-threads N`` to compare).

Networks: the default (2 features → 4 → 2 → 2 classes, tanh, SGD, batch 10) on the default
500-point circle with a 50×50 grid, and the largest the protocol allows (9 features, 6 × 32,
grid 128, 5,000 points) for scale. Latencies are medians over ``--repeats`` messages.

Run ``python benchmarks/bench_playground.py`` (``--quick`` for shorter runs, ``--browser-only``
or ``--no-browser``). It prints a table; it never asserts.

**A classroom** (``--sessions N``, instead of the above): ``neuralab playground`` in its own
process and N real WebSocket clients on loopback (asyncio ``websockets``, no browser) in this
one, each playing the default network at once. From 1 s after every session has its first
frame, over ``--seconds``: frames/s per session (median and min over the sessions), the
minibatch steps/s of all sessions together (from each session's first and last frame header),
the server's CPU (cores, from /proc) and its steps per CPU second — the figure that holds
still on a machine shared with other jobs — and the time ``GET /`` takes meanwhile (median and
max of a request every 0.25 s). Run for 1 session and for N, for comparison. The clients' own
work shares the machine with the server, as a class's browsers do not.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from typing import Any

from machine import cpu_count, cpu_name, machine_lines, without_blas_guard
from neuralab.playground.protocol import FEATURES, parse_message
from neuralab.playground.session import Session
from neuralab.train import train_step

TARGET_FPS = 30.0
TARGET_STEPS_PER_FRAME = 10
TARGET_LATENCY_MS = 100.0
TFP_EPOCHS_PER_S = 60.0  # TFP: one epoch per animation frame, at 60 frames/s

DEFAULT: dict[str, Any] = {}
LARGEST: dict[str, Any] = {"features": list(FEATURES), "hidden": [32] * 6, "grid": 128,
                           "n_points": 5000, "activation": "relu"}

# The browser's networks (URL hashes) and TFP's figures for them: TFP trains one epoch per
# animation frame, ~60 epochs/s at 60 frames/s on its default net; the targets for its largest
# net (6 × 8, all features, 100 × 100 heatmap) and for 6 × 32 are frames/s drawn.
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
ALL_FEATURES = ",".join(FEATURES)
# name, URL hash, frames/s to draw, epochs/s to train (0: no target)
BROWSER_NETS: list[tuple[str, str, float, float]] = [
    ("default (circle, x1 x2, 4,2)", "", 30.0, 60.0),
    ("TFP's largest: 6 × 8, all features, G = 100",
     f"#features={ALL_FEATURES}&hidden=8,8,8,8,8,8&grid=100", 30.0, 0.0),
    ("6 × 32, all features, G = 100",
     f"#features={ALL_FEATURES}&hidden=32,32,32,32,32,32&grid=100", 20.0, 0.0),
]

# config messages of each kind: live (weights kept), net (rebuild), data (regenerate + rebuild)
CHANGES: dict[str, list[dict[str, Any]]] = {
    "live (lr)": [{"lr": 0.01}, {"lr": 0.03}],
    "net (hidden)": [{"hidden": [5, 2]}, {"hidden": [4, 2]}],
    "data (dataset)": [{"dataset": "xor"}, {"dataset": "circle"}],
}


def session_loop(config: dict[str, Any], seconds: float) -> tuple[float, float, float]:
    """(frames/s, steps/s, ms per frame()) of train_steps(steps_per_frame) + frame()."""
    s = Session(config)
    k = s.config.steps_per_frame
    frames, frame_time = 0, 0.0
    step0 = s.step
    start = time.perf_counter()
    while time.perf_counter() - start < seconds:
        s.train_steps(k)
        t = time.perf_counter()
        s.frame()
        frame_time += time.perf_counter() - t
        frames += 1
    elapsed = time.perf_counter() - start
    return frames / elapsed, (s.step - step0) / elapsed, 1000 * frame_time / frames


def tick_rates(config: dict[str, Any], seconds: float, windows: int) -> tuple[float, float]:
    """Medians over ``windows`` windows of ``seconds``: (steps/s, steps per CPU second) of
    ``Session.tick()`` in a loop — exactly the server's work while playing (train
    ``steps_per_frame`` steps, then a frame without the features' maps), without its pacing to
    30 frames/s. Steps per CPU second holds still better on a machine shared with other jobs."""
    s = Session(config)
    s.playing = True
    s.tick()  # the grid's features and first buffers outside the windows
    rates, cpu_rates = [], []
    for _ in range(windows):
        step0, wall0, cpu0 = s.step, time.perf_counter(), time.process_time()
        while time.perf_counter() - wall0 < seconds:
            s.tick()
        steps = s.step - step0
        rates.append(steps / (time.perf_counter() - wall0))
        cpu_rates.append(steps / max(time.process_time() - cpu0, 1e-9))
    return statistics.median(rates), statistics.median(cpu_rates)


def steps_per_epoch(config: dict[str, Any]) -> int:
    """Minibatch steps in one epoch of ``config``'s training points."""
    s = Session(config)
    return math.ceil(s._F_train.shape[0] / s.config.batch_size)


def train_step_rate(config: dict[str, Any], seconds: float, windows: int) -> float:
    """Median steps/s of the library's ``train.train_step`` alone, on the session's own model,
    loss, regularizer and optimizer, over its training rows batch after batch in their order:
    the most steps/s a session could make if its batching, history and frames cost nothing."""
    s = Session(config)
    bs = s.config.batch_size
    batches = [(s._F_train[i : i + bs], s._target[i : i + bs])
               for i in range(0, s._F_train.shape[0], bs)]
    rates = []
    for _ in range(windows):
        steps, start = 0, time.perf_counter()
        while time.perf_counter() - start < seconds:
            for xb, tb in batches:
                train_step(s.model, s._step_loss, s._regularizer, s._optimizer, xb, tb,
                           check_finite=True)
            steps += len(batches)
        rates.append(steps / (time.perf_counter() - start))
    return statistics.median(rates)


def session_latency(config: dict[str, Any], patches: list[dict[str, Any]],
                    repeats: int) -> float:
    """Median ms of Session.apply(config message) -> [config, (points,) frame]."""
    s = Session(config)
    times = []
    for i in range(repeats):
        raw = json.dumps({"type": "config", "config": patches[i % len(patches)]})
        t = time.perf_counter()
        replies = s.apply(parse_message(raw))
        times.append(time.perf_counter() - t)
        assert isinstance(replies[-1], bytes)
    return 1000 * statistics.median(times)


# --------------------------------------------------------------------------- over a WebSocket
def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class _Server:
    """uvicorn serving the playground in a background thread."""

    def __init__(self) -> None:
        import uvicorn

        from neuralab.playground.app import create_app

        self.port = _free_port()
        config = uvicorn.Config(create_app("127.0.0.1", self.port), host="127.0.0.1",
                                port=self.port, log_level="warning",
                                ws_per_message_deflate=False)  # as serve() on loopback
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> _Server:
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started and time.monotonic() < deadline:
            time.sleep(0.02)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


def _until(ws: Any, predicate: Callable[[Any], bool]) -> Any:
    while True:
        message = ws.recv()
        if predicate(message):
            return message


def websocket_figures(config: dict[str, Any], seconds: float,
                      repeats: int) -> tuple[float, float, dict[str, float]]:
    """(frames/s while playing, steps/s, {change: median ms config -> frame})."""
    from websockets.sync.client import connect

    from neuralab.playground.frames import decode_frame

    with _Server() as server, connect(f"ws://127.0.0.1:{server.port}/ws",
                                      max_size=None) as ws:
        for _ in range(3):  # hello, points, frame
            ws.recv()
        if config:
            ws.send(json.dumps({"type": "config", "config": config}))
            _until(ws, lambda m: isinstance(m, bytes))
        ws.send(json.dumps({"type": "play"}))
        first = decode_frame(_until(ws, lambda m: isinstance(m, bytes)))[0]
        start, count = time.perf_counter(), 0
        while time.perf_counter() - start < seconds:
            last = decode_frame(_until(ws, lambda m: isinstance(m, bytes)))[0]
            count += 1
        elapsed = time.perf_counter() - start
        steps = (last["step"] - first["step"]) / elapsed
        ws.send(json.dumps({"type": "pause"}))
        _until(ws, lambda m: isinstance(m, bytes) and not decode_frame(m)[0]["playing"])
        latencies = {}
        for name, patches in CHANGES.items():
            times = []
            for i in range(repeats):
                t = time.perf_counter()
                ws.send(json.dumps({"type": "config", "config": patches[i % len(patches)]}))
                _until(ws, lambda m: isinstance(m, bytes))
                times.append(time.perf_counter() - t)
            latencies[name] = 1000 * statistics.median(times)
    return count / elapsed, steps, latencies


# --------------------------------------------------------------------------- a classroom
async def _student(url: str, ready: Any, window: dict[str, float],
                   out: list[tuple[int, int]]) -> None:
    """One session playing the default network: sets ``ready`` at its first frame after
    play, then counts (frames, steps) between ``window["start"]`` and ``window["stop"]``
    (loop times, set once every session is ready)."""
    import asyncio

    from websockets import connect

    from neuralab.playground.frames import decode_frame

    loop = asyncio.get_running_loop()
    async with connect(url, max_size=None) as ws:
        for _ in range(3):  # hello, points, frame
            await ws.recv()
        await ws.send(json.dumps({"type": "play"}))
        first = last = None
        frames = 0
        while loop.time() < window["stop"]:
            try:
                message = await asyncio.wait_for(ws.recv(), 0.1)
            except TimeoutError:
                continue
            if not isinstance(message, bytes):
                continue
            ready.set()
            if window["start"] <= loop.time() < window["stop"]:
                frames += 1
                first = first or message
                last = message
        steps = 0
        if first is not None and last is not None:
            steps = decode_frame(last)[0]["step"] - decode_frame(first)[0]["step"]
        out.append((frames, steps))


def _cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of process ``pid`` so far (Linux's /proc; 0 elsewhere)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def _classroom(base: str, n: int, seconds: float,
                     pid: int) -> tuple[list[tuple[int, int]], list[float], float]:
    """N students; the window opens 1 s after every one has its first frame."""
    import asyncio

    import httpx

    loop = asyncio.get_running_loop()
    window = {"start": float("inf"), "stop": float("inf")}
    readies = [asyncio.Event() for _ in range(n)]
    out: list[tuple[int, int]] = []
    students = [asyncio.create_task(_student(base.replace("http", "ws") + "ws", ready, window,
                                             out)) for ready in readies]
    await asyncio.wait_for(asyncio.gather(*(r.wait() for r in readies)), 300)
    window["start"] = loop.time() + 1.0
    window["stop"] = window["start"] + seconds
    page_ms: list[float] = []
    async with httpx.AsyncClient() as client:
        await asyncio.sleep(window["start"] - loop.time())
        cpu = _cpu_seconds(pid)
        while loop.time() < window["stop"]:
            t = time.perf_counter()
            (await client.get(base, timeout=30)).raise_for_status()
            page_ms.append(1000 * (time.perf_counter() - t))
            await asyncio.sleep(0.25)
        cpu = _cpu_seconds(pid) - cpu
    await asyncio.gather(*students)
    return out, page_ms, cpu


def classroom_figures(n: int, seconds: float, workers: int = 0) -> dict[str, float]:
    """N sessions playing at once on a ``neuralab playground`` process: frames/s per session
    (median, min), total steps/s, the server's CPU (cores) and steps per CPU second, and
    ``GET /`` in ms (median, max)."""
    import asyncio

    options = ["--max-sessions", str(n)] if n > 64 else []  # 64: the server's default
    options += ["--workers", str(workers)] if workers else []
    proc, url = _serve_in_a_process(*options)
    try:
        out, page_ms, cpu = asyncio.run(_classroom(url, n, seconds, proc.pid))
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    fps = sorted(frames / seconds for frames, _ in out)
    steps = sum(steps for _, steps in out)
    return {"fps_median": statistics.median(fps), "fps_min": fps[0], "steps": steps / seconds,
            "cores": cpu / seconds, "per_cpu": steps / cpu if cpu else 0.0,
            "page_median": statistics.median(page_ms), "page_max": max(page_ms)}


def classroom_report(sessions: int, seconds: float, workers: int = 0) -> None:
    print(f"{'sessions':>8}  {'frames/s per session (median, min)':>34}  "
          f"{'steps/s, all sessions':>21}  {'server CPU (cores)':>18}  "
          f"{'steps per CPU s':>15}  {'GET / ms (median, max)':>22}")
    for n in sorted({1, sessions}):
        f = classroom_figures(n, seconds, workers)
        print(f"{n:>8}  {f['fps_median']:>25.1f}, {f['fps_min']:>6.1f}  {f['steps']:>21,.0f}  "
              f"{f['cores']:>18.2f}  {f['per_cpu']:>15,.0f}  "
              f"{f['page_median']:>14.1f}, {f['page_max']:>5.0f}", flush=True)


# --------------------------------------------------------------------------- in Chromium
def _serve_in_a_process(*options: str) -> tuple[subprocess.Popen[bytes], str]:
    """``neuralab playground --no-browser`` on a free port, as a user runs it."""
    port = _free_port()
    exe = os.path.join(os.path.dirname(sys.executable), "neuralab")
    base = [exe] if os.path.exists(exe) else [sys.executable, "-m", "neuralab"]
    proc = subprocess.Popen([*base, "playground", "--no-browser", "--port", str(port),
                             *options],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return proc, f"http://127.0.0.1:{port}/"
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                raise RuntimeError("`neuralab playground` did not start") from None
            time.sleep(0.1)


_COUNTERS = """() => ({...window.playgroundStats, t: performance.now(),
    epoch: Number(document.getElementById('epoch').dataset.value || 0)})"""


def browser_figures(seconds: float, runs: int,
                    chromium: str) -> tuple[str, dict[str, dict[str, float]]]:
    """({network: {"drawn", "received", "epochs"}} per second and "draw_ms", the page's
    JavaScript milliseconds per drawn frame: medians of ``runs`` windows of ``seconds`` while the
    page trains) and the browser's version."""
    from playwright.sync_api import sync_playwright

    proc, url = _serve_in_a_process()
    out: dict[str, dict[str, float]] = {}
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=chromium, headless=True,
                                         args=CHROMIUM_ARGS)
            version = browser.version
            for name, hash_, _, _ in BROWSER_NETS:
                context = browser.new_context(viewport={"width": 1280, "height": 800})
                page = context.new_page()
                page.goto(url + hash_)
                page.wait_for_function(
                    "document.getElementById('status').textContent === 'connected'",
                    timeout=30_000)
                page.wait_for_timeout(500)
                page.click("#play")
                page.wait_for_timeout(1500)  # warm up: the first frames, the JIT
                samples = []
                for _ in range(runs):
                    a = page.evaluate(_COUNTERS)
                    page.wait_for_timeout(seconds * 1000)
                    b = page.evaluate(_COUNTERS)
                    dt = (b["t"] - a["t"]) / 1000
                    sample = {k: (b[c] - a[c]) / dt for k, c in
                              (("drawn", "drawn"), ("received", "received"), ("epochs", "epoch"))}
                    # the page's own JavaScript time per drawn frame (performance.now() around
                    # its drawing): less sensitive to a busy machine than the frame rates
                    drawn = max(1, b["drawn"] - a["drawn"])
                    sample["draw_ms"] = (b["drawMs"] - a["drawMs"]) / drawn
                    samples.append(sample)
                page.click("#play")
                context.close()
                out[name] = {k: statistics.median(s[k] for s in samples) for k in samples[0]}
            browser.close()
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    return version, out


# --------------------------------------------------------------------------- report
def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="shorter runs")
    parser.add_argument("--repeats", type=int, default=21, help="messages per latency median")
    parser.add_argument("--blas-threads", type=int, default=1,
                        help="BLAS threads (serve() uses 1; 0 leaves the library's default)")
    parser.add_argument("--runs", type=int, default=5, help="browser: windows per median")
    parser.add_argument("--seconds", type=float, default=4.0,
                        help="browser: seconds per window")
    parser.add_argument("--chromium", default=CHROMIUM, help="the Chromium binary")
    which = parser.add_mutually_exclusive_group()
    which.add_argument("--browser-only", action="store_true", help="only the browser figures")
    which.add_argument("--no-browser", action="store_true", help="skip the browser figures")
    which.add_argument("--sessions", type=int, default=0,
                       help="only a classroom: N sessions playing at once (and 1)")
    parser.add_argument("--workers", type=int, default=0,
                        help="with --sessions: the server's --workers (0: its default)")
    args = parser.parse_args()
    if args.blas_threads:
        from threadpoolctl import threadpool_limits

        threadpool_limits(args.blas_threads, user_api="blas")
    seconds = 1.0 if args.quick else 3.0
    repeats = 7 if args.quick else args.repeats
    runs, window = (3, 2.0) if args.quick else (args.runs, args.seconds)

    print(f"neuralab playground benchmark — {platform.python_version()}, {cpu_name()}, "
          f"{cpu_count()} CPUs, BLAS threads: {args.blas_threads or 'default'}")
    print("\n".join(machine_lines()))
    if args.sessions:
        classroom_report(args.sessions, args.seconds, args.workers)
        return
    rows: list[tuple[str, str, str, str]] = []

    def row(name: str, value: float, unit: str, target: str, ratio: float | None) -> None:
        rows.append((name, f"{value:,.1f} {unit}", target,
                     "" if ratio is None else f"{ratio:.2f}×"))

    if not args.no_browser:
        browser_rows(row, window, runs, args.chromium)
    if args.browser_only:
        report(rows)
        return
    for label, config in (("default", DEFAULT), ("largest", LARGEST)):
        fps, steps, frame_ms = session_loop(config, seconds)
        spf = Session(config).config.steps_per_frame
        row(f"session/{label}: frames/s ({spf} steps/frame)", fps, "fps",
            f">= {TARGET_FPS:g}", fps / TARGET_FPS)
        row(f"session/{label}: minibatch steps/s", steps, "steps/s", "", None)
        row(f"session/{label}: frame() alone", frame_ms, "ms", "", None)
        # steps a frame could hold at 30 fps: the frame's own cost comes off the budget
        budget = max(0.0, 1.0 / TARGET_FPS - frame_ms / 1000)
        per_step = (1.0 / fps - frame_ms / 1000) / spf
        room = budget / per_step if per_step > 0 else float("inf")
        row(f"session/{label}: steps/frame possible at 30 fps", room, "steps",
            f">= {TARGET_STEPS_PER_FRAME}", room / TARGET_STEPS_PER_FRAME)
        if label == "default":
            windows = 3 if args.quick else 7
            ticks, cpu = tick_rates(config, seconds / 3, windows)
            ceiling = train_step_rate(config, seconds / 3, windows)
            tfp_steps = TFP_EPOCHS_PER_S * steps_per_epoch(config)
            row(f"session/{label}: tick() steps/s, unpaced", ticks, "steps/s",
                f">= {tfp_steps:g}", ticks / tfp_steps)
            row(f"session/{label}: tick() steps per CPU second", cpu, "steps/s", "", None)
            row(f"session/{label}: train_step alone (the ceiling)", ceiling, "steps/s", "",
                None)
            row(f"session/{label}: tick() / train_step alone", 100 * ticks / ceiling, "%", "",
                None)
            for name, patches in CHANGES.items():
                ms = session_latency(config, patches, repeats)
                row(f"session/{label}: config {name} -> frame", ms, "ms",
                    f"<= {TARGET_LATENCY_MS:g}", TARGET_LATENCY_MS / ms)
    try:
        fps, steps, latencies = websocket_figures(DEFAULT, seconds, repeats)
    except ImportError as err:
        print(f"(websocket figures skipped: {err})")
    else:
        row("websocket/default: frames/s while playing", fps, "fps", f">= {TARGET_FPS:g}",
            fps / TARGET_FPS)
        row("websocket/default: minibatch steps/s", steps, "steps/s", "", None)
        for name, ms in latencies.items():
            row(f"websocket/default: config {name} -> frame", ms, "ms",
                f"<= {TARGET_LATENCY_MS:g}", TARGET_LATENCY_MS / ms)

    report(rows)


def browser_rows(row: Callable[..., None], window: float, runs: int, chromium: str) -> None:
    """The browser's figures as rows: frames/s drawn against TFP's targets, epochs/s against
    TFP's 60 on the default network."""
    if not os.path.exists(chromium):
        print(f"(browser figures skipped: {chromium} is missing)")
        return
    try:
        version, figures = browser_figures(window, runs, chromium)
    except ImportError as err:
        print(f"(browser figures skipped: {err})")
        return
    print(f"browser: headless Chromium {version} {' '.join(CHROMIUM_ARGS)}; medians of {runs} "
          f"windows of {window:g} s")
    for name, _, tfp_fps, tfp_epochs in BROWSER_NETS:
        f = figures[name]
        row(f"browser/{name}: frames/s drawn", f["drawn"], "fps", f">= {tfp_fps:g}",
            f["drawn"] / tfp_fps)
        row(f"browser/{name}: frames/s received", f["received"], "fps", "", None)
        row(f"browser/{name}: JS time per drawn frame", f["draw_ms"], "ms", "", None)
        if tfp_epochs:
            row(f"browser/{name}: epochs/s", f["epochs"], "epochs/s", f">= {tfp_epochs:g}",
                f["epochs"] / tfp_epochs)
        else:
            row(f"browser/{name}: epochs/s", f["epochs"], "epochs/s", "", None)


def report(rows: list[tuple[str, str, str, str]]) -> None:
    width = max(len(r[0]) for r in rows)
    print(f"\n{'measure':<{width}}  {'ours':>16}  {'TFP/target':>10}  {'ratio':>8}")
    for name, value, target, ratio in rows:
        print(f"{name:<{width}}  {value:>16}  {target:>10}  {ratio:>8}")
    print("\nratio > 1 means better than the target (fps / target, or target / latency). "
          "TFP's figures: one epoch per animation frame, 60 epochs/s at 60 frames/s, on its "
          "default net; 30 frames/s drawn for its largest net, 20 for 6 × 32. The server sends "
          "at most 30 frames/s: 30 drawn is every frame.")


if __name__ == "__main__":
    without_blas_guard()
    main()
