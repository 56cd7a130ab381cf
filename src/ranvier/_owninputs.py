"""New examples for a saved model: table rows by column name, image arrays of any layout, folders.

The readers behind ``ranvier evaluate --data FILE`` and ``ranvier predict``.
They return raw inputs in the layout the model was trained on (a row of
``n`` values, or an image flattened from ``(height, width[, 3])``), and
labels coded as the model's classes (looked up by name), so a table whose
columns come in another order, or a folder that lacks a class, still lines
up with the model.  Every problem raises a ValueError (a
:class:`~ranvier.datasets.DataFormatError` for a file) whose one line says
what is wrong and how to fix it; notes (a transposed layout, a resized
image) go to ``note``, which the CLI prints on stderr.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import numpy as np

from .datasets.base import DataFormatError

__all__ = ["image_arrays", "image_paths", "labels_as_classes", "table_rows"]

Note = Callable[[str], None]


def _quiet(_: str) -> None:
    pass


def table_rows(path, saved, *, target: str | None = None, need_target: bool = False):
    """The rows of a CSV/TSV table as the model's inputs: ``(X, label texts or None)``.

    The model's feature columns are picked by name (any order, other columns
    ignored); without saved feature names the table must hold exactly the
    model's inputs plus, optionally, the target column.  The target column
    (``target``, else the training's, else the one column that is not a
    feature, else the one whose every value is a class name of the model)
    gives the labels; it is ignored when ``need_target`` is False.
    """
    from .datasets.files import _number, _read_rows

    p = Path(path)
    header, rows = _read_rows(p)
    features = saved.feature_names
    target = target or (saved.summary.get("options") or {}).get("target")
    if features is None:
        features = [h for h in header if h != target]
        if len(features) == saved.model.n_features + 1 and target is None:
            target, features = features[-1], features[:-1]
        if len(features) != saved.model.n_features:
            raise DataFormatError(f"{p}: {len(features)} feature columns but the model takes {saved.model.n_features} "
                                  "inputs (and its file names no feature columns)")
    missing = [f for f in features if f not in header]
    if missing:
        raise DataFormatError(f"{p}: no column {missing[0]!r}, which the model takes"
                              f"{f' (and {len(missing) - 1} more)' if len(missing) > 1 else ''}; "
                              f"the columns are {', '.join(map(repr, header))}")
    if target is None:  # the one other column, or the one whose every value is a class of the model
        rest = [h for h in header if h not in features]
        if len(rest) > 1 and saved.class_names:
            known = set(saved.class_names)
            rest = [h for h in rest if all(row[header.index(h)].strip() in known for row in rows)]
        target = rest[0] if len(rest) == 1 else None
    if need_target and (target is None or target not in header):
        raise DataFormatError(f"{p}: no label column{f' {target!r}' if target else ''}; name it with --target "
                              f"(the columns are {', '.join(map(repr, header))})")
    where = [header.index(f) for f in features]
    X = np.empty((len(rows), len(where)), dtype=np.float64)
    for r, row in enumerate(rows):
        for j, c in enumerate(where):
            X[r, j] = _number(row[c], p, header[c], r + 2)
    labels = [row[header.index(target)].strip() for row in rows] if need_target else None
    return X, labels


def labels_as_classes(texts, class_names, where: str) -> np.ndarray:
    """Label texts as the model's class indices; a label the model does not know is named."""
    index = {name: k for k, name in enumerate(class_names)}
    unknown = sorted({t for t in texts if t not in index})
    if unknown:
        raise DataFormatError(f"{where}: label {unknown[0]!r} is not one of the model's classes "
                              f"({', '.join(class_names)[:80]})")
    return np.fromiter((index[t] for t in texts), dtype=np.int64, count=len(texts))


def image_paths(folder) -> list[Path]:
    """The image files under a folder (its class folders included), sorted."""
    from .datasets.files import IMAGE_SUFFIXES

    root = Path(folder)
    found = sorted(p for p in root.rglob("*") if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES
                   and not any(part.startswith(".") for part in p.relative_to(root).parts))
    if not found:
        raise DataFormatError(f"{root} holds no images ({', '.join(IMAGE_SUFFIXES)})")
    return found


def _resize(images: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Bilinear resize of (m, h, w[, 3]) images through Pillow, in float32 (values kept as they are)."""
    from PIL import Image

    out = np.empty((len(images), *size, *images.shape[3:]), dtype=np.float32)
    for k, img in enumerate(np.asarray(images, dtype=np.float32)):
        if img.ndim == 2:
            out[k] = np.asarray(Image.fromarray(img, mode="F").resize((size[1], size[0]), Image.Resampling.BILINEAR))
        else:
            for c in range(img.shape[2]):
                channel = Image.fromarray(np.ascontiguousarray(img[..., c]), mode="F")
                out[k, ..., c] = np.asarray(channel.resize((size[1], size[0]), Image.Resampling.BILINEAR))
    return out


def image_arrays(X: np.ndarray, shape: tuple[int, ...], where: str, *, resize: bool = True,
                 layout: str | None = None, note: Note = _quiet) -> np.ndarray:
    """Images of an array in the model's layout ``shape`` (``(h, w, c)`` or ``(h, w)``), as (m, h, w[, c]).

    An array in channels-first layout ``(m, c, h, w)`` is recognised by its
    shape and transposed (said in ``note``); when both layouts fit the shape
    (``c == h`` or ``c == w``), ``layout`` (``"nhwc"`` or ``"nchw"``) must
    say which it is.  Images of another height and width are resized (said
    in ``note``), or refused when ``resize`` is False.
    """
    shape = tuple(shape)
    if X.ndim == len(shape):  # one image
        X = X[None]
    if len(shape) == 2 and X.ndim == 4 and 1 in (X.shape[1], X.shape[3]):  # grey with a channel axis of 1
        axis = 3 if X.shape[3] == 1 else 1
        if axis == 1:
            note(f"{where}: read the grey images of shape {X.shape} as channels-first (m, 1, h, w)")
        X = X.reshape(X.shape[0], *(d for i, d in enumerate(X.shape[1:], start=1) if i != axis))
    if X.ndim != len(shape) + 1:
        raise DataFormatError(f"{where}: expected images of shape {shape} (or a batch of them), got shape {X.shape}")
    if len(shape) == 3:
        X = _channels_last(X, shape, where, layout, note)
    elif layout not in (None, "nhwc"):
        raise ValueError(f"--layout {layout}: the model takes grey images of shape {shape}, which have no channels")
    if X.shape[1:3] != shape[:2]:
        if not resize:
            raise DataFormatError(f"{where}: the images are {X.shape[1]}x{X.shape[2]} but the model takes "
                                  f"{shape[0]}x{shape[1]}; drop --no-resize to resize them")
        note(f"{where}: resized the {X.shape[1]}x{X.shape[2]} images to the model's {shape[0]}x{shape[1]} "
             "(bilinear)")
        X = _resize(X, shape[:2])
    return X


def _channels_last(X: np.ndarray, shape: tuple[int, ...], where: str, layout: str | None, note: Note) -> np.ndarray:
    c = shape[2]
    last, first = X.shape[3] == c, X.shape[1] == c
    if layout is None and last and first:
        raise DataFormatError(f"{where}: shape {X.shape} reads as channels-last (m, h, w, {c}) and as channels-first "
                              f"(m, {c}, h, w); say which with --layout nhwc or --layout nchw")
    if layout == "nchw" or (layout is None and first):
        if not first:
            raise DataFormatError(f"{where}: --layout nchw, but shape {X.shape} has no {c} channels on axis 1")
        note(f"{where}: read the images of shape {X.shape} as channels-first (m, {c}, h, w) and transposed them "
             f"to the model's channels-last (m, h, w, {c})")
        return np.ascontiguousarray(X.transpose(0, 2, 3, 1))
    if not last:
        raise DataFormatError(f"{where}: expected images with {c} channels, channels-last (m, h, w, {c}) as the "
                              f"model's {shape} or channels-first (m, {c}, h, w); got shape {X.shape}")
    return X


def is_table(path) -> bool:
    return os.fspath(path).lower().endswith((".csv", ".tsv", ".txt"))
