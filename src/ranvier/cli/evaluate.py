"""``ranvier evaluate``: accuracy, precision/recall/F1, top-k, log loss and confusion of a saved model.

A thin shell over :func:`ranvier.metrics.evaluate_report`: the model file
carries its preprocessing and class names, so a split of the data set it was
trained on (drawn again as the training drew it) or every row of a new file
of the same kind is read the way the training read it.
"""

from __future__ import annotations

import argparse
import os

import numpy as np

from .._text import printable
from ._errors import UsageError
from ._output import class_names, pct, refuse_existing

__all__ = ["add_parser", "cmd_evaluate"]


def add_parser(sub) -> None:
    """Add ``evaluate`` to the sub-command set ``sub`` of the ``ranvier`` parser."""
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


def _own_examples(saved, path: str, args) -> tuple[np.ndarray, np.ndarray]:
    """Every example of a file or folder of one's own, labels coded as the model's classes."""
    from .._owninputs import is_table, labels_as_classes, table_rows
    from ..datasets.files import read_own_data

    if is_table(path):
        X, texts = table_rows(path, saved, target=args.target, need_target=True)
        return X, labels_as_classes(texts, class_names(saved), path)
    shape = saved.image_shape
    kwargs = {}
    if os.path.isdir(path):
        if shape is None or len(shape) not in (2, 3):
            raise UsageError(f"{path} is a folder of images, but the model was not trained on images")
        kwargs = {"image_size": shape[:2], "color": "rgb" if len(shape) == 3 else "grey"}
    raw = read_own_data(path, labels=args.labels, **kwargs)
    y = labels_as_classes([raw.class_names[k] for k in raw.y], class_names(saved), path)
    X = raw.X
    if raw.X_test is not None:
        X = np.concatenate([X, raw.X_test])
        y = np.concatenate([y, labels_as_classes([raw.class_names[k] for k in raw.y_test], class_names(saved), path)])
    return X, y


def _evaluation_data(saved, args) -> tuple[str, str, np.ndarray, np.ndarray]:
    """``(data name, split, raw X, y)`` of the evaluation."""
    from ..datasets import load_dataset
    from ..datasets.own import is_own_data

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
    from ..io import load_model
    from ..metrics import evaluate_report

    refuse_existing(args.json, args.overwrite, "--json")
    saved = load_model(args.model)
    name, split, X, y = _evaluation_data(saved, args)
    X = saved.prepare(X)
    if X.shape[1] != saved.model.n_features:
        raise UsageError(f"{name} has {X.shape[1]} features but the model takes {saved.model.n_features}")
    report = evaluate_report(saved.model, X, y, class_names=[printable(n) for n in class_names(saved)])
    _print_report(report, f"{printable(args.model)} on {printable(name)} ({split}{' split' if split != 'all' else ''}, "
                  f"{len(y)} examples)")
    if args.json:
        import json

        from .._archive import atomic_write_text

        atomic_write_text(args.json, json.dumps({"model": args.model, "data": name, "split": split,
                                                  **report.to_dict()}, indent=1))
        print(f"wrote {printable(args.json)}")
    return 0


def _print_report(report, title: str) -> None:
    names, confusion = report.class_names, report.confusion
    print(f"{title}: accuracy {pct(report.accuracy)}")
    extra = [f"balanced accuracy {pct(report.balanced_accuracy)}"]
    extra += [f"top-{k} accuracy {pct(v)}" for k, v in report.top_k.items()]
    if report.log_loss is not None:
        extra.append(f"log loss {report.log_loss:.4f}")
    print(", ".join(extra))
    print("per-class accuracy:")
    width = max(len(n) for n in names)
    for k, n in enumerate(names):
        total = confusion[k].sum()
        print(f"  {n:<{width}}  {pct(confusion[k, k] / total) if total else 'n/a':>8}  ({total} examples)")
    print("  " + report.table().replace("\n", "\n  "))
    print("confusion matrix (rows: true class, columns: predicted):")
    cell = max(5, len(str(confusion.max())) + 1)
    print(" " * (width + 2) + "".join(f"{k:>{cell}}" for k in range(len(names))))
    for k, n in enumerate(names):
        print(f"  {n:<{width}}" + "".join(f"{v:>{cell}}" for v in confusion[k]))
