"""ranvier: linear classifiers and neural networks trained by gradient descent.

The lecture's math, exact and vectorised: losses that return ``(loss, dscores)``,
activations with derivatives, multilayer perceptrons with a backward pass,
gradient checking and the generic ``gd`` minimiser.
"""

from importlib.metadata import PackageNotFoundError, version as _version

from .activations import ACTIVATIONS, Activation, get_activation
from .gradcheck import GradcheckResult, gradcheck, numerical_gradient, rel_error, sparse_numerical_gradient
from .initializers import init_weight
from .losses import (
    LOSSES,
    get_loss,
    log_softmax,
    multiclass_hinge,
    softmax,
    softmax_cross_entropy,
    squared_error,
)
from .minimize import OBJECTIVES, DivergenceWarning, GDResult, Objective, gd, get_objective
from .models import MLP, LinearClassifier
from .xor import hand_network, least_squares_fit, train_xor, xor_data

try:
    __version__ = _version("ranvier")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0"

__all__ = [
    "ACTIVATIONS",
    "LOSSES",
    "MLP",
    "OBJECTIVES",
    "Activation",
    "DivergenceWarning",
    "GDResult",
    "GradcheckResult",
    "LinearClassifier",
    "Objective",
    "__version__",
    "gd",
    "get_activation",
    "get_loss",
    "get_objective",
    "gradcheck",
    "hand_network",
    "init_weight",
    "least_squares_fit",
    "log_softmax",
    "multiclass_hinge",
    "numerical_gradient",
    "rel_error",
    "softmax",
    "softmax_cross_entropy",
    "sparse_numerical_gradient",
    "squared_error",
    "train_xor",
    "xor_data",
]
