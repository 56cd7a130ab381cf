"""Fused optimiser updates: one pass over memory instead of four to thirteen (optional, Numba).

:mod:`ranvier.optim` writes each update rule as a few NumPy operations, each a
pass over the parameter-sized arrays.  For a big parameter (the 3072 x 500
weights of a CIFAR-10 MLP: 6 MB per array) those passes cost more than the
step's matrix products leave room for: Adam makes thirteen.  When Numba is
installed (``pip install 'ranvier[fast]'``), the loops below do the same
operations, in the same order and the same precision, element by element in
one pass, so the parameters and the state come out bit for bit the same
(IEEE rounding of each +, -, *, / and sqrt; no fused multiply-add, as Numba
compiles without fast-math).  Without Numba, or for small parameters (whose
update is cheap and not worth a compilation), the NumPy rules run.

Every scalar is passed already converted to the arrays' dtype, the value
NumPy would use when it combines a Python float with a float32 array.
``error_model="numpy"`` makes a division by zero give inf or NaN as NumPy's
does, instead of raising; it also lets the compiler vectorise the loops
(Adam's pass is then 4x faster than its thirteen NumPy passes).
"""

from __future__ import annotations

import os

import numpy as np

MIN_SIZE = 1 << 16  # parameters smaller than this keep the NumPy update

try:  # pragma: no cover - exercised where numba is installed
    if os.environ.get("RANVIER_NO_NUMBA"):
        raise ImportError("RANVIER_NO_NUMBA is set")
    from numba import njit
except ImportError:  # NumPy rules only
    njit = None

AVAILABLE = njit is not None


def flat_views(*arrays: np.ndarray) -> list[np.ndarray] | None:
    """The arrays as 1-D views over their memory, element k of each the same entry; else None."""
    first = arrays[0]
    if first.dtype not in (np.float32, np.float64) or not (first.flags.c_contiguous or first.flags.f_contiguous):
        return None
    if not all(a.flags.writeable for a in arrays[:1] + arrays[2:]):  # all but the gradient are written
        return None
    if any(a.shape != first.shape or a.strides != first.strides or a.dtype != first.dtype for a in arrays):
        return None
    flat = [a.ravel(order="K") for a in arrays]
    if any(not np.shares_memory(f, a) for f, a in zip(flat, arrays)):
        return None
    return flat


def _compile(fn):
    """``fn`` compiled on first call; cached on disk where Numba finds a writable place for it."""
    try:
        return njit(cache=True, nogil=True, error_model="numpy")(fn)
    except RuntimeError:  # no writable cache location (a read-only install): compile anew each run
        return njit(nogil=True, error_model="numpy")(fn)


if AVAILABLE:  # pragma: no cover - exercised where numba is installed

    @_compile
    def sgd(p, g, buf, wd, mu, damp_keep, lr, use_wd, use_momentum, first, dampened, nesterov):
        """SGD.update, element by element: g' = g + wd p; buf = mu buf + (1 - tau) g'; p -= lr d."""
        for i in range(p.shape[0]):
            gi = p[i] * wd + g[i] if use_wd else g[i]
            if not use_momentum:
                p[i] = p[i] - gi * lr
                continue
            if first:
                b = gi
            elif dampened:
                b = buf[i] * mu + gi * damp_keep
            else:
                b = buf[i] * mu + gi
            buf[i] = b
            d = (b * mu + gi) if nesterov else b
            p[i] = p[i] - d * lr

    @_compile
    def adam(p, g, m, v, wd, shrink, w1, beta2, w2, sqrt_bc2, eps, step, use_wd, decoupled):
        """Adam.update (no amsgrad), element by element, in the order of the NumPy rule."""
        for i in range(p.shape[0]):
            if decoupled:
                p[i] = p[i] * shrink
                gi = g[i]
            elif use_wd:
                gi = p[i] * wd + g[i]
            else:
                gi = g[i]
            mi = m[i] + (gi - m[i]) * w1
            m[i] = mi
            vi = v[i] * beta2 + (gi * gi) * w2
            v[i] = vi
            u = mi / (np.sqrt(vi) / sqrt_bc2 + eps)
            p[i] = p[i] - u * step

else:
    sgd = adam = None
