"""Layers with a forward and a backward pass, CS231n style, for :class:`~ranvier.Sequential`.

The protocol of a layer:

* ``params`` and ``grads``: dicts of arrays (maybe empty), the same keys and
  shapes; ``buffers``: non-learned state (batch norm's running statistics);
* ``forward(x, training)``: ``x`` of shape ``(m, n_in)`` to ``out`` of shape
  ``(m, n_out)``, keeping in a cache what the backward pass needs;
* ``backward(dout)``: ``dout = dL/dout`` of shape ``(m, n_out)`` to
  ``dx = dL/dx`` of shape ``(m, n_in)``, filling ``grads``.

Outputs and input gradients live in buffers made once per batch size (as
:class:`~ranvier.Workspace` does), so a training step allocates nothing
large: the returned arrays are overwritten by the next pass of that batch
size.  Inside a :class:`~ranvier.Sequential` an activation or dropout layer
whose input belongs to the network works in place (``inplace``); a layer used
alone never changes its arguments.
"""

from __future__ import annotations

import numbers

import numpy as np

from .activations import ACTIVATIONS, get_activation
from .init import init_weight, weight_layout
from .functional import affine_backward, affine_forward

__all__ = [
    "ELU", "Activation", "Dropout", "Identity", "Layer", "LeakyReLU", "Linear", "ReLU", "Sigmoid", "Softplus",
    "Tanh",
]


def _dtype(dtype) -> np.dtype:
    dt = np.dtype(dtype)
    if dt not in (np.dtype(np.float32), np.dtype(np.float64)):
        raise ValueError(f"dtype must be float32 (training) or float64 (gradient checks), got {dt}")
    return dt


def _width(n, name: str) -> int:
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"{name} must be a positive integer, got {n!r}")
    return int(n)


class Layer:
    """Base class: no parameters, no buffers; subclasses define forward/backward.

    Attributes
    ----------
    params, grads, buffers : dict of str to ndarray
    dtype : numpy dtype or None
        None for a layer without arrays of its own (it follows its input).
    inplace, inplace_grad : bool
        Set by :class:`~ranvier.Sequential` where the input (the upstream
        gradient) belongs to the network and may be overwritten.
    needs_output : bool
        True when the backward pass reads the layer's own output (activations):
        the next layer must then not overwrite it.
    """

    needs_output = False

    def __init__(self) -> None:
        self.params: dict[str, np.ndarray] = {}
        self.grads: dict[str, np.ndarray] = {}
        self.buffers: dict[str, np.ndarray] = {}
        self.dtype: np.dtype | None = None
        self.inplace = False
        self.inplace_grad = False
        self.need_dx = True
        self._bufs: dict[tuple, np.ndarray] = {}
        self._cache = None

    def output_width(self, n_in: int) -> int:
        """Width of the output for inputs of width ``n_in``."""
        return n_in

    @property
    def input_width(self) -> int | None:
        """The width this layer requires of its input, or None (any)."""
        return None

    def forward(self, x: np.ndarray, training: bool = True) -> np.ndarray:  # pragma: no cover
        """The layer's output for ``x`` of shape (m, n_in), caching what :meth:`backward` needs.

        Parameters
        ----------
        x : ndarray of shape (m, n_in)
        training : bool, default True
            Training behaviour (dropout masks, batch statistics) or evaluation.

        Returns
        -------
        ndarray of shape (m, n_out)
            A buffer of the layer's, overwritten by its next pass on ``m`` rows.
        """
        raise NotImplementedError

    def backward(self, dout: np.ndarray) -> np.ndarray | None:  # pragma: no cover
        """``dx = dL/dx`` of shape (m, n_in) from ``dout = dL/dout``; fills :attr:`grads`.

        Returns None where ``need_dx`` is False (the first layer of a network).
        """
        raise NotImplementedError

    @property
    def num_params(self) -> int:
        """Learnable numbers in this layer."""
        return sum(p.size for p in self.params.values())

    def _buf(self, name: str, shape: tuple, dtype) -> np.ndarray:
        """A scratch array made on first use for this shape, reused after."""
        key = (name, shape, np.dtype(dtype))
        buf = self._bufs.get(key)
        if buf is None:
            buf = self._bufs[key] = np.empty(shape, dtype)
        return buf

    def _set_arrays(self, params: dict, buffers: dict | None = None) -> None:
        self.params = dict(params)
        self.grads = {k: np.empty_like(v) for k, v in self.params.items()}
        self.buffers = dict(buffers or {})

    def astype(self, dtype) -> None:
        """Convert this layer's arrays to ``dtype`` in place (float32 or float64)."""
        if self.dtype is None:
            return
        self.dtype = _dtype(dtype)
        self._set_arrays({k: v.astype(self.dtype) for k, v in self.params.items()},
                         {k: v.astype(self.dtype) for k, v in self.buffers.items()})
        self._bufs = {}

    def __getstate__(self) -> dict:
        # copies and pickles carry the parameters, not the per-batch scratch arrays and caches
        state = {k: v for k, v in self.__dict__.items() if k not in ("_bufs", "_cache")}
        state["grads"] = {k: np.empty_like(v) for k, v in self.params.items()}
        return state

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self._bufs = {}
        self._cache = None

    def extra_repr(self) -> str:
        return ""

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.extra_repr()})"


class Linear(Layer):
    """The affine layer ``out = x @ W.T + b``, the lecture's ``W x + b`` for a batch of rows.

    ``W`` has shape ``(n_out, n_in)``, ``b`` shape ``(n_out,)``.  Backward::

        dW = dout.T @ x,   db = sum_i dout_i,   dx = dout @ W

    Parameters
    ----------
    n_in, n_out : int
    init : {'auto', 'he', 'xavier', 'glorot', 'gaussian'} or float, default 'auto'
        Weight initialisation (:mod:`ranvier.nn.init`); ``'auto'`` is He
        (the common relu-like network).  Biases start at zero.
    seed : int or numpy.random.Generator, optional
    dtype : numpy dtype, default float32
    """

    def __init__(self, n_in: int, n_out: int, *, init="auto", seed=None, dtype=np.float32) -> None:
        super().__init__()
        n_in, n_out = _width(n_in, "n_in"), _width(n_out, "n_out")
        self.dtype = _dtype(dtype)
        rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
        scheme = "he" if isinstance(init, str) and init == "auto" else init
        W = weight_layout(init_weight(scheme, n_in, n_out, rng, self.dtype))
        self._set_arrays({"W": W, "b": np.zeros(n_out, self.dtype)})

    @classmethod
    def from_arrays(cls, W: np.ndarray, b: np.ndarray) -> "Linear":
        """A Linear layer holding ``W`` (n_out, n_in) and ``b`` (n_out,) themselves (not copies)."""
        layer = cls.__new__(cls)
        Layer.__init__(layer)
        layer.dtype = _dtype(W.dtype)
        layer._set_arrays({"W": W, "b": b})
        return layer

    @property
    def n_in(self) -> int:
        return self.params["W"].shape[1]

    @property
    def n_out(self) -> int:
        return self.params["W"].shape[0]

    @property
    def input_width(self) -> int:
        return self.n_in

    def output_width(self, n_in: int) -> int:
        return self.n_out

    def forward(self, x: np.ndarray, training: bool = True) -> np.ndarray:
        """``out = x @ W.T + b``; ``x`` of shape (m, n_in), ``out`` of shape (m, n_out)."""
        out = self._buf("out", (x.shape[0], self.n_out), self.dtype)
        affine_forward(x, self.params["W"], self.params["b"], out=out)
        self._cache = x
        return out

    def backward(self, dout: np.ndarray) -> np.ndarray | None:
        """``dW = dout.T @ x``, ``db = dout.sum(0)``, ``dx = dout @ W`` (None when ``need_dx`` is False)."""
        x = self._cache
        dx = self._buf("dx", x.shape, self.dtype) if self.need_dx else None
        dx, _, _ = affine_backward(dout, (x, self.params["W"]), need_dx=self.need_dx,
                                   out=(dx, self.grads["W"], self.grads["b"]))
        return dx

    def extra_repr(self) -> str:
        return f"{self.n_in}, {self.n_out}"


class Activation(Layer):
    """An elementwise activation ``out = f(x)``, by name (:mod:`ranvier.nn.activations`).

    Backward ``dx = dout * f'(x)``, computed from the output alone (``relu``:
    ``[out > 0]``; ``tanh``: ``1 - out**2``; ``sigmoid``: ``out (1 - out)``).

    Parameters
    ----------
    name : str
        ``identity``, ``relu``, ``leaky_relu``, ``sigmoid``, ``tanh``, ``softplus``, ``elu``.
    """

    needs_output = True

    def __init__(self, name: str = "relu") -> None:
        super().__init__()
        self.fn = get_activation(name)
        self.name = self.fn.name

    def forward(self, x: np.ndarray, training: bool = True) -> np.ndarray:
        """``out = f(x)``."""
        out = x if self.inplace else self._buf("out", x.shape, x.dtype)
        self._cache = self.fn.forward(x, out=out)
        return self._cache

    def backward(self, dout: np.ndarray) -> np.ndarray:
        """``dx = dout * f'(x)``."""
        dx = dout if self.inplace_grad else self._buf("dx", dout.shape, dout.dtype)
        return self.fn.backward(dout, self._cache, out=dx)

    def __getstate__(self) -> dict:
        state = super().__getstate__()
        if state["fn"] is ACTIVATIONS.get(self.name):
            state.pop("fn")  # a registry entry: looked up again by name (a leaky slope of one's own stays)
        return state

    def __setstate__(self, state: dict) -> None:
        super().__setstate__(state)
        if "fn" not in state:
            self.fn = get_activation(self.name)

    def __repr__(self) -> str:
        return f"{_CLASS_NAMES[self.name]}()"


def _named(act: str, doc: str) -> type:
    def __init__(self) -> None:
        Activation.__init__(self, act)

    return type(_CLASS_NAMES[act], (Activation,), {"__init__": __init__, "__doc__": doc})


_CLASS_NAMES = {"identity": "Identity", "relu": "ReLU", "leaky_relu": "LeakyReLU", "sigmoid": "Sigmoid",
                "tanh": "Tanh", "softplus": "Softplus", "elu": "ELU"}
ReLU = _named("relu", "``Activation('relu')``: ``max(0, x)``.")
LeakyReLU = _named("leaky_relu", "``Activation('leaky_relu')``: slope 0.01 below zero.")
Sigmoid = _named("sigmoid", "``Activation('sigmoid')``.")
Tanh = _named("tanh", "``Activation('tanh')``.")
Softplus = _named("softplus", "``Activation('softplus')``: ``log(1 + exp(x))``.")
ELU = _named("elu", "``Activation('elu')``.")
Identity = _named("identity", "``Activation('identity')``: ``f(x) = x``.")
assert set(_CLASS_NAMES) == set(ACTIVATIONS)  # one named class per registered activation


class Dropout(Layer):
    """Inverted dropout: ``out = x * mask / (1 - p)`` in training, ``out = x`` in evaluation.

    Each unit is kept (``mask = 1``) with probability ``1 - p``, from
    ``u >= p`` for ``u`` uniform in [0, 1); backward ``dx = dout * mask / (1 - p)``.

    Parameters
    ----------
    p : float in [0, 1)
        Probability of dropping a unit.
    seed : int or numpy.random.Generator, optional
        The masks' generator; a :class:`~ranvier.Trainer` replaces it by the
        training run's own (:meth:`Sequential.set_rng`).

    Attributes
    ----------
    hold_mask : bool
        When True, a forward pass on a batch of the last mask's shape reuses
        that mask (gradient checks hold it fixed).
    """

    def __init__(self, p: float = 0.5, *, seed=None) -> None:
        super().__init__()
        if isinstance(p, bool) or not isinstance(p, numbers.Real) or not 0 <= p < 1:
            raise ValueError(f"dropout p must be a probability in [0, 1), got {p!r}")
        self.p = float(p)
        self.rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
        self.hold_mask = False

    def forward(self, x: np.ndarray, training: bool = True) -> np.ndarray:
        """``out = x * mask / (1 - p)`` (training) or ``x`` (evaluation)."""
        out = x if self.inplace else self._buf("out", x.shape, x.dtype)
        if not training or self.p == 0:
            self._cache = None
            if out is not x:
                np.copyto(out, x)
            return out
        mask = self._bufs.get(("mask", x.shape, x.dtype)) if self.hold_mask else None
        if mask is None:
            mask = self._draw_mask(x.shape, x.dtype)
        self._cache = mask
        return np.multiply(x, mask, out=out)

    def _draw_mask(self, shape: tuple, dtype) -> np.ndarray:
        """``mask / (1 - p)``: 0 for a dropped unit, ``1 / (1 - p)`` for a kept one."""
        u = self._buf("mask", shape, dtype)
        keep = self._buf("keep", shape, np.bool_)
        self.rng.random(out=u, dtype=u.dtype)
        np.greater_equal(u, self.p, out=keep)
        return np.multiply(keep, u.dtype.type(1 / (1 - self.p)), out=u)

    @property
    def mask(self) -> np.ndarray | None:
        """The scaled mask ``mask / (1 - p)`` of the last training pass (None in evaluation)."""
        return self._cache

    def backward(self, dout: np.ndarray) -> np.ndarray:
        """``dx = dout * mask / (1 - p)`` (training) or ``dout`` (evaluation)."""
        dx = dout if self.inplace_grad else self._buf("dx", dout.shape, dout.dtype)
        if self._cache is None:
            if dx is not dout:
                np.copyto(dx, dout)
            return dx
        return np.multiply(dout, self._cache, out=dx)

    def extra_repr(self) -> str:
        return f"p={self.p:g}"
