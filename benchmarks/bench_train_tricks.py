"""Do the training loop's speed agreements still pay?  CPU seconds per epoch, with and without each.

The two agreements of :mod:`ranvier.train.step`: the L2 fold (``reg * W`` added in the
optimiser's pass, not the gradient's) and "checked once" (the batch loss skips its own
checks).  Each variant runs in a process of its own (the variants patch ranvier), one
BLAS thread, and is timed in CPU seconds (``time.process_time``), which a shared machine
disturbs far less than the wall clock; the variants take turns, round after round.
``--tree`` adds another source tree (e.g. the main branch's ``src``) as a contestant
without variants, to compare two versions of ranvier in the same run.

    python benchmarks/bench_train_tricks.py --rounds 3 --tree ../main/src
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

# (name, hidden, reg, rows, batch, input width): bench_speed's 3072-500-10 with L2 on fewer rows,
# the linear softmax classifier, and a tiny network whose steps are all overhead
WORKLOADS = [
    ("MLP 3072-500-10, L2 (2000 rows)", (500,), 1e-3, 2000, 200, 3072),
    ("linear softmax (10000 rows)", (), 0.0, 10000, 200, 3072),
    ("MLP 64-32-10, L2, batch 32 (20000 rows)", (32,), 1e-3, 20000, 32, 64),
]
VARIANTS = {"as is": "", "L2 in the gradient": "nofold", "checks in every batch": "raise"}


def one(variant: str, workload: int, epochs: int) -> list[float]:
    """In this process: the CPU seconds of ``epochs`` epochs after a warm-up."""
    import numpy as np

    from ranvier import MLP, Trainer

    if variant == "nofold":
        from ranvier.optim import Optimizer

        Optimizer.folds_l2 = property(lambda self: False)
    if variant == "raise":
        from ranvier.train import step

        def checked_each_batch(model, scores, yb, ws, wb=None):  # the public loss: its checks in every batch
            return model._data_loss(scores, yb, out=ws.deltas[-1], sample_weight=wb)[0]

        step.scores_finite = lambda scores: True  # the loss's own check of the scores does it
        step.batch_data_loss = checked_each_batch
    _, hidden, reg, rows, batch, n = WORKLOADS[workload]
    rng = np.random.default_rng(0)
    X = rng.standard_normal((rows, n), dtype=np.float32)
    y = rng.integers(0, 10, size=rows)
    trainer = Trainer(MLP((n, *hidden, 10), reg=reg, seed=0), "sgd", lr=1e-3, batch_size=batch, epochs=1,
                      seed=0, verbose=0, restore_best=False, threads=1)
    trainer.fit(X, y)  # warm-up
    times = []
    for _ in range(epochs):
        tic = time.process_time()
        trainer.fit(X, y)  # one more epoch, the optimiser state kept
        times.append(time.process_time() - tic)
    return times


def run(src: str, variant: str, workload: int, epochs: int) -> list[float]:
    env = {k: v for k, v in os.environ.items() if k not in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")}
    env.update(PYTHONPATH=src, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", PYTHONDONTWRITEBYTECODE="1")
    out = subprocess.run([sys.executable, __file__, "--one", variant, str(workload), str(epochs)], env=env,
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=3, help="timed epochs per process (default 3)")
    parser.add_argument("--tree", help="another ranvier source tree to time beside this one (as is)")
    parser.add_argument("--one", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(one(args.one[0], int(args.one[1]), int(args.one[2]))))
        return
    here = str(Path(__file__).resolve().parents[1] / "src")
    contestants = [(name, here, flag) for name, flag in VARIANTS.items()]
    if args.tree:
        contestants.append((f"{args.tree} as is", str(Path(args.tree).resolve()), ""))
    times: dict[tuple[int, str], list[float]] = {}
    for r in range(args.rounds):
        for w in range(len(WORKLOADS)):
            order = contestants[r % len(contestants):] + contestants[: r % len(contestants)]
            for name, src, flag in order:
                times.setdefault((w, name), []).extend(run(src, flag, w, args.epochs))
        print(f"round {r + 1} of {args.rounds} done", flush=True)
    for w, (title, *_) in enumerate(WORKLOADS):
        base = statistics.median(times[(w, "as is")])
        for name, *_ in contestants:
            t = times[(w, name)]
            print(f"{title} | {name} | median {statistics.median(t):.4f} s | best {min(t):.4f} s | "
                  f"{statistics.median(t) / base:.3f}x")


if __name__ == "__main__":
    main()
