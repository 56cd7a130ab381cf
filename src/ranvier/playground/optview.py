"""The optimiser view: optimisers racing on a 2-D test function.

Every run is :func:`ranvier.descent.paths.run_optimizer` (the lecture's ``gd`` or an
optimiser of :mod:`ranvier.optim`) from the clicked start; the page animates
the recorded paths.  The function's values on a grid come along for the contours.
"""

from __future__ import annotations


import numpy as np

from ..descent.functions import OBJECTIVES, get_objective
from ..descent.paths import PATH_OPTIMIZERS, default_lr, run_optimizer
from .frames import _bytes
from .settings import SettingsError, _choice, _integer, _number

__all__ = ["CONTOUR_GRID", "race"]

CONTOUR_GRID = 160
MAX_RUNS = 8
MAX_STEPS = 2000


def _contours(objective) -> dict:
    """``log(1 + f - f_min)`` on a grid over the function's window, rows from the top."""
    (x_lo, x_hi), (y_lo, y_hi) = objective.bounds
    xs = np.linspace(x_lo, x_hi, CONTOUR_GRID)
    ys = np.linspace(y_hi, y_lo, CONTOUR_GRID)
    gx, gy = np.meshgrid(xs, ys)
    values = objective.value(gx, gy)
    base = values.min() if objective.min_value is None else objective.min_value
    levels = np.log1p(np.maximum(values - base, 0.0))
    return dict(_bytes(levels.ravel(), float(levels.min()), float(levels.max())), n=CONTOUR_GRID)


def _finite_prefix(path: np.ndarray, costs: np.ndarray) -> int:
    """Number of leading points whose coordinates and cost are finite."""
    ok = np.isfinite(path).all(axis=1) & np.isfinite(costs)
    return int(len(ok) if ok.all() else np.argmin(ok))


def _run(objective, start, spec: dict, steps: int, k: int) -> dict:
    name = _choice(spec.get("optimizer", "gd"), f"runs[{k}].optimizer", PATH_OPTIMIZERS)
    lr = spec.get("lr")
    lr = default_lr(objective, name) if lr in (None, "") else _number(lr, f"runs[{k}].lr", 0.0, 100.0, low_open=True)
    res = run_optimizer(objective, name, start, steps, lr=lr, tol=0.0, blowup=1e6, warn=False)
    n = _finite_prefix(res.path, res.costs)
    # a blown-up run is cut where its numbers leave the picture; the page marks it
    path = np.clip(res.path[:n], -1e6, 1e6)
    return {"optimizer": name, "lr": lr, "label": f"{name} lr={lr:g}", "path": np.round(path, 6).tolist(),
            "costs": [float(c) for c in res.costs[:n]], "diverged": bool(res.diverged), "message": res.message}


def race(request: dict) -> dict:
    """Run the optimisers of ``request`` from its start on its function.

    ``request`` is ``{"function": name, "start": [x, y] or None, "steps": int,
    "runs": [{"optimizer": name, "lr": float or None}, ...]}``.

    Raises
    ------
    SettingsError
        For an unknown function or optimiser, a bad learning rate or start, too many runs or steps.
    """
    if not isinstance(request, dict):
        raise SettingsError("optimizer", "the request must be a JSON object")
    fname = _choice(request.get("function", "rosenbrock"), "function", tuple(OBJECTIVES))
    objective = get_objective(fname)
    steps = _integer(request.get("steps", 200), "steps", 1, MAX_STEPS)
    start = request.get("start") or list(objective.start)
    if not isinstance(start, (list, tuple)) or len(start) != 2:
        raise SettingsError("start", f"start must be a point [x, y], got {start!r}")
    start = [_number(v, "start", -1e3, 1e3) for v in start]
    runs = request.get("runs") or [{"optimizer": "gd"}]
    if not isinstance(runs, list) or len(runs) > MAX_RUNS:
        raise SettingsError("runs", f"runs must be a list of at most {MAX_RUNS} optimisers")
    results = [_run(objective, start, spec if isinstance(spec, dict) else {}, steps, k) for k, spec in enumerate(runs)]
    lip = objective.lipschitz
    return {
        "type": "race", "function": fname, "start": start, "steps": steps,
        "bounds": [list(b) for b in objective.bounds], "minima": objective.minima.tolist(),
        "lipschitz": lip, "lr_bound": None if not lip else 2.0 / lip,
        "contours": _contours(objective), "runs": results,
    }


def functions() -> list[dict]:
    """The test functions with their windows, classic starts and curvature bounds."""
    return [{"name": o.name, "bounds": [list(b) for b in o.bounds], "start": [float(v) for v in o.start],
             "lipschitz": o.lipschitz, "lr_bound": None if not o.lipschitz else 2.0 / o.lipschitz}
            for o in OBJECTIVES.values()]
