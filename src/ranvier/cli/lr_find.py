"""``ranvier lr-find``: the learning-rate range test (Smith, 2017) on the model of ``ranvier train``.

A thin shell over :func:`ranvier.experiment.find_lr`: it prints the loss at a
dozen rates, the suggested rate, and the ``ranvier train`` command that trains
the tested model at that rate; writes ``lr_find.json`` and ``lr_find.png``.
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np

from . import _types as T
from ._errors import UsageError
from ._options import add_run_options, data_stem, train_options

__all__ = ["add_parser"]

# the options of a range test that 'ranvier train' must repeat to train what was tested
_RANGE_TEST_OPTIONS = ("data_dir", "val_split", "preprocess", "n_train", "model", "hidden", "activation", "loss",
                       "init", "reg", "momentum", "weight_decay", "batch_size", "seed", "dtype",
                       "test_split", "target", "labels", "image_size", "color")


def add_parser(sub) -> None:
    """Add ``lr-find`` to the sub-command set ``sub`` of the ``ranvier`` parser."""
    lf = sub.add_parser(
        "lr-find",
        help="the learning-rate range test: sweep the rate up until the loss explodes, suggest one",
        description="Train for a few hundred steps while the learning rate grows exponentially from "
        "--start-lr to --end-lr; record the loss, stop when it explodes, suggest the rate where the loss "
        "falls fastest (Smith, 2017). Takes the data and model options of 'ranvier train'.",
        argument_default=None,
    )
    add_run_options(lf)
    g = lf.add_argument_group("range test")
    g.add_argument("--start-lr", type=T.positive_float, default=1e-6, help="default 1e-6")
    g.add_argument("--end-lr", type=T.positive_float, default=10.0, help="default 10")
    g.add_argument("--steps", type=T.positive_int, default=200, help="the most steps (default 200)")
    g.add_argument("--out", metavar="DIR", help="write lr_find.json (and lr_find.png) here")
    g.add_argument("--overwrite", action="store_true", default=None, help="replace an earlier test's files in DIR")
    g.add_argument("--config", metavar="FILE.toml", help="read options from a TOML file (a regular file of at most 4 MiB)")
    lf.set_defaults(handler=_cmd_lr_find, quiet=None, resume=None)


def _cmd_lr_find(args: argparse.Namespace) -> int:
    from ..experiment import find_lr
    from ..runfolder import unique_folder

    ignored = [k for k in ("mode", "schedule", "decay", "decay_every", "warmup", "epochs", "early_stopping",
                           "monitor", "restore_best", "augment", "checkpoint_every") if getattr(args, k, None) is not None]
    if ignored:
        raise UsageError(f"lr-find sets the rate, the steps and the batches itself: --{ignored[0].replace('_', '-')} "
                         "is for 'ranvier train'")
    options = train_options(args, exclude=("start_lr", "end_lr", "steps", "overwrite"))
    if options.out is None:  # the picture and the numbers are always written, as the README says
        options.out = str(unique_folder("runs", f"{data_stem(options.data)}-lr-find-{time.strftime('%Y%m%d-%H%M%S')}"))
    result = find_lr(options, start_lr=args.start_lr, end_lr=args.end_lr, steps=args.steps,
                     overwrite=bool(args.overwrite))
    print(f"learning-rate range test: {len(result.lrs)} steps from {result.lrs[0]:.3g} to {result.lrs[-1]:.3g} "
          f"({options.optimizer}, batch {options.batch_size}); {result.stopped_reason}")
    marks = np.unique(np.linspace(0, len(result.lrs) - 1, 12).astype(int))
    print(f"  {'lr':>10}  {'loss':>8}  {'smoothed':>8}")
    for i in marks:
        print(f"  {result.lrs[i]:>10.3g}  {result.losses[i]:>8.4f}  {result.smoothed[i]:>8.4f}")
    print(f"suggested learning rate: {result.suggestion:.3g} (between the steepest descent of the loss, at "
          f"{result.steepest_lr:.3g}, and its lowest point, at {result.min_loss_lr:.3g})")
    print(f"  try: {_train_command(options, result.suggestion, args.config)}")
    print(f"wrote {os.path.join(options.out, 'lr_find.json')}, {os.path.join(options.out, 'lr_find.png')}")
    return 0


def _train_command(options, lr: float, config: str | None) -> str:
    """The 'ranvier train' command that trains the model of the range test at rate ``lr``:
    the data, the model, the batch size and every other option the test was run with."""
    import shlex

    from ..experiment import TrainOptions

    defaults = TrainOptions()
    words = ["ranvier", "train", *(["--config", config] if config else []), "--data", options.data]
    for name in _RANGE_TEST_OPTIONS:
        value = getattr(options, name)
        if value is None or value == getattr(defaults, name):
            continue
        if options.model == "linear" and name in ("hidden", "activation"):
            continue
        text = ",".join(map(str, value)) if isinstance(value, (tuple, list)) else str(value)
        words += [f"--{name.replace('_', '-')}", text]
    words += ["--optimizer", options.optimizer, "--lr", f"{lr:.3g}"]
    return " ".join(shlex.quote(w) for w in words)
