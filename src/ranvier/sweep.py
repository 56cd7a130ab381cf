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
"""

from __future__ import annotations

import csv
import io
import itertools
import json
import math
import os
import time
import warnings
from contextlib import closing
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping, Sequence

import numpy as np

from . import experiment
from ._signals import Interrupted, SignalGuard
from .experiment import TrainOptions
from .runfolder import claim
from ._archive import atomic_write_text, json_safe
from .train import evaluate

__all__ = [
    "METRICS",
    "SweepResult",
    "TrialInterrupted",
    "best_row",
    "format_table",
    "grid_trials",
    "parse_grid",
    "parse_range",
    "plot_heatmap",
    "random_trials",
    "read_trials",
    "sweep",
]

METRICS = ("val_accuracy", "val_loss", "train_accuracy", "train_loss", "epochs_run", "best_epoch",
           "seconds", "trial_seconds", "diverged", "stopped_reason", "num_params")
"""What a trial row records besides its options (``seconds``: the training loop; ``trial_seconds``:
the whole trial, data loading and scoring included)."""

MAX_TRIALS = 10_000
"""The most trials one sweep runs: a larger grid (or ``random``) is refused before any is built."""

DASK_CONNECT_SECONDS = 5.0
"""How long :func:`sweep` waits for a Dask scheduler that does not answer."""

BACKENDS = ("loky", "dask")
SCALES = ("log", "lin")

# Options a sweep cannot vary: where files go and how chatty a trial is are the sweep's business.
_FIXED = ("out", "verbose", "checkpoint_every")
_OPTION_NAMES = tuple(f.name for f in fields(TrainOptions))
_SWEEPABLE = tuple(n for n in _OPTION_NAMES if n not in _FIXED)
_INTS = experiment._INT_OPTIONS | experiment._OPTIONAL_INT
_FLOATS = experiment._FLOAT_OPTIONS | {"momentum"}
_NUMERIC = (_INTS | _FLOATS | {"hidden"}) - set(_FIXED)


class TrialInterrupted(Exception):
    """A trial was stopped by a signal (Ctrl-C, SIGTERM, SIGHUP): it has no result.

    Raised by :func:`run_trial` where the trial ran (a worker, perhaps), so
    that the sweep does not record it.
    """

    def __init__(self, index: int, signum: int) -> None:
        super().__init__(index, signum)
        self.index, self.signum = index, signum

    def __str__(self) -> str:
        return f"trial {self.index} was interrupted by signal {self.signum}"


# ------------------------------------------------------------------ results
@dataclass
class SweepResult:
    """What :func:`sweep` returns.

    Attributes
    ----------
    rows : list of dict
        One row per trial of this sweep, in trial order: ``trial`` (its
        number), ``params`` (the options that vary), the :data:`METRICS` and
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


# --------------------------------------------------------------- the sweep
def sweep(
    base: TrainOptions,
    *,
    grid: Mapping[str, Sequence] | None = None,
    random: int | None = None,
    ranges: Mapping[str, tuple] | None = None,
    n_jobs: int | None = None,
    backend: str = "loky",
    scheduler: Any = None,
    out: str | os.PathLike | None = None,
    seed: int = 0,
    retrain_best: bool = True,
    on_trial: Callable[[dict, int, int], None] | None = None,
) -> SweepResult:
    """Train one model per setting of some options; keep the best on the validation split.

    Parameters
    ----------
    base : TrainOptions
        The options of every trial, before the grid or the draw changes some.
        Its ``out`` and ``verbose`` are ignored (trials write nothing, silently).
    grid : dict of str to list, optional
        Option name to the values to try.  Without ``random``, every
        combination is a trial (the first name varies slowest).  With
        ``random``, each trial picks one value of each list at random.
    random : int, optional
        Draw this many trials at random (from ``ranges`` and ``grid``).  The
        draws depend only on ``seed``: rerunning with a larger ``random``
        keeps the earlier trials and adds new ones.
    ranges : dict of str to (low, high) or (low, high, scale), optional
        For a random search: ``scale`` ``"log"`` draws log-uniformly (``low``
        must be > 0), ``"lin"`` (the default) uniformly.  Integer options
        (batch size, epochs, ...) draw integers in ``[low, high]``; ``hidden``
        draws one width that every hidden layer of ``base`` takes.
    n_jobs : int, optional
        Trials run at once: 1 (the default with loky) runs them one after
        the other in this process; -1 uses every core (with dask, every
        worker of the cluster, the default there).
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
    if backend not in BACKENDS:
        raise ValueError(f"backend must be one of {', '.join(BACKENDS)}, got {backend!r}")
    if n_jobs is not None and (isinstance(n_jobs, bool) or not isinstance(n_jobs, int) or n_jobs == 0):
        raise ValueError(f"n_jobs must be a whole number other than 0 (-1: every core), got {n_jobs!r}")
    trials, varying = make_trials(base, grid=grid, random=random, ranges=ranges, seed=seed)
    out_path = None if out is None else experiment._check_out(os.fspath(out))
    if out_path is None:
        return _sweep(trials, varying, None, n_jobs, backend, scheduler, retrain_best, on_trial)
    with claim(out_path, files=()) as folder:  # locked: a second sweep into it is refused
        return _sweep(trials, varying, folder.path, n_jobs, backend, scheduler, retrain_best, on_trial)


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


def make_trials(base: TrainOptions, *, grid: Mapping[str, Sequence] | None = None, random: int | None = None,
                ranges: Mapping[str, tuple] | None = None, seed: int = 0) -> tuple[list[tuple[dict, TrainOptions]], list[str]]:
    """The trials of a sweep, checked: ``([(params, options), ...], varying names)``.

    Identical trials (the same full options) are kept once.
    """
    grid = {_name(k): list(v) for k, v in (grid or {}).items()}
    ranges = {_name(k): _check_range(_name(k), v) for k, v in (ranges or {}).items()}
    if random is None:
        if ranges:
            raise ValueError("ranges are for a random search: give random=N (--random N) too")
        if not grid:
            raise ValueError("nothing to sweep: give a grid (--grid NAME=V1,V2) or a random search "
                             "(--random N --range NAME=LOW:HIGH:log)")
        _check_grid_size(grid)
        combos = grid_trials(grid)
    else:
        if isinstance(random, bool) or not isinstance(random, int) or random < 1:
            raise ValueError(f"random must be a number of trials >= 1, got {random!r}")
        if random > MAX_TRIALS:
            raise ValueError(f"random={random:,} trials is more than a sweep runs (at most {MAX_TRIALS:,}); "
                             "draw fewer (--random N)")
        both = sorted(set(grid) & set(ranges))
        if both:
            raise ValueError(f"option {both[0]!r} has both a grid and a range: give one")
        if not grid and not ranges:
            raise ValueError("a random search needs ranges (--range NAME=LOW:HIGH:log) or lists (--grid NAME=V1,V2)")
        combos = random_trials(random, ranges=ranges, choices=grid, seed=seed, base=base)
    varying = list(grid) + [k for k in ranges if k not in grid]
    trials, seen = [], set()
    for params in combos:
        options = _trial_options(base, params)
        key = _key(options)
        if key not in seen:
            seen.add(key)
            trials.append((params, options))
    return trials, varying


def _check_grid_size(grid: Mapping[str, Sequence]) -> None:
    """Refuse a grid of more than :data:`MAX_TRIALS` combinations, saying how many it has."""
    sizes = [len(v) for v in grid.values()]
    total = math.prod(sizes)
    if total > MAX_TRIALS:
        shape = " x ".join(f"{len(v)} {k}" for k, v in grid.items())
        raise ValueError(f"the grid has {total:,} combinations ({shape}); a sweep runs at most {MAX_TRIALS:,} "
                         "trials: give fewer values, or draw some of the combinations with --random N")


def grid_trials(grid: Mapping[str, Sequence]) -> list[dict]:
    """Every combination of the grid's values, the first name varying slowest.

    >>> grid_trials({"lr": [0.1, 0.01], "reg": [0, 1e-3]})
    [{'lr': 0.1, 'reg': 0}, {'lr': 0.1, 'reg': 0.001}, {'lr': 0.01, 'reg': 0}, {'lr': 0.01, 'reg': 0.001}]
    """
    names = list(grid)
    for name in names:
        if len(grid[name]) == 0:
            raise ValueError(f"the grid of {name!r} has no values")
    return [dict(zip(names, values, strict=True)) for values in itertools.product(*(grid[n] for n in names))]


def random_trials(n: int, *, ranges: Mapping[str, tuple] | None = None, choices: Mapping[str, Sequence] | None = None,
                  seed: int = 0, base: TrainOptions | None = None) -> list[dict]:
    """``n`` random settings: ranges drawn log-uniformly or uniformly, choices picked uniformly.

    Trial ``i`` is the same whatever ``n`` is (one generator, drawn trial by
    trial, option by option in sorted order).  Integer options draw integers
    in ``[low, high]``; a ``hidden`` range draws one width for every hidden
    layer of ``base`` (one layer when ``base`` is None).
    """
    ranges = {k: _check_range(k, v) for k, v in (ranges or {}).items()}
    choices = dict(choices or {})
    rng = np.random.default_rng(seed)
    depth = 1 if base is None else max(1, len(base.hidden))
    names = sorted(set(ranges) | set(choices))
    trials = []
    for _ in range(n):
        params = {}
        for name in names:
            if name in ranges:
                params[name] = _draw(rng, name, *ranges[name], depth=depth)
            else:
                values = list(choices[name])
                if not values:
                    raise ValueError(f"the choices of {name!r} are empty")
                params[name] = values[int(rng.integers(len(values)))]
        order = [k for k in list(choices) + list(ranges) if k in params]
        trials.append({k: params[k] for k in order})
    return trials


def _draw(rng: np.random.Generator, name: str, low: float, high: float, scale: str, *, depth: int):
    integer = name in _INTS or name == "hidden"
    top = high + 1 if integer else high  # integers: every value in [low, high] equally likely (lin)
    u = rng.uniform(math.log(low), math.log(top)) if scale == "log" else rng.uniform(low, top)
    value = math.exp(u) if scale == "log" else u
    if not integer:
        return float(min(max(value, low), high))
    value = int(min(max(math.floor(value), low), high))
    return [value] * depth if name == "hidden" else value


def _check_range(name: str, spec) -> tuple[float, float, str]:
    if name not in _NUMERIC:
        raise ValueError(f"option {name!r} takes no range; ranges are for numbers: {', '.join(sorted(_NUMERIC))} "
                         f"(give a list of choices with --grid {name}=A,B)")
    spec = tuple(spec)
    if len(spec) not in (2, 3):
        raise ValueError(f"the range of {name!r} must be (low, high) or (low, high, scale), got {spec!r}")
    low, high = spec[:2]
    scale = spec[2] if len(spec) == 3 else "lin"
    for v in (low, high):
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
            raise ValueError(f"the range of {name!r} needs finite numbers, got {spec!r}")
    if scale not in SCALES:
        raise ValueError(f"the scale of a range is log or lin, got {scale!r} for {name!r}")
    if not low <= high:
        raise ValueError(f"the range of {name!r} needs low <= high, got {low:g} > {high:g}")
    if scale == "log" and low <= 0:
        raise ValueError(f"a log range needs low > 0, got {low:g} for {name!r} (use lin to include 0)")
    if (name in _INTS or name == "hidden") and (low != int(low) or high != int(high)):
        raise ValueError(f"{name!r} is a whole number: its range needs whole ends, got {low:g}:{high:g}")
    return float(low), float(high), scale


def _name(key: str) -> str:
    name = str(key).replace("-", "_")
    if name in _FIXED:
        raise ValueError(f"a sweep cannot vary {key!r} (the sweep sets it for every trial)")
    if name not in _SWEEPABLE:
        raise ValueError(f"unknown option {key!r}; options a sweep can vary: {', '.join(_SWEEPABLE)}")
    return name


def _trial_options(base: TrainOptions, params: Mapping[str, Any]) -> TrainOptions:
    values = {**base.to_dict(), "out": None, "verbose": 0, "checkpoint_every": None}
    for name, value in params.items():
        values[name] = value.replace("-", "_") if name == "schedule" and isinstance(value, str) else value
    try:
        options = TrainOptions.from_dict(values)
        _check_trial(options)
    except (TypeError, ValueError) as exc:
        shown = ", ".join(f"{k}={_show(v)}" for k, v in params.items())
        raise ValueError(f"bad trial {shown}: {exc}") from None
    return options


def _check_trial(o: TrainOptions) -> None:
    """Catch a bad value before any trial trains (names resolve, sizes are sane)."""
    experiment._check(o)  # every option in range
    if o.val_split == 0:
        raise ValueError("a sweep scores trials on the validation split: val_split must be > 0")
    from .datasets import DATASETS
    from .datasets.own import is_own_data

    if o.data not in DATASETS and not is_own_data(o.data):
        raise ValueError(f"unknown data set {o.data!r}; choose one of: {', '.join(DATASETS)}")
    experiment._optimizer(o)
    experiment._schedule(o, 1)
    experiment.build_model(o, 2, 2)  # activation, loss and init names


def _key(options: TrainOptions) -> str:
    """What identifies a trial: its full options (less where it writes and how chatty it is)."""
    values = TrainOptions.from_dict(options.to_dict()).to_dict()
    for name in _FIXED:
        values.pop(name)
    return json.dumps(values, sort_keys=True)


# ------------------------------------------------------------ running trials
def _execute(pending: list, *, n_jobs: int | None, backend: str, client=None) -> Iterable[dict]:
    """Rows of the pending trials as they finish (in any order)."""
    if not pending:
        return
    if backend == "loky" and (n_jobs or 1) == 1:
        for i, params, options in pending:  # in this process, with the user's BLAS threads
            yield run_trial(i, params, options.to_dict(), blas_threads=None)
        return
    from joblib import Parallel, delayed, parallel_config

    tasks = (delayed(run_trial)(i, params, options.to_dict(), blas_threads=1) for i, params, options in pending)
    if n_jobs is None:
        n_jobs = 1 if backend == "loky" else -1
    params = {} if client is None else {"client": client}
    with parallel_config(backend=backend, **params):
        yield from Parallel(n_jobs=n_jobs, return_as="generator_unordered")(tasks)


def _dask_client(scheduler: Any):
    """``(client, made_here)``: a client of the scheduler asked for, or the running one."""
    try:
        import distributed
    except ImportError:
        raise ImportError("backend='dask' needs dask.distributed: pip install 'dask[distributed]' "
                          "(or ranvier's dask extra, pip install 'ranvier[dask]')") from None
    if isinstance(scheduler, distributed.Client):
        return scheduler, False
    if scheduler is None:
        try:
            return distributed.get_client(), False
        except ValueError:
            raise ValueError("backend='dask' needs a scheduler address (--scheduler tcp://HOST:8786) "
                             "or a running distributed.Client") from None
    if not isinstance(scheduler, str):
        raise TypeError(f"scheduler must be an address such as tcp://HOST:8786 or a distributed.Client, got {scheduler!r}")
    seconds = DASK_CONNECT_SECONDS
    tic = time.monotonic()
    problem = _probe(scheduler, seconds)
    if problem is None:
        try:
            return distributed.Client(scheduler, timeout=f"{seconds:g}s", set_as_default=False), True
        except Exception as exc:  # noqa: BLE001 - whatever answered is not a scheduler
            problem = f"{type(exc).__name__}: {' '.join(str(exc).split())[:200]}"
    raise ValueError(f"cannot reach the Dask scheduler at {scheduler!r} (gave up after {time.monotonic() - tic:.1f} s: "
                     f"{problem}); start it (dask scheduler) or check the address")


def _probe(address: str, seconds: float) -> str | None:
    """Why a Dask connection to ``address`` fails within ``seconds``, or None when it opens.

    A check before making a client: ``distributed.Client`` waits without end
    on a server that accepts the connection and never answers.  Skipped
    (None) when an event loop is already running in this thread.
    """
    import asyncio

    from distributed.comm import connect

    async def handshake():
        comm = await asyncio.wait_for(connect(address, timeout=seconds), seconds)
        await comm.close()

    try:
        asyncio.get_running_loop()
        return None
    except RuntimeError:
        pass
    try:
        asyncio.run(handshake())
    except (asyncio.TimeoutError, TimeoutError):
        return "no answer"
    except Exception as exc:  # noqa: BLE001 - a refused connection, an unknown host, a bad address, ...
        text = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        return f"{type(exc).__name__}: {' '.join(text.split())[:200]}"
    return None


def run_trial(index: int, params: dict, options: dict, *, blas_threads: int | None = 1) -> dict:
    """Train one trial and score it: its row (see :data:`METRICS`).

    Runs where joblib sends it (a loky or Dask worker); ``blas_threads``
    caps BLAS there, so that parallel trials share the cores instead of
    fighting over them.  A diverging trial is a result, not an error: its
    :class:`~ranvier.DivergenceWarning` is silenced and the row says
    ``diverged``.
    """
    from contextlib import nullcontext

    from .descent.recorder import DivergenceWarning

    if blas_threads is None:
        limits = nullcontext()
    else:
        from threadpoolctl import threadpool_limits

        limits = threadpool_limits(blas_threads)
    tic = time.perf_counter()
    with limits, warnings.catch_warnings():
        warnings.simplefilter("ignore", DivergenceWarning)
        try:
            result = experiment.run(TrainOptions.from_dict({**options, "out": None, "verbose": 0}))
        except Interrupted as exc:
            raise TrialInterrupted(index, exc.signum) from None
        if result.signal is not None:  # stopped part way: not this trial's result
            raise TrialInterrupted(index, result.signal)
        data, model = result.dataset, result.model
        train_loss, train_acc = evaluate(model, data.X_train, data.y_train)
        val_loss, val_acc = (None, None) if data.X_val is None else evaluate(model, data.X_val, data.y_val)
    s = result.summary
    metrics = {
        "val_accuracy": val_acc, "val_loss": val_loss, "train_accuracy": train_acc, "train_loss": train_loss,
        "epochs_run": s["epochs"], "best_epoch": s["best_epoch"], "seconds": s["seconds"],
        "trial_seconds": time.perf_counter() - tic, "diverged": bool(s["diverged"]),
        "stopped_reason": s["stopped_reason"], "num_params": s["num_params"],
    }
    return json_safe({"trial": index, "params": params, **metrics, "options": options})


def best_row(rows: Sequence[Mapping]) -> dict | None:
    """The best row: highest validation accuracy, then lowest validation loss, then first.

    Rows without a validation accuracy (a NaN loss) come last; None when there are no rows.
    """
    if not rows:
        return None
    return dict(min(rows, key=_rank))


def _rank(row: Mapping) -> tuple:
    acc, loss = row.get("val_accuracy"), row.get("val_loss")
    return (-(acc if acc is not None else -math.inf), loss if loss is not None else math.inf,
            row.get("trial") if row.get("trial") is not None else math.inf)


# ------------------------------------------------------------------- files
def read_trials(out: str | os.PathLike) -> list[dict]:
    """The rows of ``out/trials.json`` (empty when there is none)."""
    path = Path(out) / "trials.json"
    if not path.exists():
        return []
    try:
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
        rows = data["trials"]
        if not isinstance(rows, list) or not all(isinstance(r, dict) and isinstance(r.get("options"), dict) for r in rows):
            raise TypeError("'trials' must be a list of rows with their options")
    except (ValueError, KeyError, TypeError) as exc:
        raise ValueError(f"{path}: not a trials file written by a ranvier sweep ({exc}); "
                         "move it away or give another --out") from None
    return rows


def _previous(out: Path) -> tuple[dict[str, dict], list[dict]]:
    """Rows of an earlier run, by trial key; and those whose options no longer parse."""
    done, others = {}, []
    for row in read_trials(out):
        try:
            key = _key(TrainOptions.from_dict(row["options"]))
        except (TypeError, ValueError):
            others.append(row)
            continue
        done.setdefault(key, row)
    return done, others


def _write_rows(out: Path, rows: Mapping[int, dict], others: list[dict], varying: list[str]) -> None:
    """Rewrite trials.json and trials.csv (each written aside, then renamed into place)."""
    ordered = [rows[i] for i in sorted(rows)]
    foreign = [{**r, "trial": None} for r in others]
    all_rows = ordered + foreign
    atomic_write_text(out / "trials.json", json.dumps({"varying": varying, "trials": all_rows}, indent=1))
    atomic_write_text(out / "trials.csv", rows_to_csv(all_rows, varying))


def rows_to_csv(rows: Sequence[Mapping], varying: Sequence[str]) -> str:
    """CSV text: ``trial``, the options that vary, the metrics, then every other option."""
    rest = [n for n in _OPTION_NAMES if n not in varying and n not in _FIXED]
    header = ["trial", *varying, *METRICS, *rest]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        options = row.get("options", {})
        cells = [row.get("trial")]
        cells += [options.get(n) for n in varying]
        cells += [row.get(m) for m in METRICS]
        cells += [options.get(n) for n in rest]
        writer.writerow(["" if c is None else _csv_cell(c) for c in cells])
    return buffer.getvalue()


def _csv_cell(value) -> str:
    if isinstance(value, (list, tuple)):
        return "-".join(str(v) for v in value)
    if isinstance(value, float):
        return repr(value)
    return str(value)


# ------------------------------------------------------------------ report
def _show(value) -> str:
    if isinstance(value, (list, tuple)):
        return "-".join(str(v) for v in value)
    if isinstance(value, float):
        return f"{value:.3g}"
    return str(value)


def format_table(rows: Sequence[Mapping], varying: Sequence[str], *, top: int | None = 10) -> str:
    """The trials sorted by validation accuracy (best first), ``top`` of them, as aligned text."""
    ranked = sorted(rows, key=_rank)[:top] if top is not None else sorted(rows, key=_rank)

    def pct(v):
        return "n/a" if v is None else f"{100 * v:.2f}%"

    def num(v, fmt):
        return "n/a" if v is None else format(v, fmt)

    header = ["rank", "trial", *varying, "val acc", "val loss", "train acc", "train loss", "epochs", "seconds"]
    body = []
    for rank, r in enumerate(ranked, 1):
        options = r.get("options", {})
        body.append([str(rank), "" if r.get("trial") is None else str(r["trial"]),
                     *(_show(options.get(n)) for n in varying),
                     pct(r.get("val_accuracy")), num(r.get("val_loss"), ".4f"), pct(r.get("train_accuracy")),
                     num(r.get("train_loss"), ".4f"),
                     f"{r.get('epochs_run')}" + (" diverged" if r.get("diverged") else ""),
                     num(r.get("seconds"), ".2f")])
    widths = [max(len(h), *(len(b[j]) for b in body)) if body else len(h) for j, h in enumerate(header)]
    left = set(range(2, 2 + len(varying)))  # option columns read better left-aligned
    lines = []
    for cells in [header, *body]:
        lines.append("  ".join(c.ljust(w) if j in left else c.rjust(w) for j, (c, w) in enumerate(zip(cells, widths, strict=True))))
    return "\n".join(line.rstrip() for line in lines)


def plot_heatmap(rows: Sequence[Mapping], path: str | os.PathLike | None = None, *, x: str = "lr", y: str = "reg",
                 value: str = "val_accuracy", title: str | None = None, dpi: float = 100):
    """Validation accuracy over two options: CS231n's picture of a learning-rate x regularisation sweep.

    A grid (few distinct values of each) is drawn as a heat map with one cell
    per pair, annotated with its accuracy; when other options vary too, a
    cell shows the best trial of that pair.  A random search (values all
    different) is drawn as a scatter plot, coloured by accuracy, on log axes
    where the values are all > 0.

    Parameters
    ----------
    rows : sequence of dict
        Trial rows (:attr:`SweepResult.rows`, or those of ``trials.json``).
    path : path-like, optional
        Where to write the picture (PNG, PDF or SVG by its suffix).
    x, y : str
        The options on the horizontal and vertical axes.
    value : str, default 'val_accuracy'
    title : str, optional
    dpi : float, default 100

    Returns
    -------
    matplotlib.figure.Figure
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    points = [(r["options"][x], r["options"][y], r.get(value)) for r in rows]
    if not points:
        raise ValueError("no trials to draw")
    xs = sorted({p[0] for p in points})
    ys = sorted({p[1] for p in points})
    grid = len(xs) * len(ys) <= 2 * len(points) and len(xs) <= 12 and len(ys) <= 12
    fig = Figure(figsize=(1.6 + 1.0 * max(len(xs), 3), 1.4 + 0.7 * max(len(ys), 3)) if grid else (6.5, 5), dpi=dpi,
                 layout="constrained")
    FigureCanvasAgg(fig)
    ax = fig.subplots()
    label = value.replace("val_", "validation ").replace("_", " ")
    if grid:
        Z = np.full((len(ys), len(xs)), np.nan)
        for px, py, v in points:
            i, j = ys.index(py), xs.index(px)
            if v is not None and not (Z[i, j] >= v):
                Z[i, j] = v
        finite = Z[np.isfinite(Z)]
        vmin, vmax = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
        image = ax.imshow(np.ma.masked_invalid(Z), origin="lower", cmap="viridis", aspect="auto",
                          vmin=vmin, vmax=vmax if vmax > vmin else vmin + 1e-9)
        middle = (vmin + vmax) / 2
        for i in range(len(ys)):
            for j in range(len(xs)):
                text = "n/a" if not np.isfinite(Z[i, j]) else f"{Z[i, j]:.3f}"
                dark = not np.isfinite(Z[i, j]) or Z[i, j] < middle
                ax.text(j, i, text, ha="center", va="center", fontsize=9, color="white" if dark else "black")
        ax.set_xticks(range(len(xs)), _ticks(xs))
        ax.set_yticks(range(len(ys)), _ticks(ys))
        ax.set_xlabel(f"{x} (log scale)" if _log_spaced(xs) else x)
        ax.set_ylabel(f"{y} (log scale)" if _log_spaced(ys) else y)
    else:
        px = np.array([p[0] for p in points], dtype=float)
        py = np.array([p[1] for p in points], dtype=float)
        pv = np.array([np.nan if p[2] is None else p[2] for p in points], dtype=float)
        ok = np.isfinite(pv)
        image = ax.scatter(px[ok], py[ok], c=pv[ok], cmap="viridis", s=60, edgecolors="0.2")
        if ok.any():
            top = np.flatnonzero(ok)[np.argmax(pv[ok])]
            ax.scatter(px[top], py[top], s=220, facecolors="none", edgecolors="C3", linewidths=2,
                       label=f"best: {pv[top]:.3f}")
        if (~ok).any():
            ax.scatter(px[~ok], py[~ok], marker="x", color="C3", label="no score (diverged)")
        if ok.any() or (~ok).any():
            ax.legend(fontsize="small")
        if (px > 0).all():
            ax.set_xscale("log")
        if (py > 0).all():
            ax.set_yscale("log")
        ax.set_xlabel(x)
        ax.set_ylabel(y)
        ax.grid(alpha=0.3, which="major")
    fig.colorbar(image, ax=ax, label=label)
    ax.set_title(title if title is not None else f"{label} by {x} and {y}")
    if path is not None:
        fig.savefig(path, dpi=dpi)
    return fig


def _ticks(values: Sequence) -> list[str]:
    """Tick labels of one axis: 1e-03 style for all of them when some value is tiny or huge."""
    numbers = [v for v in values if isinstance(v, float) and v != 0]
    exponent = any(not 1e-2 <= abs(v) < 1e4 for v in numbers)
    labels = []
    for v in values:
        if isinstance(v, (list, tuple)):
            labels.append("-".join(map(str, v)))
        elif exponent and isinstance(v, float) and v != 0:
            text = f"{v:.0e}"  # 1e-03, as the lecture's plots label rates
            labels.append(text if float(text) == v else f"{v:.2e}")
        else:
            labels.append(f"{v:g}" if isinstance(v, (int, float)) else str(v))
    return labels


def _log_spaced(values: Sequence) -> bool:
    v = [float(a) for a in values if isinstance(a, (int, float)) and a > 0]
    if len(v) < 3:
        return len(v) == 2 and v[1] / v[0] >= 10
    ratios = np.diff(np.log10(v))
    return bool(np.all(ratios > 0.25))


# ------------------------------------------------------- the command line's words
def parse_grid(text: str) -> tuple[str, list]:
    """``NAME=V1,V2,...`` -> ``(name, values)``, each value of the option's type.

    Values are separated by commas.  ``hidden`` values are layer widths
    joined by ``-`` (``hidden=100,200-100``: one layer of 100, or two of 200
    and 100); ``hidden=100;200,100`` (values separated by ``;``, widths by
    commas as ``--hidden`` writes them) means the same.  ``none`` is None for
    the options that may be unset (momentum, early_stopping, n_train).

    >>> parse_grid("lr=1e-3,1e-2")
    ('lr', [0.001, 0.01])
    >>> parse_grid("hidden=100;200,100")
    ('hidden', [(100,), (200, 100)])
    """
    name, body = _split_spec(text, "--grid", "NAME=V1,V2,... such as lr=1e-3,1e-2")
    if name == "hidden":
        if ";" in body:
            parts = [[w for w in part.split(",")] for part in body.split(";")]
        else:
            parts = [part.split("-") for part in body.split(",")]
        values = [_hidden(widths, text) for widths in parts]
    else:
        values = [_value(name, part.strip(), text) for part in body.split(",")]
    return name, values


def parse_range(text: str) -> tuple[str, tuple[float, float, str]]:
    """``NAME=LOW:HIGH[:log|lin]`` -> ``(name, (low, high, scale))``; the scale defaults to lin.

    >>> parse_range("lr=1e-5:1e-1:log")
    ('lr', (1e-05, 0.1, 'log'))
    """
    name, body = _split_spec(text, "--range", "NAME=LOW:HIGH:log such as lr=1e-5:1e-1:log")
    parts = [p.strip() for p in body.split(":")]
    if len(parts) not in (2, 3):
        raise ValueError(f"--range {text!r}: expected NAME=LOW:HIGH or NAME=LOW:HIGH:SCALE (log or lin), "
                         "such as lr=1e-5:1e-1:log")
    try:
        low, high = float(parts[0]), float(parts[1])
    except ValueError:
        raise ValueError(f"--range {text!r}: the ends must be numbers, such as lr=1e-5:1e-1:log") from None
    scale = parts[2].lower() if len(parts) == 3 else "lin"
    try:
        return name, _check_range(name, (low, high, scale))
    except ValueError as exc:
        raise ValueError(f"--range {text!r}: {exc}") from None


def _split_spec(text: str, flag: str, example: str) -> tuple[str, str]:
    key, sep, body = text.partition("=")
    if not sep or not key.strip() or not body.strip():
        raise ValueError(f"{flag} {text!r}: expected {example}")
    if not body.isascii():  # int() and float() read other scripts' digits too: refused, as on the command line
        raise ValueError(f"{flag} {text!r}: write the values with ASCII letters and the digits 0-9")
    try:
        name = _name(key.strip())
    except ValueError as exc:
        raise ValueError(f"{flag} {text!r}: {exc}") from None
    return name, body.strip()


def _hidden(widths: list[str], text: str) -> tuple[int, ...]:
    try:
        values = tuple(int(w) for w in widths)
    except ValueError:
        values = ()
    if not values or min(values) < 1:
        raise ValueError(f"--grid {text!r}: hidden sizes are positive whole numbers, layers joined by '-' and "
                         "values separated by ',' (hidden=100,200-100), or 'hidden=100;200,100'")
    return values


def _value(name: str, part: str, text: str):
    if not part:
        raise ValueError(f"--grid {text!r}: an empty value (values are separated by ',')")
    if part.lower() == "none" and name in experiment._OPTIONAL:
        return None
    try:
        if name in _INTS:
            return int(part)
        if name in _FLOATS:
            value = float(part)
            if not math.isfinite(value):
                raise ValueError
            return value
    except ValueError:
        kind = "whole numbers" if name in _INTS else "numbers"
        raise ValueError(f"--grid {text!r}: {name} takes {kind}, got {part!r}") from None
    return part
