"""Memory: a CIFAR-10 run holds the data in float32 once, plus one batch file while loading.

Peak resident memory is measured for real, in a child process running
``ranvier train`` on CIFAR-10 files in the official binary format (random
pixels), at two sizes.  What the larger run needs beyond the smaller one must
be its extra data in float32 and not much more: a float32 copy, the uint8 pool
kept beside the float32 one, or a full-size bool temporary of a NaN check
would each add a quarter to the whole of the extra data and fail the test.
"""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest

FILES = [f"data_batch_{i}.bin" for i in range(1, 6)] + ["test_batch.bin"]
RECORD = 3073


def _write_cifar(folder, per_file: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True)
    for name in FILES:
        records = rng.integers(0, 256, size=(per_file, RECORD), dtype=np.uint8)
        records[:, 0] = np.arange(per_file) % 10
        (folder / name).write_bytes(records.tobytes())


# Runs the command line and prints the process's peak resident memory (VmHWM) at the end.  The
# child's own /proc figure is used, not the parent's wait4() accounting, which on Linux starts
# from the memory of the (large) test process that forked it.
_CHILD = """
import sys
from ranvier.cli import main
status = main(sys.argv[1:])
hwm = [line for line in open("/proc/self/status") if line.startswith("VmHWM:")][0]
print(int(hwm.split()[1]) / 1024)
sys.exit(status)
"""


def _peak_rss_mb(data_dir, out) -> float:
    """Peak resident memory (MB) of ``ranvier train`` on the folder."""
    cmd = [sys.executable, "-c", _CHILD, "train", "--data", "cifar10", "--data-dir", str(data_dir),
           "--model", "linear", "--epochs", "1", "--batch-size", "200", "--quiet", "--out", str(out)]
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert (out / "model.npz").is_file()
    return float(done.stdout.split()[-1])


@pytest.mark.skipif(not os.path.exists("/proc/self/status"),
                    reason="the child reports its peak memory from /proc/self/status, which only Linux has")
def test_peak_memory_grows_by_the_float32_data_only(tmp_path):
    small, large = 400, 5000  # rows per file; six files
    _write_cifar(tmp_path / "small" / "cifar-10-batches-bin", small, seed=0)
    _write_cifar(tmp_path / "large" / "cifar-10-batches-bin", large, seed=1)
    peak_small = _peak_rss_mb(tmp_path / "small", tmp_path / "run-small")
    peak_large = _peak_rss_mb(tmp_path / "large", tmp_path / "run-large")
    extra_data = 6 * (large - small) * 3072 * 4 / 2**20  # MB of float32
    one_file = large * RECORD / 2**20  # the one file being converted while loading
    # measured: 0.7 MB beyond the extra data (59 MB when the uint8 images were all kept while converting)
    assert peak_large - peak_small <= extra_data + one_file + 8, (peak_small, peak_large, extra_data)
    assert peak_large - peak_small >= 0.9 * extra_data  # the measurement sees the data at all
