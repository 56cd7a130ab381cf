"""The command line's words of a sweep: ``--grid NAME=V1,V2,...`` and ``--range NAME=LOW:HIGH[:log|lin]``."""

from __future__ import annotations

import math

from ..experiment.options import _OPTIONAL
from .trials import _FLOATS, _INTS, _check_range, _name


def parse_grid(text: str) -> tuple[str, list]:
    """``NAME=V1,V2,...`` -> ``(name, values)``, each value of the option's type.

    Values are separated by commas.  ``hidden`` values are layer widths
    joined by ``-`` (``hidden=100,200-100``: one layer of 100, or two of 200
    and 100); ``hidden=100;200,100`` (values separated by ``;``, widths by
    commas as ``--hidden`` writes them) means the same.  ``none`` is None for
    the options that may be unset (momentum, early_stopping, n_train).

    >>> parse_grid("lr=1e-3,1e-2")
    ('lr', [0.001, 0.01])
    >>> parse_grid("hidden=100;200,100")
    ('hidden', [(100,), (200, 100)])
    """
    name, body = _split_spec(text, "--grid", "NAME=V1,V2,... such as lr=1e-3,1e-2")
    if name == "hidden":
        if ";" in body:
            parts = [[w for w in part.split(",")] for part in body.split(";")]
        else:
            parts = [part.split("-") for part in body.split(",")]
        values = [_hidden(widths, text) for widths in parts]
    else:
        values = [_value(name, part.strip(), text) for part in body.split(",")]
    return name, values


def parse_range(text: str) -> tuple[str, tuple[float, float, str]]:
    """``NAME=LOW:HIGH[:log|lin]`` -> ``(name, (low, high, scale))``; the scale defaults to lin.

    >>> parse_range("lr=1e-5:1e-1:log")
    ('lr', (1e-05, 0.1, 'log'))
    """
    name, body = _split_spec(text, "--range", "NAME=LOW:HIGH:log such as lr=1e-5:1e-1:log")
    parts = [p.strip() for p in body.split(":")]
    if len(parts) not in (2, 3):
        raise ValueError(f"--range {text!r}: expected NAME=LOW:HIGH or NAME=LOW:HIGH:SCALE (log or lin), "
                         "such as lr=1e-5:1e-1:log")
    try:
        low, high = float(parts[0]), float(parts[1])
    except ValueError:
        raise ValueError(f"--range {text!r}: the ends must be numbers, such as lr=1e-5:1e-1:log") from None
    scale = parts[2].lower() if len(parts) == 3 else "lin"
    try:
        return name, _check_range(name, (low, high, scale))
    except ValueError as exc:
        raise ValueError(f"--range {text!r}: {exc}") from None


def _split_spec(text: str, flag: str, example: str) -> tuple[str, str]:
    key, sep, body = text.partition("=")
    if not sep or not key.strip() or not body.strip():
        raise ValueError(f"{flag} {text!r}: expected {example}")
    if not body.isascii():  # int() and float() read other scripts' digits too: refused, as on the command line
        raise ValueError(f"{flag} {text!r}: write the values with ASCII letters and the digits 0-9")
    try:
        name = _name(key.strip())
    except ValueError as exc:
        raise ValueError(f"{flag} {text!r}: {exc}") from None
    return name, body.strip()


def _hidden(widths: list[str], text: str) -> tuple[int, ...]:
    try:
        values = tuple(int(w) for w in widths)
    except ValueError:
        values = ()
    if not values or min(values) < 1:
        raise ValueError(f"--grid {text!r}: hidden sizes are positive whole numbers, layers joined by '-' and "
                         "values separated by ',' (hidden=100,200-100), or 'hidden=100;200,100'")
    return values


def _value(name: str, part: str, text: str):
    if not part:
        raise ValueError(f"--grid {text!r}: an empty value (values are separated by ',')")
    if part.lower() == "none" and name in _OPTIONAL:
        return None
    try:
        if name in _INTS:
            return int(part)
        if name in _FLOATS:
            value = float(part)
            if not math.isfinite(value):
                raise ValueError
            return value
    except ValueError:
        kind = "whole numbers" if name in _INTS else "numbers"
        raise ValueError(f"--grid {text!r}: {name} takes {kind}, got {part!r}") from None
    return part
