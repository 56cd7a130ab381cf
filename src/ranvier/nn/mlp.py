"""Linear classifiers and multilayer perceptrons with exact backward passes.

A network with ``layer_sizes = (n, h_1, ..., h_{N-1}, c)`` computes, for a batch
``X`` of shape ``(m, n)`` (rows are examples)::

    H_0 = X
    H_k = f_k(H_{k-1} @ W_k.T + b_k)     k = 1 .. N-1   (hidden layers)
    S   = H_{N-1} @ W_N.T + b_N                          (scores, no activation)

which is the lecture's ``h_k = f(W_k h_{k-1} + b_k)``, ``z = W_N h_{N-1} + b_N``
written for a batch of row vectors.  ``W_k`` has shape ``(h_k, h_{k-1})`` and
``b_k`` shape ``(h_k,)``.  ``layer_sizes = (n, c)`` is the linear classifier
``scores = W x + b``.

The objective is the data loss (the mean over the batch, see
:mod:`ranvier.nn.losses`) plus L2 regularisation of the weights only::

    L = data_loss + 0.5 * reg * sum_k ||W_k||_F^2       (biases not included)

so that its gradient adds ``reg * W_k`` to each ``dW_k``: the same as PyTorch's
``weight_decay = reg`` on the weights.
"""

from __future__ import annotations

import functools
from typing import Sequence

import numpy as np

from .._validation import check_network_memory
from .activations import Activation, get_activation
from .init import init_weight, weight_layout
from .functional import affine_backward, affine_forward
from . import layers as _layers
from .layers import _dtype
from .networks import _SCORE_ROWS, Sequential
from .norm import BatchNorm
from .workspace import Workspace

__all__ = ["MLP", "LinearClassifier"]  # and Workspace, from ranvier.nn.workspace

_RELU_FAMILY = {"relu", "leaky_relu", "elu"}


def _fused_pass(method):
    """``method`` for a plain MLP (no dropout, no batch norm), Sequential's layer by layer otherwise."""
    layered = getattr(Sequential, method.__name__)

    @functools.wraps(method)
    def pass_(self, *args, **kwargs):
        return (method if self._fused else layered)(self, *args, **kwargs)

    return pass_


class MLP(Sequential):
    """A multilayer perceptron of any depth with a linear output layer (scores).

    It is the :class:`~ranvier.Sequential` of CS231n's FullyConnectedNet order,
    per hidden layer ``Linear -> [BatchNorm] -> activation -> [Dropout]``, then a
    last ``Linear`` for the scores.  Without dropout and batch normalisation it
    runs its own fused passes (one workspace, activations in place): the same
    numbers as the layers would give, and no layer bookkeeping per step.

    Parameters
    ----------
    layer_sizes : sequence of int
        ``(n_inputs, hidden_1, ..., hidden_k, n_outputs)``, at least two numbers.
        ``(n, c)`` alone is the linear classifier.
    activation : str or sequence of str, default 'relu'
        Hidden activation, by name (see :mod:`ranvier.nn.activations`), either one
        for every hidden layer or one per hidden layer.  The output layer has
        none: it produces scores.
    loss : {'softmax', 'svm', 'squared'}, default 'softmax'
        The data loss on the scores (see :mod:`ranvier.nn.losses`).
    reg : float, default 0.0
        L2 strength ``lambda`` in ``0.5 * lambda * sum_k ||W_k||^2`` (weights only).
    init : {'auto', 'he', 'xavier', 'glorot', 'gaussian'} or float, default 'auto'
        Weight initialisation (see :mod:`ranvier.nn.init`).  ``'auto'``
        picks He for relu-like hidden layers, Xavier for the others, and a small
        Gaussian (std 0.001) for a linear classifier, whose initial softmax loss
        is then ``log(c)``.  A float is a Gaussian standard deviation.
    seed : int or numpy.random.Generator, optional
        Seed of the initialisation.  The same seed gives the same weights in
        every dtype.
    dtype : numpy dtype, default float32
        Dtype of the parameters and of all computation; float64 for gradient
        checks.
    margin : float, default 1.0
        The margin ``delta`` of the hinge loss (used when ``loss='svm'``).
    dropout : float or sequence of float, default 0.0
        Inverted dropout after each hidden activation, with this probability
        of dropping a unit (one for all hidden layers, or one per hidden layer;
        0 adds no layer).  The masks come from the Trainer's seeded generator.
    batch_norm : bool, default False
        A :class:`~ranvier.nn.BatchNorm` between each hidden Linear layer and
        its activation.

    Attributes
    ----------
    params : dict of str to ndarray
        ``W1, b1, W2, b2, ...``; ``Wk`` of shape ``(out, in)``, ``bk`` of shape ``(out,)``;
        with batch normalisation also ``gamma{k}, beta{k}`` after the k-th Linear layer.
    buffers : dict of str to ndarray
        ``running_mean{k}, running_var{k}`` of the batch normalisations.
    layers : list of ranvier.nn.Layer
        The stack (its Linear layers hold the arrays of ``params`` themselves).

    Examples
    --------
    >>> net = MLP((3, 4, 2), seed=0)
    >>> net.num_params
    26
    >>> net.scores(np.ones((5, 3))).shape
    (5, 2)
    """

    layer_sizes: tuple[int, ...] = ()  # set per instance (Sequential's is computed from its layers)

    def __init__(
        self,
        layer_sizes: Sequence[int],
        activation: str | Activation | Sequence[str | Activation] = "relu",
        loss: str = "softmax",
        reg: float = 0.0,
        init: str | float = "auto",
        seed: int | np.random.Generator | None = None,
        dtype: np.dtype | type = np.float32,
        margin: float = 1.0,
        *,
        dropout: float | Sequence[float] = 0.0,
        batch_norm: bool = False,
    ) -> None:
        self.layer_sizes = _check_layer_sizes(layer_sizes)
        self.activations = _resolve_activations(activation, len(self.layer_sizes) - 2)
        self.dropout = _check_dropout(dropout, len(self.layer_sizes) - 2)
        if not isinstance(batch_norm, (bool, np.bool_)):
            raise TypeError(f"batch_norm must be True or False, got {batch_norm!r}")
        self.batch_norm = bool(batch_norm)
        self._fused = not self.batch_norm and not any(self.dropout)
        self.dtype = _dtype(dtype)
        check_network_memory(self.layer_sizes, self.dtype)  # refused before any array is made
        self.init = init
        rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
        params: dict[str, np.ndarray] = {}
        for k, (fan_in, fan_out) in enumerate(zip(self.layer_sizes[:-1], self.layer_sizes[1:]), start=1):
            scheme = self._init_scheme(k)
            params[f"W{k}"] = weight_layout(init_weight(scheme, fan_in, fan_out, rng, self.dtype))
            params[f"b{k}"] = np.zeros(fan_out, dtype=self.dtype)
        super().__init__(self._stack(params, rng), loss=loss, reg=reg, margin=margin)

    def _stack(self, params: dict[str, np.ndarray], rng: np.random.Generator) -> list:
        """``Linear -> [BatchNorm] -> activation -> [Dropout]`` per hidden layer, then ``Linear``."""
        layers = []
        for k in range(1, self.n_layers + 1):
            layers.append(_layers.Linear.from_arrays(params[f"W{k}"], params[f"b{k}"]))
            if k == self.n_layers:
                break
            if self.batch_norm:
                layers.append(BatchNorm(self.layer_sizes[k], dtype=self.dtype))
            layers.append(_layers.Activation(self.activations[k - 1]))
            if self.dropout[k - 1]:
                layers.append(_layers.Dropout(self.dropout[k - 1], seed=rng))
        return layers

    # ------------------------------------------------------------------ shape
    @property
    def n_layers(self) -> int:
        """Number of layers with weights (the input layer is not counted)."""
        return len(self.layer_sizes) - 1  # Sequential's counts the layers, which _stack has not made yet

    def _init_scheme(self, k: int) -> str | float:
        if not (isinstance(self.init, str) and self.init == "auto"):
            return self.init
        if self.n_layers == 1:
            return 1e-3
        # layer k feeds the activation of hidden layer k (the last layer feeds scores)
        act = self.activations[min(k, self.n_layers - 1) - 1].name
        return "he" if act in _RELU_FAMILY else "xavier"

    # ---------------------------------------------------------------- forward
    @_fused_pass
    def scores(self, X: np.ndarray) -> np.ndarray:
        """Scores of a batch.

        Parameters
        ----------
        X : array-like of shape (m, n)

        Returns
        -------
        ndarray of shape (m, c)
        """
        X = self._check_X(X)
        m = X.shape[0]
        out = np.empty((m, self.n_outputs), dtype=self.dtype)
        # a block of rows at a time through buffers made once: the hidden layers of a big X
        # (a memory-mapped file, say) never exist whole, and no large temporary is made per block
        rows = min(m, _SCORE_ROWS)
        hidden = [np.empty((rows, width), dtype=self.dtype) for width in self.layer_sizes[1:-1]]
        for start in range(0, m, rows):
            stop = min(start + rows, m)
            h = X[start:stop]
            for k in range(1, self.n_layers + 1):
                a = out[start:stop] if k == self.n_layers else hidden[k - 1][: stop - start]
                affine_forward(h, self.params[f"W{k}"], self.params[f"b{k}"], out=a)
                if k < self.n_layers:
                    self.activations[k - 1].forward(a, out=a)
                h = a
        return out

    @_fused_pass
    def loss(self, X: np.ndarray, y: np.ndarray, *, sample_weight=None) -> float:
        """The objective: mean data loss over the batch (weighted by ``sample_weight``) plus the L2 term."""
        data_loss, _ = self._data_loss(self.scores(X), y, sample_weight=sample_weight)
        return data_loss + self.reg_loss()

    @_fused_pass
    def workspace(self, batch_size: int):
        """Buffers for :meth:`loss_and_grads` on batches of ``batch_size`` rows.

        A :class:`Workspace` for the fused passes of an MLP without dropout or
        batch normalisation, a :class:`~ranvier.nn.LayerWorkspace` otherwise.
        """
        return Workspace(self, batch_size)

    @_fused_pass
    def _forward_into(self, X: np.ndarray, ws: "Workspace") -> np.ndarray:
        h = X
        for k in range(1, self.n_layers + 1):
            a, _ = affine_forward(h, self.params[f"W{k}"], self.params[f"b{k}"], out=ws.outputs[k - 1])
            if k < self.n_layers:
                self.activations[k - 1].forward(a, out=a)  # the backward pass needs only f(a)
            h = a
        return h

    @_fused_pass
    def _backward_into(self, X: np.ndarray, ws: "Workspace") -> None:
        for k in range(self.n_layers, 0, -1):
            W = self.params[f"W{k}"]
            h_prev = X if k == 1 else ws.outputs[k - 2]
            dh_prev = ws.deltas[k - 2] if k > 1 else None
            dW, db = ws.grads[f"W{k}"], ws.grads[f"b{k}"]
            # the first layer's input is data: its gradient is never needed
            affine_backward(ws.deltas[k - 1], (h_prev, W), need_dx=k > 1, out=(dh_prev, dW, db))
            if dh_prev is not None:
                self.activations[k - 2].backward(dh_prev, ws.outputs[k - 2], out=dh_prev)

    def get_config(self) -> dict:
        """The constructor arguments that define the architecture (JSON-friendly)."""
        return {
            "layer_sizes": list(self.layer_sizes),
            "activation": self.activation_names,
            "loss": self.loss_name,
            "reg": self.reg,
            "margin": self.margin,
            "dtype": np.dtype(self.dtype).name,
        } | ({} if self._fused else {"dropout": list(self.dropout), "batch_norm": self.batch_norm})

    def __repr__(self) -> str:
        acts = self.activation_names
        act = acts[0] if len(set(acts)) == 1 else acts
        return (
            f"{type(self).__name__}(layer_sizes={self.layer_sizes}, activation={act!r}, "
            f"loss={self.loss_name!r}, reg={self.reg}, dtype={np.dtype(self.dtype).name}{self._extra_repr()})"
        )

    def _extra_repr(self) -> str:
        text = ""
        if any(self.dropout):
            drop = self.dropout[0] if len(set(self.dropout)) == 1 else list(self.dropout)
            text += f", dropout={drop}"
        return text + (", batch_norm=True" if self.batch_norm else "")


class LinearClassifier(MLP):
    """The lecture's linear classifier ``scores = W x + b``.

    ``W`` has shape ``(c, n)`` and ``b`` shape ``(c,)``.  It is the network with
    ``layer_sizes = (n, c)``; the parameters are ``params['W1']`` and
    ``params['b1']``, also reachable as :attr:`W` and :attr:`b`.

    Parameters
    ----------
    n_features : int
    n_classes : int
    loss, reg, init, seed, dtype, margin
        As for :class:`MLP`.
    """

    def __init__(
        self,
        n_features: int,
        n_classes: int,
        loss: str = "softmax",
        reg: float = 0.0,
        init: str | float = "auto",
        seed: int | np.random.Generator | None = None,
        dtype: np.dtype | type = np.float32,
        margin: float = 1.0,
    ) -> None:
        super().__init__(
            (n_features, n_classes), activation=(), loss=loss, reg=reg, init=init,
            seed=seed, dtype=dtype, margin=margin,
        )

    @property
    def W(self) -> np.ndarray:
        """Weights of shape ``(c, n)``: row ``j`` is class ``j``'s template."""
        return self.params["W1"]

    @property
    def b(self) -> np.ndarray:
        """Biases of shape ``(c,)``."""
        return self.params["b1"]


def _check_layer_sizes(layer_sizes: Sequence[int]) -> tuple[int, ...]:
    try:
        sizes = tuple(layer_sizes)
    except TypeError:
        raise TypeError(
            f"layer_sizes must be a sequence such as (n_inputs, hidden, n_classes), got {layer_sizes!r}"
        ) from None
    if len(sizes) < 2:
        raise ValueError(
            f"layer_sizes needs at least the input and output sizes, e.g. (3072, 10); got {sizes}"
        )
    for s in sizes:
        if isinstance(s, bool) or not isinstance(s, (int, np.integer)) or s < 1:
            raise ValueError(f"layer_sizes must be positive integers, got {sizes}")
    return tuple(int(s) for s in sizes)


def _resolve_activations(activation, n_hidden: int) -> list[Activation]:
    if isinstance(activation, (str, Activation)):
        return [get_activation(activation)] * n_hidden
    acts = [get_activation(a) for a in activation]
    if len(acts) != n_hidden and not (n_hidden == 0 and not acts):
        raise ValueError(
            f"activation must be one name or one per hidden layer ({n_hidden}), got {len(acts)}"
        )
    return acts


def _check_dropout(dropout, n_hidden: int) -> tuple[float, ...]:
    values = [dropout] * n_hidden if isinstance(dropout, (int, float, np.floating)) else list(dropout)
    if len(values) != n_hidden:
        raise ValueError(f"dropout must be one probability or one per hidden layer ({n_hidden}), got {len(values)}")
    for p in values:
        if isinstance(p, bool) or not isinstance(p, (int, float, np.floating)) or not 0 <= p < 1:
            raise ValueError(f"dropout must be a probability in [0, 1), got {p!r}")
    return tuple(float(p) for p in values)
