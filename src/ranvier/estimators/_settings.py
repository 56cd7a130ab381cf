"""The hyperparameters of one fit, checked and resolved (private).

scikit-learn's ``__init__`` only stores its arguments, so every check happens
in ``fit``: :func:`_settings` reads the estimator's parameters, checks each
one with an error that names it and says what to change (the ranges are those
of the command line, :mod:`ranvier._validation`), resolves the optimiser and
returns them as one frozen :class:`_Settings`.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass

import numpy as np

from .._validation import FRACTION, OPEN_FRACTION, POSITIVE, check_in, check_int, check_positive
from ..nn.activations import get_activation
from ..nn.losses import loss_name
from ..optim import Optimizer, get_optimizer

SOLVERS = ("adam", "sgd", "adamw", "adagrad", "rmsprop")
_MAX_SEED = 2**31 - 1


@dataclass(frozen=True)
class _Settings:
    """The hyperparameters of one fit, checked and resolved."""

    hidden: tuple[int, ...]
    activation: str
    loss: str
    margin: float
    reg: float
    optimizer: Optimizer
    batch_size: int | None  # None: 'auto'
    max_iter: int
    tol: float
    n_iter_no_change: float
    validation_fraction: float
    verbose: int
    dtype: np.dtype | None
    dropout: float = 0.0
    batch_norm: bool = False


def _flag(value, name: str) -> bool:
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False, got {value!r}")
    return bool(value)


def _check_hidden(value) -> tuple[int, ...]:
    sizes = (value,) if isinstance(value, numbers.Integral) else value
    try:
        sizes = tuple(sizes)
    except TypeError:
        raise TypeError(f"hidden_layer_sizes must be an int or a sequence of ints such as (100,), got {value!r}") from None
    for s in sizes:
        if isinstance(s, bool) or not isinstance(s, numbers.Integral) or s < 1:
            raise ValueError(f"hidden_layer_sizes must hold positive integers, got {value!r}")
    return tuple(int(s) for s in sizes)


def _check_dtype(value) -> np.dtype | None:
    if value is None:
        return None
    try:
        dt = np.dtype(value)
    except TypeError:
        dt = None
    if dt not in (np.dtype(np.float32), np.dtype(np.float64)):
        raise ValueError(f"dtype must be None (follow X), np.float32 or np.float64, got {value!r}")
    return dt


_SOLVER_RANGES = {"momentum": FRACTION, "beta1": FRACTION, "beta2": FRACTION, "eps": POSITIVE}


def _build_optimizer(est) -> Optimizer:
    # the ranges are those of the command line (ranvier._validation): momentum and betas in [0, 1),
    # rates > 0, and an epsilon > 0, since eps=0 makes the update 0/0 = NaN for a parameter whose
    # gradient is 0 (a constant pixel's weight; a hinge bias over balanced classes)
    lr = check_positive(est.learning_rate_init, "learning_rate_init")
    solver = est.solver
    if isinstance(solver, Optimizer):
        config = solver.get_config()
        for key, interval in _SOLVER_RANGES.items():
            if key in config:
                check_in(config[key], f"the solver's {key}", interval)
        return get_optimizer(**(config | {"lr": lr}))
    if solver == "sgd":
        momentum = check_in(est.momentum, "momentum", FRACTION)
        nesterov = _flag(est.nesterovs_momentum, "nesterovs_momentum") and momentum > 0
        return get_optimizer("sgd", lr=lr, momentum=momentum, nesterov=nesterov)
    if solver in ("adam", "adamw"):
        return get_optimizer(solver, lr=lr, beta1=check_in(est.beta_1, "beta_1", FRACTION),
                             beta2=check_in(est.beta_2, "beta_2", FRACTION),
                             eps=check_in(est.epsilon, "epsilon", POSITIVE))
    if solver in ("adagrad", "rmsprop"):
        return get_optimizer(solver, lr=lr)
    raise ValueError(f"solver must be one of {', '.join(map(repr, SOLVERS))} or a ranvier.optim.Optimizer, got {solver!r}")


def _check_batch_size(value) -> int | None:
    if isinstance(value, str):
        if value != "auto":
            raise ValueError(f"batch_size must be 'auto' or a positive integer, got {value!r}")
        return None
    return check_int(value, "batch_size")


def _check_patience(value) -> float:
    if isinstance(value, float) and value == math.inf:
        return value
    return check_int(value, "n_iter_no_change")


def _check_verbose(value) -> int:
    level = int(value) if isinstance(value, (bool, np.bool_)) else value
    if level not in (0, 1, 2):
        raise ValueError(f"verbose must be 0 (silent), 1 (progress bar) or 2 (a line per epoch), got {value!r}")
    return int(level)


def _settings(est) -> _Settings:
    hidden, activation, loss = est._architecture()
    fraction = check_in(est.validation_fraction, "validation_fraction", OPEN_FRACTION)
    for name in ("early_stopping", "warm_start", "restore_best", "record_path"):
        _flag(getattr(est, name), name)
    return _Settings(
        hidden=_check_hidden(hidden),
        activation=get_activation(activation).name,
        loss=loss_name(loss),
        margin=check_positive(getattr(est, "margin", 1.0), "margin", allow_zero=True),
        reg=check_positive(est.reg, "reg", allow_zero=True),
        optimizer=_build_optimizer(est),
        batch_size=_check_batch_size(est.batch_size),
        max_iter=check_int(est.max_iter, "max_iter"),
        tol=check_positive(est.tol, "tol", allow_zero=True),
        n_iter_no_change=_check_patience(est.n_iter_no_change),
        validation_fraction=fraction,
        verbose=_check_verbose(est.verbose),
        dtype=_check_dtype(est.dtype),
        dropout=_check_dropout(getattr(est, "dropout", 0.0)),
        batch_norm=_flag(getattr(est, "batch_norm", False), "batch_norm"),
    )


def _check_dropout(value) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not 0 <= value < 1:
        raise ValueError(f"dropout must be a probability in [0, 1), got {value!r}")
    return float(value)
