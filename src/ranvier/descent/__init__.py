"""Gradient descent on 2-D functions: the ``gd`` recorder, the test functions, optimiser paths.

Where things are
----------------
* :mod:`ranvier.descent.recorder`: :func:`~ranvier.gd` (the lecture's ``gd(func, x0, ...)``,
  its bugs fixed), the :class:`~ranvier.GDResult` it returns and :class:`~ranvier.DivergenceWarning`;
* :mod:`ranvier.descent.functions`: the 2-D test functions (:class:`~ranvier.Objective`, the bowl,
  Rosenbrock, Beale, Himmelblau, a saddle) and :func:`~ranvier.get_objective`;
* :mod:`ranvier.descent.paths`: any optimiser of :mod:`ranvier.optim` run on them and recorded
  the way ``gd`` records (:func:`~ranvier.descent.paths.run_optimizer`, :func:`~ranvier.descent.paths.compare`).

Every name is also here, ``ranvier.descent.X``.  NumPy only; the pictures of these runs are
drawn by :mod:`ranvier.plot.paths`.  The package is not called ``gd``: that is the function
``ranvier.gd``, one of the package's flat names.
"""

from __future__ import annotations

from .functions import (
    OBJECTIVES,
    Objective,
    beale,
    get_objective,
    himmelblau,
    quadratic_bowl,
    rosenbrock,
    saddle,
)
from .paths import PATH_OPTIMIZERS, compare, default_lr, run_optimizer
from .recorder import DivergenceWarning, GDResult, gd

__all__ = [
    "OBJECTIVES",
    "PATH_OPTIMIZERS",
    "DivergenceWarning",
    "GDResult",
    "Objective",
    "beale",
    "compare",
    "default_lr",
    "gd",
    "get_objective",
    "himmelblau",
    "quadratic_bowl",
    "rosenbrock",
    "run_optimizer",
    "saddle",
]
