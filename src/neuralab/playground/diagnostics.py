"""Plain-language diagnostics while the playground trains (the frame header's ``diagnostics``).

Four things that go wrong in the lecture's small networks, each found from numbers the session
already has and said in words a student can act on:

* **dead ReLU units** (:func:`dead_units`): a ReLU unit whose output is exactly 0 on every
  training point passes no gradient (f′(z) = 0 for z < 0), so none of the weights into it
  change. A unit of the first hidden layer, whose inputs are fixed, is dead for good; a deeper
  one may come back when the layers before it change.
* **overfitting** (:func:`overfitting`): over the last epochs the training loss falls while
  the test loss rises, so the gap between them grows.
* **rising loss** (:func:`rising_loss`): the training loss rose epoch after epoch — the usual
  sign of a learning rate too large, said before the loss overflows to NaN.
* **a learning rate too small to move** (:func:`lr_too_small`): the loss and the weights barely
  change from epoch to epoch while the loss is still close to where it started.

The per-epoch numbers live in a :class:`History` (the session keeps one and clears it when the
network is rebuilt or reset, or the data or the loss change); :func:`diagnose` turns a history
and the hidden activations on the training points into the header field. Plain numpy, no state
but the history's, no session or server here.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

__all__ = ["DEAD_ACTIVATIONS", "History", "dead_message", "dead_units", "diagnose",
           "lr_too_small", "overfitting", "rising_loss"]

#: Activations with a flat region where the unit outputs exactly 0 and passes no gradient.
#: Only ReLU: leaky ReLU and ELU have a slope for z < 0 and maxout always passes the gradient
#: to one of its pieces; sigmoid and tanh saturate but are never exactly flat (a saturated
#: unit is slow, not dead, and its output is not 0).
DEAD_ACTIVATIONS = frozenset({"relu"})

#: Overfitting is judged over this many epochs: long enough that a noisy epoch or two does not
#: decide it, short enough that the message appears while the curves still diverge.
OVERFIT_WINDOW = 20
#: ... and said only when the test loss rose by at least this fraction of its value at the
#: window's start (a flat test loss that wobbles is not overfitting) ...
OVERFIT_MIN_RISE = 0.02
#: ... and ends at least this fraction above the training loss ...
OVERFIT_MIN_GAP = 0.1
#: ... and at least this fraction of the history's first training loss above it (a gap of a
#: hair between two near-zero losses is not worth a message) ...
OVERFIT_MIN_GAP_OF_START = 0.05
#: ... and the test loss's rise is this many times the scatter of its epochs around the trend
#: line (a learning rate too large makes both losses jump; a line through jumps is no trend).
OVERFIT_TREND_OVER_NOISE = 2.0

#: The training loss must rise this many epochs in a row to be flagged: one or two rises happen
#: in healthy minibatch training (at the default settings never five); a loss that climbs
#: epoch after epoch is on its way to overflow to NaN.
RISING_EPOCHS = 5
#: ... by at least this fraction in all (a loss creeping up by 1e-6 an epoch near its minimum
#: is noise, not divergence) ...
RISING_MIN_RISE = 0.01
#: ... to at least this fraction of the history's first loss (near 0, a converged network's
#: loss wobbles harmlessly).
RISING_FLOOR = 0.05
#: A learning rate far too large rarely climbs steadily: the loss jumps up and down. So it is
#: flagged too when the mean training loss of the last RISING_EPOCHS epochs is this many times
#: its value at epoch 0 of the history: a run that learns does not stay above its start.
ABOVE_START = 1.1

#: A learning rate is too small to move when, over this many epochs ...
SLOW_WINDOW = 10
#: ... the loss changes by less than this fraction per epoch on average (at the default lr the
#: default network's loss falls by 0.3 % (ReLU) to 1.5 % (tanh) an epoch at first) ...
SLOW_LOSS_CHANGE = 1e-3
#: ... and the weights by less than this fraction (‖Δθ‖ / ‖θ‖ per epoch) ...
SLOW_WEIGHT_CHANGE = 1e-3
#: ... while the loss is still at least this fraction of its value at epoch 0 of the history:
#: far from its floor (every loss here has floor 0), i.e. the network has learned almost
#: nothing. A network that learned and then converged has a loss far below this.
SLOW_FAR_FROM_FLOOR = 0.8

#: Entries a history keeps: the longest window above and one more.
HISTORY_LENGTH = max(OVERFIT_WINDOW, RISING_EPOCHS, SLOW_WINDOW) + 1


@dataclass
class History:
    """Per-epoch numbers of one run: after each epoch (and at its start) the data losses of
    both splits and the relative change of the parameters since the previous entry.

    Only the last :data:`HISTORY_LENGTH` entries are kept, and the first training loss
    (``start_loss``), which :func:`lr_too_small` compares against.
    """

    epochs: list[int] = field(default_factory=list)
    train: list[float | None] = field(default_factory=list)
    test: list[float | None] = field(default_factory=list)
    change: list[float | None] = field(default_factory=list)  # ‖θ_t − θ_{t−1}‖ / ‖θ_{t−1}‖
    start_loss: float | None = None
    _params: np.ndarray | None = None

    def record(self, epoch: int, train_loss: float | None, test_loss: float | None,
               params: np.ndarray) -> None:
        """Add the entry of ``epoch``: its losses (None: not computable) and the parameters
        ``params`` (P,), every weight and bias flattened."""
        params = np.asarray(params, dtype=np.float64)
        prev = self._params
        change = None
        if prev is not None and prev.shape == params.shape:
            norm = float(np.linalg.norm(prev))
            if norm > 0:
                change = _finite(float(np.linalg.norm(params - prev)) / norm)
        if not self.epochs:
            self.start_loss = _finite(train_loss)
        self.epochs.append(epoch)
        self.train.append(_finite(train_loss))
        self.test.append(_finite(test_loss))
        self.change.append(change)
        self._params = params.copy()
        if len(self.epochs) > HISTORY_LENGTH:
            for values in (self.epochs, self.train, self.test, self.change):
                del values[0]

    def clear(self) -> None:
        """Forget everything (a new run starts)."""
        self.epochs.clear()
        self.train.clear()
        self.test.clear()
        self.change.clear()
        self.start_loss = None
        self._params = None

    def last(self, n: int, values: list[float | None]) -> np.ndarray | None:
        """The last ``n`` entries of ``values`` as (n,) float64, if there are ``n`` entries of
        ``n`` consecutive epochs and all are numbers; else None."""
        if len(values) < n or self.epochs[-1] - self.epochs[-n] != n - 1:
            return None
        tail = values[-n:]
        if any(v is None for v in tail):
            return None
        return np.asarray(tail, dtype=np.float64)


def _finite(x: float | None) -> float | None:
    return x if x is not None and math.isfinite(x) else None


def _fmt(x: float) -> str:
    return f"{x:.3g}"


# --------------------------------------------------------------------------- the diagnoses
def dead_units(activations: Sequence[np.ndarray], names: Sequence[str]) -> list[list[int]]:
    """``[layer, unit]`` (layer 1-based, as the neuron heatmaps' ``L{layer}N{unit}``) of every
    hidden unit whose activation is in :data:`DEAD_ACTIVATIONS` and exactly 0 on every
    training point. ``activations[l]`` is hidden layer l's output on the training points
    (N, H_l) and ``names[l]`` its activation. No training points: none is dead."""
    dead = []
    for layer, (act, name) in enumerate(zip(activations, names, strict=True), start=1):
        if name not in DEAD_ACTIVATIONS or act.shape[0] == 0:
            continue
        dead += [[layer, int(u)] for u in np.flatnonzero(np.all(act == 0, axis=0))]
    return dead


def dead_message(dead: Sequence[Sequence[int]], total: int) -> str:
    """The words for ``dead`` units out of ``total`` ReLU units."""
    if len(dead) == 1:
        return (f"1 of {total} ReLU units is dead — it outputs 0 for every training point, so "
                f"no gradient flows through it and its weights cannot learn; try a smaller "
                f"learning rate, Leaky ReLU, or Reset.")
    return (f"{len(dead)} of {total} ReLU units are dead — they output 0 for every training "
            f"point, so no gradient flows through them and their weights cannot learn; try a "
            f"smaller learning rate, Leaky ReLU, or Reset.")


def overfitting(history: History) -> str | None:
    """The overfitting message, if over the last :data:`OVERFIT_WINDOW` epochs the training
    loss fell while the test loss rose — their least-squares lines through the window, so that
    one noisy epoch decides nothing — by enough to matter (:data:`OVERFIT_MIN_RISE`,
    :data:`OVERFIT_MIN_GAP`, :data:`OVERFIT_MIN_GAP_OF_START`, :data:`OVERFIT_TREND_OVER_NOISE`)."""
    n = OVERFIT_WINDOW
    train, test = history.last(n, history.train), history.last(n, history.test)
    start = history.start_loss
    if train is None or test is None or start is None:
        return None
    # the test loss's line and tests first: in most frames the test loss does not rise, and
    # the training loss's line is not needed
    test0, test1, scatter = _line(test)
    if not (test1 > test0 * (1 + OVERFIT_MIN_RISE)
            and test1 - test0 > OVERFIT_TREND_OVER_NOISE * scatter
            and test[-1] > train[-1] * (1 + OVERFIT_MIN_GAP)):
        return None
    train0, train1, _ = _line(train)
    gap0, gap1 = test0 - train0, test1 - train1
    if not (train1 < train0 and gap1 >= OVERFIT_MIN_GAP_OF_START * start):
        return None
    return (f"Overfitting: the test loss rises while the training loss falls (gap test − "
            f"train {_fmt(gap0)} → {_fmt(gap1)} over the last {n} epochs); try more data, L2, "
            f"dropout, or a smaller network.")


def _line(y: np.ndarray) -> tuple[float, float, float]:
    """The least-squares line through ``y`` (n,): its value at the first and the last point,
    and the standard deviation of ``y`` around it."""
    x = np.arange(y.shape[0], dtype=np.float64)
    slope, intercept = np.polyfit(x, y, 1)
    fit = intercept + slope * x
    return float(fit[0]), float(fit[-1]), float(np.std(y - fit))


def rising_loss(history: History, lr: float, lam: float = 0.0) -> str | None:
    """The rising-loss message, if the training loss rose in each of the last
    :data:`RISING_EPOCHS` epochs (by :data:`RISING_MIN_RISE` at least in all, to above
    :data:`RISING_FLOOR` of its start), or their mean is :data:`ABOVE_START` times the loss at
    the start. ``lr`` and the regularization strength ``lam`` go into the advice (the data loss
    also rises when λ was raised: the penalty shrinks the weights)."""
    n = RISING_EPOCHS
    train, recent = history.last(n + 1, history.train), history.last(n, history.train)
    start = history.start_loss
    if train is None or recent is None or start is None:
        return None
    advice = (f"the learning rate is probably too large{' (or λ)' if lam > 0 else ''}; try a "
              f"smaller one, e.g. lr = {lr / 10:g}.")
    if (np.all(np.diff(train) > 0) and train[-1] > train[0] * (1 + RISING_MIN_RISE)
            and train[-1] >= RISING_FLOOR * start):
        return (f"The training loss has risen for {n} epochs in a row ({_fmt(train[0])} → "
                f"{_fmt(train[-1])}): {advice}")
    if start > 0 and recent.mean() > ABOVE_START * start:
        return (f"The training loss is higher than where it started ({_fmt(start)} → "
                f"{_fmt(recent.mean())} on average over the last {n} epochs): {advice}")
    return None


def lr_too_small(history: History, lr: float) -> str | None:
    """The learning-rate-too-small message, if over the last :data:`SLOW_WINDOW` epochs the
    training loss changed by less than :data:`SLOW_LOSS_CHANGE` and the weights by less than
    :data:`SLOW_WEIGHT_CHANGE` per epoch, while the loss is still at least
    :data:`SLOW_FAR_FROM_FLOOR` of the history's first."""
    n = SLOW_WINDOW
    train = history.last(n + 1, history.train)
    change = history.last(n, history.change)
    start = history.start_loss
    if train is None or change is None or start is None or start <= 0 or train[0] <= 0:
        return None
    loss_change = abs(train[-1] - train[0]) / train[0] / n
    weight_change = float(change.mean())
    if not (loss_change < SLOW_LOSS_CHANGE and weight_change < SLOW_WEIGHT_CHANGE
            and train[-1] >= SLOW_FAR_FROM_FLOOR * start):
        return None
    return (f"The learning rate is too small to move: over the last {n} epochs the loss "
            f"changed by {100 * loss_change:.2g} % and the weights by "
            f"{100 * weight_change:.2g} % per epoch, while the loss ({_fmt(train[-1])}) is "
            f"still {100 * train[-1] / start:.0f} % of where it started; try a larger one, "
            f"e.g. lr = {lr * 10:g}.")


def diagnose(history: History, activations: Sequence[np.ndarray], names: Sequence[str],
             lr: float, lam: float = 0.0) -> dict[str, Any]:
    """The frame header's ``diagnostics``: ``{"dead_units": [[layer, unit], ...],
    "messages": [{"kind", "text"}, ...]}``, kinds ``dead_relu``, ``overfitting``,
    ``rising_loss``, ``lr_too_small`` (PROTOCOL.md). ``activations`` / ``names``: each hidden
    layer's output on the training points (N, H_l) and its activation (:func:`dead_units`);
    ``lr`` the current learning rate (the messages suggest another), ``lam`` the regularization
    strength."""
    dead = dead_units(activations, names)
    messages = []
    if dead:
        total = sum(a.shape[1] for a, name in zip(activations, names, strict=True)
                    if name in DEAD_ACTIVATIONS)
        messages.append({"kind": "dead_relu", "text": dead_message(dead, total)})
    for kind, text in (("overfitting", overfitting(history)),
                       ("rising_loss", rising_loss(history, lr, lam)),
                       ("lr_too_small", lr_too_small(history, lr))):
        if text:
            messages.append({"kind": kind, "text": text})
    return {"dead_units": dead, "messages": messages}
