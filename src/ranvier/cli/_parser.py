"""The argument parser of the ``ranvier`` command line: no prefix matching, one-line errors.

:class:`_Parser` never matches an option by prefix and reports a mistake as
one line with a "did you mean" hint (a :class:`~ranvier.cli._errors.UsageError`);
:func:`_debug_everywhere` lets ``--debug`` come before or after the command.
"""

from __future__ import annotations

import argparse

from ._errors import UsageError

_UNRECOGNIZED = "unrecognized arguments: "


class _Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line, not the usage block.

    Options are never matched by prefix (``--epoch`` does not silently mean
    ``--epochs``: it is refused with a "did you mean" hint).
    """

    def __init__(self, *args, **kwargs) -> None:
        kwargs["allow_abbrev"] = False
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> None:  # type: ignore[override]
        if message.startswith(_UNRECOGNIZED):  # found by the top parser, meant for the command asked for
            asked = self._asked_for()
            raise UsageError(f"{message}{self._did_you_mean(message, asked)} (see '{asked[-1].prog} --help')")
        raise UsageError(f"{message} (see '{self.prog} --help')")

    def _asked_for(self) -> list[argparse.ArgumentParser]:
        """This parser, the command asked for in ``self.argv``, and its own sub-command if any."""
        argv = getattr(self, "argv", [])
        chain: list[argparse.ArgumentParser] = [self]
        while True:
            nxt = next((action.choices[a] for action in chain[-1]._actions
                        if isinstance(action, argparse._SubParsersAction)
                        for a in argv if a in action.choices), None)
            if nxt is None or nxt in chain:
                return chain
            chain.append(nxt)

    @staticmethod
    def _did_you_mean(message: str, parsers: list[argparse.ArgumentParser]) -> str:
        """'; did you mean --epochs?' for a mistyped option, from the options of ``parsers``."""
        import difflib

        known = {option for parser in parsers for option in parser._option_string_actions}
        for word in message[len(_UNRECOGNIZED):].split():
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
