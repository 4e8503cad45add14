"""Shared pieces of the browser tests: the real `neuralab playground` server and chromium.

Imported by the test modules after they have skipped when chromium or playwright is missing.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = "/usr/bin/chromium"
ROOT = Path(__file__).resolve().parents[1]
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def skip_without_browser() -> Any:
    """Skip the calling module (with the reason) unless chromium, playwright and the server's
    dependencies are present; return ``playwright.sync_api``."""
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is missing (apt-get install chromium)", allow_module_level=True)
    sync_api = pytest.importorskip(
        "playwright.sync_api", reason="the playwright package is missing (pip install playwright)"
    )
    pytest.importorskip("fastapi", reason="the playground server needs fastapi")
    pytest.importorskip("uvicorn", reason="the playground server needs uvicorn")
    return sync_api


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run_server() -> Iterator[str]:
    """Start `neuralab playground --no-browser` on a free port, yield its URL, stop it."""
    for url, _ in server_process():
        yield url


def server_process(*options: str) -> Iterator[tuple[str, subprocess.Popen[str]]]:
    """Start `neuralab playground --no-browser --port P *options`, yield its URL and process
    (whose ``pid`` is the server's: `neuralab` is a console script), stop it."""
    port = _free_port()
    exe = Path(sys.executable).parent / "neuralab"
    base = [str(exe)] if exe.exists() else [sys.executable, "-m", "neuralab"]
    proc = subprocess.Popen(
        [*base, "playground", "--no-browser", "--port", str(port), *options],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    deadline = time.monotonic() + 30
    try:
        while True:
            if proc.poll() is not None:
                out = proc.stdout.read() if proc.stdout else ""
                pytest.fail(f"`neuralab playground` exited with {proc.returncode}:\n{out}")
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    pytest.fail("the playground server did not answer within 30 s")
                time.sleep(0.1)
        yield f"http://127.0.0.1:{port}/", proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def open_page(browser: Any, **context_options: Any) -> Iterator[Any]:
    """A 1280×800 page in a fresh context; ``page.errors`` collects uncaught page errors."""
    context = browser.new_context(viewport={"width": 1280, "height": 800}, **context_options)
    page = context.new_page()
    page.errors = []
    page.on("pageerror", lambda err: page.errors.append(str(err)))
    yield page
    context.close()


def run_chromium(sync_api: Any) -> Iterator[Any]:
    """Launch Debian's chromium headless through Playwright (never a downloaded browser)."""
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def readme_picture(locator: Any, name: str) -> None:
    """Write ``docs/<name>``, a README picture, from ``locator``'s screenshot when
    ``NEURALAB_UPDATE_SCREENSHOT`` is set or the file is missing (the tests that reach the
    state it shows take it, so the picture shows what the tests check)."""
    import os

    path = ROOT / "docs" / name
    if os.environ.get("NEURALAB_UPDATE_SCREENSHOT") or not path.exists():
        path.write_bytes(locator.screenshot())
