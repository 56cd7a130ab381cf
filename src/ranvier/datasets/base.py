"""The containers and checks shared by every data set.

* :class:`Dataset`: the train / validation / test arrays ready for training
  (float32 ``X`` of shape ``(m, n)``, int64 ``y``), the class names and a
  record of the preprocessing that was applied.
* :class:`ImageData`: what a file loader returns: raw images (uint8) and labels
  of the official train and test sets.
* :func:`train_val_split` and :func:`split_indices`: seeded, stratified splits.
* :func:`check_Xy`: validation of a data matrix and its labels.
* :class:`DataFormatError`: a file that is not in the format it claims.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import numpy as np

from .._text import printable
from .._validation import all_finite

__all__ = [
    "DataFormatError",
    "Dataset",
    "ImageData",
    "check_Xy",
    "flatten_images",
    "split_indices",
    "train_val_split",
]


class DataFormatError(ValueError):
    """A data file does not hold what its format promises (wrong size, bad header, ...)."""


class ImageData(NamedTuple):
    """Images and labels of a data set's official train and test sets.

    Attributes
    ----------
    X_train : ndarray of uint8 of shape ``(m_train, *image_shape)`` or ``(m_train, n)``
    y_train : ndarray of int64 of shape (m_train,)
    X_test : ndarray of uint8 of shape ``(m_test, *image_shape)`` or ``(m_test, n)``
    y_test : ndarray of int64 of shape (m_test,)
    class_names : list of str
        ``class_names[k]`` names label ``k``.
    """

    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    class_names: list[str]


def flatten_images(X: np.ndarray) -> np.ndarray:
    """Reshape images ``(m, *image_shape)`` to rows ``(m, n)``, C order.

    A view when ``X`` is C-contiguous, a copy otherwise.  For colour images in
    HWC order the features of one pixel (r, g, b) end up next to each other.
    """
    X = np.asarray(X)
    if X.ndim < 1:
        raise ValueError(f"X must hold one image per row, got a scalar of shape {X.shape}")
    return np.ascontiguousarray(X.reshape(X.shape[0], -1))


def check_Xy(X: np.ndarray, y: np.ndarray, *, x_name: str = "X", y_name: str = "y") -> tuple[np.ndarray, np.ndarray]:
    """Check a data matrix and its labels; return them as arrays.

    ``X`` must be a finite 2-D numeric array of shape ``(m, n)`` and ``y`` a 1-D
    array of ``m`` non-negative integer labels.  Nothing is copied.

    Raises
    ------
    ValueError
        Wrong number of dimensions, lengths that differ, an empty set, NaN or
        infinity in ``X``, negative labels.
    TypeError
        ``X`` not numeric or ``y`` not integer.
    """
    X, y = np.asarray(X), np.asarray(y)
    if X.ndim != 2:
        raise ValueError(
            f"{x_name} must be a 2-D array of shape (m, n), one example per row, got shape {X.shape}; "
            "flatten images with ranvier.datasets.flatten_images(X)"
        )
    if X.shape[0] == 0:
        raise ValueError(f"{x_name} is empty (shape {X.shape}); pass at least one example")
    if not (np.issubdtype(X.dtype, np.floating) or np.issubdtype(X.dtype, np.integer)):
        raise TypeError(f"{x_name} must be a real numeric array, got dtype {X.dtype}")
    if not all_finite(X):
        raise ValueError(f"{x_name} contains NaN or infinity; clean or impute the data first")
    if y.ndim != 1 or y.shape[0] != X.shape[0]:
        raise ValueError(
            f"{y_name} must be a 1-D array with one label per row of {x_name} ({X.shape[0]}), got shape {y.shape}"
        )
    if not np.issubdtype(y.dtype, np.integer):
        raise TypeError(
            f"{y_name} must hold integer class labels, got dtype {y.dtype}; "
            "convert with y.astype(np.int64) or encode string labels first"
        )
    if y.min() < 0:
        raise ValueError(f"{y_name} must hold class labels >= 0, got a minimum of {y.min()}")
    return X, y


def _n_holdout(val_split: float | int, m: int, name: str) -> int:
    """Number of examples that ``val_split`` sets aside from ``m``."""
    if isinstance(val_split, bool) or not isinstance(val_split, numbers.Real):
        raise TypeError(f"{name} must be a fraction in [0, 1) or a count of examples, got {type(val_split).__name__}")
    if isinstance(val_split, numbers.Integral):
        n = int(val_split)
    elif 0.0 <= val_split < 1.0:
        n = math.ceil(float(val_split) * m)
    else:
        raise ValueError(f"{name} as a fraction must be in [0, 1), got {val_split}; pass an int for a count")
    if not 0 <= n < m:
        raise ValueError(f"{name} sets aside {n} of {m} examples; leave at least one for training")
    return n


def _class_quota(y: np.ndarray, n_out: int) -> np.ndarray:
    """How many examples of each class go out so the total is ``n_out`` (largest remainder)."""
    counts = np.bincount(y)
    exact = counts * (n_out / y.shape[0])
    quota = np.floor(exact).astype(np.int64)
    short = n_out - int(quota.sum())
    # The classes with the largest fractional parts round up; ties go to the lower label.
    order = np.argsort(-(exact - quota), kind="stable")
    quota[order[:short]] += 1
    return quota


def split_indices(
    y: np.ndarray, n_out: int, *, seed: int | np.random.Generator | None = 0, stratify: bool = True
) -> tuple[np.ndarray, np.ndarray]:
    """Split ``range(len(y))`` into kept and held-out indices.

    Parameters
    ----------
    y : ndarray of int of shape (m,)
        Class labels (>= 0).
    n_out : int
        Number of held-out indices, ``0 <= n_out < m``.
    seed : int, Generator or None, default 0
        Seed of the ``numpy.random.Generator`` that picks the examples.
    stratify : bool, default True
        Hold out each class in proportion to its size (largest-remainder
        rounding, so the total is exactly ``n_out``).

    Returns
    -------
    keep, out : ndarray of int64
        Sorted indices, so each part keeps the original order.
    """
    y = np.asarray(y)
    m = y.shape[0]
    if isinstance(n_out, bool) or not isinstance(n_out, numbers.Integral) or not 0 <= n_out < m:
        raise ValueError(f"n_out must be an integer in [0, {m}) for {m} labels, got {n_out!r}")
    rng = np.random.default_rng(seed)
    if not stratify:
        out = rng.choice(m, size=n_out, replace=False)
    else:
        quota = _class_quota(y, n_out)
        parts = [rng.choice(np.flatnonzero(y == c), size=q, replace=False) for c, q in enumerate(quota) if q]
        out = np.concatenate(parts) if parts else np.empty(0, dtype=np.int64)
    mask = np.ones(m, dtype=bool)
    mask[out] = False
    return np.flatnonzero(mask), np.sort(out).astype(np.int64)


def train_val_split(
    X: np.ndarray,
    y: np.ndarray,
    val_split: float | int = 0.1,
    *,
    seed: int | np.random.Generator | None = 0,
    stratify: bool = True,
) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """Carve a validation set out of training data.

    Parameters
    ----------
    X : ndarray of shape (m, n)
    y : ndarray of int of shape (m,)
    val_split : float or int, default 0.1
        A float in ``[0, 1)`` is the fraction held out (rounded up, as in
        scikit-learn's ``train_test_split``); an int is the number of examples.
    seed : int, Generator or None, default 0
        Seed of the ``numpy.random.Generator`` that draws the split.
    stratify : bool, default True
        Keep the class proportions in both parts.

    Returns
    -------
    (X_train, y_train), (X_val, y_val)
        New arrays in the original order of the rows.

    Examples
    --------
    >>> X = np.arange(20, dtype=np.float32).reshape(10, 2)
    >>> y = np.array([0, 1] * 5)
    >>> (Xt, yt), (Xv, yv) = train_val_split(X, y, 0.2, seed=0)
    >>> Xt.shape, Xv.shape, np.bincount(yv).tolist()
    ((8, 2), (2, 2), [1, 1])
    """
    X, y = check_Xy(X, y)
    n_val = _n_holdout(val_split, X.shape[0], "val_split")
    keep, out = split_indices(y, n_val, seed=seed, stratify=stratify)
    return (X[keep], y[keep]), (X[out], y[out])


def _check_split(X: np.ndarray | None, y: np.ndarray | None, split: str, n: int | None) -> None:
    if (X is None) != (y is None):
        raise ValueError(f"X_{split} and y_{split} must both be arrays or both be None")
    if X is None:
        return
    if X.dtype != np.float32 or X.ndim != 2 or not X.flags.c_contiguous:
        raise ValueError(f"X_{split} must be a C-contiguous float32 array of shape (m, n), got {X.dtype} {X.shape}")
    if n is not None and X.shape[1] != n:
        raise ValueError(f"X_{split} has {X.shape[1]} features but X_train has {n}")
    if y.dtype != np.int64 or y.shape != (X.shape[0],):
        raise ValueError(f"y_{split} must be an int64 array of shape ({X.shape[0]},), got {y.dtype} {y.shape}")


@dataclass(frozen=True, eq=False, repr=False)
class Dataset:
    """A data set split into train / validation / test, ready for training.

    Attributes
    ----------
    X_train : ndarray of float32 of shape (m_train, n)
        C-contiguous, preprocessed.
    y_train : ndarray of int64 of shape (m_train,)
    X_val, y_val : ndarray or None
        Validation split carved from the training data (tune on it).
    X_test, y_test : ndarray or None
        The official test set where one exists; touch it only to report.
    class_names : list of str
        ``class_names[k]`` names label ``k``.
    name : str
        Registry name, e.g. ``"cifar10"``.
    image_shape : tuple of int or None
        Shape of one image (``(32, 32, 3)`` in HWC order for CIFAR-10,
        ``(28, 28)`` for MNIST); ``None`` for data that are not images.
    preprocessing : dict
        JSON-serialisable description of what was applied to ``X``
        (see :meth:`ranvier.datasets.Preprocessor.to_dict`).
    preprocessing_arrays : dict of str to ndarray
        The fitted arrays (e.g. the training mean) that go with it.
    pixel_max : float or None
        The largest raw pixel value of image data (255, or 16 for digits),
        so that an image file read as 0-255 can be put on the data's scale.
    feature_names : list of str or None
        The column names of a table of one's own (one per feature).
    """

    X_train: np.ndarray
    y_train: np.ndarray
    X_val: np.ndarray | None
    y_val: np.ndarray | None
    X_test: np.ndarray | None
    y_test: np.ndarray | None
    class_names: list[str]
    name: str
    image_shape: tuple[int, ...] | None = None
    preprocessing: dict[str, Any] = field(default_factory=lambda: {"steps": []})
    preprocessing_arrays: dict[str, np.ndarray] = field(default_factory=dict)
    pixel_max: float | None = None
    feature_names: list[str] | None = None

    def __post_init__(self) -> None:
        _check_split(self.X_train, self.y_train, "train", None)
        _check_split(self.X_val, self.y_val, "val", self.n_features)
        _check_split(self.X_test, self.y_test, "test", self.n_features)
        if self.image_shape is not None and math.prod(self.image_shape) != self.n_features:
            raise ValueError(f"image_shape {self.image_shape} does not match the {self.n_features} features of X_train")
        if self.feature_names is not None and len(self.feature_names) != self.n_features:
            raise ValueError(f"feature_names has {len(self.feature_names)} names for {self.n_features} features")

    @property
    def n_features(self) -> int:
        """Number of features ``n`` (columns of ``X``)."""
        return int(self.X_train.shape[1])

    @property
    def n_classes(self) -> int:
        """Number of classes (``len(class_names)``)."""
        return len(self.class_names)

    def preprocessor(self):
        """Rebuild the fitted :class:`~ranvier.datasets.Preprocessor` to apply to new inputs."""
        from .preprocessing import Preprocessor

        return Preprocessor.from_dict(self.preprocessing, self.preprocessing_arrays)

    def __repr__(self) -> str:
        shapes = ", ".join(
            f"{split}={None if X is None else X.shape}"
            for split, X in (("train", self.X_train), ("val", self.X_val), ("test", self.X_test))
        )
        return f"Dataset({self.name!r}, {shapes}, n_classes={self.n_classes})"

    def summary(self) -> str:
        """A few lines that describe the splits, the classes and the preprocessing."""
        shape = "x".join(map(str, self.image_shape)) if self.image_shape else "vectors"
        steps = "+".join(self.preprocessing.get("steps", [])) or "none"
        lines = [f"{self.name}: {self.n_classes} classes, {self.n_features} features ({shape}), preprocessing {steps}"]
        for split, y in (("train", self.y_train), ("val", self.y_val), ("test", self.y_test)):
            if y is not None:
                counts = np.bincount(y, minlength=self.n_classes)
                lines.append(f"  {split:<5} {y.shape[0]:>7} examples, per class {counts.min()}-{counts.max()}")
        names = ", ".join(map(printable, self.class_names))  # names from files: control characters escaped
        lines.append(f"  classes: {names if len(names) <= 100 else names[:97] + '...'}")
        return "\n".join(lines)
