"""The lecture's generic gradient-descent minimiser, :func:`gd`, and the record it returns.

:func:`gd` is the lecture's ``gd(func, x0, ...)`` with its bugs fixed:

* ``max_iters`` is an argument (the lecture's code never defines it);
* ``np.Inf`` (gone in NumPy 2) is not needed;
* the path, the costs and the gradients are aligned: ``costs[i]`` and
  ``grads[i]`` are the cost and gradient *at* ``path[i]`` (the lecture's code
  appends the cost of the previous point next to the new point, and drops the
  last step when it stops at ``max_iters``);
* the lecture updates ``x`` in place, so its ``x0`` is changed by the call; here
  ``x0`` is never modified;
* a diverging run is detected and reported instead of overflowing.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Callable

import numpy as np

from .._validation import check_int, check_positive

__all__ = ["DivergenceWarning", "GDResult", "gd"]

CostGrad = Callable[[np.ndarray], "tuple[float, np.ndarray]"]


class DivergenceWarning(RuntimeWarning):
    """Gradient descent diverged: the learning rate is too large."""


@dataclass
class GDResult:
    """What :func:`gd` returns.

    Attributes
    ----------
    path : ndarray of shape (k + 1, d)
        The points visited, ``path[0] == x0`` and ``path[-1]`` the final point,
        after ``k`` steps.
    costs : ndarray of shape (k + 1,)
        ``costs[i] = func(path[i])[0]``.
    grads : ndarray of shape (k + 1, d)
        ``grads[i] = func(path[i])[1]``.
    hit_max : bool
        True when the run stopped because it reached ``max_iters`` steps
        without a step shorter than ``tol``.
    converged : bool
        True when the last step was shorter than ``tol``.
    diverged : bool
        True when the run stopped because the cost or the point blew up.
    message : str
        Why the run stopped, in words.
    """

    path: np.ndarray
    costs: np.ndarray
    grads: np.ndarray
    hit_max: bool
    converged: bool
    diverged: bool
    message: str

    @property
    def x(self) -> np.ndarray:
        """The final point, ``path[-1]``."""
        return self.path[-1]

    @property
    def n_iters(self) -> int:
        """Number of steps taken."""
        return len(self.path) - 1

    def __iter__(self):
        # unpack like the lecture's return value: path, costs, grads, hit_max
        return iter((self.path, self.costs, self.grads, self.hit_max))

    def __repr__(self) -> str:
        from .._repr import num, point

        status = "diverged" if self.diverged else ("converged" if self.converged else "hit max_iters")
        return (f"GDResult({status}, {self.n_iters} steps from {point(self.path[0])} to {point(self.path[-1])}, "
                f"cost {num(self.costs[0])} -> {num(self.costs[-1])})")

    def _repr_html_(self) -> str:
        from .._repr import html_table, num, point

        rows = [["start", point(self.path[0]), num(self.costs[0]), num(float(np.linalg.norm(self.grads[0])))],
                [f"after {self.n_iters} steps", point(self.path[-1]), num(self.costs[-1]),
                 num(float(np.linalg.norm(self.grads[-1])))]]
        return html_table(["", "point", "cost", "|gradient|"], rows, f"GDResult: {self.message}")


def gd(func: CostGrad, x0: np.ndarray, lr: float = 1e-3, tol: float = 1e-6, max_iters: int = 10_000, *,
       blowup: float = 1e8, warn: bool = True) -> GDResult:
    """Minimise ``func`` by plain gradient descent, recording the path.

    Starting at ``x_0 = x0``, step ``i`` evaluates ``cost_i, g_i = func(x_i)``
    and moves to ``x_{i+1} = x_i - lr * g_i``.  The run stops

    * when a step is shorter than ``tol``: ``||x_{i+1} - x_i|| < tol``
      (``converged``);
    * after ``max_iters`` steps (``hit_max``);
    * when the cost or the point stops being finite, or the cost rises more
      than ``blowup * (1 + |cost_0|)`` above the starting cost (``diverged``;
      a :class:`DivergenceWarning` is issued unless ``warn=False``).

    The final point is evaluated too, so ``path``, ``costs`` and ``grads``
    have one entry per point visited.

    Parameters
    ----------
    func : callable ``x -> (cost, grad)``
        The cost (a float) and its gradient (an array the shape of ``x``).
    x0 : array-like of shape (d,)
        Starting point; not modified.
    lr : float, default 1e-3
        The learning rate (the lecture's epsilon).
    tol : float, default 1e-6
        Stop when a step is shorter than this.
    max_iters : int, default 10000
        The most steps to take.
    blowup : float, default 1e8
        Divergence threshold, relative to the starting cost.
    warn : bool, default True
        Issue a :class:`DivergenceWarning` when the run diverges.

    Returns
    -------
    GDResult
        Also unpacks as the lecture's ``path, costs, grads, hit_max``.

    Examples
    --------
    >>> res = gd(quadratic_bowl, [3.0, 1.0], lr=0.1, tol=1e-8)
    >>> res.converged, np.allclose(res.x, 0, atol=1e-6)
    (True, True)
    """
    x, lr, tol, max_iters = _checked(x0, lr, tol, max_iters)
    run = _Run(func, x, lr, tol, blowup)  # records the cost and gradient at x0
    with np.errstate(over="ignore", invalid="ignore"):
        for _ in range(max_iters):
            x_new = x - lr * run.g  # the step: x_{i+1} = x_i - lr * g_i
            step = float(np.linalg.norm(x_new - x))
            x = x_new
            if run.visit(x, step):  # records the cost and gradient at x; True: converged or diverged
                break
    result = run.result(f"reached max_iters={max_iters} steps without a step shorter than tol={tol:g}")
    if result.diverged and warn:
        warnings.warn(result.message, DivergenceWarning, stacklevel=2)
    return result


def _checked(x0, lr, tol, max_iters) -> tuple[np.ndarray, float, float, int]:
    """gd's arguments checked (``lr``, ``tol``, ``max_iters``, then ``x0``, copied to float64)."""
    lr = check_positive(lr, "lr")
    tol = check_positive(tol, "tol", allow_zero=True)
    max_iters = check_int(max_iters, "max_iters", minimum=0)
    return _start(x0), lr, tol, max_iters


def _start(x0) -> np.ndarray:
    """The starting point as a float64 copy: a non-empty, finite 1-D array."""
    x = np.array(x0, dtype=np.float64)
    if x.ndim != 1 or x.size == 0:
        raise ValueError(f"x0 must be a non-empty 1-D point, got shape {x.shape}")
    if not np.isfinite(x).all():
        raise ValueError(f"x0 must be finite, got {x}")
    return x


class _Run:
    """The record of a :func:`gd` run: each point visited with its cost and gradient, and why it stopped.

    It diverges when the cost or the point stops being finite, or the cost rises more than
    ``blowup * (1 + |cost_0|)`` above the starting cost; it converges on a step shorter than ``tol``.
    """

    def __init__(self, func: CostGrad, x: np.ndarray, lr: float, tol: float, blowup: float) -> None:
        self.func, self.lr, self.tol = func, lr, tol
        self.path: list[np.ndarray] = []
        self.costs: list[float] = []
        self.grads: list[np.ndarray] = []
        self.converged = self.diverged = False
        self.message: str | None = None
        cost = self._add(x)
        self.limit = cost + blowup * (1.0 + abs(cost))

    @property
    def g(self) -> np.ndarray:
        """The gradient at the last point."""
        return self.grads[-1]

    def _add(self, x: np.ndarray) -> float:
        cost, g = _evaluate(self.func, x)
        self.path.append(x.copy())
        self.costs.append(cost)
        self.grads.append(g)
        return cost

    def visit(self, x: np.ndarray, step: float) -> bool:
        """Record ``x``, reached by a step of length ``step``; True when the run stops there."""
        cost = self._add(x)
        g, n = self.grads[-1], len(self.path) - 1
        if not (np.isfinite(cost) and np.isfinite(x).all() and np.isfinite(g).all()) or cost > self.limit:
            self.diverged = True
            self.message = (
                f"diverged at step {n}: the cost went from {self.costs[0]:.4g} to {cost:.4g}; "
                f"lr={self.lr:g} is too large, try a smaller learning rate"
            )
        elif step < self.tol:
            self.converged = True
            self.message = f"converged after {n} steps: the last step was shorter than tol={self.tol:g}"
        return self.converged or self.diverged

    def result(self, hit_max_message: str) -> GDResult:
        """The :class:`GDResult`; ``hit_max_message`` says why a run that neither converged nor diverged stopped."""
        return GDResult(
            path=np.array(self.path),
            costs=np.array(self.costs, dtype=np.float64),
            grads=np.array(self.grads),
            hit_max=not (self.converged or self.diverged),
            converged=self.converged,
            diverged=self.diverged,
            message=hit_max_message if self.message is None else self.message,
        )


def _evaluate(func: CostGrad, x: np.ndarray) -> tuple[float, np.ndarray]:
    out = func(x.copy())
    if not (isinstance(out, tuple) and len(out) == 2):
        raise TypeError("func must return a pair (cost, grad)")
    cost, g = out
    g = np.asarray(g, dtype=np.float64)
    if g.shape != x.shape:
        raise ValueError(f"func returned a gradient of shape {g.shape} for a point of shape {x.shape}")
    return float(cost), g
