"""Reading the small text files a user gives ranvier: TOML configs, JSON files.

Such a file is named on the command line, so it may be anything: a FIFO
(whose ``open`` blocks until a writer comes), ``/dev/zero`` (endless), a
huge file, or text nested thousands deep (the parsers recurse once per
level and end in ``RecursionError``).  Here a file is read only when it is
a regular file of at most ``limit`` bytes, and parsed text that nests
deeper than :data:`MAX_DEPTH` is refused; every failure is a ``ValueError``
whose message names the file and says what to do.
"""

from __future__ import annotations

import json
import os
import stat
from typing import Any

__all__ = ["MAX_DEPTH", "MAX_TEXT_BYTES", "load_json", "load_toml", "read_regular_file"]

MAX_TEXT_BYTES = 4 * 1024 * 1024
"""The largest config or JSON file read (4 MiB; ranvier's own are a few KiB)."""

MAX_DEPTH = 64
"""The deepest nesting of arrays and tables (or objects) accepted inside a file's top level."""


def read_regular_file(path: str | os.PathLike, what: str, limit: int = MAX_TEXT_BYTES) -> bytes:
    """The bytes of ``path``, when it is a regular file of at most ``limit`` bytes.

    The file is opened without blocking (a FIFO does not hang) and checked
    through its open descriptor, so it cannot be swapped between the check
    and the read; at most ``limit + 1`` bytes are ever read.

    Raises
    ------
    FileNotFoundError
        With the message ``{what}: no such file '{path}'``.
    ValueError
        For a folder, a FIFO, a device, a file over ``limit`` bytes, or one
        that cannot be opened (no permission, ...).
    """
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    except FileNotFoundError:
        raise FileNotFoundError(f"{what}: no such file {str(path)!r}") from None
    except IsADirectoryError:
        raise ValueError(f"{what}: {str(path)!r} is a folder; give a file") from None
    except OSError as exc:  # permission denied, a name too long, a loop of links, ...
        raise ValueError(f"{what}: cannot read {str(path)!r}: {exc.strerror or exc}") from None
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise ValueError(f"{what}: {str(path)!r} is a folder; give a file")
        if not stat.S_ISREG(info.st_mode):
            raise ValueError(f"{what}: {str(path)!r} is not a regular file (a pipe or a device); "
                             "save the text to a file and give its name")
        if info.st_size > limit:
            raise ValueError(f"{what}: {str(path)!r} has {info.st_size:,} bytes, more than the {limit:,} "
                             "a file of settings may have")
        chunks, size = [], 0
        while size <= limit:
            chunk = os.read(fd, limit + 1 - size)
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    finally:
        os.close(fd)
    if size > limit:  # the file grew while it was read
        raise ValueError(f"{what}: {str(path)!r} has more than the {limit:,} bytes a file of settings may have")
    return b"".join(chunks)


def load_toml(path: str | os.PathLike, what: str = "--config", limit: int = MAX_TEXT_BYTES) -> dict:
    """Parse a TOML file read by :func:`read_regular_file`, nested at most :data:`MAX_DEPTH` deep."""
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        import tomli as tomllib
    text = _decode(read_regular_file(path, what, limit), path, what)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"{what}: {path} is not valid TOML: {exc}") from None
    except RecursionError:
        raise _too_deep(path, what) from None
    _check_depth(data, path, what)
    return data


def load_json(path: str | os.PathLike, what: str, limit: int = MAX_TEXT_BYTES) -> Any:
    """Parse a JSON file read by :func:`read_regular_file`, nested at most :data:`MAX_DEPTH` deep."""
    text = _decode(read_regular_file(path, what, limit), path, what)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"{what}: {path} is not valid JSON: {exc}") from None
    except RecursionError:
        raise _too_deep(path, what) from None
    _check_depth(data, path, what)
    return data


def _decode(raw: bytes, path, what: str) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ValueError(f"{what}: {path} is not UTF-8 text (byte {exc.start}); save it as UTF-8") from None


def _too_deep(path, what: str) -> ValueError:
    return ValueError(f"{what}: {path} nests arrays or tables deeper than {MAX_DEPTH} levels; "
                      "settings are a flat list of names and values")


def _check_depth(data: Any, path, what: str) -> None:
    """Refuse containers nested deeper than MAX_DEPTH (walked without recursion)."""
    level = [data] if isinstance(data, (dict, list)) else []
    for _ in range(MAX_DEPTH + 1):  # the document itself, then MAX_DEPTH levels inside it
        level = [v for c in level for v in (c.values() if isinstance(c, dict) else c) if isinstance(v, (dict, list))]
        if not level:
            return
    raise _too_deep(path, what)
