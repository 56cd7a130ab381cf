"""Optimiser paths on the 2-D test functions, recorded for pictures.

:func:`run_optimizer` drives any optimiser of :mod:`ranvier.optim` on a 2-D
function and records its path exactly as the lecture's :func:`~ranvier.gd`
does, so the pictures show the real optimisers of the training loop:

* the point lives in a parameter dict ``{"x": array of shape (2,)}`` in
  float64, updated in place by ``opt.step``;
* ``path[i]``, ``costs[i]`` and ``grads[i]`` are the point, cost and gradient
  *before* step ``i + 1`` (``path[0]`` is the start), as in :class:`GDResult`;
* a run stops after ``steps`` steps (``hit_max``), on a step shorter than
  ``tol`` (``converged``) or when it blows up (``diverged``, with gd's rule:
  a non-finite value, or a cost ``blowup * (1 + |cost_0|)`` above the start).

The name ``"gd"`` runs the lecture's :func:`~ranvier.gd` itself; ``"sgd"``
(plain SGD on a deterministic function) takes the very same steps.

:func:`compare` runs several optimisers, or one optimiser at several learning
rates, and returns the records by label, ready for :func:`ranvier.plot.plot_paths`,
:func:`ranvier.plot.animate_paths` and :func:`ranvier.plot.plot_costs`.

This module uses NumPy only; matplotlib is imported by :mod:`ranvier.plot`.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Sequence

import numpy as np

from .._validation import check_int, check_positive
from ..optim import OPTIMIZERS, Optimizer, get_optimizer
from .functions import Objective, get_objective
from .recorder import DivergenceWarning, GDResult, _evaluate, _start, gd

__all__ = ["PATH_OPTIMIZERS", "compare", "default_lr", "run_optimizer"]

CostGrad = Callable[[np.ndarray], "tuple[float, np.ndarray]"]

PATH_OPTIMIZERS = ("gd", *OPTIMIZERS)
"""Names :func:`run_optimizer` accepts: the lecture's ``gd`` and every optimiser of :mod:`ranvier.optim`."""

# Learning rates that give a readable picture from each function's classic start
# in a couple of hundred steps: the plain and momentum rates stay below 2 / L on
# the part of the surface the path crosses (bowl: L = 10; Rosenbrock: about 2000
# at its start), the adaptive ones move by about lr per coordinate and step.
_PLAIN_LR = {"bowl": 0.1, "rosenbrock": 1e-3, "beale": 1e-2, "himmelblau": 1e-2, "saddle": 0.1}
_MOMENTUM_LR = {"bowl": 0.02, "rosenbrock": 1e-3, "beale": 2e-3, "himmelblau": 2e-3, "saddle": 0.02}
_ADAPTIVE_LR = {"bowl": 0.1, "rosenbrock": 0.1, "beale": 0.1, "himmelblau": 0.1, "saddle": 0.05}
_ADAGRAD_LR = {"bowl": 0.5, "rosenbrock": 1.0, "beale": 0.5, "himmelblau": 0.5, "saddle": 0.5}


def _key(optimizer: str) -> str:
    key = str(optimizer).lower().replace("-", "_")
    if key not in PATH_OPTIMIZERS:
        raise ValueError(f"unknown optimizer {optimizer!r}; choose one of: {', '.join(PATH_OPTIMIZERS)}")
    return key


def default_lr(objective: str | Objective, optimizer: str) -> float:
    """A learning rate that draws a readable path of ``optimizer`` on ``objective``.

    ``gd`` and ``sgd`` get a rate below ``2 / L`` of the function's classic start
    (bowl 0.1, Rosenbrock 0.001); ``momentum`` and ``nesterov`` (0.9) a smaller one,
    as momentum lengthens the steps up to tenfold; ``rmsprop``, ``adam`` and
    ``adamw``, which move by about ``lr`` per coordinate, a small fraction of the
    window (0.05 to 0.1); ``adagrad`` 0.5 to 1.
    """
    name = get_objective(objective).name if isinstance(objective, str) else objective.name
    key = _key(optimizer)
    table = {"gd": _PLAIN_LR, "sgd": _PLAIN_LR, "momentum": _MOMENTUM_LR, "nesterov": _MOMENTUM_LR,
             "adagrad": _ADAGRAD_LR}.get(key, _ADAPTIVE_LR)
    return table.get(name, 1e-2)


def run_optimizer(
    objective: CostGrad,
    optimizer: str | Optimizer,
    x0: Sequence[float] | np.ndarray,
    steps: int = 200,
    *,
    lr: float | None = None,
    tol: float = 1e-6,
    blowup: float = 1e8,
    warn: bool = True,
) -> GDResult:
    """Run an optimiser on a 2-D (or any-D) function and record its path.

    Parameters
    ----------
    objective : callable ``x -> (cost, grad)``
        E.g. an :class:`~ranvier.Objective` such as ``get_objective("rosenbrock")``.
    optimizer : str or Optimizer
        ``"gd"`` (the lecture's :func:`~ranvier.gd`), an optimiser name of
        :mod:`ranvier.optim` (``sgd``, ``momentum``, ``nesterov``, ``adagrad``,
        ``rmsprop``, ``adam``, ``adamw``) or an :class:`~ranvier.optim.Optimizer`.
    x0 : array-like of shape (d,)
        Start; not modified.
    steps : int, default 200
        The most steps to take.
    lr : float, optional
        Learning rate of an optimiser given by name (:func:`default_lr` for an
        :class:`Objective`, else the optimiser's default).
    tol : float, default 1e-6
        Stop when a step is shorter than this (0: always take ``steps`` steps).
    blowup : float, default 1e8
        Divergence threshold relative to the starting cost, as in :func:`~ranvier.gd`.
    warn : bool, default True
        Issue a :class:`~ranvier.DivergenceWarning` when the run diverges.

    Returns
    -------
    GDResult
        ``path`` of shape (k + 1, d), ``costs`` and ``grads`` at each point,
        ``hit_max``, ``converged``, ``diverged`` and ``message``.

    Examples
    --------
    >>> from ranvier import get_objective
    >>> res = run_optimizer(get_objective("bowl"), "adam", [-3.5, 1.5], 300, lr=0.1)
    >>> bool(np.linalg.norm(res.x) < 0.1)
    True
    """
    steps = check_int(steps, "steps", minimum=0)
    tol = check_positive(tol, "tol", allow_zero=True)
    key, lr = _name_and_lr(objective, optimizer, lr)
    if key == "gd":
        return gd(objective, x0, lr=1e-3 if lr is None else lr, tol=tol, max_iters=steps, blowup=blowup, warn=warn)
    opt = optimizer if key is None else (get_optimizer(key) if lr is None else get_optimizer(key, lr=lr))
    return _record(objective, opt, _start(x0), steps, tol, blowup, warn)


def _name_and_lr(objective: CostGrad, optimizer: str | Optimizer, lr: float | None) -> tuple[str | None, float | None]:
    """The optimiser's checked name and its learning rate (by default :func:`default_lr` for an Objective).

    ``(None, None)`` for an :class:`~ranvier.optim.Optimizer`, which brings its own.
    """
    if isinstance(optimizer, Optimizer):
        if lr is not None:
            raise TypeError("lr can only be given with an optimizer name, not an Optimizer")
        return None, None
    key = _key(optimizer)
    if lr is None:
        lr = default_lr(objective, key) if isinstance(objective, Objective) else None
    return key, lr


def _record(func: CostGrad, opt: Optimizer, x: np.ndarray, steps: int, tol: float,
            blowup: float, warn: bool) -> GDResult:
    params = {"x": x}  # the optimiser updates this array in place
    state = opt.init(params)
    cost, g = _evaluate(func, x)
    path, costs, grads = [x.copy()], [cost], [g]
    limit = cost + blowup * (1.0 + abs(cost))
    converged = diverged = False
    message = f"reached {steps} steps without a step shorter than tol={tol:g}"
    with np.errstate(over="ignore", invalid="ignore"):
        for i in range(steps):
            opt.step(params, {"x": g}, state)
            step = float(np.linalg.norm(x - path[-1]))
            cost, g = _evaluate(func, x)
            path.append(x.copy())
            costs.append(cost)
            grads.append(g)
            if not (math.isfinite(cost) and np.isfinite(x).all() and np.isfinite(g).all()) or cost > limit:
                diverged = True
                message = (f"diverged at step {i + 1}: the cost went from {costs[0]:.4g} to {cost:.4g}; "
                           f"lr={opt.lr:g} is too large for {opt.name}, try a smaller learning rate")
                break
            if step < tol:
                converged = True
                message = f"converged after {i + 1} steps: the last step was shorter than tol={tol:g}"
                break
    if diverged and warn:
        warnings.warn(message, DivergenceWarning, stacklevel=3)
    return GDResult(path=np.array(path), costs=np.array(costs, dtype=np.float64), grads=np.array(grads),
                    hit_max=not (converged or diverged), converged=converged, diverged=diverged, message=message)


def _as_list(value, n: int, name: str) -> list:
    values = list(value) if isinstance(value, (list, tuple)) else [value]
    if len(values) == 1:
        return values * n
    if len(values) != n:
        raise ValueError(f"give one {name} or one per run ({n}), got {len(values)}")
    return values


def compare(
    objective: str | Objective,
    optimizers: str | Sequence[str] = "gd",
    lrs: float | Sequence[float | None] | None = None,
    x0: Sequence[float] | None = None,
    steps: int = 200,
    *,
    tol: float = 1e-6,
    warn: bool = False,
) -> dict[str, GDResult]:
    """Run several optimisers, or one at several learning rates, from one start.

    ``optimizers`` and ``lrs`` are paired up: one of either is repeated to the
    length of the other (``compare("bowl", "gd", [0.01, 0.1, 0.19, 0.21])``
    compares learning rates; ``compare("rosenbrock", ["gd", "momentum", "adam"])``
    compares optimisers, each at its :func:`default_lr`).

    Returns
    -------
    dict of str to GDResult
        In run order, labelled ``"adam lr=0.05"``.  Divergence is recorded in
        each result (``diverged``, ``message``); warnings are off unless ``warn``.
    """
    objective = get_objective(objective)
    names = [optimizers] if isinstance(optimizers, str) else list(optimizers)
    rates = [None] if lrs is None else ([lrs] if not isinstance(lrs, (list, tuple)) else list(lrs))
    if not names or not rates:
        raise ValueError("give at least one optimizer and one learning rate")
    n = max(len(names), len(rates))
    if len(names) > 1 and len(rates) > 1 and len(names) != len(rates):
        raise ValueError(f"give one learning rate, or one per optimizer ({len(names)}), got {len(rates)}")
    names, rates = _as_list(names, n, "optimizer"), _as_list(rates, n, "learning rate")
    start = objective.start if x0 is None else x0
    runs: dict[str, GDResult] = {}
    for name, lr in zip(names, rates):
        lr = default_lr(objective, name) if lr is None else lr
        label = f"{_key(name)} lr={lr:g}"
        if label in runs:
            raise ValueError(f"{label} is asked for twice")
        runs[label] = run_optimizer(objective, name, start, steps, lr=lr, tol=tol, warn=warn)
    return runs
