"""Reduce the learning rate when a monitored quantity stops improving.

:class:`ReduceLROnPlateau` follows ``torch.optim.lr_scheduler.ReduceLROnPlateau``
rule for rule, so that the learning rates of a run can be compared with
PyTorch's epoch by epoch.  After each epoch it is given the monitored value
``v`` (``val_loss`` by default):

* ``v`` is *better* than the best so far when, for ``mode="min"``,
  ``v < best * (1 - threshold)`` (``threshold_mode="rel"``) or
  ``v < best - threshold`` (``"abs"``); mirrored for ``mode="max"``;
* a better value resets the count of bad epochs, any other adds one;
  during a cool-down (``cooldown`` epochs after a reduction) bad epochs are
  not counted;
* when more than ``patience`` epochs in a row were bad, the learning rate
  becomes ``max(lr * factor, min_lr)`` (unchanged when that changes it by no
  more than ``eps``), and the cool-down starts.
"""

from __future__ import annotations

import math

from .callbacks import Callback

__all__ = ["ReduceLROnPlateau"]


def _number(value, name: str, *, low: float, high: float = math.inf, open_low: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ValueError(f"{name} must be a finite number, got {value!r}")
    if value < low or (open_low and value == low) or value > high:
        bounds = f"{'(' if open_low else '['}{low:g}, {high:g}{']' if high < math.inf else ')'}"
        raise ValueError(f"{name} must lie in {bounds}, got {value!r}")
    return float(value)


class ReduceLROnPlateau(Callback):
    """A callback that multiplies the optimiser's learning rate by ``factor`` on a plateau.

    Parameters
    ----------
    monitor : str, default "val_loss"
        A key of the epoch's logs (``val_loss``, ``val_accuracy``, ``loss``, ``accuracy``).
    mode : {"min", "max"}, default "min"
    factor : float, default 0.1
        In (0, 1).
    patience : int, default 10
        Bad epochs tolerated before a reduction.
    threshold : float, default 1e-4
    threshold_mode : {"rel", "abs"}, default "rel"
    cooldown : int, default 0
    min_lr : float, default 0
    eps : float, default 1e-8

    Notes
    -----
    It sets ``trainer.optimizer.lr``, which the Trainer uses when no ``schedule`` is given; it
    refuses to run beside a schedule (the two would fight over the learning rate).  Its own
    counters are in :meth:`state_dict`.

    Examples
    --------
    >>> plateau = ReduceLROnPlateau(patience=1, factor=0.5)
    >>> [plateau.step(v, 1.0) for v in (3.0, 2.0, 2.0, 2.0, 2.0)]
    [1.0, 1.0, 1.0, 0.5, 0.5]
    """

    sets_lr = True  # a resumed run takes the rate it had set from the checkpoint

    def __init__(self, monitor: str = "val_loss", *, mode: str = "min", factor: float = 0.1, patience: int = 10,
                 threshold: float = 1e-4, threshold_mode: str = "rel", cooldown: int = 0, min_lr: float = 0.0,
                 eps: float = 1e-8) -> None:
        if mode not in ("min", "max"):
            raise ValueError(f"mode must be 'min' or 'max', got {mode!r}")
        if threshold_mode not in ("rel", "abs"):
            raise ValueError(f"threshold_mode must be 'rel' or 'abs', got {threshold_mode!r}")
        for name, value in (("patience", patience), ("cooldown", cooldown)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ValueError(f"{name} must be a non-negative integer, got {value!r}")
        self.monitor, self.mode, self.threshold_mode = str(monitor), mode, threshold_mode
        self.factor = _number(factor, "factor", low=0.0, high=1.0, open_low=True)
        if self.factor == 1.0:
            raise ValueError("factor must be below 1 (1 would never reduce the learning rate)")
        self.threshold = _number(threshold, "threshold", low=0.0)
        self.min_lr = _number(min_lr, "min_lr", low=0.0)
        self.eps = _number(eps, "eps", low=0.0)
        self.patience, self.cooldown = patience, cooldown
        self.best = math.inf if mode == "min" else -math.inf
        self.num_bad_epochs = 0
        self.cooldown_counter = 0

    def is_better(self, value: float) -> bool:
        """Whether ``value`` improves on the best so far by more than the threshold."""
        if self.mode == "min":
            bound = self.best * (1.0 - self.threshold) if self.threshold_mode == "rel" else self.best - self.threshold
            return value < bound
        bound = self.best * (self.threshold + 1.0) if self.threshold_mode == "rel" else self.best + self.threshold
        return value > bound

    def step(self, value: float, lr: float) -> float:
        """Take one epoch's monitored ``value``; return the learning rate to use from now on."""
        value = float(value)
        if self.is_better(value):
            self.best, self.num_bad_epochs = value, 0
        else:
            self.num_bad_epochs += 1
        if self.cooldown_counter > 0:
            self.cooldown_counter -= 1
            self.num_bad_epochs = 0
        if self.num_bad_epochs > self.patience:
            new_lr = max(lr * self.factor, self.min_lr)
            if lr - new_lr > self.eps:
                lr = new_lr
            self.cooldown_counter, self.num_bad_epochs = self.cooldown, 0
        return lr

    def state_dict(self) -> dict:
        """The counters that carry from one epoch to the next."""
        return {"best": self.best, "num_bad_epochs": self.num_bad_epochs, "cooldown_counter": self.cooldown_counter}

    def load_state_dict(self, state: dict) -> None:
        """Restore what :meth:`state_dict` returned."""
        best = state["best"]  # None: a JSON file's infinity (nothing seen yet)
        self.best = float(best) if best is not None else (math.inf if self.mode == "min" else -math.inf)
        self.num_bad_epochs, self.cooldown_counter = int(state["num_bad_epochs"]), int(state["cooldown_counter"])

    # ------------------------------------------------------------ the callback
    def on_train_begin(self, trainer) -> None:
        if trainer.schedule is not None:
            raise ValueError("ReduceLROnPlateau sets the optimiser's learning rate: train without a schedule")

    def on_epoch_end(self, trainer, epoch: int, logs: dict) -> None:
        if self.monitor not in logs or logs[self.monitor] is None:
            have = ", ".join(k for k, v in logs.items() if v is not None)
            raise ValueError(f"ReduceLROnPlateau monitors {self.monitor!r}, which this run does not log ({have}); "
                             "pass monitor='loss' when training without validation data")
        trainer.optimizer.lr = self.step(logs[self.monitor], trainer.optimizer.lr)
