"""Writers of small data files in the real formats (CIFAR-10 binary / python, IDX), as fixtures."""

from __future__ import annotations

import gzip
import pickle
import struct
from pathlib import Path

import numpy as np
import pytest

CIFAR_TRAIN = [f"data_batch_{i}" for i in range(1, 6)]
CIFAR_NAMES = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]


def random_images(rng: np.random.Generator, n: int, shape: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray]:
    """``n`` random uint8 images and labels that cycle through 0-9 in a shuffled order."""
    X = rng.integers(0, 256, size=(n, *shape), dtype=np.uint8)
    y = rng.permutation(np.arange(n) % 10).astype(np.int64)
    return X, y


def cifar_planes(X: np.ndarray) -> np.ndarray:
    """HWC images -> rows of 1024 red (row-major), then 1024 green, then 1024 blue bytes."""
    n = X.shape[0]
    return np.concatenate([X[..., c].reshape(n, 1024) for c in range(3)], axis=1)


def write_cifar_bin(path: Path, X: np.ndarray, y: np.ndarray) -> None:
    records = np.concatenate([y.astype(np.uint8)[:, None], cifar_planes(X)], axis=1)
    path.write_bytes(records.tobytes())


def write_cifar_py(path: Path, X: np.ndarray, y: np.ndarray, protocol: int) -> None:
    batch = {
        b"batch_label": b"training batch",
        b"labels": [int(v) for v in y],
        b"data": cifar_planes(X),
        b"filenames": [f"img_{k}.png".encode() for k in range(len(y))],
    }
    with open(path, "wb") as f:
        pickle.dump(batch, f, protocol=protocol)


@pytest.fixture
def make_cifar(tmp_path):
    """``make_cifar(version, n_per_batch=20, protocol=2, meta=True) -> (root, expected)``.

    Writes ``root/cifar-10-batches-bin`` (or ``-py``) with five training
    batches and a test batch; ``expected`` holds the HWC arrays written.
    """

    def make(version: str = "binary", n_per_batch: int = 20, protocol: int = 2, meta: bool = True, seed: int = 0):
        rng = np.random.default_rng(seed)
        folder = tmp_path / ("cifar-10-batches-bin" if version == "binary" else "cifar-10-batches-py")
        folder.mkdir(exist_ok=True)
        parts = [random_images(rng, n_per_batch, (32, 32, 3)) for _ in range(6)]
        for name, (X, y) in zip([*CIFAR_TRAIN, "test_batch"], parts, strict=True):
            if version == "binary":
                write_cifar_bin(folder / f"{name}.bin", X, y)
            else:
                write_cifar_py(folder / name, X, y, protocol)
        if meta and version == "binary":
            (folder / "batches.meta.txt").write_text("\n".join(CIFAR_NAMES) + "\n\n")
        elif meta:
            with open(folder / "batches.meta", "wb") as f:
                pickle.dump({b"label_names": [n.encode() for n in CIFAR_NAMES], b"num_vis": 3072}, f, protocol)
        expected = {
            "X_train": np.concatenate([X for X, _ in parts[:5]]),
            "y_train": np.concatenate([y for _, y in parts[:5]]),
            "X_test": parts[5][0],
            "y_test": parts[5][1],
        }
        return tmp_path, expected

    return make


def idx_bytes(array: np.ndarray) -> bytes:
    """An IDX file of unsigned bytes: magic 0x0000 08 <ndim>, big-endian sizes, the values."""
    header = bytes([0, 0, 0x08, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape)
    return header + np.ascontiguousarray(array, dtype=np.uint8).tobytes()


def write_idx(path: Path, array: np.ndarray) -> None:
    data = idx_bytes(array)
    if path.suffix == ".gz":
        with gzip.open(path, "wb") as f:
            f.write(data)
    else:
        path.write_bytes(data)


@pytest.fixture
def make_mnist(tmp_path):
    """``make_mnist(gz=True, n_train=30, n_test=10, folder=None) -> (folder, expected)``."""

    def make(gz: bool = True, n_train: int = 30, n_test: int = 10, folder: Path | None = None, seed: int = 0):
        rng = np.random.default_rng(seed)
        folder = tmp_path if folder is None else folder
        folder.mkdir(parents=True, exist_ok=True)
        suffix = ".gz" if gz else ""
        X_train, y_train = random_images(rng, n_train, (28, 28))
        X_test, y_test = random_images(rng, n_test, (28, 28))
        write_idx(folder / f"train-images-idx3-ubyte{suffix}", X_train)
        write_idx(folder / f"train-labels-idx1-ubyte{suffix}", y_train)
        write_idx(folder / f"t10k-images-idx3-ubyte{suffix}", X_test)
        write_idx(folder / f"t10k-labels-idx1-ubyte{suffix}", y_test)
        return folder, {"X_train": X_train, "y_train": y_train, "X_test": X_test, "y_test": y_test}

    return make
