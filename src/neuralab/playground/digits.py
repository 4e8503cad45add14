"""The models of the ``/digits`` page: a linear classifier and an MLP on a digit data set, and
what the page shows for one drawn image.

:func:`check_source` validates where the models come from (``neuralab playground
--digits-data/--digits-root/--digits-run``) and loads the data (or the run) at once, so a bad
option fails before the server starts; :class:`DigitModels` then trains the missing models in a
background thread (the page says "training…" until :attr:`DigitModels.ready`):

* by default on scikit-learn's digits (8×8, 1797 images): both models in a couple of seconds;
* on an MNIST or Fashion-MNIST folder (``--digits-root``): a few epochs on its images;
* from a run directory (``--digits-run``): its model takes its slot (linear or mlp) and the
  other one is trained on the run's data set.

One drawn image (:meth:`DigitModels.predict`), a grey canvas (H, W) of 0..255, is brought to the
data set's framing by :func:`neuralab.data.normalize.normalize_image` — the one ``neuralab
predict`` uses — then preprocessed by the models' scaler into x (D,). The linear classifier's
scores are s_c = w_c · x + b_c with W (D, C); the lecture's algebraic viewpoint is the sum's
terms, the contribution map w_c ⊙ x (D,) of a class, whose sum is s_c − b_c; its visual
viewpoint is the templates w_c, W's columns shown as images.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..data import normalize
from .frames import json_array

__all__ = ["DIGIT_DATA", "DigitModels", "DigitSource", "check_source"]

#: The data sets the page can draw for: grey, digit-like, with a framing in normalize.FRAMINGS.
DIGIT_DATA = tuple(normalize.FRAMINGS)
TOP = 3  # classes whose contribution maps the reply carries
log = logging.getLogger("neuralab.playground")


@dataclass
class DigitSource:
    """Where the page's models come from: the data (already loaded, so training can start at
    once) and, from ``--digits-run``, a trained model with its scaler and kind."""

    data: str
    root: str | None
    dataset: Any                      # the raw neuralab.data.Dataset
    run: Any = None                   # experiment.LoadedRun, or None
    run_kind: str | None = None       # "linear" or "mlp"


def check_source(data: str | None = None, root: str | None = None,
                 run: str | None = None) -> DigitSource:
    """The validated source of the models; a one-line ``ValueError`` naming the option when
    ``data`` is not a digit-like data set, ``root`` is not a folder of its files, or ``run`` is
    not a finished run on such a data set trained on its pixels. ``data`` defaults to the run's
    data set, else ``mnist`` with a ``root``, else ``digits``."""
    from .. import data as datasets
    from ..experiment import open_run

    loaded = None
    if run is not None:
        try:
            loaded = open_run(run)
        except ValueError as err:  # its messages name RUN_DIR, predict's argument
            raise ValueError(str(err).replace("RUN_DIR=", "digits-run=", 1)) from None
        if loaded.config.features:
            raise ValueError(f"digits-run={run!r} was trained on features "
                             f"({','.join(loaded.config.features)}); /digits needs a model "
                             f"trained on the pixels")
        if data is not None and data != loaded.config.data:
            raise ValueError(f"digits-data={data!r} but digits-run={run!r} was trained on "
                             f"{loaded.config.data!r}; give one of them")
        data = loaded.config.data
        root = root if root is not None else loaded.config.root
    data = data or ("mnist" if root is not None else "digits")
    if data not in DIGIT_DATA:
        raise ValueError(f"digits-data={data!r}: the /digits page draws grey digits; allowed: "
                         f"{', '.join(DIGIT_DATA)}")
    if root is not None and data == "digits":
        raise ValueError(f"digits-root={root!r}: scikit-learn's digits need no folder; give "
                         f"--digits-data mnist or fashion-mnist with it")
    if root is not None and (not root.strip() or not Path(root).is_dir()):
        raise ValueError(f"digits-root={root!r} is not a folder (it should hold the {data} "
                         f"files, e.g. from `neuralab data download {data}`)")
    try:
        dataset = datasets.load(data, root=root)
    except (OSError, ValueError) as err:
        raise ValueError(f"digits-root={root!r}: cannot load {data}: {err}") from None
    return DigitSource(data, root, dataset, loaded,
                       loaded.config.model.kind if loaded is not None else None)


@dataclass
class _Fitted:
    """The trained pair and what turns a drawing into their input."""

    framing: normalize.Framing
    pixel_max: float
    image_shape: tuple[int, int]
    class_names: list[str]
    scaler: Any
    linear: Any  # Sequential: one Linear, W (D, C)
    mlp: Any


class DigitModels:
    """The page's two models, trained in a background thread by :meth:`start`.

    ``status()`` says ``training`` / ``ready`` / ``failed``; :meth:`predict` and
    :meth:`templates` raise :class:`NotReady` until the models are there.
    """

    def __init__(self, source: DigitSource | None = None, *, seed: int = 0) -> None:
        self._source = source
        self._seed = seed
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._fitted: _Fitted | None = None
        self._error: str | None = None

    # -- training ----------------------------------------------------------------------------
    def start(self) -> None:
        """Begin training in a daemon thread (once; later calls do nothing)."""
        with self._lock:
            if self._thread is not None:
                return
            self._thread = threading.Thread(target=self._train, name="digits-training",
                                            daemon=True)
            self._thread.start()

    def wait(self, timeout: float | None = None) -> bool:
        """Start if needed and wait for the end of training; whether the models are ready."""
        self.start()
        assert self._thread is not None
        self._thread.join(timeout)
        return self._fitted is not None

    def status(self) -> dict[str, Any]:
        """``{"state": "training" | "ready" | "failed", "data", "message"}``."""
        state = "ready" if self._fitted else "failed" if self._error else "training"
        data = self._source.data if self._source is not None else "digits"
        return {"state": state, "data": data, "message": self._error}

    @property
    def ready(self) -> bool:
        return self._fitted is not None

    def _train(self) -> None:
        try:
            self._fitted = _fit(self._source or check_source(), self._seed)
        except Exception as err:  # the page shows it; the server lives on
            log.exception("digits: training failed")
            self._error = f"{type(err).__name__}: {err}"

    def _need(self) -> _Fitted:
        if self._fitted is None:
            self.start()
            raise NotReady(self.status())
        return self._fitted

    # -- one drawing -------------------------------------------------------------------------
    def predict(self, grey: np.ndarray) -> dict[str, Any]:
        """What the page shows for the drawing ``grey`` (H, W), 0..255, dark ink on light paper
        (or light on dark: :func:`~neuralab.data.normalize.to_ink` decides).

        Returns ``normalized`` (h, w) in [0, 1] (the data set's framing), ``linear``:
        ``scores`` (C,), ``bias`` (C,), ``probs`` (C,) (softmax), ``top`` (the 3 best classes)
        and ``contributions`` (3, h, w): w_c ⊙ x for each of them, with ``scale`` (their
        largest |value|, for a symmetric colour map); ``mlp``: ``scores`` and ``probs`` (C,).
        """
        from ..losses import softmax
        from ..train import predict_scores

        fit = self._need()
        blank = not (normalize.to_ink(grey) > 0).any()
        pixels = normalize.normalize_image(grey, fit.framing, fit.pixel_max)   # (h, w)
        x = fit.scaler.transform(pixels.reshape(1, -1).astype(np.float32))   # (1, D)
        weight, bias = _linear_params(fit.linear)                            # (D, C), (C,)
        lin_scores = np.asarray(predict_scores(fit.linear, x), dtype=np.float64)[0]
        mlp_scores = np.asarray(predict_scores(fit.mlp, x), dtype=np.float64)[0]
        top = np.argsort(-lin_scores)[:TOP]
        contributions = (x[0, :, None] * weight[:, top]).T.reshape(len(top), *fit.image_shape)
        return {
            "blank": blank,
            "class_names": fit.class_names,
            "normalized": json_array(pixels / fit.pixel_max, 4),
            "linear": {
                "scores": json_array(lin_scores), "bias": json_array(bias),
                "probs": json_array(np.asarray(softmax(lin_scores[None]))[0]),
                "top": top.tolist(),
                "contributions": json_array(contributions, 5),
                "scale": float(np.abs(contributions).max(initial=0.0)),
                "predicted": int(top[0]),
            },
            "mlp": {"scores": json_array(mlp_scores),
                    "probs": json_array(np.asarray(softmax(mlp_scores[None]))[0]),
                    "predicted": int(np.argmax(mlp_scores))},
        }

    def templates(self) -> dict[str, Any]:
        """The linear classifier's templates: ``templates`` (C, h, w), W's columns as images,
        ``bias`` (C,), and ``scale``, their largest |value| (for a symmetric colour map)."""
        fit = self._need()
        weight, bias = _linear_params(fit.linear)
        images = weight.T.reshape(len(fit.class_names), *fit.image_shape)
        return {"class_names": fit.class_names, "shape": list(fit.image_shape),
                "templates": json_array(images, 5), "bias": json_array(bias),
                "scale": float(np.abs(images).max(initial=0.0))}


class NotReady(Exception):
    """The models are still training (or failed): the status to reply with."""

    def __init__(self, status: dict[str, Any]) -> None:
        super().__init__(status["message"] or "the models are still training")
        self.status = status


def _linear_params(model: Any) -> tuple[np.ndarray, np.ndarray]:
    """W (D, C) and b (C,) of a linear classifier (a Sequential of one Linear)."""
    from ..backend import to_numpy

    layer = model[0]
    return (np.asarray(to_numpy(layer.weight.value), dtype=np.float64),
            np.asarray(to_numpy(layer.bias.value), dtype=np.float64))


# --------------------------------------------------------------------------- training
#: Per data set: (epochs, hidden widths) — seconds on a laptop core, enough for a drawn digit.
RECIPES: dict[str, tuple[int, tuple[int, ...]]] = {
    "digits": (40, (64,)),
    "mnist": (4, (100,)),
    "fashion-mnist": (4, (100,)),
}


def _fit(source: DigitSource, seed: int) -> _Fitted:
    """Train what ``source`` does not bring (the library's Trainer, Adam, a little L2)."""
    from ..config import TrainConfig
    from ..experiment import flat, make_scaler
    from ..models import build
    from ..regularizers import get_regularizer
    from ..train import Trainer

    ds = source.dataset
    epochs, hidden = RECIPES[source.data]
    if source.run is not None:
        scaler = source.run.scaler
    else:
        config = TrainConfig(data=source.data)
        scaler = make_scaler(config, ds).fit(flat(ds.X_train))
    X = scaler.transform(flat(ds.X_train))
    models: dict[str, Any] = {}
    for kind in ("linear", "mlp"):
        if kind == source.run_kind:
            models[kind] = source.run.model
            continue
        # strong L2 on the linear classifier: templates that look like their class (on digits
        # their correlation with the class's mean image is 0.96, 0.89 at λ = 1e-2), at the same
        # test accuracy (0.94)
        config = TrainConfig(data=source.data, model={"kind": kind, "hidden": hidden},
                             lam=1e-1 if kind == "linear" else 1e-3, epochs=epochs, seed=seed)
        model = build(config.model, X.shape[1], ds.n_classes, seed=seed)
        Trainer(model, loss="softmax", regularizer=get_regularizer("l2", config.lam),
                optimizer="adam", lr=config.lr, epochs=epochs, batch_size=64,
                seed=seed).fit(X, ds.y_train)
        model.eval()
        models[kind] = model
    pixel_max = float(np.max(ds.X_train))  # 16 digits, 255 MNIST: as predict's dataset.json
    return _Fitted(normalize.framing_of(source.data), pixel_max, tuple(ds.image_shape),
                   [str(c) for c in ds.class_names], scaler, models["linear"], models["mlp"])
