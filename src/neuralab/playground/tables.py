"""The tables the playground page is built from, sent in the ``hello`` message (PROTOCOL.md).

The page holds no copy of a rule: its menus, number inputs, sliders and data set tiles, and the
way it reads a link, come from these tables, and each table is derived from the validators of
:mod:`neuralab.playground.protocol` (``PlaygroundConfig``'s ``CHOICES``, ``INT_RANGES``,
``RANGES_OF`` ... and :data:`neuralab.config.RANGES`), so the page and the server cannot
disagree. Whether a value is allowed stays the server's to say: the page sends a link's config
as a ``config`` message and shows the ``error`` reply.
"""

from __future__ import annotations

import math
from typing import Any

from ..config import RANGES
from .protocol import (
    DATA_FIELDS,
    DATASETS,
    FEATURES,
    LIMITS,
    NET_FIELDS,
    PROBLEM_LOSSES,
    RULES,
    TFP_RULES,
    PlaygroundConfig,
    problem_losses,
)

__all__ = ["PRESETS", "SLIDERS", "config_choices", "config_ranges", "hello_tables",
           "rules_table"]

#: What the page offers, as hello's ``presets`` and ``sliders``: the values of its select menus
#: and its sliders' [min, max, step]. Suggestions only: a link or a message may set any value
#: the ranges allow (the page then adds it to the menu; a slider shows it at its end).
PRESETS: dict[str, list[float]] = {
    "lr": [1e-5, 1e-4, 1e-3, 3e-3, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0],
    "lam": [0.0, 1e-4, 1e-3, 3e-3, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0],
    "dropout": [0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9],
    "steps_per_frame": [1, 2, 5, 10, 20, 50, 100, 200, 500],
    "grid": [10, 20, 30, 50, 75, 100, 128],  # the heatmap's G (G × G points), within GRID_RANGE
}
SLIDERS: dict[str, list[float]] = {
    "noise": [*PlaygroundConfig.PERCENT_RANGES["noise"], 5.0],
    "train_ratio": [*PlaygroundConfig.PERCENT_RANGES["train_ratio"], 10.0],
    "batch_size": [1, 100, 1],  # the slider's end; links may go up to MAX_BATCH
}


def _range(lo: float, hi: float, lo_in: bool = True, hi_in: bool = True,
           integer: bool = False) -> dict[str, Any]:
    return {"min": lo, "max": hi if math.isfinite(hi) else None, "min_inclusive": lo_in,
            "max_inclusive": hi_in, "integer": integer}


def config_ranges() -> dict[str, dict[str, Any]]:
    """Every numeric field's allowed values, as the validators check them: ``{"min", "max"
    (None: unbounded), "min_inclusive", "max_inclusive", "integer"}``. For ``hidden`` and
    ``dropout`` the range holds for each entry (units of a layer, drop probability)."""
    cfg = PlaygroundConfig
    out = {name: _range(lo, hi, integer=True) for name, (lo, hi) in cfg.INT_RANGES.items()}
    out |= {name: _range(lo, hi) for name, (lo, hi) in cfg.PERCENT_RANGES.items()}
    out |= {name: _range(*RANGES[key]) for name, key in cfg.RANGES_OF.items()}
    out |= {name: _range(*RANGES[key]) for name, key in cfg.ENTRY_RANGES_OF.items()}
    out |= {name: _range(lo, hi, integer=True) for name, (lo, hi) in cfg.ENTRY_INT_RANGES.items()}
    return {name: out[name] for name in cfg.model_fields if name in out}  # the fields' order


def config_choices() -> dict[str, list[str]]:
    """Every named field's allowed names (for ``activation`` and ``features``: each entry's)."""
    cfg = PlaygroundConfig
    table = {**cfg.CHOICES, **cfg.ENTRY_CHOICES}
    return {name: list(table[name]) for name in cfg.model_fields if name in table}


def rules_table() -> dict[str, Any]:
    """Per training rule set (``rules``): the losses that fit each problem, the default first,
    and what it pins (TFP's: :data:`~neuralab.playground.protocol.TFP_RULES`)."""
    out: dict[str, Any] = {}
    for name in RULES:
        entry: dict[str, Any] = {"losses": {p: list(problem_losses(name, p))
                                            for p in PROBLEM_LOSSES}}
        if name == "tfp":
            entry |= {"fixed": dict(TFP_RULES["fixed"]), "reg": list(TFP_RULES["reg"]),
                      "classes": TFP_RULES["classes"], "n_points": dict(TFP_RULES["n_points"])}
        out[name] = entry
    return out


def hello_tables() -> dict[str, Any]:
    """The tables the page builds its controls and reads its links from, sent in ``hello``
    (PROTOCOL.md): one copy of every rule, the server's."""
    fields = list(PlaygroundConfig.model_fields)
    return {
        "defaults": PlaygroundConfig().model_dump(),
        "choices": config_choices(),
        "ranges": config_ranges(),
        "losses": {problem: list(fits) for problem, fits in PROBLEM_LOSSES.items()},
        "rules": rules_table(),
        "datasets": DATASETS,
        "features": list(FEATURES),
        "groups": {"data": [f for f in fields if f in DATA_FIELDS],
                   "net": [f for f in fields if f in NET_FIELDS]},
        "limits": LIMITS,
        "presets": {name: list(values) for name, values in PRESETS.items()},
        "sliders": {name: list(values) for name, values in SLIDERS.items()},
    }
