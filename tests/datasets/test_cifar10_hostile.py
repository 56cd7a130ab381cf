"""Hostile CIFAR-10 python batches, written opcode by opcode: refused, within a small memory bound.

The reader (ranvier.datasets._safe_pickle) never calls NumPy's reconstruction:
each file below gets ranvier's DataFormatError naming the file, and a child
process that reads them all grows its peak resident memory by a few MB only.
"""

from __future__ import annotations

import json
import os
import pickle
import struct
import subprocess
import sys

import numpy as np
import pytest

from ranvier.datasets import DataFormatError, load_cifar10, read_cifar10_pickle

P = pickle


def s(b: bytes) -> bytes:  # a Python-2 string (bytes with encoding="bytes")
    return P.SHORT_BINSTRING + bytes([len(b)]) + b


def i1(v: int) -> bytes:
    return P.BININT1 + bytes([v])


def i4(v: int) -> bytes:
    return P.BININT + struct.pack("<i", v)


def glob(module: bytes, name: bytes) -> bytes:
    return P.GLOBAL + module + b"\n" + name + b"\n"


def dtype(code: bytes, state: bytes | None = None) -> bytes:
    """``numpy.dtype(code, 0, 1)`` then BUILD with ``state`` (numpy's own state of a plain type by default)."""
    if state is None:
        state = P.MARK + i1(3) + s(b"|") + P.NONE * 3 + i4(-1) + i4(-1) + i1(0) + P.TUPLE
    return glob(b"numpy", b"dtype") + s(code) + i1(0) + i1(1) + P.TUPLE3 + P.REDUCE + state + P.BUILD


def array(shape: tuple[int, ...], dt: bytes, raw: bytes, base: tuple[int, ...] = (0,)) -> bytes:
    """``_reconstruct(ndarray, base, b"b")`` then BUILD (1, shape, dtype, False, raw), as NumPy writes it."""
    out = glob(b"numpy.core.multiarray", b"_reconstruct") + glob(b"numpy", b"ndarray")
    out += P.MARK + b"".join(i4(n) for n in base) + P.TUPLE + s(b"b") + P.TUPLE3 + P.REDUCE
    out += P.MARK + i1(1) + P.MARK + b"".join(i4(n) for n in shape) + P.TUPLE + dt + P.NEWFALSE
    return out + P.BINSTRING + struct.pack("<i", len(raw)) + raw + P.TUPLE + P.BUILD


def batch(data: bytes, labels: bytes = P.EMPTY_LIST) -> bytes:
    return (P.PROTO + b"\x02" + P.EMPTY_DICT + P.MARK + s(b"data") + data + s(b"labels") + labels
            + P.SETITEMS + P.STOP)


def structured_state(field_code: bytes, offset: int, itemsize: int) -> bytes:
    """A dtype state with one field ``f`` of ``field_code`` at ``offset`` in records of ``itemsize`` bytes."""
    names = P.MARK + s(b"f") + P.TUPLE
    fields = P.EMPTY_DICT + s(b"f") + dtype(field_code) + i1(offset) + P.TUPLE2 + P.SETITEM
    return P.MARK + i1(3) + s(b"|") + P.NONE + names + fields + i4(itemsize) + i1(1) + i1(63) + P.TUPLE


HUGE = 10**11

HOSTILE = {
    # an object field in a forged structured dtype: NumPy would turn 8 file bytes into a PyObject*
    "object-field": batch(array((1,), dtype(b"V8", structured_state(b"O", 0, 8)), b"\x41" * 8)),
    # the same forged state on an allowed code
    "fields-on-u1": batch(array((1,), dtype(b"u1", structured_state(b"u1", 0, 8)), b"\x41" * 8)),
    # an S64 field in an 8-byte record: NumPy would read 56 bytes past the buffer
    "S64-in-8-bytes": batch(array((1,), dtype(b"V8", structured_state(b"S64", 0, 8)), b"\x41" * 8)),
    "object-dtype": batch(array((2,), dtype(b"O"), b"\x00" * 16)),
    "string-dtype": batch(array((2,), dtype(b"S8"), b"\x00" * 16)),
    "void-dtype": batch(array((2,), dtype(b"V8"), b"\x00" * 16)),
    "bool-dtype": batch(array((2,), dtype(b"b1"), b"\x00" * 2)),
    # a BUILD that would set __defaults__ of an admitted function for the rest of the process
    "defaults-on-reconstruct": (P.PROTO + b"\x02" + glob(b"numpy.core.multiarray", b"_reconstruct") + P.EMPTY_DICT
                                + s(b"__defaults__") + P.MARK + i1(1) + P.TUPLE + P.SETITEM + P.BUILD + P.STOP),
    "defaults-on-dtype-class": (P.PROTO + b"\x02" + glob(b"numpy", b"dtype") + P.EMPTY_DICT
                                + s(b"names") + P.NONE + P.SETITEM + P.BUILD + P.STOP),
    "build-on-a-dict": P.PROTO + b"\x02" + P.EMPTY_DICT + P.EMPTY_DICT + P.BUILD + P.STOP,
    "build-twice": batch(array((1,), dtype(b"u1"), b"\x00") + P.MARK + i1(1) + P.TUPLE + P.BUILD),
    # lengths far beyond the file: 10^11 bytes
    "binbytes8": P.PROTO + b"\x04" + b"\x8e" + struct.pack("<Q", HUGE) + P.STOP,
    "binunicode8": P.PROTO + b"\x04" + b"\x8d" + struct.pack("<Q", HUGE) + P.STOP,
    "bytearray8": P.PROTO + b"\x05" + b"\x96" + struct.pack("<Q", HUGE) + P.STOP,
    "frame": P.PROTO + b"\x04" + b"\x95" + struct.pack("<Q", HUGE) + P.EMPTY_DICT + P.STOP,
    "binstring": P.PROTO + b"\x02" + P.BINSTRING + struct.pack("<i", 2**31 - 1) + P.STOP,
    "binbytes": P.PROTO + b"\x03" + P.BINBYTES + struct.pack("<I", 2**32 - 1) + P.STOP,
    # arrays of 10^8 objects, or of 10^11 bytes declared over a few
    "1e8-objects": batch(array((10**8,), dtype(b"O"), b"", base=(10**8,))),
    "1e8-object-base": (P.PROTO + b"\x02" + glob(b"numpy.core.multiarray", b"_reconstruct")
                        + glob(b"numpy", b"ndarray") + P.MARK + i4(10**8) + P.TUPLE + s(b"O") + P.TUPLE3
                        + P.REDUCE + P.STOP),
    "1e11-bytes-declared": batch(array((100000, 1000000), dtype(b"u1"), b"\x00" * 64)),
    "frombuffer-short": (P.PROTO + b"\x05" + glob(b"numpy.core.numeric", b"_frombuffer") + P.MARK
                         + P.SHORT_BINBYTES + b"\x04abcd" + dtype(b"u1") + P.MARK + i4(10**8) + P.TUPLE
                         + s(b"C") + P.TUPLE + P.REDUCE + P.STOP),
    "shape-product-overflows": batch(array((2**31 - 1,) * 6, dtype(b"u1"), b"")),
    "negative-shape": batch(array((-1, 3072), dtype(b"u1"), b"")),
    # names and opcodes outside the set
    "os-system": P.PROTO + b"\x02" + glob(b"os", b"system") + s(b"true") + P.TUPLE1 + P.REDUCE + P.STOP,
    "newobj": P.PROTO + b"\x02" + glob(b"numpy", b"ndarray") + P.EMPTY_TUPLE + P.NEWOBJ + P.STOP,
    "ext1": P.PROTO + b"\x02" + P.EXT1 + b"\x01" + P.STOP,
    "persid": P.PROTO + b"\x02" + P.BINPERSID + P.STOP,
    "13-bytes": P.PROTO + b"\x02" + P.EMPTY_DICT + P.MARK + s(b"data") + P.NONE + P.SETITEMS,
    "empty": b"",
    "labels-not-ints": batch(array((1, 3072), dtype(b"u1"), b"\x00" * 3072), P.MARK + s(b"x") + P.LIST),
    "labels-too-big": batch(array((1, 3072), dtype(b"u1"), b"\x00" * 3072),
                            P.MARK + P.LONG1 + b"\x09" + b"\x00" * 8 + b"\x01" + P.LIST),
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_batch_is_refused_naming_the_file(tmp_path, name):
    path = tmp_path / "data_batch_1"
    path.write_bytes(HOSTILE[name])
    with pytest.raises(DataFormatError) as info:
        read_cifar10_pickle(path)
    assert str(path) in str(info.value)


def test_refusals_say_what_was_refused(tmp_path):
    expected = {
        "object-field": "dtype 'V8' is not allowed",
        "fields-on-u1": "structured, sub-array dtypes and dtype metadata are not allowed",
        "object-dtype": "dtype 'O' is not allowed",
        "defaults-on-reconstruct": "BUILD on a _Marker is not allowed",
        "build-on-a-dict": "BUILD on a dict is not allowed",
        "build-twice": "BUILD on a ndarray is not allowed",
        "binbytes8": "an opcode declares 100000000000 bytes but only 1 are left in the file",
        "frame": "a frame declares more bytes than the 2 left in the file",
        "1e11-bytes-declared": "shape (100000, 1000000) and dtype uint8 needs 100000000000 bytes, the file gives 64",
        "frombuffer-short": "needs 100000000 bytes, the file gives 4",
        "os-system": "global os.system is not allowed",
        "newobj": "pickle opcode b'\\x81' is not allowed",
        "labels-not-ints": "'labels' must be 1 integers in 0-9, got list of 1",
        "labels-too-big": "'labels' must be 1 integers in 0-9, got list of 1",
        "13-bytes": "the file ends before the pickle's STOP (truncated?)",
        "S64-in-8-bytes": "dtype 'V8' is not allowed",
    }
    for name, words in expected.items():
        path = tmp_path / name
        path.write_bytes(HOSTILE[name])
        with pytest.raises(DataFormatError) as info:
            read_cifar10_pickle(path)
        assert words in str(info.value), (name, str(info.value))


def test_admitted_functions_keep_their_defaults(tmp_path):
    from numpy._core import multiarray, numeric

    before = (multiarray._reconstruct.__doc__, getattr(numeric._frombuffer, "__defaults__", None))
    for name in ("defaults-on-reconstruct", "defaults-on-dtype-class"):
        path = tmp_path / name
        path.write_bytes(HOSTILE[name])
        with pytest.raises(DataFormatError):
            read_cifar10_pickle(path)
    assert (multiarray._reconstruct.__doc__, getattr(numeric._frombuffer, "__defaults__", None)) == before
    assert np.dtype("u1").names is None


_CHILD = """
import json, sys
from ranvier.datasets import DataFormatError, read_cifar10_pickle

def hwm():
    return [int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmHWM:")][0] / 1024

base = hwm()
out = {}
for path in sys.argv[1:]:
    try:
        read_cifar10_pickle(path)
        out[path] = "loaded"
    except DataFormatError as err:
        out[path] = "DataFormatError" if path in str(err) else "no file name: " + str(err)
    except BaseException as err:
        out[path] = type(err).__name__ + ": " + str(err)
print(json.dumps({"grew_mb": hwm() - base, "results": out}))
"""


@pytest.mark.skipif(not os.path.exists("/proc/self/status"), reason="peak memory is read from /proc (Linux)")
def test_hostile_batches_cost_almost_no_memory(tmp_path):
    paths = []
    for name, payload in sorted(HOSTILE.items()):
        paths.append(str(tmp_path / name))
        (tmp_path / name).write_bytes(payload)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    done = subprocess.run([sys.executable, "-c", _CHILD, *paths], capture_output=True, text=True, env=env,
                          timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["results"] == {p: "DataFormatError" for p in paths}
    # measured: under 1 MB; NumPy's reconstruction reached 859 MB on the 1e8-object files
    print("peak RSS grew by", report["grew_mb"], "MB")
    assert report["grew_mb"] < 50, report["grew_mb"]


def test_hostile_meta_file_is_refused(make_cifar):
    root, _ = make_cifar("python")
    meta = root / "cifar-10-batches-py" / "batches.meta"
    for payload, words in [
        (HOSTILE["binbytes8"], "declares 100000000000 bytes"),
        (pickle.dumps({b"label_names": [b"x" * 65] * 10}, protocol=2), "at most 64 bytes"),
        (pickle.dumps({b"label_names": b"airplane"}, protocol=2), "got bytes"),
        (pickle.dumps({b"label_names": [1] * 10}, protocol=2), "must be a list of 10 byte strings"),
        (pickle.dumps({b"label_names": [b"a"] * 11}, protocol=2), "got list of 11"),
        (pickle.dumps({b"num_vis": 3072}, protocol=2), "got NoneType"),
    ]:
        meta.write_bytes(payload)
        with pytest.raises(DataFormatError) as info:
            load_cifar10(root)
        assert str(meta) in str(info.value) and words in str(info.value), str(info.value)


@pytest.mark.parametrize("protocol", [2, 3, 4, 5])
@pytest.mark.parametrize("order", ["C", "F"])
def test_numpy_pickles_load_bit_for_bit(tmp_path, protocol, order):
    rng = np.random.default_rng(protocol)
    data = np.asarray(rng.integers(0, 256, (7, 3072), dtype=np.uint8), order=order)
    labels = [int(v) for v in rng.integers(0, 10, 7)]
    path = tmp_path / "data_batch_1"
    path.write_bytes(pickle.dumps({b"data": data, b"labels": labels, b"filenames": [b"a.png"] * 7,
                                   b"batch_label": b"training batch 1 of 5"}, protocol=protocol))
    X, y = read_cifar10_pickle(path)
    expected = data.reshape(7, 3, 32, 32).transpose(0, 2, 3, 1)
    assert X.dtype == np.uint8 and X.shape == (7, 32, 32, 3) and np.array_equal(X, expected)
    assert y.dtype == np.int64 and y.tolist() == labels


@pytest.mark.parametrize("code", ["<i4", ">i8", "<u2", "<f8", "|u1", "|i1"])
def test_label_arrays_of_plain_numbers_load(tmp_path, code):
    data = np.zeros((3, 3072), np.uint8)
    path = tmp_path / "data_batch_1"
    path.write_bytes(pickle.dumps({"data": data, "labels": np.array([0, 9, 4], dtype=code)}, protocol=2))
    if code[1] == "f":
        with pytest.raises(DataFormatError, match="'labels' must be 3 integers"):
            read_cifar10_pickle(path)
    else:
        assert read_cifar10_pickle(path)[1].tolist() == [0, 9, 4]


def test_an_oversized_meta_txt_is_refused(make_cifar):
    root, _ = make_cifar("binary")
    meta = root / "cifar-10-batches-bin" / "batches.meta.txt"
    meta.write_bytes(b"cat\n" * 100000)
    with pytest.raises(DataFormatError, match="longer than 65536 bytes") as info:
        load_cifar10(root)
    assert str(meta) in str(info.value)
