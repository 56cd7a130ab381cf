"""Gradient clipping by global norm, as ``torch.nn.utils.clip_grad_norm_``.

With ``g`` all gradients laid end to end, the global norm is
``||g|| = sqrt(sum_k ||g_k||^2)``.  When it exceeds ``max_norm`` every gradient
is scaled by the same factor ``max_norm / (||g|| + 1e-6)``, so the direction of
the step is kept and its length bounded; otherwise the factor is clamped to 1
and nothing changes.  The ``1e-6`` is PyTorch's, which keeps the two equal to
the last digit.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np

__all__ = ["clip_grad_norm", "global_norm"]

_EPS = 1e-6  # PyTorch's: max_norm / (total_norm + 1e-6)


def global_norm(grads: Mapping[str, np.ndarray]) -> float:
    """``sqrt(sum_k ||g_k||^2)`` over every array of ``grads``.

    Each ``||g_k||^2`` is one BLAS dot product in the gradient's own dtype (as PyTorch
    computes norms in the tensor's dtype); nothing is allocated.
    """
    total = 0.0
    for g in grads.values():
        flat = g.reshape(-1)
        total += float(np.dot(flat, flat))
    return math.sqrt(total)


def clip_grad_norm(grads: Mapping[str, np.ndarray], max_norm: float) -> float:
    """Scale ``grads`` in place so their global norm is at most ``max_norm``; return the norm before.

    Parameters
    ----------
    grads : dict of str to ndarray
        The gradients, changed in place (each keeps its dtype).
    max_norm : float
        A positive bound on the global L2 norm.

    Returns
    -------
    float
        The global norm before clipping (``inf`` or ``nan`` when a gradient is not finite;
        the gradients are then left as they are, for the divergence check to see).
    """
    if isinstance(max_norm, bool) or not isinstance(max_norm, (int, float, np.floating)) or not max_norm > 0 \
            or not math.isfinite(max_norm):
        raise ValueError(f"max_norm must be a positive finite number, got {max_norm!r}")
    norm = global_norm(grads)
    if not math.isfinite(norm):
        return norm
    coef = float(max_norm) / (norm + _EPS)
    if coef < 1.0:
        for g in grads.values():
            np.multiply(g, g.dtype.type(coef), out=g)
    return norm
