"""MNIST / Fashion-MNIST IDX reader on tiny files written in the real format (plain and gzip)."""

from __future__ import annotations

import gzip
import struct
import tracemalloc

import numpy as np
import pytest

from ranvier.datasets import (
    FASHION_MNIST_CLASSES,
    MNIST_CLASSES,
    DataFormatError,
    load_fashion_mnist,
    load_mnist,
    read_idx,
)


def _header(magic_type: int, dims: tuple[int, ...]) -> bytes:
    return bytes([0, 0, magic_type, len(dims)]) + struct.pack(f">{len(dims)}I", *dims)


@pytest.mark.parametrize("suffix", ["", ".gz"])
def test_read_idx_images_and_labels(tmp_path, suffix):
    images = np.arange(2 * 3 * 4, dtype=np.uint8).reshape(2, 3, 4)
    labels = np.array([7, 0, 3], dtype=np.uint8)
    for name, arr, magic in (("img", images, 0x00000803), ("lbl", labels, 0x00000801)):
        data = _header(0x08, arr.shape) + arr.tobytes()
        assert int.from_bytes(data[:4], "big") == magic
        path = tmp_path / (name + suffix)
        if suffix:
            path.write_bytes(gzip.compress(data))
        else:
            path.write_bytes(data)
        out = read_idx(path)
        assert out.dtype == np.uint8 and out.shape == arr.shape
        np.testing.assert_array_equal(out, arr)
    assert read_idx(tmp_path / ("img" + suffix))[1, 2, 3] == 23  # row-major: 12 + 2 * 4 + 3


@pytest.mark.parametrize("gz", [True, False])
def test_load_mnist(make_mnist, gz):
    folder, exp = make_mnist(gz=gz)
    data = load_mnist(folder)
    assert data.X_train.shape == (30, 28, 28) and data.X_test.shape == (10, 28, 28)
    assert data.X_train.dtype == np.uint8 and data.y_train.dtype == np.int64
    for key in ("X_train", "y_train", "X_test", "y_test"):
        np.testing.assert_array_equal(getattr(data, key), exp[key])
    assert data.class_names == [str(d) for d in range(10)] == MNIST_CLASSES


def test_load_fashion_mnist_class_names_and_flatten(make_mnist):
    folder, exp = make_mnist(gz=True)
    data = load_fashion_mnist(folder, flatten=True)
    assert data.class_names == [
        "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
    ] == FASHION_MNIST_CLASSES
    assert data.X_train.shape == (30, 784)
    assert data.X_train[5, 3 * 28 + 17] == exp["X_train"][5, 3, 17]


def test_torchvision_layout_and_dotted_names(tmp_path, make_mnist):
    _, exp = make_mnist(gz=False, folder=tmp_path / "MNIST" / "raw")
    raw = tmp_path / "MNIST" / "raw"
    (raw / "train-images-idx3-ubyte").rename(raw / "train-images.idx3-ubyte")
    data = load_mnist(tmp_path)
    np.testing.assert_array_equal(data.X_train, exp["X_train"])


def test_missing_files_are_named(tmp_path, make_mnist):
    folder, _ = make_mnist(gz=True)
    (folder / "t10k-labels-idx1-ubyte.gz").unlink()
    with pytest.raises(FileNotFoundError) as info:
        load_mnist(folder)
    msg = str(info.value)
    assert "t10k-labels-idx1-ubyte" in msg and "never downloads" in msg and str(folder) in msg


@pytest.mark.parametrize("suffix", ["", ".gz"])
def test_forged_header_is_refused_before_allocating(tmp_path, suffix):
    # Declares 4e9 * 28 * 28 bytes (about 3 TB) but holds 100.
    data = _header(0x08, (0xFFFFFFFF, 28, 28)) + bytes(100)
    path = tmp_path / ("forged" + suffix)
    path.write_bytes(gzip.compress(data) if suffix else data)
    tracemalloc.start()
    try:
        with pytest.raises(DataFormatError, match="header declares shape"):
            read_idx(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 8 * 2**20


def test_payload_longer_than_declared(tmp_path):
    path = tmp_path / "long"
    path.write_bytes(_header(0x08, (2, 2)) + bytes(5))
    with pytest.raises(DataFormatError, match="declares shape"):
        read_idx(path)


def test_truncated_gzip(tmp_path):
    packed = gzip.compress(_header(0x08, (50, 28, 28)) + np.random.default_rng(0).bytes(50 * 784))
    path = tmp_path / "train-images-idx3-ubyte.gz"
    path.write_bytes(packed[: len(packed) // 2])
    with pytest.raises(DataFormatError, match="truncated gzip"):
        read_idx(path)


@pytest.mark.parametrize(
    ("head", "match"),
    [
        (bytes([1, 0, 8, 1, 0, 0, 0, 1, 0]), "not an IDX file"),
        (bytes([0, 0, 0x0D, 1, 0, 0, 0, 1, 0, 0, 0, 0]), "value type 0x0d"),
        (bytes([0, 0, 8, 3, 0, 0, 0, 1]), "too short"),
        (bytes([0, 0]), "not an IDX file"),
    ],
)
def test_bad_headers(tmp_path, head, match):
    path = tmp_path / "bad"
    path.write_bytes(head)
    with pytest.raises(DataFormatError, match=match):
        read_idx(path)


def test_gzip_content_without_gz_suffix(tmp_path):
    path = tmp_path / "train-images-idx3-ubyte"
    path.write_bytes(gzip.compress(_header(0x08, (1, 2)) + bytes(2)))
    with pytest.raises(DataFormatError, match="gzip-compressed"):
        read_idx(path)


def test_image_and_label_counts_must_agree(make_mnist):
    folder, _ = make_mnist(gz=False)
    (folder / "train-labels-idx1-ubyte").write_bytes(_header(0x08, (29,)) + bytes(29))
    with pytest.raises(DataFormatError, match="m labels"):
        load_mnist(folder)


def test_labels_must_be_digits(make_mnist):
    folder, _ = make_mnist(gz=False)
    (folder / "t10k-labels-idx1-ubyte").write_bytes(_header(0x08, (10,)) + bytes([11] * 10))
    with pytest.raises(DataFormatError, match="label 11"):
        load_mnist(folder)
