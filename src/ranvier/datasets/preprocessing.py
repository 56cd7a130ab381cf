"""Preprocessing fitted on the training split and applied to every split.

A :class:`Preprocessor` runs a short chain of steps on data of shape ``(m, n)``:

``"scale"``
    Divide by the largest possible pixel value (``pixel_max``: 255 for uint8
    images, 16 for scikit-learn's digits), so pixels lie in [0, 1].  Nothing
    is fitted.
``"center"``
    Subtract the per-feature mean of the training data; on flattened images
    that is the mean image (the CS231n recipe).
``"standardize"``
    Subtract the training mean and divide by the training standard deviation,
    per feature.  A feature that is constant on the training data is only
    centred (its standard deviation is taken as 1).

Steps are written as a string joined by ``+`` (``"scale+center"``) or a
sequence; ``"none"`` applies nothing.  ``"scale"`` may only come first and at
most one of ``"center"`` / ``"standardize"`` is allowed.

The fitted statistics never see validation or test data: fit on ``X_train``,
then transform each split.  :meth:`Preprocessor.to_dict` and
:meth:`Preprocessor.get_arrays` give a JSON-serialisable description and the
fitted arrays separately, so a model file can store both without pickle and
:meth:`Preprocessor.from_dict` can re-apply them to new inputs.
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence
from typing import Any

import numpy as np

from .._validation import all_finite

__all__ = ["PREPROCESSING_STEPS", "Preprocessor", "parse_steps"]

#: The step names a :class:`Preprocessor` knows, in the order they may appear.
PREPROCESSING_STEPS = ("scale", "center", "standardize")
_FITTED = ("center", "standardize")
_CHUNK_ROWS = 4096  # rows per pass when summing squares: bounds the float64 temporaries


def parse_steps(steps: str | Sequence[str]) -> tuple[str, ...]:
    """Turn ``"scale+center"`` (or ``["scale", "center"]``, or ``"none"``) into a checked tuple.

    Raises
    ------
    ValueError
        An unknown step (the message lists the valid ones), a repeated step,
        ``"scale"`` after another step, or both ``"center"`` and ``"standardize"``.
    """
    if isinstance(steps, str):
        parts = [] if steps.strip().lower() in ("", "none") else steps.split("+")
    elif isinstance(steps, Sequence):
        parts = list(steps)
    else:
        raise TypeError(
            f"preprocess must be a string like 'scale+center' or a list of steps, got {type(steps).__name__}"
        )
    names = tuple(str(p).strip().lower() for p in parts)
    for step in names:
        if step not in PREPROCESSING_STEPS:
            valid = ", ".join(repr(s) for s in ("none", *PREPROCESSING_STEPS))
            raise ValueError(f"unknown preprocessing step {step!r}; valid steps are {valid}, joined by '+'")
    if len(set(names)) != len(names):
        raise ValueError(f"preprocessing steps {names} repeat a step; give each at most once")
    if "scale" in names and names[0] != "scale":
        raise ValueError(f"'scale' must come first in the preprocessing steps, got {'+'.join(names)}")
    if sum(s in _FITTED for s in names) > 1:
        raise ValueError("use either 'center' or 'standardize', not both ('standardize' already centres)")
    return names


def _column_std(X: np.ndarray, mean: np.ndarray) -> np.ndarray:
    """Per-column standard deviation in float64, summed over row chunks (no full-size temporary)."""
    total = np.zeros(X.shape[1], dtype=np.float64)
    for start in range(0, X.shape[0], _CHUNK_ROWS):
        dev = X[start:start + _CHUNK_ROWS].astype(np.float64) - mean
        total += np.einsum("ij,ij->j", dev, dev)
    return np.sqrt(total / X.shape[0])


def _safe_std(std: np.ndarray, mean: np.ndarray) -> np.ndarray:
    """Replace the std of (numerically) constant features by 1, so they are only centred."""
    constant = (std == 0) | (std <= 1e-6 * np.abs(mean))
    return np.where(constant, 1.0, std)


class Preprocessor:
    """A chain of preprocessing steps, fitted on training data only.

    Parameters
    ----------
    steps : str or sequence of str, default "none"
        ``"none"``, or steps from ``"scale"``, ``"center"``, ``"standardize"``
        joined by ``+`` (e.g. ``"scale+center"``).
    pixel_max : float, optional
        The value ``"scale"`` divides by (255 for uint8 images).  Required
        with ``"scale"`` and refused without it.

    Attributes
    ----------
    mean_ : ndarray of float32 of shape (n,) or None
        Training mean after scaling (``"center"``, ``"standardize"``).
    std_ : ndarray of float32 of shape (n,) or None
        Training standard deviation after scaling (``"standardize"``).
    n_features_ : int or None
        Number of features seen by :meth:`fit`.

    Examples
    --------
    >>> X_train = np.array([[0, 255], [255, 255]], dtype=np.uint8)
    >>> p = Preprocessor("scale+center", pixel_max=255).fit(X_train)
    >>> p.transform(X_train).tolist()
    [[-0.5, 0.0], [0.5, 0.0]]
    """

    def __init__(self, steps: str | Sequence[str] = "none", *, pixel_max: float | None = None) -> None:
        self.steps = parse_steps(steps)
        if ("scale" in self.steps) != (pixel_max is not None):
            raise ValueError(
                "pixel_max must be given exactly when 'scale' is a step "
                f"(steps {'+'.join(self.steps) or 'none'}, pixel_max {pixel_max!r})"
            )
        if pixel_max is not None:
            if isinstance(pixel_max, bool) or not isinstance(pixel_max, numbers.Real) or not 0 < pixel_max < np.inf:
                raise ValueError(f"pixel_max must be a finite number > 0 (255 for uint8 images), got {pixel_max!r}")
            pixel_max = float(pixel_max)
        self.pixel_max = pixel_max
        self.mean_: np.ndarray | None = None
        self.std_: np.ndarray | None = None
        self.n_features_: int | None = None

    @property
    def is_fitted(self) -> bool:
        """True once :meth:`fit` ran (or nothing needs fitting)."""
        return self.n_features_ is not None or not any(s in _FITTED for s in self.steps)

    def fit(self, X: np.ndarray) -> Preprocessor:
        """Learn the statistics of the training data ``X`` of shape (m, n); return ``self``."""
        X = self._check_X(np.asarray(X), fitting=True)
        if any(s in _FITTED for s in self.steps):
            mean = np.add.reduce(X, axis=0, dtype=np.float64) / X.shape[0]
            std = _column_std(X, mean) if "standardize" in self.steps else None
            if self.pixel_max is not None:  # statistics of X / pixel_max
                mean /= self.pixel_max
                std = None if std is None else std / self.pixel_max
            self.mean_ = mean.astype(np.float32)
            self.std_ = None if std is None else _safe_std(std, mean).astype(np.float32)
        self.n_features_ = int(X.shape[1])
        return self

    def transform(self, X: np.ndarray, *, copy: bool = True) -> np.ndarray:
        """Apply the fitted steps to ``X`` of shape (m, n); return float32 of the same shape.

        With ``copy=False`` a writeable float32 ``X`` is transformed in place
        and returned; any other input is converted to a new float32 array
        (never through float64).
        """
        X = self._check_X(np.asarray(X), fitting=False)
        out = X.astype(np.float32, copy=copy)
        if not out.flags.writeable:
            out = out.copy()
        if "scale" in self.steps:
            np.divide(out, np.float32(self.pixel_max), out=out)
        if self.mean_ is not None:
            np.subtract(out, self.mean_, out=out)
        if self.std_ is not None:
            np.divide(out, self.std_, out=out)
        return out

    def fit_transform(self, X: np.ndarray, *, copy: bool = True) -> np.ndarray:
        """``fit(X)`` then ``transform(X, copy=copy)``."""
        return self.fit(X).transform(X, copy=copy)

    def inverse_transform(self, X: np.ndarray, *, copy: bool = True) -> np.ndarray:
        """Undo :meth:`transform` (e.g. to show preprocessed images); float32 out."""
        X = self._check_X(np.asarray(X), fitting=False)
        out = X.astype(np.float32, copy=copy)
        if not out.flags.writeable:
            out = out.copy()
        if self.std_ is not None:
            np.multiply(out, self.std_, out=out)
        if self.mean_ is not None:
            np.add(out, self.mean_, out=out)
        if "scale" in self.steps:
            np.multiply(out, np.float32(self.pixel_max), out=out)
        return out

    def to_dict(self) -> dict[str, Any]:
        """A JSON-serialisable description: ``{"steps", "pixel_max", "n_features"}``.

        The fitted arrays are not in it; see :meth:`get_arrays`.
        """
        return {"steps": list(self.steps), "pixel_max": self.pixel_max, "n_features": self.n_features_}

    def get_arrays(self) -> dict[str, np.ndarray]:
        """The fitted arrays by name (``"mean"``, ``"std"``), float32 of shape (n,)."""
        arrays = {"mean": self.mean_, "std": self.std_}
        return {k: v for k, v in arrays.items() if v is not None}

    @classmethod
    def from_dict(cls, spec: dict[str, Any], arrays: dict[str, np.ndarray] | None = None) -> Preprocessor:
        """Rebuild a fitted preprocessor from :meth:`to_dict` and :meth:`get_arrays` output."""
        if not isinstance(spec, dict) or "steps" not in spec:
            raise ValueError(f"spec must be a dict from Preprocessor.to_dict() with a 'steps' entry, got {spec!r}")
        new = cls(spec["steps"], pixel_max=spec.get("pixel_max"))
        n = spec.get("n_features")
        new.n_features_ = None if n is None else int(n)
        arrays = dict(arrays or {})
        needed = {"center": ["mean"], "standardize": ["mean", "std"]}
        for key in (k for s in new.steps for k in needed.get(s, [])):
            if key not in arrays:
                raise ValueError(f"arrays lacks {key!r}, which steps {'+'.join(new.steps)} need")
            value = np.asarray(arrays[key], dtype=np.float32)
            if value.shape != (new.n_features_,) or not np.isfinite(value).all():
                raise ValueError(f"arrays[{key!r}] must be finite of shape ({new.n_features_},), got {value.shape}")
            if key == "std" and (value <= 0).any():
                raise ValueError("arrays['std'] must be > 0 everywhere")
            setattr(new, key + "_", value)
        return new

    def _check_X(self, X: np.ndarray, *, fitting: bool) -> np.ndarray:
        if X.ndim != 2:
            raise ValueError(
                f"X must be a 2-D array of shape (m, n), got shape {X.shape}; "
                "flatten images with ranvier.datasets.flatten_images(X)"
            )
        if not (np.issubdtype(X.dtype, np.floating) or np.issubdtype(X.dtype, np.integer)):
            raise TypeError(f"X must be a real numeric array, got dtype {X.dtype}")
        if fitting:
            if X.shape[0] == 0:
                raise ValueError("X is empty; fit the preprocessing on at least one training example")
            if not all_finite(X):
                raise ValueError("X contains NaN or infinity; clean the training data before fitting")
        elif not self.is_fitted:
            raise RuntimeError(f"this Preprocessor ({'+'.join(self.steps)}) is not fitted; call fit(X_train) first")
        elif self.n_features_ is not None and X.shape[1] != self.n_features_:
            raise ValueError(f"X has {X.shape[1]} features but the preprocessing was fitted on {self.n_features_}")
        return X

    def __repr__(self) -> str:
        extra = f", pixel_max={self.pixel_max:g}" if self.pixel_max is not None else ""
        return f"Preprocessor({'+'.join(self.steps) or 'none'!r}{extra})"
