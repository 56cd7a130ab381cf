"""Optimisers and learning-rate schedules over a flat dict of parameter arrays.

An optimiser is *state plus an update rule* (the shape of optax, adapted to
in-place NumPy):

* the optimiser object holds only its hyperparameters, named keyword arguments
  checked when it is built (``Adam(lr=1e-3, beta1=0.9)``);
* ``state = opt.init(params)`` allocates everything the updates need, once: one
  array per parameter and per *slot* (Adam's ``m`` and ``v``, the momentum
  buffer, ...), shaped and typed like that parameter, a step counter, and the
  scratch space the arithmetic runs in;
* ``opt.step(params, grads, state, lr=None)`` **overwrites the caller's
  parameter arrays and the state arrays in place** and returns nothing.  It
  allocates no parameter-sized array: every operation writes into the state or
  the scratch space with ``out=`` or an in-place ufunc.  The gradients are only
  read.  ``lr`` overrides the base learning rate for this step, which is how a
  schedule drives the optimiser::

      opt = Adam(lr=1e-3)
      sched = CosineDecay(1e-3, decay_steps=10_000, warmup_steps=500)
      state = opt.init(model.params)
      for X, y in batches:
          loss, grads = model.loss_and_grads(X, y)
          opt.step(model.params, grads, state, lr=sched(state["step"]))

The update rules are exactly those of PyTorch's ``torch.optim`` (SGD with
momentum, dampening and Nesterov, Adagrad, RMSprop, Adam, AdamW), with the same
defaults, so a run can be compared with PyTorch step by step; the tests do so
to 1e-12 in float64.  Each class writes its formula out, with ``g_t`` the
gradient at step ``t = 1, 2, ...``, ``theta`` the parameter and ``gamma`` the
learning rate.  Parameters keep their dtype: float32 parameters get float32
state and float32 arithmetic.

Speed: on the 2-core development machine one step on the parameters of a
CIFAR-10 MLP (3072-500-10, 1.5 M float32) takes about 0.4 ms (SGD), 0.8 ms
(momentum), 2 ms (Adagrad, RMSprop) and 3 ms (Adam, AdamW); the same Adam
written with fresh arrays takes 5 ms (``benchmarks/bench_optim.py``).

Weight decay here is the optimiser's own, separate from the model's ``reg``
(whose ``reg * W`` term is already in the gradient of the weights): leave it at
0 unless you want decay on top, or on the biases too.  An optimiser with none
of its own can instead take the model's term in ``step(..., l2={"W1": reg,
...})`` for gradients that leave it out; it is then added where the rule adds
its own decay, with the same result bit for bit (what :class:`~ranvier.Trainer`
does).  With the fused updates (Numba) that is inside their one pass over the
weights, which saves the two passes of adding the term to the gradient; the
NumPy rules make the same two passes either way.

Where things are
----------------
One module per family of rules, each with its formula in the class docstring
and its NumPy update beside it: :mod:`~ranvier.optim.sgd` (SGD, momentum,
Nesterov), :mod:`~ranvier.optim.adagrad`, :mod:`~ranvier.optim.rmsprop`,
:mod:`~ranvier.optim.adam` (Adam, AdamW).  :mod:`~ranvier.optim.base` holds
:class:`Optimizer` (``init``, ``step``, the state layout) and the state files;
:mod:`~ranvier.optim.schedules` the learning-rate schedules.  The speed
machinery sits beside the rules, behind small named interfaces:
``ranvier.optim._fused`` (the one-pass Numba kernels) and
``ranvier.optim._l2fold`` (a model's L2 term taken inside the update's pass).
:mod:`~ranvier.optim.registry` holds the rules by name (:data:`OPTIMIZERS`,
:func:`get_optimizer`).
"""

from __future__ import annotations

from .adagrad import Adagrad
from .adam import Adam, AdamW
from .base import Optimizer, load_state, save_state
from .registry import OPTIMIZERS, get_optimizer
from .rmsprop import RMSprop
from .schedules import (
    SCHEDULES,
    Constant,
    CosineDecay,
    ExponentialDecay,
    InverseTimeDecay,
    Schedule,
    StepDecay,
    get_schedule,
)
from .sgd import SGD, momentum, nesterov

__all__ = [
    "OPTIMIZERS",
    "SCHEDULES",
    "SGD",
    "Adagrad",
    "Adam",
    "AdamW",
    "Constant",
    "CosineDecay",
    "ExponentialDecay",
    "InverseTimeDecay",
    "Optimizer",
    "RMSprop",
    "Schedule",
    "StepDecay",
    "get_optimizer",
    "get_schedule",
    "load_state",
    "momentum",
    "nesterov",
    "save_state",
]
