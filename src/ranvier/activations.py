"""Activation functions and their derivatives, looked up by name.

Each activation ``f`` is applied elementwise.  An :class:`Activation` bundles

* ``forward(x)``: ``f(x)``;
* ``derivative(x)``: ``f'(x)``, from the pre-activation ``x``;
* ``backward(dout, x, out)``: ``dout * f'(x)``, the chain rule of a layer's
  backward pass.  It may use the forward output ``out = f(x)`` when that is
  cheaper (``sigmoid``: ``s (1 - s)``; ``tanh``: ``1 - t**2``; ``relu``: ``out > 0``).

Derivatives at a kink (``relu`` and ``leaky_relu`` at exactly 0) use the value of
the left side (0 and the negative slope), as PyTorch does.

``sigmoid`` is computed from ``exp(-|x|)`` so that it neither overflows nor loses
digits for large ``|x|`` (the tests use ``|x|`` up to 1e4).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

__all__ = [
    "ACTIVATIONS",
    "Activation",
    "elu",
    "get_activation",
    "identity",
    "leaky_relu",
    "relu",
    "sigmoid",
    "softplus",
    "tanh",
]

Array = np.ndarray


@dataclass(frozen=True)
class Activation:
    """An elementwise activation with its derivative.

    Attributes
    ----------
    name : str
    forward : callable ``x -> f(x)``
    derivative : callable ``x -> f'(x)``
    backward : callable ``(dout, x, out) -> dout * f'(x)``
    """

    name: str
    forward: Callable[[Array], Array]
    derivative: Callable[[Array], Array]
    backward: Callable[[Array, Array, Array], Array]

    def __call__(self, x: Array) -> Array:
        return self.forward(x)

    def __repr__(self) -> str:
        return f"Activation({self.name!r})"


# --- identity -----------------------------------------------------------------
def identity(x: Array) -> Array:
    """``f(x) = x``."""
    return np.asarray(x)


def _identity_derivative(x: Array) -> Array:
    return np.ones_like(x)


def _identity_backward(dout: Array, x: Array, out: Array) -> Array:
    return dout


# --- relu ---------------------------------------------------------------------
def relu(x: Array) -> Array:
    """``f(x) = max(0, x)``, the lecture's ``x * (x > 0)``."""
    return np.maximum(x, 0)


def _relu_derivative(x: Array) -> Array:
    return (np.asarray(x) > 0).astype(_float_dtype(x))


def _relu_backward(dout: Array, x: Array, out: Array) -> Array:
    return dout * (out > 0)


# --- leaky relu ---------------------------------------------------------------
def leaky_relu(x: Array, negative_slope: float = 0.01) -> Array:
    """``f(x) = x`` for ``x > 0`` and ``negative_slope * x`` otherwise."""
    x = np.asarray(x)
    return np.where(x > 0, x, x * negative_slope)


def _make_leaky(negative_slope: float) -> Activation:
    def forward(x: Array) -> Array:
        return leaky_relu(x, negative_slope)

    def derivative(x: Array) -> Array:
        x = np.asarray(x)
        return np.where(x > 0, 1.0, negative_slope).astype(_float_dtype(x))

    def backward(dout: Array, x: Array, out: Array) -> Array:
        return np.where(x > 0, dout, dout * negative_slope)

    return Activation("leaky_relu", forward, derivative, backward)


# --- sigmoid ------------------------------------------------------------------
def sigmoid(x: Array) -> Array:
    """``f(x) = 1 / (1 + exp(-x))``, stable for any ``x``.

    With ``e = exp(-|x|)`` (never above 1) it is ``1 / (1 + e)`` for ``x >= 0`` and
    ``e / (1 + e)`` for ``x < 0``: no overflow, and full relative precision on
    both tails.
    """
    x = np.asarray(x)
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1.0, e) / (1.0 + e)


def _sigmoid_derivative(x: Array) -> Array:
    # sigma(x) * sigma(-x) = e / (1 + e)^2 with e = exp(-|x|): exact on both tails
    e = np.exp(-np.abs(np.asarray(x)))
    return e / (1.0 + e) ** 2


def _sigmoid_backward(dout: Array, x: Array, out: Array) -> Array:
    return dout * out * (1 - out)


# --- tanh ---------------------------------------------------------------------
def tanh(x: Array) -> Array:
    """``f(x) = tanh(x) = 2 sigmoid(2x) - 1``."""
    return np.tanh(x)


def _tanh_derivative(x: Array) -> Array:
    t = np.tanh(x)
    return 1 - t * t


def _tanh_backward(dout: Array, x: Array, out: Array) -> Array:
    return dout * (1 - out * out)


# --- softplus -----------------------------------------------------------------
def softplus(x: Array) -> Array:
    """``f(x) = log(1 + exp(x))``, a smooth relu; computed as ``max(x, 0) + log1p(exp(-|x|))``."""
    x = np.asarray(x)
    return np.maximum(x, 0) + np.log1p(np.exp(-np.abs(x)))


def _softplus_backward(dout: Array, x: Array, out: Array) -> Array:
    return dout * sigmoid(x)


# --- elu ----------------------------------------------------------------------
def elu(x: Array) -> Array:
    """``f(x) = x`` for ``x > 0`` and ``exp(x) - 1`` otherwise (alpha = 1)."""
    x = np.asarray(x)
    return np.where(x > 0, x, np.expm1(np.minimum(x, 0)))


def _elu_derivative(x: Array) -> Array:
    x = np.asarray(x)
    return np.where(x > 0, 1.0, np.exp(np.minimum(x, 0))).astype(_float_dtype(x))


def _elu_backward(dout: Array, x: Array, out: Array) -> Array:
    # for x <= 0, f'(x) = exp(x) = out + 1
    return np.where(x > 0, dout, dout * (out + 1))


def _float_dtype(x: Array) -> np.dtype:
    dtype = np.asarray(x).dtype
    return dtype if np.issubdtype(dtype, np.floating) else np.dtype(np.float64)


ACTIVATIONS: dict[str, Activation] = {
    "identity": Activation("identity", identity, _identity_derivative, _identity_backward),
    "relu": Activation("relu", relu, _relu_derivative, _relu_backward),
    "leaky_relu": _make_leaky(0.01),
    "sigmoid": Activation("sigmoid", sigmoid, _sigmoid_derivative, _sigmoid_backward),
    "tanh": Activation("tanh", tanh, _tanh_derivative, _tanh_backward),
    "softplus": Activation("softplus", softplus, sigmoid, _softplus_backward),
    "elu": Activation("elu", elu, _elu_derivative, _elu_backward),
}
"""The activations by name. ``leaky_relu`` here has slope 0.01."""

_ALIASES = {"linear": "identity", "none": "identity", "logistic": "sigmoid", "leaky-relu": "leaky_relu"}


def get_activation(name: str | Activation, *, negative_slope: float | None = None) -> Activation:
    """Look an activation up by name.

    Parameters
    ----------
    name : str or Activation
        One of ``identity``, ``relu``, ``leaky_relu``, ``sigmoid``, ``tanh``,
        ``softplus``, ``elu`` (aliases: ``linear``, ``logistic``); an
        :class:`Activation` is returned as it is.
    negative_slope : float, optional
        The slope of ``leaky_relu`` for negative inputs (default 0.01).

    Raises
    ------
    ValueError
        For an unknown name; the message lists the valid ones.
    """
    if isinstance(name, Activation):
        return name
    if not isinstance(name, str):
        raise TypeError(f"activation must be a name such as 'relu', got {type(name).__name__}")
    key = _ALIASES.get(name.lower(), name.lower())
    if key not in ACTIVATIONS:
        raise ValueError(f"unknown activation {name!r}; choose one of: {', '.join(ACTIVATIONS)}")
    if key == "leaky_relu" and negative_slope is not None:
        return _make_leaky(float(negative_slope))
    return ACTIVATIONS[key]
