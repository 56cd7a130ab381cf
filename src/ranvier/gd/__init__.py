"""The lecture's gradient descent on 2-D functions: the ``gd`` recorder, the test functions, optimiser paths.

* :mod:`ranvier.gd.recorder`: :func:`~ranvier.gd` (the lecture's ``gd(func, x0, ...)``,
  its bugs fixed), the :class:`~ranvier.GDResult` it returns and :class:`~ranvier.DivergenceWarning`;
* :mod:`ranvier.gd.functions`: the 2-D test functions (:class:`~ranvier.Objective`, the bowl,
  Rosenbrock, Beale, Himmelblau, a saddle) and :func:`~ranvier.get_objective`;
* :mod:`ranvier.gd.paths`: any optimiser of :mod:`ranvier.optim` run on them and recorded
  the way ``gd`` records (:func:`~ranvier.gd.paths.run_optimizer`, :func:`~ranvier.gd.paths.compare`).

NumPy only; the pictures of these runs are drawn by :mod:`ranvier.plot.paths`.  The
package shares its name with the function ``ranvier.gd``: import the modules by their
full names (``from ranvier.gd.paths import compare``), the function from ``ranvier``.
"""
