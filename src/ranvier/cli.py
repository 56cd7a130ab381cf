"""The ``ranvier`` command line: a thin shell over the public API.

A user mistake (an unknown option, a bad value) prints one line on stderr and
exits with status 2; ``--debug`` shows the traceback instead.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from typing import Sequence

import numpy as np

from ._version import __version__
from . import _cli_types as T
from ._cli_base import (EXIT_BROKEN_PIPE, EXIT_FAILURE, EXIT_USAGE, UsageError, _debug_everywhere, _failure,
                        _flush_stdout, _one_line, _Parser, _say, _silence_stdout)
from ._text import printable

_int_list = T.int_list
_positive_float = T.positive_float
_non_negative_float = T.non_negative_float
_fraction = T.fraction
_positive_int = T.positive_int
_non_negative_int = T.non_negative_int


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``ranvier`` command."""
    parser = _Parser(
        prog="ranvier",
        description="Linear classifiers and neural networks trained by gradient descent.",
    )
    parser.add_argument("--version", action="version", version=f"ranvier {__version__}")
    parser.add_argument("--debug", action="store_true", help="show full tracebacks on errors")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    xor = sub.add_parser(
        "xor",
        help="the lecture's XOR example: a linear fit fails, a ReLU network learns it",
        description="Show the lecture's XOR example: the least-squares linear fit, the hand-set "
        "ReLU network, and a ReLU network trained from a random start by gradient descent.",
    )
    xor.add_argument("--hidden", type=_positive_int, default=16, help="hidden units (default 16)")
    xor.add_argument("--lr", type=_positive_float, default=0.1, help="learning rate (default 0.1)")
    xor.add_argument("--steps", type=_positive_int, default=1000, help="gradient steps (default 1000)")
    xor.add_argument("--loss", choices=("softmax", "svm", "squared"), default="softmax", help="loss (default softmax)")
    xor.add_argument("--seed", type=T.non_negative_int, default=0, help="seed of the initial weights (default 0)")
    xor.set_defaults(handler=_cmd_xor)

    _add_train_parser(sub)
    _add_model_parsers(sub)

    from .cli_sweep import add_parsers as add_sweep_parsers

    add_sweep_parsers(sub)

    gc = sub.add_parser(
        "gradcheck",
        help="check a network's backward pass against numerical gradients",
        description="Compare every parameter's analytic gradient with centred differences in float64, "
        "on random data: for a saved model (MODEL) or for a network built from --layers.",
    )
    gc.add_argument("model", metavar="MODEL", nargs="?", help="a model.npz to check (default: build one from --layers)")
    gc.add_argument("--layers", type=_int_list, default=(5, 8, 6, 3), help="layer sizes, e.g. 3072,100,10 (default 5,8,6,3)")
    gc.add_argument("--activation", default="tanh", help="hidden activation (default tanh)")
    gc.add_argument("--loss", choices=("softmax", "svm", "squared"), default="softmax", help="loss (default softmax)")
    gc.add_argument("--reg", type=_non_negative_float, default=1e-2, help="L2 strength (default 0.01)")
    gc.add_argument("--batch", type=_positive_int, default=7, help="examples of random data (default 7)")
    gc.add_argument("--num-checks", type=_positive_int, default=None, help="random coordinates per parameter (default: all)")
    gc.add_argument("--seed", type=T.non_negative_int, default=0, help="seed of weights and data (default 0)")
    gc.set_defaults(handler=_cmd_gradcheck)

    from .cli_plot import add_parsers as add_plot_parsers

    add_plot_parsers(sub, _Parser)

    from .playground.cli import add_parser as add_playground_parser

    add_playground_parser(sub)  # dispatch: its handler, ranvier.playground.cli.run
    _debug_everywhere(parser)
    return parser


def _add_train_parser(sub) -> None:

    tr = sub.add_parser(
        "train",
        help="train a linear classifier or an MLP on a data set and save it",
        description="Train a model on a data set with a progress bar; write model.npz, history.json, "
        "summary.json and curves.png to --out. Options may also come from a TOML file (--config); "
        "options on the command line win.",
        argument_default=None,
    )
    _add_run_options(tr)
    _add_convenience_options(tr)
    g = tr.add_argument_group("output")
    g.add_argument("--out", metavar="DIR", help="output folder (default runs/DATA-MODEL-TIME)")
    g.add_argument("--config", metavar="FILE.toml", help="read options from a TOML file (a regular file of at most 4 MiB)")
    g.add_argument("--checkpoint-every", type=_positive_int, metavar="E",
                   help="write DIR/checkpoint.npz every E epochs (atomically)")
    g.add_argument("--resume", metavar="CHECKPOINT", help="continue a killed run from its checkpoint.npz (its options are in it)")
    g.add_argument("--overwrite", action="store_true", default=None,
                   help="replace the files of another run in DIR (model.npz, history.json, summary.json, curves.png, "
                   "checkpoint.npz); without it such a folder is refused")
    g.add_argument("--quiet", action="store_true", default=None, help="no progress bar or report")
    tr.set_defaults(handler=_cmd_train)

    lf = sub.add_parser(
        "lr-find",
        help="the learning-rate range test: sweep the rate up until the loss explodes, suggest one",
        description="Train for a few hundred steps while the learning rate grows exponentially from "
        "--start-lr to --end-lr; record the loss, stop when it explodes, suggest the rate where the loss "
        "falls fastest (Smith, 2017). Takes the data and model options of 'ranvier train'.",
        argument_default=None,
    )
    _add_run_options(lf)
    g = lf.add_argument_group("range test")
    g.add_argument("--start-lr", type=_positive_float, default=1e-6, help="default 1e-6")
    g.add_argument("--end-lr", type=_positive_float, default=10.0, help="default 10")
    g.add_argument("--steps", type=_positive_int, default=200, help="the most steps (default 200)")
    g.add_argument("--out", metavar="DIR", help="write lr_find.json (and lr_find.png) here")
    g.add_argument("--overwrite", action="store_true", default=None, help="replace an earlier test's files in DIR")
    g.add_argument("--config", metavar="FILE.toml", help="read options from a TOML file (a regular file of at most 4 MiB)")
    lf.set_defaults(handler=_cmd_lr_find, quiet=None, resume=None)


def _add_run_options(tr) -> None:
    """The data, model and optimisation options shared by train, lr-find and sweep."""
    from .datasets import DATASETS

    g = tr.add_argument_group("data")
    g.add_argument("--data", metavar="NAME|FILE", help=f"data set: {', '.join(DATASETS)} (default digits), or a file of "
                   "one's own: FILE.csv, FILE.tsv, FILE.npz, X.npy (with --labels) or DIR/ of class folders")
    g.add_argument("--data-dir", metavar="PATH", help="folder of the data files (cifar10, mnist, fashion-mnist)")
    g.add_argument("--val-split", type=_fraction, metavar="F", help="fraction held out for validation (default 0.1)")
    g.add_argument("--preprocess", metavar="STEPS", help="e.g. scale+center, standardize, none (default: the data set's own)")
    g.add_argument("--n-train", type=_positive_int, metavar="N", help="train on a subset of N examples")
    g.add_argument("--augment", metavar="KINDS", help="none, flip (mirror a random half of each batch's images), translate[:P] (shift by up to P=4 pixels); join with +, e.g. flip+translate (default none)")
    from .cli_data import add_own_data_options

    add_own_data_options(tr)
    g = tr.add_argument_group("model")
    g.add_argument("--model", choices=("linear", "mlp"), help="default mlp")
    g.add_argument("--hidden", type=_int_list, metavar="H1,H2,...", help="hidden layer widths (default 100)")
    g.add_argument("--activation", metavar="NAME", help="relu, leaky_relu, sigmoid, tanh, identity, softplus, elu (default relu)")
    g.add_argument("--dropout", type=_fraction, metavar="P", help="dropout after each hidden activation (default 0)")
    g.add_argument("--batch-norm", action="store_true", default=None, help="batch normalisation before each hidden activation")
    g.add_argument("--layers", metavar="STACK", help='the whole network, e.g. "linear:500,batchnorm,relu,dropout:0.3,linear:10" '
                   "(replaces --model, --hidden, --activation, --dropout, --batch-norm)")
    g.add_argument("--loss", choices=("softmax", "svm", "squared"), help="default softmax")
    g.add_argument("--init", metavar="SCHEME", help="auto, he, xavier, gaussian (default auto)")
    g.add_argument("--reg", type=_non_negative_float, metavar="L", help="L2 strength: 0.5*L*sum||W||^2 (default 1e-4)")
    g = tr.add_argument_group("optimisation")
    g.add_argument("--optimizer", choices=("sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam", "adamw"), help="default momentum")
    g.add_argument("--lr", type=_positive_float, metavar="RATE", help="learning rate (default 0.2)")
    g.add_argument("--momentum", type=_fraction, metavar="MU", help="momentum of sgd/momentum/nesterov/rmsprop")
    g.add_argument("--weight-decay", type=_non_negative_float, metavar="WD", help="the optimiser's own weight decay")
    g.add_argument("--schedule", choices=("constant", "step", "exponential", "inverse-time", "cosine", "plateau"),
                   help="default constant; plateau: multiply the rate by --decay after --patience epochs without a "
                   "better --monitor value (torch's ReduceLROnPlateau)")
    g.add_argument("--decay", type=_positive_float, metavar="F", help="schedule factor per epoch (default 0.5)")
    g.add_argument("--decay-every", type=_positive_int, metavar="E", help="epochs between step decays (default 10)")
    g.add_argument("--warmup", type=_non_negative_int, metavar="E", help="warm-up epochs (default 0)")
    g.add_argument("--batch-size", type=_positive_int, metavar="K", help="examples per step (default 64)")
    g.add_argument("--mode", choices=("batch", "minibatch", "stochastic"), help="batch: all examples per step; stochastic: one")
    g.add_argument("--epochs", type=_positive_int, metavar="E", help="default 30")
    g.add_argument("--early-stopping", type=_positive_int, metavar="PATIENCE",
                   help="stop after PATIENCE epochs without a better --monitor value")
    g.add_argument("--monitor", choices=("val_loss", "val_accuracy", "loss", "accuracy"),
                   help="what the best epoch is, for early stopping and restoring (default val_loss)")
    g.add_argument("--restore-best", action=argparse.BooleanOptionalAction, default=None,
                   help="end with the parameters of the best epoch, not the last (default: on)")
    g.add_argument("--seed", type=T.non_negative_int, help="seed of the weights, the split and the shuffling (default 0)")
    g.add_argument("--dtype", choices=("float32", "float64"), help="precision of the model and the training (default float32)")


def _add_convenience_options(tr) -> None:
    """Issue 16's training conveniences of ``ranvier train`` (see ranvier/_train_extras.py)."""
    g = tr.add_argument_group("weights, clipping, plateau, logs, threads")
    g.add_argument("--class-weight", metavar="balanced|C:W,...",
                   help="weigh the classes: balanced (n / (classes * n_c), as scikit-learn) or pairs such as 0:1,1:5")
    g.add_argument("--clip-norm", type=_positive_float, metavar="N",
                   help="clip the gradients' global L2 norm to N before each step (as torch.nn.utils.clip_grad_norm does)")
    g.add_argument("--patience", type=_non_negative_int, metavar="E",
                   help="--schedule plateau: epochs without improvement before the rate is cut (default 10)")
    g.add_argument("--threads", type=_positive_int, metavar="N",
                   help="BLAS threads while training (default: leave BLAS as it is; 1 on a busy machine)")
    g.add_argument("--log-csv", metavar="FILE", help="write a CSV row per epoch (appended to on --resume)")
    g.add_argument("--tensorboard", metavar="DIR", help="write TensorBoard event files (needs tensorboardX)")


def _add_model_parsers(sub) -> None:
    from .cli_data import add_model_parsers

    add_model_parsers(sub)  # evaluate, predict, export
    info = sub.add_parser("info", help="describe a saved model", description="Print what a model file holds.")
    info.add_argument("model", metavar="MODEL", help="a model.npz written by 'ranvier train'")
    info.set_defaults(handler=_cmd_info)


def _cmd_train(args: argparse.Namespace) -> int:
    import warnings

    from ._signals import Interrupted, describe, exit_status
    from .minimize import DivergenceWarning

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
        accs = ", ".join(f"{k} {_pct(s[k + '_accuracy'])}" for k in ("train", "val", "test"))
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
    from .experiment import resume, run
    from .runfolder import unique_folder

    overwrite = bool(args.overwrite)
    if args.resume:
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
    options = _train_options(args, exclude=("overwrite",))
    made = []
    if options.out is None:  # a new folder, made atomically: runs started together never share one
        made = [] if os.path.isdir("runs") else ["runs"]
        made.insert(0, str(unique_folder("runs", f"{_data_stem(options.data)}-{options.model}-{time.strftime('%Y%m%d-%H%M%S')}")))
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


def _data_stem(data: str) -> str:
    """A run folder's name for the data: ``digits``, or ``iris`` for ``tables/iris.csv``."""
    from pathlib import Path

    from .datasets.own import is_own_data

    return (Path(data.rstrip("/\\")).stem or "data") if is_own_data(data) else data


def _cmd_lr_find(args: argparse.Namespace) -> int:
    from .experiment import find_lr
    from .runfolder import unique_folder

    ignored = [k for k in ("mode", "schedule", "decay", "decay_every", "warmup", "epochs", "early_stopping",
                           "monitor", "restore_best", "augment", "checkpoint_every") if getattr(args, k, None) is not None]
    if ignored:
        raise UsageError(f"lr-find sets the rate, the steps and the batches itself: --{ignored[0].replace('_', '-')} "
                         "is for 'ranvier train'")
    options = _train_options(args, exclude=("start_lr", "end_lr", "steps", "overwrite"))
    if options.out is None:  # the picture and the numbers are always written, as the README says
        options.out = str(unique_folder("runs", f"{_data_stem(options.data)}-lr-find-{time.strftime('%Y%m%d-%H%M%S')}"))
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


# the options of a range test that 'ranvier train' must repeat to train what was tested
_RANGE_TEST_OPTIONS = ("data_dir", "val_split", "preprocess", "n_train", "model", "hidden", "activation", "loss",
                       "init", "reg", "momentum", "weight_decay", "batch_size", "seed", "dtype",
                       "test_split", "target", "labels", "image_size", "color")


def _train_command(options, lr: float, config: str | None) -> str:
    """The 'ranvier train' command that trains the model of the range test at rate ``lr``:
    the data, the model, the batch size and every other option the test was run with."""
    import shlex

    from .experiment import TrainOptions

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


def _train_options(args: argparse.Namespace, exclude: tuple[str, ...] = ()):
    from .experiment import TrainOptions

    values: dict = {}
    if args.config:
        values.update(_read_config(args.config))
    given = {k: v for k, v in vars(args).items()
             if v is not None and k not in ("config", "handler", "command", "debug", "quiet", "resume", *exclude)}
    if "schedule" in given:
        given["schedule"] = given["schedule"].replace("-", "_")
    values.update(given)
    clash = sorted({"model", "hidden", "activation"} & set(values)) if values.get("layers") is not None else []
    if clash:
        raise UsageError(f"--layers gives the whole network; drop --{', --'.join(clash)} (or drop --layers)")
    if args.quiet:
        values["verbose"] = 0
    try:
        return TrainOptions.from_dict(values)
    except (TypeError, ValueError) as exc:
        raise UsageError(str(exc)) from None


def _read_config(path: str) -> dict:
    """The options of a TOML file: its ``[train]`` table, or the whole file.

    Only a regular file of at most 4 MiB is read, nested at most 64 deep
    (see :mod:`ranvier._userfile`).
    """
    from ._userfile import load_toml

    try:
        data = load_toml(path, "--config")
    except (ValueError, FileNotFoundError, PermissionError) as exc:
        raise UsageError(_one_line(exc)) from None
    options = data.get("train", data)
    if not isinstance(options, dict):
        raise UsageError(f"--config: {path}: 'train' must be a table of options ([train]), "
                         f"got {type(options).__name__}")
    return options


def _pct(value) -> str:
    return "n/a" if value is None else f"{100 * value:.2f}%"


def _load_saved(path: str):
    from .io import load_model

    return load_model(path)


def _read_npy_inputs(path: str) -> np.ndarray:
    """A ``.npy`` of real numbers, its header checked before anything is allocated (no pickle)."""
    from ._arrayfile import ArrayFileError, read_npy

    try:
        return read_npy(path)
    except ArrayFileError as exc:
        raise UsageError(f"{path}: not a readable .npy file of numbers ({exc})") from None


def _read_image(path: str, shape: tuple[int, ...], sizes: list | None = None) -> np.ndarray:
    """One image file as a flat float32 row of ``shape`` (resized); its own (height, width) appended to ``sizes``."""
    import warnings

    try:
        from PIL import Image
    except ImportError:
        raise UsageError("reading image files needs Pillow: pip install pillow") from None
    from ._arrayfile import format_bytes

    limit = Image.MAX_IMAGE_PIXELS or 89_478_485
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path) as img:
                width, height = img.size
                if sizes is not None:
                    sizes.append((height, width))
                if width * height > limit:  # checked before the pixels are decoded
                    raise UsageError(
                        f"{path}: the image is {width}x{height} pixels ({width * height / 1e6:.0f} Mpx), over the "
                        f"limit of {limit / 1e6:.0f} Mpx; decoding it would need {format_bytes(width * height * 4)}"
                        f" (a decompression bomb?)")
                img = img.convert("RGB" if len(shape) == 3 else "L")  # resized as the training read images:
                img = img.resize((shape[1], shape[0]), Image.Resampling.BILINEAR)
                arr = np.asarray(img, dtype=np.float32)
    except UsageError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise UsageError(f"{path}: the image is too large to decode safely ({exc})") from None
    except Exception as exc:  # noqa: BLE001  a decoder of untrusted bytes: any failure means "not an image"
        raise UsageError(f"{path}: not a readable image ({type(exc).__name__}: {exc})") from None
    return arr.reshape(-1)


def _cmd_info(args: argparse.Namespace) -> int:
    saved = _load_saved(args.model)
    model, meta, s = saved.model, saved.metadata, saved.summary
    print(f"{printable(args.model)}: ranvier model file, format version {printable(meta['format_version'])}, "
          f"written by ranvier {printable(meta.get('ranvier_version'))}")
    print(f"  model: {printable(repr(model))}")
    print(f"  parameters: {model.num_params:,} ({', '.join(f'{k} {v.shape}' for k, v in model.params.items())})")
    print("  " + model.summary().replace("\n", "\n  "))
    if saved.class_names:
        print(f"  classes: {', '.join(map(printable, saved.class_names))}")
    if saved.feature_names:
        shown = ", ".join(map(printable, saved.feature_names[:20]))
        print(f"  features: {shown}{f' ... ({len(saved.feature_names)} in all)' if len(saved.feature_names) > 20 else ''}")
    if saved.image_shape:
        print(f"  input images: {'x'.join(map(str, saved.image_shape))}")
    steps = (meta.get("preprocessing") or {}).get("steps") or []
    print(f"  preprocessing: {printable('+'.join(map(str, steps))) or 'none'}")
    if s:
        print(f"  trained on {printable(s.get('data'))}: {printable(s.get('epochs'))} epochs, {s.get('seconds', 0):.1f} s, "
              f"seed {printable(s.get('seed'))}")
        print(f"  accuracy: train {_pct(s.get('train_accuracy'))}, val {_pct(s.get('val_accuracy'))}, test {_pct(s.get('test_accuracy'))}")
    return 0


def _cmd_xor(args: argparse.Namespace) -> int:
    from .xor import hand_network, least_squares_fit, train_xor, xor_data

    X, y = xor_data()
    print("XOR: x = (0,0) (0,1) (1,0) (1,1), y = 0 1 1 0\n")
    w, b = least_squares_fit()
    w = np.round(w, 12) + 0.0  # print rounding noise such as -1e-16 as 0
    print("1. Least-squares linear fit g(x) = w.x + b:")
    print(f"   w = [{w[0]:.6f}, {w[1]:.6f}], b = {b:.6f}: it outputs {b:.2f} for every x,")
    print("   so no linear model separates XOR.\n")
    net = hand_network()
    out = net.scores(X).ravel()
    print("2. The lecture's hand-set ReLU network g(x) = w.max(0, W x + c) + b,")
    print("   W = [[1,1],[1,1]], c = [0,-1], w = [1,-2], b = 0:")
    print(f"   outputs {' '.join(f'{v:g}' for v in out)}: exactly XOR.\n")
    result = train_xor(args.hidden, seed=args.seed, lr=args.lr, steps=args.steps, loss=args.loss)
    run = result.run
    print(f"3. A 2-{args.hidden}-2 ReLU network trained by gradient descent ({args.loss} loss, "
          f"lr {args.lr:g}, seed {args.seed}):")
    print(f"   loss {run.costs[0]:.4f} at the start, {run.costs[-1]:.4f} after {run.n_iters} steps ({run.message})")
    print(f"   predictions {' '.join(str(p) for p in result.predictions)}: "
          f"{int((result.predictions == y).sum())}/4 correct")
    hidden = result.model.hidden_outputs(X)[0]
    active = np.flatnonzero(hidden.max(axis=0) > 0)
    print(f"   {len(active)} of {args.hidden} hidden units are active on some input; their features:")
    for i, x in enumerate(X.astype(int)):
        feats = " ".join(f"{v:5.2f}" for v in hidden[i, active[:6]])
        more = " ..." if len(active) > 6 else ""
        print(f"     x = ({x[0]},{x[1]}): h = [{feats}{more}]")
    return 0 if result.solved else 1


def _cmd_gradcheck(args: argparse.Namespace) -> int:
    from .nn.gradcheck import gradcheck
    from .nn.mlp import MLP

    if args.model is not None:
        net = _load_saved(args.model).model
        if args.num_checks is None and net.num_params > 20_000:
            args.num_checks = 20  # every coordinate of a big model would take minutes
    else:
        if len(args.layers) < 2:
            raise UsageError("--layers needs at least the input and output sizes, e.g. 4,3")
        try:
            net = MLP(args.layers, activation=args.activation, loss=args.loss, reg=args.reg,
                      seed=args.seed, dtype=np.float64)
        except ValueError as exc:
            raise UsageError(str(exc)) from None
    rng = np.random.default_rng(args.seed)
    X = rng.normal(size=(args.batch, net.n_features))
    y = rng.integers(0, net.n_outputs, size=args.batch)
    result = gradcheck(net, X, y, num_checks=args.num_checks, seed=args.seed)
    where = "every coordinate" if args.num_checks is None else f"{args.num_checks} random coordinates per parameter"
    print(f"gradcheck of {net!r} on {args.batch} random examples (float64, centred differences, h=1e-5, {where})")
    print(result)
    if result.ok:
        print(f"OK: the backward pass matches (every relative error under {result.tol:g})")
        return 0
    print(f"MISMATCH: the backward pass disagrees ({', '.join(result.mismatched)}: relative error {result.tol:g} "
          "or more)")
    return 1


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``ranvier`` command; returns the exit status.

    Every error is one line on stderr: 2 for a mistake in what was asked
    (an option, an input file), 1 for a run that failed or an unexpected
    error (a bug; ``--debug``, before or after the command, shows its
    traceback), 130 after Ctrl-C, 141 (quietly) when the reader of the
    output went away (``ranvier ... | head``).
    """
    parser = build_parser()
    argv = list(sys.argv[1:] if argv is None else argv)
    parser.argv = argv  # for "did you mean" hints
    debug = "--debug" in argv
    try:
        try:
            args = parser.parse_args(argv)
            debug = args.debug
            if args.command is None:
                parser.print_help()
                status = EXIT_USAGE
            else:
                status = args.handler(args)
            _flush_stdout()
            return status
        except SystemExit:  # --help, --version: flush while the pipe can still be reported
            _flush_stdout()
            raise
    except BrokenPipeError:
        _silence_stdout()
        return EXIT_BROKEN_PIPE
    except KeyboardInterrupt:
        _say("ranvier: interrupted")
        return 130
    except Exception as exc:
        if debug:
            raise
        line, status = _failure(exc)
        _say(f"ranvier: error: {line}")
        return status


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
