"""The Trainer callbacks of the estimators (private): scikit-learn's stopping rule, the parameter path."""

from __future__ import annotations

import math
import sys

import numpy as np

from ..train import Callback, History, Trainer


class _Convergence(Callback):
    """scikit-learn's stopping rule, and the validation score of every epoch.

    An epoch "improves" when the monitored value beats the best so far by more
    than ``tol``: the training loss must fall below ``best - tol``, the
    validation score rise above ``best + tol``.  Training stops when more than
    ``patience`` epochs in a row did not improve.
    """

    def __init__(self, tol: float, patience: float, score=None, on_score: bool = False) -> None:
        self.tol, self.patience = tol, patience
        self.score = score  # (model, logs) -> validation score, or None without validation data
        self.on_score = on_score
        self.scores: list[float] = []
        self.best = -math.inf
        self.count = 0
        self.converged = False

    def on_epoch_end(self, trainer: Trainer, epoch: int, logs: dict) -> None:
        if self.score is not None:
            self.scores.append(float(self.score(trainer.model, logs)))
        value = self.scores[-1] if self.on_score else -logs["loss"]
        self.count = self.count + 1 if value < self.best + self.tol else 0
        self.best = max(self.best, value)
        if self.count > self.patience:
            self.converged = True
            trainer.stop_training = True

    def on_train_end(self, trainer: Trainer, history: History) -> None:
        if not self.converged:
            return
        what = "validation score" if self.on_score else "training loss"
        reason = (f"converged after epoch {history.n_epochs}: the {what} did not improve by more than "
                  f"tol={self.tol:g} for {int(self.patience) + 1} epochs in a row")
        # the Trainer says only that a callback stopped it
        _, sep, rest = history.stopped_reason.partition(";")
        history.stopped_reason = reason + sep + rest
        if trainer.verbose:
            print(reason, file=sys.stderr, flush=True)


class _PathRecorder(Callback):
    """The flat parameter vector after every epoch (the ``gd`` path)."""

    def __init__(self) -> None:
        self.rows: list[np.ndarray] = []

    def on_epoch_end(self, trainer: Trainer, epoch: int, logs: dict) -> None:
        self.rows.append(trainer.model.get_flat_params())
