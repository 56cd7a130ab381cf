"""Two versions of ranvier side by side: wall-clock seconds per epoch of the same workloads.

Each workload (bench_speed's shapes on 10000 CIFAR-sized random rows, batch 200) runs in a
process of its own for each source tree, the trees taking turns round after round, so that a
shared machine's slow spells hit both alike.  A process makes its data, fits a warm-up epoch,
then times ``--epochs`` more and reports the best; the table gives the median over rounds and
the ratio this tree / the other.  Use it to check that a change keeps the speed, e.g. against
the code before it:

    git worktree add /tmp/old <commit>
    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benchmarks/bench_versions.py --tree /tmp/old/src
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

# (name, hidden sizes, optimiser, the MLP's other settings): the fused MLP, and a layer stack
WORKLOADS = [
    ("MLP 3072-500-10, SGD", (500,), "sgd", {}),
    ("MLP 3072-500-10, Adam", (500,), "adam", {}),
    ("MLP 3072-500-10, SGD, L2", (500,), "sgd", {"reg": 1e-3}),
    ("linear softmax 3072-10, SGD", (), "sgd", {}),
    ("3072-500-10, batch norm, dropout 0.3, L2", (500,), "sgd", {"reg": 1e-3, "batch_norm": True, "dropout": 0.3}),
]
HERE = str(Path(__file__).resolve().parents[1] / "src")


def one(workload: int, epochs: int) -> float:
    """In this process: the best wall-clock seconds of ``epochs`` epochs after a warm-up."""
    import numpy as np

    from ranvier import MLP, Trainer

    _, hidden, optimizer, settings = WORKLOADS[workload]
    rng = np.random.default_rng(0)
    X = rng.standard_normal((10000, 3072), dtype=np.float32)
    y = rng.integers(0, 10, size=10000)
    trainer = Trainer(MLP((3072, *hidden, 10), seed=0, **settings), optimizer, lr=1e-3, batch_size=200, epochs=1,
                      seed=0, verbose=0, restore_best=False)
    trainer.fit(X, y)  # warm-up
    times = []
    for _ in range(epochs):
        tic = time.perf_counter()
        trainer.fit(X, y)
        times.append(time.perf_counter() - tic)
    return min(times)


def run(src: str, workload: int, epochs: int) -> float:
    env = {k: v for k, v in os.environ.items() if k not in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")}
    env.update(PYTHONPATH=src, PYTHONDONTWRITEBYTECODE="1")
    out = subprocess.run([sys.executable, __file__, "--one", str(workload), str(epochs)], env=env,
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tree", help="the other ranvier source tree (its src folder)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=3, help="timed epochs per process (default 3)")
    parser.add_argument("--one", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(one(int(args.one[0]), int(args.one[1]))))
        return
    if not args.tree:
        parser.error("--tree is required: the other version's src folder")
    trees = {"this tree": HERE, args.tree: os.path.abspath(args.tree)}
    times: dict[tuple[int, str], list[float]] = {}
    for r in range(args.rounds):
        for w in range(len(WORKLOADS)):
            names = list(trees) if r % 2 == 0 else list(trees)[::-1]  # the order alternates
            for name in names:
                times.setdefault((w, name), []).append(run(trees[name], w, args.epochs))
        print(f"round {r + 1} of {args.rounds} done", file=sys.stderr)
    for w, (label, *_) in enumerate(WORKLOADS):
        mine, other = (statistics.median(times[(w, n)]) for n in trees)
        print(f"{label} | this tree {mine:.4f} s | {args.tree} {other:.4f} s | this/other {mine / other:.3f}x")


if __name__ == "__main__":
    main()
