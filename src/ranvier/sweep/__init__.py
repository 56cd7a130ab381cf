"""Hyperparameter sweeps: a grid or a random search over any training option, in parallel.

"How do I pick a right step size?"  Train one model per setting and keep the
one that does best on the validation split (CS231n's grid over learning rates
and regularisation strengths).  :func:`sweep` expands a grid (every
combination) or draws a random search (log-uniform or uniform ranges, choices
from lists), trains every trial through :func:`ranvier.experiment.run`
(nothing written, silent) and scores it on the validation split.  The test
split is never looked at to choose: trial rows do not even hold it, and only
the retrained best model reports it.

Trials run in parallel through joblib: ``n_jobs`` processes on one machine
(loky), each limited to one BLAS thread with threadpoolctl so that the
workers do not fight over the cores; or the workers of a Dask cluster
(``backend="dask"``, ``scheduler="tcp://HOST:8786"``), with the same code.

Given an output folder, the sweep writes

* ``trials.csv`` and ``trials.json``: one row per trial, rewritten (aside,
  then renamed into place) as each trial finishes; a rerun with the same
  folder skips the trials already there (matched on the trial's full
  options), so an interrupted sweep loses nothing;
* ``best/``: the best trial retrained with its ``model.npz``,
  ``history.json``, ``summary.json`` and ``curves.png``;
* ``heatmap.png``: validation accuracy over learning rate and regularisation,
  when both vary.

Where things are
----------------
One module per concept: :mod:`~ranvier.sweep.search` (:func:`sweep` and
:class:`SweepResult`), :mod:`~ranvier.sweep.trials` (the grid, the random
draws and the checked options of each trial), :mod:`~ranvier.sweep.parallel`
(running the trials in this process, in loky processes or on a Dask cluster;
:func:`run_trial` is what a worker runs), :mod:`~ranvier.sweep.rows` (what a
row records, the best row, the ranked table), :mod:`~ranvier.sweep.files`
(``trials.json`` and ``trials.csv``), :mod:`~ranvier.sweep.heatmap` (the
picture) and :mod:`~ranvier.sweep.parse` (the command line's ``--grid`` and
``--range``).  Every name is also here, ``ranvier.sweep.X``; the settings
:data:`~ranvier.sweep.trials.MAX_TRIALS` and
:data:`~ranvier.sweep.parallel.DASK_CONNECT_SECONDS` are read where they are
defined (a copy here is only their value: change them in their own module).
"""

from __future__ import annotations

from .files import read_trials, rows_to_csv
from .heatmap import plot_heatmap
from .parallel import BACKENDS, DASK_CONNECT_SECONDS, TrialInterrupted, run_trial
from .parse import parse_grid, parse_range
from .rows import METRICS, best_row, format_table
from .search import SweepResult, sweep
from .trials import MAX_TRIALS, SCALES, grid_trials, make_trials, random_trials

__all__ = [
    "BACKENDS",
    "DASK_CONNECT_SECONDS",
    "MAX_TRIALS",
    "METRICS",
    "SCALES",
    "SweepResult",
    "TrialInterrupted",
    "best_row",
    "format_table",
    "grid_trials",
    "make_trials",
    "parse_grid",
    "parse_range",
    "plot_heatmap",
    "random_trials",
    "read_trials",
    "rows_to_csv",
    "run_trial",
    "sweep",
]
