"""Checks of hyperparameters: each returns the value as a plain Python number or raises
an error that names the argument and what it must be."""

from __future__ import annotations

import math
import numbers

import numpy as np


def real(value, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a number, got {type(value).__name__}")
    if not math.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value!r}")
    return float(value)


def positive(value, name: str) -> float:
    if real(value, name) <= 0:
        raise ValueError(f"{name} must be > 0, got {value!r}")
    return float(value)


def nonnegative(value, name: str) -> float:
    if real(value, name) < 0:
        raise ValueError(f"{name} must be >= 0, got {value!r}")
    return float(value)


def fraction(value, name: str, *, one: bool = False) -> float:
    """A number in [0, 1) (or [0, 1] when ``one``)."""
    x = real(value, name)
    if not (0 <= x < 1 or (one and x == 1)):
        raise ValueError(f"{name} must be in [0, 1{']' if one else ')'}, got {value!r}")
    return x


def flag(value, name: str) -> bool:
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False, got {value!r}")
    return bool(value)


def count(value, name: str, *, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer, got {type(value).__name__}")
    if value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value!r}")
    return int(value)

