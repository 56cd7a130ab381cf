"""Adam and AdamW (AMSGrad as an option), PyTorch's ``torch.optim.Adam`` and ``AdamW`` rules.

The rule is written out in the class docstring and in ``_update`` (NumPy, in place);
``_fused_update`` is the same rule in one compiled pass (:mod:`ranvier.optim._fused`).
"""

from __future__ import annotations

import math

import numpy as np

from . import _fused
from ._checks import flag, fraction, nonnegative
from ._ops import coupled_gradient, lerp, scale_by_lr
from .base import Optimizer

__all__ = ["Adam", "AdamW"]


class Adam(Optimizer):
    """Adam: "scale by Adam" (bias-corrected moments), then "scale by the learning rate".

    Updates the parameter arrays in place (see :meth:`Optimizer.step`), with
    PyTorch's ``torch.optim.Adam`` rule; ``m_0 = v_0 = 0``, ``lambda`` the
    L2-style weight decay added to the gradient::

        g_t     = grad_t + lambda * theta_{t-1}
        m_t     = beta1 * m_{t-1} + (1 - beta1) * g_t
        v_t     = beta2 * v_{t-1} + (1 - beta2) * g_t**2
        m_hat   = m_t / (1 - beta1**t)
        v_hat   = v_t / (1 - beta2**t)          (amsgrad: vmax_t = max(vmax_{t-1}, v_t)
                                                 is used in place of v_t)
        theta_t = theta_{t-1} - gamma * m_hat / (sqrt(v_hat) + eps)

    ``eps`` is added after the square root of the bias-corrected second moment.
    For decoupled weight decay use :class:`AdamW`.

    Parameters
    ----------
    lr : float, default 1e-3
    beta1, beta2 : float, default 0.9, 0.999
        Decay rates of the first and second moments, in [0, 1).
    eps : float, default 1e-8
    weight_decay : float, default 0.0
        L2 penalty added to the gradient.
    amsgrad : bool, default False
        Normalise by the running maximum of ``v_t``.
    """

    name = "adam"
    _takes_l2 = True
    _decoupled = False

    def __init__(
        self,
        lr: float = 1e-3,
        *,
        beta1: float = 0.9,
        beta2: float = 0.999,
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        amsgrad: bool = False,
    ) -> None:
        super().__init__(lr)
        self.beta1 = fraction(beta1, "beta1")
        self.beta2 = fraction(beta2, "beta2")
        self.eps = nonnegative(eps, "eps")
        self.weight_decay = nonnegative(weight_decay, "weight_decay")
        self.amsgrad = flag(amsgrad, "amsgrad")

    @property
    def _config(self) -> dict:
        return {
            "lr": self.lr,
            "beta1": self.beta1,
            "beta2": self.beta2,
            "eps": self.eps,
            "weight_decay": self.weight_decay,
            "amsgrad": self.amsgrad,
        }

    @property
    def slots(self) -> tuple[str, ...]:
        return ("exp_avg", "exp_avg_sq") + (("max_exp_avg_sq",) if self.amsgrad else ())

    def _fused_update(self, p, g, s, t, lr, wd) -> bool:
        flat = None if self.amsgrad else _fused.flat_views(p, g, s["exp_avg"], s["exp_avg_sq"])
        if flat is None:
            return False
        x = p.dtype.type
        shrink = self._decoupled and self.weight_decay != 0
        _fused.adam(*flat, x(wd), x(1.0 - lr * self.weight_decay), x(1.0 - self.beta1), x(self.beta2),
                    x(1.0 - self.beta2), x(math.sqrt(1.0 - self.beta2**t)), x(self.eps),
                    x(lr / (1.0 - self.beta1**t)), wd != 0, shrink)
        return True

    @property
    def _coupled_decay(self) -> float:
        return 0.0 if self._decoupled else self.weight_decay

    def _update(self, p, g, s, t, lr, a, b, wd) -> None:
        if self._decoupled and self.weight_decay != 0:
            p *= 1.0 - lr * self.weight_decay  # wd is then 0: folds_l2 needs weight_decay == 0
        g = coupled_gradient(g, p, wd, out=a)  # g_t = grad_t + lambda * theta_{t-1}
        bias_correction1 = self._scale_by_adam(g, s, t, out=b)
        scale_by_lr(p, b, lr / bias_correction1, out=b)

    def _scale_by_adam(self, g, s, t, out) -> float:
        """Update the moments and write ``m_t / (sqrt(v_hat) + eps)`` to ``out``.

        Returns the bias correction ``1 - beta1**t`` that turns it into
        ``m_hat / (sqrt(v_hat) + eps)``; folding it into the learning rate saves a pass.
        """
        m, v = s["exp_avg"], s["exp_avg_sq"]
        lerp(m, g, 1.0 - self.beta1, out=out)
        v *= self.beta2
        np.multiply(g, g, out=out)
        out *= 1.0 - self.beta2
        v += out
        if self.amsgrad:
            np.maximum(s["max_exp_avg_sq"], v, out=s["max_exp_avg_sq"])
            v = s["max_exp_avg_sq"]
        np.sqrt(v, out=out)
        out /= math.sqrt(1.0 - self.beta2**t)
        out += self.eps
        np.divide(m, out, out=out)
        return 1.0 - self.beta1**t


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov and Hutter).

    Updates the parameter arrays in place (see :meth:`Optimizer.step`), with
    PyTorch's ``torch.optim.AdamW`` rule: the parameter shrinks first, then
    takes the Adam step on the raw gradient::

        theta'  = theta_{t-1} * (1 - gamma * lambda)
        theta_t = theta' - gamma * m_hat / (sqrt(v_hat) + eps)   (m, v as in Adam, from grad_t)

    Parameters are those of :class:`Adam`; ``weight_decay`` (default 1e-2, as
    in PyTorch) is the decoupled ``lambda``.
    """

    name = "adamw"
    _decoupled = True

    def __init__(
        self,
        lr: float = 1e-3,
        *,
        beta1: float = 0.9,
        beta2: float = 0.999,
        eps: float = 1e-8,
        weight_decay: float = 1e-2,
        amsgrad: bool = False,
    ) -> None:
        super().__init__(lr, beta1=beta1, beta2=beta2, eps=eps, weight_decay=weight_decay, amsgrad=amsgrad)
