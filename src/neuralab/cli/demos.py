"""The lecture's demos: ``neuralab demo`` (a 2-layer net on the spiral, in the terminal, over
:mod:`neuralab.demo`) and ``neuralab playground`` (serves the web playground)."""

from __future__ import annotations

import typer

from .errors import friendly_errors

MAX_EPOCHS = 100_000  # config.MAX_EPOCHS, train's bound (importing config here pulls pydantic)


def demo(
    epochs: int = typer.Option(200, min=1, max=MAX_EPOCHS,
                               help="Passes over the 300 spiral points."),
    seed: int = typer.Option(0, min=0, help="Seed for data, weights and shuffling."),
) -> None:
    """Train a 2-layer ReLU net on the 3-class spiral and print loss and accuracy.

    Example: neuralab demo --epochs 100
    """
    from ..demo import run

    acc = run(epochs=epochs, seed=seed, report=typer.echo)
    typer.echo(f"final train accuracy: {acc:.3f} (a linear classifier manages about 0.5)")


@friendly_errors
def playground(
    host: str = typer.Option("127.0.0.1", help="Address to listen on; anything but loopback "
                             "exposes the playground to your network."),
    port: int = typer.Option(8765, min=1, max=65535, help="Port to listen on."),
    browser: bool = typer.Option(True, "--browser/--no-browser",
                                 help="Open the playground in a web browser."),
    max_sessions: int = typer.Option(64, help="Sessions (browser tabs) at once; one more is "
                                     "told the server is full (a classroom: 30-100)."),
    idle_minutes: float = typer.Option(30.0, help="Close a paused session that has received "
                                       "nothing for this long."),
    workers: int = typer.Option(None, help="Threads that train every session in turn "
                                "(default: one per core, at most 4)."),
    digits_data: str = typer.Option(None, help="The /digits page's data set: digits, mnist or "
                                    "fashion-mnist (default: digits; mnist with --digits-root)."),
    digits_root: str = typer.Option(None, help="A folder of MNIST (or Fashion-MNIST) files for "
                                    "the /digits page's models, trained at start-up."),
    digits_run: str = typer.Option(None, help="A run directory (linear or mlp, trained on a "
                                   "digit data set's pixels) whose model the /digits page uses."),
) -> None:
    """Serve the interactive neural-network playground (FastAPI + uvicorn) and open it.

    Example: neuralab playground --port 8000 --no-browser
    A classroom: neuralab playground --host 0.0.0.0 --max-sessions 100 --no-browser
    Draw a digit for an MNIST model: neuralab playground --digits-root data/mnist (page /digits)
    """
    from ..playground.app import serve
    from ..playground.digits import check_source

    _check_listen(host, port)
    digits = check_source(digits_data, digits_root, digits_run)  # before the server starts
    serve(host=host, port=port, open_browser=browser, max_sessions=max_sessions,
          idle_minutes=idle_minutes, workers=workers, digits=digits)


def _check_listen(host: str, port: int) -> None:
    """A ``ValueError`` naming ``--host`` or ``--port`` when the server could not listen there
    (a name that does not resolve, an address not of this machine, a port in use), found by
    binding a socket as uvicorn will, before anything starts."""
    import socket

    try:
        family, kind, proto, _, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)[0]
    except (socket.gaierror, UnicodeError) as err:
        reason = getattr(err, "strerror", None) or str(err)
        raise ValueError(f"host={host!r} is not an address to listen on ({reason}); e.g. "
                         f"127.0.0.1 (this machine only) or 0.0.0.0 (every interface)") from None
    with socket.socket(family, kind, proto) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn binds
        try:
            sock.bind(address)
        except OSError as err:
            raise ValueError(f"cannot listen on host={host!r} port={port}: {err.strerror}; "
                             f"choose another --port (or --host)") from None
