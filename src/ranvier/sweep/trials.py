"""The trials of a sweep: a grid (every combination) or a random search over the options, checked.

:func:`make_trials` turns a grid or ranges into ``(params, options)`` pairs,
each a checked :class:`~ranvier.experiment.options.TrainOptions`, identical
trials kept once; :func:`grid_trials` and :func:`random_trials` are the two
ways to choose the settings; ``_key`` is what identifies a trial (its
full options), so that a rerun into the same folder skips those already done.
"""

from __future__ import annotations

import itertools
import json
import math
from dataclasses import fields
from typing import Any, Mapping, Sequence

import numpy as np

from ..experiment.build import _optimizer, _schedule, build_model
from ..experiment.checks import _check
from ..experiment.options import _FLOAT_OPTIONS, _INT_OPTIONS, _OPTIONAL_INT, TrainOptions
from .rows import _show

MAX_TRIALS = 10_000
"""The most trials one sweep runs: a larger grid (or ``random``) is refused before any is built."""

SCALES = ("log", "lin")

# Options a sweep cannot vary: where files go and how chatty a trial is are the sweep's business.
_FIXED = ("out", "verbose", "checkpoint_every")
_OPTION_NAMES = tuple(f.name for f in fields(TrainOptions))
_SWEEPABLE = tuple(n for n in _OPTION_NAMES if n not in _FIXED)
_INTS = _INT_OPTIONS | _OPTIONAL_INT
_FLOATS = _FLOAT_OPTIONS | {"momentum"}
_NUMERIC = (_INTS | _FLOATS | {"hidden"}) - set(_FIXED)


def make_trials(base: TrainOptions, *, grid: Mapping[str, Sequence] | None = None, random: int | None = None,
                ranges: Mapping[str, tuple] | None = None, seed: int = 0) -> tuple[list[tuple[dict, TrainOptions]], list[str]]:
    """The trials of a sweep, checked: ``([(params, options), ...], varying names)``.

    Identical trials (the same full options) are kept once.
    """
    grid = {_name(k): list(v) for k, v in (grid or {}).items()}
    ranges = {_name(k): _check_range(_name(k), v) for k, v in (ranges or {}).items()}
    if random is None:
        if ranges:
            raise ValueError("ranges are for a random search: give random=N (--random N) too")
        if not grid:
            raise ValueError("nothing to sweep: give a grid (--grid NAME=V1,V2) or a random search "
                             "(--random N --range NAME=LOW:HIGH:log)")
        _check_grid_size(grid)
        combos = grid_trials(grid)
    else:
        if isinstance(random, bool) or not isinstance(random, int) or random < 1:
            raise ValueError(f"random must be a number of trials >= 1, got {random!r}")
        if random > MAX_TRIALS:
            raise ValueError(f"random={random:,} trials is more than a sweep runs (at most {MAX_TRIALS:,}); "
                             "draw fewer (--random N)")
        both = sorted(set(grid) & set(ranges))
        if both:
            raise ValueError(f"option {both[0]!r} has both a grid and a range: give one")
        if not grid and not ranges:
            raise ValueError("a random search needs ranges (--range NAME=LOW:HIGH:log) or lists (--grid NAME=V1,V2)")
        combos = random_trials(random, ranges=ranges, choices=grid, seed=seed, base=base)
    varying = list(grid) + [k for k in ranges if k not in grid]
    trials, seen = [], set()
    for params in combos:
        options = _trial_options(base, params)
        key = _key(options)
        if key not in seen:
            seen.add(key)
            trials.append((params, options))
    return trials, varying


def _check_grid_size(grid: Mapping[str, Sequence]) -> None:
    """Refuse a grid of more than :data:`MAX_TRIALS` combinations, saying how many it has."""
    sizes = [len(v) for v in grid.values()]
    total = math.prod(sizes)
    if total > MAX_TRIALS:
        shape = " x ".join(f"{len(v)} {k}" for k, v in grid.items())
        raise ValueError(f"the grid has {total:,} combinations ({shape}); a sweep runs at most {MAX_TRIALS:,} "
                         "trials: give fewer values, or draw some of the combinations with --random N")


def grid_trials(grid: Mapping[str, Sequence]) -> list[dict]:
    """Every combination of the grid's values, the first name varying slowest.

    >>> grid_trials({"lr": [0.1, 0.01], "reg": [0, 1e-3]})
    [{'lr': 0.1, 'reg': 0}, {'lr': 0.1, 'reg': 0.001}, {'lr': 0.01, 'reg': 0}, {'lr': 0.01, 'reg': 0.001}]
    """
    names = list(grid)
    for name in names:
        if len(grid[name]) == 0:
            raise ValueError(f"the grid of {name!r} has no values")
    return [dict(zip(names, values, strict=True)) for values in itertools.product(*(grid[n] for n in names))]


def random_trials(n: int, *, ranges: Mapping[str, tuple] | None = None, choices: Mapping[str, Sequence] | None = None,
                  seed: int = 0, base: TrainOptions | None = None) -> list[dict]:
    """``n`` random settings: ranges drawn log-uniformly or uniformly, choices picked uniformly.

    Trial ``i`` is the same whatever ``n`` is (one generator, drawn trial by
    trial, option by option in sorted order).  Integer options draw integers
    in ``[low, high]``; a ``hidden`` range draws one width for every hidden
    layer of ``base`` (one layer when ``base`` is None).
    """
    ranges = {k: _check_range(k, v) for k, v in (ranges or {}).items()}
    choices = dict(choices or {})
    rng = np.random.default_rng(seed)
    depth = 1 if base is None else max(1, len(base.hidden))
    names = sorted(set(ranges) | set(choices))
    trials = []
    for _ in range(n):
        params = {}
        for name in names:
            if name in ranges:
                params[name] = _draw(rng, name, *ranges[name], depth=depth)
            else:
                values = list(choices[name])
                if not values:
                    raise ValueError(f"the choices of {name!r} are empty")
                params[name] = values[int(rng.integers(len(values)))]
        order = [k for k in list(choices) + list(ranges) if k in params]
        trials.append({k: params[k] for k in order})
    return trials


def _draw(rng: np.random.Generator, name: str, low: float, high: float, scale: str, *, depth: int):
    integer = name in _INTS or name == "hidden"
    top = high + 1 if integer else high  # integers: every value in [low, high] equally likely (lin)
    u = rng.uniform(math.log(low), math.log(top)) if scale == "log" else rng.uniform(low, top)
    value = math.exp(u) if scale == "log" else u
    if not integer:
        return float(min(max(value, low), high))
    value = int(min(max(math.floor(value), low), high))
    return [value] * depth if name == "hidden" else value


def _check_range(name: str, spec) -> tuple[float, float, str]:
    if name not in _NUMERIC:
        raise ValueError(f"option {name!r} takes no range; ranges are for numbers: {', '.join(sorted(_NUMERIC))} "
                         f"(give a list of choices with --grid {name}=A,B)")
    spec = tuple(spec)
    if len(spec) not in (2, 3):
        raise ValueError(f"the range of {name!r} must be (low, high) or (low, high, scale), got {spec!r}")
    low, high = spec[:2]
    scale = spec[2] if len(spec) == 3 else "lin"
    for v in (low, high):
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
            raise ValueError(f"the range of {name!r} needs finite numbers, got {spec!r}")
    if scale not in SCALES:
        raise ValueError(f"the scale of a range is log or lin, got {scale!r} for {name!r}")
    if not low <= high:
        raise ValueError(f"the range of {name!r} needs low <= high, got {low:g} > {high:g}")
    if scale == "log" and low <= 0:
        raise ValueError(f"a log range needs low > 0, got {low:g} for {name!r} (use lin to include 0)")
    if (name in _INTS or name == "hidden") and (low != int(low) or high != int(high)):
        raise ValueError(f"{name!r} is a whole number: its range needs whole ends, got {low:g}:{high:g}")
    return float(low), float(high), scale


def _name(key: str) -> str:
    name = str(key).replace("-", "_")
    if name in _FIXED:
        raise ValueError(f"a sweep cannot vary {key!r} (the sweep sets it for every trial)")
    if name not in _SWEEPABLE:
        raise ValueError(f"unknown option {key!r}; options a sweep can vary: {', '.join(_SWEEPABLE)}")
    return name


def _trial_options(base: TrainOptions, params: Mapping[str, Any]) -> TrainOptions:
    values = {**base.to_dict(), "out": None, "verbose": 0, "checkpoint_every": None}
    for name, value in params.items():
        values[name] = value.replace("-", "_") if name == "schedule" and isinstance(value, str) else value
    try:
        options = TrainOptions.from_dict(values)
        _check_trial(options)
    except (TypeError, ValueError) as exc:
        shown = ", ".join(f"{k}={_show(v)}" for k, v in params.items())
        raise ValueError(f"bad trial {shown}: {exc}") from None
    return options


def _check_trial(o: TrainOptions) -> None:
    """Catch a bad value before any trial trains (names resolve, sizes are sane)."""
    _check(o)  # every option in range
    if o.val_split == 0:
        raise ValueError("a sweep scores trials on the validation split: val_split must be > 0")
    from ..datasets import DATASETS
    from ..datasets.own import is_own_data

    if o.data not in DATASETS and not is_own_data(o.data):
        raise ValueError(f"unknown data set {o.data!r}; choose one of: {', '.join(DATASETS)}")
    _optimizer(o)
    _schedule(o, 1)
    build_model(o, 2, 2)  # activation, loss and init names


def _key(options: TrainOptions) -> str:
    """What identifies a trial: its full options (less where it writes and how chatty it is)."""
    values = TrainOptions.from_dict(options.to_dict()).to_dict()
    for name in _FIXED:
        values.pop(name)
    return json.dumps(values, sort_keys=True)


