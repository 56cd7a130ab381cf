"""The playground's settings: one plain dict that the page holds, the URL carries
and the server checks.

:func:`check_settings` merges a partial update into the current settings and
checks every value, raising :class:`SettingsError` that names the setting and
says what to change.  The page shows that message; nothing else changes.
"""

from __future__ import annotations

import math

from ..nn.activations import ACTIVATIONS
from ..optim import OPTIMIZERS

__all__ = ["DATASETS", "DEFAULTS", "FEATURES", "LIMITS", "SettingsError", "check_settings"]

DATASETS = ("xor", "circles", "spirals", "blobs", "gaussian", "custom")
"""Data set names; ``custom`` is a CSV upload or points of one's own."""

FEATURES = ("x1", "x2", "x1^2", "x2^2", "x1*x2", "sin(x1)", "sin(x2)")
"""The input features a network can be fed, computed from the two coordinates."""

LOSSES = ("softmax", "svm", "squared")
MODES = ("minibatch", "batch", "stochastic")
SCHEDULES = ("constant", "step", "exponential", "inverse_time", "cosine")

LIMITS = {"max_layers": 10, "max_units": 256, "max_params": 100_000, "max_points": 2000}
"""The largest network and data set a session accepts (the page must stay smooth)."""

DEFAULTS: dict = {
    "dataset": "circles",
    "classes": 3,
    "noise": 0.2,
    "ratio": 0.5,
    "points": 500,
    "seed": 0,
    "layers": [8, 8],
    "activation": ["relu", "relu"],
    "loss": "softmax",
    "l2": 0.0,
    "dropout": 0.0,
    "batch_norm": False,
    "features": ["x1", "x2"],
    "optimizer": "adam",
    "lr": 0.03,
    "momentum": 0.9,
    "mode": "minibatch",
    "batch_size": 10,
    "schedule": "constant",
    "decay": 0.5,
    "decay_every": 10,
}


class SettingsError(ValueError):
    """A setting with a value the playground cannot use; ``field`` names it."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def _number(value, field: str, low: float, high: float, *, low_open: bool = False) -> float:
    """``value`` (a number or its text) as a float in ``[low, high]`` (``(low, high]`` if ``low_open``)."""
    if isinstance(value, bool):
        raise SettingsError(field, f"{field} must be a number, got {value!r}")
    try:
        x = float(str(value).strip()) if isinstance(value, str) else float(value)
    except (TypeError, ValueError):
        raise SettingsError(field, f"{field} must be a number, got {value!r}") from None
    below = x <= low if low_open else x < low
    if not math.isfinite(x) or below or x > high:
        left = "(" if low_open else "["
        raise SettingsError(field, f"{field} must be a number in {left}{low:g}, {high:g}], got {value!r}")
    return x


def _integer(value, field: str, low: int, high: int) -> int:
    x = _number(value, field, low, high)
    if x != int(x):
        raise SettingsError(field, f"{field} must be a whole number, got {value!r}")
    return int(x)


def _choice(value, field: str, choices) -> str:
    key = str(value).strip().lower()
    if key not in choices:
        raise SettingsError(field, f"{field} must be one of {', '.join(choices)}, got {value!r}")
    return key


def _flag(value, field: str) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("1", "true", "on", "yes"):
        return True
    if text in ("0", "false", "off", "no", ""):
        return False
    raise SettingsError(field, f"{field} must be true or false, got {value!r}")


def _name_list(value, field: str, choices) -> list[str]:
    items = value.split(",") if isinstance(value, str) else list(value)
    names = [_choice(v, field, choices) for v in items if str(v).strip()]
    return names


def _layers(value) -> list[int]:
    """Hidden widths from ``[8, 8]`` or the text ``"8,8"`` (empty: no hidden layer)."""
    items = value.split(",") if isinstance(value, str) else list(value)
    layers = [_integer(v, "layers", 1, LIMITS["max_units"]) for v in items if str(v).strip()]
    if len(layers) > LIMITS["max_layers"]:
        raise SettingsError("layers", f"layers: at most {LIMITS['max_layers']} hidden layers, got {len(layers)}")
    return layers


def _activations(value, n_layers: int) -> list[str]:
    """One activation per hidden layer; a single name is used for every layer."""
    names = _name_list(value, "activation", tuple(ACTIVATIONS))
    if len(names) == 1 or (not names and n_layers == 0):
        return names * n_layers
    if len(names) < n_layers:  # a new layer repeats the last layer's activation
        names = names + [names[-1] if names else "relu"] * (n_layers - len(names))
    return names[:n_layers]


def num_params(n_inputs: int, layers: list[int], n_outputs: int) -> int:
    """Weights and biases of the fully connected network ``n_inputs -> layers -> n_outputs``."""
    sizes = [n_inputs, *layers, n_outputs]
    return sum(a * b + b for a, b in zip(sizes[:-1], sizes[1:]))


_CHECKS = {
    "dataset": lambda v: _choice(v, "dataset", DATASETS),
    "classes": lambda v: _integer(v, "classes", 2, 5),
    "noise": lambda v: _number(v, "noise", 0.0, 1.0),
    "ratio": lambda v: _number(v, "ratio", 0.1, 0.9),
    "points": lambda v: _integer(v, "points", 10, LIMITS["max_points"]),
    "seed": lambda v: _integer(v, "seed", 0, 2**31 - 1),
    "layers": _layers,
    "loss": lambda v: _choice(v, "loss", LOSSES),
    "l2": lambda v: _number(v, "l2", 0.0, 10.0),
    "dropout": lambda v: _number(v, "dropout", 0.0, 0.9),
    "batch_norm": lambda v: _flag(v, "batch_norm"),
    "features": lambda v: _name_list(v, "features", FEATURES),
    "optimizer": lambda v: _choice(v, "optimizer", tuple(OPTIMIZERS)),
    "lr": lambda v: _number(v, "lr", 0.0, 10.0, low_open=True),
    "momentum": lambda v: _number(v, "momentum", 0.0, 0.999),
    "mode": lambda v: _choice(v, "mode", MODES),
    "batch_size": lambda v: _integer(v, "batch_size", 1, LIMITS["max_points"]),
    "schedule": lambda v: _choice(str(v).replace("-", "_"), "schedule", SCHEDULES),
    "decay": lambda v: _number(v, "decay", 0.0, 10.0, low_open=True),
    "decay_every": lambda v: _integer(v, "decay_every", 1, 10_000),
}


def check_settings(update: dict, current: dict | None = None, *, n_classes: int | None = None) -> dict:
    """Merge ``update`` into ``current`` (the defaults when None) and check the result.

    Parameters
    ----------
    update : dict
        Settings to change, by name; values may be text (as the page's inputs
        give them) or numbers.  Unknown names are an error.
    current : dict, optional
        The settings in force.
    n_classes : int, optional
        Classes of the data in use (for the size check of the network).

    Returns
    -------
    dict
        A new, complete settings dict; ``current`` is not changed.

    Raises
    ------
    SettingsError
        Naming the first setting whose value cannot be used.
    """
    if not isinstance(update, dict):
        raise SettingsError("settings", f"settings must be a JSON object, got {type(update).__name__}")
    unknown = sorted(set(update) - set(DEFAULTS))
    if unknown:
        raise SettingsError(unknown[0], f"unknown setting {unknown[0]!r}; known: {', '.join(DEFAULTS)}")
    out = dict(DEFAULTS if current is None else current)
    for key, value in update.items():
        if key != "activation":
            out[key] = _CHECKS[key](value)
    activation = update.get("activation", out["activation"])
    out["activation"] = _activations(activation, len(out["layers"]))
    if not out["features"]:
        raise SettingsError("features", "features: pick at least one input feature")
    classes = n_classes or _classes_of(out)
    size = num_params(len(out["features"]), out["layers"], classes)
    if size > LIMITS["max_params"]:
        raise SettingsError("layers", f"layers: the network would have {size:,} parameters, more than the "
                            f"playground's {LIMITS['max_params']:,}; use fewer or narrower layers")
    return out


def _classes_of(settings: dict) -> int:
    if settings["dataset"] in ("blobs", "spirals"):
        return settings["classes"]
    return 2
