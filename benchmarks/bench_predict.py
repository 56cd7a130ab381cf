"""Prediction: scores of 10000 CIFAR-10 images with the 3072-500-10 MLP, beside the BLAS bound.

* ranvier: ``model.scores(X)`` and ``model.predict(X)`` of a :class:`ranvier.MLP`
  (the public API: input checks included).
* bound: the forward pass's two matrix products alone, ``X @ W1.T`` and
  ``H @ W2.T`` at full size into preallocated outputs.
* PyTorch: the same network's forward under ``torch.inference_mode()``.
* scikit-learn: ``MLPClassifier.predict_proba`` with the same weights.

The contestants take turns (one call each per round, the order rotating
from round to round), so that a slow spell of the machine hits them all
alike; the table gives the median (min-max) over ``--rounds`` rounds.
The data are the CIFAR-10 test batch when ``--data-dir`` holds it (scaled
and centred), else random numbers of that shape.  The script restarts itself
without OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE.  Run:

    python benchmarks/bench_predict.py --data-dir ../shared/data --out docs/prediction.md
"""

from __future__ import annotations

import os

import _machine  # the script's own folder is on sys.path

_machine.without_slow_blas()  # must happen before NumPy loads OpenBLAS

import argparse  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

M, N, H, C = 10_000, 3072, 500, 10


def load_test(data_dir: str | None) -> tuple[np.ndarray, str]:
    if data_dir and Path(data_dir, "cifar-10-batches-bin").is_dir():
        from ranvier import load_dataset

        return load_dataset("cifar10", data_dir, val_split=1000, seed=0).X_test, "the CIFAR-10 test batch"
    return np.random.default_rng(0).standard_normal((M, N), dtype=np.float32), "random data (CIFAR-10 not found)"


def contestants(X: np.ndarray, threads: int) -> dict:
    from ranvier import MLP

    model = MLP((N, H, C), seed=0)
    W1, b1, W2, b2 = (model.params[k] for k in ("W1", "b1", "W2", "b2"))
    out1, out2 = np.empty((M, H), np.float32), np.empty((M, C), np.float32)

    def bound():
        np.matmul(X, W1.T, out=out1)
        np.matmul(out1, W2.T, out=out2)

    runs = {"ranvier scores": lambda: model.scores(X), "ranvier predict": lambda: model.predict(X), "bound": bound}
    try:
        import torch

        torch.set_num_threads(threads)
        net = torch.nn.Sequential(torch.nn.Linear(N, H), torch.nn.ReLU(), torch.nn.Linear(H, C))
        with torch.no_grad():
            for layer, W, b in ((net[0], W1, b1), (net[2], W2, b2)):
                layer.weight.copy_(torch.from_numpy(np.ascontiguousarray(W)))
                layer.bias.copy_(torch.from_numpy(b))
        Xt = torch.from_numpy(X)

        def torch_forward():
            with torch.inference_mode():
                return net(Xt)

        runs["PyTorch forward"] = torch_forward
        np.testing.assert_allclose(torch_forward().numpy(), model.scores(X), rtol=1e-3, atol=1e-3)
    except ImportError:
        pass
    from sklearn.neural_network import MLPClassifier

    est = MLPClassifier(hidden_layer_sizes=(H,), max_iter=1).fit(X[:20], np.arange(20) % C)
    est.coefs_ = [np.ascontiguousarray(W1.T), np.ascontiguousarray(W2.T)]
    est.intercepts_ = [b1.copy(), b2.copy()]
    runs["scikit-learn predict_proba"] = lambda: est.predict_proba(X)
    return runs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", default=str(Path(__file__).resolve().parents[2] / "shared" / "data"))
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--out", help="write the markdown report here (e.g. docs/prediction.md)")
    args = parser.parse_args()
    import warnings

    X, source = load_test(args.data_dir)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        runs = contestants(X, os.cpu_count() or 1)
    names = list(runs)
    times = {name: [] for name in names}
    for r in range(args.rounds + 1):
        shift = r % len(names)
        for name in names[shift:] + names[:shift]:
            time.sleep(0.3)  # the last one's idle threads (OpenBLAS, OpenMP) stop spinning first
            tic = time.perf_counter()
            runs[name]()
            if r:  # round 0 warms up
                times[name].append(time.perf_counter() - tic)
    lines = [
        "# Prediction: scores of 10000 CIFAR-10 images with the 3072-500-10 MLP",
        "",
        f"Measured {time.strftime('%Y-%m-%d')} by `python benchmarks/bench_predict.py` (OpenBLAS variables unset).",
        "",
        f"- CPU: {_machine.cpu()}, {os.cpu_count()} cores; BLAS: {_machine.blas()}",
        f"- data: {source}, {M} x {N}; median (min-max) of {args.rounds} rounds, the contestants taking turns",
        "",
        "| | ms | / bound |",
        "|---|---|---|",
    ]
    for name in names:
        t = times[name]
        ratio = statistics.median(a / b for a, b in zip(t, times["bound"]))  # within each round
        lines.append(f"| {name} | {1e3 * statistics.median(t):.1f} ({1e3 * min(t):.1f}-{1e3 * max(t):.1f}) | "
                     f"{ratio:.2f} |")
    lines += ["", "bound: the forward pass's two matrix products alone (`X @ W1.T`, `H @ W2.T`), into "
              "preallocated outputs; the ratio is the median over rounds of the two times of the same round."]
    print("\n".join(lines))
    _machine.save_report(lines, args.out)


if __name__ == "__main__":
    main()
