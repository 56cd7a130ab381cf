"""Export a trained network to ONNX, or its parameters to a PyTorch ``state_dict``.

ONNX (:func:`to_onnx`, optional extra ``ranvier[export]``: the ``onnx``
package; ``onnxruntime`` runs the result).  The graph takes raw inputs
``x`` of shape ``(batch, n)`` in float32, exactly what
:meth:`ranvier.io.SavedModel.prepare` takes once images are flattened, and
computes

* the saved preprocessing: ``x / pixel_max`` (``scale``), ``- mean``
  (``center``), ``/ std`` (``standardize``);
* each layer of the network (an :class:`~ranvier.MLP` or any
  :class:`~ranvier.Sequential` stack), as it computes in evaluation mode:
  ``Linear`` is ``Gemm(h, W, b, transB=1)`` for the lecture's ``W h + b``
  with ``W`` of shape (out, in); the activations are ``Relu``,
  ``LeakyRelu`` (its slope kept), ``Sigmoid``, ``Tanh``, ``Softplus``,
  ``Elu`` (``identity`` adds nothing); ``Dropout`` is the identity;
  ``BatchNorm`` is ``BatchNormalization`` with the running mean and
  variance; ``LayerNorm`` is ``LayerNormalization`` over the last axis
  (opset 17);
* outputs ``scores`` (batch, c) and, for softmax models, ``probabilities``
  (``Softmax`` over axis 1).

PyTorch (:func:`to_torch_state_dict`, :func:`torch_module`): the parameters
of the equivalent ``torch.nn.Sequential``, which has one module per ranvier
layer, in the same order, so module ``i`` is ``model.layers[i]``:

==========================  =============================  ==========================================
ranvier layer (index i)     torch module                   ranvier name -> torch key
==========================  =============================  ==========================================
Linear (the k-th)           ``Linear(in, out)``            ``W{k}`` -> ``i.weight`` (same (out, in)
                                                           layout), ``b{k}`` -> ``i.bias``
an activation               ``ReLU()``, ``LeakyReLU(s)``,  (no parameters)
                            ``Sigmoid()``, ``Tanh()``,
                            ``Softplus()``, ``ELU()``,
                            ``Identity()``
Dropout(p)                  ``Dropout(p)``                 (no parameters)
BatchNorm after Linear k    ``BatchNorm1d(n, eps,          ``gamma{k}`` -> ``i.weight``, ``beta{k}``
                            momentum)``                    -> ``i.bias``, ``running_mean{k}`` ->
                                                           ``i.running_mean``, ``running_var{k}`` ->
                                                           ``i.running_var`` (``i.num_batches_tracked``
                                                           is 0)
LayerNorm after Linear k    ``LayerNorm(n, eps)``          ``ln_gamma{k}`` -> ``i.weight``,
                                                           ``ln_beta{k}`` -> ``i.bias``
==========================  =============================  ==========================================

So an MLP without dropout or batch normalisation maps ``W1, b1, W2, b2`` to
``0.weight, 0.bias, 2.weight, 2.bias``.  :func:`torch_module` returns the
module in evaluation mode (``.eval()``), which computes ranvier's scores; the
preprocessing is not part of it (apply ``SavedModel.prepare`` first).
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from ._archive import atomic_write_bytes

__all__ = ["ONNX_OPSET", "to_onnx", "to_torch_state_dict", "torch_module"]

ONNX_OPSET = 17
_ONNX_ACTIVATIONS = {"relu": "Relu", "sigmoid": "Sigmoid", "tanh": "Tanh", "softplus": "Softplus", "elu": "Elu",
                     "leaky_relu": "LeakyRelu"}
_TORCH_ACTIVATIONS = {"relu": "ReLU", "sigmoid": "Sigmoid", "tanh": "Tanh", "softplus": "Softplus", "elu": "ELU",
                      "leaky_relu": "LeakyReLU", "identity": "Identity"}


def _arrays_of(model) -> dict[int, dict[str, np.ndarray]]:
    """``id(layer) -> {local name: the network's array}`` (``W``, ``gamma``, ``running_mean``, ...)."""
    out: dict[int, dict[str, np.ndarray]] = {}
    for layer, local, name, kind in model._slots:
        out.setdefault(id(layer), {})[local] = (model.params if kind == "param" else model.buffers)[name]
    return out


def _layers(model) -> list[tuple]:
    """The network as steps, one per layer of ``model.layers`` (so torch's indices follow ranvier's):

    ``("linear", W, b)``, ``("activation", name, slope)``, ``("dropout", p)``,
    ``("batchnorm", gamma, beta, running_mean, running_var, eps, momentum)``,
    ``("layernorm", gamma, beta, eps)``.
    """
    from .nn.layers import Activation, Dropout, Linear
    from .nn.norm import BatchNorm, LayerNorm

    arrays, steps = _arrays_of(model), []
    for layer in model.layers:
        a = arrays.get(id(layer), {})
        if isinstance(layer, Linear):
            steps.append(("linear", a["W"], a["b"]))
        elif isinstance(layer, Activation):
            fn = layer.fn
            slope = float(-fn.forward(np.array([-1.0]))[0]) if fn.name == "leaky_relu" else None
            steps.append(("activation", fn.name, slope))
        elif isinstance(layer, Dropout):
            steps.append(("dropout", layer.p))
        elif isinstance(layer, BatchNorm):
            steps.append(("batchnorm", a["gamma"], a["beta"], a["running_mean"], a["running_var"], layer.eps,
                          layer.momentum))
        elif isinstance(layer, LayerNorm):
            steps.append(("layernorm", a["gamma"], a["beta"], layer.eps))
        else:
            raise TypeError(f"cannot export a {type(layer).__name__} layer; exported are Linear, the activations, "
                            "Dropout, BatchNorm and LayerNorm")
    return steps


def _unpack(model_or_saved):
    """``(model, preprocessing or None)`` from a model or a :class:`~ranvier.io.SavedModel`."""
    from .io import SavedModel

    if isinstance(model_or_saved, SavedModel):
        return model_or_saved.model, model_or_saved.preprocessing
    if not hasattr(model_or_saved, "params") or not hasattr(model_or_saved, "layers"):
        raise TypeError(f"expected a ranvier model or a SavedModel (ranvier.load_model), got "
                        f"{type(model_or_saved).__name__}")
    return model_or_saved, None


def _onnx():
    try:
        import onnx
    except ImportError:
        raise ImportError("ONNX export needs the onnx package: pip install 'ranvier[export]'") from None
    return onnx


def _preprocessing_nodes(helper, prep, inits: list, name: str) -> tuple[list, str]:
    """Nodes for x / pixel_max - mean, / std, and the name of their output."""
    nodes = []
    if prep is None:
        return nodes, name
    if "scale" in prep.steps:
        inits.append(helper.make_tensor("pixel_max", 1, [], [float(prep.pixel_max)]))
        nodes.append(helper.make_node("Div", [name, "pixel_max"], ["scaled"]))
        name = "scaled"
    if prep.mean_ is not None:
        inits.append(_tensor(helper, "mean", prep.mean_))
        nodes.append(helper.make_node("Sub", [name, "mean"], ["centred"]))
        name = "centred"
    if prep.std_ is not None:
        inits.append(_tensor(helper, "std", prep.std_))
        nodes.append(helper.make_node("Div", [name, "std"], ["standardised"]))
        name = "standardised"
    return nodes, name


def _tensor(helper, name: str, array: np.ndarray):
    from onnx import numpy_helper

    return numpy_helper.from_array(np.ascontiguousarray(array, dtype=np.float32), name)


def to_onnx(model_or_saved, path: str | os.PathLike, *, opset: int = ONNX_OPSET) -> Path:
    """Write a network (with its preprocessing, when given a SavedModel) as an ONNX model.

    Parameters
    ----------
    model_or_saved : MLP or SavedModel
        A model, or a model file read by :func:`ranvier.load_model` (its preprocessing is
        then part of the graph, so the ONNX model takes raw inputs).
    path : path-like
        Destination ``.onnx`` file, written beside its place and renamed into it.
    opset : int, default 17

    Returns
    -------
    Path
        The file written.  The graph is checked with ``onnx.checker`` first.
    """
    onnx = _onnx()
    from onnx import TensorProto, helper

    model, prep = _unpack(model_or_saved)
    inits: list = []
    nodes, h = _preprocessing_nodes(helper, prep, inits, "x")
    for i, step in enumerate(_layers(model)):
        node = _onnx_node(helper, step, i, h, inits)
        if node is not None:
            nodes.append(node)
            h = node.output[0]
    nodes.append(helper.make_node("Identity", [h], ["scores"]))
    outputs = [helper.make_tensor_value_info("scores", TensorProto.FLOAT, ["batch", model.n_outputs])]
    if model.loss_name == "softmax":
        nodes.append(helper.make_node("Softmax", ["scores"], ["probabilities"], axis=1))
        outputs.append(helper.make_tensor_value_info("probabilities", TensorProto.FLOAT, ["batch", model.n_outputs]))
    inputs = [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", model.n_features])]
    graph = helper.make_graph(nodes, "ranvier", inputs, outputs, initializer=inits)
    proto = helper.make_model(graph, opset_imports=[helper.make_opsetid("", int(opset))], producer_name="ranvier")
    onnx.checker.check_model(proto)
    return _atomic_write(path, proto.SerializeToString())


def _onnx_node(helper, step: tuple, i: int, h: str, inits: list):
    """The ONNX node of one step (None for the identity and for dropout, which is the identity in eval)."""
    kind, out = step[0], f"h{i}"
    if kind == "linear":
        inits += [_tensor(helper, f"W{i}", step[1]), _tensor(helper, f"b{i}", step[2])]
        return helper.make_node("Gemm", [h, f"W{i}", f"b{i}"], [out], transB=1)
    if kind == "batchnorm":  # eval mode: (x - running_mean) / sqrt(running_var + eps) * gamma + beta
        names = [f"bn{i}_{n}" for n in ("scale", "bias", "mean", "var")]
        inits += [_tensor(helper, n, a) for n, a in zip(names, step[1:5])]
        return helper.make_node("BatchNormalization", [h, *names], [out], epsilon=float(step[5]))
    if kind == "layernorm":  # opset 17: statistics over the last axis
        inits += [_tensor(helper, f"ln{i}_scale", step[1]), _tensor(helper, f"ln{i}_bias", step[2])]
        return helper.make_node("LayerNormalization", [h, f"ln{i}_scale", f"ln{i}_bias"], [out], axis=-1,
                                epsilon=float(step[3]))
    if kind == "dropout" or step[1] == "identity":
        return None
    extra = {"alpha": step[2]} if step[1] == "leaky_relu" else {"alpha": 1.0} if step[1] == "elu" else {}
    return helper.make_node(_ONNX_ACTIVATIONS[step[1]], [h], [out], **extra)


def _atomic_write(path: str | os.PathLike, data: bytes) -> Path:
    atomic_write_bytes(path, data)  # with the usual permissions, like model files
    return Path(path)


def _torch():
    try:
        import torch
    except ImportError:
        raise ImportError("PyTorch export needs PyTorch: pip install torch (a CPU build is enough)") from None
    return torch


def torch_module(model_or_saved):
    """The equivalent ``torch.nn.Sequential`` (float64 or float32 like the model), parameters loaded."""
    torch = _torch()
    model, _ = _unpack(model_or_saved)
    modules = [_torch_layer(torch, step) for step in _layers(model)]
    net = torch.nn.Sequential(*modules).to(torch.float64 if model.dtype == np.float64 else torch.float32)
    net.load_state_dict(state_dict(model))
    return net.eval()  # as ranvier predicts: dropout off, batch normalisation on its running statistics


def _torch_layer(torch, step: tuple):
    """The ``torch.nn`` module of one step (parameters loaded later from :func:`state_dict`)."""
    kind = step[0]
    if kind == "linear":
        return torch.nn.Linear(step[1].shape[1], step[1].shape[0])
    if kind == "dropout":
        return torch.nn.Dropout(step[1])
    if kind == "batchnorm":
        return torch.nn.BatchNorm1d(len(step[1]), eps=step[5], momentum=step[6])
    if kind == "layernorm":
        return torch.nn.LayerNorm(len(step[1]), eps=step[3])
    if step[1] == "leaky_relu":
        return torch.nn.LeakyReLU(step[2])
    return getattr(torch.nn, _TORCH_ACTIVATIONS[step[1]])()


def state_dict(model) -> dict:
    """``{"0.weight": W1, "0.bias": b1, "2.weight": W2, ...}`` as torch tensors (copies); see the module's table."""
    torch = _torch()
    out = {}
    for index, step in enumerate(_layers(model)):
        arrays = {"linear": dict(zip(("weight", "bias"), step[1:3])), "layernorm": dict(zip(("weight", "bias"), step[1:3])),
                  "batchnorm": dict(zip(("weight", "bias", "running_mean", "running_var"), step[1:5]))}.get(step[0], {})
        for key, value in arrays.items():
            out[f"{index}.{key}"] = torch.from_numpy(np.array(value, order="C"))
        if step[0] == "batchnorm":
            out[f"{index}.num_batches_tracked"] = torch.tensor(0, dtype=torch.long)
    return out


def to_torch_state_dict(model_or_saved, path: str | os.PathLike) -> Path:
    """Save the parameters with ``torch.save`` as the ``state_dict`` of :func:`torch_module`'s network.

    Load it with ``torch_module_like.load_state_dict(torch.load(path, weights_only=True))``.
    """
    import io

    torch = _torch()
    model, _ = _unpack(model_or_saved)
    buffer = io.BytesIO()
    torch.save(state_dict(model), buffer)
    return _atomic_write(path, buffer.getvalue())
