"""The training loop: batch, minibatch and stochastic gradient descent.

A :class:`Trainer` drives any model with the members of
:class:`~ranvier.train.step.TrainableModel` (a :class:`~ranvier.Sequential`,
an :class:`~ranvier.MLP`, or a model of one's own: the protocol is written
out there) with any optimiser of :mod:`ranvier.optim`, and returns a
:class:`~ranvier.train.History`.  The lecture's three modes are
batch sizes:

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
updates (Numba) two passes over the weights fewer (the step's agreements with
the model are written out in :mod:`ranvier.train.step`; the epoch loop is
:mod:`ranvier.train.loop`).

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

import os
from typing import Sequence

import numpy as np

from .._validation import check_int, check_positive, file_mapping
from ..optim import Optimizer, Schedule, get_optimizer
from ._weights import check_class_weight, check_clip_norm, check_threads, row_weights
from .callbacks import Callback
from .checkpoint import read_checkpoint, write_checkpoint
from .evaluation import _check_data, _checked_weights, _evaluate
from .history import History
from .loop import _Loop
from .state import RunState
from .streaming import _Rows

__all__ = ["Trainer"]

MODES = ("batch", "minibatch", "stochastic")
MONITORS = ("val_loss", "val_accuracy", "loss", "accuracy")


class Trainer:
    """Train a model by gradient descent on minibatches.

    Parameters
    ----------
    model : MLP, Sequential or a model of one's own (:class:`~ranvier.train.step.TrainableModel`)
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
        :mod:`ranvier.datasets.augment`), drawing from the shuffling generator.
    clip_norm : float, optional
        Clip the gradients by their global norm before each update
        (:func:`ranvier.train.clipping.clip_grad_norm`, as
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
        self.model = model
        self.optimizer = _optimizer(optimizer, lr)
        self.schedule = schedule
        self.mode = _one_of(mode, "mode", MODES)
        self.batch_size = check_int(batch_size, "batch_size")
        self.epochs = check_int(epochs, "epochs")
        if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
            raise TypeError(f"seed must be an integer, got {type(seed).__name__}")
        self.seed = int(seed)
        self.early_stopping = None if early_stopping is None else check_int(early_stopping, "early_stopping")
        self.monitor = None if monitor is None else _one_of(monitor, "monitor", MONITORS)
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
        self._progress: RunState | None = None  # what a checkpoint saves
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



def _optimizer(optimizer: str | Optimizer, lr: float | None) -> Optimizer:
    """The optimiser of a name or an instance; with ``lr``, a copy of it at that rate."""
    if isinstance(optimizer, Optimizer):
        return optimizer if lr is None else get_optimizer(**(optimizer.get_config() | {"lr": lr}))
    return get_optimizer(optimizer, **({} if lr is None else {"lr": lr}))


def _one_of(value, name: str, choices: tuple[str, ...]):
    """``value`` when it is one of ``choices``; else a ValueError that lists them."""
    if value not in choices:
        raise ValueError(f"{name} must be one of {', '.join(choices)}, got {value!r}")
    return value


def _has_batch_norm(model) -> bool:
    from ..nn.norm import BatchNorm

    return any(isinstance(layer, BatchNorm) for layer in getattr(model, "layers", ()))


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
