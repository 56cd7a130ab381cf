"""Layer stacks against the fused MLP: time per training step, side by side in one run.

Two comparisons on random float32 data (batch 200, a few steps per round, the
variants taking turns, median over rounds):

* 3072-500-10 relu: ``MLP`` (its fused passes) against the same network as a
  ``Sequential`` of layers (the layer path), bit for bit the same numbers;
* 3072-500-500-10 relu: with batch normalisation and dropout 0.3 on each hidden
  layer against without (the issue's bar: within 1.25x), as steps and as whole
  Trainer epochs of ``--steps`` batches.

Each round times ``--steps`` steps of each variant; the report gives the
median over rounds of the per-round ratio and the ratio of the best rounds.

With ``--baseline DIR``, also the plain 3072-500-10 MLP of another ranvier
(``DIR/ranvier_base``, a copy of an older ``src/ranvier`` imported under that
name) against this one's: "as fast as today's" measured in the same run.
Each step is the Trainer's: forward, backward and an SGD update.
Run (short; the BLAS variables of this machine are unset by the script):

    mkdir -p /tmp/base && git archive 88ff7ea src/ranvier | tar -x -C /tmp/base \
        && mv /tmp/base/src/ranvier /tmp/base/ranvier_base
    python benchmarks/bench_layers.py --rounds 5 --steps 20 --baseline /tmp/base
"""

from __future__ import annotations

import _machine  # the script's own folder is on sys.path

_machine.without_slow_blas()  # must happen before NumPy loads OpenBLAS

import argparse  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402

from ranvier import MLP, SGD, Sequential, Trainer  # noqa: E402
from ranvier.nn import Linear, ReLU  # noqa: E402
from ranvier.train.step import TrainStep  # noqa: E402


def as_layers(net: MLP) -> Sequential:
    """The plain MLP as a Sequential of Linear and ReLU layers sharing its arrays."""
    layers = []
    for k in range(1, net.n_layers + 1):
        layers.append(Linear.from_arrays(net.params[f"W{k}"], net.params[f"b{k}"]))
        if k < net.n_layers:
            layers.append(ReLU())
    return Sequential(layers, loss=net.loss_name, reg=net.reg)


def step_seconds(model, X, y, steps: int, batch: int = 200) -> float:
    """Seconds per training step over ``steps`` steps of ``batch`` rows."""
    trainer = Trainer(model, SGD(lr=1e-3), verbose=0)
    trainer.state = trainer.optimizer.init(model.params)
    step = TrainStep(trainer)  # the training loop's step: loss, gradients, update
    ws = model.workspace(batch)
    tic = time.perf_counter()
    for i in range(steps):
        start = (i * batch) % (len(X) - batch + 1)
        xb, yb = X[start : start + batch], y[start : start + batch]
        step.loss_and_grads(xb, yb, ws, None)
        step.update(ws.grads, 1e-3)
    return (time.perf_counter() - tic) / steps


def epoch_seconds(model, X, y, steps: int, batch: int = 200) -> float:
    """Seconds of one Trainer epoch of ``steps * batch`` rows (shuffled gathers, modes, the loop)."""
    trainer = Trainer(model, "sgd", lr=1e-3, batch_size=batch, epochs=1, seed=0, verbose=0, restore_best=False)
    return trainer.fit(X[: steps * batch], y[: steps * batch]).epoch["seconds"][-1]


def compare(models: dict, X, y, rounds: int, steps: int, timer=step_seconds) -> dict[str, list[float]]:
    times: dict[str, list[float]] = {name: [] for name in models}
    names = list(models)
    for r in range(rounds + 1):  # round 0 warms up (buffers, BLAS threads)
        for name in names if r % 2 else names[::-1]:
            seconds = timer(models[name], X, y, steps)
            if r:
                times[name].append(seconds)
    return times


def report(title: str, times: dict[str, list[float]]) -> list[str]:
    (a, ta), (b, tb) = times.items()
    ratios = [y / x for x, y in zip(ta, tb)]
    rows = [[name, f"{1000 * statistics.median(t):.2f}", f"{1000 * min(t):.2f}"] for name, t in times.items()]
    lines = [f"### {title}", "", *_machine.markdown_table(["variant", "ms (median)", "best"], rows), "",
             f"{b} / {a}: {statistics.median(ratios):.3f} (median of {len(ratios)} rounds), "
             f"{min(tb) / min(ta):.3f} (best steps; a shared machine's slow spells spare the best)", ""]
    print("\n".join(lines), flush=True)
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--out", help="write the markdown report here")
    parser.add_argument("--baseline", help="a folder holding ranvier_base, an older ranvier to compare with")
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    X = rng.normal(size=(4000, 3072)).astype(np.float32)
    y = rng.integers(0, 10, size=4000)
    lines = [f"CPU: {_machine.cpu()}; BLAS: {_machine.blas()}", ""]
    if args.baseline:
        import sys

        sys.path.insert(0, args.baseline)
        import ranvier_base

        lines += report("3072-500-10 plain MLP: the baseline's vs this ranvier's", compare(
            {"baseline MLP": ranvier_base.MLP((3072, 500, 10), seed=0), "this MLP": MLP((3072, 500, 10), seed=0)},
            X, y, args.rounds, args.steps))
    fused = MLP((3072, 500, 10), seed=0)
    layered = as_layers(MLP((3072, 500, 10), seed=0))
    lines += report("3072-500-10: fused MLP vs the same layers", compare(
        {"MLP (fused)": fused, "Sequential (layers)": layered}, X, y, args.rounds, args.steps))
    plain = MLP((3072, 500, 500, 10), seed=0)
    extra = MLP((3072, 500, 500, 10), seed=0, batch_norm=True, dropout=0.3)
    lines += report("3072-500-500-10: batch norm + dropout 0.3 vs plain", compare(
        {"plain": plain, "batch norm + dropout": extra}, X, y, args.rounds, args.steps))
    lines += report("3072-500-500-10, whole Trainer epochs: batch norm + dropout 0.3 vs plain", compare(
        {"plain": plain, "batch norm + dropout": extra}, X, y, args.rounds, args.steps, timer=epoch_seconds))
    _machine.save_report(lines, args.out)


if __name__ == "__main__":
    main()
