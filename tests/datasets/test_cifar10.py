"""CIFAR-10 loaders on small files written in the official formats (no real data needed)."""

from __future__ import annotations

import builtins
import io
import os
import pickle
import struct

import numpy as np
import pytest

from ranvier.datasets import CIFAR10_CLASSES, DataFormatError, load_cifar10, read_cifar10_binary, read_cifar10_pickle
from ranvier.datasets.cifar10 import find_cifar10


def _record(label: int, pixels: dict[tuple[int, int], tuple[int, int, int]]) -> bytes:
    """One 3073-byte record, written byte by byte as the format describes."""
    rec = bytearray(3073)
    rec[0] = label
    for (row, col), rgb in pixels.items():
        for channel, value in enumerate(rgb):
            rec[1 + 1024 * channel + 32 * row + col] = value
    return bytes(rec)


# ---------------------------------------------------------------- binary version


def test_binary_record_layout_lands_in_hwc(tmp_path):
    path = tmp_path / "data_batch_1.bin"
    path.write_bytes(_record(7, {(5, 7): (11, 22, 33), (0, 0): (1, 2, 3)}) + _record(2, {(31, 30): (250, 0, 9)}))
    X, y = read_cifar10_binary(path)
    assert X.shape == (2, 32, 32, 3) and X.dtype == np.uint8 and X.flags.c_contiguous
    assert y.dtype == np.int64 and y.tolist() == [7, 2]
    assert X[0, 5, 7].tolist() == [11, 22, 33]
    assert X[0, 0, 0].tolist() == [1, 2, 3]
    assert X[1, 31, 30].tolist() == [250, 0, 9]
    assert int(X[0].sum()) == 11 + 22 + 33 + 1 + 2 + 3
    assert int(X[1].sum()) == 250 + 9


@pytest.mark.parametrize("point_at", ["parent", "batches"])
def test_load_binary_folder(make_cifar, point_at):
    root, exp = make_cifar("binary")
    data_dir = root if point_at == "parent" else root / "cifar-10-batches-bin"
    data = load_cifar10(data_dir)
    assert data.X_train.shape == (100, 32, 32, 3) and data.X_test.shape == (20, 32, 32, 3)
    assert data.X_train.dtype == np.uint8 and data.y_train.dtype == np.int64
    np.testing.assert_array_equal(data.X_train, exp["X_train"])
    np.testing.assert_array_equal(data.y_train, exp["y_train"])
    np.testing.assert_array_equal(data.X_test, exp["X_test"])
    np.testing.assert_array_equal(data.y_test, exp["y_test"])
    assert data.class_names == CIFAR10_CLASSES


def test_flatten_keeps_the_rgb_of_a_pixel_together(make_cifar):
    root, exp = make_cifar("binary")
    X = load_cifar10(root, flatten=True).X_train
    assert X.shape == (100, 3072) and X.flags.c_contiguous
    k, row, col = 13, 4, 9
    start = (row * 32 + col) * 3
    assert X[k, start:start + 3].tolist() == exp["X_train"][k, row, col].tolist()


def test_class_names_come_from_the_meta_file(make_cifar):
    root, _ = make_cifar("binary")
    names = [f"class {k}" for k in range(10)]
    (root / "cifar-10-batches-bin" / "batches.meta.txt").write_text("\n".join(names) + "\n")
    assert load_cifar10(root).class_names == names


def test_missing_meta_file_falls_back_to_the_known_names(make_cifar):
    root, _ = make_cifar("binary", meta=False)
    assert load_cifar10(root).class_names == CIFAR10_CLASSES


def test_meta_file_with_wrong_count_is_refused(make_cifar):
    root, _ = make_cifar("binary")
    (root / "cifar-10-batches-bin" / "batches.meta.txt").write_text("cat\ndog\n")
    with pytest.raises(DataFormatError, match="2 class names"):
        load_cifar10(root)


@pytest.mark.parametrize("n_bytes", [0, 3072, 3074, 3073 * 2 + 5])
def test_binary_length_not_a_multiple_of_3073(tmp_path, n_bytes):
    path = tmp_path / "data_batch_1.bin"
    path.write_bytes(bytes(n_bytes))
    with pytest.raises(DataFormatError, match="3073"):
        read_cifar10_binary(path)


def test_binary_label_out_of_range(tmp_path):
    path = tmp_path / "test_batch.bin"
    path.write_bytes(_record(3, {}) + _record(10, {}))
    with pytest.raises(DataFormatError, match="label 10"):
        read_cifar10_binary(path)


# ---------------------------------------------------------------- finding the folder


def test_missing_data_says_where_it_looked_and_where_to_get_it(tmp_path):
    with pytest.raises(FileNotFoundError) as info:
        load_cifar10(tmp_path / "nowhere")
    msg = str(info.value)
    assert "CIFAR-10 binary version" in msg
    assert "https://www.cs.toronto.edu/~kriz/cifar.html" in msg
    assert str(tmp_path / "nowhere" / "cifar-10-batches-bin") in msg
    assert "never downloads" in msg


def test_an_unextracted_archive_is_pointed_out(tmp_path):
    (tmp_path / "cifar-10-binary.tar.gz").write_bytes(b"not really")
    with pytest.raises(FileNotFoundError, match="extract it first"):
        load_cifar10(tmp_path)


def test_incomplete_folder_names_the_missing_batch(make_cifar):
    root, _ = make_cifar("binary")
    (root / "cifar-10-batches-bin" / "data_batch_3.bin").unlink()
    with pytest.raises(FileNotFoundError, match=r"data_batch_3\.bin missing"):
        load_cifar10(root)


def test_binary_version_wins_when_both_are_present(make_cifar):
    make_cifar("python", seed=1)
    root, exp_bin = make_cifar("binary", seed=2)
    folder, version = find_cifar10(root)
    assert version == "binary" and folder.name == "cifar-10-batches-bin"
    np.testing.assert_array_equal(load_cifar10(root).X_test, exp_bin["X_test"])


# ---------------------------------------------------------------- python version


@pytest.mark.parametrize("protocol", [2, pickle.DEFAULT_PROTOCOL, pickle.HIGHEST_PROTOCOL])
@pytest.mark.parametrize("point_at", ["parent", "batches"])
def test_load_python_folder(make_cifar, protocol, point_at):
    root, exp = make_cifar("python", protocol=protocol)
    data = load_cifar10(root if point_at == "parent" else root / "cifar-10-batches-py")
    np.testing.assert_array_equal(data.X_train, exp["X_train"])
    np.testing.assert_array_equal(data.y_train, exp["y_train"])
    np.testing.assert_array_equal(data.X_test, exp["X_test"])
    np.testing.assert_array_equal(data.y_test, exp["y_test"])
    assert data.X_train.dtype == np.uint8 and data.y_train.dtype == np.int64
    assert data.class_names == CIFAR10_CLASSES


def _py2_batch(raw: bytes, n: int, labels: list[int]) -> bytes:
    """A batch as Python 2's cPickle wrote it: str (not unicode), numpy.core names, protocol 2."""
    def s(b: bytes) -> bytes:
        return pickle.SHORT_BINSTRING + bytes([len(b)]) + b

    def i1(v: int) -> bytes:
        return pickle.BININT1 + bytes([v])

    def i4(v: int) -> bytes:
        return pickle.BININT + struct.pack("<i", v)

    dtype = b"cnumpy\ndtype\n" + s(b"u1") + i1(0) + i1(1) + pickle.TUPLE3 + pickle.REDUCE
    dtype += pickle.MARK + i1(3) + s(b"|") + pickle.NONE * 3 + i4(-1) + i4(-1) + i1(0) + pickle.TUPLE + pickle.BUILD
    array = b"cnumpy.core.multiarray\n_reconstruct\ncnumpy\nndarray\n"
    array += i1(0) + pickle.TUPLE1 + s(b"b") + pickle.TUPLE3 + pickle.REDUCE
    shape = pickle.MARK + i4(n) + i4(3072) + pickle.TUPLE
    state = pickle.MARK + i1(1) + shape + dtype + pickle.NEWFALSE
    state += pickle.BINSTRING + struct.pack("<i", len(raw)) + raw + pickle.TUPLE
    out = pickle.PROTO + b"\x02" + pickle.EMPTY_DICT + pickle.MARK
    out += s(b"data") + array + state + pickle.BUILD
    out += s(b"labels") + pickle.EMPTY_LIST + pickle.MARK + b"".join(i1(v) for v in labels) + pickle.APPENDS
    return out + pickle.SETITEMS + pickle.STOP


def test_python2_style_pickle_loads(tmp_path):
    rng = np.random.default_rng(3)
    planes = rng.integers(0, 256, size=(2, 3072), dtype=np.uint8)
    path = tmp_path / "data_batch_1"
    path.write_bytes(_py2_batch(planes.tobytes(), 2, [4, 9]))
    X, y = read_cifar10_pickle(path)
    assert y.tolist() == [4, 9]
    assert X[1, 2, 3].tolist() == [planes[1, 2 * 32 + 3], planes[1, 1024 + 2 * 32 + 3], planes[1, 2048 + 2 * 32 + 3]]


# ---------------------------------------------------------------- hostile or broken pickles


class _RunsShell:
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


class _RunsEval:
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (builtins.eval, (f"open({str(self.marker)!r}, 'w').close()",))


@pytest.mark.parametrize("payload", [_RunsShell, _RunsEval])
@pytest.mark.parametrize("where", ["data", "labels", "top"])
def test_malicious_pickle_is_refused_and_nothing_runs(tmp_path, payload, where):
    marker = tmp_path / "pwned"
    evil = payload(marker)
    obj = {
        "data": {b"data": evil, b"labels": [1]},
        "labels": {b"data": np.zeros((1, 3072), np.uint8), b"labels": [evil]},
        "top": evil,
    }[where]
    path = tmp_path / "data_batch_1"
    path.write_bytes(pickle.dumps(obj, protocol=2))
    with pytest.raises(DataFormatError, match="may be damaged or malicious"):
        read_cifar10_pickle(path)
    assert not marker.exists()


def test_malicious_meta_file_is_refused(make_cifar):
    root, _ = make_cifar("python")
    marker = root / "pwned"
    (root / "cifar-10-batches-py" / "batches.meta").write_bytes(pickle.dumps(_RunsShell(marker)))
    with pytest.raises(DataFormatError, match="not allowed"):
        load_cifar10(root)
    assert not marker.exists()


def test_codecs_encode_is_limited_to_latin1(tmp_path):
    # _codecs.encode is admitted for NumPy's protocol-2 bytes, but only with latin-1.
    stream = b"\x80\x02c_codecs\nencode\nX\x03\x00\x00\x00abcX\x06\x00\x00\x00base64\x86R."
    path = tmp_path / "data_batch_1"
    path.write_bytes(stream)
    with pytest.raises(DataFormatError, match="not allowed"):
        read_cifar10_pickle(path)


@pytest.mark.parametrize(
    ("batch", "match"),
    [
        ({b"labels": [1]}, "'data' must be a uint8 array"),
        ({b"data": np.zeros((1, 3072), np.float32), b"labels": [1]}, "'data' must be a uint8 array"),
        ({b"data": np.zeros((1, 3071), np.uint8), b"labels": [1]}, "'data' must be a uint8 array"),
        ({b"data": np.zeros((2, 3072), np.uint8), b"labels": [1]}, "'labels' must be 2 integers"),
        ({b"data": np.zeros((1, 3072), np.uint8), b"labels": [1.5]}, "'labels' must be 1 integers"),
        ({b"data": np.zeros((1, 3072), np.uint8), b"labels": [12]}, "label 12"),
        ([1, 2, 3], "holds a list"),
    ],
)
def test_wrong_batch_contents(tmp_path, batch, match):
    path = tmp_path / "test_batch"
    path.write_bytes(pickle.dumps(batch, protocol=2))
    with pytest.raises(DataFormatError, match=match):
        read_cifar10_pickle(path)


def test_truncated_pickle(tmp_path):
    buf = io.BytesIO()
    pickle.dump({b"data": np.zeros((4, 3072), np.uint8), b"labels": [0, 1, 2, 3]}, buf, protocol=2)
    path = tmp_path / "test_batch"
    path.write_bytes(buf.getvalue()[:-100])
    with pytest.raises(DataFormatError, match="not a CIFAR-10 batch"):
        read_cifar10_pickle(path)


@pytest.mark.parametrize("opcode", ["inst", "protocol0"])
def test_old_opcodes_are_refused_too(tmp_path, opcode):
    marker = tmp_path / "pwned"
    if opcode == "inst":  # INST: "(" args "i" module "\n" name "\n" calls module.name(*args)
        stream = b"(S'touch " + str(marker).encode() + b"'\nios\nsystem\n."
    else:
        stream = pickle.dumps(_RunsShell(marker), protocol=0)
    path = tmp_path / "data_batch_1"
    path.write_bytes(stream)
    with pytest.raises(DataFormatError, match="not allowed"):
        read_cifar10_pickle(path)
    assert not marker.exists()
