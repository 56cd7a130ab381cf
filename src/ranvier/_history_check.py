"""Checks of a training history read back from a file (``history.json``, a checkpoint's metadata).

:meth:`ranvier.train.History.from_dict` trusts its input; a damaged or
hand-edited file would fail later with a ``TypeError`` inside a format string,
an ``OverflowError`` in ``float()``, or plot nonsense.  :func:`history_problem`
names the first field that is not what :meth:`History.to_dict` writes.
"""

from __future__ import annotations

import math

__all__ = ["EPOCH_KEYS", "MAX_HISTORY_BYTES", "history_problem"]

EPOCH_KEYS = ("loss", "accuracy", "val_loss", "val_accuracy", "lr", "seconds")
MAX_HISTORY_BYTES = 256 * 2**20  # a history.json of a run of millions of steps is a few tens of MB


def _real(v) -> bool:
    """A JSON number that ``float()`` takes without overflow, finite."""
    if type(v) is int:
        return abs(v) < 2**1023
    return type(v) is float and math.isfinite(v)


def _real_or_none(v) -> bool:
    return v is None or _real(v)


def _epoch_problem(epoch) -> str | None:
    if not isinstance(epoch, dict):
        return f"'epoch' must be an object of lists, got {type(epoch).__name__}"
    missing = [k for k in EPOCH_KEYS if k not in epoch]
    if missing:
        return f"'epoch' lacks {', '.join(missing)}"
    lengths = set()
    for key, values in epoch.items():
        if not isinstance(values, list):
            return f"'epoch.{key}' must be a list, got {type(values).__name__}"
        # None stands for "not measured" (no validation data) or NaN; seconds and lr are always measured
        ok = _real if key in ("lr", "seconds") else _real_or_none
        bad = next((v for v in values if not ok(v)), "ok")
        if bad != "ok":
            return f"'epoch.{key}' holds {str(bad)[:30]!r} ({type(bad).__name__}), not a number"
        if key == "seconds" and any(v < 0 for v in values):
            return "'epoch.seconds' holds a negative time"
        lengths.add(len(values))
    if len(lengths) > 1:
        return f"the lists of 'epoch' have different lengths ({sorted(lengths)})"
    return None


def history_problem(data) -> str | None:
    """What is wrong with ``data`` as the output of ``History.to_dict()``; None if nothing.

    Examples
    --------
    >>> history_problem({"epoch": {}, "step_loss": []})
    "'epoch' lacks loss, accuracy, val_loss, val_accuracy, lr, seconds"
    """
    if not isinstance(data, dict):
        return f"a history must be a JSON object, got {type(data).__name__}"
    problem = _epoch_problem(data.get("epoch"))
    if problem:
        return problem
    steps = data.get("step_loss")
    if not isinstance(steps, list) or not all(_real_or_none(v) for v in steps):
        return "'step_loss' must be a list of numbers (or null for NaN)"
    n_epochs = len(data["epoch"]["loss"])
    best = data.get("best_epoch")
    if best is not None and not (type(best) is int and 1 <= best <= n_epochs):
        return f"'best_epoch' must be an epoch from 1 to {n_epochs} or null, got {str(best)[:30]!r}"
    if not isinstance(data.get("stopped_reason", ""), str):
        return "'stopped_reason' must be a string"
    if not isinstance(data.get("diverged", False), bool):
        return "'diverged' must be true or false"
    seconds = data.get("seconds", 0.0)
    if not (_real(seconds) and seconds >= 0):
        return f"'seconds' must be a number >= 0, got {str(seconds)[:30]!r}"
    return None


def read_history_json(path) -> dict:
    """The JSON of a ``history.json``, checked; ValueError naming the file and the field otherwise."""
    import json
    import os
    import stat

    info = os.stat(path)  # before opening: opening a FIFO would wait for a writer
    if not stat.S_ISREG(info.st_mode):
        raise ValueError(f"{path}: not a regular file; a history is the history.json that 'ranvier train' writes")
    if info.st_size > MAX_HISTORY_BYTES:
        raise ValueError(f"{path}: {info.st_size} bytes is more than a history file holds "
                         f"(at most {MAX_HISTORY_BYTES})")
    with open(path, "rb") as f:
        raw = f.read(MAX_HISTORY_BYTES + 1)
    if len(raw) > MAX_HISTORY_BYTES:
        raise ValueError(f"{path}: more than {MAX_HISTORY_BYTES} bytes; not a history file")
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:  # JSONDecodeError is a ValueError
        raise ValueError(f"{path}: not a history file: not valid JSON ({type(exc).__name__}: {exc})") from None
    problem = history_problem(data)
    if problem:
        raise ValueError(f"{path}: not a history file written by ranvier: {problem}")
    return data
