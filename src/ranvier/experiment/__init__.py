"""One training run from a flat set of options: what ``ranvier train`` does.

:class:`TrainOptions` holds every option of ``ranvier train`` (and of a TOML
config file); :func:`run` loads the data, builds the model and the optimiser,
trains with a :class:`~ranvier.Trainer`, measures the accuracies and,
given an output folder, writes

* ``model.npz``: the model with its preprocessing and class names;
* ``history.json``: the learning curves (loss per step, metrics per epoch);
* ``summary.json``: accuracies, epochs, seconds, seed and every option;
* ``curves.png``: the learning curves as a picture.

Where things are
----------------
One module per step of a run, in the order a run takes them:
:mod:`~ranvier.experiment.options` (:class:`TrainOptions`, read from a dict
with the type of each option checked), :mod:`~ranvier.experiment.checks`
(every option in range before any data is loaded),
:mod:`~ranvier.experiment.build` (the data, the model, the optimiser, the
schedule and the monitored value the options describe),
:mod:`~ranvier.experiment.conveniences` (class weights, the plateau schedule,
the CSV and TensorBoard logs, more epochs on resume),
:mod:`~ranvier.experiment.runner` (:func:`run`, :func:`resume` and
:class:`RunResult`), :mod:`~ranvier.experiment.files` (the run's folder,
checked before and written after) and :mod:`~ranvier.experiment.lr_find`
(:func:`find_lr`, the range test on a run's data and model).  Every name is
also here, ``ranvier.experiment.X``.
"""

from __future__ import annotations

from .build import _monitor, _optimizer, _schedule, build_model, load_data  # noqa: F401  (private: sweeps, tests)
from .checks import _check  # noqa: F401  (private: sweeps)
from .files import _check_out  # noqa: F401  (private: sweeps)
from .lr_find import find_lr
from .options import MODELS, TrainOptions  # noqa: F401  (MODELS, build_model: public, not in __all__)
from .runner import RunResult, resume, run

__all__ = ["RunResult", "TrainOptions", "find_lr", "load_data", "resume", "run"]
