"""The training loop: batch, minibatch and stochastic gradient descent.

A :class:`Trainer` drives any model that has ``params``, ``workspace(m)`` and
the unchecked ``_loss_and_grads`` of :class:`~ranvier.MLP` with any optimiser of
:mod:`ranvier.optim`, and returns a :class:`History`.  The lecture's three
modes are batch sizes:

* ``mode="batch"``: every step uses all ``m`` training examples;
* ``mode="minibatch"``: ``batch_size`` examples (``m > k > 1``; default 200);
* ``mode="stochastic"``: one example per step.

Examples are reshuffled every epoch by a generator seeded from ``seed``, so the
same seed gives the same run.  Each step gathers its batch into a buffer made
once (``np.take(..., out=)``), runs the forward and backward pass in the
model's workspace and updates the parameters in place: nothing large is
allocated per step.  A model's L2 term (``reg * W``) is handed to the
optimiser (``Optimizer.step``'s ``l2``) when it has no weight decay of its own,
rather than added to the gradients: the same numbers, and with the fused
updates (Numba) two passes over the weights fewer.

What the history reports
------------------------
``loss`` and ``accuracy`` of an epoch are the means over that epoch's steps of
the batch loss and accuracy, measured before each update (as Keras does);
``val_loss`` and ``val_accuracy`` are measured on the validation data after
the epoch.  Losses are the full objective: data loss plus the L2 term.
The best epoch is judged on the parameters it ended with: by the validation
metrics, or, when the monitor is a training metric (no validation data), by
the training data evaluated once more after the epoch (the step means above
were measured on other parameters); parameters that are not all finite are
never kept as the best.
"""

from __future__ import annotations

import importlib.util
import json
import math
import mmap
import os
import shutil
import sys
import time
import warnings
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from typing import Any, Iterable, Sequence

import numpy as np

from ._archive import atomic_write_text, json_safe
from ._validation import all_finite, check_int, check_positive, file_mapping
from .clipping import clip_grad_norm
from .minimize import DivergenceWarning
from .nn.networks import Sequential
from .optim import Optimizer, Schedule, get_optimizer

__all__ = ["Callback", "Checkpoint", "History", "Trainer", "evaluate"]

MODES = ("batch", "minibatch", "stochastic")
MONITORS = ("val_loss", "val_accuracy", "loss", "accuracy")


# -------------------------------------------------------------------- history
@dataclass
class History:
    """What happened during training (Keras's ``History``, plus the step losses).

    Attributes
    ----------
    epoch : dict of str to list
        One entry per epoch under ``loss``, ``accuracy``, ``val_loss``,
        ``val_accuracy`` (None without validation data), ``lr`` (the rate of
        the epoch's last step) and ``seconds``.
    step_loss : list of float
        The batch loss of every step, before its update.
    best_epoch : int or None
        The epoch (from 1) whose parameters the model holds at the end when
        the best ones were restored.
    stopped_reason : str
        Why training ended, in words.
    diverged : bool
        True when training stopped because the loss blew up.
    seconds : float
        Time of the training loop alone.
    """

    epoch: dict[str, list] = field(
        default_factory=lambda: {k: [] for k in ("loss", "accuracy", "val_loss", "val_accuracy", "lr", "seconds")}
    )
    step_loss: list[float] = field(default_factory=list)
    best_epoch: int | None = None
    stopped_reason: str = ""
    diverged: bool = False
    seconds: float = 0.0

    @property
    def n_epochs(self) -> int:
        """Number of epochs completed."""
        return len(self.epoch["loss"])

    def to_dict(self) -> dict:
        """JSON-friendly contents (NaN and infinities become None)."""
        return json_safe({
            "epoch": self.epoch,
            "step_loss": self.step_loss,
            "best_epoch": self.best_epoch,
            "stopped_reason": self.stopped_reason,
            "diverged": self.diverged,
            "seconds": self.seconds,
        })

    @classmethod
    def from_dict(cls, data: dict) -> "History":
        """The inverse of :meth:`to_dict`."""
        return cls(
            epoch={k: list(v) for k, v in data["epoch"].items()},
            step_loss=[math.nan if v is None else float(v) for v in data["step_loss"]],
            best_epoch=data.get("best_epoch"),
            stopped_reason=data.get("stopped_reason", ""),
            diverged=bool(data.get("diverged", False)),
            seconds=float(data.get("seconds", 0.0)),
        )

    def save(self, path: str | os.PathLike) -> None:
        """Write the history as JSON, atomically (write aside, then rename)."""
        atomic_write_text(path, json.dumps(self.to_dict(), indent=1))

    @classmethod
    def load(cls, path: str | os.PathLike) -> "History":
        """Read a history written by :meth:`save`.

        Raises
        ------
        ValueError
            The file is not such a history; the message names the file and
            the first field that is wrong.
        """
        from ._history_check import read_history_json

        return cls.from_dict(read_history_json(path))

    def __repr__(self) -> str:
        from ._repr import num

        if not self.n_epochs:
            return f"History(no epoch finished, {len(self.step_loss)} steps" + (
                f": {self.stopped_reason})" if self.stopped_reason else ")")
        last = {k: v[-1] for k, v in self.epoch.items() if v}
        shown = [f"{k} {num(last[k])}" for k in ("loss", "accuracy", "val_loss", "val_accuracy")
                 if last.get(k) is not None]
        best = f", best epoch {self.best_epoch}" if self.best_epoch is not None else ""
        why = f"; {self.stopped_reason}" if self.stopped_reason else ""
        return (f"History({self.n_epochs} epochs, {len(self.step_loss)} steps{best}; last epoch: "
                f"{', '.join(shown)}{why})")

    def _repr_html_(self) -> str:
        """A table of the epochs (the first and last 8 of a long run) for a notebook."""
        from ._repr import html_table, num

        keys = [k for k in ("loss", "accuracy", "val_loss", "val_accuracy", "lr", "seconds")
                if any(v is not None for v in self.epoch.get(k, []))]
        n = self.n_epochs
        shown = list(range(n)) if n <= 16 else [*range(8), None, *range(n - 8, n)]
        rows = [["..."] * (len(keys) + 1) if i is None else
                [f"{i + 1}" + (" (best)" if self.best_epoch == i + 1 else ""),
                 *(num(self.epoch[k][i]) for k in keys)] for i in shown]
        caption = f"{n} epochs, {len(self.step_loss)} steps, {self.seconds:.2f} s" + (
            f": {self.stopped_reason}" if self.stopped_reason else "")
        return html_table(["epoch", *keys], rows, caption)

    def to_dataframe(self):
        """The epochs as a :class:`pandas.DataFrame`: one row per epoch (indexed from 1),
        a column per quantity (``loss``, ``accuracy``, ``val_loss``, ...; None as NaN).

        Raises
        ------
        ImportError
            When pandas is not installed (``pip install pandas``).
        """
        try:
            import pandas as pd
        except ImportError:
            raise ImportError("History.to_dataframe needs pandas: pip install pandas "
                              "(history.epoch holds the same numbers as lists)") from None
        n = self.n_epochs
        columns = {k: [math.nan if v is None else v for v in vals[:n]] for k, vals in self.epoch.items()
                   if len(vals) >= n}
        return pd.DataFrame(columns, index=pd.RangeIndex(1, n + 1, name="epoch"), dtype=float)


# ------------------------------------------------------------------ callbacks
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


# -------------------------------------------------------------------- trainer
class Trainer:
    """Train a model by gradient descent on minibatches.

    Parameters
    ----------
    model : MLP or Sequential
        Trained in place: in training mode, its dropout masks drawn from a
        generator seeded from ``seed`` (apart from the shuffling, and kept in
        checkpoints); ``fit`` leaves it in evaluation mode, and the validation
        data are measured in evaluation mode.
    optimizer : str or Optimizer, default 'sgd'
        An :mod:`ranvier.optim` optimiser or its name (``sgd``, ``momentum``,
        ``nesterov``, ``adagrad``, ``rmsprop``, ``adam``, ``adamw``).
    lr : float, optional
        Learning rate of an optimiser given by name (its default otherwise).
    schedule : Schedule, optional
        Learning rate per step, ``schedule(step)``; overrides the optimiser's.
    batch_size : int, default 200
        Examples per step in ``minibatch`` mode (the last batch of an epoch
        holds the remainder).
    mode : {'minibatch', 'batch', 'stochastic'}, default 'minibatch'
        ``batch`` uses the whole training set per step, ``stochastic`` one
        example.
    epochs : int, default 10
    seed : int, default 0
        Seed of the shuffling (and of a validation split made by :meth:`fit`).
        The shuffling continues from one :meth:`fit` call to the next, as
        does the optimiser state: with ``restore_best=False``, two calls of
        ``n`` epochs train like one of ``2 n``.
    early_stopping : int, optional
        Patience: stop when the monitored quantity has not improved for this
        many epochs.
    monitor : {'val_loss', 'val_accuracy', 'loss', 'accuracy'}, optional
        What "best" means for early stopping and for restoring the best
        parameters; ``val_loss`` with validation data, else ``loss``.
    restore_best : bool, default True
        At the end, load the parameters of the best epoch (by ``monitor``).
    verbose : {0, 1, 2}, default 1
        0 silent, 1 a progress bar (a line per epoch when the output is not a
        terminal), 2 a line per epoch.
    callbacks : sequence of Callback, optional
    divergence_factor : float, default 1e3
        Training stops as diverged when a batch loss is NaN or infinite, or
        exceeds this factor times ``max(1, first loss)``.
    augment : callable, optional
        ``augment(X_batch, rng)`` changes each training batch in place (see
        :mod:`ranvier.augment`), drawing from the shuffling generator.
    clip_norm : float, optional
        Clip the gradients by their global norm before each update
        (:func:`ranvier.clipping.clip_grad_norm`, as
        ``torch.nn.utils.clip_grad_norm_``).  The clipped gradient is that
        of the whole objective, the L2 term included.
    class_weight : 'balanced' or dict, optional
        Weights of the classes (labels ``0 .. c-1``), multiplied into the
        sample weights of :meth:`fit`: ``'balanced'`` gives class ``k`` the
        weight ``n / (classes * n_k)`` over the training rows (scikit-learn's
        ``compute_class_weight``); a dict gives some classes a weight, the
        others keep 1.  The validation data are not class-weighted.
    threads : int, optional
        The BLAS threads during :meth:`fit` (threadpoolctl; the previous
        limits are restored when it returns).  None leaves BLAS as it is.
        On a busy machine one thread is often much faster than several.
    """

    def __init__(
        self,
        model,
        optimizer: str | Optimizer = "sgd",
        *,
        lr: float | None = None,
        schedule: Schedule | None = None,
        batch_size: int = 200,
        mode: str = "minibatch",
        epochs: int = 10,
        seed: int = 0,
        early_stopping: int | None = None,
        monitor: str | None = None,
        restore_best: bool = True,
        verbose: int = 1,
        callbacks: Sequence[Callback] = (),
        divergence_factor: float = 1e3,
        augment=None,
        clip_norm: float | None = None,
        class_weight=None,
        threads: int | None = None,
    ) -> None:
        from ._weights import check_class_weight, check_clip_norm, check_threads

        self.model = model
        if isinstance(optimizer, Optimizer):
            if lr is not None:
                optimizer = get_optimizer(**(optimizer.get_config() | {"lr": lr}))
            self.optimizer = optimizer
        else:
            self.optimizer = get_optimizer(optimizer, **({} if lr is None else {"lr": lr}))
        self.schedule = schedule
        if mode not in MODES:
            raise ValueError(f"mode must be one of {', '.join(MODES)}, got {mode!r}")
        self.mode = mode
        self.batch_size = check_int(batch_size, "batch_size")
        self.epochs = check_int(epochs, "epochs")
        if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
            raise TypeError(f"seed must be an integer, got {type(seed).__name__}")
        self.seed = int(seed)
        self.early_stopping = None if early_stopping is None else check_int(early_stopping, "early_stopping")
        if monitor is not None and monitor not in MONITORS:
            raise ValueError(f"monitor must be one of {', '.join(MONITORS)}, got {monitor!r}")
        self.monitor = monitor
        self.restore_best = bool(restore_best)
        if verbose not in (0, 1, 2):
            raise ValueError(f"verbose must be 0 (silent), 1 (progress bar) or 2 (a line per epoch), got {verbose!r}")
        self.verbose = verbose
        self.callbacks = list(callbacks)
        self.divergence_factor = check_positive(divergence_factor, "divergence_factor")
        if augment is not None and not callable(augment):
            raise TypeError(f"augment must be a callable augment(X_batch, rng), got {type(augment).__name__}")
        self.augment = augment
        self.clip_norm = check_clip_norm(clip_norm)
        self.class_weight = check_class_weight(class_weight)
        self.threads = check_threads(threads)
        self.stop_training = False
        self.state: dict | None = None
        self.history = History()
        self._progress: _Progress_State | None = None  # what a checkpoint saves
        self._resume = False
        self._rng = np.random.default_rng(seed)  # the shuffling, continued by every fit()
        self._dropout_rng = np.random.default_rng([self.seed, 2])  # dropout masks: apart, so shuffling is unchanged

    def __repr__(self) -> str:
        done = f", {self.history.n_epochs} epochs trained" if self.history.n_epochs else ""
        batch = {"batch": "batch", "stochastic": "stochastic"}.get(self.mode, f"minibatch of {self.batch_size}")
        return (f"Trainer({self.model!r}, {self.optimizer!r}, {batch}, epochs {self.epochs}, "
                f"seed {self.seed}{done})")

    # ---------------------------------------------------------------- public
    def fit(
        self,
        X: np.ndarray,
        y: np.ndarray,
        *,
        validation_data: tuple[np.ndarray, np.ndarray] | None = None,
        validation_split: float | None = None,
        allow_one_class: bool = False,
        sample_weight: np.ndarray | None = None,
    ) -> History:
        """Train the model; returns the :class:`History`.

        Parameters
        ----------
        X : ndarray of shape (m, n)
            Training inputs; converted once to the model's dtype.
        y : ndarray of shape (m,)
            Integer labels (or real targets of shape (m, c) for ``loss='squared'``).
        validation_data : (X_val, y_val) or (X_val, y_val, w_val), optional
            Held-out data measured after every epoch; with ``w_val`` the
            validation loss and accuracy are weighted means.
        validation_split : float, optional
            Instead of ``validation_data``: hold out this fraction of ``X``
            (a seeded random choice) for validation.
        allow_one_class : bool, default False
            Accept training labels of a single class (a batch of an
            incremental fit may hold one); an error otherwise.
        sample_weight : ndarray of shape (m,), optional
            Non-negative weight of each row, carried with it through the
            shuffling, the batches and ``validation_split`` (whose held-out
            rows are then measured with their weights).  Each step minimises
            its batch's weighted mean loss ``sum_i w_i l_i / sum_i w_i``; the
            history's ``loss`` and ``accuracy`` are weighted means too.
        """
        from ._weights import row_weights

        X, y = self._check_data(X, y, "X", "y")
        mapping = file_mapping(X)  # the checked X: a mapped file, not a copy of one
        rows = None
        sw = None if sample_weight is None else _checked_weights(sample_weight, len(X))
        val_w = None
        if validation_split is not None:
            if validation_data is not None:
                raise ValueError("pass validation_data or validation_split, not both")
            # the two parts are index arrays into X: the data are never copied
            rows, val_rows = _split(len(X), validation_split, self.seed)
            validation_data = (_Rows(X, val_rows), y[val_rows])
            if sw is not None:
                sw, val_w = sw[rows], _checked_weights(sw[val_rows], len(val_rows), "the validation rows' sample_weight")
            y = y[rows]
        self._check_training_set(y, allow_one_class=allow_one_class)
        if validation_data is not None and not isinstance(validation_data[0], _Rows):
            validation_data, val_w = self._check_validation(validation_data)
        w = row_weights(sw, self.class_weight, y, self.model.n_outputs, len(y))
        data = {"rows": int(len(X)), "train_rows": int(len(y)),
                "validation_split": None if validation_split is None else float(validation_split),
                "split_seed": None if validation_split is None else int(self.seed)}
        loop = _Loop(self, X, y, validation_data, rows=rows, mapping=mapping, data=data, weights=(w, val_w))
        return loop.run()

    def _check_validation(self, validation_data):
        """``((X_val, y_val), w_val or None)`` from a pair or a triple, checked."""
        if not isinstance(validation_data, (tuple, list)) or len(validation_data) not in (2, 3):
            raise ValueError("validation_data must be a pair (X_val, y_val) or a triple (X_val, y_val, w_val)")
        X_val, y_val = self._check_data(validation_data[0], validation_data[1], "X_val", "y_val")
        w_val = None
        if len(validation_data) == 3 and validation_data[2] is not None:
            w_val = _checked_weights(validation_data[2], len(X_val), "w_val")
        return (X_val, y_val), w_val

    def evaluate(self, X: np.ndarray, y: np.ndarray, *, sample_weight=None) -> tuple[float, float | None]:
        """Loss (with the L2 term) and accuracy of the model on ``X, y`` (weighted means with ``sample_weight``)."""
        X, y = self._check_data(X, y, "X", "y")
        w = None if sample_weight is None else _checked_weights(sample_weight, len(X))
        return _evaluate(self.model, X, y, sample_weight=w)

    # ------------------------------------------------------------ checkpoints
    def save_checkpoint(self, path: str | os.PathLike, *, extra: dict | None = None) -> None:
        """Write everything needed to continue this run, atomically.

        The file (an ``.npz``, no pickle) holds the parameters, the optimiser
        state (and so the schedule position, ``state["step"]``), the shuffling
        generator's state, the history, the best parameters so far and the
        number of epochs done, and the shape of the data (rows, training rows,
        ``validation_split`` and its seed).  Call it between epochs (a
        :class:`Checkpoint` callback does); :meth:`load_checkpoint` then
        :meth:`fit` on the same data continue exactly where the run stopped,
        and :meth:`fit` on other data (or another split) raises ValueError.

        Parameters
        ----------
        path : path-like
        extra : dict, optional
            JSON-friendly data stored alongside (``ranvier train`` keeps its
            options there).
        """
        from .checkpoint import write_checkpoint

        if self._progress is None or self.state is None:
            raise ValueError("nothing to checkpoint yet: call save_checkpoint during or after fit()")
        write_checkpoint(path, self, self._progress, extra or {})

    def load_checkpoint(self, path: str | os.PathLike) -> dict:
        """Load a checkpoint into this trainer and its model; the next :meth:`fit` resumes.

        The model must have the architecture of the checkpointed one and the
        optimiser its kind; ``fit`` must be given the same training data.

        Returns
        -------
        dict
            The ``extra`` data stored by :meth:`save_checkpoint`.
        """
        from .checkpoint import read_checkpoint

        self._progress, extra = read_checkpoint(path, self)
        for cb in self.callbacks:  # a callback that keeps state (ReduceLROnPlateau) continues where it was
            state = self._progress.callback_state.get(type(cb).__name__)
            if state is not None and hasattr(cb, "load_state_dict"):
                cb.load_state_dict(state)
                if getattr(cb, "sets_lr", False) and self._progress.lr is not None:
                    self.optimizer.lr = self._progress.lr
        self.history = self._progress.history
        self._rng = self._progress.rng
        self._dropout_rng = self._progress.dropout_rng
        self._resume = True
        return extra

    # --------------------------------------------------------------- helpers
    def _check_data(self, X, y, x_name: str, y_name: str) -> tuple[np.ndarray, np.ndarray]:
        return _check_data(self.model, X, y, x_name, y_name)

    def _check_training_set(self, y: np.ndarray, *, allow_one_class: bool = False) -> None:
        if y.ndim == 1 and not allow_one_class:
            classes = np.unique(y)
            if len(classes) < 2:
                raise ValueError(
                    f"y holds a single class ({classes[0]}); a classifier needs examples of at least two classes"
                )
        if _has_batch_norm(self.model):
            k = self._batch_size_for(len(y))
            if k == 1 or len(y) % k == 1:
                raise ValueError(
                    f"batch normalisation needs at least 2 examples per batch, but {len(y)} training examples in "
                    f"batches of {k} leave a batch of one sample; choose another batch_size (or mode)"
                )
        if self.mode == "minibatch" and self.batch_size > len(y):
            raise ValueError(
                f"batch_size={self.batch_size} is larger than the {len(y)} training examples; "
                f"use a batch_size <= {len(y)}, or mode='batch' to take them all at once"
            )

    def _batch_size_for(self, m: int) -> int:
        if self.mode == "batch":
            return m
        if self.mode == "stochastic":
            return 1
        return min(self.batch_size, m)

    def _monitor_name(self, has_val: bool, classify: bool = True) -> str:
        if self.monitor is not None and self.monitor.endswith("accuracy") and not classify:
            raise ValueError(f"monitor={self.monitor!r} needs class labels; with real-valued targets monitor a loss")
        if self.monitor is not None:
            if self.monitor.startswith("val_") and not has_val:
                raise ValueError(f"monitor={self.monitor!r} needs validation data; pass validation_data or validation_split")
            return self.monitor
        return "val_loss" if has_val else "loss"


def _check_data(model, X, y, x_name: str, y_name: str) -> tuple[np.ndarray, np.ndarray]:
    """``X`` as the model's dtype, ``y`` as int64 labels or (m, c) targets of that dtype; checked."""
    X = model._check_X(X, name=x_name)
    y = np.asarray(y)
    if len(y) != len(X):
        raise ValueError(f"{x_name} has {len(X)} rows but {y_name} has {len(y)} labels; pass one label per row")
    regression_values = model.loss_name == "squared" and model.n_outputs == 1
    if y.ndim == 1 and np.issubdtype(y.dtype, np.integer) and not regression_values:
        c = model.n_outputs
        if y.min() < 0 or y.max() >= c:
            raise ValueError(
                f"{y_name} must hold class labels in [0, {c}) for a model with {c} outputs, "
                f"got values in [{y.min()}, {y.max()}]"
            )
        return X, y.astype(np.int64, copy=False)
    if model.loss_name != "squared":
        raise TypeError(f"{y_name} must hold integer class labels, got dtype {y.dtype} of shape {y.shape}")
    y = y.astype(model.dtype, copy=False)
    if y.ndim == 1:
        y = y[:, None]
    if y.shape != (len(X), model.n_outputs) or not all_finite(y):
        raise ValueError(f"{y_name} must be finite targets of shape ({len(X)}, {model.n_outputs})")
    return X, y


def evaluate(model, X: np.ndarray, y: np.ndarray, batch_size: int = 2000, *,
             sample_weight=None) -> tuple[float, float | None]:
    """Mean loss (data loss plus the L2 term) and accuracy, in chunks.

    ``X`` and ``y`` are checked as :meth:`Trainer.evaluate` checks them.  The
    accuracy is None for real-valued targets.  With ``sample_weight`` both
    are weighted means (``sum_i w_i l_i / sum_i w_i``).
    """
    X, y = _check_data(model, X, y, "X", "y")
    w = None if sample_weight is None else _checked_weights(sample_weight, len(X))
    return _evaluate(model, X, y, batch_size, sample_weight=w)


def _checked_weights(sample_weight, m: int, name: str = "sample_weight") -> np.ndarray:
    from .nn.losses import check_sample_weight

    return check_sample_weight(sample_weight, m, name)


def _evaluate(model, X, y: np.ndarray, batch_size: int = 2000,
              workspaces: dict[int, Any] | None = None, sample_weight=None) -> tuple[float, float | None]:
    """evaluate() for checked data, in evaluation mode (no dropout, running statistics), the mode restored.

    ``workspaces`` (chunk size -> workspace) may be kept by a caller that evaluates again and again.
    """
    training = getattr(model, "training", False)
    if training:
        model.eval()
    try:
        if sample_weight is not None:
            return _evaluate_weighted(model, X, y, batch_size, workspaces, sample_weight)
        return _evaluate_chunks(model, X, y, batch_size, workspaces)
    finally:
        if training:
            model.train()


def _evaluate_chunks(model, X, y: np.ndarray, batch_size: int,
                     workspaces: dict[int, Any] | None) -> tuple[float, float | None]:
    # X of the model's dtype, or _Rows of it; y as _check_data makes it
    m = len(X)
    total_loss, correct = 0.0, 0
    workspaces = {} if workspaces is None else workspaces
    for start in range(0, m, batch_size):
        yb = y[start : start + batch_size]
        k = len(yb)
        ws = workspaces.get(k) or workspaces.setdefault(k, model.workspace(k))
        xb = X.take(start, k, ws) if isinstance(X, _Rows) else X[start : start + batch_size]
        scores = model._forward_into(xb, ws)
        if not np.isfinite(scores).all():  # the parameters blew up: no meaningful loss
            return math.nan, None if y.ndim != 1 else 0.0
        if yb.ndim == 1:
            correct += int(np.count_nonzero(scores.argmax(axis=1) == yb))
        data_loss, _ = model._data_loss(scores, yb, out=ws.deltas[-1], checked=True)
        total_loss += data_loss * k
    accuracy = correct / m if y.ndim == 1 else None
    return total_loss / m + model.reg_loss(), accuracy


def _evaluate_weighted(model, X, y: np.ndarray, batch_size: int, workspaces: dict[int, Any] | None,
                       w: np.ndarray) -> tuple[float, float | None]:
    # _evaluate_chunks with weights: sum_i w_i l_i / sum_i w_i, and the weight of the rows predicted right
    total_loss, correct, total = 0.0, 0.0, float(w.sum())
    workspaces = {} if workspaces is None else workspaces
    for start in range(0, len(X), batch_size):
        yb, wb = y[start : start + batch_size], w[start : start + batch_size]
        k = len(yb)
        ws = workspaces.get(k) or workspaces.setdefault(k, model.workspace(k))
        xb = X.take(start, k, ws) if isinstance(X, _Rows) else X[start : start + batch_size]
        scores = model._forward_into(xb, ws)
        if not np.isfinite(scores).all():
            return math.nan, None if y.ndim != 1 else 0.0
        if yb.ndim == 1:
            correct += float(wb[scores.argmax(axis=1) == yb].sum())
        data_loss, _ = model._data_loss(scores, yb, out=ws.deltas[-1], checked=True, sample_weight=wb)
        total_loss += data_loss * float(wb.sum())
    accuracy = correct / total if y.ndim == 1 else None
    return total_loss / total + model.reg_loss(), accuracy


# ----------------------------------------------------------------- the loop
@dataclass
class _Progress_State:
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


_READ_THREADS = 16  # threads that read the rows of a memory-mapped data set, a batch ahead
_DISK_BYTES_PER_S = 500e6  # rows gathered slower than this come from disk (memory gives GB/s)
_DISK_MIN_S = 200e-6  # ... if the gather took at least this long (not a tiny batch's fixed cost)


class _Reader:
    """Gathers rows of a memory-mapped ``X`` on a pool of threads.

    A row of a file larger than memory is a read from disk; one thread
    reading the rows of a batch one after another waits on each in turn,
    many threads keep the disk busy.  ``start`` returns at once, so the next
    batch is read while the current one is trained on.
    """

    def __init__(self, X: np.ndarray, threads: int = _READ_THREADS) -> None:
        self.X, self.threads = X, threads
        self.pool = ThreadPoolExecutor(threads, thread_name_prefix="ranvier-read")

    def start(self, idx: np.ndarray, out: np.ndarray) -> list[Future]:
        """Begin ``out[:] = X[idx]``; wait on the returned futures."""
        bounds = np.linspace(0, len(idx), min(self.threads, len(idx)) + 1).astype(int)
        return [self.pool.submit(np.take, self.X, idx[a:b], 0, out[a:b], "clip") for a, b in zip(bounds, bounds[1:])
                if b > a]

    def gather(self, idx: np.ndarray, out: np.ndarray) -> np.ndarray:
        _finish(self.start(idx, out))
        return out

    def close(self) -> None:
        self.pool.shutdown(wait=True)


def _finish(futures: list[Future]) -> None:
    """Wait for every read, then raise the first failure (no read is left writing)."""
    wait(futures)
    for future in futures:
        future.result()


class _Rows:
    """Some rows of a data matrix, by index, gathered a chunk at a time (never copied whole)."""

    def __init__(self, X: np.ndarray, rows: np.ndarray, reader: _Reader | None = None) -> None:
        self.X, self.rows, self.reader = X, rows, reader

    def __len__(self) -> int:
        return len(self.rows)

    def take(self, start: int, k: int, ws) -> np.ndarray:
        """Rows ``start:start + k`` gathered into the workspace's input buffer."""
        buffer = getattr(ws, "batch_X", None)
        if buffer is None or len(buffer) != k:
            buffer = ws.batch_X = np.empty((k, self.X.shape[1]), dtype=self.X.dtype)
        if self.reader is not None:
            return self.reader.gather(self.rows[start : start + k], buffer)
        np.take(self.X, self.rows[start : start + k], axis=0, out=buffer, mode="clip")
        return buffer


class _Loop:
    """One call of :meth:`Trainer.fit`: buffers, the epoch loop, bookkeeping.

    ``X`` is the whole input matrix and ``rows`` (when given) the indices of
    its training rows, ``y`` their labels: a validation split is never copied
    out of ``X``, which may be a memory-mapped file.
    """

    def __init__(self, trainer: Trainer, X, y, validation_data, rows: np.ndarray | None = None,
                 mapping: mmap.mmap | None = None, data: dict | None = None, weights=(None, None)) -> None:
        self.t = trainer
        self.w, self.val_w = weights  # float64 weights of the training rows (aligned with y) and validation rows
        self.model = trainer.model
        self.X, self.y, self.rows = X, y, rows
        self.mapping = mapping  # X is a memory-mapped file: its minibatches may be read ahead (_batches)
        self.val = validation_data
        self.m = len(y)
        self.k = trainer._batch_size_for(self.m)
        self.monitor = trainer._monitor_name(self.val is not None, classify=y.ndim == 1)
        if trainer._resume and trainer._progress is not None:
            self.p = trainer._progress
            _check_same_data(self.p.data, data)
        else:
            self.p = _Progress_State(
                epoch=0, rng=trainer._rng, history=History(),
                best_params={k: v.copy() for k, v in self.model.params.items()}, data=data,
                dropout_rng=trainer._dropout_rng, best_buffers=_buffer_copies(self.model),
            )
            trainer._progress = self.p
        trainer._resume = False
        self.history = trainer.history = self.p.history
        if trainer.state is None:
            trainer.state = trainer.optimizer.init(self.model.params)
        self.classify = y.ndim == 1
        self.progress = _Progress(trainer.verbose, trainer.epochs, math.ceil(self.m / self.k), self.k)
        self.interrupted = False

    def run(self) -> History:
        t = self.t
        t.stop_training = False
        if isinstance(self.model, Sequential):  # training mode, dropout masks from the run's generator
            self.model.train().set_rng(self.p.dropout_rng)
        for cb in t.callbacks:
            cb.on_train_begin(t)
        start = time.perf_counter()
        reason = f"finished {t.epochs} epochs"
        # overflow in a blown-up step is detected as divergence (a non-finite loss), not warned about
        self.reader = None
        from ._weights import blas_threads

        with _StopOnInterrupt(self), np.errstate(over="ignore", invalid="ignore", divide="ignore"), \
                blas_threads(t.threads):
            try:
                if self.mapping is not None and self.k < self.m:  # minibatches of a mapped file
                    self.reader = self._start_streaming()
                for epoch in range(self.p.epoch + 1, t.epochs + 1):
                    reason = self._epoch(epoch) or reason
                    if t.stop_training:
                        break
            except KeyboardInterrupt as exc:  # a second signal, or a Ctrl-C outside the main thread
                self.interrupted = True
                if self.stop_signal is None:
                    self.stop_signal = getattr(exc, "signum", 2)  # 2: SIGINT, a Ctrl-C
                reason = f"interrupted ({_how(self)}) during epoch {self.p.epoch + 1}"
            finally:
                self.progress.close()
                if self.reader is not None:
                    self._stop_streaming()
        if self.interrupted and not reason.startswith("interrupted"):
            reason = f"interrupted ({_how(self)}) after epoch {self.p.epoch}"
        self.history.seconds += time.perf_counter() - start
        if isinstance(self.model, Sequential):
            self.model.eval()  # a trained network is for predicting
        self._finish(reason)
        for cb in t.callbacks:
            cb.on_train_end(t, self.history)
        return self.history

    def _epoch(self, epoch: int) -> str | None:
        t, h = self.t, self.history
        tic = time.perf_counter()
        sum_loss, correct, lr = 0.0, 0, t.optimizer.lr
        self.progress.start_epoch(epoch)
        for xb, yb, ws in self._batches():
            step = t.state["step"]
            l2 = self._l2()
            extra = {"reg_grad": False} if l2 is not None else {}
            wb = None if self.w is None else ws.batch_w
            if wb is not None:
                extra["sample_weight"] = wb
            loss = self.model._loss_and_grads(xb, yb, ws, nonfinite="nan", **extra)
            if self._diverged(loss):
                h.diverged = True
                t.stop_training = True
                rate = _lr(t, step)
                message = (
                    f"training diverged at step {step + 1} (epoch {epoch}): the loss became {loss:.4g} "
                    f"with learning rate {rate:g}; try a smaller learning rate, such as {rate / 10:g}"
                )
                warnings.warn(message, DivergenceWarning, stacklevel=4)
                return message
            if self.classify:
                hits = ws.scores.argmax(axis=1) == yb
                correct += int(np.count_nonzero(hits)) if wb is None else float(wb[hits].sum())
            if t.clip_norm is not None:
                clip_grad_norm(ws.grads, t.clip_norm)
            lr = _lr(t, step)
            t.optimizer.step(self.model.params, ws.grads, t.state, lr=lr, l2=l2)
            sum_loss += loss * (len(xb) if wb is None else float(wb.sum()))
            h.step_loss.append(loss)
            self.progress.step(loss, len(xb))
            for cb in t.callbacks:
                cb.on_step_end(t, step + 1, {"loss": loss, "lr": lr})
            if self.interrupted:
                return f"interrupted ({_how(self)}) after step {step + 1}, in epoch {epoch}"
            if t.stop_training:
                return f"stopped by a callback at step {step + 1}"
        total = self.m if self.w is None else float(self.w.sum())
        logs = self._end_epoch(epoch, sum_loss / total, correct / total if self.classify else None, lr, tic)
        self.p.epoch = epoch
        for cb in t.callbacks:
            cb.on_epoch_end(t, epoch, logs)
        if t.stop_training:
            return f"interrupted ({_how(self)}) after epoch {epoch}" if self.interrupted else f"stopped by a callback after epoch {epoch}"
        return self._early_stop(epoch)

    def _l2(self) -> dict[str, float] | None:
        """The weights' L2 term for the optimiser to add in its own pass, or None (the model adds it).

        Asked every step: a callback may change the model's ``reg`` or the optimiser's decay.
        The result is the same bit for bit either way (``Optimizer.step``'s ``l2``).
        """
        model, optimizer = self.model, self.t.optimizer
        if self.t.clip_norm is not None:  # the gradient clipped is that of the whole objective
            return None
        if not (isinstance(model, Sequential) and model.reg > 0 and optimizer.folds_l2):
            return None
        return {name: model.reg for name in model.weight_names()}

    def _start_streaming(self) -> _Reader:
        # rows are read in random order: no read-ahead of neighbouring pages that would go unused
        if hasattr(self.mapping, "madvise") and hasattr(mmap, "MADV_RANDOM"):
            self.mapping.madvise(mmap.MADV_RANDOM)
        reader = _Reader(self.X)
        if self.val is not None and isinstance(self.val[0], _Rows):
            self.val[0].reader = reader
        return reader

    def _stop_streaming(self) -> None:
        self.reader.close()
        if self.val is not None and isinstance(self.val[0], _Rows):
            self.val[0].reader = None
        if hasattr(self.mapping, "madvise") and hasattr(mmap, "MADV_NORMAL"):
            try:
                self.mapping.madvise(mmap.MADV_NORMAL)
            except ValueError:  # the user closed the file meanwhile
                pass

    def _batches(self) -> Iterable[tuple[np.ndarray, np.ndarray, Any]]:
        """The epoch's batches: ``(X_batch, y_batch, workspace)``, reshuffled every epoch.

        Minibatches are gathered into the workspace's buffer.  For a
        memory-mapped X (``self.reader`` set), batches are timed until one
        arrives slower than memory could give it (:data:`_DISK_BYTES_PER_S`,
        and over :data:`_DISK_MIN_S`): its rows are on disk, and the rest of
        the epoch is then read on :class:`_Reader`'s threads, each batch while
        the one before is trained on (two input buffers take turns).  Rows in
        the page cache or in memory are gathered directly: threads would only
        take the cores from the matrix products.  Either way the batches, their
        order and so the training are the same.
        """
        m, k = self.m, self.k
        if k == m and self.t.augment is None:  # batch mode: the whole set in its order, no shuffling
            ws = self._workspace(m)
            ws.batch_w = self.w  # the training rows' weights, in their order (or None)
            if self.rows is None:
                yield self.X, self.y, ws
                return
            if not getattr(ws, "gathered", False):  # the training rows of a split, gathered once
                np.take(self.X, self.rows, axis=0, out=ws.batch_X, mode="clip")
                np.copyto(ws.batch_y, self.y)
                ws.gathered = True
            yield ws.batch_X, ws.batch_y, ws
            return
        order = self.p.rng.permutation(m)
        starts = range(0, m, k)
        spare: dict[int, np.ndarray] = {}  # a second input buffer per batch size, for reading ahead

        def batch(i: int):
            idx = order[starts[i] : starts[i] + k]
            ws = self._workspace(len(idx))
            xb = ws.batch_X
            if self.reader is not None and i % 2:  # streamed: consecutive batches in different buffers
                xb = spare.setdefault(len(idx), np.empty_like(ws.batch_X))
            return idx, (idx if self.rows is None else self.rows[idx]), xb, ws

        pending, from_disk = None, False  # pending: (idx, buffer, workspace, futures) read ahead
        try:
            for i in range(len(starts)):
                if pending is None:
                    idx, src, xb, ws = batch(i)
                    tic = time.perf_counter()
                    # mode="clip" lets NumPy write straight into out= (the indices are valid anyway)
                    np.take(self.X, src, axis=0, out=xb, mode="clip")
                    if self.reader is not None:
                        seconds = time.perf_counter() - tic
                        # slow per byte, and slow enough that the threads' round trip cannot cost more
                        from_disk = seconds > _DISK_MIN_S and xb.nbytes < _DISK_BYTES_PER_S * seconds
                else:
                    idx, xb, ws, futures = pending
                    _finish(futures)
                pending = None
                if from_disk and i + 1 < len(starts):
                    next_idx, next_src, next_xb, next_ws = batch(i + 1)
                    pending = (next_idx, next_xb, next_ws, self.reader.start(next_src, next_xb))
                np.take(self.y, idx, axis=0, out=ws.batch_y, mode="clip")
                if self.w is not None:
                    np.take(self.w, idx, out=ws.batch_w, mode="clip")
                if self.t.augment is not None:
                    self.t.augment(xb, self.p.rng)
                yield xb, ws.batch_y, ws
        finally:  # stopped early: let the read in flight finish before its buffer is dropped
            if pending is not None:
                wait(pending[3])

    def _workspace(self, size: int):
        cache = self.__dict__.setdefault("_workspaces", {})
        if size not in cache:
            ws = self.model.workspace(size)
            ws.batch_X = np.empty((size, self.X.shape[1]), dtype=self.X.dtype)
            ws.batch_y = np.empty((size, *self.y.shape[1:]), dtype=self.y.dtype)
            ws.batch_w = None if self.w is None else np.empty(size)
            cache[size] = ws
        return cache[size]

    def _diverged(self, loss: float) -> bool:
        if not math.isfinite(loss):
            return True
        if self.p.limit is None:
            self.p.limit = self.t.divergence_factor * max(1.0, loss)
        return loss > self.p.limit

    def _end_epoch(self, epoch: int, loss: float, accuracy, lr: float, tic: float) -> dict:
        h = self.history
        val_loss = val_acc = None
        if self.val is not None:
            val_loss, val_acc = _evaluate(self.model, *self.val, sample_weight=self.val_w)
        logs = {"loss": loss, "accuracy": accuracy, "val_loss": val_loss, "val_accuracy": val_acc,
                "lr": lr, "seconds": time.perf_counter() - tic}
        for key, value in logs.items():
            h.epoch[key].append(value)
        self.progress.end_epoch(epoch, logs)
        value = self._judged(logs)
        if value is not None and self._better(value) and all(all_finite(p) for p in self.model.params.values()):
            self.p.best_value = value
            h.best_epoch = epoch
            for name, p in self.model.params.items():
                np.copyto(self.p.best_params[name], p)
            for name, b in getattr(self.model, "buffers", {}).items():
                np.copyto(self.p.best_buffers[name], b)
        return logs

    def _judged(self, logs: dict) -> float | None:
        """The monitored value of the parameters as they are now, at the epoch's end.

        Validation metrics are measured on these parameters.  The history's
        training loss and accuracy are means over the epoch's steps, each
        taken before its update, so they judge no single set of parameters
        (after a blow-up in the last step, not these): a training monitor
        evaluates the training data once more, on these parameters.
        """
        if self.monitor.startswith("val_") or not (self.t.restore_best or self.t.early_stopping):
            return logs[self.monitor]  # (without restoring or stopping early, "best" only guards a blow-up)
        X = self.X if self.rows is None else _Rows(self.X, self.rows)
        loss, accuracy = _evaluate(self.model, X, self.y, workspaces=self.__dict__.setdefault("_train_eval", {}),
                                   sample_weight=self.w)
        return loss if self.monitor == "loss" else accuracy

    def _better(self, value: float) -> bool:
        if not math.isfinite(value):
            return False
        if self.p.best_value is None:
            return True
        best = self.p.best_value
        return value > best if self.monitor.endswith("accuracy") else value < best

    def _early_stop(self, epoch: int) -> str | None:
        patience = self.t.early_stopping
        best = self.history.best_epoch or 0
        if patience is not None and epoch - best >= patience:
            self.t.stop_training = True
            return f"early stopping after epoch {epoch}: {self.monitor} has not improved for {patience} epochs"
        return None

    def _finish(self, reason: str) -> None:
        h = self.history
        if not h.diverged and not all(all_finite(p) for p in self.model.params.values()):
            # the last updates blew up with no step after them to see it: diverged all the same
            h.diverged = True
            reason = (f"training diverged in its last step (step {len(h.step_loss)}): the parameters became NaN or "
                      f"infinite; try a smaller learning rate ({reason})")
            warnings.warn(reason, DivergenceWarning, stacklevel=4)
        restore = self.t.restore_best or h.diverged
        if restore and (h.best_epoch is not None or h.diverged):
            for name, p in self.model.params.items():
                np.copyto(p, self.p.best_params[name])
            for name, b in getattr(self.model, "buffers", {}).items():
                np.copyto(b, self.p.best_buffers[name])
            where = (f"epoch {h.best_epoch}" if h.best_epoch else "the start (no epoch finished)" if not h.n_epochs
                     else "the start (no epoch ended with finite, better parameters)")
            reason += f"; restored the parameters of {where}"
        elif not restore:
            h.best_epoch = None
        h.stopped_reason = reason
        self.progress.message(reason)


def _has_batch_norm(model) -> bool:
    from .nn.norm import BatchNorm

    return any(isinstance(layer, BatchNorm) for layer in getattr(model, "layers", ()))


def _buffer_copies(model) -> dict[str, np.ndarray]:
    return {k: v.copy() for k, v in getattr(model, "buffers", {}).items()}


def _check_same_data(saved: dict | None, now: dict | None) -> None:
    """A resumed run must see the data its checkpoint was made on (same rows, same split)."""
    if saved is None or now is None or saved == now:
        return
    def describe(d: dict) -> str:
        split = "no validation_split" if d["validation_split"] is None else (
            f"validation_split={d['validation_split']:g} (seed {d['split_seed']})")
        return f"{d['rows']} rows, {d['train_rows']} for training, {split}"
    raise ValueError(
        f"the checkpoint was made training on {describe(saved)}; this fit() got {describe(now)}. "
        "Resume on the same data with the same validation_split and Trainer seed"
    )


def _how(loop: "_Loop") -> str:
    """The words for what interrupted the loop: ``Ctrl-C``, ``SIGTERM``, ``SIGHUP``."""
    from ._signals import describe

    return describe(loop.stop_signal)


class _StopOnInterrupt:
    """While training, a first Ctrl-C, SIGTERM or SIGHUP ends the run after the current step.

    The step in progress finishes (so no parameter is left half updated),
    the best parameters are restored and ``fit`` returns normally, with the
    signal in ``trainer.stop_signal`` (None when no signal stopped it); a
    second signal interrupts at once (:class:`ranvier._signals.Interrupted`,
    a KeyboardInterrupt).  A signal that is ignored (``nohup``) stays
    ignored.  Only the main thread can handle signals: elsewhere a Ctrl-C
    arrives as KeyboardInterrupt, caught by the loop.
    """

    def __init__(self, loop: "_Loop") -> None:
        self.loop = loop
        self.previous: dict = {}

    def __enter__(self) -> "_StopOnInterrupt":
        import signal
        import threading

        from ._signals import STOP_SIGNALS

        self.loop.stop_signal = self.loop.t.stop_signal = None
        if threading.current_thread() is threading.main_thread():
            for s in STOP_SIGNALS:
                previous = signal.getsignal(s)
                if previous is not signal.SIG_IGN:
                    self.previous[s] = previous
                    signal.signal(s, self._handle)
        return self

    def _handle(self, signum, frame) -> None:
        from ._signals import Interrupted

        if self.loop.interrupted:
            raise Interrupted(signum)
        self.loop.interrupted = True
        self.loop.stop_signal = self.loop.t.stop_signal = signum
        self.loop.t.stop_training = True

    def __exit__(self, *exc) -> None:
        import signal

        if self.loop.stop_signal is not None:
            self.loop.t.stop_signal = self.loop.stop_signal
        for s, handler in self.previous.items():
            signal.signal(s, handler if handler is not None else signal.SIG_DFL)
        self.previous.clear()


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


def _lr(trainer: Trainer, step: int) -> float:
    return trainer.schedule(step) if trainer.schedule is not None else trainer.optimizer.lr


# -------------------------------------------------------------- progress bar
_BAR_FORMAT = "{desc} {percentage:3.0f}%|{bar}| {n_fmt}/{total_fmt} [{elapsed}<{remaining}] {postfix}"


def _in_kernel() -> bool:
    """True inside a Jupyter (IPython) kernel; IPython is not imported to find out."""
    ipython = sys.modules.get("IPython")
    shell = getattr(ipython, "get_ipython", lambda: None)() if ipython is not None else None
    return shell is not None and getattr(shell, "kernel", None) is not None


def _progress_kind(verbose: int, file) -> str:
    """``silent`` (verbose 0), ``notebook`` (a live bar in a Jupyter kernel), ``terminal``
    (a bar that redraws in place) or ``lines`` (a line per epoch: verbose 2, or output
    that is not a terminal, such as a log file)."""
    if verbose == 0:
        return "silent"
    if verbose == 1 and _in_kernel():
        return "notebook"
    if verbose == 1 and getattr(file, "isatty", lambda: False)():
        return "terminal"
    return "lines"


class _Progress:
    """The progress of training: a live bar in Jupyter (tqdm's widget when ipywidgets is
    there, else its text bar, which Jupyter redraws in place), a bar that redraws in place
    on a terminal, else a line per epoch.  On a terminal the epoch's line is cut to the
    terminal's width by dropping the least useful numbers first (:func:`_epoch_line`), so
    the validation numbers always show; in a notebook the lines go to stdout, not to
    stderr's red boxes."""

    def __init__(self, verbose: int, epochs: int, steps: int, batch_size: int) -> None:
        self.verbose = verbose
        self.epochs = epochs
        self.steps = steps
        self.kind = _progress_kind(verbose, sys.stderr)
        self.file = sys.stdout if _in_kernel() else sys.stderr  # a notebook shows stderr in red
        self.live = self.kind in ("notebook", "terminal")
        self.bar = None
        self.seen = 0
        self.tic = time.perf_counter()

    def start_epoch(self, epoch: int) -> None:
        self.seen, self.loss_sum, self.tic = 0, 0.0, time.perf_counter()
        if self.live:
            self.bar = _bar(self.kind, self.file, self.steps, f"epoch {epoch}/{self.epochs}")

    def step(self, loss: float, n: int) -> None:
        self.seen += n
        self.loss_sum += loss * n
        if self.bar is not None:
            self.bar.update(1)
            if self.bar.n % 10 == 0 or self.bar.n == self.steps:
                rate = self.seen / max(time.perf_counter() - self.tic, 1e-9)
                self.bar.set_postfix_str(_bar_postfix(self.loss_sum / self.seen, rate), refresh=False)

    def end_epoch(self, epoch: int, logs: dict) -> None:
        if self.kind == "silent":
            return
        if self.kind == "notebook" and self.bar is not None:
            self.bar.set_postfix_str(_epoch_line(epoch, self.epochs, logs, self.seen).split(": ", 1)[1], refresh=True)
            self.close()
            return
        self.close()  # the terminal's bar clears itself; the epoch's line takes its place
        width = shutil.get_terminal_size((80, 24)).columns - 1 if self.kind == "terminal" else None
        print(_epoch_line(epoch, self.epochs, logs, self.seen, width), file=self.file, flush=True)

    def message(self, text: str) -> None:
        if self.verbose:
            print(text, file=self.file, flush=True)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None


def _bar(kind: str, file, steps: int, desc: str):
    """A tqdm bar of ``steps`` steps: the notebook widget where ipywidgets is installed."""
    if kind == "notebook" and importlib.util.find_spec("ipywidgets") is not None:
        from tqdm.auto import tqdm

        return tqdm(total=steps, desc=desc, unit="step", leave=True, mininterval=0.2)
    from tqdm.std import tqdm

    return tqdm(total=steps, desc=desc, unit="step", file=file, leave=kind == "notebook", dynamic_ncols=True,
                mininterval=0.2, bar_format=_BAR_FORMAT)


def _bar_postfix(loss: float, rate: float) -> str:
    """``loss 0.1234, 12.3k ex/s``: short enough for the bar to fit 80 columns."""
    from tqdm.std import tqdm

    return f"loss {loss:.4f}, {tqdm.format_sizeof(rate)} ex/s"


def _epoch_line(epoch: int, epochs: int, logs: dict, seen: int, width: int | None = None) -> str:
    """``epoch 3/20: loss ..., acc ..., val_loss ..., val_acc ..., 0.42s, 12,345 ex/s``.

    With ``width``, the numbers that do not fit are dropped, the least useful first
    (the speed, the time, the training accuracy, the training loss): the validation
    numbers are never dropped.
    """
    head = f"epoch {epoch}/{epochs}: "
    parts = [("loss", f"loss {logs['loss']:.4f}")]
    if logs["accuracy"] is not None:
        parts.append(("acc", f"acc {logs['accuracy']:.4f}"))
    if logs["val_loss"] is not None:
        parts.append(("val", f"val_loss {logs['val_loss']:.4f}"))
    if logs["val_accuracy"] is not None:
        parts.append(("val", f"val_acc {logs['val_accuracy']:.4f}"))
    rate = seen / max(logs["seconds"], 1e-9)
    parts += [("seconds", f"{logs['seconds']:.2f}s"), ("rate", f"{rate:,.0f} ex/s")]
    has_val = any(k == "val" for k, _ in parts)
    line = head + ", ".join(text for _, text in parts)
    for drop in ("rate", "seconds", "acc", "loss") if has_val else ("rate", "seconds", "acc"):
        if width is None or len(line) <= width:
            break
        parts = [(k, t) for k, t in parts if k != drop]
        line = head + ", ".join(text for _, text in parts)
    return line


# ------------------------------------------------------------------ helpers
def _split(m: int, fraction: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Indices of the training and the validation rows of ``m`` (a seeded random choice)."""
    fraction = float(fraction)
    if not 0 < fraction < 1:
        raise ValueError(f"validation_split must be a fraction in (0, 1), got {fraction}")
    n_val = int(round(m * fraction))
    if n_val < 1 or n_val >= m:
        raise ValueError(f"validation_split={fraction} leaves no data for training or validation with {m} rows")
    order = np.random.default_rng([seed, 1]).permutation(m)
    return order[n_val:], order[:n_val]
