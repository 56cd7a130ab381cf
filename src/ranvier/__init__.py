"""ranvier: linear classifiers and neural networks trained by gradient descent.

The lecture's math, exact and vectorised: losses that return ``(loss, dscores)``,
activations with derivatives, multilayer perceptrons with a backward pass,
gradient checking and the generic ``gd`` minimiser; optimisers, a training loop,
data sets and model files to train on real data.

Where things are
----------------
ranvier is built in wings, one per concept; a wing imports only from the wings
listed before it (bottom first):

* ``datasets/`` (data sets, splits, preprocessing, augmentation) and ``nn/`` (the
  lecture's math: losses, activations, layers, networks, initialisers, gradient checks);
* ``optim/``: the update rules, one module per family, and the schedules;
* ``descent/``: the lecture's ``gd`` recorder, the 2-D test functions, optimiser paths;
* ``train/``: the :class:`Trainer`, its loop, :class:`History`, callbacks, checkpoints;
* ``io.py`` (model files), ``export.py``, ``runfolder.py`` and ``plot/`` (pictures);
* ``estimators/``: scikit-learn compatible classifiers and a regressor;
* this module: the flat names of ``ranvier.__all__``, and the old module names;
* ``experiment/`` (one ``ranvier train`` run) and ``sweep/`` (many), ``playground/``,
  and ``cli/``, the ``ranvier`` command, at the top.

``docs/architecture.md`` says what each wing owns and where to start reading.
"""


import importlib as _importlib
import sys as _sys
import types as _types

from .nn.activations import ACTIVATIONS, Activation, get_activation
from .nn.gradcheck import GradcheckResult, gradcheck, numerical_gradient, rel_error, sparse_numerical_gradient
from .nn.init import init_weight
from .nn.losses import (
    LOSSES,
    get_loss,
    log_softmax,
    multiclass_hinge,
    softmax,
    softmax_cross_entropy,
    squared_error,
)
from .descent.functions import OBJECTIVES, Objective, get_objective
from .descent.recorder import DivergenceWarning, GDResult, gd
from .nn.mlp import MLP, LinearClassifier, Workspace
from .nn.networks import Sequential
from .optim import (
    OPTIMIZERS,
    SCHEDULES,
    SGD,
    Adagrad,
    Adam,
    AdamW,
    Optimizer,
    RMSprop,
    Schedule,
    get_optimizer,
    get_schedule,
)
from .train import Callback, History, Trainer, evaluate
from .metrics import evaluate_report
from .io import ModelFileError, SavedModel, load_model, save_model
from .datasets import DATASETS, Dataset, load_dataset
from .xor import hand_network, least_squares_fit, train_xor, xor_data

# Old flat module names stay importable as the same module objects in their wings (issue 15):
# ``ranvier.losses`` is ``ranvier.nn.losses``, ``ranvier.training`` is the package ``ranvier.train``,
# ``ranvier.checkpoint`` is ``ranvier.train.checkpoint``, ...  ``ranvier.gradcheck`` stays the function.
_OLD_NAMES = {
    "activations": "nn.activations", "layers": "nn.functional", "gradcheck": "nn.gradcheck",
    "initializers": "nn.init", "losses": "nn.losses", "models": "nn.mlp",
    "augment": "datasets.augment", "paths": "descent.paths",
    "training": "train", "checkpoint": "train.checkpoint", "clipping": "train.clipping",
    "loggers": "train.loggers", "lr_finder": "train.lr_finder", "plateau": "train.plateau",
}
for _old, _new in _OLD_NAMES.items():
    _module = _importlib.import_module(f"{__name__}.{_new}")
    _sys.modules.setdefault(f"{__name__}.{_old}", _module)
    if _old != "gradcheck":
        globals()[_old] = _module
# ``ranvier.minimize`` held both the gd recorder and its test functions: one module of both names
minimize = _types.ModuleType(f"{__name__}.minimize", "Old name of :mod:`ranvier.descent.recorder` and "
                             ":mod:`ranvier.descent.functions`: import from there (or from ``ranvier``).")
for _module in (_importlib.import_module(f"{__name__}.descent.{m}") for m in ("functions", "recorder")):
    minimize.__dict__.update({name: getattr(_module, name) for name in _module.__all__})
_sys.modules.setdefault(minimize.__name__, minimize)
del _old, _new, _module

from ._version import __version__

__all__ = [
    "ACTIVATIONS",
    "DATASETS",
    "LOSSES",
    "MLP",
    "OBJECTIVES",
    "OPTIMIZERS",
    "SCHEDULES",
    "SGD",
    "Activation",
    "Adagrad",
    "Adam",
    "AdamW",
    "Callback",
    "Dataset",
    "DivergenceWarning",
    "GDResult",
    "GradcheckResult",
    "History",
    "LinearClassifier",
    "ModelFileError",
    "Objective",
    "Optimizer",
    "RMSprop",
    "SavedModel",
    "Schedule",
    "Sequential",
    "Trainer",
    "Workspace",
    "LinearSVMClassifier",
    "MLPClassifier",
    "MLPRegressor",
    "SoftmaxClassifier",
    "__version__",
    "evaluate",
    "evaluate_report",
    "gd",
    "get_activation",
    "get_loss",
    "get_objective",
    "get_optimizer",
    "get_schedule",
    "gradcheck",
    "hand_network",
    "init_weight",
    "least_squares_fit",
    "load_dataset",
    "load_model",
    "log_softmax",
    "multiclass_hinge",
    "numerical_gradient",
    "rel_error",
    "save_model",
    "softmax",
    "softmax_cross_entropy",
    "sparse_numerical_gradient",
    "squared_error",
    "train_xor",
    "xor_data",
]

_ESTIMATORS = ("LinearSVMClassifier", "MLPClassifier", "MLPRegressor", "SoftmaxClassifier")


def __getattr__(name: str):
    # the scikit-learn estimators import scikit-learn (about 1 s): load them on first use
    if name in _ESTIMATORS:
        from . import estimators

        return getattr(estimators, name)
    raise AttributeError(f"module 'ranvier' has no attribute {name!r}")
