"""The search space: option names, ``NAME=SPEC`` parsing, and the list of trials a sweep runs.

An *option* is any ``neuralab train`` setting, by its flag name with ``_`` for ``-``: the fields
of :class:`~neuralab.config.TrainConfig` (``lr``, ``lam``, ``epochs``, ...), the model's fields
(``hidden``, ``activation``, ``dropout``, ... and ``model`` for its kind), the feature
parameters (``color_bins``, ``hog_orientations``, ... with the CLI's ``hog_cell`` /
``hog_block`` shorthands), or a dotted path (``model.kind``): the table of
:func:`neuralab.config.option_paths`, which the CLI and TOML files name options by too. Values
are validated by :class:`TrainConfig`, so a bad value gets the same message as in
``neuralab train``.

A trial is one full :class:`TrainConfig`. Its seed is derived from the sweep's seed and the
trial's parameters (and, in a random search, its number), unless ``seed`` is swept or fixed;
its data split is not (``split_seed``, default 0), so every trial is scored on the same
validation images, as scikit-learn's ``GridSearchCV`` scores every candidate on the same folds;
its *key* hashes the whole validated config, seed included. The key is what the results file
is deduplicated and resumed on, so local and Dask runs of one sweep share their results.
"""

from __future__ import annotations

import dataclasses
import hashlib
import itertools
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..config import ModelConfig, TrainConfig, option_path, set_option
from ..experiment import check_run

#: The CLI's shorthands (``neuralab train --hog-cell 4``) and where they live in a TrainConfig:
#: TrainConfig's table, which ``neuralab train`` names its options by.
ALIASES: dict[str, tuple[str, ...]] = TrainConfig.OPTION_ALIASES
#: Options whose value is a list, and the separators of its items inside one ``NAME=`` value
#: (``,`` separates the values of an axis): ``hidden=128x64``, ``features=hog+color``.
LIST_OPTIONS = {"hidden": "x+", "features": "+"}
RANDOM_KINDS = ("log", "uniform", "int", "logint")


def parse_value(name: str, text: str) -> Any:
    """One value of option ``name`` from command-line text: ``true``/``false``, an int, a
    float, ``none`` (for options that may be unset) or a string; list options split on their
    separators (``hidden=128x64`` is two layers, ``features=hog+color`` two blocks)."""
    text = text.strip()
    key = option_path(name)[-1]
    if key in LIST_OPTIONS:
        for sep in LIST_OPTIONS[key][1:]:
            text = text.replace(sep, LIST_OPTIONS[key][0])
        return [_scalar(part) for part in text.split(LIST_OPTIONS[key][0]) if part.strip()]
    if text.lower() in ("none", "null") and _default(option_path(name)) is None:
        return None
    return _scalar(text)


def _scalar(text: str) -> Any:
    text = text.strip()
    if text.lower() in ("true", "false"):
        return text.lower() == "true"
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text


def _default(path: tuple[str, ...]) -> Any:
    if path[0] == "model":
        return ModelConfig.model_fields[path[1]].default
    if path[0] == "feature_params":
        return "feature parameter"  # never None: a feature parameter is set or absent
    return TrainConfig.model_fields[path[0]].default


def split_assignment(text: str, flag: str) -> tuple[str, str]:
    """``"lr=1e-3,1e-2"`` -> ``("lr", "1e-3,1e-2")``; a ValueError naming ``flag`` if no ``=``."""
    name, eq, spec = text.partition("=")
    if not eq or not name.strip() or not spec.strip():
        raise ValueError(f"{flag}={text!r} must look like NAME=VALUES, e.g. lr=1e-3,1e-2")
    option_path(name)  # an unknown name is reported before its values
    return name.strip().replace("-", "_"), spec


def _as_mapping(specs: Mapping[str, Any] | Sequence[str] | None, flag: str) -> dict[str, Any]:
    if specs is None:
        return {}
    if isinstance(specs, str):
        specs = [specs]
    if isinstance(specs, Mapping):
        pairs = [(str(k).replace("-", "_"), v) for k, v in specs.items()]
    else:
        pairs = [split_assignment(s, flag) for s in specs]
    out: dict[str, Any] = {}
    for name, value in pairs:
        option_path(name)
        if name in out:
            raise ValueError(f"{flag}: option {name!r} is given twice; give its values once")
        out[name] = value
    return out


def parse_fixed(specs: Mapping[str, Any] | Sequence[str] | None) -> dict[str, Any]:
    """Options fixed for every trial: ``["epochs=5"]`` or ``{"epochs": 5}``."""
    out = _as_mapping(specs, "set")
    for name, value in out.items():
        if isinstance(value, str):
            if "," in value:
                raise ValueError(f"set: {name}={value!r} takes one value; sweep several with "
                                 f"--grid {name}={value}")
            out[name] = parse_value(name, value)
    return out


def parse_grid(specs: Mapping[str, Any] | Sequence[str] | None) -> dict[str, list[Any]]:
    """Grid axes: ``["lr=1e-3,1e-2", "lam=0,1e-4"]`` or ``{"lr": [1e-3, 1e-2], ...}``."""
    out = {}
    for name, values in _as_mapping(specs, "grid").items():
        if isinstance(values, str):
            values = [parse_value(name, v) for v in values.split(",") if v.strip()]
        elif not isinstance(values, Sequence):
            values = [values]
        values = list(values)
        if not values:
            raise ValueError(f"grid: {name} has no values; give them as {name}=A,B,C")
        if len({json.dumps(v, sort_keys=True) for v in values}) != len(values):
            raise ValueError(f"grid: {name}={values!r} repeats a value; give each once")
        out[name] = values
    return out


@dataclass(frozen=True)
class Distribution:
    """How a random search draws one option: ``log`` / ``uniform`` between ``low`` and
    ``high``, ``int`` / ``logint`` integers in [low, high], or ``choice`` among ``choices``."""

    name: str
    kind: str
    low: float = 0.0
    high: float = 0.0
    choices: tuple[Any, ...] = ()

    def sample(self, rng: np.random.Generator) -> Any:
        """One draw; floats are rounded to 4 significant digits so tables and TOML stay
        readable (a finer difference in a hyperparameter is noise)."""
        if self.kind == "choice":
            return self.choices[int(rng.integers(len(self.choices)))]
        if self.kind == "int":
            return int(rng.integers(int(self.low), int(self.high) + 1))
        if self.kind == "logint":
            x = round(math.exp(rng.uniform(math.log(self.low), math.log(self.high))))
            return int(min(max(x, self.low), self.high))
        lo, hi = (math.log(self.low), math.log(self.high)) if self.kind == "log" else (
            self.low, self.high)
        x = rng.uniform(lo, hi)
        return float(f"{math.exp(x) if self.kind == 'log' else x:.4g}")


def parse_distribution(name: str, spec: Any) -> Distribution:
    """``log:1e-4:1e-1``, ``uniform:0:0.5``, ``int:16:256``, ``logint:16:1024`` or a choice
    ``relu,tanh`` (a Python list or tuple is a choice too)."""
    if not isinstance(spec, str):
        choices = tuple(spec) if isinstance(spec, Sequence) else (spec,)
        if not choices:
            raise ValueError(f"random: {name} has no choices")
        return Distribution(name, "choice", choices=choices)
    kind, colon, rest = spec.partition(":")
    if not colon or kind.strip() not in RANDOM_KINDS:
        choices = tuple(parse_value(name, v) for v in spec.split(",") if v.strip())
        return parse_distribution(name, choices)
    try:
        low, high = (float(part) for part in rest.split(":"))
    except ValueError:
        raise ValueError(f"random: {name}={spec!r} must be {kind}:LOW:HIGH, e.g. "
                         f"{name}={kind}:1e-4:1e-1") from None
    kind = kind.strip()
    if not low < high or (kind in ("log", "logint") and low <= 0):
        raise ValueError(f"random: {name}={spec!r} needs LOW < HIGH"
                         + (" and LOW > 0 on a log scale" if kind.startswith("log") else ""))
    if kind in ("int", "logint") and not (low.is_integer() and high.is_integer()):
        raise ValueError(f"random: {name}={spec!r}: {kind} bounds must be integers")
    return Distribution(name, kind, low, high)


def parse_random(specs: Mapping[str, Any] | Sequence[str] | None) -> dict[str, Distribution]:
    """Random-search distributions by option name (see :func:`parse_distribution`)."""
    return {name: parse_distribution(name, spec)
            for name, spec in _as_mapping(specs, "random").items()}


# --------------------------------------------------------------------------- trials
@dataclass(frozen=True)
class Trial:
    """One training run of a sweep.

    Attributes
    ----------
    index : int
        Position in the sweep (grid order, or draw number in a random search).
    params : dict
        The swept options' validated values, by option name.
    seed : int
        The run's seed (weights, dropout, shuffling). The data split is the config's
        ``split_seed``: one split for every trial unless it is swept or set.
    config : dict
        The full validated TrainConfig, as JSON-ready data.
    key : str
        Hash of ``config``: the trial's identity in the results file.
    """

    index: int
    params: dict[str, Any]
    seed: int
    config: dict[str, Any]
    key: str


def get_option(config: dict[str, Any], name: str) -> Any:
    node: Any = config
    for part in option_path(name):
        node = node[part]
    return node


def config_key(config: dict[str, Any]) -> str:
    """A short stable hash of a validated config (JSON with sorted keys)."""
    text = json.dumps(config, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def trial_seed(sweep_seed: int, params: dict[str, Any], index: int | None = None) -> int:
    """A seed in [0, 2**31) that depends only on the sweep's seed, the trial's parameters and
    (random search) its number — never on where or in which order the trial runs."""
    text = json.dumps({"sweep_seed": sweep_seed, "params": params, "trial": index},
                      sort_keys=True, separators=(",", ":"))
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=4).digest(), "big") >> 1


def make_trial(base: dict[str, Any], raw: dict[str, Any], index: int, sweep_seed: int,
               seed_fixed: bool, random_index: bool) -> Trial:
    """Validate ``base`` with the options ``raw`` applied and give the trial its seed and key."""
    config = json.loads(json.dumps(base))  # a deep copy of JSON data
    for name, value in raw.items():
        set_option(config, name, value)
    first = TrainConfig.parse(config).model_dump(mode="json")
    params = {name: get_option(first, name) for name in raw}  # canonical: 0 -> 0.0, 64 -> [64]
    if "seed" in raw or seed_fixed:
        seed = first["seed"]
    else:
        seed = trial_seed(sweep_seed, params, index if random_index else None)
    checked = TrainConfig.parse({**first, "seed": seed})
    check_run(checked)  # e.g. loss mse on a classification set: refused before any trial runs
    final = checked.model_dump(mode="json")
    return Trial(index, params, seed, final, config_key(final))


#: The most trials one sweep plans (each one is a full training run).
MAX_TRIALS = 10_000
#: Random-search draws when ``trials`` is not given.
DEFAULT_TRIALS = 20


def plan(
    base: TrainConfig | Mapping[str, Any] | None = None,
    *,
    grid: Mapping[str, Any] | Sequence[str] | None = None,
    random: Mapping[str, Any] | Sequence[str] | None = None,
    trials: int | None = None,
    fixed: Mapping[str, Any] | Sequence[str] | None = None,
    seed: int = 0,
) -> list[Trial]:
    """Every trial of a grid or random search, validated, in order.

    Parameters
    ----------
    base : TrainConfig or dict, optional
        The settings every trial starts from (a TrainConfig-shaped dict, as in a TOML file).
    grid : dict or list of str, optional
        Axes of a grid search: every combination is a trial.
    random : dict or list of str, optional
        Distributions of a random search (see :func:`parse_distribution`).
    trials : int, optional
        Number of random-search draws (default ``DEFAULT_TRIALS``, 20); not allowed with
        ``grid``.
    fixed : dict or list of str, optional
        Options set for every trial (``["epochs=5"]``).
    seed : int
        The sweep's seed: random draws and per-trial seeds derive from it. Trial ``i`` of a
        random search is the same whatever ``trials`` is, so a larger ``trials`` extends a sweep.

    Raises
    ------
    ValueError
        For an unknown option, a malformed spec or a value TrainConfig rejects.
    """
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ValueError(f"seed={seed!r} must be an integer >= 0")
    axes, dists = parse_grid(grid), parse_random(random)
    if bool(axes) == bool(dists):
        raise ValueError("give the options to search: --grid NAME=A,B,C (grid search) or "
                         "--random NAME=log:LOW:HIGH (random search), not both")
    if axes and trials is not None:
        raise ValueError(f"trials={trials!r} applies to a random search; a grid runs every "
                         f"combination")
    if dists and (isinstance(trials, bool) or not isinstance(trials, int | None)
                  or (trials is not None and not 1 <= trials <= MAX_TRIALS)):
        raise ValueError(f"trials={trials!r} is out of range; allowed: integers in "
                         f"[1, {MAX_TRIALS}]")
    combinations = math.prod(len(values) for values in axes.values())
    if combinations > MAX_TRIALS:
        raise ValueError(f"grid={grid!r} has {combinations} combinations; allowed: at most "
                         f"{MAX_TRIALS} trials")
    start, fixed_values = _start(base, fixed)
    swept = set(axes) | set(dists)
    both = sorted(swept & set(fixed_values))
    if both:
        raise ValueError(f"option {both[0]!r} is both swept and fixed with --set; choose one")
    seed_fixed = "seed" in fixed_values
    if axes:
        combos = [dict(zip(axes, values, strict=True))
                  for values in itertools.product(*axes.values())]
    else:
        combos = []
        for i in range(DEFAULT_TRIALS if trials is None else trials):
            rng = np.random.default_rng([seed, i])  # draw i is independent of the trial count
            combos.append({name: dists[name].sample(rng) for name in dists})
    out: list[Trial] = []
    seen: set[str] = set()
    for i, raw in enumerate(combos):
        try:
            trial = make_trial(start, raw, i, seed, seed_fixed, random_index=bool(dists))
        except ValueError as err:
            shown = ", ".join(f"{k}={v!r}" for k, v in raw.items())
            raise ValueError(f"trial {i} ({shown}): {err}") from None
        if trial.key not in seen:  # e.g. lr=0.001 and lr=1e-3 on one axis: run it once
            seen.add(trial.key)
            out.append(trial)
    return out


def _start(base: TrainConfig | Mapping[str, Any] | None,
           fixed: Mapping[str, Any] | Sequence[str] | None) -> tuple[dict[str, Any], dict]:
    """The config every trial starts from (``base`` with ``fixed`` applied), and ``fixed``."""
    if isinstance(base, TrainConfig):
        start = base.model_dump(mode="json")
    else:
        start = TrainConfig.parse(dict(base or {})).model_dump(mode="json")
    fixed_values = parse_fixed(fixed)
    for name, value in fixed_values.items():
        set_option(start, name, value)
    return start, fixed_values


def sweep_name(
    base: TrainConfig | Mapping[str, Any] | None = None,
    *,
    grid: Mapping[str, Any] | Sequence[str] | None = None,
    random: Mapping[str, Any] | Sequence[str] | None = None,
    fixed: Mapping[str, Any] | Sequence[str] | None = None,
    seed: int = 0,
) -> str:
    """A directory name that is the same whenever the same sweep is asked for (so running a
    command again resumes it), e.g. ``digits-lr-lam-1a2b3c4d``. The random-search trial count
    is left out on purpose: asking for more trials extends the same sweep."""
    start, _ = _start(base, fixed)
    dists = {name: dataclasses.asdict(d) for name, d in parse_random(random).items()}
    payload = {"base": start, "grid": parse_grid(grid), "random": dists, "seed": seed}
    digest = config_key(payload)[:8]
    names = "-".join(swept_names(grid, random))[:40]
    return f"{start['data']}-{names}-{digest}"


def swept_names(grid: Any, random: Any) -> list[str]:
    """The swept option names, in the order given."""
    return list(parse_grid(grid) or parse_random(random))
