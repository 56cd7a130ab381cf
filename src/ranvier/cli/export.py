"""``ranvier export``: write a saved model as ONNX (preprocessing included) or a PyTorch state_dict.

A thin shell over :mod:`ranvier.export`.
"""

from __future__ import annotations

import argparse

from .._text import printable
from ._errors import UsageError
from ._output import refuse_existing

__all__ = ["add_parser", "cmd_export"]


def add_parser(sub) -> None:
    """Add ``export`` to the sub-command set ``sub`` of the ``ranvier`` parser."""
    ex = sub.add_parser("export", help="write a saved model as ONNX (preprocessing included) or a PyTorch state_dict",
                        description="Export a saved model: OUTPUT.onnx takes raw inputs (the preprocessing is in the "
                        "graph) and gives 'scores' (and 'probabilities'); --torch FILE.pt writes the state_dict of "
                        "the equivalent torch.nn.Sequential (see ranvier.export).")
    ex.add_argument("model", metavar="MODEL", help="a model.npz written by 'ranvier train'")
    ex.add_argument("output", metavar="OUTPUT.onnx", nargs="?", help="the ONNX file to write")
    ex.add_argument("--torch", metavar="FILE.pt", help="also (or only) write the PyTorch state_dict")
    ex.add_argument("--overwrite", action="store_true", help="replace existing files")
    ex.set_defaults(handler=cmd_export)


def cmd_export(args: argparse.Namespace) -> int:
    from ..export import to_onnx, to_torch_state_dict
    from ..io import load_model

    if args.output is None and args.torch is None:
        raise UsageError("name the file to write: ranvier export MODEL model.onnx (or --torch state_dict.pt)")
    if args.output is not None and not args.output.lower().endswith(".onnx"):
        raise UsageError(f"{args.output!r}: the ONNX file's name must end in .onnx (use --torch FILE.pt for PyTorch)")
    refuse_existing(args.output, args.overwrite, "OUTPUT")
    refuse_existing(args.torch, args.overwrite, "--torch")
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
