"""Optimisers and learning-rate schedules over a flat dict of parameter arrays.

An optimiser is *state plus an update rule* (the shape of optax, adapted to
in-place NumPy):

* the optimiser object holds only its hyperparameters, named keyword arguments
  checked when it is built (``Adam(lr=1e-3, beta1=0.9)``);
* ``state = opt.init(params)`` allocates everything the updates need, once: one
  array per parameter and per *slot* (Adam's ``m`` and ``v``, the momentum
  buffer, ...), shaped and typed like that parameter, a step counter, and the
  scratch space the arithmetic runs in;
* ``opt.step(params, grads, state, lr=None)`` **overwrites the caller's
  parameter arrays and the state arrays in place** and returns nothing.  It
  allocates no parameter-sized array: every operation writes into the state or
  the scratch space with ``out=`` or an in-place ufunc.  The gradients are only
  read.  ``lr`` overrides the base learning rate for this step, which is how a
  schedule drives the optimiser::

      opt = Adam(lr=1e-3)
      sched = CosineDecay(1e-3, decay_steps=10_000, warmup_steps=500)
      state = opt.init(model.params)
      for X, y in batches:
          loss, grads = model.loss_and_grads(X, y)
          opt.step(model.params, grads, state, lr=sched(state["step"]))

The update rules are exactly those of PyTorch's ``torch.optim`` (SGD with
momentum, dampening and Nesterov, Adagrad, RMSprop, Adam, AdamW), with the same
defaults, so a run can be compared with PyTorch step by step; the tests do so
to 1e-12 in float64.  Each class writes its formula out, with ``g_t`` the
gradient at step ``t = 1, 2, ...``, ``theta`` the parameter and ``gamma`` the
learning rate.  Parameters keep their dtype: float32 parameters get float32
state and float32 arithmetic.

Speed: on the 2-core development machine one step on the parameters of a
CIFAR-10 MLP (3072-500-10, 1.5 M float32) takes about 0.4 ms (SGD), 0.8 ms
(momentum), 2 ms (Adagrad, RMSprop) and 3 ms (Adam, AdamW); the same Adam
written with fresh arrays takes 5 ms (``benchmarks/bench_optim.py``).

Weight decay here is the optimiser's own, separate from the model's ``reg``
(whose ``reg * W`` term is already in the gradient of the weights): leave it at
0 unless you want decay on top, or on the biases too.  An optimiser with none
of its own can instead take the model's term in ``step(..., l2={"W1": reg,
...})`` for gradients that leave it out; it is then added where the rule adds
its own decay, with the same result bit for bit (what :class:`~ranvier.Trainer`
does).  With the fused updates (Numba) that is inside their one pass over the
weights, which saves the two passes of adding the term to the gradient; the
NumPy rules make the same two passes either way.

State layout
------------
``state`` is a flat dict of plain data, so that ``np.savez(file, **state)``
writes it without pickle:

* ``"step"``: int, the number of steps taken (0 after ``init``);
* ``"<slot>/<param name>"``: one array per slot and parameter, e.g.
  ``"exp_avg/W1"``; the slot names are PyTorch's (``momentum_buffer``, ``sum``,
  ``square_avg``, ``grad_avg``, ``exp_avg``, ``exp_avg_sq``,
  ``max_exp_avg_sq``) and are listed in ``opt.slots``;
* ``"scratch/<dtype>"``: work space of shape ``(2, n)`` per parameter dtype,
  ``n`` the largest parameter size.  It carries nothing from one step to the
  next: :func:`save_state` leaves it out and ``step`` allocates it again (once)
  when it is missing.

:func:`save_state` / :func:`load_state` write and read that dict as an
``.npz`` (``allow_pickle=False``); continuing from a restored state gives
bit-identical results to an uninterrupted run.  ``opt.get_config()`` returns
the hyperparameters as JSON-friendly data and ``get_optimizer(**config)``
builds the same optimiser again.

Schedules
---------
A schedule is a small callable ``schedule(step) -> lr`` with ``step = 0, 1, ...``
the number of steps taken before the one it is for (``state["step"]``):
:class:`Constant`, :class:`StepDecay`, :class:`ExponentialDecay`,
:class:`InverseTimeDecay`, :class:`CosineDecay`, each with an optional linear
warm-up; ``get_schedule(name, **kwargs)`` looks them up by name.
"""

from __future__ import annotations

import math
import numbers
import operator
import os
from typing import Callable, Mapping

import numpy as np

from . import _fused

__all__ = [
    "OPTIMIZERS",
    "SCHEDULES",
    "SGD",
    "Adagrad",
    "Adam",
    "AdamW",
    "Constant",
    "CosineDecay",
    "ExponentialDecay",
    "InverseTimeDecay",
    "Optimizer",
    "RMSprop",
    "Schedule",
    "StepDecay",
    "get_optimizer",
    "get_schedule",
    "load_state",
    "momentum",
    "nesterov",
    "save_state",
]

Params = Mapping[str, np.ndarray]

_SCRATCH = "scratch/"


# ------------------------------------------------------------------ checks
def _real(value, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a number, got {type(value).__name__}")
    if not math.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value!r}")
    return float(value)


def _positive(value, name: str) -> float:
    if _real(value, name) <= 0:
        raise ValueError(f"{name} must be > 0, got {value!r}")
    return float(value)


def _nonnegative(value, name: str) -> float:
    if _real(value, name) < 0:
        raise ValueError(f"{name} must be >= 0, got {value!r}")
    return float(value)


def _fraction(value, name: str, *, one: bool = False) -> float:
    """A number in [0, 1) (or [0, 1] when ``one``)."""
    x = _real(value, name)
    if not (0 <= x < 1 or (one and x == 1)):
        raise ValueError(f"{name} must be in [0, 1{']' if one else ')'}, got {value!r}")
    return x


def _flag(value, name: str) -> bool:
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False, got {value!r}")
    return bool(value)


def _count(value, name: str, *, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer, got {type(value).__name__}")
    if value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value!r}")
    return int(value)


# -------------------------------------------------------- shared arithmetic
def _with_weight_decay(g: np.ndarray, p: np.ndarray, weight_decay: float, out: np.ndarray) -> np.ndarray:
    """``g + weight_decay * p`` in ``out``; ``g`` itself (never written) when there is no decay."""
    if weight_decay == 0:
        return g
    np.multiply(p, weight_decay, out=out)
    out += g
    return out


def _scale_by_lr(p: np.ndarray, u: np.ndarray, lr: float, out: np.ndarray) -> None:
    """``p -= lr * u`` through ``out`` (which may be ``u``)."""
    np.multiply(u, lr, out=out)
    np.subtract(p, out, out=p)


def _lerp(avg: np.ndarray, x: np.ndarray, weight: float, out: np.ndarray) -> None:
    """``avg += weight * (x - avg)``, i.e. ``avg = (1 - weight) avg + weight x``."""
    np.subtract(x, avg, out=out)
    out *= weight
    avg += out


# --------------------------------------------------------------- optimisers
class Optimizer:
    """Base class: hyperparameters, ``init``, ``step`` and ``get_config``.

    Subclasses set ``name``, build ``self._config`` (the hyperparameters) in
    ``__init__``, list their per-parameter arrays in :attr:`slots` and write
    ``_update``, the rule for one parameter array.  A rule that applies its
    ``wd`` argument as ``g + wd * p`` before anything else may set
    ``_takes_l2 = True``: :meth:`step` then accepts ``l2``.
    """

    name = "optimizer"
    _takes_l2 = False  # the rule applies _update's wd as a coupled decay g + wd * p, first

    def __init__(self, lr: float) -> None:
        self.lr = _positive(lr, "lr")

    # --------------------------------------------------------------- public
    @property
    def slots(self) -> tuple[str, ...]:
        """Names of the state arrays kept per parameter (``state["<slot>/<param>"]``)."""
        return ()

    def init(self, params: Params) -> dict:
        """Allocate the state for ``params``: slot arrays, step counter and scratch space.

        Parameters
        ----------
        params : dict of str to ndarray
            The parameter arrays (floating point) that :meth:`step` will update
            in place, e.g. ``model.params``.

        Returns
        -------
        dict
            ``{"step": 0, "<slot>/<name>": ndarray like params[name], ...,
            "scratch/<dtype>": ndarray of shape (2, n)}`` (see the module docstring).
        """
        _check_params(params)
        state: dict = {"step": 0}
        for slot in self.slots:
            fill = self._slot_fill(slot)
            for name, p in params.items():
                # full_like keeps p's memory layout, so the updates run over both in step
                state[f"{slot}/{name}"] = np.full_like(p, fill)
        sizes: dict[np.dtype, int] = {}
        for p in params.values():
            sizes[p.dtype] = max(sizes.get(p.dtype, 0), p.size)
        for dtype, n in sizes.items():
            state[_SCRATCH + dtype.name] = np.empty((2, n), dtype=dtype)
        return state

    @property
    def folds_l2(self) -> bool:
        """Whether :meth:`step` takes ``l2``: the built-in rules, when they have no weight decay of their own."""
        return self._takes_l2 and getattr(self, "weight_decay", 0.0) == 0

    def step(
        self,
        params: Params,
        grads: Params,
        state: dict,
        lr: float | None = None,
        *,
        l2: Mapping[str, float] | None = None,
    ) -> None:
        """Take one step: update ``params`` and ``state`` **in place**.

        Parameters
        ----------
        params : dict of str to ndarray
            The parameter arrays; each is overwritten with its new value.
        grads : dict of str to ndarray
            The gradients, with the keys and shapes of ``params``; only read.
        state : dict
            What :meth:`init` returned (or :func:`load_state` read back), for
            the same parameter names; its arrays are overwritten and
            ``state["step"]`` goes up by one.
        lr : float, optional
            Learning rate for this step instead of ``self.lr`` (>= 0), e.g.
            ``schedule(state["step"])``.
        l2 : dict of str to float, optional
            L2 coefficients that ``grads`` leave out (a model's ``reg``, for
            its weights): the parameter ``name`` is updated as if its gradient
            were ``grads[name] + l2[name] * params[name]``, with that sum made
            inside the update's own pass instead of a pass of its own.  The
            result is bit for bit that of adding the term to the gradient
            first.  Only where :attr:`folds_l2` (no weight decay of the
            optimiser's own).

        Raises
        ------
        ValueError
            For a negative ``lr`` or ``l2`` value, and for ``l2`` given to an
            optimiser that does not fold it (:attr:`folds_l2` is False).
        KeyError
            When ``grads``, the state's slots or ``l2`` name parameters that
            ``params`` does not have (or miss some).
        """
        lr = self.lr if lr is None else _nonnegative(lr, "lr")
        _check_grads(params, grads)
        l2 = self._check_l2(l2, params)
        t = int(state["step"]) + 1
        slots = self.slots
        for name, p in params.items():
            try:
                s = {slot: state[f"{slot}/{name}"] for slot in slots}
            except KeyError:
                raise KeyError(
                    f"state has no {self.name} slots for parameter {name!r}; "
                    "build it with this optimiser's init(params) for these parameters"
                ) from None
            # One thread: the update runs between BLAS products, whose OpenBLAS threads keep the
            # other core busy for a while; halves on two threads measured slower (momentum) or
            # no faster (Adam) in the training loop.  A big parameter takes the fused one-pass
            # update when Numba is there (ranvier._fused), with the same result bit for bit.
            wd = l2.get(name, 0.0) if l2 is not None else self._coupled_decay
            g = grads[name]
            if not (_fused.AVAILABLE and p.size >= _fused.MIN_SIZE and self._fused_update(p, g, s, t, lr, wd)):
                a, b = _scratch(state, p)
                self._update(p, g, s, t, lr, a, b, wd)
        state["step"] = t

    def get_config(self) -> dict:
        """The hyperparameters as JSON-friendly data; ``get_optimizer(**config)`` rebuilds the optimiser."""
        return {"name": self.name, **self._config}

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self._config.items())
        return f"{type(self).__name__}({args})"

    def __eq__(self, other) -> bool:
        return type(self) is type(other) and self.get_config() == other.get_config()

    __hash__ = None  # mutable hyperparameters: not hashable

    # ------------------------------------------------------------- subclass
    @property
    def _config(self) -> dict:
        raise NotImplementedError

    def _slot_fill(self, slot: str) -> float:
        return 0.0

    @property
    def _coupled_decay(self) -> float:
        """The weight decay added to the gradient (``g + lambda * theta``); 0 for a decoupled one."""
        return getattr(self, "weight_decay", 0.0)

    def _check_l2(self, l2: Mapping[str, float] | None, params: Params) -> dict[str, float] | None:
        if l2 is None:
            return None
        if not self.folds_l2:
            why = "has weight_decay set" if self._takes_l2 else "has no rule for it"
            raise ValueError(
                f"l2 can only be folded into an update with no weight decay of its own; {self!r} {why}: "
                "add the L2 term to the gradients instead"
            )
        unknown = sorted(set(l2) - set(params))
        if unknown:
            raise KeyError(f"l2 names parameters that params does not have: {unknown}")
        # plain floats, as weight_decay: the NumPy rules and the fused ones then round alike
        return {name: _nonnegative(value, f"l2[{name!r}]") for name, value in l2.items()}

    def _fused_update(self, p, g, s, t, lr, wd) -> bool:
        """The update of :meth:`_update` in one compiled pass, when this rule has one; False otherwise."""
        return False

    def _update(self, p, g, s, t, lr, a, b, wd) -> None:
        """Update one parameter ``p`` in place from its gradient ``g``.

        ``s`` maps slot names to this parameter's state arrays, ``t`` is the
        step number (1 for the first step), ``a`` and ``b`` are scratch arrays
        shaped like ``p`` whose content is undefined on entry, and ``wd`` the
        coupled weight decay of this step (``g + wd * p`` is the gradient the
        rule follows): the rule's own, or an L2 term folded in by ``step``.
        """
        raise NotImplementedError


class SGD(Optimizer):
    """Stochastic gradient descent with optional momentum (heavy ball or Nesterov).

    Updates the parameter arrays in place (see :meth:`Optimizer.step`), with
    PyTorch's ``torch.optim.SGD`` rule: weight decay ``lambda``, momentum
    ``mu``, dampening ``tau``::

        g_t     = grad_t + lambda * theta_{t-1}
        b_1     = g_1                                  (the first step copies the gradient)
        b_t     = mu * b_{t-1} + (1 - tau) * g_t       (t > 1)
        d_t     = g_t + mu * b_t    if nesterov
                = b_t               if mu > 0
                = g_t               if mu == 0
        theta_t = theta_{t-1} - gamma * d_t

    Parameters
    ----------
    lr : float, default 1e-3
        Learning rate ``gamma`` (> 0).
    momentum : float, default 0.0
        Momentum factor ``mu`` (>= 0); 0 is plain gradient descent.
    nesterov : bool, default False
        Nesterov's look-ahead form; needs ``momentum > 0`` and ``dampening == 0``.
    weight_decay : float, default 0.0
        L2 penalty ``lambda`` added to the gradient (>= 0).
    dampening : float, default 0.0
        Dampening ``tau`` of the gradient in the buffer, in [0, 1].

    The registry aliases ``momentum`` and ``nesterov`` build this class with
    ``momentum=0.9`` (and ``nesterov=True``).
    """

    name = "sgd"
    _takes_l2 = True

    def __init__(
        self,
        lr: float = 1e-3,
        *,
        momentum: float = 0.0,
        nesterov: bool = False,
        weight_decay: float = 0.0,
        dampening: float = 0.0,
    ) -> None:
        super().__init__(lr)
        self.momentum = _nonnegative(momentum, "momentum")
        self.nesterov = _flag(nesterov, "nesterov")
        self.weight_decay = _nonnegative(weight_decay, "weight_decay")
        self.dampening = _fraction(dampening, "dampening", one=True)
        if self.nesterov and (self.momentum == 0 or self.dampening != 0):
            raise ValueError(
                f"nesterov=True needs momentum > 0 and dampening == 0, got momentum={momentum!r} "
                f"and dampening={dampening!r}"
            )

    @property
    def _config(self) -> dict:
        return {
            "lr": self.lr,
            "momentum": self.momentum,
            "nesterov": self.nesterov,
            "weight_decay": self.weight_decay,
            "dampening": self.dampening,
        }

    @property
    def slots(self) -> tuple[str, ...]:
        return ("momentum_buffer",) if self.momentum != 0 else ()

    def _fused_update(self, p, g, s, t, lr, wd) -> bool:
        use_momentum = self.momentum != 0
        flat = _fused.flat_views(p, g, s["momentum_buffer"]) if use_momentum else _fused.flat_views(p, g)
        if flat is None:
            return False
        if not use_momentum:
            flat.append(flat[0][:0])  # no buffer
        x = p.dtype.type
        _fused.sgd(*flat, x(wd), x(self.momentum), x(1.0 - self.dampening), x(lr),
                   wd != 0, use_momentum, t == 1, self.dampening != 0, self.nesterov)
        return True

    def _update(self, p, g, s, t, lr, a, b, wd) -> None:
        g = _with_weight_decay(g, p, wd, out=a)
        if self.momentum == 0:
            _scale_by_lr(p, g, lr, out=b)
            return
        buf = s["momentum_buffer"]
        if t == 1:
            np.copyto(buf, g)
        else:
            buf *= self.momentum
            if self.dampening == 0:
                buf += g
            else:
                np.multiply(g, 1.0 - self.dampening, out=b)
                buf += b
        if self.nesterov:
            np.multiply(buf, self.momentum, out=b)
            b += g
            _scale_by_lr(p, b, lr, out=b)
        else:
            _scale_by_lr(p, buf, lr, out=b)


def momentum(
    lr: float = 1e-3, *, momentum: float = 0.9, weight_decay: float = 0.0, dampening: float = 0.0
) -> SGD:
    """SGD with heavy-ball momentum (default ``momentum=0.9``): ``SGD(lr, momentum=...)``."""
    return SGD(lr, momentum=momentum, weight_decay=weight_decay, dampening=dampening)


def nesterov(lr: float = 1e-3, *, momentum: float = 0.9, weight_decay: float = 0.0) -> SGD:
    """SGD with Nesterov momentum (default ``momentum=0.9``): ``SGD(lr, momentum=..., nesterov=True)``."""
    return SGD(lr, momentum=momentum, nesterov=True, weight_decay=weight_decay)


class Adagrad(Optimizer):
    """Adagrad: per-coordinate steps scaled by the root of the summed squared gradients.

    Updates the parameter arrays in place (see :meth:`Optimizer.step`), with
    PyTorch's ``torch.optim.Adagrad`` rule: learning-rate decay ``eta``,
    weight decay ``lambda``, initial accumulator value ``s_0``::

        g_t     = grad_t + lambda * theta_{t-1}
        gamma_t = gamma / (1 + (t - 1) * eta)
        s_t     = s_{t-1} + g_t**2                     (s_0 = initial_accumulator_value)
        theta_t = theta_{t-1} - gamma_t * g_t / (sqrt(s_t) + eps)

    ``eps`` is added after the square root.  An ``lr`` passed to ``step``
    replaces ``gamma`` and is decayed the same way.

    Parameters
    ----------
    lr : float, default 1e-2
    lr_decay : float, default 0.0
        ``eta`` (>= 0).
    weight_decay : float, default 0.0
    initial_accumulator_value : float, default 0.0
        ``s_0`` (>= 0).
    eps : float, default 1e-10
    """

    name = "adagrad"
    _takes_l2 = True

    def __init__(
        self,
        lr: float = 1e-2,
        *,
        lr_decay: float = 0.0,
        weight_decay: float = 0.0,
        initial_accumulator_value: float = 0.0,
        eps: float = 1e-10,
    ) -> None:
        super().__init__(lr)
        self.lr_decay = _nonnegative(lr_decay, "lr_decay")
        self.weight_decay = _nonnegative(weight_decay, "weight_decay")
        self.initial_accumulator_value = _nonnegative(initial_accumulator_value, "initial_accumulator_value")
        self.eps = _nonnegative(eps, "eps")

    @property
    def _config(self) -> dict:
        return {
            "lr": self.lr,
            "lr_decay": self.lr_decay,
            "weight_decay": self.weight_decay,
            "initial_accumulator_value": self.initial_accumulator_value,
            "eps": self.eps,
        }

    @property
    def slots(self) -> tuple[str, ...]:
        return ("sum",)

    def _slot_fill(self, slot: str) -> float:
        return self.initial_accumulator_value

    def _update(self, p, g, s, t, lr, a, b, wd) -> None:
        g = _with_weight_decay(g, p, wd, out=a)
        acc = s["sum"]
        np.multiply(g, g, out=b)
        acc += b
        np.sqrt(acc, out=b)
        b += self.eps
        np.divide(g, b, out=b)
        _scale_by_lr(p, b, lr / (1.0 + (t - 1) * self.lr_decay), out=b)


class RMSprop(Optimizer):
    """RMSprop: steps scaled by a running root mean square of the gradients.

    Updates the parameter arrays in place (see :meth:`Optimizer.step`), with
    PyTorch's ``torch.optim.RMSprop`` rule: smoothing ``alpha``, weight decay
    ``lambda``, momentum ``mu``; all averages start at 0::

        g_t     = grad_t + lambda * theta_{t-1}
        v_t     = alpha * v_{t-1} + (1 - alpha) * g_t**2
        if centered:
            a_t = alpha * a_{t-1} + (1 - alpha) * g_t
            r_t = sqrt(v_t - a_t**2) + eps
        else:
            r_t = sqrt(v_t) + eps
        if mu > 0:
            b_t     = mu * b_{t-1} + g_t / r_t
            theta_t = theta_{t-1} - gamma * b_t
        else:
            theta_t = theta_{t-1} - gamma * g_t / r_t

    Parameters
    ----------
    lr : float, default 1e-2
    alpha : float, default 0.99
        Smoothing constant, in [0, 1).
    eps : float, default 1e-8
        Added after the square root.
    weight_decay : float, default 0.0
    momentum : float, default 0.0
    centered : bool, default False
        Normalise by an estimate of the variance instead of the raw second moment.
    """

    name = "rmsprop"
    _takes_l2 = True

    def __init__(
        self,
        lr: float = 1e-2,
        *,
        alpha: float = 0.99,
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        momentum: float = 0.0,
        centered: bool = False,
    ) -> None:
        super().__init__(lr)
        self.alpha = _fraction(alpha, "alpha")
        self.eps = _nonnegative(eps, "eps")
        self.weight_decay = _nonnegative(weight_decay, "weight_decay")
        self.momentum = _nonnegative(momentum, "momentum")
        self.centered = _flag(centered, "centered")

    @property
    def _config(self) -> dict:
        return {
            "lr": self.lr,
            "alpha": self.alpha,
            "eps": self.eps,
            "weight_decay": self.weight_decay,
            "momentum": self.momentum,
            "centered": self.centered,
        }

    @property
    def slots(self) -> tuple[str, ...]:
        return (
            ("square_avg",)
            + (("grad_avg",) if self.centered else ())
            + (("momentum_buffer",) if self.momentum > 0 else ())
        )

    def _update(self, p, g, s, t, lr, a, b, wd) -> None:
        g = _with_weight_decay(g, p, wd, out=a)
        sq = s["square_avg"]
        sq *= self.alpha
        np.multiply(g, g, out=b)
        b *= 1.0 - self.alpha
        sq += b
        if self.centered:
            avg = s["grad_avg"]
            _lerp(avg, g, 1.0 - self.alpha, out=b)
            np.multiply(avg, avg, out=b)
            np.subtract(sq, b, out=b)
            np.sqrt(b, out=b)
        else:
            np.sqrt(sq, out=b)
        b += self.eps
        np.divide(g, b, out=b)  # the direction g_t / r_t
        if self.momentum > 0:
            buf = s["momentum_buffer"]
            buf *= self.momentum
            buf += b
            _scale_by_lr(p, buf, lr, out=b)
        else:
            _scale_by_lr(p, b, lr, out=b)


class Adam(Optimizer):
    """Adam: "scale by Adam" (bias-corrected moments), then "scale by the learning rate".

    Updates the parameter arrays in place (see :meth:`Optimizer.step`), with
    PyTorch's ``torch.optim.Adam`` rule; ``m_0 = v_0 = 0``, ``lambda`` the
    L2-style weight decay added to the gradient::

        g_t     = grad_t + lambda * theta_{t-1}
        m_t     = beta1 * m_{t-1} + (1 - beta1) * g_t
        v_t     = beta2 * v_{t-1} + (1 - beta2) * g_t**2
        m_hat   = m_t / (1 - beta1**t)
        v_hat   = v_t / (1 - beta2**t)          (amsgrad: vmax_t = max(vmax_{t-1}, v_t)
                                                 is used in place of v_t)
        theta_t = theta_{t-1} - gamma * m_hat / (sqrt(v_hat) + eps)

    ``eps`` is added after the square root of the bias-corrected second moment.
    For decoupled weight decay use :class:`AdamW`.

    Parameters
    ----------
    lr : float, default 1e-3
    beta1, beta2 : float, default 0.9, 0.999
        Decay rates of the first and second moments, in [0, 1).
    eps : float, default 1e-8
    weight_decay : float, default 0.0
        L2 penalty added to the gradient.
    amsgrad : bool, default False
        Normalise by the running maximum of ``v_t``.
    """

    name = "adam"
    _takes_l2 = True
    _decoupled = False

    def __init__(
        self,
        lr: float = 1e-3,
        *,
        beta1: float = 0.9,
        beta2: float = 0.999,
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        amsgrad: bool = False,
    ) -> None:
        super().__init__(lr)
        self.beta1 = _fraction(beta1, "beta1")
        self.beta2 = _fraction(beta2, "beta2")
        self.eps = _nonnegative(eps, "eps")
        self.weight_decay = _nonnegative(weight_decay, "weight_decay")
        self.amsgrad = _flag(amsgrad, "amsgrad")

    @property
    def _config(self) -> dict:
        return {
            "lr": self.lr,
            "beta1": self.beta1,
            "beta2": self.beta2,
            "eps": self.eps,
            "weight_decay": self.weight_decay,
            "amsgrad": self.amsgrad,
        }

    @property
    def slots(self) -> tuple[str, ...]:
        return ("exp_avg", "exp_avg_sq") + (("max_exp_avg_sq",) if self.amsgrad else ())

    def _fused_update(self, p, g, s, t, lr, wd) -> bool:
        flat = None if self.amsgrad else _fused.flat_views(p, g, s["exp_avg"], s["exp_avg_sq"])
        if flat is None:
            return False
        x = p.dtype.type
        shrink = self._decoupled and self.weight_decay != 0
        _fused.adam(*flat, x(wd), x(1.0 - lr * self.weight_decay), x(1.0 - self.beta1), x(self.beta2),
                    x(1.0 - self.beta2), x(math.sqrt(1.0 - self.beta2**t)), x(self.eps),
                    x(lr / (1.0 - self.beta1**t)), wd != 0, shrink)
        return True

    @property
    def _coupled_decay(self) -> float:
        return 0.0 if self._decoupled else self.weight_decay

    def _update(self, p, g, s, t, lr, a, b, wd) -> None:
        if self._decoupled and self.weight_decay != 0:
            p *= 1.0 - lr * self.weight_decay  # wd is then 0: folds_l2 needs weight_decay == 0
        g = _with_weight_decay(g, p, wd, out=a)
        bias_correction1 = self._scale_by_adam(g, s, t, out=b)
        _scale_by_lr(p, b, lr / bias_correction1, out=b)

    def _scale_by_adam(self, g, s, t, out) -> float:
        """Update the moments and write ``m_t / (sqrt(v_hat) + eps)`` to ``out``.

        Returns the bias correction ``1 - beta1**t`` that turns it into
        ``m_hat / (sqrt(v_hat) + eps)``; folding it into the learning rate saves a pass.
        """
        m, v = s["exp_avg"], s["exp_avg_sq"]
        _lerp(m, g, 1.0 - self.beta1, out=out)
        v *= self.beta2
        np.multiply(g, g, out=out)
        out *= 1.0 - self.beta2
        v += out
        if self.amsgrad:
            np.maximum(s["max_exp_avg_sq"], v, out=s["max_exp_avg_sq"])
            v = s["max_exp_avg_sq"]
        np.sqrt(v, out=out)
        out /= math.sqrt(1.0 - self.beta2**t)
        out += self.eps
        np.divide(m, out, out=out)
        return 1.0 - self.beta1**t


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov and Hutter).

    Updates the parameter arrays in place (see :meth:`Optimizer.step`), with
    PyTorch's ``torch.optim.AdamW`` rule: the parameter shrinks first, then
    takes the Adam step on the raw gradient::

        theta'  = theta_{t-1} * (1 - gamma * lambda)
        theta_t = theta' - gamma * m_hat / (sqrt(v_hat) + eps)   (m, v as in Adam, from grad_t)

    Parameters are those of :class:`Adam`; ``weight_decay`` (default 1e-2, as
    in PyTorch) is the decoupled ``lambda``.
    """

    name = "adamw"
    _decoupled = True

    def __init__(
        self,
        lr: float = 1e-3,
        *,
        beta1: float = 0.9,
        beta2: float = 0.999,
        eps: float = 1e-8,
        weight_decay: float = 1e-2,
        amsgrad: bool = False,
    ) -> None:
        super().__init__(lr, beta1=beta1, beta2=beta2, eps=eps, weight_decay=weight_decay, amsgrad=amsgrad)


OPTIMIZERS: dict[str, Callable[..., Optimizer]] = {
    "sgd": SGD,
    "momentum": momentum,
    "nesterov": nesterov,
    "adagrad": Adagrad,
    "rmsprop": RMSprop,
    "adam": Adam,
    "adamw": AdamW,
}
"""Optimiser constructors by name; ``momentum`` and ``nesterov`` are SGD aliases."""


def get_optimizer(name: str | Optimizer, **kwargs) -> Optimizer:
    """Build an optimiser by name with its hyperparameters as keywords.

    ``get_optimizer("adam", lr=3e-4)``; ``get_optimizer(**opt.get_config())``
    rebuilds ``opt``.  An :class:`Optimizer` is returned as it is.
    """
    if isinstance(name, Optimizer):
        if kwargs:
            raise TypeError("hyperparameters can only be given with an optimizer name, not an Optimizer")
        return name
    key = str(name).lower().replace("-", "_")
    if key not in OPTIMIZERS:
        raise ValueError(f"unknown optimizer {name!r}; choose one of: {', '.join(OPTIMIZERS)}")
    return OPTIMIZERS[key](**kwargs)


# ------------------------------------------------------------- state helpers
def _check_params(params: Params) -> None:
    if not isinstance(params, Mapping) or not params:
        raise TypeError("params must be a non-empty dict of str to ndarray, e.g. model.params")
    for name, p in params.items():
        if not isinstance(p, np.ndarray) or not np.issubdtype(p.dtype, np.floating):
            kind = p.dtype if isinstance(p, np.ndarray) else type(p).__name__
            raise TypeError(
                f"params[{name!r}] must be a floating-point ndarray (the optimiser updates it in place), got {kind}"
            )


def _check_grads(params: Params, grads: Params) -> None:
    if grads.keys() != params.keys():
        missing = sorted(set(params) - set(grads))
        extra = sorted(set(grads) - set(params))
        raise KeyError(f"grads must have the keys of params; missing {missing}, unexpected {extra}")
    for name, p in params.items():
        if np.shape(grads[name]) != p.shape:
            raise ValueError(
                f"grads[{name!r}] has shape {np.shape(grads[name])} but params[{name!r}] has shape {p.shape}"
            )


def _scratch(state: dict, p: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Two work arrays shaped like ``p`` (views of the state's scratch space)."""
    key = _SCRATCH + p.dtype.name
    work = state.get(key)
    if work is None or work.shape[1] < p.size:  # after load_state, or a parameter that grew
        work = state[key] = np.empty((2, p.size), dtype=p.dtype)
    n = p.size
    if p.ndim == 2 and p.flags.f_contiguous and not p.flags.c_contiguous:
        # laid out like p (a transposed view), so elementwise work runs through memory in order
        shape = p.shape[::-1]
        return work[0, :n].reshape(shape).T, work[1, :n].reshape(shape).T
    return work[0, :n].reshape(p.shape), work[1, :n].reshape(p.shape)


def save_state(file, state: Mapping) -> None:
    """Write an optimiser state to an ``.npz`` (no pickle), leaving out the scratch space.

    ``file`` is a path or a binary file object, as for :func:`numpy.savez`.
    """
    np.savez(file, **{k: v for k, v in state.items() if not k.startswith(_SCRATCH)})


def load_state(file) -> dict:
    """Read a state written by :func:`save_state` (or ``np.savez(file, **state)``).

    The arrays come back with their dtypes and ``"step"`` as an int; the first
    :meth:`Optimizer.step` allocates the scratch space if it is missing.

    Raises
    ------
    ValueError
        The file is not such a state: damaged, an array of a dtype other than
        real numbers, sizes larger than the file holds (checked before
        anything is allocated), or no integer ``step``.
    """
    from ._arrayfile import ArrayFileError, NpzReader, check_fits

    name = os.fspath(file) if isinstance(file, (str, os.PathLike)) else getattr(file, "name", "the state file")
    try:
        with NpzReader(file) as npz:
            check_fits(sum(h.nbytes for h in npz.headers.values()), "the optimiser state")
            state = {k: npz.read(k) for k in npz.headers}
    except ArrayFileError as exc:
        raise ValueError(f"{name}: not a readable optimiser state ({exc})") from None
    step = state.get("step")
    if step is None or step.shape != () or step.dtype.kind not in "iu" or not 0 <= int(step) < 2**63:
        raise ValueError(f"{name}: an optimiser state needs 'step', one integer >= 0")
    state["step"] = int(step)
    return state


# ---------------------------------------------------------------- schedules
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
        self.lr = _positive(lr, "lr")
        self.warmup_steps = _count(warmup_steps, "warmup_steps", minimum=0)
        self.warmup_start = _nonnegative(warmup_start, "warmup_start")
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
        self.step_size = _count(step_size, "step_size", minimum=1)
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
        self.decay_steps = _positive(decay_steps, "decay_steps")

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
        self.decay_rate = _nonnegative(decay_rate, "decay_rate")
        self.decay_steps = _positive(decay_steps, "decay_steps")

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
        self.decay_steps = _count(decay_steps, "decay_steps", minimum=1)
        self.min_lr = _nonnegative(min_lr, "min_lr")
        if self.min_lr > self.lr:
            raise ValueError(f"min_lr must be <= lr={lr!r}, got {min_lr!r}")

    @property
    def _config(self) -> dict:
        return {"lr": self.lr, "decay_steps": self.decay_steps, "min_lr": self.min_lr}

    def _decay(self, k: int) -> float:
        frac = min(k, self.decay_steps) / self.decay_steps
        return self.min_lr + (self.lr - self.min_lr) * 0.5 * (1.0 + math.cos(math.pi * frac))


def _decay_factor(gamma) -> float:
    x = _real(gamma, "gamma")
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
