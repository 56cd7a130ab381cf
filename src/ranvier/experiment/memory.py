"""The memory a training run of a dense network needs, checked before any array is made.

It reads a run's :class:`~ranvier.experiment.TrainOptions` and its message names the
flags of ``ranvier train``, so it lives with the run (:mod:`ranvier.experiment.build`
calls it).  Its largest part after the parameters is the optimiser's state: one array
per slot of the rule (:attr:`~ranvier.Optimizer.slots`), which
:func:`~ranvier.get_optimizer` knows.  The system's free memory and the building
check of a network are in :mod:`ranvier._validation`.
"""

from __future__ import annotations

import numpy as np

from .. import _validation  # available_memory is read through the module: tests replace it
from .._validation import _ALWAYS_FITS, TooLargeError, _layer_text, _parameter_count, format_bytes
from ..optim import get_optimizer

__all__ = ["check_training_memory", "training_memory"]


def training_memory(layer_sizes, options) -> dict[str, int]:
    """Bytes a training run of a dense network needs, by part (a lower bound).

    ``options`` is a :class:`~ranvier.experiment.TrainOptions` (read:
    ``dtype``, ``optimizer``, ``momentum``, ``batch_size``, ``mode``,
    ``n_train``).  The parts: parameters, gradients, the
    optimiser's state (one array per slot, and its two work arrays of the
    largest parameter), the best parameters kept for restoring, and the
    activations and their gradients for one batch.
    """
    size = np.dtype(options.dtype).itemsize
    params, largest = _parameter_count(layer_sizes)
    kwargs = {} if getattr(options, "momentum", None) is None else {"momentum": options.momentum}
    try:
        slots = len(get_optimizer(options.optimizer, **kwargs).slots)
    except (TypeError, ValueError):  # refused later, with its own message
        slots = 0
    batch = {"stochastic": 1, "batch": options.n_train or 0}.get(options.mode, options.batch_size)
    return {
        "parameters": params * size,
        "gradients": params * size,
        "optimiser state": (slots * params + 2 * largest) * size,
        "best parameters": params * size,  # kept whether or not they are restored
        f"activations (batch of {batch})": 2 * batch * sum(layer_sizes) * size,
    }


def check_training_memory(layer_sizes, options, *, available: int | None = None) -> None:
    """Refuse a training run that would not fit in memory (see :func:`training_memory`), before building it.

    A run that needs under 256 MiB is not checked.

    Raises
    ------
    TooLargeError
        With the bytes needed, part by part, and those available.
    """
    parts = training_memory(layer_sizes, options)
    need = sum(parts.values())
    if need < _ALWAYS_FITS:
        return
    available = _validation.available_memory() if available is None else available
    if available is None or need <= available:
        return
    params, _ = _parameter_count(layer_sizes)
    detail = ", ".join(f"{name} {format_bytes(n)}" for name, n in parts.items() if n)
    raise TooLargeError(
        f"a {_layer_text(layer_sizes)} network ({params:,} parameters, {options.dtype}) needs {format_bytes(need)} "
        f"to train ({detail}), but {format_bytes(available)} of memory is available; "
        "choose smaller hidden layers (--hidden) or a smaller --batch-size")
