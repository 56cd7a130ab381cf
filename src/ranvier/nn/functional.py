"""Layers as forward/backward pairs with an opaque cache.

Shapes follow the lecture with a batch of ``m`` row vectors: a layer with ``n``
inputs and ``h`` outputs has weights ``W`` of shape ``(h, n)`` and bias ``b`` of
shape ``(h,)``; for a batch ``x`` of shape ``(m, n)`` the output is
``x @ W.T + b`` of shape ``(m, h)``, the row-wise form of ``W x + b``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .activations import Activation, get_activation

__all__ = [
    "activation_backward",
    "activation_forward",
    "affine_activation_backward",
    "affine_activation_forward",
    "affine_backward",
    "affine_forward",
]


def affine_forward(
    x: np.ndarray, W: np.ndarray, b: np.ndarray, *, out: np.ndarray | None = None
) -> tuple[np.ndarray, Any]:
    """``out = x @ W.T + b``.

    Parameters
    ----------
    x : ndarray of shape (m, n)
    W : ndarray of shape (h, n)
    b : ndarray of shape (h,)
    out : ndarray of shape (m, h), optional
        Where to write the result (one BLAS product, no temporary).

    Returns
    -------
    out : ndarray of shape (m, h)
    cache : object to pass to :func:`affine_backward`
    """
    out = np.matmul(x, W.T, out=out)
    out += b
    return out, (x, W)


def affine_backward(
    dout: np.ndarray,
    cache: Any,
    *,
    need_dx: bool = True,
    out: tuple[np.ndarray | None, np.ndarray | None, np.ndarray | None] = (None, None, None),
) -> tuple[np.ndarray | None, np.ndarray, np.ndarray]:
    """Gradients of an affine layer.

    Parameters
    ----------
    dout : ndarray of shape (m, h)
        Upstream gradient ``dL/dout``.
    cache : from :func:`affine_forward`
    need_dx : bool, default True
        Skip the product ``dout @ W`` when False (the first layer of a
        network, whose input is data, needs no ``dx``); ``dx`` is then None.
    out : tuple of three ndarrays or None, optional
        Buffers for ``(dx, dW, db)``.

    Returns
    -------
    dx : ndarray of shape (m, n) or None
        ``dout @ W``
    dW : ndarray of shape (h, n)
        ``dout.T @ x``
    db : ndarray of shape (h,)
        ``dout`` summed over the batch
    """
    x, W = cache
    dx_out, dW_out, db_out = out
    if dW_out is not None and dW_out.ndim == 2 and dW_out.flags.f_contiguous and not dW_out.flags.c_contiguous:
        # a transposed buffer: write its C-ordered transpose, x.T @ dout, which BLAS does directly
        np.matmul(x.T, dout, out=dW_out.T)
        dW = dW_out
    else:
        dW = np.matmul(dout.T, x, out=dW_out)
    db = np.sum(dout, axis=0, out=db_out)
    dx = np.matmul(dout, W, out=dx_out) if need_dx else None
    return dx, dW, db


def activation_forward(
    x: np.ndarray, activation: str | Activation, *, out: np.ndarray | None = None
) -> tuple[np.ndarray, Any]:
    """``out = f(x)`` elementwise; returns ``(out, cache)``.

    ``out`` may be ``x`` itself: the backward pass needs only the output.
    """
    act = get_activation(activation)
    y = act.forward(x, out=out)
    return y, (act, y)


def activation_backward(dout: np.ndarray, cache: Any, *, out: np.ndarray | None = None) -> np.ndarray:
    """``dx = dout * f'(x)`` for the cache of :func:`activation_forward`.

    ``out`` may be ``dout`` itself.
    """
    act, y = cache
    return act.backward(dout, y, out=out)


def affine_activation_forward(
    x: np.ndarray, W: np.ndarray, b: np.ndarray, activation: str | Activation
) -> tuple[np.ndarray, Any]:
    """``f(x @ W.T + b)``: an affine layer followed by an activation."""
    a, affine_cache = affine_forward(x, W, b)
    out, act_cache = activation_forward(a, activation)
    return out, (affine_cache, act_cache)


def affine_activation_backward(
    dout: np.ndarray, cache: Any
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Backward pass of :func:`affine_activation_forward`: ``(dx, dW, db)``."""
    affine_cache, act_cache = cache
    da = activation_backward(dout, act_cache)
    return affine_backward(da, affine_cache)
