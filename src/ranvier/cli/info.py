"""``ranvier info``: describe a saved model, what its file holds.

The model, its layers and parameters, its classes and features, the shape of
its input images, its preprocessing and how it was trained; every name read
from the file is printed with its control characters escaped.
"""

from __future__ import annotations

import argparse

from .._text import printable
from ._output import pct

__all__ = ["add_parser"]


def add_parser(sub) -> None:
    """Add ``info`` to the sub-command set ``sub`` of the ``ranvier`` parser."""
    info = sub.add_parser("info", help="describe a saved model", description="Print what a model file holds.")
    info.add_argument("model", metavar="MODEL", help="a model.npz written by 'ranvier train'")
    info.set_defaults(handler=_cmd_info)


def _cmd_info(args: argparse.Namespace) -> int:
    from ..io import load_model

    saved = load_model(args.model)
    model, meta, s = saved.model, saved.metadata, saved.summary
    print(f"{printable(args.model)}: ranvier model file, format version {printable(meta['format_version'])}, "
          f"written by ranvier {printable(meta.get('ranvier_version'))}")
    print(f"  model: {printable(repr(model))}")
    print(f"  parameters: {model.num_params:,} ({', '.join(f'{k} {v.shape}' for k, v in model.params.items())})")
    print("  " + model.summary().replace("\n", "\n  "))
    if saved.class_names:
        print(f"  classes: {', '.join(map(printable, saved.class_names))}")
    if saved.feature_names:
        shown = ", ".join(map(printable, saved.feature_names[:20]))
        print(f"  features: {shown}{f' ... ({len(saved.feature_names)} in all)' if len(saved.feature_names) > 20 else ''}")
    if saved.image_shape:
        print(f"  input images: {'x'.join(map(str, saved.image_shape))}")
    steps = (meta.get("preprocessing") or {}).get("steps") or []
    print(f"  preprocessing: {printable('+'.join(map(str, steps))) or 'none'}")
    if s:
        print(f"  trained on {printable(s.get('data'))}: {printable(s.get('epochs'))} epochs, {s.get('seconds', 0):.1f} s, "
              f"seed {printable(s.get('seed'))}")
        print(f"  accuracy: train {pct(s.get('train_accuracy'))}, val {pct(s.get('val_accuracy'))}, test {pct(s.get('test_accuracy'))}")
    return 0
