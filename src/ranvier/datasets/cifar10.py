"""CIFAR-10 (Krizhevsky, 2009) from either official version, never downloaded.

The data set has 50000 training images (five batches of 10000) and 10000 test
images, 32x32 colour, in 10 classes.  Get it from
https://www.cs.toronto.edu/~kriz/cifar.html and extract the archive:

* binary version (``cifar-10-binary.tar.gz``) -> ``cifar-10-batches-bin/``:
  ``data_batch_1.bin`` ... ``data_batch_5.bin``, ``test_batch.bin``,
  ``batches.meta.txt``.  Each record is 3073 bytes: the label (0-9), then the
  1024 red values of the image in row-major order, then 1024 green, then 1024
  blue.
* python version (``cifar-10-python.tar.gz``) -> ``cifar-10-batches-py/``:
  ``data_batch_1`` ... ``data_batch_5``, ``test_batch``, ``batches.meta``;
  each a pickle of a dict with ``b"data"`` (uint8, shape (10000, 3072), same
  channel order) and ``b"labels"``.  A pickle can run code when loaded, and
  NumPy's own reconstruction of an array trusts the file, so these are read by
  :func:`~ranvier.datasets._safe_pickle.load_plain_pickle`: it interprets the
  opcodes itself, builds only plain data, and makes the array from the raw
  bytes with a plain numeric dtype; anything else is refused
  (:class:`DataFormatError`) before it is built.

The binary version is preferred when both are present: it needs no pickle.
Images come back as uint8 in HWC order, shape ``(m, 32, 32, 3)``.
"""

from __future__ import annotations

import functools
import os
import struct
from collections.abc import Callable
from pathlib import Path

import numpy as np

from ._safe_pickle import PickleRefused, load_plain_pickle
from .base import DataFormatError, ImageData, flatten_images

__all__ = [
    "CIFAR10_CLASSES",
    "cifar10_files",
    "find_cifar10",
    "load_cifar10",
    "read_cifar10_binary",
    "read_cifar10_pickle",
]

CIFAR10_CLASSES = [
    "airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck",
]
CIFAR10_URL = "https://www.cs.toronto.edu/~kriz/cifar.html"
_RECORD = 1 + 32 * 32 * 3
_BIN_DIR, _PY_DIR = "cifar-10-batches-bin", "cifar-10-batches-py"
_TRAIN = [f"data_batch_{i}" for i in range(1, 6)]
_TEST = "test_batch"


def _check_labels(labels: np.ndarray, path: Path) -> np.ndarray:
    if labels.size and labels.max() > 9:
        raise DataFormatError(
            f"{path} holds label {labels.max()}; CIFAR-10 labels are 0-9, so it is not a CIFAR-10 batch"
        )
    return labels.astype(np.int64)


def _planes_to_hwc(pixels: np.ndarray) -> np.ndarray:
    """Rows of 3072 bytes (1024 red, 1024 green, 1024 blue) -> contiguous (m, 32, 32, 3)."""
    return np.ascontiguousarray(pixels.reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1))


def read_cifar10_binary(path: str | os.PathLike) -> tuple[np.ndarray, np.ndarray]:
    """Read one batch file of the CIFAR-10 binary version.

    Parameters
    ----------
    path : path-like
        E.g. ``cifar-10-batches-bin/data_batch_1.bin``.

    Returns
    -------
    X : ndarray of uint8 of shape (m, 32, 32, 3)
        Images in HWC order: ``X[k, row, col]`` is the (r, g, b) of a pixel.
    y : ndarray of int64 of shape (m,)

    Raises
    ------
    DataFormatError
        The file is empty, its length is not a multiple of 3073 bytes or a
        label is outside 0-9.
    """
    path = Path(path)
    size = path.stat().st_size
    if size == 0 or size % _RECORD:
        raise DataFormatError(
            f"{path} has {size} bytes, not a positive multiple of {_RECORD} (one CIFAR-10 record: "
            "1 label byte + 3072 pixel bytes); is it a complete file of the binary version?"
        )
    raw = np.fromfile(path, dtype=np.uint8).reshape(-1, _RECORD)
    return _planes_to_hwc(raw[:, 1:]), _check_labels(raw[:, 0], path)


_MAX_NAME = 64  # bytes of one class name in batches.meta
_MAX_META_TXT = 65536  # batches.meta.txt: ten names, one a line (61 bytes in the official file)


def _unpickle(path: Path) -> dict:
    """The dict a batch or meta file holds, read by :func:`load_plain_pickle` (no pickle loader)."""
    try:
        with open(path, "rb") as f:
            obj = load_plain_pickle(f, os.fstat(f.fileno()).st_size)
    except (PickleRefused, ValueError, TypeError, KeyError, IndexError, OverflowError, MemoryError,
            RecursionError, struct.error) as err:
        raise DataFormatError(
            f"{path} is not a CIFAR-10 batch of the python version ({err}); it may be damaged or malicious, "
            f"so it was not loaded. Prefer the binary version from {CIFAR10_URL}"
        ) from None
    if not isinstance(obj, dict):
        raise DataFormatError(f"{path} holds a {type(obj).__name__}, not the dict of a CIFAR-10 batch")
    return {k.decode("latin1") if isinstance(k, bytes) else k: v for k, v in obj.items()}


def _labels(labels, m: int, path: Path) -> np.ndarray:
    """``labels``: a list of ``m`` ints 0-9 (or a 1-D integer array of them) -> int64 array."""
    if isinstance(labels, np.ndarray) and labels.ndim == 1 and labels.dtype.kind in "iu":
        y = labels.astype(np.int64)
    elif isinstance(labels, list) and all(type(v) is int for v in labels):
        y = np.array(labels, dtype=np.int64) if all(-1 < v < 256 for v in labels) else None
    else:
        y = None
    if y is None or y.shape != (m,) or (y.size and y.min() < 0):
        got = type(labels).__name__ + (f" of {len(labels)}" if isinstance(labels, (list, np.ndarray)) else "")
        raise DataFormatError(f"{path}: 'labels' must be {m} integers in 0-9, got {got}")
    return y


def read_cifar10_pickle(path: str | os.PathLike) -> tuple[np.ndarray, np.ndarray]:
    """Read one batch file of the CIFAR-10 python version, safely.

    Parameters
    ----------
    path : path-like
        E.g. ``cifar-10-batches-py/data_batch_1``.

    Returns
    -------
    X : ndarray of uint8 of shape (m, 32, 32, 3)
    y : ndarray of int64 of shape (m,)

    Raises
    ------
    DataFormatError
        The pickle asks for anything but NumPy arrays, dicts and lists (it
        is refused before any of it runs), or the dict lacks ``data`` /
        ``labels`` of the right type and shape.
    """
    path = Path(path)
    batch = _unpickle(path)
    data, labels = batch.get("data"), batch.get("labels")
    if not isinstance(data, np.ndarray) or data.dtype != np.uint8 or data.ndim != 2 or data.shape[1] != 3072:
        got = f"{data.dtype} {data.shape}" if isinstance(data, np.ndarray) else type(data).__name__
        raise DataFormatError(f"{path}: 'data' must be a uint8 array of shape (m, 3072), got {got}")
    return _planes_to_hwc(data), _check_labels(_labels(labels, data.shape[0], path), path)


def _has(folder: Path, names: list[str], suffix: str) -> bool:
    return all((folder / (n + suffix)).is_file() for n in names)


def find_cifar10(data_dir: str | os.PathLike) -> tuple[Path, str]:
    """Locate the CIFAR-10 batches in ``data_dir`` or one of its sub-folders.

    Returns
    -------
    folder : Path
        The folder that holds the batch files.
    version : {"binary", "python"}

    Raises
    ------
    FileNotFoundError
        Neither version is there; the message lists where it looked and
        where to get the data.
    """
    root = Path(data_dir).expanduser()
    looked = []
    for folder in (root, root / _BIN_DIR, root / _PY_DIR):
        looked.append(folder)
        for suffix, version in ((".bin", "binary"), ("", "python")):
            if _has(folder, [*_TRAIN, _TEST], suffix):
                return folder, version
            missing = [n + suffix for n in [*_TRAIN, _TEST] if not (folder / (n + suffix)).is_file()]
            if len(missing) < len(_TRAIN) + 1:
                raise FileNotFoundError(
                    f"CIFAR-10 in {folder} is incomplete: {', '.join(missing)} missing; "
                    f"extract the whole archive from {CIFAR10_URL} again"
                )
    hint = ""
    for archive in ("cifar-10-binary.tar.gz", "cifar-10-python.tar.gz"):
        if (root / archive).is_file():
            hint = f" Found {root / archive}: extract it first (tar xzf {archive} -C {root})."
    where = ", ".join(str(p) for p in looked)
    raise FileNotFoundError(
        f"CIFAR-10 not found: looked for data_batch_1.bin ... data_batch_5.bin and test_batch.bin "
        f"(or the python version's data_batch_1 ... test_batch) in {where}.{hint} Download the "
        f"'CIFAR-10 binary version' from {CIFAR10_URL} and extract it so that "
        f"{root / _BIN_DIR / 'data_batch_1.bin'} exists; ranvier never downloads it."
    )


def _class_names(folder: Path, version: str) -> list[str]:
    """Class names from ``batches.meta.txt`` / ``batches.meta``, the known list when absent."""
    if version == "binary":
        meta = folder / "batches.meta.txt"
        if not meta.is_file():
            return list(CIFAR10_CLASSES)
        with open(meta, "rb") as f:
            raw = f.read(_MAX_META_TXT + 1)
        if len(raw) > _MAX_META_TXT:
            raise DataFormatError(f"{meta} is longer than {_MAX_META_TXT} bytes; it should list the 10 class names")
        names = [line.strip() for line in raw.decode("ascii", errors="replace").splitlines()]
    else:
        meta = folder / "batches.meta"
        if not meta.is_file():
            return list(CIFAR10_CLASSES)
        raw = _unpickle(meta).get("label_names")
        if not isinstance(raw, list) or len(raw) > 10 or not all(
                isinstance(n, (bytes, str)) and len(n) <= _MAX_NAME for n in raw):
            raise DataFormatError(f"{meta}: 'label_names' must be a list of 10 byte strings of at most {_MAX_NAME} "
                                  f"bytes, got {type(raw).__name__}" + (f" of {len(raw)}" if isinstance(raw, list) else ""))
        names = [n.decode("latin1") if isinstance(n, bytes) else n for n in raw]
    names = [n for n in names if n]
    if len(names) != 10:
        raise DataFormatError(f"{meta} lists {len(names)} class names, CIFAR-10 has 10")
    return names


Reader = Callable[[], tuple[np.ndarray, np.ndarray]]


def cifar10_files(data_dir: str | os.PathLike) -> tuple[list[Reader], list[Reader], list[str]]:
    """Readers of CIFAR-10's batch files, for loading one file at a time.

    Each reader takes no argument and returns one file's ``(X, y)`` as
    :func:`read_cifar10_binary` or :func:`read_cifar10_pickle` do, so that a
    caller can convert the images file by file and never hold all 60000
    uint8 images beside their float32 copy.

    Returns
    -------
    train : list of callables
        The five training batches, in order.
    test : list of callables
        The test batch.
    class_names : list of str
    """
    folder, version = find_cifar10(data_dir)
    suffix, reader = (".bin", read_cifar10_binary) if version == "binary" else ("", read_cifar10_pickle)
    train = [functools.partial(reader, folder / (n + suffix)) for n in _TRAIN]
    return train, [functools.partial(reader, folder / (_TEST + suffix))], _class_names(folder, version)


def _read_many(readers: list[Reader]) -> tuple[np.ndarray, np.ndarray]:
    parts = [read() for read in readers]
    if len(parts) == 1:
        return parts[0]
    return np.concatenate([X for X, _ in parts]), np.concatenate([y for _, y in parts])


def load_cifar10(data_dir: str | os.PathLike, *, flatten: bool = False) -> ImageData:
    """Load CIFAR-10's official training (50000) and test (10000) sets.

    Parameters
    ----------
    data_dir : path-like
        The ``cifar-10-batches-bin`` / ``cifar-10-batches-py`` folder itself,
        or the folder that holds it.  The binary version wins when both are
        there.
    flatten : bool, default False
        Return ``X`` of shape (m, 3072) (HWC order: r, g, b of pixel (0, 0),
        then of pixel (0, 1), ...) instead of (m, 32, 32, 3).

    Returns
    -------
    ImageData
        ``X_train`` uint8 (50000, 32, 32, 3), ``y_train`` int64 (50000,),
        ``X_test`` uint8 (10000, 32, 32, 3), ``y_test`` int64 (10000,),
        ``class_names`` (``"airplane"``, ..., ``"truck"``).

    Raises
    ------
    FileNotFoundError
        The data are not there (nothing is downloaded).
    DataFormatError
        A file is not a CIFAR-10 batch.
    """
    train, test, class_names = cifar10_files(data_dir)
    X_train, y_train = _read_many(train)
    X_test, y_test = _read_many(test)
    if flatten:
        X_train, X_test = flatten_images(X_train), flatten_images(X_test)
    return ImageData(X_train, y_train, X_test, y_test, class_names)
