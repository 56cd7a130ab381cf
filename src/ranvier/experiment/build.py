"""What the options describe, built: the data, the model, the optimiser, the schedule, the monitored value."""

from __future__ import annotations

from typing import Any

from ..nn.mlp import MLP
from ..optim import get_optimizer, get_schedule
from .memory import check_training_memory
from .options import _OWN_DATA_OPTIONS, TrainOptions


def load_data(options: TrainOptions):
    """The :class:`~ranvier.datasets.Dataset` the options describe: a built-in set or a file of one's own.

    The own-data options (``test_split``, ``target``, ``labels``, ``image_size``,
    ``color``) are passed only when set, so a built-in set refuses them by name.
    """
    from ..datasets import load_dataset

    own = {k: getattr(options, k) for k in _OWN_DATA_OPTIONS if getattr(options, k) is not None}
    return load_dataset(options.data, options.data_dir, val_split=options.val_split, preprocess=options.preprocess,
                        seed=options.seed, n_train=options.n_train, **own)


def build_model(options: TrainOptions, n_features: int, n_classes: int) -> MLP:
    """The model the options describe, for data of this shape."""
    if options.layers is not None:
        return _build_stack(options, n_features, n_classes)
    hidden = () if options.model == "linear" else tuple(options.hidden)
    check_training_memory((n_features, *hidden, n_classes), options)  # refused before any array is made
    return MLP((n_features, *hidden, n_classes), activation=options.activation, loss=options.loss,
               reg=options.reg, init=options.init, seed=options.seed, dtype=options.dtype,
               dropout=options.dropout, batch_norm=options.batch_norm)


def _build_stack(options: TrainOptions, n_features: int, n_classes: int):
    """The Sequential of ``options.layers`` (``"linear:500,batchnorm,relu,dropout:0.3,linear:10"``)."""
    from ..nn import Sequential, parse_layers

    net = Sequential(parse_layers(options.layers, n_features, dtype=options.dtype, seed=options.seed),
                     loss=options.loss, reg=options.reg)
    if net.n_outputs != n_classes:
        raise ValueError(f"--layers {options.layers!r} ends with {net.n_outputs} outputs, but the data have "
                         f"{n_classes} classes; end the stack with linear:{n_classes}")
    return net


def _describe(model) -> str:
    """``784-100-10 relu`` for an MLP, ``linear:500,batchnorm,...`` for another stack."""
    if isinstance(model, MLP):
        return f"{'-'.join(map(str, model.layer_sizes))} {model.activation_names[0] if model.activation_names else 'linear'}"
    return ",".join(repr(layer) for layer in model.layers)


def _monitor(o: TrainOptions) -> str:
    if o.monitor not in ("val_loss", "val_accuracy", "loss", "accuracy"):
        raise ValueError(f"monitor must be one of val_loss, val_accuracy, loss, accuracy, got {o.monitor!r}")
    if o.val_split == 0 and o.monitor.startswith("val_"):
        return o.monitor[4:]  # no validation split: watch the training metric
    return o.monitor


def _optimizer(o: TrainOptions):
    kwargs: dict[str, Any] = {"lr": o.lr}
    if o.momentum is not None:
        kwargs["momentum"] = o.momentum
    if o.weight_decay is not None:
        kwargs["weight_decay"] = o.weight_decay
    return get_optimizer(o.optimizer, **kwargs)


def _steps_per_epoch(o: TrainOptions, m: int) -> int:
    k = {"batch": m, "stochastic": 1}.get(o.mode, min(o.batch_size, m))
    return -(-m // k)


def _schedule(o: TrainOptions, steps: int):
    name = o.schedule.lower().replace("-", "_")
    warm = {"warmup_steps": o.warmup * steps}
    if name == "constant":
        return get_schedule("constant", lr=o.lr, **warm) if o.warmup else None
    if name == "plateau":  # ReduceLROnPlateau sets the optimiser's rate (conveniences._convenience_callbacks)
        return None
    if name == "step":
        return get_schedule("step", lr=o.lr, step_size=o.decay_every * steps, gamma=o.decay, **warm)
    if name == "exponential":
        return get_schedule("exponential", lr=o.lr, gamma=o.decay, decay_steps=steps, **warm)
    if name == "inverse_time":
        return get_schedule("inverse_time", lr=o.lr, decay_rate=o.decay, decay_steps=steps, **warm)
    if name == "cosine":
        horizon = max(1, (o.epochs - o.warmup) * steps)
        return get_schedule("cosine", lr=o.lr, decay_steps=horizon, min_lr=o.decay * o.lr if o.decay < 1 else 0.0, **warm)
    raise ValueError(f"unknown schedule {o.schedule!r}; choose one of: constant, step, exponential, inverse_time, cosine, plateau")

