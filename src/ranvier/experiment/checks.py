"""Every option of a run in range, checked before any data is loaded (a config file bypasses argparse)."""

from __future__ import annotations

from .conveniences import _check_conveniences
from .options import MODELS, TrainOptions

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


def _check_layer_options(o: TrainOptions) -> None:
    if not 0 <= o.dropout < 1:
        raise ValueError(f"option 'dropout' must be a probability in [0, 1), got {o.dropout}")
    if o.layers is not None and (o.dropout or o.batch_norm):
        raise ValueError("--layers gives the whole stack: put dropout:P and batchnorm in it instead of "
                         "--dropout/--batch-norm")
    if o.model == "linear" and (o.dropout or o.batch_norm):
        raise ValueError("--dropout and --batch-norm act on hidden layers; a linear model has none (use --model mlp)")

