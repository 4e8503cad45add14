"""The web playground: a neural network you train and watch in the browser.

* :mod:`~neuralab.playground.protocol` — the wire format (messages, config, frames);
  PROTOCOL.md beside it is the specification.
* :mod:`~neuralab.playground.session` — :class:`Session`, one per browser tab: data, network
  and training driven message by message; pure Python, usable without a server.
* :mod:`~neuralab.playground.app` — the FastAPI app and ``serve()`` (``neuralab playground``).

``import neuralab.playground`` does not import FastAPI or uvicorn: ``create_app`` and ``serve``
load them on first use.
"""

from __future__ import annotations

from typing import Any

from .protocol import PlaygroundConfig, ProtocolError, decode_frame, parse_message
from .session import Session

__all__ = ["PlaygroundConfig", "ProtocolError", "Session", "create_app", "decode_frame",
           "parse_message", "serve"]


def __getattr__(name: str) -> Any:
    if name in ("create_app", "serve"):
        from . import app

        return getattr(app, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
