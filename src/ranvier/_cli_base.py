"""The machinery of the ``ranvier`` command line: its parser, and every error as one line.

:class:`_Parser` never matches an option by prefix and reports a mistake as
one line with a "did you mean" hint; :func:`_failure` turns any exception
into the line ``ranvier: error: ...`` prints and the exit status: 2 for a
mistake in what was asked (an option, an input file; the malformed-input
errors of the libraries that read files included), 1 for a run that failed
on the machine (a full disk) or an unexpected error, which says it is a bug
and how to see its traceback (``--debug``, before or after the command).
"""

from __future__ import annotations

import argparse
import os
import sys

EXIT_USAGE = 2
EXIT_FAILURE = 1


class UsageError(Exception):
    """A mistake in what the user asked for; reported as one line, exit status 2."""


class _Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line, not the usage block.

    Options are never matched by prefix (``--epoch`` does not silently mean
    ``--epochs``: it is refused with a "did you mean" hint).
    """

    def __init__(self, *args, **kwargs) -> None:
        kwargs["allow_abbrev"] = False
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> None:  # type: ignore[override]
        hint = self._did_you_mean(message)
        raise UsageError(f"{message}{hint} (see '{self.prog} --help')")

    def _did_you_mean(self, message: str) -> str:
        """'; did you mean --epochs?' for a mistyped option, from every command's options."""
        import difflib

        prefix = "unrecognized arguments: "
        if not message.startswith(prefix):
            return ""
        known = set(self._option_string_actions)
        argv = getattr(self, "argv", [])
        parser = self
        while parser is not None:  # the options of the command asked for (and of its own sub-command)
            known.update(parser._option_string_actions)
            parser = next((action.choices[a] for action in parser._actions
                           if isinstance(action, argparse._SubParsersAction)
                           for a in argv if a in action.choices), None)
        for word in message[len(prefix):].split():
            if word.startswith("--"):
                word = word.split("=")[0]
                longer = [k for k in sorted(known) if k.startswith(word)]  # a prefix is never taken silently
                close = longer if len(longer) == 1 else difflib.get_close_matches(word, sorted(known), n=1)
                if close:
                    return f"; did you mean {close[0]}?"
        return ""

    def _check_value(self, action, value):  # the same words on every Python version
        if action.choices is not None and value not in action.choices:
            choices = ", ".join(map(str, action.choices))
            raise argparse.ArgumentError(action, f"invalid choice: {value!r} (choose from {choices})")


def _debug_everywhere(parser: argparse.ArgumentParser) -> None:
    """Let ``--debug`` come after the command too (``ranvier train ... --debug``).

    Each command's parser gets its own ``--debug`` whose default is left unset,
    so that it does not overwrite a ``--debug`` given before the command.
    """
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for command in dict.fromkeys(action.choices.values()):  # aliases share a parser
                if "--debug" not in command._option_string_actions:
                    command.add_argument("--debug", action="store_true", default=argparse.SUPPRESS,
                                         help="show full tracebacks on errors")
                _debug_everywhere(command)


EXIT_BROKEN_PIPE = 141  # 128 + SIGPIPE, what a shell reports for a writer whose reader went away

_BUG = "this is a bug in ranvier: rerun with --debug to see the traceback, and please report it"


def _one_line(exc: BaseException) -> str:
    """The words of an error on one line, its control characters escaped."""
    from ._text import printable

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
