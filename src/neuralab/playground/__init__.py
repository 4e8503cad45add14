"""The web playground: a neural network you train and watch in the browser.

* :mod:`~neuralab.playground.protocol` — the wire format: client messages and the config,
  validated; PROTOCOL.md beside it is the specification.
* :mod:`~neuralab.playground.session` — :class:`Session`, one per browser tab: data, network
  and training driven message by message; pure Python, usable without a server. It draws on
  :mod:`~.points` (the data and their features), :mod:`~.points_csv` (points as CSV),
  :mod:`~.network` (the layers), :mod:`~.frames` (the binary frame and its heatmaps),
  :mod:`~.metrics` (the frame's metrics) and :mod:`~.export` (model, script and CSV files).
* :mod:`~neuralab.playground.app` — the FastAPI app and ``serve()`` (``neuralab playground``);
  :mod:`~neuralab.playground.classroom` — the session limit, the idle close and the scheduler
  that shares the CPU between the sessions.

``import neuralab.playground`` does not import FastAPI or uvicorn: ``create_app`` and ``serve``
load them on first use.
"""

from __future__ import annotations

from typing import Any

from .frames import decode_frame
from .protocol import PlaygroundConfig, ProtocolError, parse_message
from .session import Session

__all__ = ["PlaygroundConfig", "ProtocolError", "Session", "create_app", "decode_frame",
           "parse_message", "serve"]


def __getattr__(name: str) -> Any:
    if name in ("create_app", "serve"):
        from . import app

        return getattr(app, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
