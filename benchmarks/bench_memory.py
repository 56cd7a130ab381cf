"""Memory: peak resident memory of a CIFAR-10 training run beside the size of the data in float32.

Runs ``ranvier train`` (the command line, in a child process) on the real
CIFAR-10 for one epoch of each recipe given, and reads the child's own peak
resident memory (VmHWM) at its end.  The bar: at most the data in float32
(60000 x 3072 x 4 bytes = 737 MB for the training, validation and test
images) plus 200 MB.  Run:

    python benchmarks/bench_memory.py --data-dir ../shared/data --out docs/memory.md
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import _machine  # the script's own folder is on sys.path

CHILD = """
import sys
from ranvier.cli import main
status = main(sys.argv[1:])
hwm = [line for line in open("/proc/self/status") if line.startswith("VmHWM:")][0]
print("VMHWM", int(hwm.split()[1]) / 1024)
sys.exit(status)
"""
RECIPES = ["examples/configs/cifar10-softmax.toml", "examples/configs/cifar10-mlp.toml",
           "examples/configs/cifar10-mlp-best.toml"]
DATA_MB = 60000 * 3072 * 4 / 2**20


def peak_mb(recipe: str, data_dir: str) -> float:
    with tempfile.TemporaryDirectory() as out:
        cmd = [sys.executable, "-c", CHILD, "train", "--config", recipe, "--data-dir", data_dir, "--epochs", "1",
               "--quiet", "--out", out]
        done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        sys.exit(f"{recipe} failed:\n{done.stderr}")
    return float(next(line.split()[1] for line in done.stdout.splitlines() if line.startswith("VMHWM")))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", default=str(Path(__file__).resolve().parents[2] / "shared" / "data"))
    parser.add_argument("--out", help="write the markdown report here")
    args = parser.parse_args()
    root = Path(__file__).resolve().parents[1]
    lines = [
        "# Memory: peak resident memory of a CIFAR-10 run",
        "",
        f"Measured {time.strftime('%Y-%m-%d')} by `python benchmarks/bench_memory.py`: `ranvier train --config RECIPE "
        "--epochs 1` on the real CIFAR-10, the child process's own peak resident memory (VmHWM).",
        "",
        f"The data in float32: 60000 x 3072 x 4 bytes = {DATA_MB:.0f} MiB (training, validation and test images); "
        f"the bar is that plus 200 MiB = {DATA_MB + 200:.0f} MiB.",
        "",
        "| recipe | peak RSS (MiB) | beyond the data (MiB) | bar met |",
        "|---|---|---|---|",
    ]
    for recipe in RECIPES:
        peak = peak_mb(str(root / recipe), args.data_dir)
        lines.append(f"| {recipe} | {peak:.0f} | {peak - DATA_MB:.0f} | {'yes' if peak <= DATA_MB + 200 else 'no'} |")
        print(lines[-1], flush=True)
    lines += [
        "",
        "How: CIFAR-10 is converted to float32 one batch file at a time, straight into the arrays of the "
        "training, validation and test splits (the uint8 images are never all in memory beside them); NaN "
        "checks run over blocks of rows; a validation split keeps row indices; each minibatch is gathered "
        "into a buffer made once. `tests/test_memory.py` checks, at two data sizes, that the peak grows by "
        "the float32 data and no more.",
    ]
    print("\n".join(lines))
    _machine.save_report(lines, args.out)


if __name__ == "__main__":
    main()
