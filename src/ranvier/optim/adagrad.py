"""Adagrad, PyTorch's ``torch.optim.Adagrad`` rule.

The rule is written out in the class docstring and in ``_update`` (NumPy, in place);
it has no fused kernel: its passes cost little beside the matrix products of a step.
"""

from __future__ import annotations

import numpy as np

from ._checks import nonnegative
from ._ops import coupled_gradient, scale_by_lr
from .base import Optimizer

__all__ = ["Adagrad"]


class Adagrad(Optimizer):
    """Adagrad: per-coordinate steps scaled by the root of the summed squared gradients.

    Updates the parameter arrays in place (see :meth:`Optimizer.step`), with
    PyTorch's ``torch.optim.Adagrad`` rule: learning-rate decay ``eta``,
    weight decay ``lambda``, initial accumulator value ``s_0``::

        g_t     = grad_t + lambda * theta_{t-1}
        gamma_t = gamma / (1 + (t - 1) * eta)
        s_t     = s_{t-1} + g_t**2                     (s_0 = initial_accumulator_value)
        theta_t = theta_{t-1} - gamma_t * g_t / (sqrt(s_t) + eps)

    ``eps`` is added after the square root.  An ``lr`` passed to ``step``
    replaces ``gamma`` and is decayed the same way.

    Parameters
    ----------
    lr : float, default 1e-2
    lr_decay : float, default 0.0
        ``eta`` (>= 0).
    weight_decay : float, default 0.0
    initial_accumulator_value : float, default 0.0
        ``s_0`` (>= 0).
    eps : float, default 1e-10
    """

    name = "adagrad"
    _takes_l2 = True

    def __init__(
        self,
        lr: float = 1e-2,
        *,
        lr_decay: float = 0.0,
        weight_decay: float = 0.0,
        initial_accumulator_value: float = 0.0,
        eps: float = 1e-10,
    ) -> None:
        super().__init__(lr)
        self.lr_decay = nonnegative(lr_decay, "lr_decay")
        self.weight_decay = nonnegative(weight_decay, "weight_decay")
        self.initial_accumulator_value = nonnegative(initial_accumulator_value, "initial_accumulator_value")
        self.eps = nonnegative(eps, "eps")

    @property
    def _config(self) -> dict:
        return {
            "lr": self.lr,
            "lr_decay": self.lr_decay,
            "weight_decay": self.weight_decay,
            "initial_accumulator_value": self.initial_accumulator_value,
            "eps": self.eps,
        }

    @property
    def slots(self) -> tuple[str, ...]:
        return ("sum",)

    def _slot_fill(self, slot: str) -> float:
        return self.initial_accumulator_value

    def _update(self, p, g, s, t, lr, a, b, wd) -> None:
        g = coupled_gradient(g, p, wd, out=a)  # g_t = grad_t + lambda * theta_{t-1}
        acc = s["sum"]
        np.multiply(g, g, out=b)
        acc += b
        np.sqrt(acc, out=b)
        b += self.eps
        np.divide(g, b, out=b)
        scale_by_lr(p, b, lr / (1.0 + (t - 1) * self.lr_decay), out=b)
