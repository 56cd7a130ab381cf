"""The L2 term in the optimiser's pass against the L2 term in the gradient: epoch time, same result.

A model's ``reg * W`` can be added to the weight gradients by the model (two passes over
every weight matrix) or inside the optimiser's update (``Optimizer.step(..., l2=...)``,
what :class:`ranvier.Trainer` does when the optimiser has no weight decay of its own).
This script trains the CIFAR-10 MLP 3072-500-10 with ``reg=1e-3`` both ways, the two
taking turns epoch by epoch, prints the median epoch of each and the median over rounds
of their ratio, and checks that the parameters come out bit for bit the same.  Run:

    python benchmarks/bench_l2.py --data-dir ../shared/data
"""

from __future__ import annotations

import _machine  # the script's own folder is on sys.path

_machine.without_slow_blas()  # must happen before NumPy loads OpenBLAS

import argparse  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402
from bench_speed import load_data  # noqa: E402

from ranvier import MLP, Trainer  # noqa: E402
from ranvier.optim import Optimizer  # noqa: E402

MODES = ("folded", "in gradient")


def compare(X, y, optimizer: str, rounds: int) -> tuple[dict[str, list[float]], float, bool]:
    trainers = {
        mode: Trainer(MLP((X.shape[1], 500, 10), reg=1e-3, seed=0), optimizer, lr=1e-4 if optimizer == "adam" else 1e-3,
                      batch_size=200, epochs=1, seed=0, verbose=0, restore_best=False)
        for mode in MODES
    }
    folds = Optimizer.folds_l2
    times: dict[str, list[float]] = {mode: [] for mode in MODES}
    try:
        for r in range(rounds + 1):  # round 0 warms up
            for mode in MODES if r % 2 else MODES[::-1]:
                Optimizer.folds_l2 = folds if mode == "folded" else property(lambda self: False)
                time.sleep(0.5)
                seconds = trainers[mode].fit(X, y).epoch["seconds"][-1]
                if r:
                    times[mode].append(seconds)
    finally:
        Optimizer.folds_l2 = folds
    a, b = (trainers[mode].model.params for mode in MODES)
    same = all(np.array_equal(a[k], b[k]) for k in a)
    ratio = statistics.median(x / z for x, z in zip(*times.values()))
    return times, ratio, same


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", default=None, help="folder with cifar-10-batches-bin (else random data)")
    parser.add_argument("--rounds", type=int, default=6, help="timed epochs of each way (default 6)")
    parser.add_argument("--optimizers", default="sgd,adam", help="comma-separated (default sgd,adam)")
    args = parser.parse_args()
    X, y, source = load_data(args.data_dir)
    print(f"data: {source}; MLP 3072-500-10, reg=1e-3, batch 200; BLAS: {_machine.blas()}")
    for name in args.optimizers.split(","):
        times, ratio, same = compare(X, y, name, args.rounds)
        medians = ", ".join(f"{mode} {statistics.median(t):.2f} s (best {min(t):.2f})" for mode, t in times.items())
        print(f"{name}: {medians}; folded / in gradient {ratio:.3f} (median over rounds); "
              f"parameters {'identical' if same else 'DIFFERENT'}")


if __name__ == "__main__":
    main()
