"""The lecture's generic gradient-descent minimiser and 2-D test functions.

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
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from ._validation import check_int, check_positive

__all__ = [
    "OBJECTIVES",
    "DivergenceWarning",
    "GDResult",
    "Objective",
    "beale",
    "gd",
    "get_objective",
    "himmelblau",
    "quadratic_bowl",
    "rosenbrock",
    "saddle",
]

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
        from ._repr import num, point

        status = "diverged" if self.diverged else ("converged" if self.converged else "hit max_iters")
        return (f"GDResult({status}, {self.n_iters} steps from {point(self.path[0])} to {point(self.path[-1])}, "
                f"cost {num(self.costs[0])} -> {num(self.costs[-1])})")

    def _repr_html_(self) -> str:
        from ._repr import html_table, num, point

        rows = [["start", point(self.path[0]), num(self.costs[0]), num(float(np.linalg.norm(self.grads[0])))],
                [f"after {self.n_iters} steps", point(self.path[-1]), num(self.costs[-1]),
                 num(float(np.linalg.norm(self.grads[-1])))]]
        return html_table(["", "point", "cost", "|gradient|"], rows, f"GDResult: {self.message}")


def gd(
    func: CostGrad,
    x0: np.ndarray,
    lr: float = 1e-3,
    tol: float = 1e-6,
    max_iters: int = 10_000,
    *,
    blowup: float = 1e8,
    warn: bool = True,
) -> GDResult:
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
    lr = check_positive(lr, "lr")
    tol = check_positive(tol, "tol", allow_zero=True)
    max_iters = check_int(max_iters, "max_iters", minimum=0)
    x = np.array(x0, dtype=np.float64)
    if x.ndim != 1 or x.size == 0:
        raise ValueError(f"x0 must be a non-empty 1-D point, got shape {x.shape}")
    if not np.isfinite(x).all():
        raise ValueError(f"x0 must be finite, got {x}")

    path, costs, grads = [], [], []
    cost, g = _evaluate(func, x)
    path.append(x.copy())
    costs.append(cost)
    grads.append(g)
    limit = cost + blowup * (1.0 + abs(cost))
    converged = diverged = False
    message = f"reached max_iters={max_iters} steps without a step shorter than tol={tol:g}"
    with np.errstate(over="ignore", invalid="ignore"):
        for i in range(max_iters):
            x_new = x - lr * g
            step = float(np.linalg.norm(x_new - x))
            x = x_new
            cost, g = _evaluate(func, x)
            path.append(x.copy())
            costs.append(cost)
            grads.append(g)
            if not (np.isfinite(cost) and np.isfinite(x).all() and np.isfinite(g).all()) or cost > limit:
                diverged = True
                message = (
                    f"diverged at step {i + 1}: the cost went from {costs[0]:.4g} to {cost:.4g}; "
                    f"lr={lr:g} is too large, try a smaller learning rate"
                )
                break
            if step < tol:
                converged = True
                message = f"converged after {i + 1} steps: the last step was shorter than tol={tol:g}"
                break
    hit_max = not (converged or diverged)
    if diverged and warn:
        warnings.warn(message, DivergenceWarning, stacklevel=2)
    return GDResult(
        path=np.array(path),
        costs=np.array(costs, dtype=np.float64),
        grads=np.array(grads),
        hit_max=hit_max,
        converged=converged,
        diverged=diverged,
        message=message,
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


# ----------------------------------------------------------------- objectives
@dataclass(frozen=True)
class Objective:
    """A 2-D test function with its analytic gradient.

    Calling it with a point ``x`` of shape (2,) returns ``(cost, grad)``, as
    :func:`gd` expects; :meth:`value` evaluates it on grids for contour plots.

    Attributes
    ----------
    name : str
    minima : ndarray of shape (k, 2)
        Known minimisers (empty for a function with none).
    min_value : float or None
        The value at the minimisers.
    bounds : tuple of two (low, high) pairs
        A plotting window that shows the interesting part.
    start : ndarray of shape (2,)
        A classic starting point.
    lipschitz : float or None
        The largest curvature ``L`` of the gradient where known (for a
        quadratic, the largest Hessian eigenvalue): plain gradient descent
        converges for ``lr < 2 / L``.
    """

    name: str
    value: Callable[[np.ndarray, np.ndarray], np.ndarray]
    gradient: Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]
    minima: np.ndarray = field(default_factory=lambda: np.empty((0, 2)))
    min_value: float | None = None
    bounds: tuple[tuple[float, float], tuple[float, float]] = ((-2.0, 2.0), (-2.0, 2.0))
    start: np.ndarray = field(default_factory=lambda: np.zeros(2))
    lipschitz: float | None = None

    def __repr__(self) -> str:
        from ._repr import num, point

        minima = np.asarray(self.minima).reshape(-1, 2)
        where = ("no minimum" if not len(minima) else
                 f"minimum {num(self.min_value)} at {point(minima[0])}" if len(minima) == 1 else
                 f"{len(minima)} minima of value {num(self.min_value)}, one at {point(minima[0])}")
        return f"Objective({self.name!r}: {where}, start {point(self.start)})"

    def __call__(self, x: np.ndarray) -> tuple[float, np.ndarray]:
        x = np.asarray(x, dtype=np.float64)
        if x.shape != (2,):
            raise ValueError(f"{self.name} takes a point of shape (2,), got {x.shape}")
        gx, gy = self.gradient(x[0], x[1])
        return float(self.value(x[0], x[1])), np.array([gx, gy], dtype=np.float64)


def _bowl_value(x, y, a=1.0, b=10.0):
    return 0.5 * (a * x * x + b * y * y)


def _bowl_grad(x, y, a=1.0, b=10.0):
    return a * x, b * y


quadratic_bowl = Objective(
    name="bowl",
    value=_bowl_value,
    gradient=_bowl_grad,
    minima=np.array([[0.0, 0.0]]),
    min_value=0.0,
    bounds=((-4.0, 4.0), (-2.0, 2.0)),
    start=np.array([-3.5, 1.5]),
    lipschitz=10.0,
)
"""Ill-conditioned bowl ``0.5 (x^2 + 10 y^2)``: Hessian diag(1, 10), so ``L = 10``
and gradient descent converges for ``lr < 0.2`` and diverges above."""


def _rosen_value(x, y):
    return (1 - x) ** 2 + 100 * (y - x * x) ** 2


def _rosen_grad(x, y):
    return -2 * (1 - x) - 400 * x * (y - x * x), 200 * (y - x * x)


rosenbrock = Objective(
    name="rosenbrock",
    value=_rosen_value,
    gradient=_rosen_grad,
    minima=np.array([[1.0, 1.0]]),
    min_value=0.0,
    bounds=((-2.0, 2.0), (-1.0, 3.0)),
    start=np.array([-1.5, 2.0]),
)
"""Rosenbrock's banana ``(1 - x)^2 + 100 (y - x^2)^2``, minimum 0 at (1, 1)."""


def _beale_terms(x, y):
    return 1.5 - x + x * y, 2.25 - x + x * y**2, 2.625 - x + x * y**3


def _beale_value(x, y):
    t1, t2, t3 = _beale_terms(x, y)
    return t1**2 + t2**2 + t3**2


def _beale_grad(x, y):
    t1, t2, t3 = _beale_terms(x, y)
    gx = 2 * t1 * (y - 1) + 2 * t2 * (y**2 - 1) + 2 * t3 * (y**3 - 1)
    gy = 2 * t1 * x + 2 * t2 * 2 * x * y + 2 * t3 * 3 * x * y**2
    return gx, gy


beale = Objective(
    name="beale",
    value=_beale_value,
    gradient=_beale_grad,
    minima=np.array([[3.0, 0.5]]),
    min_value=0.0,
    bounds=((-4.5, 4.5), (-4.5, 4.5)),
    start=np.array([1.0, 1.5]),
)
"""Beale's function, minimum 0 at (3, 0.5) (the function of the lecture's animations)."""


def _himmelblau_value(x, y):
    return (x * x + y - 11) ** 2 + (x + y * y - 7) ** 2


def _himmelblau_grad(x, y):
    u, v = x * x + y - 11, x + y * y - 7
    return 4 * x * u + 2 * v, 2 * u + 4 * y * v


himmelblau = Objective(
    name="himmelblau",
    value=_himmelblau_value,
    gradient=_himmelblau_grad,
    minima=np.array(
        [[3.0, 2.0], [-2.805118, 3.131312], [-3.779310, -3.283186], [3.584428, -1.848126]]
    ),
    min_value=0.0,
    bounds=((-5.0, 5.0), (-5.0, 5.0)),
    start=np.array([0.0, 0.0]),
)
"""Himmelblau's function: four minima of value 0 (one at (3, 2))."""


def _saddle_value(x, y):
    return x * x - y * y


def _saddle_grad(x, y):
    return 2 * x, -2 * y


saddle = Objective(
    name="saddle",
    value=_saddle_value,
    gradient=_saddle_grad,
    minima=np.empty((0, 2)),
    min_value=None,
    bounds=((-2.0, 2.0), (-2.0, 2.0)),
    start=np.array([-1.5, 1e-3]),
)
"""The saddle ``x^2 - y^2``: a critical point at (0, 0) that is no minimum;
unbounded below, so descent from off the x-axis runs away along y."""


OBJECTIVES: dict[str, Objective] = {
    o.name: o for o in (quadratic_bowl, rosenbrock, beale, himmelblau, saddle)
}
"""The 2-D test functions by name."""


def get_objective(name: str) -> Objective:
    """Look a 2-D test function up by name (``bowl``, ``rosenbrock``, ``beale``,
    ``himmelblau``, ``saddle``)."""
    if isinstance(name, Objective):
        return name
    key = str(name).lower().replace("-", "_")
    if key in ("quadratic_bowl", "quadratic"):
        key = "bowl"
    if key not in OBJECTIVES:
        raise ValueError(f"unknown function {name!r}; choose one of: {', '.join(OBJECTIVES)}")
    return OBJECTIVES[key]
