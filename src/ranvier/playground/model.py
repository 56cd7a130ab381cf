"""Building the network and its trainer from the settings, with ranvier's public API.

:func:`build_model` is the one place that turns settings into a :class:`ranvier.MLP`;
dropout and batch norm are passed on when this ranvier's ``MLP`` takes them
(:func:`capabilities` asks its signature), so those controls light up by
themselves once the layers land.
"""

from __future__ import annotations

import inspect

from .. import MLP, Trainer, get_optimizer

__all__ = ["build_model", "build_trainer", "capabilities"]

_MOMENTUM_OPTIMIZERS = ("momentum", "nesterov", "rmsprop")


def capabilities() -> dict:
    """Which optional model settings this ranvier supports: ``{"dropout": bool, "batch_norm": bool}``."""
    params = inspect.signature(MLP).parameters
    return {"dropout": "dropout" in params, "batch_norm": "batch_norm" in params}


def build_model(settings: dict, n_inputs: int, n_classes: int) -> MLP:
    """The network ``n_inputs -> settings['layers'] -> n_classes`` the settings ask for.

    Weights are initialised from ``settings['seed']``, so a reset with the same
    seed starts from the same network.
    """
    extra = {}
    can = capabilities()
    if can["dropout"] and settings["dropout"] > 0:
        extra["dropout"] = settings["dropout"]
    if can["batch_norm"] and settings["batch_norm"]:
        extra["batch_norm"] = True
    activation = settings["activation"] or "relu"  # a linear model has no hidden activation
    return MLP((n_inputs, *settings["layers"], n_classes), activation=activation, loss=settings["loss"],
               reg=settings["l2"], seed=settings["seed"], **extra)


def optimizer_options(settings: dict) -> dict:
    """Keyword arguments of :func:`ranvier.get_optimizer` for the settings' optimiser."""
    options = {"lr": settings["lr"]}
    if settings["optimizer"] in _MOMENTUM_OPTIMIZERS and (settings["momentum"] > 0 or settings["optimizer"] != "nesterov"):
        options["momentum"] = settings["momentum"]
    return options


def build_trainer(settings: dict, model: MLP) -> Trainer:
    """A :class:`ranvier.Trainer` that runs one epoch per :meth:`~ranvier.Trainer.fit` call.

    It keeps the last parameters (not the best) and is silent; its optimiser
    state and shuffling continue from one call to the next.
    """
    optimizer = get_optimizer(settings["optimizer"], **optimizer_options(settings))
    return Trainer(model, optimizer, batch_size=settings["batch_size"], mode=settings["mode"], epochs=1,
                   seed=settings["seed"], restore_best=False, verbose=0, divergence_factor=1e6)
