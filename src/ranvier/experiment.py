"""One training run from a flat set of options: what ``ranvier train`` does.

:class:`TrainOptions` holds every option of ``ranvier train`` (and of a TOML
config file); :func:`run` loads the data, builds the model and the optimiser,
trains with a :class:`~ranvier.training.Trainer`, measures the accuracies and,
given an output folder, writes

* ``model.npz``: the model with its preprocessing and class names;
* ``history.json``: the learning curves (loss per step, metrics per epoch);
* ``summary.json``: accuracies, epochs, seconds, seed and every option;
* ``curves.png``: the learning curves as a picture.
"""

from __future__ import annotations

import dataclasses
import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ._validation import all_finite, check_training_memory
from .augment import get_augment
from .nn.mlp import MLP
from ._train_extras import _check_conveniences, _convenience_callbacks, _more_epochs, parse_class_weight
from .optim import get_optimizer, get_schedule
from ._archive import atomic_write_text, json_safe
from .train import Checkpoint, History, Trainer, evaluate

__all__ = ["RunResult", "TrainOptions", "find_lr", "load_data", "resume", "run"]

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
        As for :class:`~ranvier.training.Trainer`.
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
        run continues with :func:`resume`.
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
    # training conveniences (issue 16): see _conveniences below
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


@dataclass
class RunResult:
    """What :func:`run` returns.

    Attributes
    ----------
    model : MLP
    history : History
    summary : dict
        What ``summary.json`` holds.
    dataset : Dataset
    out : Path or None
        The output folder, when one was written.
    signal : int or None
        The signal (``signal.SIGINT``, ``SIGTERM``, ``SIGHUP``) that stopped
        the run, or arrived while its files were written; None otherwise.
    """

    model: MLP
    history: History
    summary: dict
    dataset: Any = field(repr=False)
    out: Path | None = None
    signal: int | None = None


def run(options: TrainOptions, *, callbacks=(), resume_from: str | os.PathLike | None = None,
        overwrite: bool = False) -> RunResult:
    """Load the data, train, measure and (given ``options.out``) save.

    The output folder is claimed first (:func:`ranvier.runfolder.claim`):
    made if needed, locked while the run lasts (a second run into it is
    refused), and refused when it holds another run's files unless
    ``overwrite``.  Ctrl-C, SIGTERM and SIGHUP end the training after the
    step in progress; the files are then written as for a finished run (a
    signal that arrives while they are written waits until they are), and
    :attr:`RunResult.signal` says which signal stopped the run.

    Parameters
    ----------
    options : TrainOptions
    callbacks : sequence of Callback, optional
    resume_from : path-like, optional
        A checkpoint of this run (same options) to continue from; see :func:`resume`.
    overwrite : bool, default False
        Accept an output folder that holds another run's files: they
        (``model.npz``, ``history.json``, ``summary.json``, ``curves.png``,
        ``checkpoint.npz``, nothing else) are removed when the training starts.

    Returns
    -------
    RunResult

    Raises
    ------
    ValueError, TypeError, FileNotFoundError
        For a bad option, missing data or an output folder that is taken,
        with a message that says what to do.
    ranvier._signals.Interrupted
        For a signal before the training started (nothing is written).
    """
    from ._signals import SignalGuard
    from .runfolder import claim_run, run_identity

    _check(options)
    out = _check_out(options.out)
    with SignalGuard() as guard:
        run_id, own = run_identity(resume_from)
        folder = None if out is None else claim_run(out, own, run_id, overwrite)
        try:
            result = _run(options, folder, guard, run_id, callbacks, resume_from)
        except BaseException:
            if folder is not None:
                folder.release(failed=True)
            raise
        if folder is not None:
            folder.release()
    return result


def _run(options: TrainOptions, folder, guard, run_id: str, callbacks, resume_from) -> RunResult:
    """:func:`run` once its folder is claimed: data, model, training, files."""
    out = None if folder is None else folder.path
    data = load_data(options)
    model = build_model(options, data.n_features, data.n_classes)
    if out is not None:
        _check_space(out, model, options)
    steps_per_epoch = _steps_per_epoch(options, len(data.X_train))
    callbacks = list(callbacks) + _convenience_callbacks(options, resume_from is not None)
    if options.checkpoint_every:
        extra = {"options": options.to_dict(), "run_id": run_id}
        callbacks.append(Checkpoint(out / "checkpoint.npz", options.checkpoint_every, extra))
    trainer = Trainer(
        model, _optimizer(options), schedule=_schedule(options, steps_per_epoch),
        batch_size=options.batch_size, mode=options.mode, epochs=options.epochs, seed=options.seed,
        early_stopping=options.early_stopping, verbose=options.verbose, callbacks=callbacks,
        monitor=_monitor(options), restore_best=options.restore_best,
        augment=get_augment(options.augment, data.image_shape),
        clip_norm=options.clip_norm, class_weight=parse_class_weight(options.class_weight), threads=options.threads,
    )
    if resume_from is not None:
        trainer.load_checkpoint(resume_from)
    validation = None if data.X_val is None else (data.X_val, data.y_val)
    if folder is not None:
        folder.clear_previous()  # the run is sure to start: the files it replaces go now
    guard.defer = True  # from here on a signal waits until the files are written
    history = trainer.fit(data.X_train, data.y_train, validation_data=validation)
    signum = getattr(trainer, "stop_signal", None)
    if not all(all_finite(p) for p in model.params.values()):  # a backstop: the best parameters are finite
        raise ValueError(f"the trained parameters hold NaN or infinity ({history.stopped_reason}); no model "
                         "written: try a smaller --lr")
    summary = _summary(options, model, data, history, run_id)
    if out is not None:
        _write(out, model, data, history, summary)
    return RunResult(model=model, history=history, summary=summary, dataset=data, out=out,
                     signal=signum if signum is not None else guard.received)


def resume(checkpoint: str | os.PathLike, *, verbose: int | None = None, callbacks=(),
           overwrite: bool = False, epochs: int | None = None) -> RunResult:
    """Continue a run of :func:`run` from its ``checkpoint.npz``.

    The options are read from the checkpoint; the run ends with exactly the
    parameters an uninterrupted run would have (the data, the shuffling, the
    optimiser state and the schedule continue where they stopped).  The
    run's folder is the checkpoint's; a model of another run there is not
    replaced unless ``overwrite``.

    ``epochs`` continues a run (finished or not) up to this many epochs in
    all; it must be larger than the epochs the checkpoint has done.  The
    result equals a run of ``epochs`` epochs from the start bit for bit when
    nothing else depends on the number of epochs (all schedules but
    ``cosine``, whose horizon is the whole run) and when it was not stopped
    early.
    """
    from .train.checkpoint import read_metadata

    meta = read_metadata(checkpoint)
    try:
        options = TrainOptions.from_dict(meta["extra"]["options"])
    except (KeyError, TypeError) as exc:
        raise ValueError(f"{checkpoint}: this checkpoint does not hold the options of a 'ranvier train' run ({exc})") from None
    if verbose is not None:
        options.verbose = verbose
    if epochs is not None:
        _more_epochs(options, epochs, meta, checkpoint)
    options.out = os.path.dirname(os.path.abspath(checkpoint))  # the run's folder, wherever we are
    return run(options, callbacks=callbacks, resume_from=checkpoint, overwrite=overwrite)


def find_lr(options: TrainOptions, *, start_lr: float = 1e-6, end_lr: float = 10.0, steps: int = 200,
            overwrite: bool = False):
    """The learning-rate range test on the data and model the options describe.

    Writes ``lr_find.json`` and ``lr_find.png`` to ``options.out`` when it
    is set; a folder that holds those of another test is refused unless
    ``overwrite``, and a folder in use by a live run is refused.

    Returns
    -------
    LRFinderResult
    """
    from .runfolder import claim

    _check(options)
    out = _check_out(options.out)
    if out is None:
        return _find_lr(options, None, start_lr, end_lr, steps)
    with claim(out, files=("lr_find.json", "lr_find.png"), overwrite=overwrite) as folder:
        return _find_lr(options, folder, start_lr, end_lr, steps)


def _find_lr(options: TrainOptions, folder, start_lr: float, end_lr: float, steps: int):
    from .train.lr_finder import lr_range_test

    data = load_data(options)
    model = build_model(options, data.n_features, data.n_classes)
    kwargs = {} if options.momentum is None else {"momentum": options.momentum}
    if options.weight_decay is not None:
        kwargs["weight_decay"] = options.weight_decay
    result = lr_range_test(model, data.X_train, data.y_train, optimizer=options.optimizer, start_lr=start_lr,
                           end_lr=end_lr, steps=steps, batch_size=options.batch_size, seed=options.seed, **kwargs)
    if folder is not None:
        out = folder.path
        folder.clear_previous()
        atomic_write_text(out / "lr_find.json", json.dumps({**result.to_dict(), "options": options.to_dict()}, indent=1))
        from .plot import plot_lr_finder

        plot_lr_finder(result, out / "lr_find.png", title=f"range test: {options.data}, {_describe(model)}, {options.optimizer}")
    return result


_OWN_DATA_OPTIONS = ("test_split", "target", "labels", "image_size", "color")


def load_data(options: TrainOptions):
    """The :class:`~ranvier.datasets.Dataset` the options describe: a built-in set or a file of one's own.

    The own-data options (``test_split``, ``target``, ``labels``, ``image_size``,
    ``color``) are passed only when set, so a built-in set refuses them by name.
    """
    from .datasets import load_dataset

    own = {k: getattr(options, k) for k in _OWN_DATA_OPTIONS if getattr(options, k) is not None}
    return load_dataset(options.data, options.data_dir, val_split=options.val_split, preprocess=options.preprocess,
                        seed=options.seed, n_train=options.n_train, **own)


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


def _describe(model) -> str:
    """``784-100-10 relu`` for an MLP, ``linear:500,batchnorm,...`` for another stack."""
    if isinstance(model, MLP):
        return f"{'-'.join(map(str, model.layer_sizes))} {model.activation_names[0] if model.activation_names else 'linear'}"
    return ",".join(repr(layer) for layer in model.layers)


def _check_layer_options(o: TrainOptions) -> None:
    if not 0 <= o.dropout < 1:
        raise ValueError(f"option 'dropout' must be a probability in [0, 1), got {o.dropout}")
    if o.layers is not None and (o.dropout or o.batch_norm):
        raise ValueError("--layers gives the whole stack: put dropout:P and batchnorm in it instead of "
                         "--dropout/--batch-norm")
    if o.model == "linear" and (o.dropout or o.batch_norm):
        raise ValueError("--dropout and --batch-norm act on hidden layers; a linear model has none (use --model mlp)")


def _build_stack(options: TrainOptions, n_features: int, n_classes: int):
    """The Sequential of ``options.layers`` (``"linear:500,batchnorm,relu,dropout:0.3,linear:10"``)."""
    from .nn import Sequential, parse_layers

    net = Sequential(parse_layers(options.layers, n_features, dtype=options.dtype, seed=options.seed),
                     loss=options.loss, reg=options.reg)
    if net.n_outputs != n_classes:
        raise ValueError(f"--layers {options.layers!r} ends with {net.n_outputs} outputs, but the data have "
                         f"{n_classes} classes; end the stack with linear:{n_classes}")
    return net


def build_model(options: TrainOptions, n_features: int, n_classes: int) -> MLP:
    """The model the options describe, for data of this shape."""
    if options.layers is not None:
        return _build_stack(options, n_features, n_classes)
    hidden = () if options.model == "linear" else tuple(options.hidden)
    check_training_memory((n_features, *hidden, n_classes), options)  # refused before any array is made
    return MLP((n_features, *hidden, n_classes), activation=options.activation, loss=options.loss,
               reg=options.reg, init=options.init, seed=options.seed, dtype=options.dtype,
               dropout=options.dropout, batch_norm=options.batch_norm)


# ---------------------------------------------------------------- internals
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


_AT_LEAST = {"batch_size": 1, "epochs": 1, "decay_every": 1, "warmup": 0, "seed": 0,
             "early_stopping": 1, "n_train": 1, "checkpoint_every": 1, "patience": 0, "threads": 1}


def _check(o: TrainOptions) -> None:
    """Every option in range, before any data is loaded (a config file bypasses argparse)."""
    for name, low in _AT_LEAST.items():
        value = getattr(o, name)
        if value is not None and value < low:
            raise ValueError(f"option {name!r} must be >= {low}, got {value}")
    if o.verbose not in (0, 1, 2):
        raise ValueError(f"option 'verbose' must be 0, 1 or 2, got {o.verbose}")
    for name in ("lr", "decay"):
        if not getattr(o, name) > 0:
            raise ValueError(f"option {name!r} must be > 0, got {getattr(o, name)}")
    for name in ("reg", "weight_decay"):
        if getattr(o, name) is not None and not getattr(o, name) >= 0:
            raise ValueError(f"option {name!r} must be >= 0, got {getattr(o, name)}")
    if o.momentum is not None and not 0 <= o.momentum < 1:
        raise ValueError(f"option 'momentum' must be in [0, 1), got {o.momentum}")
    if o.model not in MODELS:
        raise ValueError(f"model must be one of {', '.join(MODELS)}, got {o.model!r}")
    if o.model == "mlp" and not o.hidden:
        raise ValueError("an mlp needs at least one hidden layer (--hidden 100); use --model linear for none")
    if not 0 <= o.val_split < 1:
        raise ValueError(f"val_split must be a fraction in [0, 1), got {o.val_split}")
    if o.test_split is not None and not 0 <= o.test_split < 1:
        raise ValueError(f"test_split must be a fraction in [0, 1), got {o.test_split}")
    if o.dtype not in ("float32", "float64"):
        raise ValueError(f"dtype must be float32 or float64, got {o.dtype!r}")
    _check_layer_options(o)
    if o.checkpoint_every is not None and o.out is None:
        raise ValueError("checkpoint_every needs an output folder (--out) for checkpoint.npz")
    if o.momentum is not None and o.optimizer not in ("sgd", "momentum", "nesterov", "rmsprop"):
        raise ValueError(f"momentum applies to sgd, momentum, nesterov and rmsprop, not {o.optimizer!r}")
    _check_conveniences(o)


def _monitor(o: TrainOptions) -> str:
    if o.monitor not in ("val_loss", "val_accuracy", "loss", "accuracy"):
        raise ValueError(f"monitor must be one of val_loss, val_accuracy, loss, accuracy, got {o.monitor!r}")
    if o.val_split == 0 and o.monitor.startswith("val_"):
        return o.monitor[4:]  # no validation split: watch the training metric
    return o.monitor


def _optimizer(o: TrainOptions):
    kwargs: dict[str, Any] = {"lr": o.lr}
    if o.momentum is not None:
        kwargs["momentum"] = o.momentum
    if o.weight_decay is not None:
        kwargs["weight_decay"] = o.weight_decay
    return get_optimizer(o.optimizer, **kwargs)


def _steps_per_epoch(o: TrainOptions, m: int) -> int:
    k = {"batch": m, "stochastic": 1}.get(o.mode, min(o.batch_size, m))
    return -(-m // k)


def _schedule(o: TrainOptions, steps: int):
    name = o.schedule.lower().replace("-", "_")
    warm = {"warmup_steps": o.warmup * steps}
    if name == "constant":
        return get_schedule("constant", lr=o.lr, **warm) if o.warmup else None
    if name == "plateau":  # ReduceLROnPlateau sets the optimiser's rate (_convenience_callbacks)
        return None
    if name == "step":
        return get_schedule("step", lr=o.lr, step_size=o.decay_every * steps, gamma=o.decay, **warm)
    if name == "exponential":
        return get_schedule("exponential", lr=o.lr, gamma=o.decay, decay_steps=steps, **warm)
    if name == "inverse_time":
        return get_schedule("inverse_time", lr=o.lr, decay_rate=o.decay, decay_steps=steps, **warm)
    if name == "cosine":
        horizon = max(1, (o.epochs - o.warmup) * steps)
        return get_schedule("cosine", lr=o.lr, decay_steps=horizon, min_lr=o.decay * o.lr if o.decay < 1 else 0.0, **warm)
    raise ValueError(f"unknown schedule {o.schedule!r}; choose one of: constant, step, exponential, inverse_time, cosine, plateau")


def _check_out(out: str | None) -> Path | None:
    """Check the output folder can be made, without making it (a failed run leaves nothing)."""
    if out is None:
        return None
    if not str(out).strip():
        raise ValueError("--out is empty; give a folder name such as --out runs/mine, or leave the option out "
                         "for the default folder")
    path = Path(out)
    if path.exists() and not path.is_dir():
        raise ValueError(f"--out {out!r} is a file; give a folder for model.npz, history.json and summary.json")
    existing = path
    while not existing.exists():
        existing = existing.parent
    if not existing.is_dir() or not os.access(existing, os.W_OK):
        raise ValueError(f"--out {out!r} cannot be written: {str(existing)!r} is not a writable folder")
    return path


def _check_space(out: Path, model: MLP, o: TrainOptions) -> None:
    """Refuse to start a run whose files would not fit on the disk (checked before training)."""
    import shutil

    existing = out
    while not existing.exists():
        existing = existing.parent
    param_bytes = sum(p.nbytes for p in model.params.values())
    # model.npz, and a checkpoint (params, best params, optimiser state) written aside
    need = 2 * param_bytes + (6 * param_bytes if o.checkpoint_every else 0) + 5_000_000
    free = shutil.disk_usage(existing).free
    if free < need:
        raise ValueError(
            f"--out {str(out)!r}: {free / 1e6:.1f} MB free on its disk, but the run will write about "
            f"{need / 1e6:.1f} MB; free some space or choose another folder"
        )


def _summary(o: TrainOptions, model: MLP, data, history: History, run_id: str | None = None) -> dict:
    def accuracy(X, y):
        return None if X is None else evaluate(model, X, y)[1]

    return json_safe({
        "data": data.name,
        "model": repr(model),
        "num_params": model.num_params,
        "train_accuracy": accuracy(data.X_train, data.y_train),
        "val_accuracy": accuracy(data.X_val, data.y_val),
        "test_accuracy": accuracy(data.X_test, data.y_test),
        "epochs": history.n_epochs,
        "best_epoch": history.best_epoch,
        "seconds": history.seconds,
        "seed": o.seed,
        "stopped_reason": history.stopped_reason,
        "diverged": history.diverged,
        "n_train": len(data.y_train),
        "n_val": 0 if data.y_val is None else len(data.y_val),
        "n_test": 0 if data.y_test is None else len(data.y_test),
        "options": o.to_dict(),
        "run_id": run_id,
        "finished_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    })


def _write(out: Path, model: MLP, data, history: History, summary: dict) -> None:
    from .io import save_model

    save_model(out / "model.npz", model, class_names=data.class_names, preprocessing=data.preprocessor(),
               image_shape=data.image_shape, summary=summary, pixel_max=data.pixel_max,
               feature_names=getattr(data, "feature_names", None))
    history.save(out / "history.json")
    atomic_write_text(out / "summary.json", json.dumps(summary, indent=1))
    try:
        from .plot import _describe, plot_history
    except ImportError:  # matplotlib is missing: the curves stay in history.json
        return
    plot_history(history, out / "curves.png", title=f"Training {_describe(model)} on {data.name}")
