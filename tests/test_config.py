"""The one table of allowed values: the same bad value, the same message, from every door."""

from __future__ import annotations

import pytest

from neuralab.checks import check_choice
from neuralab.config import ModelConfig, TrainConfig, check_range
from neuralab.models import mlp
from neuralab.nn import Dropout, make_activation


def test_defaults_are_valid_and_round_trip_through_json() -> None:
    cfg = TrainConfig.parse()
    assert TrainConfig.parse(cfg.model_dump()) == cfg
    assert TrainConfig.model_validate_json(cfg.model_dump_json()) == cfg


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"lr": 0}, "lr=0.0 is out of range; allowed: (0, 10]"),
        ({"lam": -1e-3}, "lam=-0.001 is out of range"),
        ({"loss": "hinge"}, "loss='hinge' is not allowed; choose one of: softmax, svm, mse"),
        ({"optimizer": "adamw"}, "optimizer='adamw' is not allowed"),
        ({"batch_size": 0}, "batch_size=0 is out of range; allowed: integers in [1, 65536]"),
        ({"model": {"dropout": 1.0}}, "dropout=1.0 is out of range; allowed: [0, 1)"),
        ({"model": {"hidden": [10] * 9}}, "has 9 layers; at most 8"),
        ({"model": {"hidden": [0]}}, "each layer needs 1 to 4096 units"),
        ({"model": {"activation": "swish"}}, "activation='swish' is not allowed"),
        ({"colour": "red"}, "unknown option 'colour'"),
    ],
)
def test_bad_values_name_the_parameter_the_value_and_what_is_allowed(
    data: dict, message: str
) -> None:
    with pytest.raises(ValueError) as err:
        TrainConfig.parse(data)
    assert message in str(err.value)


def test_library_and_config_give_the_same_message() -> None:
    with pytest.raises(ValueError) as from_config:
        ModelConfig.parse(activation="swish")
    with pytest.raises(ValueError) as from_library:
        make_activation("swish")
    assert str(from_config.value) == str(from_library.value)
    with pytest.raises(ValueError, match=r"dropout=1\.0 is out of range"):
        mlp(4, 3, dropout=1.0)
    with pytest.raises(ValueError, match=r"p=1\.0 is out of range"):
        Dropout(1.0)


def test_validators() -> None:
    assert check_choice("loss", "svm", ("softmax", "svm")) == "svm"
    assert check_range("p", 0) == 0.0
    with pytest.raises(ValueError, match=r"lr='fast' is not a number; allowed: \(0, 10\]"):
        check_range("lr", "fast")
    with pytest.raises(ValueError, match=r"lr=nan is not a number"):
        check_range("lr", float("nan"))


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"lr": "fast"}, "lr='fast' is not a number; allowed: (0, 10]"),
        ({"epochs": 2.5}, "epochs=2.5 is not an integer; allowed: integers in [1, 100000]"),
        ({"model": {"k": "two"}}, "k='two' is not an integer; allowed: integers in [2, 16]"),
        ({"model": {"dropout": "half"}}, "dropout='half' is not a number; allowed: [0, 1)"),
    ],
)
def test_a_value_of_the_wrong_type_gets_the_same_words(data: dict, message: str) -> None:
    # pydantic refuses these for their type before the tables see them; the message is still
    # the tables' own
    with pytest.raises(ValueError) as err:
        TrainConfig.parse(data)
    assert str(err.value) == message
