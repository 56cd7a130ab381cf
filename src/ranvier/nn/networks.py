"""``Sequential``: a network as a stack of layers, with a loss on its scores.

Parameter names
---------------
The network's ``params`` are named after the Linear layers, counted from 1:
the k-th Linear layer holds ``W{k}`` (shape ``(out, in)``) and ``b{k}``; a
batch normalisation after the k-th Linear layer holds ``gamma{k}`` and
``beta{k}`` in ``params`` and ``running_mean{k}``, ``running_var{k}`` in
``buffers``; a layer normalisation there ``ln_gamma{k}`` and ``ln_beta{k}``
(k = 0 for a normalisation before the first Linear layer).  So an MLP keeps
the names ``W1, b1, W2, b2, ...`` whatever layers it has between them.

The objective is the mean data loss over the batch plus L2 on the Linear
weights only, ``0.5 * reg * sum_k ||W_k||^2`` (no biases, no gamma/beta).

Modes
-----
As in PyTorch, a network is in training mode (``train()``, the start) or in
evaluation mode (``eval()``): in training, dropout draws masks and batch
normalisation uses and updates the batch statistics; in evaluation dropout
is the identity and batch normalisation uses the running statistics.  Every
pass (``scores``, ``loss``, ``loss_and_grads``) follows the mode, except
:meth:`Sequential.hidden_outputs` and :meth:`Sequential.layer_outputs`, which
show what the network computes in evaluation.  :class:`~ranvier.Trainer`
and :func:`~ranvier.evaluate` switch the modes themselves (fit leaves the
network in evaluation mode).
"""

from __future__ import annotations

import copy

import numpy as np

from .._validation import check_positive
from .losses import get_loss, loss_name
from .layers import Activation, Dropout, Layer, Linear, _dtype
from ._checks import _chain_widths, _replaced, check_inputs
from .norm import BatchNorm, LayerNorm
from .summary import layer_config, layer_from_config, summary_table
from .workspace import LayerWorkspace

__all__ = ["Sequential", "from_config"]

_SCORE_ROWS = 4096  # scores() runs this many rows at a time (in evaluation; an MLP's fused pass always)


class Sequential:
    """A network: layers applied in order, then a data loss on the scores.

    Parameters
    ----------
    layers : sequence of Layer
        Their widths must chain (a Linear layer's ``n_in`` is the width before it).
    loss : {'softmax', 'svm', 'squared'}, default 'softmax'
    reg : float, default 0.0
        L2 strength in ``0.5 * reg * sum_k ||W_k||^2`` (Linear weights only).
    margin : float, default 1.0
        The hinge loss's margin (``loss='svm'``).

    Attributes
    ----------
    layers : list of Layer
    params : dict of str to ndarray
        Named as the module docstring says (``W1, b1, gamma1, beta1, W2, ...``).
    buffers : dict of str to ndarray
        Non-learned state: ``running_mean{k}``, ``running_var{k}``.
    training : bool

    Examples
    --------
    >>> from ranvier.nn import Linear, ReLU
    >>> net = Sequential([Linear(3, 4, seed=0), ReLU(), Linear(4, 2, seed=1)])
    >>> net.num_params
    26
    """

    def __init__(self, layers, *, loss: str = "softmax", reg: float = 0.0, margin: float = 1.0) -> None:
        self.layers = list(layers)
        for i, layer in enumerate(self.layers):
            if not isinstance(layer, Layer):
                raise TypeError(f"layers[{i}] must be a ranvier.nn layer, got {type(layer).__name__}")
        if len({id(layer) for layer in self.layers}) < len(self.layers):
            raise ValueError("a layer object appears twice in layers; make a new layer for each place "
                             "(one object holds one set of parameters, buffers and caches)")
        self._widths = _chain_widths(self.layers)
        dtypes = {np.dtype(layer.dtype) for layer in self.layers if layer.dtype is not None}
        if len(dtypes) > 1:
            raise ValueError(f"the layers mix dtypes {sorted(d.name for d in dtypes)}; build them all with one dtype")
        self.dtype = _dtype(dtypes.pop() if dtypes else np.float32)
        self.loss_name = loss_name(loss)
        self._loss_fn = get_loss(self.loss_name)
        if self.loss_name != "squared" and self.n_outputs < 2:
            raise ValueError(
                f"loss {self.loss_name!r} needs at least 2 outputs (one score per class), got {self.n_outputs}; "
                "use loss='squared' for a single real-valued output"
            )
        self.reg = check_positive(reg, "reg", allow_zero=True)
        self.margin = check_positive(margin, "margin", allow_zero=True)
        self.training = True
        self._name_arrays()
        for i, layer in enumerate(self.layers):
            layer.inplace = i > 0 and not self.layers[i - 1].needs_output and isinstance(layer, (Activation, Dropout))
            layer.inplace_grad = True
            layer.need_dx = i > 0  # the first layer's input is data: its gradient is never needed

    # ------------------------------------------------------------------ shape
    @property
    def n_features(self) -> int:
        """Width ``n`` of the inputs."""
        return self._widths[0]

    @property
    def n_outputs(self) -> int:
        """Number of scores ``c`` per example."""
        return self._widths[-1]

    @property
    def num_params(self) -> int:
        """Number of learnable parameters: every entry of every array in :attr:`params`.

        The lecture's 3-4-2 network has 3*4 + 4*2 = 20 weights and 4 + 2 = 6
        biases, 26 in all; 3-4-4-2 has 46.
        """
        return sum(p.size for p in self.params.values())

    @property
    def n_layers(self) -> int:
        """Number of Linear layers (the layers with weights)."""
        return sum(isinstance(layer, Linear) for layer in self.layers)

    @property
    def layer_sizes(self) -> tuple[int, ...]:
        """``(n_inputs, out_1, ..., out_N)``: the input width and each Linear layer's outputs."""
        return (self.n_features, *(layer.n_out for layer in self.layers if isinstance(layer, Linear)))

    @property
    def activation_names(self) -> list[str]:
        """Names of the activation layers, in order (those :meth:`hidden_outputs` shows)."""
        return [layer.name for layer in self.layers if isinstance(layer, Activation)]

    def weight_names(self) -> list[str]:
        """Names of the Linear weights (the ones L2 regularises): ``W1, W2, ...``."""
        return [name for layer, local, name, _ in self._slots if isinstance(layer, Linear) and local == "W"]

    def weights(self) -> list[np.ndarray]:
        """The weight matrices ``[W_1, ..., W_N]``."""
        return [self.params[name] for name in self.weight_names()]

    def biases(self) -> list[np.ndarray]:
        """The bias vectors ``[b_1, ..., b_N]``."""
        return [self.params["b" + name[1:]] for name in self.weight_names()]

    # ------------------------------------------------------------------ modes
    def train(self, mode: bool = True) -> "Sequential":
        """Training mode (dropout masks, batch statistics); returns ``self``."""
        self.training = bool(mode)
        return self

    def eval(self) -> "Sequential":
        """Evaluation mode (no dropout, running statistics); returns ``self``."""
        return self.train(False)

    def set_rng(self, rng: np.random.Generator) -> "Sequential":
        """Draw every dropout mask from ``rng`` (a training run's seeded generator)."""
        for layer in self.layers:
            if isinstance(layer, Dropout):
                layer.rng = rng
        return self

    def _hold_dropout_masks(self) -> None:
        """Reuse each dropout layer's mask once drawn (a gradient check's fixed mask)."""
        for layer in self.layers:
            if isinstance(layer, Dropout):
                layer.hold_mask = True

    # ---------------------------------------------------------------- forward
    def _bind(self) -> None:
        """Point the layers at the arrays of ``params`` and ``buffers`` (which may have been replaced)."""
        for layer, local, name, kind in self._slots:
            src, dst = (self.params, layer.params) if kind == "param" else (self.buffers, layer.buffers)
            if dst[local] is not src[name]:
                dst[local] = src[name]

    def _forward(self, X: np.ndarray, training: bool) -> np.ndarray:
        self._bind()
        h = X
        for layer in self.layers:
            h = layer.forward(h, training)
        return h

    def scores(self, X: np.ndarray) -> np.ndarray:
        """Scores of a batch, in the current mode.

        Parameters
        ----------
        X : array-like of shape (m, n)

        Returns
        -------
        ndarray of shape (m, c), a new array
        """
        X = self._check_X(X)
        if self.training:  # batch statistics are those of the whole X
            return self._forward(X, True).copy()
        out = np.empty((X.shape[0], self.n_outputs), dtype=self.dtype)
        for start in range(0, X.shape[0], _SCORE_ROWS):
            out[start : start + _SCORE_ROWS] = self._forward(X[start : start + _SCORE_ROWS], False)
        return out

    def layer_outputs(self, X: np.ndarray) -> list[np.ndarray]:
        """The output of every layer, in evaluation mode: a list of arrays of shape (m, width)."""
        X = self._check_X(X)
        self._bind()
        h, outputs = X, []
        for layer in self.layers:
            h = layer.forward(h, False)
            outputs.append(h.copy())
        return outputs

    def hidden_outputs(self, X: np.ndarray) -> list[np.ndarray]:
        """Outputs of every activation layer, then the scores, in evaluation mode.

        For an MLP these are ``[H_1, ..., H_{N-1}, S]``: the hidden layers as
        learned features, then the scores.
        """
        outputs = self.layer_outputs(X)
        chosen = [out for layer, out in zip(self.layers[:-1], outputs) if isinstance(layer, Activation)]
        return chosen + [outputs[-1]]

    def predict(self, X: np.ndarray) -> np.ndarray:
        """Predicted class of each row: the index of its largest score."""
        return np.argmax(self.scores(X), axis=1)

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        """Softmax of the scores: class probabilities of shape (m, c)."""
        from .losses import softmax

        return softmax(self.scores(X))

    # ------------------------------------------------------------------- loss
    def reg_loss(self) -> float:
        """``0.5 * reg * sum_k ||W_k||^2`` (0 when ``reg`` is 0)."""
        if self.reg == 0:
            return 0.0
        total = 0.0
        for W in self.weights():
            w = W.ravel(order="K")
            total += float(np.dot(w, w))
        return 0.5 * self.reg * total

    def loss(self, X: np.ndarray, y: np.ndarray, *, sample_weight=None) -> float:
        """The objective in the current mode: mean data loss (weighted by ``sample_weight``) plus the L2 term."""
        X = self._check_X(X)
        data_loss, _ = self._data_loss(self._forward(X, self.training), y, sample_weight=sample_weight)
        return data_loss + self.reg_loss()

    def loss_and_grads(self, X: np.ndarray, y: np.ndarray, *, workspace=None,
                       sample_weight=None) -> tuple[float, dict[str, np.ndarray]]:
        """Loss and the exact gradient of every parameter, in the current mode.

        Parameters
        ----------
        X : array-like of shape (m, n)
        y : ndarray of shape (m,) of int (or real targets of shape (m, c) for ``loss='squared'``)
        workspace : optional
            From :meth:`workspace` for batches of ``m`` rows; the gradients live
            in it (and in the layers) and the next call overwrites them.
        sample_weight : ndarray of shape (m,), optional
            Non-negative weights: the data loss is ``sum_i w_i l_i / sum_i w_i``
            (see :mod:`ranvier.nn.losses`).

        Returns
        -------
        loss : float
        grads : dict of str to ndarray, keyed like :attr:`params`
        """
        X = self._check_X(X)
        if workspace is None:
            workspace = self.workspace(X.shape[0])
        else:
            workspace.check(self, X.shape[0])
        scores = self._forward_into(X, workspace)
        data_loss, _ = self._data_loss(scores, y, out=workspace.deltas[-1], sample_weight=sample_weight)
        self._backward_into(X, workspace)
        self._add_reg_grads(workspace)
        return data_loss + self.reg_loss(), workspace.grads

    def workspace(self, batch_size: int) -> "LayerWorkspace":
        """Buffers for :meth:`loss_and_grads` on batches of ``batch_size`` rows."""
        return LayerWorkspace(self, batch_size)

    def _forward_into(self, X: np.ndarray, ws: "LayerWorkspace") -> np.ndarray:
        ws.outputs = [self._forward(X, self.training)]
        return ws.outputs[-1]

    def _backward_into(self, X: np.ndarray, ws: "LayerWorkspace") -> None:
        """The backward pass: ``dscores`` (``ws.deltas[-1]``) through the layers, into their gradients."""
        dout = ws.deltas[-1]
        for layer in reversed(self.layers):
            dout = layer.backward(dout)

    def _add_reg_grads(self, ws: "LayerWorkspace") -> None:
        """The L2 term's gradient: ``dW_k += reg * W_k`` for every weight (biases are not regularised)."""
        for name in self.weight_names() if self.reg else ():
            scratch = ws.scratch(name)
            np.multiply(self.params[name], self.reg, out=scratch)
            ws.grads[name] += scratch

    def _data_loss(self, scores, y, out=None, *, sample_weight=None) -> tuple[float, np.ndarray]:
        """The data loss of ``scores`` (mean, or weighted by ``sample_weight``) and ``dscores`` (into ``out``)."""
        if self.loss_name == "svm":
            return self._loss_fn(scores, y, margin=self.margin, out=out, sample_weight=sample_weight)
        return self._loss_fn(scores, y, out=out, sample_weight=sample_weight)

    # ---------------------------------------------------------------- algebra
    def collapse(self) -> tuple[np.ndarray, np.ndarray]:
        """Collapse a stack of Linear layers and identity activations into one linear layer.

        Any composition of linear maps is linear (the lecture's "what if f() is
        linear?")::

            W = W_N ... W_2 W_1
            b = b_N + W_N b_{N-1} + ... + W_N ... W_3 b_2 + W_N ... W_2 b_1

        and ``X @ W.T + b`` equals :meth:`scores`.

        Returns
        -------
        W : ndarray of shape (c, n)
        b : ndarray of shape (c,)

        Raises
        ------
        ValueError
            If an activation is not ``identity``, or the network has any other
            layer than Linear and activations (batch normalisation, dropout).
        """
        nonlinear = sorted({layer.name for layer in self.layers if isinstance(layer, Activation)} - {"identity"})
        if nonlinear:
            raise ValueError(
                "collapse() needs every hidden activation to be 'identity', but this network "
                f"uses {nonlinear}; a nonlinear network is not one linear map"
            )
        other = [repr(layer) for layer in self.layers if not isinstance(layer, (Linear, Activation))]
        if other:
            raise ValueError(f"collapse() needs only Linear and identity layers, but the network has {other}")
        self._bind()
        linears = [layer for layer in self.layers if isinstance(layer, Linear)]
        W, b = linears[0].params["W"].copy(), linears[0].params["b"].copy()
        for layer in linears[1:]:
            W, b = layer.params["W"] @ W, layer.params["W"] @ b + layer.params["b"]
        return W, b

    # --------------------------------------------------------- flat vectors
    def get_flat_params(self) -> np.ndarray:
        """All parameters in one 1-D array (in the order of :attr:`params`, each row-major)."""
        return np.concatenate([p.ravel() for p in self.params.values()])

    def set_flat_params(self, theta: np.ndarray) -> "Sequential":
        """Load parameters from a 1-D array laid out as :meth:`get_flat_params`."""
        theta = np.asarray(theta)
        if theta.shape != (self.num_params,):
            raise ValueError(f"theta must have shape ({self.num_params},), got {theta.shape}")
        start = 0
        for p in self.params.values():
            p[...] = theta[start : start + p.size].reshape(p.shape)
            start += p.size
        return self

    def objective(self, X: np.ndarray, y: np.ndarray):
        """The loss as a function ``theta -> (loss, grad)`` of the flat parameters, for :func:`ranvier.gd`."""
        X = self._check_X(X)

        def func(theta: np.ndarray) -> tuple[float, np.ndarray]:
            self.set_flat_params(theta)
            loss, grads = self.loss_and_grads(X, y)
            return loss, np.concatenate([g.ravel() for g in grads.values()])

        return func

    # ------------------------------------------------------------- utilities
    def copy(self):
        """A deep copy (parameters and buffers included)."""
        return copy.deepcopy(self)

    def astype(self, dtype):
        """A copy whose parameters, buffers and computation use ``dtype``."""
        new = copy.deepcopy(self)
        new.dtype = _dtype(dtype)
        new._bind()
        for layer in new.layers:
            layer.astype(new.dtype)
        new._name_arrays()
        return new

    def set_params(self, params: dict[str, np.ndarray]):
        """Replace the parameters (copied into the model's dtype); returns ``self``.

        Raises
        ------
        ValueError
            If a name is missing or unknown, or a shape does not match.
        """
        self.params = _replaced(self.params, params, self.dtype, "params")
        return self

    def set_buffers(self, buffers: dict[str, np.ndarray]):
        """Replace the buffers (running statistics), as :meth:`set_params`; returns ``self``."""
        self.buffers = _replaced(self.buffers, buffers, self.dtype, "buffers")
        return self

    def summary(self) -> str:
        """A table of the layers: output shape and parameter count, with the totals."""
        return summary_table(self)

    def get_config(self) -> dict:
        """The layers and the loss (JSON-friendly); :func:`ranvier.nn.from_config` rebuilds it."""
        return {"layers": [layer_config(layer) for layer in self.layers], "loss": self.loss_name,
                "reg": self.reg, "margin": self.margin, "dtype": np.dtype(self.dtype).name}

    def _name_arrays(self) -> None:
        """Name every layer's arrays (module docstring) into ``params``, ``buffers`` and ``_slots``."""
        self._slots, self.params, self.buffers = [], {}, {}
        k = 0
        for i, layer in enumerate(self.layers):
            k += isinstance(layer, Linear)
            for kind, arrays in (("param", layer.params), ("buffer", layer.buffers)):
                target = self.params if kind == "param" else self.buffers
                for local, array in arrays.items():
                    name = _array_name(layer, local, k, i)
                    if name in self.params or name in self.buffers:
                        raise ValueError(f"two layers after Linear layer {k} would both hold {name!r}; "
                                         "put at most one normalisation layer after each Linear layer")
                    target[name] = array
                    self._slots.append((layer, local, name, kind))

    def _check_X(self, X: np.ndarray, name: str = "X") -> np.ndarray:
        return check_inputs(X, self.n_features, self.dtype, name)

    def __repr__(self) -> str:
        inner = ", ".join(repr(layer) for layer in self.layers)
        return f"Sequential([{inner}], loss={self.loss_name!r}, reg={self.reg})"


def from_config(config: dict) -> Sequential:
    """The :class:`~ranvier.Sequential` of :meth:`Sequential.get_config` (freshly initialised; seed 0)."""
    dtype = np.dtype(config.get("dtype", "float32"))
    rng = np.random.default_rng(0)
    layers = [layer_from_config(spec, dtype, rng) for spec in config["layers"]]
    return Sequential(layers, loss=config["loss"], reg=config.get("reg", 0.0), margin=config.get("margin", 1.0))


def _array_name(layer: Layer, local: str, k: int, i: int) -> str:
    if isinstance(layer, Linear):
        return f"{local}{k}"
    if isinstance(layer, BatchNorm):
        return f"{local}{k}"
    if isinstance(layer, LayerNorm):
        return f"ln_{local}{k}"
    return f"layer{i}_{local}"  # a layer of one's own: by its position
