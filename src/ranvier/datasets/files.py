"""Data of one's own: CSV/TSV tables, NumPy arrays and folders of images.

Every reader returns an :class:`OwnData`: the raw examples (float64 rows for
tables and arrays, uint8 images for folders), integer labels ``0..k-1``, the
class names those labels stand for, and the feature names or image shape.
:func:`read_own_data` picks the reader from the path:

=====================  ===================================================
path                   read as
=====================  ===================================================
``table.csv`` / .tsv   a header row, one example per row; the target column
                       (``target=``, default the last) holds the labels,
                       every other column must be numeric
``data.npz``           arrays ``X`` and ``y``, optionally ``X_test``,
                       ``y_test`` and ``class_names`` (never pickled)
``X.npy`` + labels     ``labels=`` names the ``.npy`` file of the labels
``folder/``            one sub-folder of images per class (torchvision's
                       ImageFolder layout); sub-folder names are class names
=====================  ===================================================

Labels that are all integers are ordered as numbers (``2 < 10``), other
labels as strings; ``class_names[k]`` is the text of label ``k`` either way.
A file that is not what its format promises raises
:class:`~ranvier.datasets.DataFormatError` with a message that names the file
(and the row and column where it helps).
"""

from __future__ import annotations

import csv
import math
import os
from pathlib import Path
from typing import NamedTuple

import numpy as np

from .._arrayfile import REAL_CODES, ArrayFileError, NpzReader, read_npy
from .base import DataFormatError

__all__ = ["IMAGE_SUFFIXES", "OwnData", "read_arrays", "read_image_folder", "read_own_data", "read_table"]

#: File suffixes :func:`read_image_folder` reads as images (others are ignored).
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".tif", ".tiff", ".webp", ".ppm", ".pgm")
_MAX_TABLE_BYTES = 2**31  # tables are parsed in Python: bigger ones belong in .npy files
_MAX_CLASSES = 10_000
_MAX_NAME = 200  # characters of one class or feature name


class OwnData(NamedTuple):
    """Examples read from a file of one's own, before splitting and preprocessing.

    Attributes
    ----------
    X : ndarray of shape (m, n) or ``(m, *image_shape)``
        float64 rows for tables and arrays, uint8 images for image folders.
    y : ndarray of int64 of shape (m,)
        Labels ``0 .. len(class_names) - 1``.
    class_names : list of str
    X_test, y_test : ndarray or None
        A test split that came with the file (``.npz`` only).
    feature_names : list of str or None
        Column names of a table.
    image_shape : tuple of int or None
        ``(height, width)`` or ``(height, width, 3)`` for images.
    pixel_max : float or None
        255 for images, None otherwise.
    """

    X: np.ndarray
    y: np.ndarray
    class_names: list[str]
    X_test: np.ndarray | None = None
    y_test: np.ndarray | None = None
    feature_names: list[str] | None = None
    image_shape: tuple[int, ...] | None = None
    pixel_max: float | None = None


def read_own_data(path: str | os.PathLike, *, target: str | None = None, labels: str | os.PathLike | None = None,
                  image_size: tuple[int, int] | None = None, color: str | None = None) -> OwnData:
    """Read a file or folder of one's own, the reader chosen by its suffix (see the module's table).

    Parameters
    ----------
    path : path-like
        A ``.csv``, ``.tsv``, ``.npz`` or ``.npy`` file, or a folder of class folders.
    target : str, optional
        Tables only: the column of labels (default the last column).
    labels : path-like, optional
        ``.npy`` inputs only (and required there): the file of labels.
    image_size : (height, width), optional
        Image folders only: the size every image is resized to (default the size of the most
        common one).
    color : {"rgb", "grey"}, optional
        Image folders only: default "rgb" when any image has colour, else "grey".
    """
    p = Path(path)
    if not p.exists():
        raise FileNotFoundError(f"no such file or folder: {p}")
    suffix = p.suffix.lower()
    if labels is not None and suffix != ".npy":
        raise ValueError(f"labels= goes with a .npy file of inputs, not with {p.name}")
    if target is not None and suffix not in (".csv", ".tsv", ".txt"):
        raise ValueError(f"target= names a column of a CSV/TSV table, not of {p.name}")
    if p.is_dir():
        return read_image_folder(p, image_size=image_size, color=color)
    if image_size is not None or color is not None:
        raise ValueError(f"image_size= and color= apply to folders of images, not to {p.name}")
    if suffix in (".csv", ".tsv", ".txt"):
        return read_table(p, target=target)
    if suffix in (".npz", ".npy"):
        return read_arrays(p, labels=labels)
    raise ValueError(
        f"cannot tell how to read {p}: give a .csv or .tsv table, a .npz file of arrays X and y, "
        "a .npy file of inputs with labels=, or a folder with one sub-folder of images per class"
    )


def encode_labels(values: list, where: str) -> tuple[np.ndarray, list[str]]:
    """Labels ``0..k-1`` and their names for a list of label values (ints ordered as numbers)."""
    texts = [str(v).strip() for v in values]
    if any(t == "" for t in texts):
        row = next(i for i, t in enumerate(texts) if t == "")
        raise DataFormatError(f"{where}: the label of example {row + 1} is empty")
    try:
        numbers = [int(t) for t in texts]
        if not all(t.lstrip("+-").isascii() and t.lstrip("+-").isdigit() for t in texts):
            raise ValueError
        names = sorted(set(numbers))
        keys = {v: k for k, v in enumerate(names)}
        y = np.fromiter((keys[v] for v in numbers), dtype=np.int64, count=len(numbers))
        class_names = [str(v) for v in names]
    except ValueError:
        names = sorted(set(texts))
        keys = {v: k for k, v in enumerate(names)}
        y = np.fromiter((keys[t] for t in texts), dtype=np.int64, count=len(texts))
        class_names = names
    if len(class_names) > _MAX_CLASSES:
        raise DataFormatError(f"{where}: {len(class_names)} distinct labels (at most {_MAX_CLASSES}); "
                              "is the target column a feature?")
    if any(len(name) > _MAX_NAME for name in class_names):
        raise DataFormatError(f"{where}: a label is longer than {_MAX_NAME} characters")
    return y, class_names


def read_table(path: str | os.PathLike, *, target: str | None = None) -> OwnData:
    """Read a CSV (comma) or TSV (tab) table with a header row.

    Every column except the target must hold numbers; the target's values are the labels
    (strings or integers), kept as class names.

    Raises
    ------
    DataFormatError
        No header or no rows, rows of the wrong length, a non-numeric or non-finite value
        (the message names its column and row), a missing target column (the message lists
        the columns).
    """
    p = Path(path)
    header, rows = _read_rows(p)
    if target is None:
        t = len(header) - 1
    elif target in header:
        t = header.index(target)
    else:
        raise DataFormatError(f"{p}: no column {target!r}; the columns are {', '.join(map(repr, header))}")
    if len(header) < 2:
        raise DataFormatError(f"{p}: the table needs a label column and at least one feature column")
    features = [c for c in range(len(header)) if c != t]
    X = np.empty((len(rows), len(features)), dtype=np.float64)
    for r, row in enumerate(rows):
        for j, c in enumerate(features):
            X[r, j] = _number(row[c], p, header[c], r + 2)
    y, class_names = encode_labels([row[t] for row in rows], f"{p} (column {header[t]!r})")
    return OwnData(X, y, class_names, feature_names=[header[c] for c in features])


def _read_rows(p: Path) -> tuple[list[str], list[list[str]]]:
    """The header and the rows of a table, every row checked for its length."""
    if not p.is_file():
        raise DataFormatError(f"{p} is not a regular file")
    if p.stat().st_size > _MAX_TABLE_BYTES:
        raise DataFormatError(f"{p} is {p.stat().st_size / 2**30:.1f} GiB; tables are limited to 2 GiB, "
                              "save big data as .npy arrays instead")
    delimiter = "\t" if p.suffix.lower() == ".tsv" else ","
    try:
        with p.open(newline="", encoding="utf-8-sig") as f:
            reader = csv.reader(f, delimiter=delimiter, strict=True)
            lines = [row for row in reader if any(cell.strip() for cell in row)]
    except UnicodeDecodeError as exc:
        raise DataFormatError(f"{p} is not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    except csv.Error as exc:
        raise DataFormatError(f"{p} is not a valid {'TSV' if delimiter == chr(9) else 'CSV'} table: {exc}") from None
    if len(lines) < 2:
        raise DataFormatError(f"{p} needs a header row and at least one row of data")
    header = [cell.strip() for cell in lines[0]]
    if len(set(header)) != len(header) or any(h == "" or len(h) > _MAX_NAME for h in header):
        raise DataFormatError(f"{p}: the header row must name every column once (got {header[:20]})")
    for r, row in enumerate(lines[1:], start=2):
        if len(row) != len(header):
            raise DataFormatError(f"{p}: row {r} has {len(row)} values but the header names {len(header)} columns")
    return header, lines[1:]


def _number(text: str, p: Path, column: str, row: int) -> float:
    try:
        value = float(text)
    except ValueError:
        raise DataFormatError(f"{p}: column {column!r}, row {row}: {text.strip()[:40]!r} is not a number; "
                              f"feature columns must be numeric (or name the label column with --target)") from None
    if not math.isfinite(value):
        raise DataFormatError(f"{p}: column {column!r}, row {row}: {text.strip()!r} is not finite; "
                              "clean or impute the data first")
    return value


def read_arrays(path: str | os.PathLike, *, labels: str | os.PathLike | None = None) -> OwnData:
    """Read ``X``/``y`` (and optionally ``X_test``/``y_test``/``class_names``) from a ``.npz``,
    or inputs from a ``.npy`` with their labels from the ``.npy`` that ``labels`` names.

    Arrays are read with ``allow_pickle=False``: a file that needs pickle is refused.
    """
    p = Path(path)
    if p.suffix.lower() == ".npy":
        if labels is None:
            raise ValueError(f"{p.name} holds inputs only: name the file of labels too "
                             "(labels=..., --labels y.npy on the command line)")
        X, y = _load_npy(p, "inputs"), _load_npy(Path(labels), "labels")
        X, y_codes, names = _check_arrays(X, y, f"{p} and {labels}")
        return OwnData(X, y_codes, names, image_shape=_image_shape(X))
    arrays = _load_npz(p)
    missing = [k for k in ("X", "y") if k not in arrays]
    if missing:
        raise DataFormatError(f"{p} must hold arrays 'X' and 'y' (it holds {', '.join(sorted(arrays)) or 'none'})")
    if ("X_test" in arrays) != ("y_test" in arrays):
        raise DataFormatError(f"{p}: 'X_test' and 'y_test' go together; it holds only one of them")
    X, y_all = arrays["X"], arrays["y"]
    y_test = arrays.get("y_test")
    n_train = len(y_all)
    if y_test is not None:
        y_all = np.concatenate([np.asarray(y_all).reshape(-1), np.asarray(y_test).reshape(-1)])
    X, codes, names = _check_arrays(X, y_all, str(p), n=n_train)
    X_test = None
    if y_test is not None:
        X_test = _check_inputs(arrays["X_test"], f"{p} ('X_test')")
        if X_test.shape[1:] != X.shape[1:] or len(X_test) != len(y_test):
            raise DataFormatError(f"{p}: 'X_test' {X_test.shape} must have the shape of 'X' {X.shape[1:]} per row "
                                  f"and one row per label of 'y_test' ({len(y_test)})")
    if "class_names" in arrays:
        names = _given_names(arrays["class_names"], names, p)
    return OwnData(X, codes[:n_train], names, X_test, None if y_test is None else codes[n_train:],
                   image_shape=_image_shape(X))


# labels and class names may be text: unicode strings of up to _MAX_NAME characters
_ARRAY_CODES = REAL_CODES + tuple(f"U{n}" for n in range(1, _MAX_NAME + 1))


def _checked_text(array: np.ndarray, where: str) -> np.ndarray:
    """A unicode array whose every code point is a character (a file can hold any 32-bit number there)."""
    if array.dtype.kind == "U" and array.size:
        points = array.view(np.uint32)
        if points.max() > 0x10FFFF or np.any((points >= 0xD800) & (points <= 0xDFFF)):
            raise DataFormatError(f"{where} holds text that is not valid unicode")
    return array


def _load_npy(p: Path, what: str) -> np.ndarray:
    """A .npy file read with its size checked before anything is allocated (never pickled)."""
    if not p.exists():
        raise FileNotFoundError(f"no such file: {p} (the {what})")
    try:
        return _checked_text(read_npy(p, codes=_ARRAY_CODES), str(p))
    except ArrayFileError as exc:
        raise DataFormatError(f"{p} is not a .npy file of numbers or labels: {exc}") from None


def _load_npz(p: Path) -> dict[str, np.ndarray]:
    """Every array of a .npz, each size checked against the archive before it is read."""
    try:
        with NpzReader(p, codes=_ARRAY_CODES) as archive:
            return {name: _checked_text(archive.read(name), f"{p} ({name!r})") for name in archive.headers}
    except ArrayFileError as exc:
        raise DataFormatError(f"{p} is not a .npz file of arrays: {exc}") from None
    except OSError as exc:
        raise DataFormatError(f"{p} cannot be read ({exc.strerror or exc})") from None


def _check_inputs(X: np.ndarray, where: str) -> np.ndarray:
    if X.ndim < 2 or X.shape[0] == 0 or 0 in X.shape:
        raise DataFormatError(f"{where}: inputs must have one example per row, shape (m, n) or (m, *image_shape); "
                              f"got {X.shape}")
    if X.dtype.kind not in "fiu":
        raise DataFormatError(f"{where}: inputs must be real numbers, got dtype {X.dtype}")
    if np.issubdtype(X.dtype, np.floating) and not np.isfinite(X).all():
        raise DataFormatError(f"{where}: the inputs hold NaN or infinity; clean or impute the data first")
    return X


def _check_arrays(X, y, where: str, n: int | None = None) -> tuple[np.ndarray, np.ndarray, list[str]]:
    X = _check_inputs(np.asarray(X), where)
    y = np.asarray(y)
    n = len(y) if n is None else n
    if y.ndim != 1 or n != X.shape[0]:
        raise DataFormatError(f"{where}: the labels must be one value per example ({X.shape[0]}), got shape {y.shape}")
    if y.dtype.kind == "f" and not np.all(np.isfinite(y) & (y == np.round(y))):
        raise DataFormatError(f"{where}: the labels are not whole numbers")
    if y.dtype.kind not in "iufUSb":
        raise DataFormatError(f"{where}: labels of dtype {y.dtype} are not supported; use integers or strings")
    values = y.astype(np.int64).tolist() if y.dtype.kind in "fb" else y.tolist()
    codes, names = encode_labels(values, where)
    return X, codes, names


def _given_names(given: np.ndarray, found: list[str], p: Path) -> list[str]:
    """``class_names`` from the file: names for labels 0..k-1, which must then be the labels."""
    if given.ndim != 1 or given.dtype.kind not in "US" or len(given) > _MAX_CLASSES:
        raise DataFormatError(f"{p}: 'class_names' must be a 1-D array of strings")
    names = [str(v) for v in given.tolist()]
    if found != [str(k) for k in range(len(found))] or len(names) < len(found):
        raise DataFormatError(f"{p}: 'class_names' names labels 0..{len(names) - 1}, so 'y' must hold integers "
                              f"in that range; it holds {', '.join(found[:10])}")
    if any(len(name) > _MAX_NAME for name in names):
        raise DataFormatError(f"{p}: a class name is longer than {_MAX_NAME} characters")
    return names[: max(len(found), len(names))]


def _image_shape(X: np.ndarray) -> tuple[int, ...] | None:
    return tuple(int(d) for d in X.shape[1:]) if X.ndim > 2 else None


def read_image_folder(path: str | os.PathLike, *, image_size: tuple[int, int] | None = None,
                      color: str | None = None) -> OwnData:
    """Read a folder holding one sub-folder of images per class (torchvision's ImageFolder).

    Sub-folders are the classes, in sorted order; files with other suffixes than
    :data:`IMAGE_SUFFIXES` are ignored.  Every image is resized to ``image_size``
    (default: the most common size among the images) and converted to RGB or grey.

    Returns
    -------
    OwnData
        uint8 ``X`` of shape (m, height, width, 3) for RGB or (m, height, width) for grey.
    """
    root = Path(path)
    classes = sorted(d.name for d in root.iterdir() if d.is_dir() and not d.name.startswith("."))
    if not classes:
        raise DataFormatError(f"{root} holds no class folders; put the images of each class in a folder of its own")
    files, y = [], []
    for k, name in enumerate(classes):
        found = sorted(f for f in (root / name).iterdir() if f.is_file() and f.suffix.lower() in IMAGE_SUFFIXES)
        if not found:
            raise DataFormatError(f"{root / name} (class {name!r}) holds no images ({', '.join(IMAGE_SUFFIXES)})")
        files += found
        y += [k] * len(found)
    from . import images

    sizes, colourful = images.probe(files)
    size = images.check_size(image_size) if image_size is not None else max(set(sizes), key=sizes.count)
    mode = images.check_color(color) if color is not None else ("rgb" if colourful else "grey")
    X = images.read_images(files, size, mode)
    return OwnData(X, np.asarray(y, dtype=np.int64), classes, image_shape=X.shape[1:], pixel_max=255.0)
