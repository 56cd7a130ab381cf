"""The optimisers by name: the registry :data:`OPTIMIZERS` and :func:`get_optimizer`."""

from __future__ import annotations

from typing import Callable

from .adagrad import Adagrad
from .adam import Adam, AdamW
from .base import Optimizer
from .rmsprop import RMSprop
from .sgd import SGD, momentum, nesterov

__all__ = ["OPTIMIZERS", "get_optimizer"]


OPTIMIZERS: dict[str, Callable[..., Optimizer]] = {
    "sgd": SGD,
    "momentum": momentum,
    "nesterov": nesterov,
    "adagrad": Adagrad,
    "rmsprop": RMSprop,
    "adam": Adam,
    "adamw": AdamW,
}
"""Optimiser constructors by name; ``momentum`` and ``nesterov`` are SGD aliases."""


def get_optimizer(name: str | Optimizer, **kwargs) -> Optimizer:
    """Build an optimiser by name with its hyperparameters as keywords.

    ``get_optimizer("adam", lr=3e-4)``; ``get_optimizer(**opt.get_config())``
    rebuilds ``opt``.  An :class:`Optimizer` is returned as it is.
    """
    if isinstance(name, Optimizer):
        if kwargs:
            raise TypeError("hyperparameters can only be given with an optimizer name, not an Optimizer")
        return name
    key = str(name).lower().replace("-", "_")
    if key not in OPTIMIZERS:
        raise ValueError(f"unknown optimizer {name!r}; choose one of: {', '.join(OPTIMIZERS)}")
    return OPTIMIZERS[key](**kwargs)
