"""The picture commands of ``ranvier``: ``optimize`` and ``plot KIND``.

``ranvier optimize`` runs optimisers on a 2-D test function and draws their
paths (and, if asked, the animation and the cost curves); ``ranvier plot``
draws ``history``, ``templates``, ``boundary``, ``activations`` and
``confusion`` from the files ``ranvier train`` writes.  :func:`add_parsers`
adds both to the ``ranvier`` parser; matplotlib is imported only when a
handler draws.
"""

from __future__ import annotations

import argparse
import os

import numpy as np

from . import _types as T
from ._errors import UsageError

__all__ = ["add_parsers"]


# ------------------------------------------------------------ value types
_number = T.number
_positive_float = T.positive_float
_non_negative_float = T.non_negative_float
_int_at_least = T.int_at_least


def _rate_list(text: str) -> tuple[float, ...]:
    parts = [p.strip() for p in text.split(",") if p.strip()]
    if not parts:
        raise argparse.ArgumentTypeError(f"expected learning rates such as 0.01 or 0.001,0.01,0.1, got {text!r}")
    return tuple(_positive_float(p) for p in parts)


def _point(text: str) -> tuple[float, float]:
    parts = text.split(",")
    if len(parts) != 2:
        raise argparse.ArgumentTypeError(f"expected a point x,y such as 1,2 (write --start=-1.5,2 when x < 0), "
                                         f"got {text!r}")
    return (_number(parts[0]), _number(parts[1]))


def _shape(text: str) -> tuple[int, ...]:
    try:
        shape = tuple(int(T.whole_number(p)) for p in text.lower().replace("x", ",").split(",") if p.strip())
    except argparse.ArgumentTypeError:
        raise argparse.ArgumentTypeError(f"expected an image shape such as 28x28 or 32x32x3, got {text!r}") from None
    if len(shape) not in (2, 3) or min(shape) < 1:
        raise argparse.ArgumentTypeError(f"expected an image shape such as 28x28 or 32x32x3, got {text!r}")
    return shape


def _dpi(text: str) -> float:
    value = _number(text)
    if not 10 <= value <= 1000:
        raise argparse.ArgumentTypeError(f"expected a number of pixels per inch in [10, 1000], got {text!r}")
    return value


def _names(text: str) -> list[str]:
    return [p.strip() for p in text.split(",") if p.strip()]


# ---------------------------------------------------------------- parsers
def add_parsers(sub, parser_class: type | None = None) -> None:
    """Add ``optimize`` and ``plot`` to the sub-command set ``sub`` of the ``ranvier`` parser.

    ``parser_class`` builds the parsers of ``plot``'s own sub-commands
    (``ranvier.cli._parser._Parser`` makes their errors one line); default that of ``sub``.
    """
    _add_optimize(sub)
    _add_plot(sub, parser_class)


def _output_options(p: argparse.ArgumentParser, default: str, dpi: float = 100) -> None:
    p.add_argument("--out", metavar="FILE", default=default, help=f"picture to write: .png, .pdf, .svg (default {default})")
    p.add_argument("--title", help="title of the picture")
    p.add_argument("--dpi", type=_dpi, default=dpi, help=f"pixels per inch (default {dpi:g})")


def _add_optimize(sub) -> None:
    from ..descent.functions import OBJECTIVES
    from ..descent.paths import PATH_OPTIMIZERS

    op = sub.add_parser(
        "optimize",
        help="draw optimiser paths on a 2-D test function; animate them, compare learning rates",
        description="Run optimisers from one start on a 2-D test function and draw their paths over its contours "
        "('gd' is the lecture's gd() recorder, the others the optimisers of 'ranvier train'). Several "
        "optimizers, or one optimizer at several learning rates, give one path each. Examples: "
        "'ranvier optimize --function rosenbrock --optimizer gd,momentum,adam --animate paths.gif'; "
        "'ranvier optimize --function bowl --optimizer gd --lr 0.01,0.1,0.19,0.21 --costs costs.png'.",
    )
    op.add_argument("--function", default="rosenbrock", metavar="NAME",
                    help=f"{', '.join(OBJECTIVES)} (default rosenbrock)")
    op.add_argument("--optimizer", default="gd", metavar="NAMES",
                    help=f"comma-separated, from {', '.join(PATH_OPTIMIZERS)} (default gd)")
    op.add_argument("--lr", type=_rate_list, metavar="RATES",
                    help="one learning rate, or one per optimizer; with one optimizer, several rates draw one path "
                    "each (default: a rate that suits the function and the optimizer)")
    op.add_argument("--steps", type=_int_at_least(1), default=300, help="most steps per run (default 300)")
    op.add_argument("--start", type=_point, metavar="X,Y",
                    help="starting point (default: the function's classic start); write --start=-1.5,2 when x < 0")
    op.add_argument("--tol", type=_non_negative_float, default=1e-6,
                    help="stop a run when a step is shorter than this (default 1e-6; 0: never)")
    _output_options(op, "paths.png")
    op.add_argument("--surface", action="store_true", help="draw the 3-D surface beside the contours")
    op.add_argument("--arrows", action="store_true", help="draw the direction of steepest descent on a grid")
    op.add_argument("--animate", metavar="FILE", help="also write the animation: .gif, or .mp4 when ffmpeg is installed")
    op.add_argument("--frames", type=_int_at_least(2), default=40,
                    help="frames of the animation, evenly spread over the iterations (default 40)")
    op.add_argument("--fps", type=_positive_float, default=10, help="frames per second of the animation (default 10)")
    op.add_argument("--costs", metavar="FILE", help="also draw cost against iteration for every run")
    op.set_defaults(handler=_cmd_optimize)


def _add_plot(sub, parser_class) -> None:
    pl = sub.add_parser(
        "plot",
        help="draw training curves, templates, decision boundaries, activations or a confusion matrix",
        description="Draw a picture from the files 'ranvier train' writes: history (training curves), templates "
        "(rows of W as images), boundary (decision regions of a 2-D model beside its hidden units), "
        "activations, confusion (confusion matrix). 'ranvier plot KIND --help' shows each one's options.",
    )
    kinds = pl.add_subparsers(dest="plot_kind", metavar="KIND", parser_class=parser_class or type(pl), required=True)
    _add_history(kinds)
    _add_templates(kinds)
    _add_boundary(kinds)
    _add_activations(kinds)
    _add_confusion(kinds)


def _add_history(kinds) -> None:
    h = kinds.add_parser("history", help="loss per step and accuracy per epoch from a history.json",
                         description="Training curves: the loss of every step (raw and smoothed) with the validation "
                         "loss, and the training and validation accuracy per epoch.")
    h.add_argument("history", metavar="HISTORY", help="a history.json written by 'ranvier train' (or its folder)")
    _output_options(h, "history.png")
    h.set_defaults(handler=_cmd_history)


def _add_templates(kinds) -> None:
    t = kinds.add_parser("templates", help="rows of the first weight matrix as images, with class names",
                         description="Learned templates: each row of a linear classifier's W (one per class) or of "
                         "an MLP's W1 (one per first-layer unit) as an image, each scaled to [0, 1] on its own.")
    t.add_argument("model", metavar="MODEL", help="a model.npz written by 'ranvier train'")
    t.add_argument("--max", type=_int_at_least(1), default=64, dest="max_templates",
                   help="show at most this many templates (default 64)")
    t.add_argument("--cols", type=_int_at_least(1), help="templates per row")
    t.add_argument("--image-shape", type=_shape, metavar="HxW[xC]",
                   help="shape of one input image, e.g. 32x32x3 (default: the model's, else a square)")
    _output_options(t, "templates.png")
    t.set_defaults(handler=_cmd_templates)


def _add_boundary(kinds) -> None:
    b = kinds.add_parser("boundary", help="decision regions of a model of 2-D points, beside its hidden units",
                         description="The decision regions of a model trained on a 2-D toy set (xor, circles, "
                         "spirals, blobs) over its points, and beside them a heat map of each hidden unit's output "
                         "over the plane: the hidden layer as learned features.")
    b.add_argument("model", metavar="MODEL", help="a model.npz of a model with 2 inputs")
    b.add_argument("--data", metavar="NAME", help="data set to draw (default: the one the model was trained on)")
    b.add_argument("--split", choices=("all", "train", "test"), default="all", help="points to draw (default all)")
    b.add_argument("--layer", type=_int_at_least(1), default=1, help="hidden layer whose units to show (default 1)")
    b.add_argument("--units", type=_int_at_least(1), default=16,
                   help="show at most this many units, those that vary most (default 16)")
    b.add_argument("--resolution", type=_int_at_least(10), default=150, help="grid points per side (default 150)")
    _output_options(b, "boundary.png")
    b.set_defaults(handler=_cmd_boundary)


def _add_activations(kinds) -> None:
    a = kinds.add_parser("activations", help="activation functions and their derivatives",
                         description="Each activation beside its derivative, with the saturated region (where the "
                         "derivative is under a tenth of its peak) shaded.")
    a.add_argument("--names", type=_names, default=["sigmoid", "tanh", "relu"], metavar="NAMES",
                   help="comma-separated: identity, relu, leaky_relu, sigmoid, tanh, softplus, elu "
                   "(default sigmoid,tanh,relu)")
    a.add_argument("--xmax", type=_positive_float, default=6.0, help="draw x in [-XMAX, XMAX] (default 6)")
    _output_options(a, "activations.png")
    a.set_defaults(handler=_cmd_activations)


def _add_confusion(kinds) -> None:
    c = kinds.add_parser("confusion", help="confusion matrix of a saved model on a data set",
                         description="The confusion matrix of a saved model on a split of a data set (by default the "
                         "test split of the one it was trained on), with class names.")
    c.add_argument("model", metavar="MODEL", help="a model.npz written by 'ranvier train'")
    c.add_argument("--data", metavar="NAME", help="data set (default: the one the model was trained on)")
    c.add_argument("--data-dir", metavar="PATH", help="folder of the data files (cifar10, mnist, fashion-mnist)")
    c.add_argument("--split", choices=("test", "val", "train"), default="test", help="default test")
    _output_options(c, "confusion.png")
    c.set_defaults(handler=_cmd_confusion)


# --------------------------------------------------------------- handlers
def _cmd_optimize(args: argparse.Namespace) -> int:
    from .. import plot
    from ..descent.functions import OBJECTIVES, get_objective
    from ..descent.paths import PATH_OPTIMIZERS, compare

    try:
        objective = get_objective(args.function)
    except ValueError:
        raise UsageError(f"--function: unknown function {args.function!r}; choose one of: "
                           f"{', '.join(OBJECTIVES)}") from None
    names = [n.lower().replace("-", "_") for n in _names(args.optimizer)]
    unknown = [n for n in names if n not in PATH_OPTIMIZERS]
    if not names or unknown:
        raise UsageError(f"--optimizer: unknown optimizer {(unknown or [args.optimizer])[0]!r}; choose from: "
                           f"{', '.join(PATH_OPTIMIZERS)}")
    rates = list(args.lr) if args.lr else None
    if rates and len(names) > 1 and len(rates) > 1 and len(rates) != len(names):
        raise UsageError(f"--lr: give one learning rate or one per optimizer ({len(names)}), got {len(rates)}")
    _check_animation_file(args.animate)
    for file in (args.out, args.animate, args.costs):
        _make_parent(file)
    runs = compare(objective, names, rates, args.start, args.steps, tol=args.tol)
    start = runs[next(iter(runs))].path[0]
    print(f"{objective.name} from ({start[0]:g}, {start[1]:g}), {len(runs)} run{'s' * (len(runs) > 1)}:")
    width = max(map(len, runs))
    for label, r in runs.items():
        end = r.path[-1]
        status = "DIVERGED" if r.diverged else ("converged" if r.converged else "max steps")
        if not r.diverged and plot.growing(r):
            status += ", diverging: the cost went up"
        print(f"  {label:<{width}}  {r.n_iters:>5} steps  end ({end[0]:.4g}, {end[1]:.4g})  "
              f"cost {r.costs[-1]:.4g}  {status}")
    plot.plot_paths(objective, runs, args.out, surface=args.surface, arrows=args.arrows, title=args.title,
                    dpi=args.dpi)
    written = [args.out]
    if args.animate:
        plot.animate_paths(objective, runs, args.animate, frames=args.frames, fps=args.fps, surface=args.surface,
                           arrows=args.arrows, title=args.title)
        n = len(plot.frame_steps(max(r.n_iters for r in runs.values()), args.frames))
        written.append(f"{args.animate} ({n} frames)")
    if args.costs:
        plot.plot_costs(runs, args.costs, objective=objective, dpi=args.dpi)
        written.append(args.costs)
    print(f"wrote {', '.join(written)}")
    return 0


def _make_parent(path: str | None) -> None:
    """Create the folder an output file goes into (``--out runs/paths.png`` makes ``runs/``)."""
    folder = os.path.dirname(path) if path else ""
    if folder and not os.path.isdir(folder):
        if os.path.exists(folder):
            raise UsageError(f"cannot write {path!r}: {folder!r} is a file, not a folder")
        os.makedirs(folder)


def _check_animation_file(path: str | None) -> None:
    if path is None:
        return
    suffix = os.path.splitext(path)[1].lower()
    if suffix not in (".gif", ".mp4"):
        raise UsageError(f"--animate: write a .gif or an .mp4, got {path!r}")
    if suffix == ".mp4":
        from matplotlib import animation

        if not animation.writers.is_available("ffmpeg"):
            raise UsageError(f"--animate: {path!r} needs ffmpeg on the PATH; install it or write a .gif")


def _cmd_history(args: argparse.Namespace) -> int:
    import json

    from .. import plot
    from ..train import History

    path = os.path.join(args.history, "history.json") if os.path.isdir(args.history) else args.history
    if not os.path.isfile(path):
        raise UsageError(f"no history file at {path!r}; 'ranvier train --out DIR' writes DIR/history.json")
    try:
        history = History.load(path)
    except (json.JSONDecodeError, UnicodeDecodeError, KeyError, TypeError, ValueError, AttributeError) as exc:
        raise UsageError(f"{path}: not a history file written by 'ranvier train' ({type(exc).__name__}: {exc})") \
            from None
    plot.plot_history(history, args.out, title=args.title, dpi=args.dpi)
    print(f"{path}: {history.n_epochs} epochs, {len(history.step_loss)} steps; wrote {args.out}")
    return 0


def _load(path: str):
    """A saved model whose class names are safe to draw (see :func:`_label`)."""
    import dataclasses

    from ..io import load_model

    saved = load_model(path)
    if saved.class_names:
        saved = dataclasses.replace(saved, class_names=[_label(n) for n in saved.class_names])
    return saved


def _label(name) -> str:
    """A name read from a file as text to draw: control characters escaped, ``$`` not starting mathtext."""
    from .._text import printable

    return printable(name).replace("$", r"\$")


def _cmd_templates(args: argparse.Namespace) -> int:
    from .. import plot

    saved = _load(args.model)
    net = saved.model
    if net.n_features == 2:
        raise UsageError(f"{args.model} takes 2-D points, not images: draw it with 'ranvier plot boundary'")
    plot.plot_templates(saved, args.out, image_shape=args.image_shape, max_templates=args.max_templates,
                        ncols=args.cols, title=args.title, dpi=args.dpi)
    what = "class templates" if net.n_layers == 1 else "first-layer units"
    print(f"{args.model}: {min(len(net.params['W1']), args.max_templates)} {what}; wrote {args.out}")
    return 0


def _training_data(saved, name: str | None, model_path: str) -> str:
    name = name or saved.summary.get("options", {}).get("data") or saved.summary.get("data")
    if name is None:
        raise UsageError(f"{model_path} does not say which data set it was trained on: pass --data")
    return name


def _cmd_boundary(args: argparse.Namespace) -> int:
    from .. import plot
    from ..datasets import load_dataset

    saved = _load(args.model)
    net = saved.model
    if net.n_features != 2:
        raise UsageError(f"{args.model} takes {net.n_features} inputs; a decision boundary is drawn for a model of "
                           "2-D points (train one with 'ranvier train --data xor', circles, spirals or blobs)")
    if net.n_layers > 1 and args.layer > net.n_layers - 1:
        raise UsageError(f"--layer: the model has {net.n_layers - 1} hidden layer(s), got {args.layer}")
    name = _training_data(saved, args.data, args.model)
    data = load_dataset(name, val_split=0, preprocess="none")
    if data.n_features != 2:
        raise UsageError(f"{name} has {data.n_features} features; draw boundaries on xor, circles, spirals or blobs")
    if data.n_classes > net.n_outputs:
        raise UsageError(f"{name} has {data.n_classes} classes but the model has {net.n_outputs} outputs")
    # --split all: the training points, and the test points on which the accuracy is measured
    X, y = (data.X_test, data.y_test) if args.split == "test" else (data.X_train, data.y_train)
    test = (data.X_test, data.y_test) if args.split == "all" else (None, None)
    _make_parent(args.out)
    plot.plot_boundary(saved, X, y, args.out, X_test=test[0], y_test=test[1], layer=args.layer,
                       max_units=args.units, resolution=args.resolution, title=args.title, dpi=args.dpi)
    Xa, ya = (test[0], test[1]) if args.split == "all" else (X, y)
    acc = float(np.mean(saved.predict(Xa) == ya))
    where = "test" if args.split in ("all", "test") else "train"
    print(f"{args.model} on {name} ({where} split, {len(ya)} points): accuracy {100 * acc:.2f}%; wrote {args.out}")
    return 0


def _cmd_activations(args: argparse.Namespace) -> int:
    from .. import plot

    plot.plot_activations(args.names, args.out, xmax=args.xmax, title=args.title, dpi=args.dpi)
    print(f"{', '.join(args.names)}; wrote {args.out}")
    return 0


def _cmd_confusion(args: argparse.Namespace) -> int:
    from .. import plot
    from ..datasets import load_dataset

    saved = _load(args.model)
    opts = saved.summary.get("options", {})
    name = _training_data(saved, args.data, args.model)
    val_split = opts.get("val_split", 0.1) if args.split != "test" else 0
    data = load_dataset(name, args.data_dir or opts.get("data_dir"), val_split=val_split, preprocess="none",
                        seed=opts.get("seed", 0), n_train=opts.get("n_train") if args.split != "test" else None)
    X, y = {"test": (data.X_test, data.y_test), "val": (data.X_val, data.y_val),
            "train": (data.X_train, data.y_train)}[args.split]
    if X is None:
        raise UsageError(f"{name} has no {args.split} split")
    if X.shape[1] != saved.model.n_features:
        raise UsageError(f"{name} has {X.shape[1]} features but the model takes {saved.model.n_features}")
    pred = saved.predict(X)
    c = saved.model.n_outputs
    if y.max() >= c:
        raise UsageError(f"{name} has labels up to {y.max()} but the model has {c} outputs")
    cm = plot.confusion_matrix(y, pred, c)
    names = saved.class_names or [_label(n) for n in data.class_names[:c]]
    title = args.title or f"{_label(name)} ({args.split} split): accuracy {100 * np.trace(cm) / cm.sum():.1f}% of {cm.sum()}"
    plot.plot_confusion(cm, args.out, class_names=names, title=title, dpi=args.dpi)
    print(f"{args.model} on {name} ({args.split} split, {len(y)} examples): accuracy "
          f"{100 * np.trace(cm) / cm.sum():.2f}%; wrote {args.out}")
    return 0
