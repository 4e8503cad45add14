"""The ``/digits`` page's API over :class:`~neuralab.playground.digits.DigitModels`.

* ``GET /api/digits/status``: ``{"state": "training" | "ready" | "failed", "data", "message"}``;
* ``POST /api/digits/predict`` with ``{"width": W, "height": H, "pixels": [W·H grey levels
  0..255, row by row]}`` (8 ≤ W, H ≤ :data:`MAX_SIDE`): the normalized input, the linear
  classifier's scores, probabilities and contribution maps of its top 3 classes, the MLP's
  probabilities (:meth:`DigitModels.predict`);
* ``GET /api/digits/templates``: the linear classifier's templates w_c as (C, h, w) arrays.

Errors are :mod:`.poly_api`'s JSON ``{"error", "field", "line", "message"}``: 422 names the
field; 503 ``{"error": "training", ...}`` while the models train.
"""

from __future__ import annotations

from typing import Annotated, Any

import numpy as np
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from .digits import DigitModels, NotReady
from .poly_api import PolyError, api_reply

__all__ = ["MAX_SIDE", "PredictRequest", "digits_router"]

MAX_SIDE = 256  # the page sends 112 × 112; a larger canvas only costs time


class PredictRequest(BaseModel):
    """A drawing: ``pixels`` (height · width) grey levels, row by row."""

    model_config = ConfigDict(extra="forbid")

    width: Annotated[int, Field(strict=True, ge=8, le=MAX_SIDE)]
    height: Annotated[int, Field(strict=True, ge=8, le=MAX_SIDE)]
    pixels: list[Annotated[int, Field(strict=True, ge=0, le=255)]] = Field(
        max_length=MAX_SIDE * MAX_SIDE)

    @field_validator("pixels")
    @classmethod
    def _sized(cls, pixels: list[int], info: ValidationInfo) -> list[int]:
        width, height = info.data.get("width"), info.data.get("height")
        if width is not None and height is not None and len(pixels) != width * height:
            raise ValueError(f"{len(pixels)} values, but width × height = {width} × {height} "
                             f"= {width * height}")
        return pixels

    def image(self) -> np.ndarray:
        """The drawing as (height, width) float64."""
        return np.asarray(self.pixels, dtype=np.float64).reshape(self.height, self.width)


def digits_router(models: DigitModels) -> APIRouter:
    """The routes, bound to the app's ``models`` (no global state: one per app)."""
    router = APIRouter(prefix="/api/digits")

    @router.get("/status")
    def status() -> dict[str, Any]:
        models.start()  # the first visit starts training when the server did not
        return models.status()

    @router.get("/templates")
    async def templates() -> JSONResponse:
        return await api_reply("digits: templates", _ready(models.templates))

    @router.post("/predict")
    async def predict(request: Request) -> JSONResponse:
        return await api_reply("digits: predict",
                               _ready(lambda req: models.predict(req.image())),
                               request, PredictRequest)

    return router


def _ready(fn: Any) -> Any:
    """``fn`` with the models' :class:`NotReady` as the page's 503 "training" reply."""
    def call(*args: Any) -> Any:
        try:
            return fn(*args)
        except NotReady as err:
            extra = {k: v for k, v in err.status.items() if k != "message"}  # state, progress
            raise PolyError(503, "training", str(err), **extra) from None

    return call
