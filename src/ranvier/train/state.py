"""The state of a run that carries from one epoch to the next: what a checkpoint saves.

The epoch loop (:mod:`ranvier.train.loop`) keeps it and :mod:`ranvier.train.checkpoint`
writes and reads it; both import it from here, so neither imports the other.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .history import History

__all__ = ["RunState"]


@dataclass
class RunState:
    """What carries from one epoch to the next, and what a checkpoint saves."""

    epoch: int  # epochs completed
    rng: np.random.Generator  # the shuffling generator
    history: History
    best_params: dict[str, np.ndarray]
    best_value: float | None = None
    limit: float | None = None  # divergence threshold, fixed by the first loss
    # the data the run trains on: {"rows": rows of X, "train_rows": of them for training,
    # "validation_split": fraction or None, "split_seed": its seed or None}; a resumed run must match
    data: dict | None = None
    dropout_rng: np.random.Generator | None = None  # the dropout masks' generator
    best_buffers: dict[str, np.ndarray] = field(default_factory=dict)  # running statistics of the best epoch
    # the state of callbacks that keep one (ReduceLROnPlateau), by class name, and the learning rate then
    callback_state: dict = field(default_factory=dict)
    lr: float | None = None
