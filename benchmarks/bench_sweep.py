"""Seconds per sweep: ``n_jobs=2`` (two loky workers, one BLAS thread each) beside ``n_jobs=1``.

Workload: a CS231n-style grid of 8 trials (4 learning rates x 2 regularisation
strengths), nothing written, the best not retrained:

* digits: MLP 64-100-10, SGD, batch 64, ``--epochs`` epochs (default 20);
* CIFAR-10 (when ``--data-dir`` holds ``cifar-10-batches-bin/`` or
  ``-py/``): MLP 3072-100-10 on a subset of ``--n-train`` images (default
  5000), ``--cifar-epochs`` epochs (default 2); each trial loads the data
  itself, as a trial on a cluster would.

``n_jobs=1`` runs the trials one after the other in this process with
NumPy's own BLAS threads (all cores), and again limited to one BLAS thread
(small products gain little from threads); ``n_jobs=2`` runs two at once in
loky worker processes, each limited to one BLAS thread by threadpoolctl.  A
warm-up sweep of each kind runs first (it starts the workers and fills the
caches); the table gives the median (min-max) of ``--repeats`` timed sweeps,
the speed-up is the ratio of the medians.  The time of the very first
parallel sweep, worker start-up included, is printed too.

This machine sets OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE, which force a slow
OpenBLAS kernel; the script restarts itself without them before NumPy loads
(the loky workers inherit the cleaned environment).  Run:

    python benchmarks/bench_sweep.py --data-dir ../shared/data
"""

from __future__ import annotations

import os

import _machine  # the script's own folder is on sys.path

_machine.without_slow_blas()  # must happen before NumPy loads OpenBLAS

import argparse  # noqa: E402
import platform  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

GRID = {"lr": [3e-3, 1e-2, 3e-2, 1e-1], "reg": [1e-4, 1e-2]}


def time_sweep(base, n_jobs: int, blas_threads: int | None = None) -> tuple[float, object]:
    from contextlib import nullcontext

    from threadpoolctl import threadpool_limits

    from ranvier.sweep import sweep

    tic = time.perf_counter()
    with nullcontext() if blas_threads is None else threadpool_limits(blas_threads):
        result = sweep(base, grid=GRID, n_jobs=n_jobs, retrain_best=False)
    return time.perf_counter() - tic, result


def bench(name: str, base, repeats: int) -> list[str]:
    print(f"{name}: 8 trials ...", flush=True)
    first_parallel, _ = time_sweep(base, 2)  # starts the loky workers
    time_sweep(base, 1)  # warms this process up
    kinds = {"n_jobs=1": (1, None), "n_jobs=1, 1 BLAS thread": (1, 1), "n_jobs=2": (2, None)}
    times: dict[str, list[float]] = {k: [] for k in kinds}
    for _ in range(repeats):  # interleaved, so that a burst of load elsewhere hits every kind alike
        for kind, (n_jobs, threads) in kinds.items():
            seconds, result = time_sweep(base, n_jobs, threads)
            times[kind].append(seconds)
    one = statistics.median(times["n_jobs=1"])
    per_trial = statistics.median(r["trial_seconds"] for r in result.rows)
    best = result.best
    lines = []
    for kind, t in times.items():
        median = statistics.median(t)
        lines.append(f"| {name} | {kind} | {median:.2f} ({min(t):.2f}-{max(t):.2f}) | {one / median:.2f} |")
    print("\n".join(lines))
    print(f"  first n_jobs=2 sweep, worker start-up included: {first_parallel:.2f} s; "
          f"a trial takes {per_trial:.2f} s in a worker; best lr {best['options']['lr']:g}, "
          f"reg {best['options']['reg']:g}: val {100 * best['val_accuracy']:.1f}%", flush=True)
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", help="folder holding cifar-10-batches-bin/ or cifar-10-batches-py/")
    parser.add_argument("--epochs", type=int, default=20, help="epochs of a digits trial (default 20)")
    parser.add_argument("--cifar-epochs", type=int, default=2, help="epochs of a CIFAR-10 trial (default 2)")
    parser.add_argument("--n-train", type=int, default=5000, help="CIFAR-10 training images (default 5000)")
    parser.add_argument("--repeats", type=int, default=3, help="timed sweeps of each kind (default 3)")
    args = parser.parse_args()

    import numpy as np
    from threadpoolctl import threadpool_info

    from ranvier.experiment import TrainOptions

    blas = [f"{p['internal_api']} {p.get('version')} ({p.get('architecture')}, {p['num_threads']} threads)"
            for p in threadpool_info() if p["user_api"] == "blas"]
    print(f"Python {platform.python_version()}, NumPy {np.__version__}, {os.cpu_count()} cores, BLAS: "
          f"{', '.join(blas) or 'unknown'}")
    try:
        print(f"load average (1, 5, 15 min) before: {', '.join(f'{v:.2f}' for v in os.getloadavg())}")
    except OSError:
        pass
    rows = ["| workload | run as | seconds per sweep, median (min-max) | speed-up over n_jobs=1 |",
            "|---|---|---|---|"]
    rows += bench(f"digits MLP 64-100-10, {args.epochs} epochs",
                  TrainOptions(data="digits", hidden=(100,), epochs=args.epochs, verbose=0), args.repeats)
    has_cifar = args.data_dir and any(Path(args.data_dir, d).is_dir()
                                      for d in ("cifar-10-batches-bin", "cifar-10-batches-py"))
    if has_cifar:
        base = TrainOptions(data="cifar10", data_dir=args.data_dir, n_train=args.n_train, hidden=(100,),
                            epochs=args.cifar_epochs, batch_size=200, verbose=0)
        rows += bench(f"CIFAR-10 MLP 3072-100-10, {args.n_train} images, {args.cifar_epochs} epochs", base,
                      args.repeats)
    else:
        print("CIFAR-10 not found (--data-dir): digits only")
    try:
        print(f"load average (1, 5, 15 min) after: {', '.join(f'{v:.2f}' for v in os.getloadavg())}")
    except OSError:
        pass
    print()
    print("\n".join(rows))


if __name__ == "__main__":
    main()
