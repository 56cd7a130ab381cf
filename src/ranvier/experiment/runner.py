"""One training run from :class:`~ranvier.experiment.options.TrainOptions`: :func:`run` and :func:`resume`.

:func:`run` claims the output folder, loads the data, builds the model and
the optimiser, trains with a :class:`~ranvier.Trainer`, measures the
accuracies and writes the run's files (:mod:`ranvier.experiment.files`).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .._validation import all_finite
from ..datasets.augment import get_augment
from ..nn.mlp import MLP
from ..train import Checkpoint, History, Trainer
from .build import _monitor, _optimizer, _schedule, _steps_per_epoch, build_model, load_data
from .checks import _check
from .conveniences import _convenience_callbacks, _more_epochs, parse_class_weight
from .files import _check_out, _check_space, _summary, _write
from .options import TrainOptions

__all__ = ["RunResult", "resume", "run"]


@dataclass
class RunResult:
    """What :func:`run` returns.

    Attributes
    ----------
    model : MLP
    history : History
    summary : dict
        What ``summary.json`` holds.
    dataset : Dataset
    out : Path or None
        The output folder, when one was written.
    signal : int or None
        The signal (``signal.SIGINT``, ``SIGTERM``, ``SIGHUP``) that stopped
        the run, or arrived while its files were written; None otherwise.
    """

    model: MLP
    history: History
    summary: dict
    dataset: Any = field(repr=False)
    out: Path | None = None
    signal: int | None = None


def run(options: TrainOptions, *, callbacks=(), resume_from: str | os.PathLike | None = None,
        overwrite: bool = False) -> RunResult:
    """Load the data, train, measure and (given ``options.out``) save.

    The output folder is claimed first (:func:`ranvier.runfolder.claim`):
    made if needed, locked while the run lasts (a second run into it is
    refused), and refused when it holds another run's files unless
    ``overwrite``.  Ctrl-C, SIGTERM and SIGHUP end the training after the
    step in progress; the files are then written as for a finished run (a
    signal that arrives while they are written waits until they are), and
    :attr:`RunResult.signal` says which signal stopped the run.

    Parameters
    ----------
    options : TrainOptions
    callbacks : sequence of Callback, optional
    resume_from : path-like, optional
        A checkpoint of this run (same options) to continue from; see :func:`resume`.
    overwrite : bool, default False
        Accept an output folder that holds another run's files: they
        (``model.npz``, ``history.json``, ``summary.json``, ``curves.png``,
        ``checkpoint.npz``, nothing else) are removed when the training starts.

    Returns
    -------
    RunResult

    Raises
    ------
    ValueError, TypeError, FileNotFoundError
        For a bad option, missing data or an output folder that is taken,
        with a message that says what to do.
    ranvier._signals.Interrupted
        For a signal before the training started (nothing is written).
    """
    from .._signals import SignalGuard
    from ..runfolder import claim_run, run_identity

    _check(options)
    out = _check_out(options.out)
    with SignalGuard() as guard:
        run_id, own = run_identity(resume_from)
        folder = None if out is None else claim_run(out, own, run_id, overwrite)
        try:
            result = _run(options, folder, guard, run_id, callbacks, resume_from)
        except BaseException:
            if folder is not None:
                folder.release(failed=True)
            raise
        if folder is not None:
            folder.release()
    return result


def _run(options: TrainOptions, folder, guard, run_id: str, callbacks, resume_from) -> RunResult:
    """:func:`run` once its folder is claimed: data, model, training, files."""
    out = None if folder is None else folder.path
    data = load_data(options)
    model = build_model(options, data.n_features, data.n_classes)
    if out is not None:
        _check_space(out, model, options)
    steps_per_epoch = _steps_per_epoch(options, len(data.X_train))
    callbacks = list(callbacks) + _convenience_callbacks(options, resume_from is not None)
    if options.checkpoint_every:
        extra = {"options": options.to_dict(), "run_id": run_id}
        callbacks.append(Checkpoint(out / "checkpoint.npz", options.checkpoint_every, extra))
    trainer = Trainer(
        model, _optimizer(options), schedule=_schedule(options, steps_per_epoch),
        batch_size=options.batch_size, mode=options.mode, epochs=options.epochs, seed=options.seed,
        early_stopping=options.early_stopping, verbose=options.verbose, callbacks=callbacks,
        monitor=_monitor(options), restore_best=options.restore_best,
        augment=get_augment(options.augment, data.image_shape),
        clip_norm=options.clip_norm, class_weight=parse_class_weight(options.class_weight), threads=options.threads,
    )
    if resume_from is not None:
        trainer.load_checkpoint(resume_from)
    validation = None if data.X_val is None else (data.X_val, data.y_val)
    if folder is not None:
        folder.clear_previous()  # the run is sure to start: the files it replaces go now
    guard.defer = True  # from here on a signal waits until the files are written
    history = trainer.fit(data.X_train, data.y_train, validation_data=validation)
    signum = getattr(trainer, "stop_signal", None)
    if not all(all_finite(p) for p in model.params.values()):  # a backstop: the best parameters are finite
        raise ValueError(f"the trained parameters hold NaN or infinity ({history.stopped_reason}); no model "
                         "written: try a smaller --lr")
    summary = _summary(options, model, data, history, run_id)
    if out is not None:
        _write(out, model, data, history, summary)
    return RunResult(model=model, history=history, summary=summary, dataset=data, out=out,
                     signal=signum if signum is not None else guard.received)


def resume(checkpoint: str | os.PathLike, *, verbose: int | None = None, callbacks=(),
           overwrite: bool = False, epochs: int | None = None) -> RunResult:
    """Continue a run of :func:`run` from its ``checkpoint.npz``.

    The options are read from the checkpoint; the run ends with exactly the
    parameters an uninterrupted run would have (the data, the shuffling, the
    optimiser state and the schedule continue where they stopped).  The
    run's folder is the checkpoint's; a model of another run there is not
    replaced unless ``overwrite``.

    ``epochs`` continues a run (finished or not) up to this many epochs in
    all; it must be larger than the epochs the checkpoint has done.  The
    result equals a run of ``epochs`` epochs from the start bit for bit when
    nothing else depends on the number of epochs (all schedules but
    ``cosine``, whose horizon is the whole run) and when it was not stopped
    early.
    """
    from ..train.checkpoint import read_metadata

    meta = read_metadata(checkpoint)
    try:
        options = TrainOptions.from_dict(meta["extra"]["options"])
    except (KeyError, TypeError) as exc:
        raise ValueError(f"{checkpoint}: this checkpoint does not hold the options of a 'ranvier train' run ({exc})") from None
    if verbose is not None:
        options.verbose = verbose
    if epochs is not None:
        _more_epochs(options, epochs, meta, checkpoint)
    options.out = os.path.dirname(os.path.abspath(checkpoint))  # the run's folder, wherever we are
    return run(options, callbacks=callbacks, resume_from=checkpoint, overwrite=overwrite)

