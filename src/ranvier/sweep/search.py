"""A sweep from start to end: :func:`sweep` makes the trials, claims the folder, runs them, keeps the best.

:func:`sweep` checks its arguments, makes the trials
(:mod:`ranvier.sweep.trials`) and claims the output folder; ``_sweep``
reads back the rows of an earlier run into the same folder, runs the others
(:mod:`ranvier.sweep.parallel`), rewrites the files as each finishes
(:mod:`ranvier.sweep.files`), retrains the best trial and draws the heat map
(:mod:`ranvier.sweep.heatmap`).
"""

from __future__ import annotations

import os
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

from .. import experiment  # experiment.run is looked up at each retraining (a test may wrap it)
from .._archive import json_safe
from .._signals import Interrupted, SignalGuard
from ..experiment.files import _check_out
from ..experiment.options import TrainOptions
from ..runfolder import claim
from .files import _previous, _write_rows
from .heatmap import plot_heatmap
from .parallel import BACKENDS, TrialInterrupted, _dask_client, _execute
from .rows import best_row, format_table
from .trials import _key, make_trials

__all__ = ["SweepResult", "sweep"]


@dataclass
class SweepResult:
    """What :func:`sweep` returns.

    Attributes
    ----------
    rows : list of dict
        One row per trial of this sweep, in trial order: ``trial`` (its
        number), ``params`` (the options that vary), the :data:`~ranvier.sweep.rows.METRICS` and
        ``options`` (every option).  Rows read back from an earlier run of the
        same output folder are included.
    varying : list of str
        The options that vary, in the order given.
    best : dict or None
        The row of the best trial: highest validation accuracy, then lowest
        validation loss, then the lowest trial number.
    best_run : RunResult or None
        The best trial retrained (``retrain_best=True``), written to
        ``out/best`` when ``out`` is given; its summary holds the test
        accuracy, measured once, after the choice.
    out : Path or None
    ran : int
        Trials trained by this call (the others were read back from ``out``).
    """

    rows: list[dict]
    varying: list[str]
    best: dict | None
    best_run: Any = field(default=None, repr=False)
    out: Path | None = None
    ran: int = 0

    def table(self, top: int | None = 10) -> str:
        """The trials sorted by validation accuracy, best first, as text (``top`` rows)."""
        return format_table(self.rows, self.varying, top=top)


def sweep(base: TrainOptions, *, grid: Mapping[str, Sequence] | None = None, random: int | None = None,
          ranges: Mapping[str, tuple] | None = None, n_jobs: int | None = None, backend: str = "loky",
          scheduler: Any = None, out: str | os.PathLike | None = None, seed: int = 0, retrain_best: bool = True,
          on_trial: Callable[[dict, int, int], None] | None = None) -> SweepResult:
    """Train one model per setting of some options; keep the best on the validation split.

    Parameters
    ----------
    base : TrainOptions
        The options of every trial, before the grid or the draw changes some.
        Its ``out`` and ``verbose`` are ignored (trials write nothing, silently).
    grid : dict of str to list, optional
        Option name to the values to try.  Without ``random``, every combination is a trial (the
        first name varies slowest).  With ``random``, each trial picks one value of each list at random.
    random : int, optional
        Draw this many trials at random (from ``ranges`` and ``grid``).  The draws depend only on
        ``seed``: rerunning with a larger ``random`` keeps the earlier trials and adds new ones.
    ranges : dict of str to (low, high) or (low, high, scale), optional
        For a random search: ``scale`` ``"log"`` draws log-uniformly (``low`` must be > 0), ``"lin"``
        (the default) uniformly.  Integer options (batch size, epochs, ...) draw integers in
        ``[low, high]``; ``hidden`` draws one width that every hidden layer of ``base`` takes.
    n_jobs : int, optional
        Trials run at once: 1 (the default with loky) runs them one after the other in this process;
        -1 uses every core (with dask, every worker of the cluster, the default there).
    backend : {'loky', 'dask'}
        ``loky``: processes on this machine.  ``dask``: the workers of a Dask
        cluster through joblib's dask backend (needs ``dask[distributed]``).
    scheduler : str or distributed.Client, optional
        With ``backend="dask"``: the scheduler's address (``tcp://HOST:8786``)
        or a client; default the running client.
    out : path-like, optional
        Folder for ``trials.csv``, ``trials.json``, ``best/`` and
        ``heatmap.png``; trials already in its ``trials.json`` are not run again.
    seed : int, default 0
        Seed of the random search (the training seed is ``base.seed``).
    retrain_best : bool, default True
        Retrain the best trial (to ``out/best`` when ``out`` is given).
    on_trial : callable, optional
        Called as ``on_trial(row, done, total)`` as each trial finishes.

    Returns
    -------
    SweepResult

    Examples
    --------
    >>> from ranvier.experiment import TrainOptions
    >>> result = sweep(TrainOptions(epochs=3), grid={"lr": [1e-2, 1e-1], "reg": [0, 1e-3]},
    ...                retrain_best=False)  # doctest: +SKIP
    >>> print(result.table())  # doctest: +SKIP
    """
    _check_parallel(n_jobs, backend)
    trials, varying = make_trials(base, grid=grid, random=random, ranges=ranges, seed=seed)
    out_path = None if out is None else _check_out(os.fspath(out))
    if out_path is None:
        return _sweep(trials, varying, None, n_jobs, backend, scheduler, retrain_best, on_trial)
    with claim(out_path, files=()) as folder:  # locked: a second sweep into it is refused
        return _sweep(trials, varying, folder.path, n_jobs, backend, scheduler, retrain_best, on_trial)


def _check_parallel(n_jobs: int | None, backend: str) -> None:
    """A known backend and a whole number of jobs other than 0, before any trial is made."""
    if backend not in BACKENDS:
        raise ValueError(f"backend must be one of {', '.join(BACKENDS)}, got {backend!r}")
    if n_jobs is not None and (isinstance(n_jobs, bool) or not isinstance(n_jobs, int) or n_jobs == 0):
        raise ValueError(f"n_jobs must be a whole number other than 0 (-1: every core), got {n_jobs!r}")


def _sweep(trials, varying, out_path, n_jobs, backend, scheduler, retrain_best, on_trial) -> SweepResult:
    """:func:`sweep` once the trials are made and the folder claimed.

    A signal (Ctrl-C, SIGTERM, SIGHUP) stops the sweep: a trial it stopped
    is not recorded (a rerun trains it again, in full) and
    :class:`~ranvier._signals.Interrupted` is raised.
    """
    done, others = ({}, []) if out_path is None else _previous(out_path)
    rows: dict[int, dict] = {}
    pending = []
    for i, (params, options) in enumerate(trials):
        old = done.pop(_key(options), None)
        if old is None:
            pending.append((i, params, options))
        else:
            rows[i] = {**old, "trial": i, "params": json_safe(params)}
    others = others + list(done.values())  # rows of an earlier, different sweep: kept, not used
    client, own_client = _dask_client(scheduler) if backend == "dask" and pending else (None, False)
    try:
        if out_path is not None:
            _write_rows(out_path, rows, others, varying)
        with SignalGuard(), closing(_execute(pending, n_jobs=n_jobs, backend=backend, client=client)) as finished:
            for row in finished:
                rows[row["trial"]] = row
                if out_path is not None:
                    _write_rows(out_path, rows, others, varying)
                if on_trial is not None:
                    on_trial(row, len(rows), len(trials))
    except TrialInterrupted as exc:  # a trial stopped by a signal: not a result
        raise Interrupted(exc.signum) from None
    finally:
        if own_client:
            client.close()
    ordered = [rows[i] for i in sorted(rows)]
    best = best_row(ordered)
    result = SweepResult(rows=ordered, varying=varying, best=best, out=out_path, ran=len(pending))
    if retrain_best and best is not None:
        options = TrainOptions.from_dict({**best["options"], "verbose": 0,
                                          "out": None if out_path is None else str(out_path / "best")})
        result.best_run = experiment.run(options, overwrite=True)  # best/ is the sweep's own
        if result.best_run.signal is not None:
            raise Interrupted(result.best_run.signal)
    if out_path is not None and {"lr", "reg"} <= set(varying):
        plot_heatmap(ordered, out_path / "heatmap.png", x="lr", y="reg")
    return result

