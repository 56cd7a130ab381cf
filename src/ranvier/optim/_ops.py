"""The arithmetic the NumPy rules share, each an in-place pass with ``out=`` (no fresh arrays)."""

from __future__ import annotations

import numpy as np


def scale_by_lr(p: np.ndarray, u: np.ndarray, lr: float, out: np.ndarray) -> None:
    """``p -= lr * u`` through ``out`` (which may be ``u``)."""
    np.multiply(u, lr, out=out)
    np.subtract(p, out, out=p)


def lerp(avg: np.ndarray, x: np.ndarray, weight: float, out: np.ndarray) -> None:
    """``avg += weight * (x - avg)``, i.e. ``avg = (1 - weight) avg + weight x``."""
    np.subtract(x, avg, out=out)
    out *= weight
    avg += out


def coupled_gradient(g: np.ndarray, p: np.ndarray, wd: float, out: np.ndarray) -> np.ndarray:
    """``g_t = grad_t + lambda * theta_{t-1}``: ``g + wd * p`` in ``out``; ``g`` itself (never written) when ``wd == 0``."""
    if wd == 0:
        return g
    np.multiply(p, wd, out=out)
    out += g
    return out
