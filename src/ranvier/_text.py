"""Text read from files, made safe to print on a terminal.

A model file's class names, a data set's feature names or an error message
that quotes them may hold any character: an ESC starts a terminal control
sequence (colours, moving the cursor, rewriting the title), a CR or a
backspace overwrites what was printed, a BEL rings, a right-to-left override
reverses what follows.  :func:`printable` writes each such character as an
escape (``\\x1b``, ``\\r``, ``\\u202e``) and leaves every other one as it is.
"""

from __future__ import annotations

import unicodedata

__all__ = ["printable"]

_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
# control, format (bidi overrides, zero-width), line/paragraph separators, surrogates, unassigned
_ESCAPED = {"Cc", "Cf", "Zl", "Zp", "Cs", "Co", "Cn"}


def printable(text: object) -> str:
    """``str(text)`` with control and invisible formatting characters escaped.

    Examples
    --------
    >>> printable("cat\\x1b[2Jdog\\r")
    'cat\\\\x1b[2Jdog\\\\r'
    >>> printable("chat noir") == "chat noir"
    True
    """
    text = str(text)
    if text.isascii() and text.isprintable():
        return text
    return "".join(_escape(ch) if unicodedata.category(ch) in _ESCAPED else ch for ch in text)


def _escape(ch: str) -> str:
    if ch in _NAMED:
        return _NAMED[ch]
    code = ord(ch)
    return f"\\x{code:02x}" if code < 0x100 else (f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}")
