"""Activation functions and their derivatives, looked up by name.

Each activation ``f`` is applied elementwise.  An :class:`Activation` bundles

* ``forward(x)``: ``f(x)``;
* ``derivative(x)``: ``f'(x)``, from the pre-activation ``x``;
* ``backward(dout, y)``: ``dout * f'(x)``, the chain rule of a layer's backward
  pass, computed from the forward output ``y = f(x)`` alone (``sigmoid``:
  ``y (1 - y)``; ``tanh``: ``1 - y**2``; ``relu``: ``y > 0``), so that a network
  may overwrite its pre-activations with the activations in place.

``forward`` and ``backward`` take an optional ``out`` array to write into.

Derivatives at a kink (``relu`` and ``leaky_relu`` at exactly 0) use the value of
the left side (0 and the negative slope), as PyTorch does.

``sigmoid`` is computed from ``exp(-|x|)`` so that it neither overflows nor loses
digits for large ``|x|`` (the tests use ``|x|`` up to 1e4); the derivatives of
``sigmoid`` and ``tanh`` likewise, from ``exp(-|x|)`` and ``exp(-2|x|)``, so that
they are exact on both tails until the true value underflows.  ``backward``
works from the forward output ``y`` instead, where ``tanh(x)`` has already
rounded to 1 for ``|x|`` above about 19 (float64) or 9 (float32) and
``1 - y**2`` is 0 there: a saturated unit passes on no gradient.
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
    forward : callable ``(x, out=None) -> f(x)``
        May write into ``out``, which may be ``x`` itself (in place).
    derivative : callable ``x -> f'(x)``
        From the pre-activation; exact on both tails.
    backward : callable ``(dout, y, out=None) -> dout * f'(x)``
        The chain rule of a layer's backward pass, from the forward *output*
        ``y = f(x)`` alone (so the forward pass may overwrite ``x``); may write
        into ``out``, which may be ``dout`` itself.
    """

    name: str
    forward: Callable[..., Array]
    derivative: Callable[[Array], Array]
    backward: Callable[..., Array]

    def __call__(self, x: Array) -> Array:
        return self.forward(x)

    def __repr__(self) -> str:
        return f"Activation({self.name!r})"


# --- identity -----------------------------------------------------------------
def identity(x: Array, out: Array | None = None) -> Array:
    """``f(x) = x``."""
    if out is None:
        return np.array(x, copy=True)
    if out is not x:
        np.copyto(out, x)
    return out


def _identity_derivative(x: Array) -> Array:
    return np.ones_like(x, dtype=_float_dtype(x))


def _identity_backward(dout: Array, y: Array, out: Array | None = None) -> Array:
    return identity(dout, out)


# --- relu ---------------------------------------------------------------------
def relu(x: Array, out: Array | None = None) -> Array:
    """``f(x) = max(0, x)``, the lecture's ``x * (x > 0)``."""
    return np.maximum(x, 0, out=out)


def _relu_derivative(x: Array) -> Array:
    return (np.asarray(x) > 0).astype(_float_dtype(x))


def _relu_backward(dout: Array, y: Array, out: Array | None = None) -> Array:
    # f'(x) = [x > 0] = [y > 0]
    return np.multiply(dout, y > 0, out=out)


# --- leaky relu ---------------------------------------------------------------
def leaky_relu(x: Array, negative_slope: float = 0.01, out: Array | None = None) -> Array:
    """``f(x) = x`` for ``x > 0`` and ``negative_slope * x`` otherwise (slope in [0, 1))."""
    x = np.asarray(x)
    # for a slope in [0, 1), max(x, slope * x) is x above 0 and slope * x below
    return np.maximum(x, x * negative_slope, out=out)


def _make_leaky(negative_slope: float) -> Activation:
    if not 0 <= negative_slope < 1:
        raise ValueError(f"negative_slope must be in [0, 1), got {negative_slope}")

    def forward(x: Array, out: Array | None = None) -> Array:
        return leaky_relu(x, negative_slope, out=out)

    def derivative(x: Array) -> Array:
        x = np.asarray(x)
        return np.where(x > 0, 1.0, negative_slope).astype(_float_dtype(x))

    def backward(dout: Array, y: Array, out: Array | None = None) -> Array:
        # y > 0 exactly where x > 0
        return np.multiply(dout, np.where(y > 0, 1.0, negative_slope).astype(dout.dtype), out=out)

    return Activation("leaky_relu", forward, derivative, backward)


# --- sigmoid ------------------------------------------------------------------
def sigmoid(x: Array, out: Array | None = None) -> Array:
    """``f(x) = 1 / (1 + exp(-x))``, stable for any ``x``.

    With ``e = exp(-|x|)`` (never above 1) it is ``1 / (1 + e)`` for ``x >= 0`` and
    ``e / (1 + e)`` for ``x < 0``: no overflow, and full relative precision on
    both tails.
    """
    x = np.asarray(x)
    e = np.exp(-np.abs(x))
    numerator = np.where(x >= 0, np.ones((), dtype=e.dtype), e)
    return np.divide(numerator, 1 + e, out=out)


def _sigmoid_derivative(x: Array) -> Array:
    # sigma(x) * sigma(-x) = e / (1 + e)^2 with e = exp(-|x|): exact on both tails
    e = np.exp(-np.abs(np.asarray(x)))
    return e / (1 + e) ** 2


def _sigmoid_backward(dout: Array, y: Array, out: Array | None = None) -> Array:
    return np.multiply(dout, y * (1 - y), out=out)


# --- tanh ---------------------------------------------------------------------
def tanh(x: Array, out: Array | None = None) -> Array:
    """``f(x) = tanh(x) = 2 sigmoid(2x) - 1``."""
    return np.tanh(x, out=out)


def _tanh_derivative(x: Array) -> Array:
    # 1 - tanh(x)^2 = 1 / cosh(x)^2 = 4 e / (1 + e)^2 with e = exp(-2|x|): no overflow, and the tails
    # keep their digits (1 - tanh(x)^2 is 0 from |x| ~ 19 in float64, ~ 9 in float32)
    e = np.exp(-2 * np.abs(np.asarray(x, dtype=_float_dtype(x))))
    return 4 * e / (1 + e) ** 2


def _tanh_backward(dout: Array, y: Array, out: Array | None = None) -> Array:
    return np.multiply(dout, 1 - y * y, out=out)


# --- softplus -----------------------------------------------------------------
def softplus(x: Array, out: Array | None = None) -> Array:
    """``f(x) = log(1 + exp(x))``, a smooth relu; computed as ``max(x, 0) + log1p(exp(-|x|))``."""
    x = np.asarray(x)
    tail = np.log1p(np.exp(-np.abs(x)))
    return np.add(np.maximum(x, 0), tail, out=out)


def _softplus_backward(dout: Array, y: Array, out: Array | None = None) -> Array:
    # f'(x) = sigmoid(x) = 1 - exp(-y), computed as -expm1(-y) to keep its digits
    return np.multiply(dout, -np.expm1(-y), out=out)


# --- elu ----------------------------------------------------------------------
def elu(x: Array, out: Array | None = None) -> Array:
    """``f(x) = x`` for ``x > 0`` and ``exp(x) - 1`` otherwise (alpha = 1)."""
    x = np.asarray(x)
    # expm1 of min(x, 0): no overflow for large positive x, full precision near 0
    return _into(np.where(x > 0, x, np.expm1(np.minimum(x, 0))), out)


def _elu_derivative(x: Array) -> Array:
    x = np.asarray(x)
    return np.where(x > 0, 1.0, np.exp(np.minimum(x, 0))).astype(_float_dtype(x))


def _elu_backward(dout: Array, y: Array, out: Array | None = None) -> Array:
    # for x <= 0, f'(x) = exp(x) = y + 1
    return np.multiply(dout, np.where(y > 0, 1, y + 1), out=out)


def _into(result: Array, out: Array | None) -> Array:
    if out is None:
        return result
    np.copyto(out, result)
    return out


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
