"""The ``ranvier`` command line: a thin shell over the public API.

A user mistake (an unknown option, a bad value) prints one line on stderr and
exits with status 2; ``--debug`` shows the traceback instead.

One module per command group builds its parser and runs it: :mod:`~ranvier.cli.xor`,
:mod:`~ranvier.cli.train`, :mod:`~ranvier.cli.lr_find`, :mod:`~ranvier.cli.evaluate`,
:mod:`~ranvier.cli.predict`, :mod:`~ranvier.cli.export`, :mod:`~ranvier.cli.info`,
:mod:`~ranvier.cli.sweep`, :mod:`~ranvier.cli.gradcheck`, :mod:`~ranvier.cli.plot`
(``optimize`` and ``plot KIND``); the playground's command is
:mod:`ranvier.playground.cli`.  What they share is in private modules: the
option types (``_types``), the errors and exit statuses (``_errors``), the
parser (``_parser``), the options of a training run (``_options``) and what
the commands print (``_output``).  This module assembles the parser and runs
:func:`main`; the command groups never import it.
"""

from __future__ import annotations

import argparse
import sys
from typing import Sequence

from .._version import __version__
from . import evaluate, export, gradcheck, info, lr_find, plot, predict, sweep, train, xor
from ._errors import (EXIT_BROKEN_PIPE, EXIT_FAILURE, EXIT_USAGE, UsageError, _failure, _flush_stdout, _say,
                      _silence_stdout)
from ._parser import _debug_everywhere, _Parser

__all__ = ["EXIT_FAILURE", "EXIT_USAGE", "UsageError", "build_parser", "main"]

# The old flat modules of two command groups stay importable once ranvier.cli is (ranvier itself
# must not import the command line): ``ranvier.cli_plot`` is ranvier.cli.plot, the same module
# object, and ``ranvier.cli_sweep`` is ranvier.cli.sweep.
for _old, _new in {"cli_plot": plot, "cli_sweep": sweep}.items():
    setattr(sys.modules["ranvier"], _old, sys.modules.setdefault(f"ranvier.{_old}", _new))
del _old, _new


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``ranvier`` command."""
    parser = _Parser(
        prog="ranvier",
        description="Linear classifiers and neural networks trained by gradient descent.",
    )
    parser.add_argument("--version", action="version", version=f"ranvier {__version__}")
    parser.add_argument("--debug", action="store_true", help="show full tracebacks on errors")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for group in (xor, train, lr_find, evaluate, predict, export, info):
        group.add_parser(sub)
    sweep.add_parsers(sub)
    gradcheck.add_parser(sub)
    plot.add_parsers(sub, _Parser)  # optimize, plot KIND

    from ..playground.cli import add_parser as add_playground_parser

    add_playground_parser(sub)  # dispatch: its handler, ranvier.playground.cli.run
    _debug_everywhere(parser)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``ranvier`` command; returns the exit status.

    Every error is one line on stderr: 2 for a mistake in what was asked
    (an option, an input file), 1 for a run that failed or an unexpected
    error (a bug; ``--debug``, before or after the command, shows its
    traceback), 130 after Ctrl-C, 141 (quietly) when the reader of the
    output went away (``ranvier ... | head``).
    """
    parser = build_parser()
    argv = list(sys.argv[1:] if argv is None else argv)
    parser.argv = argv  # for "did you mean" hints
    debug = "--debug" in argv
    try:
        try:
            args = parser.parse_args(argv)
            debug = args.debug
            if args.command is None:
                parser.print_help()
                status = EXIT_USAGE
            else:
                status = args.handler(args)
            _flush_stdout()
            return status
        except SystemExit:  # --help, --version: flush while the pipe can still be reported
            _flush_stdout()
            raise
    except BrokenPipeError:
        _silence_stdout()
        return EXIT_BROKEN_PIPE
    except KeyboardInterrupt:
        _say("ranvier: interrupted")
        return 130
    except Exception as exc:
        if debug:
            raise
        line, status = _failure(exc)
        _say(f"ranvier: error: {line}")
        return status
