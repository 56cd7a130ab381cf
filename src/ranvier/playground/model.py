"""Building the network and its trainer from the settings, with ranvier's public API.

:func:`build_model` is the one place that turns settings into a :class:`ranvier.MLP`;
dropout and batch norm are passed on when this ranvier's ``MLP`` takes them
(:func:`capabilities` asks its signature), so those controls light up by
themselves once the layers land.
"""

from __future__ import annotations

import inspect

import math

from .. import MLP, Trainer, get_optimizer, get_schedule

__all__ = ["build_model", "build_trainer", "capabilities", "optimizer_options", "schedule_options"]

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
    if settings["optimizer"] in _MOMENTUM_OPTIMIZERS:
        options["momentum"] = settings["momentum"]
    return options


def steps_per_epoch(settings: dict, n_train: int) -> int:
    """Optimiser steps in one epoch over ``n_train`` examples in the settings' mode."""
    if settings["mode"] == "batch":
        return 1
    if settings["mode"] == "stochastic":
        return max(1, n_train)
    return max(1, math.ceil(n_train / settings["batch_size"]))


def schedule_options(settings: dict, n_train: int) -> dict | None:
    """Keyword arguments of :func:`ranvier.get_schedule` (None for a constant rate).

    As ``ranvier train`` reads them: ``decay`` is the factor per epoch of the
    exponential decay, per ``decay_every`` epochs of the step decay, the rate of
    the inverse-time decay per epoch; the cosine decays to ``decay * lr`` (0 when
    ``decay >= 1``) over ``decay_every`` epochs, then stays there.
    """
    name, lr, d = settings["schedule"], settings["lr"], settings["decay"]
    steps = steps_per_epoch(settings, n_train)
    if name == "constant":
        return None
    if name == "step":
        return {"name": "step", "lr": lr, "step_size": settings["decay_every"] * steps, "gamma": d}
    if name == "exponential":
        return {"name": "exponential", "lr": lr, "gamma": d, "decay_steps": steps}
    if name == "inverse_time":
        return {"name": "inverse_time", "lr": lr, "decay_rate": d, "decay_steps": steps}
    return {"name": "cosine", "lr": lr, "decay_steps": settings["decay_every"] * steps,
            "min_lr": d * lr if d < 1 else 0.0}


def build_trainer(settings: dict, model: MLP, n_train: int) -> Trainer:
    """A :class:`ranvier.Trainer` that runs one epoch per :meth:`~ranvier.Trainer.fit` call.

    It keeps the last parameters (not the best) and is silent; its optimiser
    state, schedule and shuffling continue from one call to the next.
    """
    optimizer = get_optimizer(settings["optimizer"], **optimizer_options(settings))
    options = schedule_options(settings, n_train)
    schedule = None if options is None else get_schedule(**options)
    return Trainer(model, optimizer, schedule=schedule, batch_size=settings["batch_size"], mode=settings["mode"],
                   epochs=1, seed=settings["seed"], restore_best=False, verbose=0, divergence_factor=1e6)
