"""The hidden-space view's server side (playground/hidden_space.py and the ``hidden_space``
message): coordinates equal the network's activations, PCA's directions are orthonormal, in
variance order and keep their signs, layer 0 is the input plane, and bad choices are errors
naming their field."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pytest

from neuralab.playground.hidden_space import (
    GRID_LINES,
    LINE_SAMPLES,
    decision_line,
    grid_lines,
    pca_directions,
)
from neuralab.playground.network import layer_outputs
from neuralab.playground.points import featurize
from neuralab.playground.protocol import ProtocolError, parse_message
from neuralab.playground.session import Session


def view(session: Session, layer: int, projection: Any = "pca") -> dict[str, Any]:
    """Ask the session for the view, as the server does; returns the one reply."""
    replies = session.apply(parse_message(json.dumps(
        {"type": "hidden_space", "layer": layer, "projection": projection})))
    assert len(replies) == 1 and replies[0]["type"] == "hidden_space"
    return replies[0]


def trained(config: dict[str, Any], epochs: int = 3) -> Session:
    s = Session(config)
    for _ in range(epochs):
        s.train_epoch()
    return s


def activations(session: Session, layer: int, X: np.ndarray) -> np.ndarray:
    """Hidden layer ``layer``'s activations (eval mode) for raw points X, computed here."""
    F = featurize(X, session.config.features)
    return np.asarray(layer_outputs(session.model, F)[session._act_index[layer - 1]],
                      dtype=np.float64)


def test_grid_lines_cover_the_square() -> None:
    lines = grid_lines()
    assert lines.shape == (2 * GRID_LINES, LINE_SAMPLES, 2)
    h, v = lines[:GRID_LINES], lines[GRID_LINES:]
    assert np.all(h[:, :, 1] == h[:, :1, 1]) and np.all(v[:, :, 0] == v[:, :1, 0])  # straight
    assert h[0, 0].tolist() == [-6, -6] and h[-1, -1].tolist() == [6, 6]
    assert sorted(set(v[:, 0, 0].round(6))) == sorted(set(h[:, 0, 1].round(6)))


@pytest.mark.parametrize("config", [{"hidden": [4, 2]}, {"hidden": [2], "activation": "relu"},
                                    {"hidden": [3, 2], "features": ["x1", "x2", "x1x2", "r"]}])
def test_a_two_unit_layer_is_its_activations(config: dict[str, Any]) -> None:
    s = trained(config)
    layer = len(config["hidden"])
    r = view(s, layer)
    d = s._data
    assert r["units"] == 2 and r["axes"] == ["unit 0", "unit 1"] and r["directions"] is None
    np.testing.assert_allclose(r["train"], activations(s, layer, d.X_train), atol=1e-4)
    np.testing.assert_allclose(r["test"], activations(s, layer, d.X_test), atol=1e-4)
    lines = np.array(r["lines"])
    assert lines.shape == (2 * GRID_LINES, LINE_SAMPLES, 2)
    np.testing.assert_allclose(lines.reshape(-1, 2),
                               activations(s, layer, grid_lines().reshape(-1, 2)), atol=1e-4)
    # the view does not disturb training: the model is back in train mode
    assert s.model.training


def test_input_layer_is_the_plane_itself() -> None:
    s = trained({"hidden": [3], "features": ["x1^2", "sin_x2"]})
    r = view(s, 0)
    assert r["axes"] == ["x1", "x2"] and r["units"] == 2
    np.testing.assert_allclose(r["train"], s._data.X_train, atol=1e-4)
    np.testing.assert_allclose(r["test"], s._data.X_test, atol=1e-4)
    np.testing.assert_allclose(r["lines"], grid_lines(), atol=1e-4)
    swapped = view(s, 0, [1, 0])
    assert swapped["axes"] == ["x2", "x1"]
    np.testing.assert_allclose(swapped["train"], s._data.X_train[:, ::-1], atol=1e-4)


def test_two_units_of_a_wider_layer() -> None:
    s = trained({"hidden": [5, 2]})
    r = view(s, 1, [4, 2])
    assert r["axes"] == ["unit 4", "unit 2"] and r["units"] == 5
    np.testing.assert_allclose(r["train"], activations(s, 1, s._data.X_train)[:, [4, 2]],
                               atol=1e-4)


def test_pca_directions_are_orthonormal_in_variance_order() -> None:
    rng = np.random.default_rng(0)
    A = rng.normal(size=(300, 6)) @ np.diag([0.2, 3.0, 1.0, 0.5, 2.0, 0.1]) + 4.0
    D, share = pca_directions(A)
    np.testing.assert_allclose(D @ D.T, np.eye(2), atol=1e-12)
    centred = A - A.mean(axis=0)
    var = np.var(centred @ D.T, axis=0)
    eig = np.sort(np.linalg.eigvalsh(np.cov(centred.T, bias=True)))[::-1]
    np.testing.assert_allclose(var, eig[:2], rtol=1e-9)  # the two largest variances, in order
    assert var[0] > var[1]
    np.testing.assert_allclose(share, eig[:2] / eig.sum(), rtol=1e-9)
    assert abs(D[0, 1]) > 0.99 and abs(D[1, 4]) > 0.99  # the axes of variance 9 and 4


def test_pca_signs_are_stable() -> None:
    rng = np.random.default_rng(1)
    A = rng.normal(size=(200, 4)) @ rng.normal(size=(4, 4))
    D, _ = pca_directions(A)
    # no reference: each direction's largest component is positive, whatever SVD returned
    assert np.all(D[np.arange(2), np.argmax(np.abs(D), axis=1)] > 0)
    np.testing.assert_array_equal(pca_directions(-A)[0], D)
    # a reference turns each direction along it: the previous picture's signs are kept
    flipped, _ = pca_directions(A, reference=-D)
    np.testing.assert_allclose(flipped, -D)
    mixed, _ = pca_directions(A, reference=D * np.array([[1.0], [-1.0]]))
    np.testing.assert_allclose(mixed, D * np.array([[1.0], [-1.0]]))
    # a slightly changed A (a training step) keeps the reference's signs
    nudged, _ = pca_directions(A + 0.01 * rng.normal(size=A.shape), reference=flipped)
    assert np.all(np.sum(nudged * flipped, axis=1) > 0.99)


def test_pca_view_of_a_session_keeps_its_signs_while_training() -> None:
    s = trained({"dataset": "spiral", "hidden": [6, 6], "lr": 0.1}, epochs=1)
    r = view(s, 1)
    assert r["axes"] == ["PC1", "PC2"] and r["units"] == 6
    D = np.array(r["directions"])
    np.testing.assert_allclose(D @ D.T, np.eye(2), atol=1e-3)
    assert r["variance"][0] >= r["variance"][1] > 0
    # the coordinates are the centred training activations on the directions
    A = activations(s, 1, s._data.X_train)
    np.testing.assert_allclose(r["train"], (A - A.mean(axis=0)) @ D.T, atol=2e-3)
    np.testing.assert_allclose(np.mean(r["train"], axis=0), 0.0, atol=1e-3)
    for _ in range(5):
        s.train_steps(5)
        new = np.array(view(s, 1)["directions"])
        assert np.all(np.sum(new * D, axis=1) > 0), "a direction flipped between frames"
        D = new


def test_one_unit_layer_lies_on_a_line() -> None:
    s = trained({"hidden": [1]})
    r = view(s, 1)
    assert r["units"] == 1 and r["axes"] == ["unit 0", ""]
    train = np.array(r["train"])
    np.testing.assert_allclose(train[:, 0], activations(s, 1, s._data.X_train)[:, 0], atol=1e-4)
    assert np.all(train[:, 1] == 0)


@pytest.mark.parametrize("config", [{"hidden": [4, 2]}, {"hidden": [3, 2], "rules": "tfp"},
                                    {"hidden": [1], "activation": "relu"}])
def test_decision_line_separates_the_predicted_classes(config: dict[str, Any]) -> None:
    s = trained(config, epochs=5)
    layer = len(config["hidden"])
    r = view(s, layer)
    a, b, c = r["boundary"]
    train = np.array(r["train"])
    side = train @ np.array([a, b]) + c > 0
    scores = np.asarray(layer_outputs(s.model, s._F_train)[-1])
    predicted = scores[:, 0] > 0 if s.config.tfp else scores[:, 1] > scores[:, 0]
    assert np.mean(side == predicted) > 0.99  # equal but for rounding at the line
    assert view(s, 0)["boundary"] is None  # the input plane: not the last hidden layer
    if layer > 1:
        assert view(s, layer - 1)["boundary"] is None


def test_no_decision_line_for_a_wide_layer_more_classes_or_regression() -> None:
    assert view(trained({"hidden": [4]}, 1), 1)["boundary"] is None  # projected: not exact
    assert view(trained({"dataset": "spiral", "classes": 3, "hidden": [2]}, 1),
                1)["boundary"] is None
    assert view(trained({"problem": "regression", "hidden": [2]}, 1), 1)["boundary"] is None


def test_decision_line_of_scores_and_of_tfps_unit() -> None:
    W, b = np.array([[1.0, 3.0], [2.0, -1.0]]), np.array([0.5, 1.5])
    w, c = decision_line(W, b)
    assert w.tolist() == [2.0, -3.0] and c == 1.0
    w, c = decision_line(W[:, :1], b[:1])
    assert w.tolist() == [1.0, 2.0] and c == 0.5


def test_tfp_rules_view_uses_its_float64_inputs() -> None:
    s = trained({"hidden": [4, 2], "rules": "tfp"})
    r = view(s, 2)
    F = s._F_train
    assert F.dtype == np.float64
    expected = layer_outputs(s.model, F)[s._act_index[1]]
    np.testing.assert_allclose(r["train"], expected, atol=1e-4)


def test_a_diverged_network_gives_nulls_not_an_error() -> None:
    s = Session({"hidden": [4, 2]})
    s._blocks[0].linear.weight.value[...] = np.nan
    for layer in (1, 2):
        r = view(s, layer)
        assert r["train"][0] == [None, None]
        assert r["lines"][0][0] == [None, None]


@pytest.mark.parametrize(("message", "field", "words"), [
    ({"layer": 3}, "layer", "layer=3 is out of range; allowed: 0-2"),
    ({"layer": 7}, "layer", "layer=7 is out of range"),
    ({"layer": -1}, "layer", "layer=-1 is out of range"),
    ({"layer": 1.5}, "layer", "layer=1.5 is not an integer"),
    ({}, "layer", "needs the field 'layer'"),
    ({"layer": 1, "projection": [0, 4]}, "projection",
     "projection=[0, 4] is out of range; allowed: 'pca' or two different units of 0-3 "
     "(hidden layer 1 has 4 units)"),
    ({"layer": 2, "projection": [1, 2]}, "projection", "hidden layer 2 has 2 units"),
    ({"layer": 0, "projection": [0, 2]}, "projection", "the input plane has 2 axes"),
    ({"layer": 1, "projection": [2, 2]}, "projection", "projection=[2, 2] names unit 2 twice"),
    ({"layer": 1, "projection": [0, 40]}, "projection", "projection=[0, 40] is out of range"),
    ({"layer": 1, "projection": "tsne"}, "projection", "projection='tsne' is not allowed"),
    ({"layer": 1, "projection": [1]}, "projection", "projection=[1] is not allowed"),
    ({"layer": 1, "extra": 1}, "extra", "unknown option 'extra'"),
])
def test_bad_choices_are_errors_naming_the_field(message: dict[str, Any], field: str,
                                                 words: str) -> None:
    s = Session({"hidden": [4, 2]})
    with pytest.raises(ProtocolError) as err:
        s.apply(parse_message(json.dumps({"type": "hidden_space", **message})))
    assert err.value.field == field
    assert words in str(err.value)


def test_no_hidden_layer_allows_only_the_plane() -> None:
    s = Session({"hidden": []})
    assert view(s, 0)["units"] == 2
    with pytest.raises(ProtocolError, match=r"layer=1 is out of range; allowed: 0 \(the network "
                                            r"has no hidden layer"):
        view(s, 1)
    s1 = Session({"hidden": [1]})
    with pytest.raises(ProtocolError, match=r"projection=\[0, 1\] is out of range; allowed: "
                                            r"'pca' \(hidden layer 1 has 1 unit\)"):
        view(s1, 1, [0, 1])
