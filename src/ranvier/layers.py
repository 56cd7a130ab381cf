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


def affine_forward(x: np.ndarray, W: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, Any]:
    """``out = x @ W.T + b``.

    Parameters
    ----------
    x : ndarray of shape (m, n)
    W : ndarray of shape (h, n)
    b : ndarray of shape (h,)

    Returns
    -------
    out : ndarray of shape (m, h)
    cache : object to pass to :func:`affine_backward`
    """
    out = x @ W.T
    out += b
    return out, (x, W)


def affine_backward(dout: np.ndarray, cache: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Gradients of an affine layer.

    Parameters
    ----------
    dout : ndarray of shape (m, h)
        Upstream gradient ``dL/dout``.
    cache : from :func:`affine_forward`

    Returns
    -------
    dx : ndarray of shape (m, n)
        ``dout @ W``
    dW : ndarray of shape (h, n)
        ``dout.T @ x``
    db : ndarray of shape (h,)
        ``dout`` summed over the batch
    """
    x, W = cache
    return dout @ W, dout.T @ x, dout.sum(axis=0)


def activation_forward(x: np.ndarray, activation: str | Activation) -> tuple[np.ndarray, Any]:
    """``out = f(x)`` elementwise; returns ``(out, cache)``."""
    act = get_activation(activation)
    out = act.forward(x)
    return out, (act, x, out)


def activation_backward(dout: np.ndarray, cache: Any) -> np.ndarray:
    """``dx = dout * f'(x)`` for the cache of :func:`activation_forward`."""
    act, x, out = cache
    return act.backward(dout, x, out)


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
