"""The 2-D test functions of the lecture, each an :class:`Objective` with its analytic gradient.

The bowl, Rosenbrock's valley, Beale's and Himmelblau's functions and a saddle: calling one
with a point of shape (2,) returns ``(cost, grad)``, what :func:`~ranvier.gd` expects.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np

__all__ = [
    "OBJECTIVES",
    "Objective",
    "beale",
    "get_objective",
    "himmelblau",
    "quadratic_bowl",
    "rosenbrock",
    "saddle",
]


@dataclass(frozen=True)
class Objective:
    """A 2-D test function with its analytic gradient.

    Calling it with a point ``x`` of shape (2,) returns ``(cost, grad)``, as
    :func:`~ranvier.gd` expects; :meth:`value` evaluates it on grids for contour plots.

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
        from .._repr import num, point

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
