"""``ranvier xor``: the lecture's XOR example, from a linear fit that fails to a ReLU network that learns it.

A thin shell over :mod:`ranvier.xor`: the least-squares linear fit, the
hand-set ReLU network, and a ReLU network trained by gradient descent.
"""

from __future__ import annotations

import argparse

import numpy as np

from . import _types as T

__all__ = ["add_parser"]


def add_parser(sub) -> None:
    """Add ``xor`` to the sub-command set ``sub`` of the ``ranvier`` parser."""
    xor = sub.add_parser(
        "xor",
        help="the lecture's XOR example: a linear fit fails, a ReLU network learns it",
        description="Show the lecture's XOR example: the least-squares linear fit, the hand-set "
        "ReLU network, and a ReLU network trained from a random start by gradient descent.",
    )
    xor.add_argument("--hidden", type=T.positive_int, default=16, help="hidden units (default 16)")
    xor.add_argument("--lr", type=T.positive_float, default=0.1, help="learning rate (default 0.1)")
    xor.add_argument("--steps", type=T.positive_int, default=1000, help="gradient steps (default 1000)")
    xor.add_argument("--loss", choices=("softmax", "svm", "squared"), default="softmax", help="loss (default softmax)")
    xor.add_argument("--seed", type=T.non_negative_int, default=0, help="seed of the initial weights (default 0)")
    xor.set_defaults(handler=_cmd_xor)


def _cmd_xor(args: argparse.Namespace) -> int:
    from ..xor import hand_network, least_squares_fit, train_xor, xor_data

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
