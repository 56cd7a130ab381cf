"""The network wing: the lecture's math, the ground floor of ranvier.

Where things are
----------------
* :mod:`ranvier.nn.losses`: the losses on scores, each returning ``(loss, dscores)``
  (softmax cross-entropy, multiclass hinge, squared error; :func:`get_loss`);
* :mod:`ranvier.nn.activations`: the activation functions and their derivatives, by name
  (:data:`ACTIVATIONS`, :func:`get_activation`);
* :mod:`ranvier.nn.init`: the weight initialisers (Gaussian, Xavier/Glorot, He; :func:`init_weight`);
* :mod:`ranvier.nn.functional`: the lecture's layers as forward/backward function pairs
  with a cache (``affine_forward``, ``affine_backward``, ...);
* :mod:`ranvier.nn.layers`: layer objects for a stack, :class:`Linear`, :class:`Activation`
  (and the named :class:`ReLU`, :class:`Tanh`, ...), :class:`Dropout`; :mod:`ranvier.nn.norm`:
  :class:`BatchNorm`, :class:`LayerNorm`;
* :mod:`ranvier.nn.networks`: :class:`Sequential` (also ``ranvier.Sequential``) and
  :func:`from_config`; :mod:`ranvier.nn.summary`: its table and the layers to and from specs;
* :mod:`ranvier.nn.mlp`: :class:`MLP` and :class:`LinearClassifier`, the dense network
  with its fused passes;
* :mod:`ranvier.nn.workspace`: the buffers of the passes (:class:`LayerWorkspace`, and the
  fused MLP's :class:`Workspace`), the speed machinery of a training step;
* :mod:`ranvier.nn.gradcheck`: numerical gradients and gradient checking, in float64.

The names below are also here, ``ranvier.nn.X``.  Note that ``ranvier.nn.Activation`` is the
activation *layer*; ``ranvier.Activation`` is the registry entry (forward and derivative) it uses.
"""

from .activations import ACTIVATIONS, get_activation
from .gradcheck import gradcheck, numerical_gradient, rel_error
from .init import init_weight
from .losses import LOSSES, get_loss, log_softmax, multiclass_hinge, softmax, softmax_cross_entropy, squared_error
from .layers import ELU, Activation, Dropout, Identity, Layer, LeakyReLU, Linear, ReLU, Sigmoid, Softplus, Tanh
from .mlp import MLP, LinearClassifier
from .networks import Sequential, from_config
from .norm import BatchNorm, LayerNorm
from .summary import parse_layers
from .workspace import LayerWorkspace, Workspace

__all__ = [
    "ACTIVATIONS", "ELU", "LOSSES", "MLP", "Activation", "BatchNorm", "Dropout", "Identity", "Layer", "LayerNorm",
    "LayerWorkspace", "LeakyReLU", "Linear", "LinearClassifier", "ReLU", "Sequential", "Sigmoid", "Softplus", "Tanh",
    "Workspace", "from_config", "get_activation", "get_loss", "gradcheck", "init_weight", "log_softmax",
    "multiclass_hinge", "numerical_gradient", "parse_layers", "rel_error", "softmax", "softmax_cross_entropy",
    "squared_error",
]
