"""``ranvier predict``: the classes of rows of a CSV, arrays, image files or folders, by a saved model.

A thin shell over :mod:`ranvier._owninputs`: a model file carries its
preprocessing, class names, feature names and image shape, so a table, a
``.npy`` of raw inputs or image files are read the way the training read them.
"""

from __future__ import annotations

import argparse
import os

import numpy as np

from .._text import printable
from . import _types as T
from ._errors import UsageError
from ._output import class_names, note, refuse_existing

__all__ = ["add_parser", "cmd_predict", "read_inputs"]


def add_parser(sub) -> None:
    """Add ``predict`` to the sub-command set ``sub`` of the ``ranvier`` parser."""
    pr = sub.add_parser("predict", help="predict the classes of rows of a CSV, arrays, image files or folders",
                        description="Predict with a saved model. INPUT is a .csv/.tsv table (the model's feature "
                        "columns by name; a label column is ignored), a .npy file of raw inputs (rows, or images "
                        "channels-last or channels-first), image files, or folders of images.")
    pr.add_argument("model", metavar="MODEL", help="a model.npz written by 'ranvier train'")
    pr.add_argument("inputs", metavar="INPUT", nargs="+", help=".csv, .npy, image files or folders")
    pr.add_argument("--top", type=T.positive_int, default=3, help="classes to show per input (default 3)")
    pr.add_argument("--proba", action="store_true", help="print every class's probability (scores for svm/squared models)")
    pr.add_argument("--output", metavar="FILE.csv", help="write input, predicted class and every class's "
                    "probability (or score) as CSV (atomically)")
    pr.add_argument("--overwrite", action="store_true", help="replace an existing --output file")
    pr.add_argument("--no-resize", action="store_true", help="refuse images of another size than the model's")
    pr.add_argument("--layout", choices=("nhwc", "nchw"), help="the layout of a .npy of images when its shape "
                    "fits both (default: recognised from the shape)")
    pr.set_defaults(handler=cmd_predict)


def cmd_predict(args: argparse.Namespace) -> int:
    from ..io import load_model
    from ..nn.losses import softmax

    refuse_existing(args.output, args.overwrite, "--output")
    saved = load_model(args.model)
    labels, X = read_inputs(args.inputs, saved, resize=not args.no_resize, layout=args.layout)
    scores = saved.model.scores(saved.prepare(X))
    probs = softmax(scores) if saved.model.loss_name == "softmax" else None
    names = [printable(n) for n in class_names(saved)]
    top = min(args.top, len(names))
    if args.output:  # first: a reader that stops early (| head) loses no file
        _write_predictions(args.output, labels, names, scores, probs)
    for i, label in enumerate(labels):
        row = scores[i]
        order = np.argsort(-row, kind="stable")
        if args.proba:
            values = probs[i] if probs is not None else row
            picks = ", ".join(f"{names[k]} {values[k]:.4f}" for k in range(len(names)))
        elif probs is not None:
            picks = ", ".join(f"{names[k]} {100 * probs[i, k]:.1f}%" for k in order[:top])
        else:
            picks = ", ".join(f"{names[k]} (score {row[k]:.3g})" for k in order[:top])
        print(f"{printable(label)}: {names[order[0]]}   [{picks}]")
    if args.output:
        print(f"wrote {printable(args.output)} ({len(labels)} rows)")
    return 0


def _write_predictions(path: str, labels, names, scores, probs) -> None:
    """input, predicted, then ``p_<class>`` (softmax) or ``score_<class>`` per class, written atomically."""
    import csv
    import io

    from .._archive import atomic_write_text

    values, prefix = (probs, "p_") if probs is not None else (scores, "score_")
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(["input", "predicted", *(prefix + n for n in names)])
    for label, row, v in zip(labels, scores, values):
        writer.writerow([label, names[int(np.argmax(row))], *(f"{x:.9g}" for x in v)])
    atomic_write_text(path, text.getvalue())


def read_inputs(paths: list[str], saved, *, resize: bool = True, layout: str | None = None):
    """``(labels, raw X)`` of predict's inputs: one table, one .npy, or image files and folders."""
    from .._owninputs import image_paths, is_table, table_rows

    for p in paths:
        if not os.path.exists(p):
            raise UsageError(f"no such input file: {p!r}")
    single = [p for p in paths if p.endswith(".npy") or is_table(p)]
    if single and len(paths) > 1:
        raise UsageError("pass one .npy or .csv file (its rows are the inputs), or image files and folders")
    if single and is_table(single[0]):
        X, _ = table_rows(single[0], saved)
        return [f"{single[0]}:{r + 2}" for r in range(len(X))], X
    if single:
        return _npy_inputs(single[0], saved, resize, layout)
    shape = saved.image_shape
    if shape is None or len(shape) not in (2, 3):
        raise UsageError("this model was not trained on images: pass a .csv or .npy file of inputs")
    files = []
    for p in paths:
        files += image_paths(p) if os.path.isdir(p) else [p]
    images = _image_files(files, shape, resize)
    if saved.pixel_max is not None:  # image files hold 0-255; the training data held 0-pixel_max
        images *= saved.pixel_max / 255.0
    return [str(f) for f in files], images


def _npy_inputs(path: str, saved, resize: bool, layout: str | None):
    from .._owninputs import image_arrays

    X = _read_npy_inputs(path)
    n, shape = saved.model.n_features, saved.image_shape
    if shape and len(shape) in (2, 3) and (X.ndim > 2 or X.shape == tuple(shape)):
        X = image_arrays(X, shape, path, resize=resize, layout=layout, note=note)
        X = X.reshape(len(X), -1)
    elif X.size == n:  # one input row
        X = X.reshape(1, n)
    expected = f"rows of {n} values" + (f" or images of shape {shape}" if shape else "")
    if X.ndim != 2 or X.shape[1] != n or len(X) == 0:
        raise UsageError(f"{path}: expected {expected}, got shape {X.shape}")
    if not np.isfinite(X).all():
        raise UsageError(f"{path}: the inputs contain NaN or infinity")
    return [f"{path}[{i}]" for i in range(len(X))], X


def _image_files(files, shape, resize: bool) -> np.ndarray:
    """Image files as rows of the model's ``shape``, each of another size resized with a note (or refused)."""
    sizes: list = []
    rows = np.stack([_read_image(str(f), tuple(shape), sizes) for f in files])
    other = [(f, s) for f, s in zip(files, sizes) if s != tuple(shape[:2])]
    if other and not resize:
        f, s = other[0]
        raise UsageError(f"{f}: the image is {s[0]}x{s[1]} but the model takes {shape[0]}x{shape[1]}; "
                         "drop --no-resize to resize it")
    for f, s in other[:5]:
        note(f"{f}: resized from {s[0]}x{s[1]} to the model's {shape[0]}x{shape[1]} (bilinear)")
    if len(other) > 5:
        note(f"... and {len(other) - 5} more images resized")
    return rows


def _read_npy_inputs(path: str) -> np.ndarray:
    """A ``.npy`` of real numbers, its header checked before anything is allocated (no pickle)."""
    from .._arrayfile import ArrayFileError, read_npy

    try:
        return read_npy(path)
    except ArrayFileError as exc:
        raise UsageError(f"{path}: not a readable .npy file of numbers ({exc})") from None


def _read_image(path: str, shape: tuple[int, ...], sizes: list | None = None) -> np.ndarray:
    """One image file as a flat float32 row of ``shape`` (resized); its own (height, width) appended to ``sizes``."""
    import warnings

    try:
        from PIL import Image
    except ImportError:
        raise UsageError("reading image files needs Pillow: pip install pillow") from None
    from .._arrayfile import format_bytes

    limit = Image.MAX_IMAGE_PIXELS or 89_478_485
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path) as img:
                width, height = img.size
                if sizes is not None:
                    sizes.append((height, width))
                if width * height > limit:  # checked before the pixels are decoded
                    raise UsageError(
                        f"{path}: the image is {width}x{height} pixels ({width * height / 1e6:.0f} Mpx), over the "
                        f"limit of {limit / 1e6:.0f} Mpx; decoding it would need {format_bytes(width * height * 4)}"
                        f" (a decompression bomb?)")
                img = img.convert("RGB" if len(shape) == 3 else "L")  # resized as the training read images:
                img = img.resize((shape[1], shape[0]), Image.Resampling.BILINEAR)
                arr = np.asarray(img, dtype=np.float32)
    except UsageError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise UsageError(f"{path}: the image is too large to decode safely ({exc})") from None
    except Exception as exc:  # noqa: BLE001  a decoder of untrusted bytes: any failure means "not an image"
        raise UsageError(f"{path}: not a readable image ({type(exc).__name__}: {exc})") from None
    return arr.reshape(-1)
