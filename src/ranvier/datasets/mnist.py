"""MNIST and Fashion-MNIST from their IDX files, never downloaded.

Both data sets have 60000 training and 10000 test images, 28x28 grey levels
(uint8), in 10 classes, stored as four IDX files, each optionally gzipped::

    train-images-idx3-ubyte[.gz]   train-labels-idx1-ubyte[.gz]
    t10k-images-idx3-ubyte[.gz]    t10k-labels-idx1-ubyte[.gz]

An IDX file starts with a 4-byte magic number ``0x00 0x00 <type> <ndim>``
(type ``0x08``: unsigned bytes; so ``0x00000803`` for images and
``0x00000801`` for labels), then ``ndim`` big-endian 32-bit sizes, then the
values in row-major order.  The declared sizes are checked against the length
of the file before anything is allocated, so a forged header cannot make the
reader ask for gigabytes.

MNIST: http://yann.lecun.com/exdb/mnist/ (mirrors exist);
Fashion-MNIST: https://github.com/zalandoresearch/fashion-mnist (``data/fashion``).
"""

from __future__ import annotations

import gzip
import math
import os
import zlib
from pathlib import Path

import numpy as np

from .base import DataFormatError, ImageData, flatten_images

__all__ = [
    "FASHION_MNIST_CLASSES",
    "MNIST_CLASSES",
    "load_fashion_mnist",
    "load_mnist",
    "read_idx",
]

MNIST_CLASSES = [str(d) for d in range(10)]
FASHION_MNIST_CLASSES = [
    "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
]
_SOURCES = {
    "mnist": "http://yann.lecun.com/exdb/mnist/ (or a mirror)",
    "fashion-mnist": "https://github.com/zalandoresearch/fashion-mnist (folder data/fashion)",
}
_SUBFOLDERS = {
    "mnist": ("mnist", "MNIST/raw"),
    "fashion-mnist": ("fashion-mnist", "fashion_mnist", "fashion", "FashionMNIST/raw"),
}
_UBYTE = 0x08
_CHUNK = 1 << 20


def _parse_header(head: bytes, path: Path) -> tuple[int, ...]:
    """Sizes declared by an IDX header (``head`` holds at least 4 bytes)."""
    if head[:2] == b"\x1f\x8b":
        raise DataFormatError(f"{path} is gzip-compressed; name it {path.name}.gz or decompress it")
    if len(head) < 4 or head[0] != 0 or head[1] != 0:
        raise DataFormatError(f"{path} is not an IDX file: it must start with two zero bytes")
    if head[2] != _UBYTE:
        raise DataFormatError(f"{path}: IDX value type 0x{head[2]:02x} is not supported (MNIST uses 0x08, uint8)")
    ndim = head[3]
    if ndim == 0 or len(head) < 4 + 4 * ndim:
        raise DataFormatError(f"{path}: IDX header declares {ndim} dimensions but the file is too short to list them")
    return tuple(int.from_bytes(head[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim))


def _gzip_chunks(path: Path, limit: int):
    """The decompressed bytes in chunks, at most ``limit`` of them in all."""
    try:
        with gzip.open(path, "rb") as f:
            total = 0
            while total < limit:
                chunk = f.read(min(_CHUNK, limit - total))
                if not chunk:
                    return
                total += len(chunk)
                yield chunk
    except (EOFError, OSError, zlib.error) as err:
        raise DataFormatError(f"{path} is a damaged or truncated gzip file ({err}); download it again") from err


def _read_gzip(path: Path, offset: int, shape: tuple[int, ...]) -> np.ndarray:
    """The values of a gzipped IDX file: counted first, without keeping them, then read into one array.

    A header that disagrees with the stream (a truncated file, or a small
    file that inflates to gigabytes) is refused before anything is allocated.
    """
    expected = math.prod(shape)
    actual = sum(len(c) for c in _gzip_chunks(path, offset + expected + 1)) - offset
    if actual != expected:
        _size_mismatch(path, shape, actual)
    out = np.empty(offset + expected, dtype=np.uint8)
    done = 0
    for chunk in _gzip_chunks(path, offset + expected):
        out[done:done + len(chunk)] = np.frombuffer(chunk, dtype=np.uint8)
        done += len(chunk)
    if done != offset + expected:
        raise DataFormatError(f"{path} changed while it was being read; load it again")
    return out[offset:].reshape(shape)


def _size_mismatch(path: Path, shape: tuple[int, ...], actual: int) -> None:
    expected = math.prod(shape)
    raise DataFormatError(
        f"{path}: the header declares shape {shape} ({expected} values) but the file holds "
        f"{actual if actual <= expected else 'more'}; it is truncated or not an IDX file"
    )


def _read_head(path: Path) -> bytes:
    """The first bytes of the (decompressed) file: enough for any IDX header."""
    n = 4 + 4 * 255
    if path.suffix != ".gz":
        with open(path, "rb") as f:
            return f.read(n)
    try:
        with gzip.open(path, "rb") as f:
            return f.read(n)
    except (EOFError, OSError, zlib.error) as err:
        raise DataFormatError(f"{path} is a damaged or truncated gzip file ({err}); download it again") from err


def read_idx(path: str | os.PathLike) -> np.ndarray:
    """Read an IDX file of unsigned bytes (plain or ``.gz``).

    Parameters
    ----------
    path : path-like

    Returns
    -------
    ndarray of uint8
        Shape as the header declares: (m, 28, 28) for MNIST images, (m,) for labels.

    Raises
    ------
    DataFormatError
        Bad magic number, unsupported value type, a length that differs
        from the declared sizes, or a damaged gzip stream.
    """
    path = Path(path)
    shape = _parse_header(_read_head(path), path)
    offset = 4 + 4 * len(shape)
    if path.suffix == ".gz":
        return _read_gzip(path, offset, shape)
    actual = path.stat().st_size - offset
    if actual != math.prod(shape):
        _size_mismatch(path, shape, actual)
    return np.fromfile(path, dtype=np.uint8, offset=offset).reshape(shape)


def _find_file(folders: list[Path], stem: str) -> Path | None:
    """First of ``stem``, ``stem.gz`` and the dotted spelling (``train-images.idx3-ubyte``) that exists."""
    dotted = stem.replace("-idx", ".idx")
    for folder in folders:
        for name in (stem, stem + ".gz", dotted, dotted + ".gz"):
            if (folder / name).is_file():
                return folder / name
    return None


def _read_split(folders: list[Path], prefix: str, name: str) -> tuple[np.ndarray, np.ndarray]:
    stems = (f"{prefix}-images-idx3-ubyte", f"{prefix}-labels-idx1-ubyte")
    paths = [_find_file(folders, s) for s in stems]
    if None in paths:
        missing = stems[paths.index(None)]
        where = ", ".join(str(f) for f in folders)
        raise FileNotFoundError(
            f"{name}: {missing} (or {missing}.gz) not found in {where}. Put the four IDX files "
            f"(train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, t10k-images-idx3-ubyte.gz, "
            f"t10k-labels-idx1-ubyte.gz) in data_dir; get them from {_SOURCES[name]}. ranvier never downloads them."
        )
    X, y = read_idx(paths[0]), read_idx(paths[1])
    if X.ndim != 3 or y.ndim != 1 or X.shape[0] != y.shape[0]:
        raise DataFormatError(
            f"{paths[0]} / {paths[1]}: expected images (m, rows, cols) and m labels, got {X.shape} and {y.shape}"
        )
    if y.size and y.max() > 9:
        raise DataFormatError(f"{paths[1]} holds label {y.max()}; {name} labels are 0-9")
    return X, y.astype(np.int64)


def _load(data_dir: str | os.PathLike, name: str, class_names: list[str], flatten: bool) -> ImageData:
    root = Path(data_dir).expanduser()
    folders = [root] + [root / sub for sub in _SUBFOLDERS[name]]
    X_train, y_train = _read_split(folders, "train", name)
    X_test, y_test = _read_split(folders, "t10k", name)
    if X_train.shape[1:] != X_test.shape[1:]:
        raise DataFormatError(f"{name}: training images {X_train.shape[1:]} and test images {X_test.shape[1:]} differ")
    if flatten:
        X_train, X_test = flatten_images(X_train), flatten_images(X_test)
    return ImageData(X_train, y_train, X_test, y_test, list(class_names))


def load_mnist(data_dir: str | os.PathLike, *, flatten: bool = False) -> ImageData:
    """Load MNIST's official training (60000) and test (10000) sets.

    Parameters
    ----------
    data_dir : path-like
        Folder with the four IDX files (plain or ``.gz``); the sub-folders
        ``mnist/`` and ``MNIST/raw/`` (torchvision's layout) are searched too.
    flatten : bool, default False
        Return ``X`` of shape (m, 784) instead of (m, 28, 28).

    Returns
    -------
    ImageData
        uint8 images, int64 labels, class names ``"0"`` ... ``"9"``.
    """
    return _load(data_dir, "mnist", MNIST_CLASSES, flatten)


def load_fashion_mnist(data_dir: str | os.PathLike, *, flatten: bool = False) -> ImageData:
    """Load Fashion-MNIST's official training (60000) and test (10000) sets.

    Same files and layout as :func:`load_mnist` (sub-folders searched:
    ``fashion-mnist/``, ``fashion_mnist/``, ``fashion/``, ``FashionMNIST/raw/``).
    Class names: T-shirt/top, Trouser, Pullover, Dress, Coat, Sandal, Shirt,
    Sneaker, Bag, Ankle boot.
    """
    return _load(data_dir, "fashion-mnist", FASHION_MNIST_CLASSES, flatten)
