"""Scale: seconds per epoch against the number of examples, and a memory-mapped 1M x 3072 run.

Part 1 (in memory): random CIFAR-10-shaped float32 data (3072 features, 10
classes) of 10000, 50000 and 200000 rows, batch 200, plain SGD, through the
real :class:`ranvier.Trainer`.  Each size is timed for ``--epochs`` epochs
after a warm-up epoch, the sizes taking turns epoch by epoch; the table gives
the median seconds per epoch and the microseconds per example, which stay
flat when time grows linearly.

Part 2 (streaming): a float32 ``.npy`` of ``--stream-rows`` x 3072 (1M rows are
12.3 GB) is written chunk by chunk, opened with ``numpy.load(mmap_mode='r')``
and trained on for ``--stream-steps`` minibatch steps (batch 200, the rows of
each batch drawn from the whole file by the epoch's random permutation).
The labels come from a random linear teacher, so the loss must fall.
Writing and training run in a child process that puts itself in a memory
cgroup limited to ``--memory-limit`` (Linux cgroup v1 or v2, as root): the
file is then larger than the memory the run may use, and the page cache
that holds the file's pages is reclaimed as the run goes, so pages are read
from disk.  Without the rights to make a cgroup the run goes on unlimited
and says so.  Reported: throughput, the time of the one pass that checks the
file for NaN, and memory (peak RSS; the process's own anonymous memory;
the file pages mapped; the cgroup's peak usage).

This machine sets OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE, which force a slow
OpenBLAS kernel; the script restarts itself without them.  Run:

    python benchmarks/bench_scale.py --stream-dir /tmp/ranvier-stream --out docs/scaling.md
"""

from __future__ import annotations

import os
import sys

import _machine  # the script's own folder is on sys.path

_machine.without_slow_blas()  # must happen before NumPy loads OpenBLAS

import argparse  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

from ranvier.train import Callback  # noqa: E402

N, C, BATCH = 3072, 10, 200
MODELS = {"linear softmax": (), "MLP 3072-100-10": (100,), "MLP 3072-500-10": (500,)}
CHUNK_ROWS = 4_000  # rows generated and written at a time


# ------------------------------------------------------------------- part 1
def scaling(rows: list[int], models: list[str], epochs: int) -> list[dict]:
    """Seconds per epoch of every (model, size), the sizes of a model taking turns epoch by epoch.

    One Trainer per size trains one more epoch per round (``fit`` continues), the order
    rotating each round, so that the slow and fast spells of a shared machine hit every
    size alike; round 0 warms up.
    """
    from ranvier import MLP, Trainer

    rng = np.random.default_rng(0)
    X_all = rng.standard_normal((max(rows), N), dtype=np.float32)
    y_all = rng.integers(0, C, size=max(rows))
    results = []
    for name in models:
        trainers = {m: Trainer(MLP((N, *MODELS[name], C), seed=0), "sgd", lr=1e-3, batch_size=BATCH, epochs=1,
                               verbose=0, seed=0) for m in rows}
        times: dict[int, list[float]] = {m: [] for m in rows}
        for r in range(epochs + 1):
            shift = r % len(rows)
            for m in rows[shift:] + rows[:shift]:
                time.sleep(0.5)  # OpenBLAS's idle threads stop spinning
                seconds = trainers[m].fit(X_all[:m], y_all[:m]).epoch["seconds"][-1]
                if r:
                    times[m].append(seconds)
        for m in rows:
            t = times[m]
            med = statistics.median(t)
            results.append({"model": name, "rows": m, "median": med, "min": min(t), "max": max(t),
                            "us_per_example": med / m * 1e6})
            print(f"{name:18s} {m:>7d} rows: {med:7.3f} s/epoch ({min(t):.3f}-{max(t):.3f}), "
                  f"{med / m * 1e6:6.2f} us/example", flush=True)
    return results


# ------------------------------------------------------------------- part 2
def _cgroup_join(limit_bytes: int) -> str:
    """Put this process in a fresh memory cgroup of ``limit_bytes``; return how, or why not."""
    pid = str(os.getpid())
    name = f"ranvier-bench-{pid}"
    v2 = Path("/sys/fs/cgroup/cgroup.controllers")
    try:
        if v2.is_file() and "memory" in v2.read_text():
            group = Path("/sys/fs/cgroup") / name
            group.mkdir()
            (group / "memory.max").write_text(str(limit_bytes))
            (group / "cgroup.procs").write_text(pid)
            return f"cgroup v2 {group} (memory.max {limit_bytes / 2**30:.1f} GiB)"
        base = Path("/sys/fs/cgroup/memory")
        own = next(line.split(":", 2)[2].strip() for line in open("/proc/self/cgroup") if ":memory:" in line)
        group = base / own.lstrip("/") / name
        group.mkdir()
        (group / "memory.limit_in_bytes").write_text(str(limit_bytes))
        (group / "cgroup.procs").write_text(pid)
        return f"cgroup v1 {group} (limit {limit_bytes / 2**30:.1f} GiB)"
    except (OSError, StopIteration) as exc:
        return f"no cgroup ({exc}); memory not limited"


def _cgroup_peak(where: str) -> float | None:
    """Peak memory (MB) of the cgroup this process joined, page cache included."""
    if not where.startswith("cgroup"):
        return None
    group = Path(where.split()[2])
    for name in ("memory.max_usage_in_bytes", "memory.peak"):
        if (group / name).is_file():
            return int((group / name).read_text()) / 2**20
    return None


def _status_mb(*keys: str) -> dict[str, float]:
    values = {}
    for line in open("/proc/self/status"):
        key = line.split(":")[0]
        if key in keys:
            values[key] = int(line.split()[1]) / 1024
    return values


def write_file(path: Path, rows: int) -> float:
    """``rows`` x 3072 float32 normal numbers and teacher labels, written chunk by chunk."""
    from numpy.lib.format import open_memmap

    tic = time.perf_counter()
    rng = np.random.default_rng(1)
    teacher = rng.standard_normal((N, C), dtype=np.float32)
    tmp_x, tmp_y = path.with_suffix(".X.tmp.npy"), path.with_suffix(".y.tmp.npy")
    X = open_memmap(tmp_x, mode="w+", dtype=np.float32, shape=(rows, N))
    y = np.empty(rows, dtype=np.int64)
    fd = os.open(tmp_x, os.O_RDONLY)
    for start in range(0, rows, CHUNK_ROWS):
        chunk = rng.standard_normal((min(CHUNK_ROWS, rows - start), N), dtype=np.float32)
        X[start:start + len(chunk)] = chunk
        y[start:start + len(chunk)] = (chunk @ teacher).argmax(axis=1)
        X.flush()
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)  # let the written pages go: the run reads them back
    os.close(fd)
    del X
    np.save(tmp_y, y)
    os.replace(tmp_x, path.with_suffix(".X.npy"))
    os.replace(tmp_y, path.with_suffix(".y.npy"))
    return time.perf_counter() - tic


class _StopAfter(Callback):
    """Ends training after ``steps`` steps; records when training began and each step's loss."""

    def __init__(self, steps: int) -> None:
        self.steps, self.losses = steps, []

    def on_train_begin(self, trainer) -> None:
        self.start = time.perf_counter()  # fit() has checked the data by now

    def on_step_end(self, trainer, step, logs) -> None:
        self.end = time.perf_counter()
        self.losses.append(logs["loss"])
        if step >= self.steps:
            trainer.stop_training = True


def stream_child(args) -> None:
    """Runs in the child: join the cgroup, write the file if needed, train on it, print JSON."""
    from ranvier import MLP, Trainer

    where = _cgroup_join(int(args.memory_limit * 2**30)) if args.memory_limit else "no cgroup; memory not limited"
    path = Path(args.stream_dir) / f"stream-{args.stream_rows}"
    write_seconds = None
    if not path.with_suffix(".X.npy").is_file():
        write_seconds = write_file(path, args.stream_rows)
    X = np.load(path.with_suffix(".X.npy"), mmap_mode="r")
    y = np.load(path.with_suffix(".y.npy"))
    model = MLP((N, C), seed=0)
    stopper = _StopAfter(args.stream_steps)
    trainer = Trainer(model, "sgd", lr=1e-3, batch_size=BATCH, epochs=1, verbose=0, seed=0, callbacks=[stopper])
    tic = time.perf_counter()
    trainer.fit(X, y)
    total = time.perf_counter() - tic
    steps = len(stopper.losses)
    check = stopper.start - tic  # fit()'s checks of the data, before the first step
    train = stopper.end - stopper.start
    print(json.dumps({
        "where": where, "rows": int(X.shape[0]), "file_gb": X.nbytes / 1e9, "write_seconds": write_seconds,
        "steps": steps, "check_seconds": check, "train_seconds": train, "total_seconds": total,
        "examples_per_second": steps * BATCH / train,
        "loss_first": float(np.mean(stopper.losses[:20])), "loss_last": float(np.mean(stopper.losses[-20:])),
        "status_mb": _status_mb("VmHWM", "VmRSS", "RssAnon", "RssFile"), "cgroup_peak_mb": _cgroup_peak(where),
    }))


def streaming(args) -> dict:
    Path(args.stream_dir).mkdir(parents=True, exist_ok=True)
    cmd = [sys.executable, __file__, "--child", "--stream-dir", args.stream_dir, "--stream-rows", str(args.stream_rows),
           "--stream-steps", str(args.stream_steps), "--memory-limit", str(args.memory_limit)]
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        sys.exit(f"the streaming run failed (exit status {done.returncode}):\n{done.stderr}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    if result["where"].startswith("cgroup"):  # empty now that the child is gone
        Path(result["where"].split()[2]).rmdir()
    print(json.dumps(result, indent=1), flush=True)
    return result


# ------------------------------------------------------------------- report
def report(scale: list[dict], stream: dict | None, epochs: int) -> str:
    lines = [
        "# Scale: time per epoch against the number of examples, and a memory-mapped data set",
        "",
        f"Measured {time.strftime('%Y-%m-%d')} by `python benchmarks/bench_scale.py` (OpenBLAS variables unset).",
        "",
        f"- CPU: {_machine.cpu()}, {os.cpu_count()} cores",
        f"- Python {platform.python_version()}, NumPy {np.__version__}; BLAS: {_machine.blas()}",
        "",
    ]
    if scale:
        base = {r["model"]: r["us_per_example"] for r in scale if r["rows"] == 50_000}
        lines += [
            f"## Seconds per epoch (random float32 data, 3072 features, batch {BATCH}, plain SGD; "
            f"median (min-max) of {epochs} epochs after a warm-up)",
            "",
            "| model | rows | s/epoch | us per example | per example vs 50000 rows |",
            "|---|---|---|---|---|",
        ]
        for r in scale:
            rel = r["us_per_example"] / base[r["model"]] if r["model"] in base else float("nan")
            lines.append(f"| {r['model']} | {r['rows']} | {r['median']:.3f} ({r['min']:.3f}-{r['max']:.3f}) | "
                         f"{r['us_per_example']:.2f} | {rel:.2f} |")
        lines += ["", "Time per epoch is linear in the number of examples when the last column stays near 1.", ""]
    if stream:
        lines += [
            "## Training on a data set larger than memory",
            "",
            "Open the `.npy` with `numpy.load(path, mmap_mode='r')` and pass it to `Trainer.fit` like any",
            "array: nothing is loaded whole. The NaN check reads the file once,",
            "in blocks; `validation_split` keeps row indices instead of copying rows out; each minibatch",
            "is gathered from the file. While training, the mapping is advised random access (no read-ahead",
            "of neighbouring rows that would go unused), and when a batch's rows arrive slower than memory",
            "gives them (they are on disk), the next batch is read on 16 threads while the current one is",
            "trained on. The file must hold the model's dtype (float32): a file of another dtype is",
            "refused with a message, never converted in memory. Preprocess before writing the file.",
            "",
            "```python",
            "X = np.load('X_train.npy', mmap_mode='r')    # float32, (m, n), larger than memory",
            "y = np.load('y_train.npy')",
            "Trainer(MLP((X.shape[1], 100, 10)), 'sgd', lr=1e-3, batch_size=200, epochs=1).fit(X, y)",
            "```",
            "",
        ]
        mb = stream["status_mb"]
        peak = stream["cgroup_peak_mb"]
        written = "already there" if stream["write_seconds"] is None else f"{stream['write_seconds']:.0f} s"
        lines += [
            f"## Streaming a memory-mapped .npy of {stream['rows']} x {N} float32 ({stream['file_gb']:.1f} GB)",
            "",
            f"- memory: {stream['where']}",
            f"- writing the file chunk by chunk: {written}",
            f"- the NaN check of the whole file before training (one pass, in blocks): {stream['check_seconds']:.1f} s",
            f"- {stream['steps']} steps of {BATCH} random rows (linear softmax, SGD): {stream['train_seconds']:.1f} s, "
            f"**{stream['examples_per_second']:.0f} examples/s**; mean loss of the first 20 steps "
            f"{stream['loss_first']:.3f}, of the last 20 {stream['loss_last']:.3f}",
            f"- peak RSS {mb.get('VmHWM', float('nan')):.0f} MB; at the end RSS {mb.get('VmRSS', float('nan')):.0f} MB, "
            f"of which the process's own memory {mb.get('RssAnon', float('nan')):.0f} MB and mapped file pages "
            f"{mb.get('RssFile', float('nan')):.0f} MB"
            + ("" if peak is None else f"; the cgroup's peak (page cache included) {peak:.0f} MB"),
            "",
        ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", default="10000,50000,200000", help="sizes of part 1 (comma-separated)")
    parser.add_argument("--models", default=",".join(MODELS), help="models of part 1 (comma-separated)")
    parser.add_argument("--epochs", type=int, default=5, help="timed epochs per size (after one warm-up)")
    parser.add_argument("--stream-dir", help="folder for the memory-mapped file of part 2 (kept for reuse)")
    parser.add_argument("--stream-rows", type=int, default=1_000_000)
    parser.add_argument("--stream-steps", type=int, default=2000)
    parser.add_argument("--memory-limit", type=float, default=2.0, help="GiB the streaming run may use (0: no limit)")
    parser.add_argument("--skip-scaling", action="store_true")
    parser.add_argument("--out", help="write the markdown report here")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        stream_child(args)
        return
    scale = [] if args.skip_scaling else scaling([int(r) for r in args.rows.split(",")], args.models.split(","),
                                                 args.epochs)
    stream = streaming(args) if args.stream_dir else None
    text = report(scale, stream, args.epochs)
    print(text)
    _machine.save_report([text], args.out)


if __name__ == "__main__":
    main()
