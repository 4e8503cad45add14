"""The linear-classifier view (playground/linear_view.py) and the ``set_bias`` message: with no
hidden layer a frame carries each training point's scores s = xW + b and loss Lᵢ, and the
objective split into data loss + reg loss, all from the library's own functions."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pytest

from neuralab.losses import get_loss
from neuralab.playground.frames import decode_frame
from neuralab.playground.linear_view import MAX_ROWS
from neuralab.playground.protocol import ProtocolError, parse_message
from neuralab.playground.session import Session

LINEAR = {"hidden": [], "dataset": "blobs", "classes": 3, "features": ["x1", "x2", "x1^2"],
          "n_points": 120}


def send(session: Session, message: dict[str, Any]) -> list[Any]:
    return session.apply(parse_message(json.dumps(message)))


def view(session: Session) -> dict[str, Any] | None:
    return decode_frame(session.frame())[0].get("linear")


@pytest.mark.parametrize("loss", ["softmax", "svm"])
@pytest.mark.parametrize("reg", ["none", "l2", "elastic"])
def test_scores_losses_and_the_loss_split(loss: str, reg: str) -> None:
    s = Session({**LINEAR, "loss": loss, "reg": reg, "lam": 0.05})
    s.train_steps(20)
    head = decode_frame(s.frame())[0]
    v = head["linear"]
    F, y = s._F_train, s._data.y_train
    W, b = s._head.weight.value, s._head.bias.value
    n = len(y)
    assert v["n"] == n == 60 and v["loss"] == loss
    rows = np.array(v["rows"])
    assert sorted(rows.tolist()) == list(range(n))  # fewer than MAX_ROWS: every point
    np.testing.assert_allclose(v["features"], F[rows], atol=1e-4)
    np.testing.assert_allclose(v["scores"], F[rows] @ W + b, atol=2e-5)
    assert v["labels"] == y[rows].tolist()
    # each Lᵢ is the library loss of that point alone; worst first
    fn = get_loss(loss)
    alone = [fn((F[i:i + 1] @ W + b), y[i:i + 1])[0] for i in rows]
    np.testing.assert_allclose(v["losses"], alone, rtol=1e-4, atol=1e-5)
    assert v["losses"] == sorted(v["losses"], reverse=True)
    # data loss = the frame's training loss = the mean Lᵢ; reg loss = the penalty; their sum
    assert v["data_loss"] == pytest.approx(head["train_loss"])
    assert v["data_loss"] == pytest.approx(np.mean(alone), rel=1e-4)
    assert v["reg_loss"] == pytest.approx(s._regularizer.penalty(s.model.params()))
    if reg == "none":
        assert v["reg_loss"] == 0
    else:
        lam, sq, ab = 0.05, float(np.sum(W.astype(np.float64) ** 2)), float(np.abs(W).sum())
        expected = lam * sq if reg == "l2" else lam * (0.5 * sq + ab)  # weights only, not b
        assert v["reg_loss"] == pytest.approx(expected, rel=1e-5)
    assert v["total_loss"] == pytest.approx(v["data_loss"] + v["reg_loss"])


def test_only_for_a_linear_classifier() -> None:
    assert view(Session()) is None  # hidden [4, 2]
    assert view(Session({"hidden": [], "problem": "regression"})) is None
    assert view(Session({"hidden": [], "rules": "tfp"})) is None
    s = Session({"hidden": [3]})
    assert view(s) is None
    send(s, {"type": "config", "config": {"hidden": []}})
    assert view(s) is not None


def test_rows_are_capped_to_the_worst_points() -> None:
    s = Session({"hidden": [], "n_points": 1000, "loss": "svm"})
    v = view(s)
    assert v is not None and v["n"] == 500 and len(v["rows"]) == MAX_ROWS
    F, y = s._F_train, s._data.y_train
    W, b = s._head.weight.value, s._head.bias.value
    all_losses = [get_loss("svm")(F[i:i + 1] @ W + b, y[i:i + 1])[0] for i in range(500)]
    worst = sorted(all_losses, reverse=True)[:MAX_ROWS]
    np.testing.assert_allclose(v["losses"], worst, rtol=1e-4, atol=1e-5)


def test_set_bias_changes_the_model_and_the_scores() -> None:
    s = Session(LINEAR)
    before = view(s)
    old_b = s._head.bias.value.copy()
    replies = send(s, {"type": "set_bias", "layer": 0, "j": 1, "value": 2.5})
    assert len(replies) == 1 and isinstance(replies[0], bytes)
    assert s._head.bias.value[1] == 2.5
    after = decode_frame(replies[0])[0]
    assert after["biases"][0][1] == 2.5
    assert before is not None
    delta = 2.5 - old_b[1]
    old = dict(zip(before["rows"], before["scores"], strict=True))
    new = dict(zip(after["linear"]["rows"], after["linear"]["scores"], strict=True))
    for i, scores in new.items():  # class 1's score moves by the bias's change, the rest stay
        np.testing.assert_allclose(np.array(scores) - old[i], [0, delta, 0], atol=2e-5)
    # also the bias of a hidden layer
    s = Session({"hidden": [4, 2]})
    send(s, {"type": "set_bias", "layer": 1, "j": 0, "value": -1.0})
    assert s._linears()[1].bias.value[0] == -1.0


@pytest.mark.parametrize(("message", "field", "match"), [
    ({"layer": 1, "j": 0, "value": 1.0}, "layer", r"layer=1 does not exist"),
    ({"layer": 0, "j": 3, "value": 1.0}, "j", r"j=3 is out of range; layer 0 has 3 biases"),
    ({"layer": 0, "j": 0, "value": 1e308}, "value",
     r"value=1e\+308 is out of range; allowed: \[-1000, 1000\]"),
    ({"layer": 0, "j": 0, "value": "big"}, "value", r"value='big': Input should be a valid number"),
    ({"layer": -1, "j": 0, "value": 1.0}, "layer", r"layer=-1 is out of range"),
    ({"layer": 0, "value": 1.0}, "j", r"needs the field 'j'"),
])
def test_bad_set_bias_is_an_error_naming_the_field(message: dict[str, Any], field: str,
                                                   match: str) -> None:
    s = Session(LINEAR)
    before = s._head.bias.value.copy()
    with pytest.raises(ProtocolError, match=match) as err:
        send(s, {"type": "set_bias", **message})
    assert err.value.field == field
    np.testing.assert_array_equal(s._head.bias.value, before)


def test_a_diverged_linear_classifier_has_null_losses() -> None:
    s = Session(LINEAR)
    send(s, {"type": "set_weight", "layer": 0, "i": 0, "j": 0, "value": 1000})
    s._head.weight.value[0, 0] = np.inf  # what a diverged run leaves
    v = view(s)
    assert v is not None and v["data_loss"] is None and v["total_loss"] is None
    assert all(loss is None for loss in v["losses"])
