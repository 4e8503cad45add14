"""The playground's web server: FastAPI routes and one WebSocket per browser tab.

``create_app()`` serves the page (``/``, ``/poly``), its static files (``/static/...``) and the
WebSocket ``/ws`` of PROTOCOL.md. Each connection owns one
:class:`~neuralab.playground.session.Session`; every call into the session (messages,
training, frames) runs, in order, on the worker threads of the app's
:class:`~neuralab.playground.classroom.Classroom`, which share the CPU fairly between the
sessions, cap their number and close idle ones — so the event loop never trains and one slow
session never blocks another. ``serve()`` runs the app with uvicorn.

Nothing a client sends makes the server write a file: exports travel back in the reply.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import logging
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit

from fastapi import FastAPI, WebSocket
from fastapi.responses import FileResponse, PlainTextResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.websockets import WebSocketDisconnect, WebSocketState

from .classroom import FULL_CODE, IDLE_CODE, IDLE_MINUTES, MAX_SESSIONS, Classroom
from .digits import DigitModels, DigitSource
from .digits_api import digits_router
from .poly_api import router as poly_router
from .poly_decompose_api import router as poly_decompose_router
from .protocol import MAX_FPS, error_message, parse_message
from .session import Outgoing, Session

__all__ = ["STATIC_DIR", "create_app", "origin_allowed", "serve"]

STATIC_DIR = Path(__file__).parent / "static"
LOOPBACK_NAMES = ("localhost", "127.0.0.1", "::1")
# The transport refuses frames past this size outright (closing with 1009); between
# MAX_MESSAGE_BYTES and this, a message gets an error reply and the session lives on.
WS_MAX_SIZE = 1 << 20

log = logging.getLogger("neuralab.playground")
T = TypeVar("T")


# --------------------------------------------------------------------------- origin check
def origin_allowed(
    origin: str | None, server_port: int | None, bind_host: str | None = None,
    host_header: str | None = None,
) -> bool:
    """Whether a WebSocket from a page at ``origin`` may connect.

    Allowed: no ``Origin`` header (not a browser: scripts, tests), or ``http://HOST:PORT``
    where PORT is the server's and HOST is the address it is bound to or a loopback name
    (localhost, 127.0.0.1, [::1]). Checking the host against a fixed list, not against the
    request's ``Host`` header, is what stops DNS rebinding (evil.example resolving to
    127.0.0.1). A server bound to every interface (0.0.0.0 / ::) also accepts the origin that
    matches its ``Host`` header: the user chose to publish it on the network.
    """
    if origin is None:
        return True
    try:
        parts = urlsplit(origin)
        port = parts.port or 80
    except ValueError:
        return False
    if parts.scheme != "http" or not parts.hostname or parts.path not in ("", "/"):
        return False
    if server_port is not None and port != server_port:
        return False
    allowed = {*LOOPBACK_NAMES}
    if bind_host:
        allowed.add(bind_host.strip("[]").lower())
    if bind_host in ("0.0.0.0", "::", "") and host_header:
        allowed.add((urlsplit(f"//{host_header}").hostname or "").lower())
    return parts.hostname.lower() in allowed


# --------------------------------------------------------------------------- one connection
class _Connection:
    """One WebSocket and its Session: a receiver loop and a player loop on the event loop,
    all session work on the classroom's scheduler (classroom.py)."""

    def __init__(self, ws: WebSocket, classroom: Classroom) -> None:
        self.ws = ws
        self.classroom = classroom
        self.session: Session | None = None
        self.lane = classroom.scheduler.lane()
        # one call at a time: calls run in order (the session is not thread-safe)
        self.busy = asyncio.Lock()
        self.send_lock = asyncio.Lock()
        self.wake = asyncio.Event()
        self.active = 0.0  # loop time of the last message received or tick played

    async def call(self, fn: Callable[..., T], *args: Any, urgent: bool = True) -> T:
        """``fn(*args)`` on a worker; ``urgent=False`` (training) waits for its fair turn."""
        async with self.busy:
            return await asyncio.wrap_future(
                self.classroom.scheduler.submit(self.lane, fn, *args, urgent=urgent))

    async def send(self, items: list[Outgoing]) -> None:
        async with self.send_lock:
            for item in items:
                if isinstance(item, bytes):
                    await self.ws.send_bytes(item)
                else:
                    await self.ws.send_json(item)

    async def run(self) -> None:
        try:
            self.session = session = await self.call(Session)
            await self.send([session.hello(), session.points(), await self.call(session.frame)])
            player = asyncio.create_task(self.player())
            try:
                await self.receiver()
            finally:
                player.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await player
        except WebSocketDisconnect:
            pass
        except Exception as err:  # the transport failed (client gone mid-send): just clean up
            log.debug("playground: connection ended: %r", err)
        finally:
            self.session = None  # the session's arrays go with the connection

    async def receiver(self) -> None:
        """Apply each message; a bad one gets an ``error`` reply, never ends the session. A
        paused session that receives nothing for the classroom's idle time is closed."""
        loop = asyncio.get_running_loop()
        self.active = loop.time()
        while True:
            try:
                event = await asyncio.wait_for(
                    self.ws.receive(), self.active + self.classroom.idle_seconds - loop.time())
            except TimeoutError:
                if self.session.playing:  # never idle while it plays, however slow its ticks
                    self.active = loop.time()
                if loop.time() < self.active + self.classroom.idle_seconds:
                    continue
                await self.send([self.classroom.idle_message()])
                await self.ws.close(code=IDLE_CODE, reason="idle")
                return
            self.active = loop.time()
            if event["type"] == "websocket.disconnect":
                return
            raw = event.get("text")
            if raw is None:
                raw = event.get("bytes") or b""
            try:
                message = parse_message(raw)
                replies = await self.call(self.session.apply, message)
            except ValueError as err:
                replies = [error_message(err)]
            except Exception as err:  # a bug must not take the session down with it
                log.exception("playground: %s failed", type(err).__name__)
                replies = [{"type": "error", "field": None,
                            "message": f"internal error: {type(err).__name__}: {err}"}]
            await self.send(replies)
            if self.session.playing:
                self.wake.set()

    async def player(self) -> None:
        """While playing: train ``steps_per_frame`` steps and send a frame, at most
        MAX_FPS times a second on average (fewer if a frame's steps take longer)."""
        loop = asyncio.get_running_loop()
        period = 1.0 / MAX_FPS
        due = loop.time()
        while True:
            if not self.session.playing:
                self.wake.clear()
                await self.wake.wait()
                due = loop.time()
                continue
            try:
                replies = await self.call(self.session.tick, urgent=False)
                self.active = loop.time()
            except Exception as err:
                log.exception("playground: training failed")
                self.session.playing = False
                replies = [{"type": "error", "field": None,
                            "message": f"internal error while training: {err}"}]
            await self.send(replies)
            # a fixed schedule, not a fixed pause: frames leave every `period` seconds on
            # average. A frame up to one period late is made up (the next one leaves at once),
            # so a moment's contention for the CPU costs no frame; later than that the
            # schedule restarts rather than bursting
            due += period
            now = loop.time()
            if now - due > period:
                due = now
            await asyncio.sleep(max(0.0, due - now))


# --------------------------------------------------------------------------- the app
def create_app(
    host: str | None = None, port: int | None = None, static_dir: str | Path | None = None,
    classroom: Classroom | None = None, digits: DigitModels | None = None,
) -> FastAPI:
    """The playground as an ASGI app.

    Parameters
    ----------
    host, port : optional
        The address the server is bound to, for the WebSocket's Origin check (default: the
        address the ASGI server reports for each connection).
    static_dir : path, optional
        Where ``index.html`` and the static files live (default: the package's ``static/``).
    classroom : Classroom, optional
        The session limit, the scheduler and the idle time (default: ``Classroom()``).
    digits : DigitModels, optional
        The ``/digits`` page's models (default: trained on scikit-learn's digits on first use).
    """
    static = Path(static_dir) if static_dir is not None else STATIC_DIR
    room = classroom if classroom is not None else Classroom()

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> Any:
        yield
        room.close()  # the scheduler's threads end with the server

    app = FastAPI(title="neuralab playground", docs_url=None, redoc_url=None, openapi_url=None,
                  lifespan=lifespan)

    def page(name: str) -> Response:
        path = static / name
        if not path.is_file():
            return PlainTextResponse(
                f"404: the playground page {name} is not there yet ({path} is missing)",
                status_code=404)
        return FileResponse(path, headers={"Cache-Control": "no-cache"})

    @app.get("/", include_in_schema=False)
    async def index() -> Response:
        return page("index.html")

    @app.get("/poly", include_in_schema=False)
    async def poly() -> Response:
        return page("poly.html")

    @app.get("/digits", include_in_schema=False)
    async def digits_page() -> Response:
        return page("digits.html")

    @app.get("/api/status", include_in_schema=False)
    async def status() -> dict[str, Any]:
        return room.status()  # sessions now and the limit (classroom.py)

    app.include_router(poly_router)  # POST /api/poly/fit: the polynomial page's fits
    app.include_router(poly_decompose_router)  # POST /api/poly/decompose: bias², variance
    app.include_router(digits_router(digits or DigitModels()))  # /api/digits/...: draw a digit
    app.mount("/static", StaticFiles(directory=static, check_dir=False), name="static")

    @app.websocket("/ws")
    async def websocket(ws: WebSocket) -> None:
        server = ws.scope.get("server") or (None, None)
        server_port = port if port is not None else server[1]
        bind = host if host is not None else server[0]
        if not origin_allowed(ws.headers.get("origin"), server_port, bind,
                              ws.headers.get("host")):
            # accept, then close at once with 1008 (policy violation): a browser sees that
            # code (a refused handshake would only show 1006) and the page stops retrying;
            # no session is created and nothing is read
            await ws.accept()
            await ws.close(code=1008, reason="origin not allowed")
            return
        await ws.accept()
        if not room.admit():  # full: say so, close with 1013 (try again later), no session
            log.warning("playground: refused a connection: %d sessions, the most allowed",
                        room.max_sessions)
            with contextlib.suppress(Exception):
                await ws.send_json(room.full_message())
                await ws.close(code=FULL_CODE, reason=room.full_message()["message"])
            return
        try:
            await _Connection(ws, room).run()
        finally:
            room.leave()
        if ws.application_state == WebSocketState.CONNECTED:
            with contextlib.suppress(Exception):
                await ws.close()

    return app


# --------------------------------------------------------------------------- serving
def is_loopback(host: str) -> bool:
    """Whether ``host`` only accepts connections from this machine."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def serve(host: str = "127.0.0.1", port: int = 8765, open_browser: bool = True,
          max_sessions: int = MAX_SESSIONS, idle_minutes: float = IDLE_MINUTES,
          workers: int | None = None, digits: DigitSource | None = None) -> None:
    """Run the playground with uvicorn until interrupted (Ctrl-C).

    Binding to an address other than loopback prints a warning: anyone who can reach the
    port can then use the playground (and this machine's CPU). ``max_sessions``,
    ``idle_minutes`` and ``workers``: the :class:`~neuralab.playground.classroom.Classroom`'s
    (a bad value raises ValueError before anything starts). ``digits``: where the ``/digits``
    page's models come from (:func:`~neuralab.playground.digits.check_source`; default: trained
    on scikit-learn's digits), trained from start-up on in a background thread.
    """
    import uvicorn

    classroom = Classroom(max_sessions, idle_minutes, workers)
    _single_threaded_blas()
    if not is_loopback(host):
        print(f"warning: binding to {host} makes the playground reachable from other "
              f"machines; anyone who can reach port {port} can use it (and this CPU). Use "
              f"--host 127.0.0.1 to keep it local.", file=sys.stderr)
    shown = f"[{host}]" if ":" in host else host
    if host in ("0.0.0.0", "::"):
        shown = "127.0.0.1"
    url = f"http://{shown}:{port}/"
    # permessage-deflate only off this machine: on loopback, deflating a frame costs more than
    # sending it (a 6 × 32 network's 0.44 MB frame at G = 100: ~15 ms of the server's time, and
    # the browser's to inflate it, every frame)
    digit_models = DigitModels(digits)
    digit_models.start()  # in the background: the pages answer at once
    config = uvicorn.Config(create_app(host, port, classroom=classroom, digits=digit_models),
                            host=host,
                            port=port, log_level="warning",
                            ws_max_size=WS_MAX_SIZE, ws_per_message_deflate=not is_loopback(host))
    server = uvicorn.Server(config)
    print(f"neuralab playground: {url}  (up to {classroom.max_sessions} sessions; Ctrl-C to "
          f"stop)", flush=True)
    if open_browser:
        threading.Thread(target=_open_when_up, args=(server, url), daemon=True).start()
    server.run()


def _single_threaded_blas() -> None:
    """One BLAS thread per session thread: the playground's matrices are small (grid × 32),
    where BLAS threads only contend — with each other and with other sessions' threads — and
    a forward pass over a 128² grid runs several times slower with two threads than with one
    on a busy two-core machine. threadpoolctl comes with scikit-learn."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - scikit-learn depends on it
        return
    threadpool_limits(1, user_api="blas")


def _open_when_up(server: Any, url: str, timeout: float = 10.0) -> None:
    """Open ``url`` in a browser once the server accepts connections."""
    import webbrowser

    deadline = time.monotonic() + timeout
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    if server.started:
        webbrowser.open(url)
