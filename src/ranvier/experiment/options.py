"""The options of a training run: :class:`TrainOptions`, read from a dict (a TOML file) with their types checked.

Every option of ``ranvier train`` is a field of :class:`TrainOptions`;
:meth:`TrainOptions.from_dict` takes a parsed config file (``-`` or ``_`` in
the names) and checks each value's type (``_coerce``) before anything runs.
The checks of ranges and combinations are in :mod:`ranvier.experiment.checks`.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

__all__ = ["MODELS", "TrainOptions"]

MODELS = ("linear", "mlp")


@dataclass
class TrainOptions:
    """Every option of a training run, with the defaults of ``ranvier train``.

    Attributes
    ----------
    data : str
        Data set name (see :data:`ranvier.datasets.DATASETS`).
    data_dir : str or None
        Folder of the data files (CIFAR-10, MNIST, Fashion-MNIST).
    model : {'linear', 'mlp'}
    hidden : tuple of int
        Hidden layer widths of the MLP (ignored by ``linear``).
    dropout, batch_norm
        Dropout probability after each hidden activation, and batch
        normalisation before it (as for :class:`~ranvier.MLP`).
    layers : str, optional
        A whole stack instead of ``model``/``hidden``/``activation``, such as
        ``"linear:500,batchnorm,relu,dropout:0.3,linear:10"`` (see
        :func:`ranvier.nn.parse_layers`).
    activation, loss, init
        As for :class:`~ranvier.MLP`.
    optimizer : str
        ``sgd``, ``momentum``, ``nesterov``, ``adagrad``, ``rmsprop``, ``adam``, ``adamw``.
    lr : float
        Base learning rate.
    momentum : float or None
        Momentum of ``sgd``/``momentum``/``nesterov`` (their default if None).
    weight_decay : float or None
        The optimiser's own weight decay (AdamW's decoupled decay); None
        keeps the optimiser's default (0, or 0.01 for AdamW).
    schedule : str
        ``constant``, ``step``, ``exponential``, ``inverse_time``, ``cosine``.
    decay : float
        The schedule's factor: ``gamma`` of step and exponential decay (per
        epoch), ``decay_rate`` of inverse time decay (per epoch); ``min_lr``
        as a fraction of ``lr`` for cosine.
    decay_every : int
        Epochs between step decays.
    warmup : int
        Warm-up epochs (linear, from 0).
    batch_size, mode, epochs, seed, early_stopping
        As for :class:`~ranvier.Trainer`.
    monitor : {'val_loss', 'val_accuracy', 'loss', 'accuracy'}
        What "best epoch" means for early stopping and restoring; the
        ``val_`` ones fall back to the training ones when ``val_split`` is 0.
    restore_best : bool
        End with the parameters of the best epoch (by ``monitor``) rather
        than those of the last.
    augment : {'none', 'flip'}
        ``flip`` mirrors a random half of each training batch's images.
    reg : float
        L2 strength, ``0.5 * reg * sum ||W||^2``.
    val_split : float
        Fraction of the training data held out for validation.
    preprocess : str
        Preprocessing steps, or ``default`` for the data set's own.
    n_train : int or None
        Train on a subset of this many examples.
    dtype : {'float32', 'float64'}
        Precision of the model and the training.
    checkpoint_every : int or None
        Write ``checkpoint.npz`` to ``out`` every this many epochs; a killed
        run continues with :func:`~ranvier.experiment.runner.resume`.
    test_split, target, labels, image_size, color
        Data of one's own only (``data`` a path; see
        :func:`ranvier.datasets.load_dataset`): the test fraction drawn from
        the file (default 0.2 when it holds no test split), a table's label
        column, the ``.npy`` of labels, ``(height, width)`` of the images of
        a folder and ``"rgb"`` or ``"grey"``.
    out : str or None
        Output folder; nothing is written when None.
    verbose : int
        0 silent, 1 progress bar, 2 a line per epoch.
    class_weight : str, optional
        ``"balanced"`` or ``"0:1,1:5"`` (class index: weight); see ``Trainer(class_weight=)``.
    clip_norm : float, optional
        Clip the gradients' global norm to this (``Trainer(clip_norm=)``).
    patience : int
        ``schedule="plateau"``: epochs without improvement of the monitored
        value before the rate is multiplied by ``decay``.
    threads : int, optional
        BLAS threads during training (``Trainer(threads=)``); None leaves BLAS as it is.
    log_csv, tensorboard : str, optional
        A CSV log file, a TensorBoard folder, written epoch by epoch (appended to on resume).
    """

    data: str = "digits"
    data_dir: str | None = None
    model: str = "mlp"
    hidden: tuple[int, ...] = (100,)
    activation: str = "relu"
    dropout: float = 0.0
    batch_norm: bool = False
    layers: str | None = None
    loss: str = "softmax"
    init: str = "auto"
    optimizer: str = "momentum"  # momentum 0.9, lr 0.2, 30 epochs: chosen on digits' validation split
    lr: float = 0.2
    momentum: float | None = None
    weight_decay: float | None = None
    schedule: str = "constant"
    decay: float = 0.5
    decay_every: int = 10
    warmup: int = 0
    batch_size: int = 64
    mode: str = "minibatch"
    epochs: int = 30
    reg: float = 1e-4
    seed: int = 0
    val_split: float = 0.1
    early_stopping: int | None = None
    monitor: str = "val_loss"
    restore_best: bool = True
    augment: str = "none"
    preprocess: str = "default"
    n_train: int | None = None
    dtype: str = "float32"
    checkpoint_every: int | None = None
    test_split: float | None = None
    target: str | None = None
    labels: str | None = None
    image_size: tuple[int, int] | None = None
    color: str | None = None
    out: str | None = None
    verbose: int = 1
    # training conveniences (issue 16): see ranvier.experiment.conveniences
    class_weight: str | None = None
    clip_norm: float | None = None
    patience: int = 10
    threads: int | None = None
    log_csv: str | None = None
    tensorboard: str | None = None

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> "TrainOptions":
        """Build options from a dict (a parsed TOML file), checking names and types.

        Keys may be written with ``-`` or ``_``.  An unknown key raises
        ValueError naming it and listing the valid ones.
        """
        known = {f.name: f for f in dataclasses.fields(cls)}
        clean = {}
        for key, value in values.items():
            name = str(key).replace("-", "_")
            if name not in known:
                raise ValueError(f"unknown option {key!r}; valid options are: {', '.join(known)}")
            clean[name] = _coerce(name, value)
        return cls(**clean)

    def to_dict(self) -> dict[str, Any]:
        """The options as JSON-friendly data."""
        out = dataclasses.asdict(self)
        out["hidden"] = list(self.hidden)
        if self.image_size is not None:
            out["image_size"] = list(self.image_size)
        return out


_OWN_DATA_OPTIONS = ("test_split", "target", "labels", "image_size", "color")


def _image_size(value: Any) -> tuple[int, int]:
    """``(height, width)`` from ``"32x32"``, ``"32,32"``, ``32`` or ``[32, 32]``."""
    if isinstance(value, str):
        parts = value.lower().replace(",", "x").split("x")
    elif isinstance(value, int) and not isinstance(value, bool):
        parts = [value, value]
    else:
        parts = list(value) if isinstance(value, (list, tuple)) else [value]
    try:
        h, w = (int(v) for v in parts)
    except (TypeError, ValueError):
        raise ValueError(f"option 'image_size' must be HEIGHTxWIDTH such as 32x32, got {value!r}") from None
    if h < 1 or w < 1 or any(isinstance(v, (bool, float)) for v in parts):
        raise ValueError(f"option 'image_size' must be two positive integers such as 32x32, got {value!r}")
    return h, w


# ------------------------------------------------- the type of each option (config files)
_INT_OPTIONS = {"decay_every", "warmup", "batch_size", "epochs", "seed", "verbose", "patience"}
_OPTIONAL_INT = {"early_stopping", "n_train", "checkpoint_every", "threads"}
_FLOAT_OPTIONS = {"lr", "weight_decay", "decay", "reg", "val_split", "dropout", "test_split", "clip_norm"}
_OPTIONAL = {"data_dir", "out", "momentum", "weight_decay", "layers", *_OWN_DATA_OPTIONS, "class_weight", "clip_norm",
             "log_csv", "tensorboard"} | _OPTIONAL_INT
_STR_OPTIONS = {"data", "model", "activation", "loss", "init", "optimizer", "schedule", "mode", "preprocess", "dtype",
                "monitor", "augment", "layers", "class_weight", "log_csv", "tensorboard"}


def _coerce(name: str, value: Any) -> Any:
    """Check the type of one option read from a config file."""
    def bad(kind: str) -> ValueError:
        return ValueError(f"option {name!r} must be {kind}, got {value!r}")

    if value is None and name in _OPTIONAL:
        return None

    if name in _INT_OPTIONS or name in _OPTIONAL_INT:
        if isinstance(value, bool) or not isinstance(value, int):
            raise bad("an integer")
        return value
    if name in _FLOAT_OPTIONS or name == "momentum":
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise bad("a number")
        return float(value)
    if name == "init" and isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)  # a standard deviation
    if name in ("restore_best", "batch_norm"):
        if not isinstance(value, bool):
            raise bad("true or false")
        return value
    if name == "hidden":
        if isinstance(value, str):
            try:
                value = [int(v) for v in value.split(",") if v.strip()]
            except ValueError:
                raise bad("a list of positive integers such as [100, 100]") from None
        if not isinstance(value, (list, tuple)) or not all(isinstance(v, int) and not isinstance(v, bool) and v > 0 for v in value):
            raise bad("a list of positive integers such as [100, 100]")
        return tuple(value)
    if name == "image_size":
        return _image_size(value)
    if name in _STR_OPTIONS or name in ("data_dir", "out", "target", "labels", "color"):
        if not isinstance(value, str):
            raise bad("a string")
        return value
    return value

