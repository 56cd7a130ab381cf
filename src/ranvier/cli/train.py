"""``ranvier train``: train a linear classifier or an MLP on a data set and save it.

A thin shell over :func:`ranvier.experiment.run` (and :func:`~ranvier.experiment.resume`
for ``--resume``): it writes ``model.npz``, ``history.json``, ``summary.json`` and
``curves.png`` to ``--out`` (by default a new folder under ``runs/``).
"""

from __future__ import annotations

import argparse
import os
import sys
import time

from . import _types as T
from ._errors import EXIT_FAILURE, UsageError
from ._options import add_run_options, data_stem, train_options
from ._output import pct

__all__ = ["add_parser"]


def add_parser(sub) -> None:
    """Add ``train`` to the sub-command set ``sub`` of the ``ranvier`` parser."""
    tr = sub.add_parser(
        "train",
        help="train a linear classifier or an MLP on a data set and save it",
        description="Train a model on a data set with a progress bar; write model.npz, history.json, "
        "summary.json and curves.png to --out. Options may also come from a TOML file (--config); "
        "options on the command line win.",
        argument_default=None,
    )
    add_run_options(tr)
    _add_convenience_options(tr)
    g = tr.add_argument_group("output")
    g.add_argument("--out", metavar="DIR", help="output folder (default runs/DATA-MODEL-TIME)")
    g.add_argument("--config", metavar="FILE.toml", help="read options from a TOML file (a regular file of at most 4 MiB)")
    g.add_argument("--checkpoint-every", type=T.positive_int, metavar="E",
                   help="write DIR/checkpoint.npz every E epochs (atomically)")
    g.add_argument("--resume", metavar="CHECKPOINT", help="continue a killed run from its checkpoint.npz (its options are in it)")
    g.add_argument("--overwrite", action="store_true", default=None,
                   help="replace the files of another run in DIR (model.npz, history.json, summary.json, curves.png, "
                   "checkpoint.npz); without it such a folder is refused")
    g.add_argument("--quiet", action="store_true", default=None, help="no progress bar or report")
    tr.set_defaults(handler=_cmd_train)


def _add_convenience_options(tr) -> None:
    """Issue 16's training conveniences of ``ranvier train`` (see ranvier/experiment/conveniences.py)."""
    g = tr.add_argument_group("weights, clipping, plateau, logs, threads")
    g.add_argument("--class-weight", metavar="balanced|C:W,...",
                   help="weigh the classes: balanced (n / (classes * n_c), as scikit-learn) or pairs such as 0:1,1:5")
    g.add_argument("--clip-norm", type=T.positive_float, metavar="N",
                   help="clip the gradients' global L2 norm to N before each step (as torch.nn.utils.clip_grad_norm does)")
    g.add_argument("--patience", type=T.non_negative_int, metavar="E",
                   help="--schedule plateau: epochs without improvement before the rate is cut (default 10)")
    g.add_argument("--threads", type=T.positive_int, metavar="N",
                   help="BLAS threads while training (default: leave BLAS as it is; 1 on a busy machine)")
    g.add_argument("--log-csv", metavar="FILE", help="write a CSV row per epoch (appended to on --resume)")
    g.add_argument("--tensorboard", metavar="DIR", help="write TensorBoard event files (needs tensorboardX)")


def _cmd_train(args: argparse.Namespace) -> int:
    import warnings

    from .._signals import Interrupted, describe, exit_status
    from ..descent.recorder import DivergenceWarning

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DivergenceWarning)  # said below, in one line
            result, options = _train_or_resume(args)
    except Interrupted as exc:  # before the training started: nothing was written
        print(f"ranvier: interrupted ({describe(exc.signum)}) before training; nothing written", file=sys.stderr)
        return exit_status(exc.signum)
    if options["verbose"]:
        s = result.summary
        print(result.dataset.summary())
        print(f"model: {s['model']}, {s['num_params']:,} parameters")
        accs = ", ".join(f"{k} {pct(s[k + '_accuracy'])}" for k in ("train", "val", "test"))
        print(f"accuracy: {accs}")
        print(f"{s['epochs']} epochs in {s['seconds']:.1f} s: {s['stopped_reason']}")
        print(f"wrote {result.out}/model.npz, history.json, summary.json, curves.png")
    if result.signal is not None:
        print(f"ranvier: interrupted ({describe(result.signal)}); the best model so far is in {result.out}", file=sys.stderr)
        return exit_status(result.signal)
    if result.history.diverged:
        print(f"ranvier: error: {result.history.stopped_reason}; wrote {result.out}", file=sys.stderr)
        return EXIT_FAILURE
    return 0


def _train_or_resume(args: argparse.Namespace):
    """``ranvier train``'s run, or ``--resume``'s: ``(RunResult, options as a dict)``."""
    from ..experiment import run
    from ..runfolder import unique_folder

    overwrite = bool(args.overwrite)
    if args.resume:
        return _resume(args, overwrite)
    options = train_options(args, exclude=("overwrite",))
    made = []
    if options.out is None:  # a new folder, made atomically: runs started together never share one
        made = [] if os.path.isdir("runs") else ["runs"]
        made.insert(0, str(unique_folder("runs", f"{data_stem(options.data)}-{options.model}-{time.strftime('%Y%m%d-%H%M%S')}")))
        options.out = made[0]
    try:
        result = run(options, overwrite=overwrite)
    except BaseException:
        for folder in made:  # the run failed before writing anything: leave no empty folder
            try:
                os.rmdir(folder)
            except OSError:
                break
        raise
    return result, options.to_dict()


def _resume(args: argparse.Namespace, overwrite: bool):
    """``--resume CHECKPOINT``'s run: ``(RunResult, options as a dict)``."""
    from ..experiment import resume

    others = [k for k, v in vars(args).items()
              if v is not None and k not in ("resume", "quiet", "handler", "command", "debug", "overwrite", "epochs")]
    if others:
        raise UsageError(f"--resume takes no other options but --epochs (the run's options are in the "
                         f"checkpoint), got --{others[0].replace('_', '-')}")
    try:
        result = resume(args.resume, verbose=0 if args.quiet else None, overwrite=overwrite, epochs=args.epochs)
    except ValueError as exc:
        if "--epochs gives the new total" in str(exc):
            raise UsageError(str(exc)) from None
        raise
    return result, result.summary["options"]
