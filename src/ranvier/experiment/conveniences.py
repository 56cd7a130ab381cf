"""The training conveniences of ``ranvier train`` (issue 16): options that become callbacks and checks.

``--class-weight balanced|0:1,1:5``, ``--clip-norm``, ``--threads``, ``--schedule plateau``
(``--decay`` its factor, ``--patience`` its patience), ``--log-csv`` and ``--tensorboard``
(appended to on ``--resume``), and ``--resume CHECKPOINT --epochs N``.
"""

from __future__ import annotations

import math
import os

from .build import _monitor

__all__ = ["parse_class_weight"]


def parse_class_weight(text: str | None):
    """``None``, ``"balanced"``, or ``"0:1,1:5"`` as ``{0: 1.0, 1: 5.0}`` (class index: weight).

    Raises
    ------
    ValueError
        The text is neither; the message shows the form.
    """
    if text is None or text == "balanced":
        return text
    form = "class_weight must be 'balanced' or class:weight pairs such as 0:1,1:5"
    weights: dict[int, float] = {}
    for part in str(text).split(","):
        key, sep, value = part.strip().partition(":")
        try:
            k, v = int(key), float(value)
        except ValueError:
            raise ValueError(f"{form}, got {text!r}") from None
        if not sep or k < 0 or not math.isfinite(v) or v < 0:
            raise ValueError(f"{form} (classes >= 0, finite weights >= 0), got {text!r}")
        if k in weights:
            raise ValueError(f"class_weight gives class {k} twice in {text!r}")
        weights[k] = v
    return weights


def _check_conveniences(o) -> None:
    """The options of this module in range (a config file bypasses argparse)."""
    parse_class_weight(o.class_weight)
    if o.clip_norm is not None and not (o.clip_norm > 0 and math.isfinite(o.clip_norm)):
        raise ValueError(f"option 'clip_norm' must be a positive number, got {o.clip_norm}")
    if o.schedule.replace("-", "_") == "plateau":
        if o.warmup:
            raise ValueError("the plateau schedule has no warm-up; drop --warmup or choose another --schedule")
        if not 0 < o.decay < 1:
            raise ValueError(f"--schedule plateau multiplies the rate by --decay, which must be in (0, 1), got {o.decay}")


def _convenience_callbacks(o, resuming: bool) -> list:
    """The callbacks these options ask for: the plateau schedule first, then the logs (epoch order matters:
    a log shows the rate the plateau set for the next epoch only from the next row on)."""
    callbacks = []
    if o.schedule.replace("-", "_") == "plateau":
        from ..train.plateau import ReduceLROnPlateau

        callbacks.append(ReduceLROnPlateau(_monitor(o), mode="max" if _monitor(o).endswith("accuracy") else "min",
                                           factor=o.decay, patience=o.patience))
    if o.log_csv is not None:
        from ..train.loggers import CSVLogger

        folder = os.path.dirname(os.path.abspath(o.log_csv))
        if not os.path.isdir(folder):
            raise ValueError(f"--log-csv {o.log_csv}: the folder {folder} does not exist; create it first")
        if os.path.exists(o.log_csv) and not resuming:
            raise ValueError(f"--log-csv {o.log_csv} exists; remove it or choose another file (--resume appends to it)")

        callbacks.append(CSVLogger(o.log_csv, append=resuming))
    if o.tensorboard is not None:
        from ..train.loggers import TensorBoard

        callbacks.append(TensorBoard(o.tensorboard))
    return callbacks


def _more_epochs(options, epochs: int, meta: dict, checkpoint) -> None:
    """``resume(..., epochs=N)``: N must pass the epochs done; the options then say N."""
    if isinstance(epochs, bool) or not isinstance(epochs, int):
        raise TypeError(f"epochs must be an integer, got {type(epochs).__name__}")
    done = int(meta.get("epoch", 0))
    if epochs <= done:
        raise ValueError(f"{os.fspath(checkpoint)} has {done} epochs done; --epochs gives the new total, which must "
                         f"be larger than {done} (got {epochs})")
    options.epochs = epochs
