"""Training callbacks: the :class:`Callback` hooks, and :class:`Checkpoint`, which saves a run as it goes.

The other callbacks have modules of their own (Keras keeps one module per
callback): :mod:`ranvier.train.plateau` (``ReduceLROnPlateau``) and
:mod:`ranvier.train.loggers` (``CSVLogger``, ``TensorBoard``).
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from .._validation import check_int
from .history import History

if TYPE_CHECKING:  # for the annotations only: the Trainer imports this module
    from .trainer import Trainer

__all__ = ["Callback", "Checkpoint"]


class Callback:
    """Base class of training callbacks; override the hooks you need.

    A callback may set ``trainer.stop_training = True`` to end training after
    the current step.
    """

    def on_train_begin(self, trainer: "Trainer") -> None:
        """Called once before the first step."""

    def on_step_end(self, trainer: "Trainer", step: int, logs: dict) -> None:
        """Called after every step; ``logs`` has ``loss`` and ``lr``."""

    def on_epoch_end(self, trainer: "Trainer", epoch: int, logs: dict) -> None:
        """Called after every epoch; ``logs`` has the epoch's history entries."""

    def on_train_end(self, trainer: "Trainer", history: History) -> None:
        """Called once when training ends, for whatever reason."""


class Checkpoint(Callback):
    """Write a checkpoint every ``every`` epochs (see :meth:`Trainer.save_checkpoint`).

    Parameters
    ----------
    path : path-like
        The checkpoint file, rewritten atomically each time.
    every : int, default 1
        Epochs between checkpoints.
    extra : dict, optional
        JSON-friendly data stored with it.
    """

    def __init__(self, path: str | os.PathLike, every: int = 1, extra: dict | None = None) -> None:
        self.path = path
        self.every = check_int(every, "every")
        self.extra = extra or {}

    def on_epoch_end(self, trainer: "Trainer", epoch: int, logs: dict) -> None:
        if epoch % self.every == 0:
            trainer.save_checkpoint(self.path, extra=self.extra)

