"""The errors of the ``ranvier`` command line: every error as one line, and its exit status.

:class:`UsageError` is a mistake in what was asked; :func:`_failure` turns any
exception into the line ``ranvier: error: ...`` prints and the exit status: 2 for a
mistake in what was asked (an option, an input file; the malformed-input
errors of the libraries that read files included), 1 for a run that failed
on the machine (a full disk) or an unexpected error, which says it is a bug
and how to see its traceback (``--debug``, before or after the command).
"""

from __future__ import annotations

import os
import sys

EXIT_USAGE = 2
EXIT_FAILURE = 1
EXIT_BROKEN_PIPE = 141  # 128 + SIGPIPE, what a shell reports for a writer whose reader went away


class UsageError(Exception):
    """A mistake in what the user asked for; reported as one line, exit status 2."""


_BUG = "this is a bug in ranvier: rerun with --debug to see the traceback, and please report it"


def _one_line(exc: BaseException) -> str:
    """The words of an error on one line, its control characters escaped."""
    from .._text import printable

    if isinstance(exc, OSError) and exc.strerror:  # a system error: its words and its file
        text = exc.strerror + (f": {exc.filename!r}" if exc.filename else "")
    else:
        text = str(exc)
    return printable(" ".join(text.split()) or type(exc).__name__)


def _input_errors() -> tuple[type[BaseException], ...]:
    """Errors that a malformed or oversized input raises in the libraries ranvier reads it with."""
    import pickle
    import tokenize
    import zipfile

    kinds = [LookupError, EOFError, SyntaxError, tokenize.TokenError, OverflowError, NotImplementedError,
             pickle.UnpicklingError, zipfile.BadZipFile]
    pil = sys.modules.get("PIL.Image")  # only when Pillow read an image
    if pil is not None and hasattr(pil, "DecompressionBombError"):
        kinds.append(pil.DecompressionBombError)
    return tuple(kinds)


def _failure(exc: BaseException) -> tuple[str, int]:
    """The one line (without ``ranvier: error: ``) and the exit status of an error."""
    if isinstance(exc, UsageError):
        return _one_line(exc), EXIT_USAGE
    if isinstance(exc, (ValueError, TypeError, FileNotFoundError, PermissionError, IsADirectoryError)):
        # a mistake in what was asked (bad option value, missing or broken file)
        return _one_line(exc), EXIT_USAGE
    if isinstance(exc, OSError):
        # the machine, not the request: a full disk, a vanished folder; files are written
        # aside and renamed, so nothing half-written is left behind
        return _one_line(exc), EXIT_FAILURE
    if isinstance(exc, MemoryError):
        return (f"not enough memory ({_one_line(exc)}); ask for less (smaller --hidden, --batch-size or "
                "--n-train, smaller inputs) or free some memory"), EXIT_USAGE
    if isinstance(exc, RecursionError):
        return f"the input is nested too deeply to read ({_one_line(exc)})", EXIT_USAGE
    if isinstance(exc, _input_errors()):
        return f"{_named(exc)} (the input could not be read)", EXIT_USAGE
    return f"{_named(exc)}; {_BUG}", EXIT_FAILURE


def _named(exc: BaseException) -> str:
    """``KeyError: 'W1'``: the type of an error beside its words (which alone may say little)."""
    words = _one_line(exc)
    return words if words == type(exc).__name__ else f"{type(exc).__name__}: {words}"


def _say(line: str) -> None:
    """Print a line on stderr; a closed stderr is not an error of its own."""
    try:
        print(line, file=sys.stderr, flush=True)
    except (OSError, ValueError):
        pass


def _silence_stdout() -> None:
    """After a broken pipe: point stdout at /dev/null, so that the exit flush is quiet too."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):  # no real stdout (a test's capture): nothing to flush
        pass


def _flush_stdout() -> None:
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        _silence_stdout()
        raise
