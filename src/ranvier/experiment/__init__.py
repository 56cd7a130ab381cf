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
schedule and the monitored value the options describe; the memory the run
needs is checked first, by :mod:`~ranvier.experiment.memory`),
:mod:`~ranvier.experiment.conveniences` (class weights, the plateau schedule,
the CSV and TensorBoard logs, more epochs on resume),
:mod:`~ranvier.experiment.runner` (:func:`run`, :func:`resume` and
:class:`RunResult`), :mod:`~ranvier.experiment.files` (the run's folder,
checked before and written after) and :mod:`~ranvier.experiment.lr_find`
(:func:`find_lr`, the range test on a run's data and model).  Every name is
also here, ``ranvier.experiment.X``.
"""

from __future__ import annotations

from .build import build_model, load_data
from .lr_find import find_lr
from .options import MODELS, TrainOptions
from .runner import RunResult, resume, run

__all__ = ["MODELS", "RunResult", "TrainOptions", "build_model", "find_lr", "load_data", "resume", "run"]
