"""Time one optimiser step on the parameters of a CIFAR-10 MLP (3072-500-10, float32).

Usage::

    python benchmarks/bench_optim.py [--repeats 30]

For each optimiser it prints the median time of one ``opt.step`` (in place,
scratch space allocated by ``init``), next to a plain NumPy Adam that writes
fresh arrays at every step (``m = b1*m + (1-b1)*g`` ...) and, when PyTorch is
installed, ``torch.optim`` on the same float32 tensors (single-tensor path).
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

from ranvier.optim import get_optimizer

SHAPES = {"W1": (500, 3072), "b1": (500,), "W2": (10, 500), "b2": (10,)}
CASES = [
    ("sgd", {"lr": 1e-2}),
    ("momentum", {"lr": 1e-2}),
    ("nesterov", {"lr": 1e-2, "weight_decay": 1e-4}),
    ("adagrad", {"lr": 1e-2}),
    ("rmsprop", {"lr": 1e-3}),
    ("rmsprop", {"lr": 1e-3, "centered": True, "momentum": 0.9}),
    ("adam", {"lr": 1e-3}),
    ("adam", {"lr": 1e-3, "amsgrad": True}),
    ("adamw", {"lr": 1e-3}),
]


def median_ms(fn, repeats: int, warmup: int = 3) -> float:
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return 1e3 * statistics.median(times)


def naive_adam(params, grads, m, v, t, lr=1e-3, b1=0.9, b2=0.999, eps=1e-8):
    """Adam as it is often written: every line makes new parameter-sized arrays."""
    for k in params:
        m[k] = b1 * m[k] + (1 - b1) * grads[k]
        v[k] = b2 * v[k] + (1 - b2) * grads[k] ** 2
        m_hat = m[k] / (1 - b1**t)
        v_hat = v[k] / (1 - b2**t)
        params[k] -= lr * m_hat / (np.sqrt(v_hat) + eps)


def torch_step(name, kwargs, params, grads):
    try:
        import torch
    except ImportError:
        return None
    cfg = get_optimizer(name, **kwargs).get_config()
    kind = cfg.pop("name")
    if kind in ("adam", "adamw"):
        cfg["betas"] = (cfg.pop("beta1"), cfg.pop("beta2"))
    cls = {"sgd": "SGD", "adagrad": "Adagrad", "rmsprop": "RMSprop", "adam": "Adam", "adamw": "AdamW"}[kind]
    tensors = [torch.from_numpy(p.copy()).requires_grad_() for p in params.values()]
    for t, g in zip(tensors, grads.values()):
        t.grad = torch.from_numpy(g.copy())
    opt = getattr(torch.optim, cls)(tensors, **cfg, foreach=False)
    return opt.step


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=30)
    args = parser.parse_args()

    rng = np.random.default_rng(0)
    params = {k: (0.01 * rng.standard_normal(s)).astype(np.float32) for k, s in SHAPES.items()}
    grads = {k: (0.01 * rng.standard_normal(s)).astype(np.float32) for k, s in SHAPES.items()}
    n = sum(p.size for p in params.values())
    print(f"one step on {n:,} float32 parameters ({4 * n / 2**20:.1f} MiB), median of {args.repeats}")
    print(f"{'optimiser':52s} {'ranvier':>9s} {'torch':>9s}")
    for name, kwargs in CASES:
        opt = get_optimizer(name, **kwargs)
        p = {k: v.copy() for k, v in params.items()}
        state = opt.init(p)
        ours = median_ms(lambda: opt.step(p, grads, state), args.repeats)
        step = torch_step(name, kwargs, params, grads)
        theirs = f"{median_ms(step, args.repeats):7.2f}ms" if step else "      -  "
        label = f"{name} {kwargs}"
        print(f"{label:52s} {ours:7.2f}ms {theirs}")

    p = {k: v.copy() for k, v in params.items()}
    m = {k: np.zeros_like(v) for k, v in p.items()}
    v = {k: np.zeros_like(x) for k, x in p.items()}
    t = [0]

    def naive():
        t[0] += 1
        naive_adam(p, grads, m, v, t[0])

    print(f"{'adam written with fresh arrays (for comparison)':52s} {median_ms(naive, args.repeats):7.2f}ms")


if __name__ == "__main__":
    main()
