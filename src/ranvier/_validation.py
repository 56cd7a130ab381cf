"""Checks of user input shared by the public functions.

Each check raises ``ValueError`` or ``TypeError`` with a message that names the
argument, says what was wrong and what to do.  They are cheap (one pass at most)
so that they can stay on in the training loop.
"""

from __future__ import annotations

import math
import mmap
import numbers
from dataclasses import dataclass

import numpy as np


_FINITE_BLOCK = 1 << 18  # elements checked at a time by all_finite (a 256 KiB bool temporary)


def all_finite(X: np.ndarray) -> bool:
    """True when ``X`` holds no NaN or infinity; integer and bool arrays always are.

    The check runs over blocks of rows, so that a large (or memory-mapped)
    data set never needs a bool temporary of its own size.
    """
    if not np.issubdtype(X.dtype, np.inexact):
        return True
    if X.ndim == 0 or X.size <= _FINITE_BLOCK:
        return bool(np.isfinite(X).all())
    if X.flags.f_contiguous and not X.flags.c_contiguous:
        X = X.T  # blocks of contiguous memory (pages of a memory-mapped file read once)
    rows = max(1, _FINITE_BLOCK // (X.size // X.shape[0] or 1))
    return all(np.isfinite(X[start:start + rows]).all() for start in range(0, X.shape[0], rows))


def file_mapping(X) -> mmap.mmap | None:
    """The ``mmap.mmap`` under ``X`` when its memory is a mapped file (``np.load(..., mmap_mode=)``).

    Follows ``.base`` to the object that owns the memory, so views of a
    ``np.memmap`` count and in-memory copies (even of ``np.memmap`` type) do not.
    """
    obj = X
    for _ in range(64):
        if isinstance(obj, mmap.mmap):
            return obj
        if obj is None or not hasattr(obj, "base"):
            return None
        obj = obj.base
    return None


def check_scores(scores: np.ndarray, name: str = "scores") -> np.ndarray:
    """Return ``scores`` as a finite floating 2-D array (int input becomes float64)."""
    arr = np.asarray(scores)
    if arr.ndim != 2:
        raise ValueError(
            f"{name} must be a 2-D array of shape (m, c), one row per example, "
            f"got {arr.ndim} dimension(s) with shape {arr.shape}"
        )
    if arr.shape[0] == 0 or arr.shape[1] == 0:
        raise ValueError(f"{name} is empty (shape {arr.shape}); pass at least one example and one class")
    if not np.issubdtype(arr.dtype, np.floating):
        if np.issubdtype(arr.dtype, np.integer) or arr.dtype == np.bool_:
            arr = arr.astype(np.float64)
        else:
            raise TypeError(f"{name} must be a real floating-point array, got dtype {arr.dtype}")
    if not all_finite(arr):
        raise ValueError(f"{name} contains NaN or infinity; check the inputs and the learning rate")
    return arr


def check_labels(y: np.ndarray, scores: np.ndarray, name: str = "y") -> np.ndarray:
    """Return ``y`` as a 1-D integer array matching the rows and classes of ``scores``."""
    arr = np.asarray(y)
    m, c = scores.shape
    if arr.ndim != 1:
        raise ValueError(f"{name} must be a 1-D array of class labels of length {m}, got shape {arr.shape}")
    if arr.shape[0] != m:
        raise ValueError(f"{name} has {arr.shape[0]} labels but there are {m} examples; pass one label per row")
    if not np.issubdtype(arr.dtype, np.integer):
        raise TypeError(
            f"{name} must hold integer class labels in [0, {c}), got dtype {arr.dtype}; "
            "convert with y.astype(int) or encode string labels first"
        )
    low, high = arr.min(), arr.max()
    if low < 0 or high >= c:
        raise ValueError(f"{name} must hold class labels in [0, {c}) for {c} classes, got values in [{low}, {high}]")
    return arr


@dataclass(frozen=True)
class Interval:
    """The range a number must lie in: one rule for the API and the command line.

    ``str()`` says it as the messages do: ``> 0``, ``>= 0``, ``in [0, 1)``.
    """

    low: float
    high: float = math.inf
    low_closed: bool = True
    high_closed: bool = False

    def __contains__(self, value: float) -> bool:
        above = value >= self.low if self.low_closed else value > self.low
        below = value <= self.high if self.high_closed else value < self.high
        return bool(above and below and math.isfinite(value))

    def __str__(self) -> str:
        if self.high == math.inf:
            return f"{'>=' if self.low_closed else '>'} {self.low:g}"
        return f"in {'[' if self.low_closed else '('}{self.low:g}, {self.high:g}{']' if self.high_closed else ')'}"


POSITIVE = Interval(0.0, low_closed=False)
"""A learning rate, a step, a scale: > 0."""
NON_NEGATIVE = Interval(0.0)
"""A penalty, a tolerance, a margin: >= 0."""
FRACTION = Interval(0.0, 1.0)
"""A momentum, an Adam beta, a validation split that may be 0: in [0, 1)."""
OPEN_FRACTION = Interval(0.0, 1.0, low_closed=False)
"""A share that must hold something, and leave something: in (0, 1)."""


def check_in(value: float, name: str, interval: Interval) -> float:
    """Return ``value`` as a float after checking it is a finite number in ``interval``.

    Raises ``TypeError`` for a non-number (``True`` included) and ``ValueError``
    such as ``momentum must be a finite number in [0, 1), got 1.5``.
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a number, got {type(value).__name__}")
    value = float(value)
    if value not in interval:
        raise ValueError(f"{name} must be a finite number {interval}, got {value}")
    return value


def check_positive(value: float, name: str, *, allow_zero: bool = False) -> float:
    """Return ``value`` as a float after checking it is finite and > 0 (or >= 0)."""
    return check_in(value, name, NON_NEGATIVE if allow_zero else POSITIVE)


def check_int(value: int, name: str, *, minimum: int = 1) -> int:
    """Return ``value`` as an int after checking it is an integer >= ``minimum``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer, got {type(value).__name__}")
    if value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}")
    return int(value)


# ------------------------------------------------------------------ sizes
class TooLargeError(MemoryError, ValueError):
    """A network (or input) that would not fit in memory, refused before anything is allocated.

    A ``MemoryError`` (what it saves you from) and a ``ValueError`` (a request
    that has to change), so that either ``except`` catches it.
    """


_ALWAYS_FITS = 1 << 28  # 256 MiB: below this a network is not checked (asking the system costs 0.1 ms)


def format_bytes(n: float) -> str:
    """``74.5 GiB``, ``97.7 MiB``, ``512 B``: binary units, one decimal."""
    for unit, size in (("EiB", 2**60), ("PiB", 2**50), ("TiB", 2**40), ("GiB", 2**30), ("MiB", 2**20),
                       ("KiB", 2**10)):
        if n >= size:
            return f"{n / size:.1f} {unit}"
    return f"{int(n)} B"


def available_memory() -> int | None:
    """Bytes this process may still allocate, or None when the system does not say.

    The least of: the kernel's estimate of the memory available to new work
    (``MemAvailable`` plus free swap, from ``/proc/meminfo``; elsewhere
    ``os.sysconf`` of the free physical pages), a cgroup's memory limit less
    its usage (a container's), and the address-space limit (``ulimit -v``)
    less this process's size.
    """
    import os

    bounds = [b for b in (_meminfo(), _cgroup_room(), _address_space_room()) if b is not None]
    if not bounds:
        try:
            bounds.append(os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"))
        except (ValueError, OSError, AttributeError):
            return None
    return max(0, min(bounds))


def _read_numbers(path: str) -> dict[str, int]:
    """``{key: bytes}`` of a kernel file: ``Key: 123 kB`` lines, ``key 123`` lines, or one number (key "")."""
    values = {}
    try:
        with open(path, encoding="ascii", errors="replace") as f:
            text = f.read(1 << 16)
    except OSError:
        return values
    for line in text.splitlines():
        words = line.replace(":", " ").split()
        if len(words) == 1 and words[0].isdigit():
            values[""] = int(words[0])
        elif len(words) >= 2 and words[1].isdigit():
            values[words[0]] = int(words[1]) * (1024 if words[2:3] == ["kB"] else 1)
    return values


def _meminfo() -> int | None:
    info = _read_numbers("/proc/meminfo")
    if "MemAvailable" not in info:
        return None
    return info["MemAvailable"] + info.get("SwapFree", 0)


def _cgroup_room() -> int | None:
    """A container's memory limit less its working set (its usage, less the file cache it can drop)."""
    for folder, limit_name, usage_name, cache_key in (
            ("/sys/fs/cgroup/", "memory.max", "memory.current", "inactive_file"),  # cgroup v2
            ("/sys/fs/cgroup/memory/", "memory.limit_in_bytes", "memory.usage_in_bytes", "total_inactive_file")):
        limit = _read_numbers(folder + limit_name).get("")
        if limit is not None and limit < 2**60:  # "max" (no limit) has no number; v1 writes a huge one
            usage = _read_numbers(folder + usage_name).get("", 0)
            cache = _read_numbers(folder + "memory.stat").get(cache_key, 0)
            return limit - max(0, usage - cache)
    return None


def _address_space_room() -> int | None:
    try:
        import resource
    except ImportError:  # Windows
        return None
    soft, _ = resource.getrlimit(resource.RLIMIT_AS)
    if soft == resource.RLIM_INFINITY:
        return None
    return soft - _read_numbers("/proc/self/status").get("VmSize", 0)


def _layer_text(layer_sizes) -> str:
    return "-".join(map(str, layer_sizes))


def _parameter_count(layer_sizes) -> tuple[int, int]:
    """Every weight and bias of a dense network; and the largest weight matrix."""
    pairs = list(zip(layer_sizes[:-1], layer_sizes[1:]))
    return sum(a * b + b for a, b in pairs), max(a * b for a, b in pairs)


def check_network_memory(layer_sizes, dtype, *, available: int | None = None) -> None:
    """Refuse a network whose parameters alone would not fit in memory, before building it.

    Counts the parameters and the initialiser's work on the largest weight
    matrix (two float64 arrays, the cast and its memory layout).  ``available`` defaults to
    :func:`available_memory`; a network that needs under 256 MiB is not checked.

    Raises
    ------
    TooLargeError
    """
    params, largest = _parameter_count(layer_sizes)
    size = np.dtype(dtype).itemsize
    need = params * size + (2 * 8 + 2 * size) * largest
    if need < _ALWAYS_FITS:
        return
    available = available_memory() if available is None else available
    if available is not None and need > available:
        raise TooLargeError(
            f"a {_layer_text(layer_sizes)} network has {params:,} parameters and needs {format_bytes(need)} "
            f"to build, but {format_bytes(available)} of memory is available; choose smaller layer sizes")
