"""The options of a training run, shared by ``train``, ``lr-find`` and ``sweep``.

:func:`add_run_options` adds the data, model and optimisation options to a
command's parser; :func:`train_options` reads them (and a ``--config`` TOML
file, which the command line overrides) into a
:class:`~ranvier.experiment.TrainOptions`; :func:`data_stem` names a run
folder after its data.
"""

from __future__ import annotations

import argparse

from . import _types as T
from ._errors import UsageError, _one_line

__all__ = ["add_own_data_options", "add_run_options", "data_stem", "read_config", "train_options"]


def add_run_options(tr) -> None:
    """The data, model and optimisation options shared by train, lr-find and sweep."""
    _add_data_options(tr)
    add_own_data_options(tr)
    _add_model_options(tr)
    _add_optimisation_options(tr)


def _add_data_options(tr) -> None:
    from ..datasets import DATASETS

    g = tr.add_argument_group("data")
    g.add_argument("--data", metavar="NAME|FILE", help=f"data set: {', '.join(DATASETS)} (default digits), or a file of "
                   "one's own: FILE.csv, FILE.tsv, FILE.npz, X.npy (with --labels) or DIR/ of class folders")
    g.add_argument("--data-dir", metavar="PATH", help="folder of the data files (cifar10, mnist, fashion-mnist)")
    g.add_argument("--val-split", type=T.fraction, metavar="F", help="fraction held out for validation (default 0.1)")
    g.add_argument("--preprocess", metavar="STEPS", help="e.g. scale+center, standardize, none (default: the data set's own)")
    g.add_argument("--n-train", type=T.positive_int, metavar="N", help="train on a subset of N examples")
    g.add_argument("--augment", metavar="KINDS", help="none, flip (mirror a random half of each batch's images), translate[:P] (shift by up to P=4 pixels); join with +, e.g. flip+translate (default none)")


def add_own_data_options(parser) -> None:
    """``--labels``, ``--target``, ``--test-split``, ``--image-size``, ``--color`` (train, lr-find, sweep)."""
    g = parser.add_argument_group("data of one's own (--data FILE.csv|.tsv|.npz|X.npy or DIR/)")
    g.add_argument("--labels", metavar="Y.npy", help="the labels of --data X.npy")
    g.add_argument("--target", metavar="COLUMN", help="the label column of a CSV/TSV table (default the last)")
    g.add_argument("--test-split", type=T.fraction, metavar="F",
                   help="fraction drawn from the file as the test set (default 0.2; none when the .npz has X_test)")
    g.add_argument("--image-size", metavar="HxW", help="resize the images of a folder to HxW (default the most common size)")
    g.add_argument("--color", choices=("rgb", "grey"), help="images of a folder in colour or grey (default: rgb if any has colour)")


def _add_model_options(tr) -> None:
    g = tr.add_argument_group("model")
    g.add_argument("--model", choices=("linear", "mlp"), help="default mlp")
    g.add_argument("--hidden", type=T.int_list, metavar="H1,H2,...", help="hidden layer widths (default 100)")
    g.add_argument("--activation", metavar="NAME", help="relu, leaky_relu, sigmoid, tanh, identity, softplus, elu (default relu)")
    g.add_argument("--dropout", type=T.fraction, metavar="P", help="dropout after each hidden activation (default 0)")
    g.add_argument("--batch-norm", action="store_true", default=None, help="batch normalisation before each hidden activation")
    g.add_argument("--layers", metavar="STACK", help='the whole network, e.g. "linear:500,batchnorm,relu,dropout:0.3,linear:10" '
                   "(replaces --model, --hidden, --activation, --dropout, --batch-norm)")
    g.add_argument("--loss", choices=("softmax", "svm", "squared"), help="default softmax")
    g.add_argument("--init", metavar="SCHEME", help="auto, he, xavier, gaussian (default auto)")
    g.add_argument("--reg", type=T.non_negative_float, metavar="L", help="L2 strength: 0.5*L*sum||W||^2 (default 1e-4)")


def _add_optimisation_options(tr) -> None:
    g = tr.add_argument_group("optimisation")
    g.add_argument("--optimizer", choices=("sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam", "adamw"), help="default momentum")
    g.add_argument("--lr", type=T.positive_float, metavar="RATE", help="learning rate (default 0.2)")
    g.add_argument("--momentum", type=T.fraction, metavar="MU", help="momentum of sgd/momentum/nesterov/rmsprop")
    g.add_argument("--weight-decay", type=T.non_negative_float, metavar="WD", help="the optimiser's own weight decay")
    g.add_argument("--schedule", choices=("constant", "step", "exponential", "inverse-time", "cosine", "plateau"),
                   help="default constant; plateau: multiply the rate by --decay after --patience epochs without a "
                   "better --monitor value (torch's ReduceLROnPlateau)")
    g.add_argument("--decay", type=T.positive_float, metavar="F", help="schedule factor per epoch (default 0.5)")
    g.add_argument("--decay-every", type=T.positive_int, metavar="E", help="epochs between step decays (default 10)")
    g.add_argument("--warmup", type=T.non_negative_int, metavar="E", help="warm-up epochs (default 0)")
    g.add_argument("--batch-size", type=T.positive_int, metavar="K", help="examples per step (default 64)")
    g.add_argument("--mode", choices=("batch", "minibatch", "stochastic"), help="batch: all examples per step; stochastic: one")
    g.add_argument("--epochs", type=T.positive_int, metavar="E", help="default 30")
    g.add_argument("--early-stopping", type=T.positive_int, metavar="PATIENCE",
                   help="stop after PATIENCE epochs without a better --monitor value")
    g.add_argument("--monitor", choices=("val_loss", "val_accuracy", "loss", "accuracy"),
                   help="what the best epoch is, for early stopping and restoring (default val_loss)")
    g.add_argument("--restore-best", action=argparse.BooleanOptionalAction, default=None,
                   help="end with the parameters of the best epoch, not the last (default: on)")
    g.add_argument("--seed", type=T.non_negative_int, help="seed of the weights, the split and the shuffling (default 0)")
    g.add_argument("--dtype", choices=("float32", "float64"), help="precision of the model and the training (default float32)")


def train_options(args: argparse.Namespace, exclude: tuple[str, ...] = ()):
    """The :class:`~ranvier.experiment.TrainOptions` of ``args``: ``--config``'s, then the command line's."""
    from ..experiment import TrainOptions

    values: dict = {}
    if args.config:
        values.update(read_config(args.config))
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


def read_config(path: str) -> dict:
    """The options of a TOML file: its ``[train]`` table, or the whole file.

    Only a regular file of at most 4 MiB is read, nested at most 64 deep
    (see :mod:`ranvier._userfile`).
    """
    from .._userfile import load_toml

    try:
        data = load_toml(path, "--config")
    except (ValueError, FileNotFoundError, PermissionError) as exc:
        raise UsageError(_one_line(exc)) from None
    options = data.get("train", data)
    if not isinstance(options, dict):
        raise UsageError(f"--config: {path}: 'train' must be a table of options ([train]), "
                         f"got {type(options).__name__}")
    return options


def data_stem(data: str) -> str:
    """A run folder's name for the data: ``digits``, or ``iris`` for ``tables/iris.csv``."""
    from pathlib import Path

    from ..datasets.own import is_own_data

    return (Path(data.rstrip("/\\")).stem or "data") if is_own_data(data) else data
