"""A pickle reader for data files that builds nothing a file describes but plain data.

CIFAR-10's python version stores each batch as a pickle of a dict holding a
NumPy array.  :mod:`pickle` would rebuild that array through NumPy's own
reconstruction (``numpy.dtype`` and ``ndarray.__setstate__``), which trusts
the file: a forged dtype state can place an object pointer at any offset of
the array, or describe records longer than the bytes given.  So this module
does not use :mod:`pickle`'s loader at all.  It interprets the opcodes itself
and knows only these:

* plain data: ``None``, booleans, ints, floats, bytes, str, tuples, lists and
  dicts (with the memo and the stack operations that build them);
* the six names a NumPy array's pickle calls (``numpy.ndarray``,
  ``numpy.dtype``, ``_reconstruct``, ``_frombuffer``, ``_codecs.encode``), as
  markers: "calling" them records what the file asks for, and the array is
  then made here by :func:`numpy.frombuffer` from the raw bytes, with a dtype
  from a short list of plain numeric codes and a size checked against the
  bytes present.

Every other opcode, name, ``BUILD`` target or dtype is refused with
:class:`PickleRefused`.  Every length an opcode declares is checked against
the bytes left in the file before anything is read, so a file cannot make the
reader allocate more than its own size (plus small per-object overheads).
"""

from __future__ import annotations

import math
import pickle  # for the names of the opcodes only: its loader is never used
import struct
from typing import BinaryIO

import numpy as np

__all__ = ["PickleRefused", "load_plain_pickle"]

# Plain numeric array element types a data file may hold ("b1", "O", "S", "U", "V", "M", structured: no).
_CODES = ("u1", "i1", "u2", "i2", "u4", "i4", "u8", "i8", "f4", "f8")
_MAX_NDIM = 32
_LITTLE_INT = struct.Struct("<i")  # BININT and BINSTRING's signed 4-byte length


class PickleRefused(Exception):
    """The pickle asks for something this reader does not build (or is not a pickle)."""


class _Marker:
    """One of the NumPy names an array's pickle calls; never the real function."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return f"<{self.name}>"


_NDARRAY, _DTYPE = _Marker("numpy.ndarray"), _Marker("numpy.dtype")
_RECONSTRUCT, _FROMBUFFER, _ENCODE = _Marker("_reconstruct"), _Marker("_frombuffer"), _Marker("_codecs.encode")
_GLOBALS = {("numpy", "ndarray"): _NDARRAY, ("numpy", "dtype"): _DTYPE, ("_codecs", "encode"): _ENCODE}
for _core in ("numpy.core", "numpy._core"):
    _GLOBALS[(_core + ".multiarray", "_reconstruct")] = _RECONSTRUCT
    _GLOBALS[(_core + ".numeric", "_frombuffer")] = _FROMBUFFER


class _PendingArray:
    """``_reconstruct(ndarray, (0,), b"b")``: an array whose BUILD is still to come."""


class _PendingDtype:
    """``dtype(code, align, copy)``: a dtype whose BUILD (byte order, fields) is still to come."""

    def __init__(self, code: str) -> None:
        self.code = code


def _is(value, *choices) -> bool:
    """``value in choices`` for plain values only (an array's ``==`` is never asked)."""
    return type(value) in (int, bool, str, bytes, tuple, type(None)) and value in choices


def _text(value, what: str) -> str:
    if isinstance(value, bytes):
        value = value.decode("latin-1")
    if not isinstance(value, str):
        raise PickleRefused(f"{what} must be a string, got {type(value).__name__}")
    return value


def _make_dtype(code, args: tuple) -> _PendingDtype:
    code = _text(code, "a dtype code")
    if code not in _CODES:
        raise PickleRefused(f"dtype {code!r} is not allowed (only plain numbers: {', '.join(_CODES)})")
    return _PendingDtype(code)


def _finish_dtype(pending: _PendingDtype, state) -> np.dtype:
    """The dtype's BUILD: ``(3, byteorder, None, None, None, elsize, alignment, flags)``, nothing more."""
    if not isinstance(state, tuple) or len(state) not in (8, 9) or not _is(state[0], 3, 4):
        raise PickleRefused(f"dtype state {type(state).__name__} of this shape is not allowed")
    order = _text(state[1], "a byte order")
    if any(s is not None for s in state[2:5]) or (len(state) == 9 and state[8] is not None):
        raise PickleRefused("structured, sub-array dtypes and dtype metadata are not allowed")
    if not (_is(state[5], -1) and _is(state[6], -1) and _is(state[7], 0)):
        raise PickleRefused(f"dtype flags / sizes {state[5:8]} are not those of a plain number")
    size = int(pending.code[1])
    if order not in ("<", ">", "=", "|") or (order == "|") != (size == 1):
        raise PickleRefused(f"byte order {order!r} does not fit dtype {pending.code!r}")
    return np.dtype(pending.code if order == "|" else order + pending.code)


def _shape(value) -> tuple[int, ...]:
    if not isinstance(value, tuple) or len(value) > _MAX_NDIM or not all(
            type(s) is int and s >= 0 for s in value):
        raise PickleRefused(f"an array shape must be a tuple of at most {_MAX_NDIM} sizes >= 0, got {value!r}")
    return value


def _array(raw, dtype, shape, fortran: bool) -> np.ndarray:
    """An array of ``dtype`` and ``shape`` viewing exactly the bytes ``raw``."""
    if not isinstance(dtype, np.dtype) or dtype.kind not in "uif" or dtype.fields is not None:
        raise PickleRefused(f"an array's dtype must be one rebuilt from a plain numeric code, got {dtype!r}")
    shape = _shape(shape)
    if not isinstance(raw, (bytes, bytearray)):
        raise PickleRefused(f"an array's data must be bytes, got {type(raw).__name__}")
    need = math.prod(shape) * dtype.itemsize
    if need != len(raw):
        raise PickleRefused(f"an array of shape {shape} and dtype {dtype} needs {need} bytes, the file gives {len(raw)}")
    return np.frombuffer(raw, dtype=dtype).reshape(shape, order="F" if fortran else "C")


def _finish_array(state) -> np.ndarray:
    """The array's BUILD: ``(1, shape, dtype, is_fortran, raw)``."""
    if isinstance(state, tuple) and len(state) == 5 and _is(state[0], 1):
        state = state[1:]
    if not isinstance(state, tuple) or len(state) != 4 or not isinstance(state[2], (bool, int)):
        raise PickleRefused("an array state must be (1, shape, dtype, is_fortran, bytes)")
    shape, dtype, fortran, raw = state
    return _array(raw, dtype, shape, bool(fortran))


def _reduce(func, args):
    if not isinstance(args, tuple):
        raise PickleRefused("REDUCE needs a tuple of arguments")
    if func is _RECONSTRUCT:
        if len(args) != 3 or args[0] is not _NDARRAY or not (type(args[1]) is tuple and len(args[1]) == 1 and _is(args[1][0], 0)) or not _is(args[2], b"b", "b"):
            raise PickleRefused(f"_reconstruct{args!r} is not allowed")
        return _PendingArray()
    if func is _DTYPE:
        if len(args) != 3 or any(not isinstance(a, (bool, int)) for a in args[1:]):
            raise PickleRefused("numpy.dtype takes (code, align, copy) here")
        return _make_dtype(args[0], args)
    if func is _ENCODE:
        if len(args) not in (1, 2) or not isinstance(args[0], str) or (
                len(args) == 2 and not _is(args[1], "latin1", "latin-1")):
            raise PickleRefused("_codecs.encode is not allowed except as encode(str, 'latin1')")
        return args[0].encode("latin-1")
    if func is _FROMBUFFER:
        if len(args) != 4 or _text(args[3], "an order") not in ("C", "F"):
            raise PickleRefused("_frombuffer takes (bytes, dtype, shape, order) here")
        return _array(args[0], args[1], args[2], _text(args[3], "an order") == "F")
    raise PickleRefused(f"calling {type(func).__name__} {func!r} is not allowed")


class _Reader:
    """The file's bytes, read only as far as they exist."""

    def __init__(self, f: BinaryIO, size: int) -> None:
        self.f, self.left = f, size

    def read(self, n: int) -> bytes:
        if n < 0 or n > self.left:
            raise PickleRefused(f"an opcode declares {n} bytes but only {self.left} are left in the file")
        data = self.f.read(n)
        if len(data) != n:
            raise PickleRefused("the file ended early (it changed while being read?)")
        self.left -= n
        return data

    def line(self) -> str:
        data = self.f.readline(min(self.left, 1024))
        self.left -= len(data)
        if not data.endswith(b"\n"):
            raise PickleRefused("a text argument of more than 1024 bytes, or without its newline")
        return data[:-1].decode("latin-1")

    def uint(self, n: int) -> int:
        return int.from_bytes(self.read(n), "little")


class _Machine:
    """The stack, the mark stack and the memo of a pickle being read."""

    def __init__(self, reader: _Reader) -> None:
        self.r, self.stack, self.marks, self.memo = reader, [], [], {}

    def pop_mark(self) -> list:
        if not self.marks:
            raise PickleRefused("an opcode needs a MARK that is not there")
        start = self.marks.pop()
        items = self.stack[start:]
        del self.stack[start:]
        return items

    def pop(self, n: int = 1) -> list:
        if len(self.stack) - (self.marks[-1] if self.marks else 0) < n:
            raise PickleRefused("stack underflow")
        items = self.stack[-n:]
        del self.stack[-n:]
        return items

    def top(self):
        if len(self.stack) <= (self.marks[-1] if self.marks else 0):
            raise PickleRefused("stack underflow")
        return self.stack[-1]

    def build(self) -> None:
        (state,) = self.pop()
        target = self.top()
        if isinstance(target, _PendingArray):
            value = _finish_array(state)
        elif isinstance(target, _PendingDtype):
            value = _finish_dtype(target, state)
        else:
            raise PickleRefused(f"BUILD on a {type(target).__name__} is not allowed (only on an array being rebuilt)")
        self.stack[-1] = value
        for key, obj in self.memo.items():  # the memo may hold the half-built object too
            if obj is target:
                self.memo[key] = value

    def get(self, key: int) -> None:
        if key not in self.memo:
            raise PickleRefused(f"memo entry {key} is not defined")
        self.stack.append(self.memo[key])

    def add_items(self, target_type: type) -> None:
        items = self.pop_mark()
        target = self.top()
        if type(target) is not target_type:
            raise PickleRefused(f"appending to a {type(target).__name__} is not allowed")
        if target_type is list:
            target.extend(items)
        else:
            if len(items) % 2:
                raise PickleRefused("SETITEMS with an odd number of items")
            for k in range(0, len(items), 2):
                target[items[k]] = items[k + 1]

    # the opcodes that are more than one line (see _ops)
    def push_tuple(self, n: int) -> None:
        self.stack.append(tuple(self.pop(n)) if n else ())

    def memo_put(self, key: int) -> None:
        self.memo[key] = self.top()

    def push_global(self, module: str, name: str) -> None:
        if (module, name) not in _GLOBALS:
            raise PickleRefused(f"global {module}.{name} is not allowed")
        self.stack.append(_GLOBALS[(module, name)])

    def stack_global(self) -> None:
        module, name = self.pop(2)
        self.push_global(_text(module, "a module name"), _text(name, "a global name"))

    def reduce(self) -> None:
        func, args = self.pop(2)
        self.stack.append(_reduce(func, args))

    def binstring(self) -> None:
        n = _LITTLE_INT.unpack(self.r.read(4))[0]
        self.stack.append(self.r.read(n if n >= 0 else -1))

    def frame(self) -> None:
        if self.r.uint(8) > self.r.left:
            raise PickleRefused(f"a frame declares more bytes than the {self.r.left} left in the file")

    def dict_from_mark(self) -> None:
        items = self.pop_mark()
        if len(items) % 2:
            raise PickleRefused("DICT with an odd number of items")
        self.stack.append({items[k]: items[k + 1] for k in range(0, len(items), 2)})

    def long1(self) -> None:
        self.stack.append(int.from_bytes(self.r.read(self.r.uint(1)), "little", signed=True))


def _string(r: _Reader, n: int) -> str:
    try:
        return r.read(n).decode("utf-8", "surrogatepass")
    except UnicodeDecodeError as err:
        raise PickleRefused(f"a text string is not valid UTF-8 ({err})") from None


def _ops(m: _Machine) -> dict:
    """The opcodes this reader knows, each with what it does to ``m``: one table, read top to bottom."""
    r, push, little = m.r, m.stack.append, _LITTLE_INT

    P = pickle  # the opcodes by their names in the pickle module
    return {
        P.PROTO: lambda: r.read(1), P.FRAME: m.frame,  # STOP: see load_plain_pickle
        P.MARK: lambda: m.marks.append(len(m.stack)), P.POP: m.pop, P.POP_MARK: m.pop_mark,
        P.DUP: lambda: push(m.top()),
        # plain values
        P.NONE: lambda: push(None), P.NEWTRUE: lambda: push(True), P.NEWFALSE: lambda: push(False),
        P.BININT: lambda: push(little.unpack(r.read(4))[0]), P.BININT1: lambda: push(r.uint(1)),
        P.BININT2: lambda: push(r.uint(2)), P.LONG1: m.long1,
        P.BINFLOAT: lambda: push(struct.unpack(">d", r.read(8))[0]),
        P.SHORT_BINSTRING: lambda: push(r.read(r.uint(1))), P.BINSTRING: m.binstring,  # Python 2 str: bytes
        P.SHORT_BINBYTES: lambda: push(r.read(r.uint(1))), P.BINBYTES: lambda: push(r.read(r.uint(4))),
        P.BINBYTES8: lambda: push(r.read(r.uint(8))), P.BYTEARRAY8: lambda: push(bytearray(r.read(r.uint(8)))),
        P.SHORT_BINUNICODE: lambda: push(_string(r, r.uint(1))), P.BINUNICODE: lambda: push(_string(r, r.uint(4))),
        P.BINUNICODE8: lambda: push(_string(r, r.uint(8))),
        # containers
        P.EMPTY_DICT: lambda: push({}), P.EMPTY_LIST: lambda: push([]), P.EMPTY_TUPLE: lambda: m.push_tuple(0),
        P.TUPLE1: lambda: m.push_tuple(1), P.TUPLE2: lambda: m.push_tuple(2), P.TUPLE3: lambda: m.push_tuple(3),
        P.TUPLE: lambda: push(tuple(m.pop_mark())), P.LIST: lambda: push(m.pop_mark()), P.DICT: m.dict_from_mark,
        P.APPEND: lambda: (m.marks.append(len(m.stack) - 1), m.add_items(list)),
        P.APPENDS: lambda: m.add_items(list),
        P.SETITEM: lambda: (m.marks.append(len(m.stack) - 2), m.add_items(dict)),
        P.SETITEMS: lambda: m.add_items(dict),
        # the memo
        P.BINPUT: lambda: m.memo_put(r.uint(1)), P.LONG_BINPUT: lambda: m.memo_put(r.uint(4)),
        P.MEMOIZE: lambda: m.memo_put(len(m.memo)),
        P.BINGET: lambda: m.get(r.uint(1)), P.LONG_BINGET: lambda: m.get(r.uint(4)),
        # the NumPy names, as markers, and what calls them
        P.GLOBAL: lambda: m.push_global(r.line(), r.line()), P.STACK_GLOBAL: m.stack_global,
        P.REDUCE: m.reduce, P.BUILD: m.build,
    }


def load_plain_pickle(f: BinaryIO, size: int):
    """Read one pickle of plain data and NumPy arrays of plain numbers from ``f``.

    Parameters
    ----------
    f : binary file
        Positioned at the start of the pickle.
    size : int
        Bytes the file holds from there: no opcode may claim more.

    Returns
    -------
    object
        What the pickle holds: dicts, lists, tuples, bytes (Python 2 strings
        too, as with ``encoding="bytes"``), str, numbers and ndarrays.

    Raises
    ------
    PickleRefused
        An opcode, a name, a ``BUILD`` or a dtype outside that set, a length
        beyond the end of the file, or a damaged stream.
    """
    machine = _Machine(_Reader(f, size))
    ops = _ops(machine)
    while True:
        if not machine.r.left:
            raise PickleRefused("the file ends before the pickle's STOP (truncated?)")
        code = machine.r.read(1)
        if code == pickle.STOP:
            (value,) = machine.pop()
            if machine.stack or machine.marks:
                raise PickleRefused("the pickle stops with more on its stack")
            return value
        op = ops.get(code)
        if op is None:
            raise PickleRefused(f"pickle opcode {code!r} is not allowed in a data file")
        op()
