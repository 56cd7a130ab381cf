"""Gzipped IDX files whose header and stream disagree: refused before anything is allocated."""

from __future__ import annotations

import gzip
import os
import struct
import subprocess
import sys

import numpy as np
import pytest

from ranvier.datasets import DataFormatError, read_idx


def _bomb(path, shape, inflated: int) -> None:
    """A gzip file: an IDX header of ``shape``, then ``inflated`` zero bytes (compressed ~1000:1)."""
    with gzip.open(path, "wb", compresslevel=1) as f:
        f.write(struct.pack(">I", 0x0800 | len(shape)) + struct.pack(f">{len(shape)}I", *shape))
        zeros = bytes(1 << 24)
        for _ in range(inflated >> 24):
            f.write(zeros)


@pytest.mark.parametrize(("shape", "inflated", "words"), [
    ((60000, 28, 28), 1 << 24, r"declares shape \(60000, 28, 28\) \(47040000 values\) but the file holds 16777216"),
    ((100, 28, 28), 1 << 24, r"declares shape \(100, 28, 28\) \(78400 values\) but the file holds more"),
    ((2**32 - 1, 28, 28), 1 << 24, "but the file holds 16777216"),
])
def test_gzip_header_and_stream_that_disagree(tmp_path, shape, inflated, words):
    path = tmp_path / "train-images-idx3-ubyte.gz"
    _bomb(path, shape, inflated)
    with pytest.raises(DataFormatError, match=words) as info:
        read_idx(path)
    assert str(path) in str(info.value)


def test_a_gzip_file_that_agrees_loads_bit_for_bit(tmp_path):
    X = np.random.default_rng(0).integers(0, 256, (300, 28, 28), dtype=np.uint8)
    path = tmp_path / "x.gz"
    path.write_bytes(gzip.compress(struct.pack(">IIII", 0x0803, 300, 28, 28) + X.tobytes()))
    back = read_idx(path)
    assert back.dtype == np.uint8 and np.array_equal(back, X) and back.flags.writeable


@pytest.mark.skipif(not os.path.exists("/proc/self/status"), reason="peak memory is read from /proc (Linux)")
def test_a_gzip_bomb_costs_no_memory(tmp_path):
    path = tmp_path / "bomb.gz"
    _bomb(path, (2**32 - 1, 28, 28), 1 << 29)  # 512 MiB of zeros in a ~0.5 MB file
    code = f"""
from ranvier.datasets import DataFormatError, read_idx
def hwm():
    return [int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmHWM:")][0] / 1024
base = hwm()
try:
    read_idx({str(path)!r})
except DataFormatError as err:
    assert "but the file holds 536870912" in str(err), str(err)
print(hwm() - base)
"""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    print("peak RSS grew by", done.stdout.strip(), "MB")
    assert float(done.stdout) < 50  # measured: a few MB (2.1 GB before: the stream was kept in memory)
