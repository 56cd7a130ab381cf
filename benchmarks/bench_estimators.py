"""ranvier's MLPClassifier beside scikit-learn's: test accuracy and fit time.

Both estimators get the same data (float32, so both train in float32), the
same architecture (one ReLU hidden layer), the same solver and learning rate,
the same batch size, the same L2 objective (scikit-learn's ``alpha`` and
ranvier's ``reg = alpha / batch_size``) and the same number of epochs: early
stopping is off on both sides (scikit-learn: ``n_iter_no_change`` above the
epoch count; ranvier: ``n_iter_no_change=inf``, ``restore_best=False``, so
both end with the last epoch's parameters).  Each configuration is fitted
``--runs`` times with seeds 0, 1, ..., the two fits of a seed back to back
(half a second apart, who goes first alternating); the table gives the median
(min-max) test accuracy and fit time, the test-accuracy difference seed by
seed (its mean and standard error over the seeds: a mean within about two
standard errors of zero is a difference the seeds cannot detect) and the
median per-seed speed-up.

Data: digits (ships with scikit-learn; 1437 training and 360 test images,
pixels / 16) and CIFAR-10 when ``--data-dir`` holds ``cifar-10-batches-bin``
(50000 training and 10000 test images, pixels / 255 minus the mean image).

This machine sets OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE, which force a slow
OpenBLAS kernel; the script restarts itself without them.  Run:

    python benchmarks/bench_estimators.py --out docs/estimators_benchmark.md
"""

from __future__ import annotations

import os

import _machine  # the script's own folder is on sys.path

_machine.without_slow_blas()  # must happen before NumPy loads OpenBLAS

import argparse  # noqa: E402
import platform  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402
from dataclasses import dataclass  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

ALPHA = 1e-4  # scikit-learn's default L2; ranvier's reg is alpha / batch_size
BATCH = 200


@dataclass(frozen=True)
class Workload:
    data: str
    hidden: tuple[int, ...]
    solver: str
    lr: float
    epochs: int


WORKLOADS = [
    Workload("digits", (100,), "adam", 1e-3, 100),
    Workload("digits", (100,), "sgd", 1e-2, 100),
    Workload("cifar10", (100,), "adam", 1e-3, 10),
    Workload("cifar10", (100,), "sgd", 1e-3, 10),
]


def load(name: str, data_dir: str):
    from ranvier import load_dataset

    if name == "cifar10" and not Path(data_dir, "cifar-10-batches-bin").is_dir():
        return None
    d = load_dataset(name, data_dir if name == "cifar10" else None, val_split=0, seed=0)
    return d.X_train, d.y_train, d.X_test, d.y_test


def make_ranvier(w: Workload, seed: int):
    from ranvier.estimators import MLPClassifier

    return MLPClassifier(w.hidden, solver=w.solver, learning_rate_init=w.lr, batch_size=BATCH, max_iter=w.epochs,
                         reg=ALPHA / BATCH, momentum=0.9, nesterovs_momentum=True, n_iter_no_change=np.inf,
                         restore_best=False, random_state=seed)


def make_sklearn(w: Workload, seed: int):
    from sklearn.neural_network import MLPClassifier

    return MLPClassifier(w.hidden, solver=w.solver, learning_rate_init=w.lr, batch_size=BATCH, max_iter=w.epochs,
                         alpha=ALPHA, momentum=0.9, nesterovs_momentum=True, n_iter_no_change=w.epochs + 1,
                         random_state=seed)


def fit_once(make, w: Workload, data, seed: int) -> tuple[float, float]:
    """Test accuracy and fit seconds of one fit."""
    from sklearn.exceptions import ConvergenceWarning

    X, y, X_test, y_test = data
    est = make(w, seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # a fixed budget of epochs on purpose
        tic = time.perf_counter()
        est.fit(X, y)
        seconds = time.perf_counter() - tic
    assert est.n_iter_ == w.epochs, (type(est).__module__, est.n_iter_)
    return float(np.mean(est.predict(X_test) == y_test)), seconds


def run(w: Workload, data, runs: int) -> dict[str, tuple[list[float], list[float]]]:
    """Fits of both libraries, interleaved so that both meet the same machine load."""
    results: dict[str, tuple[list[float], list[float]]] = {"ranvier": ([], []), "sklearn": ([], [])}
    makers = {"ranvier": make_ranvier, "sklearn": make_sklearn}
    for seed in range(runs):
        order = list(makers) if seed % 2 == 0 else list(makers)[::-1]  # who goes first alternates
        for name in order:
            time.sleep(0.5)  # the other library's idle BLAS threads stop spinning first
            acc, seconds = fit_once(makers[name], w, data, seed)
            results[name][0].append(acc)
            results[name][1].append(seconds)
    return results


def accuracy_gap(ranvier_acc: list[float], sklearn_acc: list[float]) -> str:
    """Mean and standard error of ranvier's test accuracy minus scikit-learn's, seed by seed, in points."""
    diffs = [100 * (r - s) for r, s in zip(ranvier_acc, sklearn_acc)]
    se = statistics.stdev(diffs) / len(diffs) ** 0.5 if len(diffs) > 1 else float("nan")
    return f"{statistics.mean(diffs):+.2f} ± {se:.2f}"


def speed_up(ranvier_s: list[float], sklearn_s: list[float]) -> float:
    """The median over seeds of scikit-learn's fit time over ranvier's for the same seed.

    The two fits of a seed run one after the other, so a slow spell of the shared machine
    (they last tens of seconds) mostly hits both; the ratio of the pair is what it leaves alone.
    """
    return statistics.median(s / r for r, s in zip(ranvier_s, sklearn_s))


def machine() -> list[str]:
    import sklearn

    from _machine import blas, cpu
    return [f"- CPU: {cpu()}, {os.cpu_count()} cores",
            f"- Python {platform.python_version()}, NumPy {np.__version__}, scikit-learn {sklearn.__version__}",
            f"- NumPy BLAS: {blas()}"]


def fmt(values: list[float], digits: int) -> str:
    return f"{statistics.median(values):.{digits}f} ({min(values):.{digits}f}-{max(values):.{digits}f})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", default=str(Path(__file__).resolve().parents[2] / "shared" / "data"),
                        help="folder holding cifar-10-batches-bin (default ../shared/data from the repo root)")
    parser.add_argument("--runs", type=int, default=10, help="fits per configuration and library (default 10)")
    parser.add_argument("--only", choices=["digits", "cifar10"], help="run one data set only")
    parser.add_argument("--blas-threads", type=int,
                        help="limit the BLAS threads of both libraries (default: BLAS's own, one per core)")
    parser.add_argument("--out", help="write the markdown report here")
    args = parser.parse_args()
    if args.blas_threads:
        import sklearn.neural_network  # noqa: F401  (loads SciPy's BLAS too, so that both are limited)
        from threadpoolctl import threadpool_limits

        threadpool_limits(args.blas_threads, user_api="blas")
    print("\n".join(machine()), flush=True)
    header = ("data", "network", "solver, lr", "epochs", "ranvier test acc", "scikit-learn test acc",
              "difference (points)", "ranvier fit s", "scikit-learn fit s", "speed-up")
    rows, cache, missing, warmed = [], {}, [], set()
    for w in WORKLOADS:
        if args.only and w.data != args.only:
            continue
        if w.data not in cache:
            cache[w.data] = load(w.data, args.data_dir)
        data = cache[w.data]
        if data is None:
            missing.append(w.data)
            continue
        if w.data not in warmed:  # one untimed fit each: imports, BLAS threads, page faults
            warmed.add(w.data)
            fit_once(make_ranvier, w, data, 0)
            fit_once(make_sklearn, w, data, 0)
        res = run(w, data, args.runs)
        (r_acc, r_time), (s_acc, s_time) = res["ranvier"], res["sklearn"]
        sizes = "-".join(map(str, (data[0].shape[1], *w.hidden, len(np.unique(data[1])))))
        row = (w.data, sizes, f"{w.solver}, {w.lr:g}", str(w.epochs), fmt(r_acc, 4), fmt(s_acc, 4),
               accuracy_gap(r_acc, s_acc), fmt(r_time, 2), fmt(s_time, 2), f"{speed_up(r_time, s_time):.2f}x")
        rows.append(row)
        print(" | ".join(row), flush=True)
    table = _machine.markdown_table(header, rows)
    notes = [f"- {name}: not found under {args.data_dir}, skipped" for name in sorted(set(missing))]
    report = [
        "# ranvier's MLPClassifier beside scikit-learn's",
        "",
        (f"Measured {time.strftime('%Y-%m-%d')} by `python benchmarks/bench_estimators.py` (OpenBLAS variables "
         "unset)."),
        "",
        *machine(),
        (f"- float32 data, ReLU hidden layer, batch {BATCH}, L2 alpha={ALPHA:g} (ranvier reg={ALPHA / BATCH:g}), "
         "sgd with Nesterov momentum 0.9; no early stopping, the last epoch's parameters"),
        (f"- median (min-max) test accuracy and fit time over {args.runs} fits, seeds 0-{args.runs - 1}, the two "
         "libraries' fits interleaved, after one untimed fit of each"),
        f"- BLAS threads: {args.blas_threads or 'BLAS default (one per core)'}",
        *notes,
        "",
        *table,
        "",
        "difference: ranvier's test accuracy minus scikit-learn's for the same seed, mean ± standard error "
        "over the seeds, in percentage points.",
        "speed-up: the median over the seeds of scikit-learn's fit time over ranvier's for the same seed "
        "(the two fits of a seed run back to back, half a second apart, who goes first alternating).",
    ]
    print("\n".join(table))
    _machine.save_report(report, args.out)


if __name__ == "__main__":
    main()
