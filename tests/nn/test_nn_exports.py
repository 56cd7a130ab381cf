"""The wing ranvier.nn exports what its map names, the same objects as the flat names of ranvier."""

import ranvier
import ranvier.nn as nn
from ranvier.nn import MLP, LinearClassifier, Workspace, log_softmax


def test_the_dense_networks_and_log_softmax_import_from_the_wing():
    assert (MLP, LinearClassifier, Workspace, log_softmax) == (
        ranvier.MLP, ranvier.LinearClassifier, ranvier.Workspace, ranvier.log_softmax)
    assert {"MLP", "LinearClassifier", "Workspace", "log_softmax"} <= set(nn.__all__)
    assert MLP.__module__ == "ranvier.nn.mlp" and Workspace.__module__ == "ranvier.nn.workspace"


def test_every_name_of_the_wing_exists_and_the_activation_layer_is_not_the_registry_entry():
    assert [name for name in nn.__all__ if not hasattr(nn, name)] == []
    assert len(nn.__all__) == len(set(nn.__all__))
    assert nn.Activation is not ranvier.Activation
    assert nn.Activation.__module__ == "ranvier.nn.layers" and ranvier.Activation.__module__ == "ranvier.nn.activations"


def test_the_map_names_every_public_module_of_the_wing():
    import pkgutil

    public = [m.name for m in pkgutil.iter_modules(nn.__path__) if not m.name.startswith("_")]
    assert {"losses", "mlp", "gradcheck"} <= set(public)
    missing = [name for name in public if f":mod:`ranvier.nn.{name}`" not in nn.__doc__]
    assert missing == []
