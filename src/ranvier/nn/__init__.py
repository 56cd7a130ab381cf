"""The network wing: layers with forward/backward passes and the networks made of them.

* :mod:`ranvier.nn.layers`: :class:`Linear`, :class:`Activation` (and the named
  :class:`ReLU`, :class:`Tanh`, ...), :class:`Dropout`; :mod:`ranvier.nn.norm`:
  :class:`BatchNorm`, :class:`LayerNorm`;
* :mod:`ranvier.nn.networks`: :class:`Sequential` (also ``ranvier.Sequential``) and
  :func:`from_config`; :mod:`ranvier.nn.summary`: its table and the layers to and from specs;
* :mod:`ranvier.nn.workspace`: the buffers of the passes (:class:`LayerWorkspace`, and the
  fused MLP's ``Workspace``);
* the losses, activation functions, initialisers and gradient checks of the
  top-level modules, re-exported here.

Note that ``ranvier.nn.Activation`` is the activation *layer*;
``ranvier.Activation`` is the registry entry (forward and derivative) it uses.
"""

from .activations import ACTIVATIONS, get_activation
from .gradcheck import gradcheck, numerical_gradient, rel_error
from .init import init_weight
from .losses import LOSSES, get_loss, multiclass_hinge, softmax, softmax_cross_entropy, squared_error
from .layers import ELU, Activation, Dropout, Identity, Layer, LeakyReLU, Linear, ReLU, Sigmoid, Softplus, Tanh
from .networks import Sequential, from_config
from .norm import BatchNorm, LayerNorm
from .summary import parse_layers
from .workspace import LayerWorkspace

__all__ = [
    "ACTIVATIONS", "ELU", "LOSSES", "Activation", "BatchNorm", "Dropout", "Identity", "Layer", "LayerNorm",
    "LayerWorkspace", "LeakyReLU", "Linear", "ReLU", "Sequential", "Sigmoid", "Softplus", "Tanh", "from_config",
    "get_activation", "get_loss", "gradcheck", "init_weight", "multiclass_hinge", "numerical_gradient",
    "parse_layers", "rel_error", "softmax", "softmax_cross_entropy", "squared_error",
]
