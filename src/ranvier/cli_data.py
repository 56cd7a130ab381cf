"""``ranvier evaluate``, ``predict`` and ``export``, and the train options for data of one's own.

A thin shell over :mod:`ranvier.metrics`, :mod:`ranvier.export` and
:mod:`ranvier._owninputs`: a model file carries its preprocessing, class
names and feature names, so new rows of the table it was trained on, a
folder of images or an array are read the way the training read them.
"""

from __future__ import annotations

import argparse
import os
import sys

import numpy as np

from . import _cli_types as T
from ._cli_base import UsageError
from ._text import printable

__all__ = ["add_model_parsers", "add_own_data_options"]


def add_own_data_options(parser) -> None:
    """``--labels``, ``--target``, ``--test-split``, ``--image-size``, ``--color`` (train, lr-find, sweep)."""
    g = parser.add_argument_group("data of one's own (--data FILE.csv|.tsv|.npz|X.npy or DIR/)")
    g.add_argument("--labels", metavar="Y.npy", help="the labels of --data X.npy")
    g.add_argument("--target", metavar="COLUMN", help="the label column of a CSV/TSV table (default the last)")
    g.add_argument("--test-split", type=T.fraction, metavar="F",
                   help="fraction drawn from the file as the test set (default 0.2; none when the .npz has X_test)")
    g.add_argument("--image-size", metavar="HxW", help="resize the images of a folder to HxW (default the most common size)")
    g.add_argument("--color", choices=("rgb", "grey"), help="images of a folder in colour or grey (default: rgb if any has colour)")


def add_model_parsers(sub) -> None:
    """The evaluate, predict and export commands."""
    ev = sub.add_parser("evaluate", help="accuracy, precision/recall/F1, top-k, log loss and confusion of a saved model",
                        description="Evaluate a saved model on a split of a data set (the one it was trained on by "
                        "default), with its saved preprocessing, or on every row of another file of the same kind "
                        "(--data new.csv).")
    ev.add_argument("model", metavar="MODEL", help="a model.npz written by 'ranvier train'")
    ev.add_argument("--data", metavar="NAME|FILE", help="data set or file (default: the one the model was trained on)")
    ev.add_argument("--data-dir", metavar="PATH", help="folder of the data files")
    ev.add_argument("--split", choices=("test", "val", "train", "all"), default=None,
                    help="default test; all: every example of --data (the default for a file the model was not "
                    "trained on)")
    ev.add_argument("--labels", metavar="Y.npy", help="the labels of --data X.npy")
    ev.add_argument("--target", metavar="COLUMN", help="the label column of --data FILE.csv (default: the training's)")
    ev.add_argument("--json", metavar="FILE", help="also write every metric to FILE as JSON (atomically)")
    ev.add_argument("--overwrite", action="store_true", help="replace an existing --json file")
    ev.set_defaults(handler=cmd_evaluate)

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

    ex = sub.add_parser("export", help="write a saved model as ONNX (preprocessing included) or a PyTorch state_dict",
                        description="Export a saved model: OUTPUT.onnx takes raw inputs (the preprocessing is in the "
                        "graph) and gives 'scores' (and 'probabilities'); --torch FILE.pt writes the state_dict of "
                        "the equivalent torch.nn.Sequential (see ranvier.export).")
    ex.add_argument("model", metavar="MODEL", help="a model.npz written by 'ranvier train'")
    ex.add_argument("output", metavar="OUTPUT.onnx", nargs="?", help="the ONNX file to write")
    ex.add_argument("--torch", metavar="FILE.pt", help="also (or only) write the PyTorch state_dict")
    ex.add_argument("--overwrite", action="store_true", help="replace existing files")
    ex.set_defaults(handler=cmd_export)


def _note(line: str) -> None:
    print(f"ranvier: note: {printable(line)}", file=sys.stderr)


def _refuse_existing(path: str | None, overwrite: bool, option: str) -> None:
    if path is not None and os.path.exists(path) and not overwrite:
        raise UsageError(f"{option} {path!r} exists; pass --overwrite to replace it")
    if path is not None and os.path.isdir(path):
        raise UsageError(f"{option} {path!r} is a folder; give a file name")


def _names(saved) -> list[str]:
    return list(saved.class_names) if saved.class_names else [str(k) for k in range(saved.model.n_outputs)]


# ------------------------------------------------------------------ evaluate
def _own_examples(saved, path: str, args) -> tuple[np.ndarray, np.ndarray]:
    """Every example of a file or folder of one's own, labels coded as the model's classes."""
    from ._owninputs import is_table, labels_as_classes, table_rows
    from .datasets.files import read_own_data

    if is_table(path):
        X, texts = table_rows(path, saved, target=args.target, need_target=True)
        return X, labels_as_classes(texts, _names(saved), path)
    shape = saved.image_shape
    kwargs = {}
    if os.path.isdir(path):
        if shape is None or len(shape) not in (2, 3):
            raise UsageError(f"{path} is a folder of images, but the model was not trained on images")
        kwargs = {"image_size": shape[:2], "color": "rgb" if len(shape) == 3 else "grey"}
    raw = read_own_data(path, labels=args.labels, **kwargs)
    y = labels_as_classes([raw.class_names[k] for k in raw.y], _names(saved), path)
    X = raw.X
    if raw.X_test is not None:
        X = np.concatenate([X, raw.X_test])
        y = np.concatenate([y, labels_as_classes([raw.class_names[k] for k in raw.y_test], _names(saved), path)])
    return X, y


def _evaluation_data(saved, args) -> tuple[str, str, np.ndarray, np.ndarray]:
    """``(data name, split, raw X, y)`` of the evaluation."""
    from .datasets import load_dataset
    from .datasets.own import is_own_data

    opts = saved.summary.get("options", {}) or {}
    name = args.data or opts.get("data")
    if name is None:
        raise UsageError("the model file does not say which data set it was trained on: pass --data")
    own = is_own_data(name)
    trained_on = own and opts.get("data") is not None and os.path.abspath(name) == os.path.abspath(opts["data"])
    split = args.split or ("test" if not own or trained_on else "all")
    if own and (split == "all" or not trained_on):
        if split != "all":
            raise UsageError(f"--split {split}: the model was not trained on {name}, so it has no such split; "
                             "drop --split to use every example")
        X, y = _own_examples(saved, name, args)
        return name, split, X, y
    if split == "all":
        raise UsageError("--split all is for a file of one's own (--data FILE)")
    if own:  # the file it was trained on: the splits are drawn again as the training drew them
        kwargs = {k: opts.get(k) for k in ("test_split", "target", "labels", "color") if opts.get(k) is not None}
        if opts.get("image_size") is not None:
            kwargs["image_size"] = tuple(opts["image_size"])
        data = load_dataset(name, preprocess="none", val_split=opts.get("val_split", 0.1), seed=opts.get("seed", 0),
                            n_train=opts.get("n_train"), **kwargs)
    else:
        data_dir = args.data_dir or opts.get("data_dir")
        # the test split never depends on the training options; train and val are carved as in training
        same_split = {} if split == "test" else {
            "val_split": opts.get("val_split", 0.1), "seed": opts.get("seed", 0), "n_train": opts.get("n_train")}
        data = load_dataset(name, data_dir, preprocess="none", **{"val_split": 0, **same_split})
    X, y = {"test": (data.X_test, data.y_test), "val": (data.X_val, data.y_val),
            "train": (data.X_train, data.y_train)}[split]
    if X is None:
        raise UsageError(f"{name} has no {split} split")
    if saved.class_names is not None and list(data.class_names) != list(saved.class_names):
        raise UsageError(
            f"{name}'s classes ({', '.join(data.class_names)[:60]}) are not the ones the model was trained on "
            f"({', '.join(saved.class_names)[:60]}); evaluate it on the data set it was trained on"
        )
    return name, split, X, y


def cmd_evaluate(args: argparse.Namespace) -> int:
    from .io import load_model
    from .metrics import evaluate_report

    _refuse_existing(args.json, args.overwrite, "--json")
    saved = load_model(args.model)
    name, split, X, y = _evaluation_data(saved, args)
    X = saved.prepare(X)
    if X.shape[1] != saved.model.n_features:
        raise UsageError(f"{name} has {X.shape[1]} features but the model takes {saved.model.n_features}")
    report = evaluate_report(saved.model, X, y, class_names=[printable(n) for n in _names(saved)])
    _print_report(report, f"{printable(args.model)} on {printable(name)} ({split}{' split' if split != 'all' else ''}, "
                  f"{len(y)} examples)")
    if args.json:
        import json

        from ._archive import atomic_write_text

        atomic_write_text(args.json, json.dumps({"model": args.model, "data": name, "split": split,
                                                  **report.to_dict()}, indent=1))
        print(f"wrote {printable(args.json)}")
    return 0


def _pct(value) -> str:
    return "n/a" if value is None else f"{100 * value:.2f}%"


def _print_report(report, title: str) -> None:
    names, confusion = report.class_names, report.confusion
    print(f"{title}: accuracy {_pct(report.accuracy)}")
    extra = [f"balanced accuracy {_pct(report.balanced_accuracy)}"]
    extra += [f"top-{k} accuracy {_pct(v)}" for k, v in report.top_k.items()]
    if report.log_loss is not None:
        extra.append(f"log loss {report.log_loss:.4f}")
    print(", ".join(extra))
    print("per-class accuracy:")
    width = max(len(n) for n in names)
    for k, n in enumerate(names):
        total = confusion[k].sum()
        print(f"  {n:<{width}}  {_pct(confusion[k, k] / total) if total else 'n/a':>8}  ({total} examples)")
    print("  " + report.table().replace("\n", "\n  "))
    print("confusion matrix (rows: true class, columns: predicted):")
    cell = max(5, len(str(confusion.max())) + 1)
    print(" " * (width + 2) + "".join(f"{k:>{cell}}" for k in range(len(names))))
    for k, n in enumerate(names):
        print(f"  {n:<{width}}" + "".join(f"{v:>{cell}}" for v in confusion[k]))


# ------------------------------------------------------------------ predict
def cmd_predict(args: argparse.Namespace) -> int:
    from .io import load_model
    from .nn.losses import softmax

    _refuse_existing(args.output, args.overwrite, "--output")
    saved = load_model(args.model)
    labels, X = read_inputs(args.inputs, saved, resize=not args.no_resize, layout=args.layout)
    scores = saved.model.scores(saved.prepare(X))
    probs = softmax(scores) if saved.model.loss_name == "softmax" else None
    names = [printable(n) for n in _names(saved)]
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

    from ._archive import atomic_write_text

    values, prefix = (probs, "p_") if probs is not None else (scores, "score_")
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(["input", "predicted", *(prefix + n for n in names)])
    for label, row, v in zip(labels, scores, values):
        writer.writerow([label, names[int(np.argmax(row))], *(f"{x:.9g}" for x in v)])
    atomic_write_text(path, text.getvalue())


def read_inputs(paths: list[str], saved, *, resize: bool = True, layout: str | None = None):
    """``(labels, raw X)`` of predict's inputs: one table, one .npy, or image files and folders."""
    from ._owninputs import image_paths, is_table, table_rows

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
    from ._owninputs import image_arrays
    from .cli import _read_npy_inputs

    X = _read_npy_inputs(path)
    n, shape = saved.model.n_features, saved.image_shape
    if shape and len(shape) in (2, 3) and (X.ndim > 2 or X.shape == tuple(shape)):
        X = image_arrays(X, shape, path, resize=resize, layout=layout, note=_note)
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
    from .cli import _read_image

    sizes: list = []
    rows = np.stack([_read_image(str(f), tuple(shape), sizes) for f in files])
    other = [(f, s) for f, s in zip(files, sizes) if s != tuple(shape[:2])]
    if other and not resize:
        f, s = other[0]
        raise UsageError(f"{f}: the image is {s[0]}x{s[1]} but the model takes {shape[0]}x{shape[1]}; "
                         "drop --no-resize to resize it")
    for f, s in other[:5]:
        _note(f"{f}: resized from {s[0]}x{s[1]} to the model's {shape[0]}x{shape[1]} (bilinear)")
    if len(other) > 5:
        _note(f"... and {len(other) - 5} more images resized")
    return rows


# ------------------------------------------------------------------ export
def cmd_export(args: argparse.Namespace) -> int:
    from .export import to_onnx, to_torch_state_dict
    from .io import load_model

    if args.output is None and args.torch is None:
        raise UsageError("name the file to write: ranvier export MODEL model.onnx (or --torch state_dict.pt)")
    if args.output is not None and not args.output.lower().endswith(".onnx"):
        raise UsageError(f"{args.output!r}: the ONNX file's name must end in .onnx (use --torch FILE.pt for PyTorch)")
    _refuse_existing(args.output, args.overwrite, "OUTPUT")
    _refuse_existing(args.torch, args.overwrite, "--torch")
    saved = load_model(args.model)
    try:
        if args.output is not None:
            to_onnx(saved, args.output)
            print(f"wrote {printable(args.output)}: input 'x' (batch, {saved.model.n_features}) raw, "
                  "outputs 'scores'" + (" and 'probabilities'" if saved.model.loss_name == "softmax" else ""))
        if args.torch is not None:
            to_torch_state_dict(saved, args.torch)
            print(f"wrote {printable(args.torch)}: the state_dict of ranvier.export.torch_module(model) "
                  "(apply the saved preprocessing first)")
    except ImportError as exc:
        raise UsageError(str(exc)) from None
    return 0
