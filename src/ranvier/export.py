"""Export a trained network to ONNX, or its parameters to a PyTorch ``state_dict``.

ONNX (:func:`to_onnx`, optional extra ``ranvier[export]``: the ``onnx``
package; ``onnxruntime`` runs the result).  The graph takes raw inputs
``x`` of shape ``(batch, n)`` in float32, exactly what
:meth:`ranvier.io.SavedModel.prepare` takes once images are flattened, and
computes

* the saved preprocessing: ``x / pixel_max`` (``scale``), ``- mean``
  (``center``), ``/ std`` (``standardize``);
* each layer: ``Gemm(h, W, b, transB=1)`` for the lecture's ``W h + b`` with
  ``W`` of shape (out, in), then the activation (``Relu``, ``LeakyRelu``,
  ``Sigmoid``, ``Tanh``, ``Softplus``, ``Elu``; ``identity`` adds nothing);
* outputs ``scores`` (batch, c) and, for softmax models, ``probabilities``
  (``Softmax`` over axis 1).

PyTorch (:func:`to_torch_state_dict`): the parameters of the equivalent
``torch.nn.Sequential``: a ``torch.nn.Linear`` per layer with an activation
module after every hidden one, so ranvier's ``W{k}``, ``b{k}`` become
``"{2(k-1)}.weight"``, ``"{2(k-1)}.bias"`` (W keeps its (out, in) layout,
which is ``Linear.weight``'s).  :func:`torch_module` builds that module; the
preprocessing is not part of it (apply ``SavedModel.prepare`` first).
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

__all__ = ["ONNX_OPSET", "to_onnx", "to_torch_state_dict", "torch_module"]

ONNX_OPSET = 17
_ONNX_ACTIVATIONS = {"relu": "Relu", "sigmoid": "Sigmoid", "tanh": "Tanh", "softplus": "Softplus", "elu": "Elu",
                     "leaky_relu": "LeakyRelu"}
_TORCH_ACTIVATIONS = {"relu": "ReLU", "sigmoid": "Sigmoid", "tanh": "Tanh", "softplus": "Softplus", "elu": "ELU",
                      "leaky_relu": "LeakyReLU", "identity": "Identity"}


def _layers(model) -> list[tuple]:
    """The network as steps: ``("linear", W, b)`` and ``("activation", name, slope)``."""
    steps = []
    for k in range(1, model.n_layers + 1):
        steps.append(("linear", model.params[f"W{k}"], model.params[f"b{k}"]))
        if k < model.n_layers:
            act = model.activations[k - 1]
            slope = float(-act.forward(np.array([-1.0]))[0]) if act.name == "leaky_relu" else None
            steps.append(("activation", act.name, slope))
    return steps


def _unpack(model_or_saved):
    """``(model, preprocessing or None)`` from a model or a :class:`~ranvier.io.SavedModel`."""
    from .io import SavedModel

    if isinstance(model_or_saved, SavedModel):
        return model_or_saved.model, model_or_saved.preprocessing
    if not hasattr(model_or_saved, "params") or not hasattr(model_or_saved, "n_layers"):
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
        out = f"h{i}"
        if step[0] == "linear":
            inits += [_tensor(helper, f"W{i}", step[1]), _tensor(helper, f"b{i}", step[2])]
            nodes.append(helper.make_node("Gemm", [h, f"W{i}", f"b{i}"], [out], transB=1))
        elif step[1] == "identity":
            continue
        else:
            extra = {"alpha": step[2]} if step[1] == "leaky_relu" else {"alpha": 1.0} if step[1] == "elu" else {}
            nodes.append(helper.make_node(_ONNX_ACTIVATIONS[step[1]], [h], [out], **extra))
        h = out
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


def _atomic_write(path: str | os.PathLike, data: bytes) -> Path:
    import tempfile

    path = Path(path)
    if not path.parent.is_dir():
        raise FileNotFoundError(f"the folder of {path} does not exist; create it first")
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=path.suffix)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise
    return path


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
    modules = []
    for step in _layers(model):
        if step[0] == "linear":
            modules.append(torch.nn.Linear(step[1].shape[1], step[1].shape[0]))
        elif step[1] == "leaky_relu":
            modules.append(torch.nn.LeakyReLU(step[2]))
        else:
            modules.append(getattr(torch.nn, _TORCH_ACTIVATIONS[step[1]])())
    net = torch.nn.Sequential(*modules).to(torch.float64 if model.dtype == np.float64 else torch.float32)
    net.load_state_dict(state_dict(model))
    return net


def state_dict(model) -> dict:
    """``{"0.weight": W1, "0.bias": b1, "2.weight": W2, ...}`` as torch tensors (copies)."""
    torch = _torch()
    out, index = {}, 0
    for step in _layers(model):
        if step[0] == "linear":
            out[f"{index}.weight"] = torch.from_numpy(np.array(step[1], order="C"))
            out[f"{index}.bias"] = torch.from_numpy(np.array(step[2]))
        index += 1
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
