"""The ``ranvier`` command line: a thin shell over the public API.

A user mistake (an unknown option, a bad value) prints one line on stderr and
exits with status 2; ``--debug`` shows the traceback instead.
"""

from __future__ import annotations

import argparse
import sys
from typing import Sequence

import numpy as np

from . import __version__

EXIT_USAGE = 2


class UsageError(Exception):
    """A mistake in what the user asked for; reported as one line, exit status 2."""


class _Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line, not the usage block."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(f"{message} (see '{self.prog} --help')")


def _int_list(text: str) -> tuple[int, ...]:
    try:
        values = tuple(int(v) for v in text.split(",") if v.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated integers such as 3,4,2, got {text!r}") from None
    if not values or any(v < 1 for v in values):
        raise argparse.ArgumentTypeError(f"expected positive integers such as 3,4,2, got {text!r}")
    return values


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not (value > 0 and np.isfinite(value)):
        raise argparse.ArgumentTypeError(f"expected a number > 0, got {text!r}")
    return value


def _non_negative_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not (value >= 0 and np.isfinite(value)):
        raise argparse.ArgumentTypeError(f"expected a number >= 0, got {text!r}")
    return value


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 1, got {text!r}")
    return value


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
    xor.add_argument("--seed", type=int, default=0, help="seed of the initial weights (default 0)")
    xor.set_defaults(handler=_cmd_xor)

    gc = sub.add_parser(
        "gradcheck",
        help="check a network's backward pass against numerical gradients",
        description="Build a network, draw random data and compare every parameter's analytic "
        "gradient with centred differences in float64.",
    )
    gc.add_argument("--layers", type=_int_list, default=(5, 8, 6, 3), help="layer sizes, e.g. 3072,100,10 (default 5,8,6,3)")
    gc.add_argument("--activation", default="tanh", help="hidden activation (default tanh)")
    gc.add_argument("--loss", choices=("softmax", "svm", "squared"), default="softmax", help="loss (default softmax)")
    gc.add_argument("--reg", type=_non_negative_float, default=1e-2, help="L2 strength (default 0.01)")
    gc.add_argument("--batch", type=_positive_int, default=7, help="examples of random data (default 7)")
    gc.add_argument("--num-checks", type=_positive_int, default=None, help="random coordinates per parameter (default: all)")
    gc.add_argument("--seed", type=int, default=0, help="seed of weights and data (default 0)")
    gc.set_defaults(handler=_cmd_gradcheck)
    return parser


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
    from .gradcheck import gradcheck
    from .models import MLP

    if len(args.layers) < 2:
        raise UsageError("--layers needs at least the input and output sizes, e.g. 4,3")
    try:
        net = MLP(args.layers, activation=args.activation, loss=args.loss, reg=args.reg,
                  seed=args.seed, dtype=np.float64)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    rng = np.random.default_rng(args.seed)
    X = rng.normal(size=(args.batch, args.layers[0]))
    y = rng.integers(0, args.layers[-1], size=args.batch)
    result = gradcheck(net, X, y, num_checks=args.num_checks, seed=args.seed)
    print(f"gradcheck of {net!r} on {args.batch} random examples (float64, centred differences, h=1e-5)")
    print(result)
    ok = result.worst < 1e-6
    print("OK: the backward pass matches" if ok else "MISMATCH: the backward pass disagrees")
    return 0 if ok else 1


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``ranvier`` command; returns the exit status."""
    parser = build_parser()
    argv = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in argv
    try:
        args = parser.parse_args(argv)
        if args.command is None:
            parser.print_help()
            return EXIT_USAGE
        return args.handler(args)
    except UsageError as exc:
        if debug:
            raise
        print(f"ranvier: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("ranvier: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
