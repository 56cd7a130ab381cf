"""Learning-rate schedules: ``schedule(step) -> lr``.

A schedule is a small callable ``schedule(step) -> lr`` with ``step = 0, 1, ...``
the number of steps taken before the one it is for (``state["step"]``):
:class:`Constant`, :class:`StepDecay`, :class:`ExponentialDecay`,
:class:`InverseTimeDecay`, :class:`CosineDecay`, each with an optional linear
warm-up; ``get_schedule(name, **kwargs)`` looks them up by name.
"""

from __future__ import annotations

import math
import operator

from ._checks import count, nonnegative, positive, real

__all__ = [
    "SCHEDULES",
    "Constant",
    "CosineDecay",
    "ExponentialDecay",
    "InverseTimeDecay",
    "Schedule",
    "StepDecay",
    "get_schedule",
]


class Schedule:
    """Base class of the learning-rate schedules: ``schedule(step) -> lr``.

    ``step = 0, 1, 2, ...`` is the number of steps taken before the one the
    rate is for.  With ``warmup_steps = W > 0`` the rate first rises linearly
    from ``warmup_start`` to ``lr``, and the decay starts after it::

        lr(step) = warmup_start + (lr - warmup_start) * step / W     step < W
        lr(step) = decay(step - W)                                    step >= W

    where ``decay(k)`` is the subclass's formula (``decay(0) = lr``).
    """

    name = "schedule"

    def __init__(self, lr: float, *, warmup_steps: int = 0, warmup_start: float = 0.0) -> None:
        self.lr = positive(lr, "lr")
        self.warmup_steps = count(warmup_steps, "warmup_steps", minimum=0)
        self.warmup_start = nonnegative(warmup_start, "warmup_start")
        if self.warmup_start > self.lr:
            raise ValueError(f"warmup_start must be <= lr={lr!r}, got {warmup_start!r}")

    def __call__(self, step: int) -> float:
        try:
            step = operator.index(step)
        except TypeError:
            raise TypeError(f"step must be an integer, got {type(step).__name__}") from None
        if step < 0:
            raise ValueError(f"step must be >= 0, got {step}")
        w = self.warmup_steps
        if step < w:
            return self.warmup_start + (self.lr - self.warmup_start) * step / w
        return float(self._decay(step - w))

    def get_config(self) -> dict:
        """The settings as JSON-friendly data; ``get_schedule(**config)`` rebuilds the schedule."""
        return {"name": self.name, **self._config, "warmup_steps": self.warmup_steps, "warmup_start": self.warmup_start}

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items() if k != "name")
        return f"{type(self).__name__}({args})"

    def __eq__(self, other) -> bool:
        return type(self) is type(other) and self.get_config() == other.get_config()

    __hash__ = None

    @property
    def _config(self) -> dict:
        return {"lr": self.lr}

    def _decay(self, k: int) -> float:
        raise NotImplementedError


class Constant(Schedule):
    """A constant rate (after the optional warm-up): ``decay(k) = lr``."""

    name = "constant"

    def _decay(self, k: int) -> float:
        return self.lr


class StepDecay(Schedule):
    """Multiply the rate by ``gamma`` every ``step_size`` steps (PyTorch's ``StepLR``).

    The rate at step ``k``::

        decay(k) = lr * gamma ** (k // step_size)
    """

    name = "step"

    def __init__(
        self, lr: float, *, step_size: int, gamma: float = 0.1, warmup_steps: int = 0, warmup_start: float = 0.0
    ) -> None:
        super().__init__(lr, warmup_steps=warmup_steps, warmup_start=warmup_start)
        self.step_size = count(step_size, "step_size", minimum=1)
        self.gamma = _decay_factor(gamma)

    @property
    def _config(self) -> dict:
        return {"lr": self.lr, "step_size": self.step_size, "gamma": self.gamma}

    def _decay(self, k: int) -> float:
        return self.lr * self.gamma ** (k // self.step_size)


class ExponentialDecay(Schedule):
    """Smooth exponential decay (PyTorch's ``ExponentialLR`` when ``decay_steps=1``).

    The rate at step ``k``::

        decay(k) = lr * gamma ** (k / decay_steps)
    """

    name = "exponential"

    def __init__(
        self, lr: float, *, gamma: float, decay_steps: float = 1, warmup_steps: int = 0, warmup_start: float = 0.0
    ) -> None:
        super().__init__(lr, warmup_steps=warmup_steps, warmup_start=warmup_start)
        self.gamma = _decay_factor(gamma)
        self.decay_steps = positive(decay_steps, "decay_steps")

    @property
    def _config(self) -> dict:
        return {"lr": self.lr, "gamma": self.gamma, "decay_steps": self.decay_steps}

    def _decay(self, k: int) -> float:
        return self.lr * self.gamma ** (k / self.decay_steps)


class InverseTimeDecay(Schedule):
    """Inverse-time decay (Keras's ``InverseTimeDecay``; Adagrad's ``lr_decay`` with ``decay_steps=1``).

    The rate at step ``k``::

        decay(k) = lr / (1 + decay_rate * k / decay_steps)
    """

    name = "inverse_time"

    def __init__(
        self, lr: float, *, decay_rate: float, decay_steps: float = 1, warmup_steps: int = 0, warmup_start: float = 0.0
    ) -> None:
        super().__init__(lr, warmup_steps=warmup_steps, warmup_start=warmup_start)
        self.decay_rate = nonnegative(decay_rate, "decay_rate")
        self.decay_steps = positive(decay_steps, "decay_steps")

    @property
    def _config(self) -> dict:
        return {"lr": self.lr, "decay_rate": self.decay_rate, "decay_steps": self.decay_steps}

    def _decay(self, k: int) -> float:
        return self.lr / (1.0 + self.decay_rate * k / self.decay_steps)


class CosineDecay(Schedule):
    """Cosine annealing from ``lr`` to ``min_lr`` over ``decay_steps`` steps, then ``min_lr``::

        decay(k) = min_lr + (lr - min_lr) * (1 + cos(pi * min(k, decay_steps) / decay_steps)) / 2

    (PyTorch's ``CosineAnnealingLR`` with ``T_max = decay_steps``, held at the
    end instead of rising again.)  With a warm-up the horizon starts after it:
    the rate reaches ``min_lr`` at step ``warmup_steps + decay_steps``.
    """

    name = "cosine"

    def __init__(
        self,
        lr: float,
        *,
        decay_steps: int,
        min_lr: float = 0.0,
        warmup_steps: int = 0,
        warmup_start: float = 0.0,
    ) -> None:
        super().__init__(lr, warmup_steps=warmup_steps, warmup_start=warmup_start)
        self.decay_steps = count(decay_steps, "decay_steps", minimum=1)
        self.min_lr = nonnegative(min_lr, "min_lr")
        if self.min_lr > self.lr:
            raise ValueError(f"min_lr must be <= lr={lr!r}, got {min_lr!r}")

    @property
    def _config(self) -> dict:
        return {"lr": self.lr, "decay_steps": self.decay_steps, "min_lr": self.min_lr}

    def _decay(self, k: int) -> float:
        frac = min(k, self.decay_steps) / self.decay_steps
        return self.min_lr + (self.lr - self.min_lr) * 0.5 * (1.0 + math.cos(math.pi * frac))


def _decay_factor(gamma) -> float:
    x = real(gamma, "gamma")
    if not 0 < x <= 1:
        raise ValueError(f"gamma must be in (0, 1], got {gamma!r}")
    return x


SCHEDULES: dict[str, type[Schedule]] = {
    s.name: s for s in (Constant, StepDecay, ExponentialDecay, InverseTimeDecay, CosineDecay)
}
"""Learning-rate schedules by name."""


def get_schedule(name: str | Schedule, **kwargs) -> Schedule:
    """Build a schedule by name: ``get_schedule("cosine", lr=0.1, decay_steps=1000)``.

    ``get_schedule(**sched.get_config())`` rebuilds ``sched``; a :class:`Schedule`
    is returned as it is.
    """
    if isinstance(name, Schedule):
        if kwargs:
            raise TypeError("settings can only be given with a schedule name, not a Schedule")
        return name
    key = str(name).lower().replace("-", "_")
    if key not in SCHEDULES:
        raise ValueError(f"unknown schedule {name!r}; choose one of: {', '.join(SCHEDULES)}")
    return SCHEDULES[key](**kwargs)
