"""A network's summary table, and layers to and from JSON-friendly specs (model files, ``--layers``)."""

from __future__ import annotations

import numpy as np

from .layers import Activation, Dropout, Layer, Linear
from .norm import BatchNorm, LayerNorm

__all__ = ["layer_config", "layer_from_config", "parse_layers", "summary_table"]


def summary_table(net) -> str:
    """Each layer, its output shape and its parameters, then the totals.

    The lecture's 3-4-2 network::

        layer            output   params
        Linear(3, 4)     (m, 4)   16  W1, b1
        ReLU()           (m, 4)    0
        Linear(4, 2)     (m, 2)   10  W2, b2
        total: 20 weights + 6 biases = 26 parameters
    """
    names: dict[int, list[str]] = {}
    for layer, _, name, kind in net._slots:
        if kind == "param":
            names.setdefault(id(layer), []).append(name)
    rows = [("layer", "output", "params", "")]
    for layer, width in zip(net.layers, net._widths[1:]):
        rows.append((repr(layer), f"(m, {width})", str(layer.num_params), ", ".join(names.get(id(layer), []))))
    w0 = max(len(r[0]) for r in rows)
    w1 = max(len(r[1]) for r in rows)
    w2 = max(len(r[2]) for r in rows)
    lines = [f"{a:<{w0}}  {b:<{w1}}  {c:>{w2}}  {d}".rstrip() for a, b, c, d in rows]
    lines.append("total: " + _totals(net))
    if net.buffers:
        lines.append(f"buffers: {sum(b.size for b in net.buffers.values())} running statistics "
                     f"({', '.join(net.buffers)})")
    return "\n".join(lines)


def _totals(net) -> str:
    weights = sum(net.params[n].size for n in net.weight_names())
    biases = sum(layer.params["b"].size for layer in net.layers if isinstance(layer, Linear))
    other = net.num_params - weights - biases
    parts = [f"{weights} weights", f"{biases} biases"]
    if other:
        parts.append(f"{other} normalisation scales and shifts")
    return " + ".join(parts) + f" = {net.num_params} parameters"


def layer_config(layer: Layer) -> dict:
    """A layer's kind and settings, JSON-friendly (its arrays are stored apart)."""
    if isinstance(layer, Linear):
        return {"type": "linear", "n_in": layer.n_in, "n_out": layer.n_out}
    if isinstance(layer, BatchNorm):
        return {"type": "batchnorm", "n": layer.n, "momentum": layer.momentum, "eps": layer.eps}
    if isinstance(layer, LayerNorm):
        return {"type": "layernorm", "n": layer.n, "eps": layer.eps}
    if isinstance(layer, Activation):
        return {"type": "activation", "name": layer.name}
    if isinstance(layer, Dropout):
        return {"type": "dropout", "p": layer.p}
    raise ValueError(f"a {type(layer).__name__} layer cannot be written to a model file")


def layer_from_config(spec: dict, dtype, rng) -> Layer:
    """The layer of :func:`layer_config`'s ``spec``, freshly initialised from ``rng``."""
    if not isinstance(spec, dict):
        raise ValueError(f"a layer spec must be a JSON object, got {spec!r}")
    kind = spec.get("type")
    if kind == "linear":
        return Linear(spec["n_in"], spec["n_out"], seed=rng, dtype=dtype)
    if kind == "batchnorm":
        return BatchNorm(spec["n"], spec.get("momentum", 0.1), spec.get("eps", 1e-5), dtype=dtype)
    if kind == "layernorm":
        return LayerNorm(spec["n"], spec.get("eps", 1e-5), dtype=dtype)
    if kind == "activation":
        return Activation(spec["name"])
    if kind == "dropout":
        return Dropout(spec["p"])
    raise ValueError(f"unknown layer type {kind!r}; the types are linear, batchnorm, layernorm, activation, dropout")


def _probability(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise ValueError("dropout:P needs a probability P in [0, 1)") from None


def parse_layers(text: str, n_features: int, *, dtype=np.float32, seed=None) -> list[Layer]:
    """Layers from a spec such as ``"linear:500,batchnorm,relu,dropout:0.3,linear:10"``.

    ``linear:N`` is a Linear layer of ``N`` outputs (its inputs: the width
    before it, ``n_features`` at first), ``batchnorm`` / ``layernorm`` normalise
    the width before them, ``dropout:P`` drops with probability ``P``, and any
    activation name (``relu``, ``tanh``, ...) is an activation layer.

    Raises
    ------
    ValueError
        For an empty or unknown item, naming it and the valid ones.
    """
    from .activations import ACTIVATIONS

    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    width, layers = n_features, []
    for item in (part.strip() for part in str(text).split(",")):
        kind, _, arg = item.partition(":")
        kind = kind.strip().lower()
        try:
            if kind == "linear":
                if not arg.strip().isdigit():
                    raise ValueError("linear:N needs a whole number N of outputs")
                layers.append(Linear(width, int(arg), seed=rng, dtype=dtype))
                width = int(arg)
            elif kind in ("batchnorm", "layernorm") and not arg:
                layers.append((BatchNorm if kind == "batchnorm" else LayerNorm)(width, dtype=dtype))
            elif kind == "dropout":
                layers.append(Dropout(_probability(arg) if arg else 0.5))
            elif not arg:
                layers.append(Activation(kind))
            else:
                raise ValueError(f"{kind!r} takes no argument")
        except ValueError as exc:
            raise ValueError(
                f"layer {item!r} in {text!r}: {exc}; items are linear:N, batchnorm, layernorm, dropout:P "
                f"and the activations {', '.join(ACTIVATIONS)}"
            ) from None
    if not layers:
        raise ValueError("the layer spec is empty; give e.g. 'linear:100,relu,linear:10'")
    return layers
