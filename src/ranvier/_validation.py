"""Checks of user input shared by the public functions.

Each check raises ``ValueError`` or ``TypeError`` with a message that names the
argument, says what was wrong and what to do.  They are cheap (one pass at most)
so that they can stay on in the training loop.
"""

from __future__ import annotations

import mmap
import numbers

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


def check_positive(value: float, name: str, *, allow_zero: bool = False) -> float:
    """Return ``value`` as a float after checking it is finite and > 0 (or >= 0)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a number, got {type(value).__name__}")
    value = float(value)
    ok = value >= 0 if allow_zero else value > 0
    if not (ok and np.isfinite(value)):
        bound = ">= 0" if allow_zero else "> 0"
        raise ValueError(f"{name} must be a finite number {bound}, got {value}")
    return value


def check_int(value: int, name: str, *, minimum: int = 1) -> int:
    """Return ``value`` as an int after checking it is an integer >= ``minimum``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer, got {type(value).__name__}")
    if value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}")
    return int(value)
