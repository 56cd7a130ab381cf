"""Seconds per epoch: ranvier's Trainer beside PyTorch and scikit-learn, and the BLAS bound.

Workload: CIFAR-10-shaped float32 data (49000 x 3072; the real CIFAR-10 when
``--data-dir`` holds it, else random numbers of that shape), batch 200, one
epoch of SGD, for a linear softmax classifier, a linear SVM and ReLU MLPs
3072-100-10, 3072-500-10 and 3072-500-500-10; then 3072-500-10 again with
momentum, with Adam and with L2 regularisation; last 3072-500-500-10 with batch
normalisation and dropout 0.3 on every hidden layer, beside the same network
without them (ranvier's, in the same rounds: the cost of the layers).  Each is timed for ``--epochs``
epochs after a warm-up epoch; the table gives the median (min-max).  The
contestants take turns, one epoch each per round with the order rotating and
half a second between two epochs, so that the slow and fast spells of a shared
machine hit them all alike and no library's idle threads spin into the next one's
epoch; a workload's rounds are spread over ``--passes`` passes through the list of
workloads (default 2), minutes apart.  The report gives each contestant's median, best
and worst epoch, the ratios (median over rounds of the two epochs of a round, and of the
best epochs), and, against the bar, 0.7x PyTorch and 0.6x scikit-learn beside the bound
and the epoch's arithmetic at the machine's peak rate (the best 2000 x 2000 float32
product, measured before and after the workloads).

* ranvier: the real :class:`ranvier.Trainer` with its progress output on
  (``verbose=1``) and no validation.
* PyTorch: ``nn.Sequential`` of ``nn.Linear``/``nn.ReLU``, ``torch.optim``, a
  shuffled index per epoch, ``torch.set_num_threads(cores)``.
* scikit-learn: ``SGDClassifier`` (log loss / hinge, ``n_jobs=cores``) for the
  linear models, ``MLPClassifier(solver='sgd')`` for the MLPs, one
  ``partial_fit`` pass per epoch.
* bound: the epoch's matrix products alone, as ranvier's layers make them (its
  weight layout; forward products, weight-gradient products, input-gradient
  products of the hidden layers), into preallocated outputs (batch normalisation and
  dropout add none).
* ranvier, plain: for the workload with batch normalisation and dropout, ranvier's same
  network without them, taking its turn in the same rounds.

This machine sets OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE, which force a slow
OpenBLAS kernel; the script restarts itself without them and prints the kernel
in use.  Run:

    python benchmarks/bench_speed.py --data-dir ../shared/data --out docs/benchmarks.md
"""

from __future__ import annotations

import os

import _machine  # the script's own folder is on sys.path

_machine.without_slow_blas()  # must happen before NumPy loads OpenBLAS

import argparse  # noqa: E402
import itertools  # noqa: E402
import platform  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

M, N, C, BATCH = 49_000, 3072, 10, 200

PLAIN = (False, 0.0)  # (batch normalisation, dropout) of each hidden layer
WORKLOADS = [
    # name, hidden, loss, optimizer, reg, (batch norm, dropout)
    ("linear softmax", (), "softmax", "sgd", 0.0, PLAIN),
    ("linear SVM", (), "svm", "sgd", 0.0, PLAIN),
    ("MLP 3072-100-10", (100,), "softmax", "sgd", 0.0, PLAIN),
    ("MLP 3072-500-10", (500,), "softmax", "sgd", 0.0, PLAIN),
    ("MLP 3072-500-500-10", (500, 500), "softmax", "sgd", 0.0, PLAIN),
    ("MLP 3072-500-10, momentum", (500,), "softmax", "momentum", 0.0, PLAIN),
    ("MLP 3072-500-10, Adam", (500,), "softmax", "adam", 0.0, PLAIN),
    ("MLP 3072-500-10, L2", (500,), "softmax", "sgd", 1e-3, PLAIN),
    ("MLP 3072-500-500-10, batch norm + dropout 0.3", (500, 500), "softmax", "sgd", 0.0, (True, 0.3)),
]
LR = {"sgd": 1e-3, "momentum": 1e-3, "adam": 1e-4}
# Seconds between two contestants' epochs.  After a parallel region, OpenBLAS's and OpenMP's
# worker threads spin for a while before they sleep; without a pause they would take cores from
# whichever library runs next (this cost PyTorch 50% on the linear models, which take 0.2 s).
PAUSE = 0.5


def load_data(data_dir: str | None) -> tuple[np.ndarray, np.ndarray, str]:
    if data_dir and Path(data_dir, "cifar-10-batches-bin").is_dir():
        from ranvier import load_dataset

        d = load_dataset("cifar10", data_dir, val_split=1000, seed=0)
        return d.X_train, d.y_train, f"CIFAR-10 from {data_dir} (49000 training images, scale+center)"
    rng = np.random.default_rng(0)
    X = rng.standard_normal((M, N), dtype=np.float32)
    y = rng.integers(0, C, size=M)
    return X, y, "random float32 data of CIFAR-10's shape (CIFAR-10 not found)"


def summarise(times: list[float]) -> tuple[float, float, float]:
    return statistics.median(times), min(times), max(times)


# Each maker returns a function that runs one more epoch and returns its seconds (None: not available).

# --------------------------------------------------------------------- ranvier
def ranvier_epochs(X, y, hidden, loss, opt, reg, threads, layers=PLAIN):
    from ranvier import MLP, Trainer

    net = MLP((N, *hidden, C), loss=loss, reg=reg, seed=0, batch_norm=layers[0], dropout=layers[1])
    trainer = Trainer(net, opt, lr=LR[opt], batch_size=BATCH, epochs=1, seed=0, verbose=1, restore_best=False)

    def epoch() -> float:  # fit() again continues the training: one more epoch, the optimiser state kept
        history = trainer.fit(X, y)
        return history.epoch["seconds"][-1]  # the Trainer's own timing of the epoch

    return epoch


def ranvier_plain_epochs(X, y, hidden, loss, opt, reg, threads, layers=PLAIN):
    """ranvier's network without batch normalisation and dropout, for a workload that has them."""
    return None if layers == PLAIN else ranvier_epochs(X, y, hidden, loss, opt, reg, threads)


# ---------------------------------------------------------------------- torch
def torch_epochs(X, y, hidden, loss, opt, reg, threads, layers=PLAIN):
    try:
        import torch
    except ImportError:
        return None
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    sizes = (N, *hidden, C)
    modules: list = []
    for k in range(len(sizes) - 1):
        modules.append(torch.nn.Linear(sizes[k], sizes[k + 1]))
        if k < len(sizes) - 2:
            if layers[0]:
                modules.append(torch.nn.BatchNorm1d(sizes[k + 1]))
            modules.append(torch.nn.ReLU())
            if layers[1]:
                modules.append(torch.nn.Dropout(layers[1]))
    model = torch.nn.Sequential(*modules)
    criterion = torch.nn.CrossEntropyLoss() if loss == "softmax" else torch.nn.MultiMarginLoss()
    if opt == "adam":
        optimizer = torch.optim.Adam(model.parameters(), lr=LR[opt], weight_decay=reg)
    else:
        optimizer = torch.optim.SGD(model.parameters(), lr=LR[opt], momentum=0.9 if opt == "momentum" else 0.0,
                                    weight_decay=reg)
    Xt, yt = torch.from_numpy(X), torch.from_numpy(y.astype(np.int64))
    gen = torch.Generator().manual_seed(0)

    def epoch() -> float:
        tic = time.perf_counter()
        order = torch.randperm(len(Xt), generator=gen)
        for start in range(0, len(Xt), BATCH):
            idx = order[start : start + BATCH]
            optimizer.zero_grad(set_to_none=True)
            out = criterion(model(Xt[idx]), yt[idx])
            out.backward()
            optimizer.step()
        return time.perf_counter() - tic

    return epoch


# --------------------------------------------------------------- scikit-learn
def sklearn_epochs(X, y, hidden, loss, opt, reg, threads, layers=PLAIN):
    if layers != PLAIN:
        return None  # MLPClassifier has neither batch normalisation nor dropout
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.linear_model import SGDClassifier
    from sklearn.neural_network import MLPClassifier

    classes = np.arange(C)
    if not hidden:
        if opt != "sgd" or reg:
            return None
        est = SGDClassifier(loss="log_loss" if loss == "softmax" else "hinge", alpha=1e-4, learning_rate="constant",
                            eta0=LR[opt], n_jobs=threads, random_state=0)
    else:
        est = MLPClassifier(hidden_layer_sizes=hidden, solver="adam" if opt == "adam" else "sgd", batch_size=BATCH,
                            learning_rate_init=LR[opt], momentum=0.9 if opt == "momentum" else 0.0,
                            nesterovs_momentum=False, alpha=reg, random_state=0)

    def epoch() -> float:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            tic = time.perf_counter()
            est.partial_fit(X, y, classes=classes)
            return time.perf_counter() - tic

    return epoch


# ---------------------------------------------------------------------- bound
def bound_epochs(X, y, hidden, loss, opt, reg, threads, layers=PLAIN):
    """The epoch's matrix products alone, as ranvier makes them, into preallocated outputs.

    The weights are in ranvier's layout (``weight_layout``: each ``(out, in)`` matrix is the
    transpose of a C-ordered ``(in, out)`` array), so the products are the ones its layers call:
    ``h @ W.T`` and ``h.T @ delta`` untransposed for BLAS, ``delta @ W`` for the hidden layers'
    input gradients.  This is the fastest of the layouts tried (the C-ordered ``(out, in)`` one
    makes the forward and weight-gradient products 6-18% slower at these shapes).
    """
    from ranvier.nn.init import weight_layout

    rng = np.random.default_rng(0)
    sizes = (N, *hidden, C)
    Ws = [weight_layout(rng.standard_normal((sizes[k + 1], sizes[k]), dtype=np.float32) * 0.01)
          for k in range(len(sizes) - 1)]
    xb = rng.standard_normal((BATCH, N), dtype=np.float32)
    outs = [np.empty((BATCH, s), np.float32) for s in sizes[1:]]
    # ordinary numbers in every operand: uninitialised memory may hold NaNs or subnormals
    deltas = [rng.standard_normal((BATCH, s), dtype=np.float32) * 0.01 for s in sizes[1:]]
    dWs = [np.empty_like(W.T) for W in Ws]  # C-ordered (in, out): the transposed buffers ranvier writes
    steps = -(-len(X) // BATCH)

    def epoch() -> float:
        tic = time.perf_counter()
        for _ in range(steps):
            h = xb
            for W, out in zip(Ws, outs):
                np.matmul(h, W.T, out=out)
                h = out
            for k in range(len(Ws) - 1, -1, -1):
                prev = xb if k == 0 else outs[k - 1]
                np.matmul(prev.T, deltas[k], out=dWs[k])
                if k > 0:
                    np.matmul(deltas[k], Ws[k], out=deltas[k - 1])
        return time.perf_counter() - tic

    return epoch


def epoch_flops(m: int, hidden) -> float:
    """Floating-point operations of the products of an epoch over ``m`` rows.

    Per layer of ``a`` inputs and ``b`` outputs and batch of ``k`` rows: ``2 k a b`` each for
    the forward product and the weight gradient, and for every layer but the first (whose
    input is data) ``2 k a b`` more for the input gradient.
    """
    sizes = (N, *hidden, C)
    per_row = sum(2 * a * b * (3 if k else 2) for k, (a, b) in enumerate(itertools.pairwise(sizes)))
    return per_row * m


def peak_flops(n: int = 2000, repeats: int = 7) -> float:
    """The machine's matrix-multiply rate: the best of ``repeats`` float32 n x n products, in FLOP/s."""
    a = np.ones((n, n), np.float32)
    c = np.empty_like(a)
    np.matmul(a, a, out=c)
    best = min(_timed(lambda: np.matmul(a, a, out=c)) for _ in range(repeats))
    return 2 * n**3 / best


def _timed(fn) -> float:
    tic = time.perf_counter()
    fn()
    return time.perf_counter() - tic


CONTESTANTS = {"ranvier": ranvier_epochs, "torch": torch_epochs, "sklearn": sklearn_epochs, "bound": bound_epochs,
               "ranvier, plain": ranvier_plain_epochs}


def time_workloads(X, y, workloads, epochs: int, threads: int, passes: int) -> list[dict[str, list[float] | None]]:
    """Epoch times of every contestant of every workload, taken in turns.

    Within a workload, a round is one epoch of each contestant, the order rotating.  The
    machine's speed drifts (by up to half on this shared virtual machine, for tens of seconds
    to minutes); taking turns exposes every contestant to the same spells, and spreading a
    workload's rounds over ``passes`` passes through the list of workloads (minutes apart)
    keeps one long spell from making all of them.  The first round of each workload warms up
    and is not counted.
    """
    made: list[dict] = [{} for _ in workloads]
    times: list[dict[str, list[float] | None]] = [{} for _ in workloads]
    for p in range(passes):
        rounds = epochs // passes + (p < epochs % passes)
        for w, (_, hidden, loss, opt, reg, layers) in enumerate(workloads):
            runs = made[w]
            if not runs:  # first pass: build the contestants and warm them up
                runs.update({name: make(X, y, hidden, loss, opt, reg, threads, layers)
                             for name, make in CONTESTANTS.items()})
                times[w] = {name: ([] if runs[name] else None) for name in runs}
                rounds_here = rounds + 1
            else:
                rounds_here = rounds
            names = [name for name, run in runs.items() if run is not None]
            for r in range(rounds_here):
                warm_up = p == 0 and r == 0
                shift = (len(times[w][names[0]]) + (0 if warm_up else 1)) % len(names)
                for name in names[shift:] + names[:shift]:
                    time.sleep(PAUSE)  # the last one's idle threads (OpenBLAS, OpenMP) stop spinning first
                    seconds = runs[name]()
                    if not warm_up:
                        times[w][name].append(seconds)
    return times


# ---------------------------------------------------------------------- report
def machine() -> list[str]:
    from _machine import blas, cpu
    lines = [f"- CPU: {cpu()}, {os.cpu_count()} cores", f"- Python {platform.python_version()}, NumPy {np.__version__}",
             f"- NumPy BLAS: {blas()}"]
    try:
        import torch

        lines.append(f"- PyTorch {torch.__version__} ({torch.get_num_threads()} threads)")
    except ImportError:
        lines.append("- PyTorch: not installed")
    import sklearn

    lines.append(f"- scikit-learn {sklearn.__version__}")
    from ranvier.optim import _fused

    if _fused.AVAILABLE:
        import numba

        lines.append(f"- ranvier's fused optimiser updates: on (Numba {numba.__version__}, `pip install '.[fast]'`)")
    else:
        lines.append("- ranvier's fused optimiser updates: off (Numba not installed; NumPy's passes)")
    return lines


def fmt(t: list[float] | None) -> str:
    if not t:
        return "-"
    med, lo, hi = summarise(t)
    return f"{med:.2f} ({lo:.2f}-{hi:.2f})"


def best(t: list[float] | None) -> str:
    return f"{min(t):.2f}" if t else "-"


def best_ratio(a: list[float] | None, b: list[float] | None) -> str:
    """a's fastest epoch over b's: the two with the least of the machine's noise added."""
    return f"{min(a) / min(b):.2f}" if a and b else "-"


def scaled(t: list[float] | None, factor: float) -> str:
    """``factor`` times the median of ``t``, or "-"."""
    return f"{factor * statistics.median(t):.2f}" if t else "-"


def ratio(a: list[float] | None, b: list[float] | None) -> str:
    """The median over rounds of a's epoch time over b's in the same round.

    A round takes seconds, the machine's slow and fast spells last longer, so the ratio within
    a round is what the spell leaves alone; the median of the rounds then drops the odd one out.
    """
    if not a or not b:
        return "-"
    return f"{statistics.median(x / y for x, y in zip(a, b)):.2f}"


NOTES = """\
Reading the tables:

- The machine is a shared 2-core virtual machine whose memory-bound work (the minibatch gather,
  the updates) slows down by up to 3x for tens of seconds to minutes at a time, while the matrix
  products, which run from cache, slow much less: hence the wide min-max ranges, and ratios to the
  bound that grow in a slow spell. Taking turns, spreading the rounds over passes and the
  per-round ratios keep the comparison fair; the absolute medians move by 10-30% from run to run.
  The best epochs are the least disturbed measurements of each contestant.
- The bound is ranvier's own products (its weight layout, into preallocated outputs) timed alone.
  OpenBLAS runs the MLPs' products at 75-90% of the machine's peak rate (the best n x n product),
  the linear models' thin ones (10 columns) at about a third of it. "Products at peak" is the
  epoch's arithmetic at that peak rate: a floor that no implementation's products get under on
  this machine.
- PyTorch's best epoch is 1.2-1.4x the bound's best for the 500-unit MLPs with SGD, momentum or
  L2, so 0.7x of it is 85-97% of the bound: below the time of the products alone, and close to
  the products-at-peak floor, with nothing left for the gather (about 55 ms an epoch in a quiet
  spell), the update, the loss, the activations and Python. With Adam, whose update PyTorch makes
  slower (1.6x the bound), 0.7x PyTorch leaves about 0.2 s. The "0.7 x PyTorch" column, from
  medians, moves with the spells a median catches.
- What is left beyond the bound in ranvier is that gather, the optimiser update (one fused pass
  per big parameter with Numba, the L2 term folded into it, which `benchmarks/bench_l2.py`
  measures at 0.90x the epoch of adding it to the gradient; four to thirteen NumPy passes
  without), the loss and activations, and Python (tens of microseconds a step).

See also: [memory.md](memory.md) (peak memory of a CIFAR-10 run), [scaling.md](scaling.md) (time
against the number of examples; a memory-mapped data set larger than memory) and
[prediction.md](prediction.md) (scores of 10000 images against the forward products)."""


def layer_cost_lines(costs: list[tuple]) -> list[str]:
    """The table of the layers' cost: ranvier's epoch with them over the same network's without."""
    if not costs:
        return []
    return [
        ("The cost of batch normalisation and dropout (issue 14's bar: within 1.25x): ranvier's epoch of the "
         "network with them and of the same network without, taking turns in the same rounds (seconds, median "
         "(min-max)); the ratio is the median over rounds of the two epochs of a round, then that of the best epochs:"),
        "",
        *_machine.markdown_table(("workload", "with the layers", "without", "with / without", "best / best"), costs),
        "",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", default=str(Path(__file__).resolve().parents[2] / "shared" / "data"))
    parser.add_argument("--epochs", type=int, default=5, help="timed epochs after the warm-up (default 5)")
    parser.add_argument("--passes", type=int, default=2,
                        help="passes through the workloads that the timed epochs are spread over (default 2)")
    parser.add_argument("--only", help=f"comma-separated workload numbers (1-{len(WORKLOADS)}) to run")
    parser.add_argument("--out", help="write the markdown report here (e.g. docs/benchmarks.md)")
    args = parser.parse_args()
    if args.epochs < args.passes or args.passes < 1:
        parser.error(f"--epochs ({args.epochs}) must be at least --passes ({args.passes}), which must be >= 1")
    threads = os.cpu_count() or 1
    X, y, source = load_data(args.data_dir)
    chosen = WORKLOADS if not args.only else [WORKLOADS[int(i) - 1] for i in args.only.split(",")]
    print("\n".join(machine()))
    print(f"data: {source}; batch {BATCH}; {args.epochs} timed epochs after one warm-up")
    peak = peak_flops()
    print(f"peak matrix-multiply rate: {peak / 1e9:.0f} GFLOP/s (best 2000 x 2000 float32 product)")
    timed = time_workloads(X, y, chosen, args.epochs, threads, args.passes)
    peak = max(peak, peak_flops())  # measured again after the workloads: the better of two spells
    rows, floors, costs = [], [], []
    for workload, times in zip(chosen, timed):
        r, t, s, b, plain = (times[name] for name in CONTESTANTS)
        if plain:
            costs.append((workload[0], fmt(r), fmt(plain), ratio(r, plain), best_ratio(r, plain)))
        row = (workload[0], fmt(r), fmt(t), fmt(s), fmt(b), ratio(r, t), ratio(r, s), ratio(r, b))
        rows.append(row)
        print(" | ".join(row), flush=True)
        floors.append((workload[0], best(r), best_ratio(r, t), best_ratio(r, s), best_ratio(r, b),
                       scaled(t, 0.7), scaled(s, 0.6), scaled(b, 1.0), f"{epoch_flops(len(X), workload[1]) / peak:.2f}"))
    header = ("workload", "ranvier s/epoch", "PyTorch", "scikit-learn", "matmul bound",
              "ranvier / PyTorch", "ranvier / sklearn", "ranvier / bound")
    table = _machine.markdown_table(header, rows)
    floor_table = _machine.markdown_table(
        ("workload", "ranvier best", "/ PyTorch best", "/ sklearn best", "/ bound best",
         "0.7 x PyTorch", "0.6 x scikit-learn", "bound", "products at peak"), floors)
    report = [
        "# Speed: seconds per epoch",
        "",
        f"Measured {time.strftime('%Y-%m-%d')} by `python benchmarks/bench_speed.py` (OpenBLAS variables unset).",
        "",
        *machine(),
        f"- peak matrix-multiply rate: {peak / 1e9:.0f} GFLOP/s (the best 2000 x 2000 float32 product)",
        f"- data: {source}; batch {BATCH}; median (min-max) of {args.epochs} epochs after a warm-up epoch, "
        f"in {args.passes} passes through the workloads",
        "",
        *table,
        "",
        "Ratios below 1 mean ranvier is faster; each is the median over the rounds of the two epoch times "
        "of the same round. The bound is the time of the epoch's matrix products "
        "alone; everything else (batch gathering, activations, the loss, the update, Python) is the rest.",
        "scikit-learn's MLPClassifier is run with the same solver (sgd, sgd with momentum 0.9, adam) and "
        "its alpha as the L2 strength; SGDClassifier is plain per-example SGD, one-vs-rest.",
        "",
        "Best epochs, and the bar's epoch times against the products': each contestant's fastest epoch "
        "(the one least slowed by the machine's spells) and the ratios of those; then 0.7x PyTorch's and "
        "0.6x scikit-learn's median epoch, the bound's median and the products at the machine's peak rate "
        "(seconds):",
        "",
        *floor_table,
        "",
        *layer_cost_lines(costs),
        NOTES,
    ]
    print("\n".join(table + [""] + floor_table + [""] + layer_cost_lines(costs)))
    _machine.save_report(report, args.out)


if __name__ == "__main__":
    main()
