"""BLAS threads: 3 epochs of a 3072-500-10 MLP on random data, with 1 and 2 threads (Trainer(threads=)).

Run from the repository root:  PYTHONPATH=src python benchmarks/bench_threads.py [--busy] [--rows 2000]
``--busy`` adds one background process that spins on a core for the duration, as on a
laptop running something else.  Each setting is timed twice; the best time is printed.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import time

import _machine  # the script's own folder is on sys.path

_machine.without_slow_blas()  # must happen before NumPy loads OpenBLAS

import numpy as np  # noqa: E402

from ranvier import MLP  # noqa: E402
from ranvier.train import Trainer  # noqa: E402


def _spin(stop) -> None:
    x = 0
    while not stop.is_set():
        x += 1


def _time(threads: int, X, y, repeats: int) -> float:
    best = float("inf")
    for _ in range(repeats):
        net = MLP((3072, 500, 10), seed=0)
        tic = time.perf_counter()
        Trainer(net, "momentum", lr=0.01, batch_size=200, epochs=3, threads=threads, verbose=0).fit(X, y)
        best = min(best, time.perf_counter() - tic)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=2000)
    parser.add_argument("--busy", action="store_true", help="one busy background process meanwhile")
    parser.add_argument("--repeats", type=int, default=2)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    X = rng.normal(size=(args.rows, 3072)).astype(np.float32)
    y = rng.integers(0, 10, size=args.rows)
    stop, spinner = mp.Event(), None
    if args.busy:
        spinner = mp.Process(target=_spin, args=(stop,), daemon=True)
        spinner.start()
    try:
        print(f"{os.cpu_count()} cores, {args.rows} rows, load average {os.getloadavg()[0]:.1f}"
              f"{', one busy background process' if args.busy else ''}")
        for threads in (1, 2):
            print(f"threads={threads}: {_time(threads, X, y, args.repeats):.2f} s for 3 epochs")
    finally:
        if spinner is not None:
            stop.set()
            spinner.join()


if __name__ == "__main__":
    main()
