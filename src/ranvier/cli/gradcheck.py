"""``ranvier gradcheck``: check a network's backward pass against numerical gradients.

A thin shell over :func:`ranvier.gradcheck` (defined in ``ranvier.nn.gradcheck``):
every parameter's analytic gradient beside centred differences in float64, on
random data, for a saved model or for a network built from ``--layers``.
"""

from __future__ import annotations

import argparse

import numpy as np

from . import _types as T
from ._errors import UsageError

__all__ = ["add_parser"]


def add_parser(sub) -> None:
    """Add ``gradcheck`` to the sub-command set ``sub`` of the ``ranvier`` parser."""
    gc = sub.add_parser(
        "gradcheck",
        help="check a network's backward pass against numerical gradients",
        description="Compare every parameter's analytic gradient with centred differences in float64, "
        "on random data: for a saved model (MODEL) or for a network built from --layers.",
    )
    gc.add_argument("model", metavar="MODEL", nargs="?", help="a model.npz to check (default: build one from --layers)")
    gc.add_argument("--layers", type=T.int_list, default=(5, 8, 6, 3), help="layer sizes, e.g. 3072,100,10 (default 5,8,6,3)")
    gc.add_argument("--activation", default="tanh", help="hidden activation (default tanh)")
    gc.add_argument("--loss", choices=("softmax", "svm", "squared"), default="softmax", help="loss (default softmax)")
    gc.add_argument("--reg", type=T.non_negative_float, default=1e-2, help="L2 strength (default 0.01)")
    gc.add_argument("--batch", type=T.positive_int, default=7, help="examples of random data (default 7)")
    gc.add_argument("--num-checks", type=T.positive_int, default=None, help="random coordinates per parameter (default: all)")
    gc.add_argument("--seed", type=T.non_negative_int, default=0, help="seed of weights and data (default 0)")
    gc.set_defaults(handler=_cmd_gradcheck)


def _cmd_gradcheck(args: argparse.Namespace) -> int:
    from ..nn.gradcheck import gradcheck

    net = _network(args)
    rng = np.random.default_rng(args.seed)
    X = rng.normal(size=(args.batch, net.n_features))
    y = rng.integers(0, net.n_outputs, size=args.batch)
    result = gradcheck(net, X, y, num_checks=args.num_checks, seed=args.seed)
    where = "every coordinate" if args.num_checks is None else f"{args.num_checks} random coordinates per parameter"
    print(f"gradcheck of {net!r} on {args.batch} random examples (float64, centred differences, h=1e-5, {where})")
    print(result)  # the table, then its verdict
    return 0 if result.ok else 1


def _network(args: argparse.Namespace):
    """The network to check: the saved MODEL, or an MLP of ``--layers`` in float64."""
    from ..io import load_model
    from ..nn.mlp import MLP

    if args.model is not None:
        net = load_model(args.model).model
        if args.num_checks is None and net.num_params > 20_000:
            args.num_checks = 20  # every coordinate of a big model would take minutes
        return net
    if len(args.layers) < 2:
        raise UsageError("--layers needs at least the input and output sizes, e.g. 4,3")
    try:
        return MLP(args.layers, activation=args.activation, loss=args.loss, reg=args.reg,
                   seed=args.seed, dtype=np.float64)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
