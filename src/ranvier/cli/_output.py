"""What the commands print and how they write their files: percentages, notes, no silent overwrite."""

from __future__ import annotations

import os
import sys

from .._text import printable
from ._errors import UsageError

__all__ = ["class_names", "note", "pct", "refuse_existing"]


def pct(value) -> str:
    """``12.34%`` for 0.1234, ``n/a`` for None."""
    return "n/a" if value is None else f"{100 * value:.2f}%"


def note(line: str) -> None:
    """A note on stderr (``ranvier: note: ...``), its control characters escaped."""
    print(f"ranvier: note: {printable(line)}", file=sys.stderr)


def refuse_existing(path: str | None, overwrite: bool, option: str) -> None:
    """Refuse to write ``option``'s file ``path`` over an existing one without ``--overwrite``, or onto a folder."""
    if path is not None and os.path.exists(path) and not overwrite:
        raise UsageError(f"{option} {path!r} exists; pass --overwrite to replace it")
    if path is not None and os.path.isdir(path):
        raise UsageError(f"{option} {path!r} is a folder; give a file name")


def class_names(saved) -> list[str]:
    """A saved model's class names, or ``0``, ``1``, ... when it has none."""
    return list(saved.class_names) if saved.class_names else [str(k) for k in range(saved.model.n_outputs)]
