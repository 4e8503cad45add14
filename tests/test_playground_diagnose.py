"""The playground's plain-language diagnostics (playground/diagnostics.py): each diagnosis on
made-up histories and activations — it fires on the sick one and stays quiet on a healthy
one — and in real sessions under both rule sets: ReLU units really killed by a large learning
rate, a big network really overfitting a few noisy points, a loss pushed up by a learning rate
far too large, one too small to move, and a healthy default run that says nothing."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pytest

from neuralab.playground import diagnostics as D
from neuralab.playground.diagnostics import History, diagnose
from neuralab.playground.frames import decode_frame
from neuralab.playground.network import layer_outputs
from neuralab.playground.points import featurize
from neuralab.playground.protocol import parse_message
from neuralab.playground.session import Session

RULES = ["neuralab", "tfp"]


def history(train: list[float], test: list[float] | None = None,
            change: float | list[float] = 0.05) -> History:
    """A History of consecutive epochs 0, 1, ... with these losses; the parameters move by
    ``change`` (relative) from each epoch to the next."""
    h = History()
    test = train if test is None else test
    changes = [change] * len(train) if isinstance(change, float) else change
    theta = np.ones(4)
    for epoch, (a, b, c) in enumerate(zip(train, test, changes, strict=True)):
        if epoch:
            theta = theta * (1 + c)  # ‖θ(1 + c) − θ‖ / ‖θ‖ = c
        h.record(epoch, a, b, theta.copy())
    return h


def kinds(h: History, lr: float = 0.03, **kw: Any) -> list[str]:
    return [m["kind"] for m in diagnose(h, [], [], lr, **kw)["messages"]]


def falling(n: int, start: float = 0.7, rate: float = 0.97) -> list[float]:
    return [start * rate ** k for k in range(n)]


# --------------------------------------------------------------------------- History
def test_history_keeps_the_last_entries_the_start_loss_and_the_weight_change():
    h = History()
    theta = np.array([3.0, 4.0])  # ‖θ‖ = 5
    h.record(0, 0.7, 0.8, theta)
    h.record(1, 0.6, 0.7, theta + np.array([0.0, 0.5]))  # moved by 0.5 of 5: 10 %
    assert h.change == [None, pytest.approx(0.1)]
    for epoch in range(2, 60):
        h.record(epoch, 0.5, 0.6, theta)
    assert len(h.epochs) == D.HISTORY_LENGTH and h.epochs[-1] == 59
    assert h.start_loss == 0.7  # the first entry's, kept after it was dropped
    h.record(60, float("nan"), None, theta)
    assert h.train[-1] is None and h.last(2, h.train) is None
    h.clear()
    assert h.epochs == [] and h.start_loss is None and h.last(1, h.train) is None


def test_history_windows_need_consecutive_epochs():
    h = History()
    for epoch in (0, 1, 2, 5, 6):  # e.g. mid-epoch point edits would restart it instead
        h.record(epoch, 0.5, 0.5, np.ones(3))
    assert h.last(2, h.train) is not None
    assert h.last(3, h.train) is None


# --------------------------------------------------------------------------- dead units
def test_dead_units_are_relu_units_at_zero_on_every_training_point():
    rng = np.random.default_rng(0)
    act = np.maximum(rng.normal(size=(50, 4)), 0)
    act[:, 2] = 0.0
    second = np.maximum(rng.normal(size=(50, 3)), 0)
    second[:, 0] = 0.0
    assert D.dead_units([act, second], ["relu", "relu"]) == [[1, 2], [2, 0]]
    # the same zeros under activations that are never flat: no unit is dead
    for name in ("leaky_relu", "elu", "tanh", "sigmoid", "linear", "maxout"):
        assert D.dead_units([act], [name]) == []
    # a unit at 0 on most points but not all still learns
    act[7, 2] = 1e-6
    assert D.dead_units([act], ["relu"]) == []
    assert D.dead_units([np.zeros((0, 4))], ["relu"]) == []  # no training points


def test_diagnose_counts_dead_relu_units_in_words():
    acts = [np.zeros((10, 4)), np.ones((10, 2)), np.zeros((10, 3))]
    acts[0][:, 1] = 1.0
    out = diagnose(History(), acts, ["relu", "relu", "tanh"], 0.03)
    assert out["dead_units"] == [[1, 0], [1, 2], [1, 3]]
    (msg,) = out["messages"]
    assert msg["kind"] == "dead_relu"
    assert msg["text"].startswith("3 of 6 ReLU units are dead")
    assert "Leaky ReLU" in msg["text"] and "smaller learning rate" in msg["text"]
    json.dumps(out)  # it goes into the frame header as it is
    one = diagnose(History(), [np.zeros((5, 1)), np.ones((5, 1))], ["relu", "relu"], 0.03)
    assert one["messages"][0]["text"].startswith("1 of 2 ReLU units is dead")
    healthy = diagnose(History(), [np.ones((10, 4))], ["relu"], 0.03)
    assert healthy == {"dead_units": [], "messages": []}


# --------------------------------------------------------------------------- overfitting
def test_overfitting_fires_when_test_loss_rises_while_training_loss_falls():
    n = 40
    train = falling(n, 0.7, 0.97)
    test = [0.5 + 0.004 * max(0, k - 15) for k in range(n)]  # turns up after epoch 15
    h = history(train, test)
    assert "overfitting" in kinds(h)
    text = diagnose(h, [], [], 0.03)["messages"][0]["text"]
    assert text.startswith("Overfitting: the test loss rises while the training loss falls")
    assert "L2" in text and "dropout" in text and "more data" in text
    # not yet: the test loss only just turned, within the window it still mostly fell
    assert "overfitting" not in kinds(history(train[:20], test[:20]))


@pytest.mark.parametrize("case", ["both fall", "flat test", "jumping", "tiny losses", "short"])
def test_overfitting_stays_quiet_on_healthy_runs(case):
    n = 40
    rng = np.random.default_rng(1)
    train = falling(n)
    if case == "both fall":
        test = [x * 1.2 for x in train]
    elif case == "flat test":  # the test loss wobbles around a level: no trend
        test = list(0.5 + 0.002 * rng.standard_normal(n))
    elif case == "jumping":  # a learning rate too large: both jump, no trend through them
        train = list(0.3 + 0.1 * rng.random(n))
        test = list(0.3 + 0.15 * rng.random(n))
        test[-1] = 0.6
    elif case == "tiny losses":  # converged: a growing gap of 1e-4 is not worth a word
        train = falling(n, 1e-3)
        test = [2e-3 + 1e-5 * k for k in range(n)]
        train[0] = 0.7  # started at chance
    else:
        train, test = train[:10], [0.5 + 0.01 * k for k in range(10)]
    assert "overfitting" not in kinds(history(train, test))


# --------------------------------------------------------------------------- rising loss
def test_rising_loss_fires_after_five_rises_in_a_row():
    base = falling(20)
    rising = base + [base[-1] * 1.05 ** k for k in range(1, D.RISING_EPOCHS + 1)]
    assert "rising_loss" in kinds(history(rising))
    text = diagnose(history(rising), [], [], 0.3)["messages"][0]["text"]
    assert f"has risen for {D.RISING_EPOCHS} epochs in a row" in text
    assert "learning rate is probably too large" in text and "lr = 0.03" in text
    assert "(or λ)" in diagnose(history(rising), [], [], 0.3, lam=0.1)["messages"][0]["text"]
    # one rise fewer: not yet
    assert "rising_loss" not in kinds(history(rising[:-1]))
    # rises of a hair near zero: a converged loss's wobble
    wobble = falling(20) + [1e-4 * (1 + 0.01 * k) for k in range(1, 7)]
    assert "rising_loss" not in kinds(history(wobble))


def test_rising_loss_fires_when_the_loss_jumps_above_its_start():
    rng = np.random.default_rng(2)
    jumps = [0.7, *(0.5 + 2.0 * rng.random(12))]  # lr far too large: up and down
    assert "rising_loss" in kinds(history(jumps))
    assert "higher than where it started" in diagnose(history(jumps), [], [], 10.0)[
        "messages"][0]["text"]
    assert "rising_loss" not in kinds(history(falling(30)))


# --------------------------------------------------------------------------- lr too small
def test_lr_too_small_fires_when_nothing_moves_far_from_the_floor():
    crawl = [0.7 * (1 - 1e-4) ** k for k in range(15)]
    h = history(crawl, change=1e-5)
    assert kinds(h, lr=1e-5) == ["lr_too_small"]
    text = diagnose(h, [], [], 1e-5)["messages"][0]["text"]
    assert text.startswith("The learning rate is too small to move")
    assert "lr = 0.0001" in text
    # the weights move: the learning rate is not the reason the loss is flat
    assert "lr_too_small" not in kinds(history(crawl, change=0.05))
    # the loss moves: training is going somewhere
    assert "lr_too_small" not in kinds(history(falling(15, 0.7, 0.9), change=1e-5))
    # converged: flat and still, but far below where it started
    done = [0.7] + [0.01] * 14
    assert "lr_too_small" not in kinds(history(done, change=1e-5))
    # too early to say
    assert "lr_too_small" not in kinds(history(crawl[:D.SLOW_WINDOW], change=1e-5))


# --------------------------------------------------------------------------- real sessions
def send(session: Session, message: dict[str, Any]) -> list[Any]:
    return session.apply(parse_message(json.dumps(message)))


def diagnostics_of(session: Session) -> dict[str, Any]:
    return decode_frame(session.frame())[0]["diagnostics"]


def train(session: Session, epochs: int) -> None:
    for _ in range(epochs):
        session.train_epoch()


def message_kinds(session: Session) -> list[str]:
    return [m["kind"] for m in diagnostics_of(session)["messages"]]


@pytest.mark.parametrize("rules", RULES)
def test_a_large_learning_rate_really_kills_relu_units(rules):
    s = Session({"rules": rules, "activation": "relu", "lr": 3.0})
    train(s, 5)
    diag = diagnostics_of(s)
    assert diag["dead_units"], "lr = 3 kills ReLU units of the default network"
    # the dead units, found again from the network's own activations on the training points
    acts = layer_outputs(s.model, s._F_train)
    expected = [[layer + 1, int(u)] for layer, index in enumerate(s._act_index)
                for u in np.flatnonzero(np.all(acts[index] == 0, axis=0))]
    assert diag["dead_units"] == expected
    dead = diag["messages"][0]
    assert dead["kind"] == "dead_relu"
    assert dead["text"].startswith(f"{len(expected)} of 6 ReLU units")
    # dead for good: a unit of the first layer gets no gradient, its weights never change
    first = [u for layer, u in expected if layer == 1]
    if first:
        w = s._linears()[0].weight.value[:, first].copy()
        train(s, 3)
        assert np.array_equal(s._linears()[0].weight.value[:, first], w)


def test_a_healthy_relu_network_has_no_dead_units():
    s = Session({"activation": "relu"})
    train(s, 30)
    assert diagnostics_of(s) == {"dead_units": [], "messages": []}


OVERFIT = {
    "neuralab": {"dataset": "spiral", "n_points": 60, "noise": 40, "hidden": [16, 16, 16],
                 "optimizer": "adam", "lr": 0.01},
    "tfp": {"rules": "tfp", "dataset": "spiral", "train_ratio": 10, "noise": 40,
            "hidden": [8, 8, 8], "lr": 0.1},
}


@pytest.mark.parametrize("rules", RULES)
def test_a_big_network_on_few_noisy_points_really_overfits(rules):
    s = Session(OVERFIT[rules])
    losses = []
    for _ in range(60):
        s.train_epoch()
        head = decode_frame(s.frame())[0]
        losses.append((head["train_loss"], head["test_loss"]))
    assert "overfitting" in [m["kind"] for m in head["diagnostics"]["messages"]]
    # what the message says is what the frames' losses show over its window
    (train0, test0), (train1, test1) = losses[-D.OVERFIT_WINDOW], losses[-1]
    assert train1 < train0 and test1 > test0 and test1 - train1 > test0 - train0


@pytest.mark.parametrize("rules", RULES)
def test_a_healthy_default_run_says_nothing(rules):
    s = Session({"rules": rules})
    for _ in range(60):
        s.train_epoch()
        assert diagnostics_of(s) == {"dead_units": [], "messages": []}, s.epoch


@pytest.mark.parametrize("rules", RULES)
def test_a_learning_rate_far_too_large_is_flagged_before_nan(rules):
    s = Session({"rules": rules, "lr": 10.0})
    for _ in range(12):
        assert s.train_epoch() is None  # no NaN: the loss jumps about, high
    assert "rising_loss" in message_kinds(s)


@pytest.mark.parametrize("rules", RULES)
def test_a_learning_rate_too_small_to_move_is_flagged(rules):
    s = Session({"rules": rules, "lr": 1e-5})
    train(s, D.SLOW_WINDOW - 1)
    assert "lr_too_small" not in message_kinds(s)  # not before the window is full
    train(s, 1)
    assert "lr_too_small" in message_kinds(s)
    send(s, {"type": "config", "config": {"lr": 0.03}})  # the advice taken
    train(s, 1)
    assert "lr_too_small" not in message_kinds(s)


def test_the_history_restarts_with_the_network_and_the_data():
    s = Session({"lr": 1e-5})
    train(s, 12)
    assert "lr_too_small" in message_kinds(s)
    send(s, {"type": "reset"})
    assert s._history.epochs == [0] and message_kinds(s) == []
    train(s, 12)
    send(s, {"type": "add_point", "x": 1.0, "y": 1.0, "label": 0})
    assert s._history.epochs == [12] and message_kinds(s) == []
    send(s, {"type": "config", "config": {"loss": "svm"}})  # another loss: other numbers
    assert s._history.epochs == [12]
    send(s, {"type": "config", "config": {"hidden": [3]}})  # a new network
    assert s._history.epochs == [0]


def test_diagnostics_use_the_frames_training_rows():
    """The dead units are judged on the training points, not on the grid: a unit may be 0 on
    all the training points and still light up somewhere on the plane."""
    s = Session({"activation": "relu", "hidden": [1], "features": ["x1"]})
    lin = s._linears()[0]
    x_max = float(s._data.X_train[:, 0].max())
    lin.weight.value[0, 0] = 1.0
    lin.bias.value[0] = -x_max - 0.01  # positive only right of every training point
    diag = diagnostics_of(s)
    assert diag["dead_units"] == [[1, 0]]
    grid = layer_outputs(s.model, featurize(np.array([[5.9, 0.0]], np.float32), ["x1"]))
    assert float(grid[s._act_index[0]][0, 0]) > 0  # alive at x1 = 5.9, beyond the data
