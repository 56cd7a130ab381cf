"""Running the trials of a sweep: in this process, in loky processes or on the workers of a Dask cluster.

:func:`run_trial` is what joblib sends to a worker (it is imported there by
its module path, ``ranvier.sweep.parallel.run_trial``): it trains one trial
through :func:`ranvier.experiment.run <ranvier.experiment.runner.run>` with
BLAS limited to one thread and returns its row.  ``_execute`` yields the
rows as the trials finish; ``_dask_client`` connects to a scheduler, giving
up after :data:`DASK_CONNECT_SECONDS` on one that does not answer.
"""

from __future__ import annotations

import time
import warnings
from typing import Any, Iterable

from .. import experiment  # experiment.run is looked up at each trial (a test may wrap it)
from .._archive import json_safe
from .._signals import Interrupted
from ..experiment.options import TrainOptions
from ..train import evaluate

DASK_CONNECT_SECONDS = 5.0
"""How long :func:`~ranvier.sweep.search.sweep` waits for a Dask scheduler that does not answer."""

BACKENDS = ("loky", "dask")


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
    """Train one trial and score it: its row (see :data:`~ranvier.sweep.rows.METRICS`).

    Runs where joblib sends it (a loky or Dask worker); ``blas_threads``
    caps BLAS there, so that parallel trials share the cores instead of
    fighting over them.  A diverging trial is a result, not an error: its
    :class:`~ranvier.DivergenceWarning` is silenced and the row says
    ``diverged``.
    """
    from contextlib import nullcontext

    from ..descent.recorder import DivergenceWarning

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

