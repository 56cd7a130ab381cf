"""SGD with momentum (heavy ball or Nesterov), PyTorch's ``torch.optim.SGD`` rule.

The rule is written out in the class docstring and in ``_update`` (NumPy, in place);
``_fused_update`` is the same rule in one compiled pass (:mod:`ranvier.optim._fused`).
"""

from __future__ import annotations

import numpy as np

from . import _fused
from ._checks import flag, fraction, nonnegative
from ._ops import coupled_gradient, scale_by_lr
from .base import Optimizer

__all__ = ["SGD", "momentum", "nesterov"]


class SGD(Optimizer):
    """Stochastic gradient descent with optional momentum (heavy ball or Nesterov).

    Updates the parameter arrays in place (see :meth:`Optimizer.step`), with
    PyTorch's ``torch.optim.SGD`` rule: weight decay ``lambda``, momentum
    ``mu``, dampening ``tau``::

        g_t     = grad_t + lambda * theta_{t-1}
        b_1     = g_1                                  (the first step copies the gradient)
        b_t     = mu * b_{t-1} + (1 - tau) * g_t       (t > 1)
        d_t     = g_t + mu * b_t    if nesterov
                = b_t               if mu > 0
                = g_t               if mu == 0
        theta_t = theta_{t-1} - gamma * d_t

    Parameters
    ----------
    lr : float, default 1e-3
        Learning rate ``gamma`` (> 0).
    momentum : float, default 0.0
        Momentum factor ``mu`` (>= 0); 0 is plain gradient descent.
    nesterov : bool, default False
        Nesterov's look-ahead form; needs ``momentum > 0`` and ``dampening == 0``.
    weight_decay : float, default 0.0
        L2 penalty ``lambda`` added to the gradient (>= 0).
    dampening : float, default 0.0
        Dampening ``tau`` of the gradient in the buffer, in [0, 1].

    The registry aliases ``momentum`` and ``nesterov`` build this class with
    ``momentum=0.9`` (and ``nesterov=True``).
    """

    name = "sgd"
    _takes_l2 = True

    def __init__(
        self,
        lr: float = 1e-3,
        *,
        momentum: float = 0.0,
        nesterov: bool = False,
        weight_decay: float = 0.0,
        dampening: float = 0.0,
    ) -> None:
        super().__init__(lr)
        self.momentum = nonnegative(momentum, "momentum")
        self.nesterov = flag(nesterov, "nesterov")
        self.weight_decay = nonnegative(weight_decay, "weight_decay")
        self.dampening = fraction(dampening, "dampening", one=True)
        if self.nesterov and (self.momentum == 0 or self.dampening != 0):
            raise ValueError(
                f"nesterov=True needs momentum > 0 and dampening == 0, got momentum={momentum!r} "
                f"and dampening={dampening!r}"
            )

    @property
    def _config(self) -> dict:
        return {
            "lr": self.lr,
            "momentum": self.momentum,
            "nesterov": self.nesterov,
            "weight_decay": self.weight_decay,
            "dampening": self.dampening,
        }

    @property
    def slots(self) -> tuple[str, ...]:
        return ("momentum_buffer",) if self.momentum != 0 else ()

    def _fused_update(self, p, g, s, t, lr, wd) -> bool:
        use_momentum = self.momentum != 0
        flat = _fused.flat_views(p, g, s["momentum_buffer"]) if use_momentum else _fused.flat_views(p, g)
        if flat is None:
            return False
        if not use_momentum:
            flat.append(flat[0][:0])  # no buffer
        x = p.dtype.type
        _fused.sgd(*flat, x(wd), x(self.momentum), x(1.0 - self.dampening), x(lr),
                   wd != 0, use_momentum, t == 1, self.dampening != 0, self.nesterov)
        return True

    def _update(self, p, g, s, t, lr, a, b, wd) -> None:
        g = coupled_gradient(g, p, wd, out=a)  # g_t = grad_t + lambda * theta_{t-1}
        if self.momentum == 0:
            scale_by_lr(p, g, lr, out=b)
            return
        buf = s["momentum_buffer"]
        if t == 1:
            np.copyto(buf, g)
        else:
            buf *= self.momentum
            if self.dampening == 0:
                buf += g
            else:
                np.multiply(g, 1.0 - self.dampening, out=b)
                buf += b
        if self.nesterov:
            np.multiply(buf, self.momentum, out=b)
            b += g
            scale_by_lr(p, b, lr, out=b)
        else:
            scale_by_lr(p, buf, lr, out=b)


def momentum(
    lr: float = 1e-3, *, momentum: float = 0.9, weight_decay: float = 0.0, dampening: float = 0.0
) -> SGD:
    """SGD with heavy-ball momentum (default ``momentum=0.9``): ``SGD(lr, momentum=...)``."""
    return SGD(lr, momentum=momentum, weight_decay=weight_decay, dampening=dampening)


def nesterov(lr: float = 1e-3, *, momentum: float = 0.9, weight_decay: float = 0.0) -> SGD:
    """SGD with Nesterov momentum (default ``momentum=0.9``): ``SGD(lr, momentum=..., nesterov=True)``."""
    return SGD(lr, momentum=momentum, nesterov=True, weight_decay=weight_decay)
