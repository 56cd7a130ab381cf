"""Bounded readers of ``.npy`` files and ``.npz`` archives: sizes checked before anything is allocated.

NumPy's own loaders trust the header: an ``.npy`` that claims 1e11 rows is
allocated before its bytes are found missing, a zip member may inflate to
gigabytes, and a damaged header raises ``TokenError``, ``EOFError`` or
``NotImplementedError`` from deep inside.  These readers

* parse the header themselves (a dict literal read by :func:`ast.literal_eval`,
  at most :data:`MAX_HEADER` bytes), admit only plain numeric dtypes, and
  check the declared size against the bytes present (the file's length, or a
  zip member's declared size) and against the memory available;
* read an array's bytes with a bound, in chunks, straight into the array;
* raise :class:`ArrayFileError` (a ``ValueError``) for every failure; the
  caller adds the file's name and its own error type.
"""

from __future__ import annotations

import ast
import lzma
import math
import os
import struct
import zipfile
import zlib
from typing import BinaryIO, NamedTuple

import numpy as np

__all__ = ["ArrayFileError", "NpyHeader", "NpzReader", "format_bytes", "read_npy", "read_npy_header"]

MAGIC = b"\x93NUMPY"
MAX_HEADER = 65536
MAX_NDIM = 32
MAX_MEMBERS = 10_000
_CHUNK = 1 << 24
#: Element types of real numbers (no bool, complex, strings, objects, records).
REAL_CODES = ("f2", "f4", "f8", "i1", "i2", "i4", "i8", "u1", "u2", "u4", "u8")
# what can go wrong inside zipfile and its codecs, beyond ValueError and OSError
_ZIP_ERRORS = (zipfile.BadZipFile, zlib.error, lzma.LZMAError, EOFError, OSError, ValueError, OverflowError,
               struct.error, RuntimeError, NotImplementedError, KeyError, IndexError, MemoryError)


class ArrayFileError(ValueError):
    """An ``.npy`` / ``.npz`` file is damaged, foreign, or declares more than it holds or than fits."""


class NpyHeader(NamedTuple):
    """What an ``.npy`` header declares."""

    shape: tuple[int, ...]
    dtype: np.dtype
    fortran: bool
    nbytes: int  # of the data that follow the header


def format_bytes(n: int) -> str:
    """``n`` bytes in words: ``"74.5 GiB"``."""
    for unit, size in (("TiB", 2**40), ("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10)):
        if n >= size:
            return f"{n / size:.1f} {unit}"
    return f"{n} bytes"


def available_memory() -> int | None:
    """Bytes of memory available to a new allocation (Linux ``MemAvailable``), None when unknown."""
    try:
        with open("/proc/meminfo", encoding="ascii") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return None


def check_fits(nbytes: int, what: str) -> None:
    """Refuse ``nbytes`` that exceed the memory available now."""
    free = available_memory()
    if free is not None and nbytes > free:
        raise ArrayFileError(f"{what} would need {format_bytes(nbytes)} of memory, only {format_bytes(free)} "
                             "are available")


def _read_exactly(f: BinaryIO, n: int, what: str) -> bytes:
    data = f.read(n)
    if len(data) != n:
        raise ArrayFileError(f"{what} ends early: {len(data)} of {n} bytes (truncated?)")
    return data


def _dtype(descr, codes: tuple[str, ...]) -> np.dtype:
    if not isinstance(descr, str) or len(descr) > 8:
        raise ArrayFileError(f"the dtype {descr!r} is not a plain number (strings, records and objects are refused)")
    order, code = (descr[0], descr[1:]) if descr[:1] in "<>|=" else ("=", descr)
    if code not in codes or (order == "|" and code[1:] != "1"):
        kind = {"b": "bool", "c": "complex", "S": "string", "U": "string", "V": "record", "O": "object",
                "M": "datetime", "m": "timedelta"}.get(code[:1], "unsupported")
        raise ArrayFileError(f"dtype {descr!r} ({kind}) is not allowed; expected one of {_codes_in_words(codes)}")
    return np.dtype(order + code if order != "|" else code)


def _codes_in_words(codes: tuple[str, ...]) -> str:
    """The allowed codes, unicode strings of every length as one range (``U1-U200``)."""
    text = sorted(int(c[1:]) for c in codes if c.startswith("U"))
    words = [c for c in codes if not c.startswith("U")] + ([f"U{text[0]}-U{text[-1]}"] if text else [])
    return ", ".join(words)


def _parse_header(text: str, codes: tuple[str, ...]) -> tuple[tuple[int, ...], np.dtype, bool]:
    try:
        header = ast.literal_eval(text)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError) as err:
        raise ArrayFileError(f"the .npy header is not a Python dict literal ({type(err).__name__})") from None
    if not isinstance(header, dict) or set(header) != {"descr", "fortran_order", "shape"}:
        raise ArrayFileError("the .npy header must be a dict with exactly descr, fortran_order and shape")
    shape, fortran = header["shape"], header["fortran_order"]
    if not isinstance(shape, tuple) or len(shape) > MAX_NDIM or not all(type(s) is int and s >= 0 for s in shape):
        raise ArrayFileError(f"the .npy shape {shape!r} is not a tuple of at most {MAX_NDIM} sizes >= 0")
    if not isinstance(fortran, bool):
        raise ArrayFileError(f"the .npy fortran_order {fortran!r} is not True or False")
    return shape, _dtype(header["descr"], codes), fortran


def read_npy_header(f: BinaryIO, *, codes: tuple[str, ...] = REAL_CODES) -> NpyHeader:
    """Read the header of an ``.npy`` stream; ``f`` is left at the first data byte."""
    head = f.read(len(MAGIC) + 2)
    if head[: len(MAGIC)] != MAGIC or len(head) != len(MAGIC) + 2:
        raise ArrayFileError("not an .npy array (no \\x93NUMPY magic)")
    major = head[-2]
    if major not in (1, 2, 3):
        raise ArrayFileError(f".npy format version {major}.{head[-1]} is not supported (1.0-3.0 are)")
    size_bytes = 2 if major == 1 else 4
    length = int.from_bytes(_read_exactly(f, size_bytes, "the .npy header"), "little")
    if length > MAX_HEADER:
        raise ArrayFileError(f"the .npy header declares {length} bytes, more than the {MAX_HEADER} allowed")
    raw = _read_exactly(f, length, "the .npy header")
    try:
        text = raw.decode("utf-8" if major == 3 else "latin-1")
    except UnicodeDecodeError:
        raise ArrayFileError("the .npy header is not valid UTF-8") from None
    shape, dtype, fortran = _parse_header(text, codes)
    return NpyHeader(shape, dtype, fortran, math.prod(shape) * dtype.itemsize)


def _read_data(f: BinaryIO, header: NpyHeader) -> np.ndarray:
    """The array's bytes, read in chunks straight into a new array."""
    flat = np.empty(math.prod(header.shape), dtype=header.dtype)
    view = memoryview(flat.view(np.uint8).reshape(-1)) if flat.size else memoryview(b"")
    done = 0
    while done < header.nbytes:
        chunk = f.read(min(_CHUNK, header.nbytes - done))
        if not chunk:
            raise ArrayFileError(f"the array's data end early: {done} of {header.nbytes} bytes (truncated?)")
        view[done:done + len(chunk)] = chunk
        done += len(chunk)
    return flat.reshape(header.shape, order="F" if header.fortran else "C")


def _describe(header: NpyHeader) -> str:
    return f"shape {header.shape} of {header.dtype} ({format_bytes(header.nbytes)})"


def read_npy(path: str | os.PathLike, *, codes: tuple[str, ...] = REAL_CODES) -> np.ndarray:
    """Read a plain ``.npy`` file of real numbers, its size checked before anything is allocated.

    Raises
    ------
    ArrayFileError
        Anything wrong: not an ``.npy``, a bad header, a refused dtype, more
        bytes declared than the file holds or than memory can take, a truncated file.
    """
    if not os.path.isfile(path):  # checked before opening: opening a FIFO would wait for a writer
        raise ArrayFileError("not a regular file")
    with open(path, "rb") as f:
        size = os.fstat(f.fileno()).st_size
        header = read_npy_header(f, codes=codes)
        left = size - f.tell()
        if header.nbytes > left:
            raise ArrayFileError(f"the header declares {_describe(header)} but the file holds {left} bytes of data")
        check_fits(header.nbytes, f"an array of {_describe(header)}")
        return _read_data(f, header)


class NpzReader:
    """An ``.npz`` archive opened for bounded reading: headers first, arrays on request.

    Use as a context manager.  ``headers`` maps each array's name (without
    ``.npy``) to its :class:`NpyHeader`, read without loading any data; every
    declared size has been checked against the member's declared size.
    """

    def __init__(self, path: str | os.PathLike | BinaryIO, *, codes: tuple[str, ...] = REAL_CODES) -> None:
        self.path, self.codes = path, codes
        self._owns = not hasattr(path, "read")  # a path is opened (and closed) here; a file object is not
        self._file = open(path, "rb") if self._owns else path
        try:
            self._zip = zipfile.ZipFile(self._file)
            self.headers = self._read_headers()
        except ArrayFileError:
            self.close()
            raise
        except _ZIP_ERRORS as err:
            self.close()
            raise ArrayFileError(f"not a readable .npz archive ({type(err).__name__}: {err})") from None

    def _read_headers(self) -> dict[str, NpyHeader]:
        infos = self._zip.infolist()
        if len(infos) > MAX_MEMBERS:
            raise ArrayFileError(f"the archive lists {len(infos)} members, more than {MAX_MEMBERS}")
        self._infos, headers = {}, {}
        for info in infos:
            if not info.filename.endswith(".npy"):
                raise ArrayFileError(f"the archive member {info.filename!r} is not an .npy array")
            name = info.filename[:-4]
            with self._zip.open(info) as f:
                try:
                    header = read_npy_header(f, codes=self.codes)
                except ArrayFileError as err:
                    raise ArrayFileError(f"array {name!r}: {err}") from None
                start = f.tell()
            if header.nbytes != info.file_size - start:
                raise ArrayFileError(f"array {name!r} declares {_describe(header)} but its member holds "
                                     f"{max(info.file_size - start, 0)} bytes of data")
            headers[name], self._infos[name] = header, info
        return headers

    def read(self, name: str) -> np.ndarray:
        """The array ``name``, read with a bound (never more than its header declares)."""
        header = self.headers[name]
        try:
            with self._zip.open(self._infos[name]) as f:
                read_npy_header(f, codes=self.codes)
                array = _read_data(f, header)
                if f.read(1):  # also makes zipfile check the member's CRC
                    raise ArrayFileError("more data than its header declares")
        except ArrayFileError as err:
            raise ArrayFileError(f"array {name!r}: {err}") from None
        except _ZIP_ERRORS as err:
            raise ArrayFileError(f"array {name!r} is damaged ({type(err).__name__}: {err})") from None
        return array

    def close(self) -> None:
        if self._owns:
            self._file.close()

    def __enter__(self) -> "NpzReader":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
