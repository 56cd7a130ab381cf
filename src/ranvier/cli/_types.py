"""Value types of the command line: each parses one option's text or says what it expected.

argparse turns an ``ArgumentTypeError`` into ``argument --lr: expected a number > 0, got '-1'``.

Numbers are written in ASCII: Python's ``int`` and ``float`` also read other
scripts' digits (``int('٣') == 3``) and full-width ones, which a command line
should not take silently (a value the user did not mean to type, or cannot
read back); such text is refused with a message that says so.
"""

from __future__ import annotations

import argparse
import math
from typing import Callable

from .._validation import FRACTION, NON_NEGATIVE, POSITIVE, Interval


def _ascii(text: str, what: str) -> str:
    if not text.isascii():
        raise argparse.ArgumentTypeError(f"expected {what} written with the ASCII digits 0-9, got {text!r}")
    return text


def number(text: str) -> float:
    """A finite number."""
    _ascii(text, "a number")
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"expected a finite number, got {text!r}")
    return value


def number_in(interval: Interval, what: str = "a number") -> Callable[[str], float]:
    """A number in ``interval``: the rule the Python API applies (:mod:`ranvier._validation`)."""

    def parse(text: str) -> float:
        value = number(text)
        if value not in interval:
            raise argparse.ArgumentTypeError(f"expected {what} {interval}, got {text!r}")
        return value

    parse.__doc__ = f"{what[0].upper()}{what[1:]} {interval}."
    return parse


positive_float = number_in(POSITIVE)
non_negative_float = number_in(NON_NEGATIVE)
fraction = number_in(FRACTION, "a fraction")


def whole_number(text: str) -> int:
    """A whole number (of any sign), in ASCII digits."""
    _ascii(text, "a whole number")
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None


def int_at_least(minimum: int) -> Callable[[str], int]:
    """A whole number >= ``minimum``."""

    def parse(text: str) -> int:
        value = whole_number(text)
        if value < minimum:
            raise argparse.ArgumentTypeError(f"expected a whole number >= {minimum}, got {text!r}")
        return value

    return parse


positive_int = int_at_least(1)
non_negative_int = int_at_least(0)


def int_list(text: str) -> tuple[int, ...]:
    """Comma-separated positive whole numbers, such as ``3072,100,10``."""
    _ascii(text, "comma-separated integers")
    try:
        values = tuple(int(v) for v in text.split(",") if v.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated integers such as 3,4,2, got {text!r}") from None
    if not values or any(v < 1 for v in values):
        raise argparse.ArgumentTypeError(f"expected positive integers such as 3,4,2, got {text!r}")
    return values
