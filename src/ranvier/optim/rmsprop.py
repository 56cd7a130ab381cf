"""RMSprop (plain, centred, with momentum), PyTorch's ``torch.optim.RMSprop`` rule.

The rule is written out in the class docstring and in ``_update`` (NumPy, in place);
it has no fused kernel: its passes cost little beside the matrix products of a step.
"""

from __future__ import annotations

import numpy as np

from ._checks import flag, fraction, nonnegative
from ._ops import coupled_gradient, lerp, scale_by_lr
from .base import Optimizer

__all__ = ["RMSprop"]


class RMSprop(Optimizer):
    """RMSprop: steps scaled by a running root mean square of the gradients.

    Updates the parameter arrays in place (see :meth:`Optimizer.step`), with
    PyTorch's ``torch.optim.RMSprop`` rule: smoothing ``alpha``, weight decay
    ``lambda``, momentum ``mu``; all averages start at 0::

        g_t     = grad_t + lambda * theta_{t-1}
        v_t     = alpha * v_{t-1} + (1 - alpha) * g_t**2
        if centered:
            a_t = alpha * a_{t-1} + (1 - alpha) * g_t
            r_t = sqrt(v_t - a_t**2) + eps
        else:
            r_t = sqrt(v_t) + eps
        if mu > 0:
            b_t     = mu * b_{t-1} + g_t / r_t
            theta_t = theta_{t-1} - gamma * b_t
        else:
            theta_t = theta_{t-1} - gamma * g_t / r_t

    Parameters
    ----------
    lr : float, default 1e-2
    alpha : float, default 0.99
        Smoothing constant, in [0, 1).
    eps : float, default 1e-8
        Added after the square root.
    weight_decay : float, default 0.0
    momentum : float, default 0.0
    centered : bool, default False
        Normalise by an estimate of the variance instead of the raw second moment.
    """

    name = "rmsprop"
    _takes_l2 = True

    def __init__(
        self,
        lr: float = 1e-2,
        *,
        alpha: float = 0.99,
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        momentum: float = 0.0,
        centered: bool = False,
    ) -> None:
        super().__init__(lr)
        self.alpha = fraction(alpha, "alpha")
        self.eps = nonnegative(eps, "eps")
        self.weight_decay = nonnegative(weight_decay, "weight_decay")
        self.momentum = nonnegative(momentum, "momentum")
        self.centered = flag(centered, "centered")

    @property
    def _config(self) -> dict:
        return {
            "lr": self.lr,
            "alpha": self.alpha,
            "eps": self.eps,
            "weight_decay": self.weight_decay,
            "momentum": self.momentum,
            "centered": self.centered,
        }

    @property
    def slots(self) -> tuple[str, ...]:
        return (
            ("square_avg",)
            + (("grad_avg",) if self.centered else ())
            + (("momentum_buffer",) if self.momentum > 0 else ())
        )

    def _update(self, p, g, s, t, lr, a, b, wd) -> None:
        g = coupled_gradient(g, p, wd, out=a)  # g_t = grad_t + lambda * theta_{t-1}
        sq = s["square_avg"]
        sq *= self.alpha
        np.multiply(g, g, out=b)
        b *= 1.0 - self.alpha
        sq += b
        if self.centered:
            avg = s["grad_avg"]
            lerp(avg, g, 1.0 - self.alpha, out=b)
            np.multiply(avg, avg, out=b)
            np.subtract(sq, b, out=b)
            np.sqrt(b, out=b)
        else:
            np.sqrt(sq, out=b)
        b += self.eps
        np.divide(g, b, out=b)  # the direction g_t / r_t
        if self.momentum > 0:
            buf = s["momentum_buffer"]
            buf *= self.momentum
            buf += b
            scale_by_lr(p, buf, lr, out=b)
        else:
            scale_by_lr(p, b, lr, out=b)
