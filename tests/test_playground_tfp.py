"""TensorFlow Playground's rules (``rules: "tfp"``, playground/tfp.py) against TFP's formulas.

The reference below is written from TFP's ``nn.ts`` and ``playground.ts``, example by example
and node by node as they do it (``forwardProp``, ``backProp`` with ``Errors.SQUARE``,
``updateWeights`` with its L1 / L2 and dead links, ``oneStep``'s
``(i + 1) % batchSize == 0``), in plain Python floats: it shares nothing with the batched
implementation but the initial weights, the data and their order.
"""

from __future__ import annotations

import json
import math
import runpy
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from neuralab.nn import Tanh
from neuralab.playground.frames import decode_frame
from neuralab.playground.points import split_index
from neuralab.playground.protocol import ProtocolError, parse_message
from neuralab.playground.session import Session
from neuralab.playground.tables import hello_tables


def send(session: Session, message: dict[str, Any]) -> list[Any]:
    return session.apply(parse_message(json.dumps(message)))


# --------------------------------------------------------------------------- TFP, as written
ACTIVATIONS = {  # nn.ts's Activations: output(x) and der(x) of the total input x
    "tanh": (math.tanh, lambda x: 1 - math.tanh(x) ** 2),
    "relu": (lambda x: max(0.0, x), lambda x: 0.0 if x <= 0 else 1.0),
    "sigmoid": (lambda x: 1 / (1 + math.exp(-x)),
                lambda x: (1 / (1 + math.exp(-x))) * (1 - 1 / (1 + math.exp(-x)))),
    "linear": (lambda x: x, lambda x: 1.0),
}
REG_DER = {"l1": lambda w: -1.0 if w < 0 else (1.0 if w > 0 else 0.0), "l2": lambda w: w}


class Node:
    def __init__(self, bias: float, activation: str) -> None:
        self.bias, self.activation = bias, activation
        self.inputs: list[Link] = []
        self.outputs: list[Link] = []
        self.total = self.output = self.output_der = self.input_der = 0.0
        self.acc_input_der, self.n_acc = 0.0, 0


class Link:
    def __init__(self, source: Node, dest: Node, weight: float) -> None:
        self.source, self.dest, self.weight = source, dest, weight
        self.dead = False
        self.acc, self.n_acc = 0.0, 0


class TFPNetwork:
    """nn.ts's network, built from the session's initial weights (W (D_in, D_out) per layer)."""

    def __init__(self, weights: list[np.ndarray], biases: list[np.ndarray],
                 activations: list[str]) -> None:
        self.layers = [[Node(0.0, "linear") for _ in range(weights[0].shape[0])]]
        for W, b, act in zip(weights, biases, activations, strict=True):
            layer = [Node(float(b[j]), act) for j in range(W.shape[1])]
            for j, node in enumerate(layer):
                for i, source in enumerate(self.layers[-1]):
                    link = Link(source, node, float(W[i, j]))
                    node.inputs.append(link)
                    source.outputs.append(link)
            self.layers.append(layer)

    def forward(self, inputs: list[float]) -> float:
        for node, x in zip(self.layers[0], inputs, strict=True):
            node.output = x
        for layer in self.layers[1:]:
            for node in layer:
                node.total = node.bias + sum(k.weight * k.source.output for k in node.inputs)
                node.output = ACTIVATIONS[node.activation][0](node.total)
        return self.layers[-1][0].output

    def backward(self, target: float) -> None:
        out = self.layers[-1][0]
        out.output_der = out.output - target  # Errors.SQUARE.der
        for depth in range(len(self.layers) - 1, 0, -1):
            layer = self.layers[depth]
            for node in layer:
                node.input_der = node.output_der * ACTIVATIONS[node.activation][1](node.total)
                node.acc_input_der += node.input_der
                node.n_acc += 1
            for node in layer:
                for link in node.inputs:
                    if link.dead:
                        continue
                    link.acc += node.input_der * link.source.output
                    link.n_acc += 1
            if depth == 1:
                continue
            for node in self.layers[depth - 1]:
                node.output_der = sum(k.weight * k.dest.input_der for k in node.outputs)

    def update(self, lr: float, rate: float, reg: str) -> None:
        for layer in self.layers[1:]:
            for node in layer:
                if node.n_acc > 0:
                    node.bias -= lr * node.acc_input_der / node.n_acc
                    node.acc_input_der, node.n_acc = 0.0, 0
                for link in node.inputs:
                    if link.dead:
                        continue
                    der = REG_DER[reg](link.weight) if reg in REG_DER else 0.0
                    if link.n_acc > 0:
                        link.weight -= lr / link.n_acc * link.acc
                        new = link.weight - lr * rate * der
                        if reg == "l1" and link.weight * new < 0:
                            link.weight, link.dead = 0.0, True
                        else:
                            link.weight = new
                        link.acc, link.n_acc = 0.0, 0

    def weights(self) -> list[np.ndarray]:
        return [np.array([[k.weight for k in node.inputs] for node in layer]).T
                for layer in self.layers[1:]]

    def biases(self) -> list[np.ndarray]:
        return [np.array([node.bias for node in layer]) for layer in self.layers[1:]]

    def dead(self) -> list[np.ndarray]:
        return [np.array([[k.dead for k in node.inputs] for node in layer]).T
                for layer in self.layers[1:]]


FEATURE_FNS = {"x1": lambda x, y: x, "x2": lambda x, y: y, "x1^2": lambda x, y: x * x,
               "x2^2": lambda x, y: y * y, "x1x2": lambda x, y: x * y,
               "sin_x1": lambda x, y: math.sin(x), "sin_x2": lambda x, y: math.sin(y)}


def tfp_updates(s: Session, updates: int) -> TFPNetwork:
    """TFP's oneStep loop from the session's initial weights and data, until ``updates``
    updates: every epoch the training points in their order, forward and backward per point,
    an update when (i + 1) % batchSize == 0."""
    c = s.config
    lins = s._linears()
    acts = [c.activation_at(i) for i in range(len(c.hidden))]
    net = TFPNetwork([lin.weight.value.astype(np.float64) for lin in lins],
                     [lin.bias.value.astype(np.float64) for lin in lins],
                     [*acts, "tanh" if c.classification else "linear"])
    points = [(float(x), float(y)) for x, y in s._data.X_train]
    labels = [(1.0 if v == 1 else -1.0) if c.classification else float(v)
              for v in s._data.y_train]
    done = 0
    while True:
        for i, ((x, y), label) in enumerate(zip(points, labels, strict=True)):
            net.forward([FEATURE_FNS[f](x, y) for f in c.features])
            net.backward(label)
            if (i + 1) % c.batch_size == 0:
                net.update(c.lr, c.lam, c.reg)
                done += 1
                if done == updates:
                    return net


def train_updates(s: Session, updates: int) -> None:
    while s.step < updates:
        assert s.train_steps(1) is None


CASES = {  # every case has a last partial batch that carries into the next epoch's update
    "tanh-none-classification": {"activation": "tanh", "batch_size": 7, "lr": 0.1},
    "relu-none-classification": {"dataset": "xor", "activation": "relu", "batch_size": 7,
                                 "lr": 0.1, "hidden": [5, 3]},
    "relu-l1-classification-dead-links": {"activation": "relu", "reg": "l1", "lam": 0.3,
                                          "lr": 0.3, "batch_size": 7},
    "tanh-l2-classification-features": {"activation": "tanh", "reg": "l2", "lam": 0.3,
                                        "batch_size": 9, "hidden": [3],
                                        "features": ["x1", "x2", "x1^2", "x1x2", "sin_x2"]},
    "relu-l2-regression": {"problem": "regression", "dataset": "plane", "activation": "relu",
                           "reg": "l2", "lam": 0.1, "batch_size": 25, "lr": 0.01},
    "tanh-l1-regression": {"problem": "regression", "dataset": "multi-gaussian",
                           "activation": "tanh", "reg": "l1", "lam": 0.03, "batch_size": 13,
                           "lr": 0.03, "hidden": [6, 4]},
    "sigmoid-no-hidden-layer": {"activation": "sigmoid", "hidden": [], "batch_size": 11},
}


@pytest.mark.parametrize("case", list(CASES))
def test_ten_updates_equal_tfp_rules(case: str) -> None:
    """From the same initial weights, data and order, 10 updates give TFP's weights and
    biases (within 1e-6; both float64) and, under L1, its dead links."""
    s = Session({"rules": "tfp", "train_ratio": 10, **CASES[case]})
    n = len(s._data.X_train)
    assert n % s.config.batch_size != 0  # a last partial batch is carried
    assert 10 * s.config.batch_size > n  # ... into an update of the next epoch
    ref = tfp_updates(s, 10)
    train_updates(s, 10)
    assert s.step == 10 and s.epoch >= 1
    lins = s._linears()
    for k, (W, b) in enumerate(zip(ref.weights(), ref.biases(), strict=True)):
        np.testing.assert_allclose(lins[k].weight.value, W, rtol=0, atol=1e-6)
        np.testing.assert_allclose(lins[k].bias.value, b, rtol=0, atol=1e-6)
    for mine, theirs in zip(s._tfp.dead, ref.dead(), strict=True):
        assert np.array_equal(mine, theirs)
    if s.config.reg == "l1" and s.config.classification:
        assert any(m.any() for m in s._tfp.dead)  # the case does kill links
        dead = decode_frame(s.frame())[0]["dead"]
        assert dead and all(lins[k].weight.value[i, j] == 0 for k, i, j in dead)


def test_a_dead_link_stays_dead() -> None:
    s = Session({"rules": "tfp", "activation": "relu", "reg": "l1", "lam": 0.3, "lr": 0.3})
    train_updates(s, 10)
    masks = [m.copy() for m in s._tfp.dead]
    assert any(m.any() for m in masks)
    send(s, {"type": "config", "config": {"reg": "none"}})  # no more L1: still dead
    train_updates(s, 60)
    for lin, m in zip(s._linears(), masks, strict=True):
        assert (lin.weight.value[m] == 0).all()
    send(s, {"type": "reset"})
    assert not any(m.any() for m in s._tfp.dead)


def test_the_network_starts_as_tfp_s() -> None:
    s = Session({"rules": "tfp", "hidden": [8, 8, 5], "activation": "relu", "seed": 3})
    values = np.concatenate([lin.weight.value.ravel() for lin in s._linears()])
    assert values.dtype == np.float64 and len(values) == 2 * 8 + 8 * 8 + 8 * 5 + 5
    assert values.min() >= -0.5 and values.max() < 0.5 and abs(values.mean()) < 0.1
    assert 0.25 < values.std() < 0.33  # U(-0.5, 0.5): 1/sqrt(12) = 0.289
    assert all((lin.bias.value == 0.1).all() for lin in s._linears())
    assert s._linears()[-1].out_features == 1 and isinstance(s.model.layers[-1], Tanh)
    again = Session({"rules": "tfp", "hidden": [8, 8, 5], "activation": "relu", "seed": 3})
    assert np.array_equal(values, np.concatenate([lin.weight.value.ravel()
                                                  for lin in again._linears()]))
    r = Session({"rules": "tfp", "problem": "regression"})
    assert r.model.layers[-1] is r._head  # linear output
    assert r.config.n_points == 1200 and len(r._data.X_train) == 600


def test_frames_show_tfp_s_output_and_loss() -> None:
    s = Session({"rules": "tfp", "hidden": [], "train_ratio": 70})
    for _ in range(2):
        s.train_epoch()
    head, maps = decode_frame(s.frame())
    o = s.model.forward(s._F_train)[:, 0]
    t = np.where(s._data.y_train == 1, 1.0, -1.0)
    assert head["train_loss"] == pytest.approx(np.mean(0.5 * (o - t) ** 2), rel=1e-12)
    assert head["train_accuracy"] == pytest.approx(np.mean((o > 0) == (t > 0)))
    assert maps["output"].shape[2] == 2  # class probabilities (1 -+ o) / 2
    assert len(head["weights"][-1][0]) == 1  # one output unit
    w1, w2, b = head["hyperplanes"][1]  # class 1's plane is the unit's, class 0's its opposite
    assert head["hyperplanes"][0] == [-w1, -w2, -b] and head["dead"] is None


# --------------------------------------------------------------------------- config
def test_tfp_rules_pin_what_tfp_does_not_have() -> None:
    s = Session({"dataset": "spiral", "classes": 3, "optimizer": "adam", "dropout": 0.2,
                 "batchnorm": True, "reg": "elastic", "n_points": 300})
    replies = send(s, {"type": "config", "config": {"rules": "tfp"}})
    c = s.config
    assert (c.rules, c.classes, c.optimizer, c.dropout, c.batchnorm, c.reg, c.loss,
            c.n_points) == ("tfp", 2, "sgd", 0.0, False, "none", "mse", 500)
    assert [r["type"] for r in replies if isinstance(r, dict)] == ["config", "points"]
    for patch, field in [({"classes": 3}, "classes"), ({"optimizer": "adam"}, "optimizer"),
                         ({"dropout": 0.1}, "dropout"), ({"batchnorm": True}, "batchnorm"),
                         ({"reg": "elastic"}, "reg"), ({"loss": "softmax"}, "loss"),
                         ({"n_points": 200}, "n_points"),
                         ({"rules": "tfp", "classes": 4}, "classes")]:
        with pytest.raises(ProtocolError, match=r"rules='tfp'|does not fit") as err:
            send(s, {"type": "config", "config": patch})
        assert err.value.field == field
    assert s.config == c  # a rejected message changes nothing
    with pytest.raises(ProtocolError, match="binary"):
        send(s, {"type": "config", "config": {"classes": 3}})
    send(s, {"type": "config", "config": {"problem": "regression"}})
    assert (s.config.dataset, s.config.n_points, s.config.loss) == ("plane", 1200, "mse")
    send(s, {"type": "config", "config": {"rules": "neuralab", "problem": "classification"}})
    assert (s.config.rules, s.config.loss, s.model.layers[-1]) == (
        "neuralab", "softmax", s._head)
    assert s._linears()[-1].out_features == 2


def test_tfp_split_rounds_down() -> None:
    assert split_index(301, 70, floor=True) == 210
    assert split_index(301, 70) == 211
    assert split_index(500, 30, floor=True) == 150
    s = Session({"rules": "tfp", "train_ratio": 70})
    text = "\n".join(f"{x / 100},{(x % 7) / 10},{x % 2}" for x in range(301))
    send(s, {"type": "import_csv", "text": text})
    assert len(s._data.X_train) == 210 and len(s._data.X_test) == 91
    u = Session({"train_ratio": 70})
    send(u, {"type": "import_csv", "text": text})
    assert len(u._data.X_train) == 211
    with pytest.raises(ProtocolError, match="binary") as err:
        send(s, {"type": "import_csv", "text": "1,1,0\n2,2,1\n3,3,2\n"})
    assert err.value.field == "text"


def test_hello_offers_the_switch() -> None:
    tables = hello_tables()
    assert tables["defaults"]["rules"] == "neuralab"
    assert tables["choices"]["rules"] == ["neuralab", "tfp"]
    assert "rules" in tables["groups"]["data"]
    tfp = tables["rules"]["tfp"]
    assert tfp["losses"] == {"classification": ["mse"], "regression": ["mse"]}
    assert tfp["classes"] == 2 and tfp["n_points"] == {"classification": 500,
                                                        "regression": 1200}
    assert tables["rules"]["neuralab"]["losses"] == tables["losses"]


# --------------------------------------------------------------------------- export
def _edit(s: Session) -> None:
    send(s, {"type": "add_point", "x": 1.0, "y": 1.0, "label": 1})
    send(s, {"type": "add_point", "x": -2.5, "y": 0.75, "label": 0, "split": "test"})


EXPORTS = {
    "relu-l1-dead-links": ({"activation": "relu", "reg": "l1", "lam": 0.1, "lr": 0.1,
                            "batch_size": 7}, None),
    "tanh-l2-features-edited": ({"hidden": [5, 3], "reg": "l2", "lam": 0.01, "batch_size": 12,
                                 "features": ["x1", "x2", "x1^2", "r"]}, _edit),
    "regression": ({"problem": "regression", "dataset": "multi-gaussian", "hidden": [6],
                    "activation": "relu", "batch_size": 25, "train_ratio": 30}, None),
}


@pytest.mark.parametrize("case", list(EXPORTS))
def test_script_export_reproduces_a_tfp_session_bit_for_bit(
    tmp_path: Path, case: str, capsys: pytest.CaptureFixture[str],
) -> None:
    config, edit = EXPORTS[case]
    s = Session({"rules": "tfp", **config})
    if edit is not None:
        edit(s)
    for _ in range(4):
        s.train_epoch()
    reply = s.export("script")
    path = tmp_path / reply["filename"]
    path.write_text(reply["content"])
    assert "tfp.mlp(" in reply["content"] and "training.update(" in reply["content"]
    script = runpy.run_path(str(path), run_name="__main__")
    assert script["EPOCHS"] == 4
    assert np.array_equal(script["F_train"], s._F_train)
    assert np.array_equal(script["target"], s._target)
    ours, theirs = s.model.state_dict(), script["model"].state_dict()
    assert list(ours) == list(theirs)
    for key in ours:
        assert np.array_equal(ours[key], theirs[key]), key
    for mine, its in zip(s._tfp.dead, script["training"].dead, strict=True):
        assert np.array_equal(mine, its)
    out = capsys.readouterr().out
    m = s.metrics()
    if s.config.classification:
        assert f"test accuracy: {m['test_accuracy']:.4f}" in out
        assert f"test loss: {m['test_loss']:.4f}" in out
    else:
        assert f"test rmse: {m['rmse']:.4f}" in out


def test_l1_takes_the_sign_of_the_weight_before_the_update() -> None:
    """nn.ts evaluates R'(w) before the gradient step: a weight the gradient pushes across 0
    is pushed further by L1, not killed; one that only L1 pushes across 0 dies."""
    from neuralab.nn import Linear, Sequential
    from neuralab.playground.tfp import Training

    lin = Linear(2, 1, rng=0, dtype="float64")
    lin.weight.value[:, 0] = [0.01, 0.3]
    lin.bias.value[:] = 0.0
    training = Training(Sequential(lin))
    # one example x = (1, 0), t = 1 -> o = 0.01, gradient of w0: (o - t)·x = -0.99 -> w0 grows;
    # make it shrink instead with t = -10: gradient 10.01 -> w1 = 0.01 - 0.1·10.01 < 0
    training.add(np.array([[1.0, 0.0]]), np.array([[-10.0]]))
    training.update(lr=0.1, reg="l1", rate=0.7)
    w_after_grad = 0.01 - 0.1 * (0.01 + 10.0)
    assert lin.weight.value[0, 0] == pytest.approx(w_after_grad - 0.1 * 0.7 * 1.0)
    assert not training.dead[0][0, 0]
    # w = 0.3, no gradient (x2 = 0): L1 alone moves it by 0.07 per update (0.23, 0.16, 0.09,
    # 0.02) until it would cross 0: then it is 0, and dead
    assert lin.weight.value[1, 0] == pytest.approx(0.23)
    for _ in range(5):
        training.add(np.array([[0.0, 0.0]]), np.array([[0.0]]))
        training.update(lr=0.1, reg="l1", rate=0.7)
    assert lin.weight.value[1, 0] == 0.0 and training.dead[0][1, 0]
