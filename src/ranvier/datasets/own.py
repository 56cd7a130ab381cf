"""A :class:`~ranvier.datasets.Dataset` from a file of one's own: split, preprocessed, named.

:func:`load_dataset` comes here when it is given a path instead of a data set
name.  The examples are read by :func:`ranvier.datasets.files.read_own_data`;
a test split is drawn from them (seeded, stratified; ``test_split``) unless
the file brought its own, then the validation split is carved from the rest,
and the preprocessing is fitted on the training split alone, as for the
built-in data sets.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from .base import Dataset, _n_holdout, flatten_images, split_indices
from .files import read_own_data
from .preprocessing import Preprocessor, parse_steps

__all__ = ["OWN_SUFFIXES", "is_own_data", "load_own_dataset"]

#: Suffixes that make :func:`load_dataset` read its ``name`` as a path.
OWN_SUFFIXES = (".csv", ".tsv", ".npz", ".npy")
DEFAULT_TEST_SPLIT = 0.2


def is_own_data(name) -> bool:
    """Whether ``name`` names a file or folder rather than a built-in data set."""
    if isinstance(name, os.PathLike):
        return True
    if not isinstance(name, str):
        return False
    return name.lower().endswith(OWN_SUFFIXES) or "/" in name or os.sep in name or Path(name).is_dir()


def _default_steps(pixel_max: float | None) -> str:
    """Images are scaled to [0, 1]; tables and arrays of other numbers are standardised."""
    return "scale" if pixel_max is not None else "standardize"


def _pixel_max(X: np.ndarray, given: float | None) -> float | None:
    """255 for uint8 images (a folder, or a .npy of uint8), else what the reader said."""
    return 255.0 if given is None and X.dtype == np.uint8 else given


def load_own_dataset(path, *, val_split=0.1, test_split=None, preprocess="default", seed=0, n_train=None,
                     target=None, labels=None, image_size=None, color=None) -> Dataset:
    """Read, split and preprocess a file of one's own (see :func:`ranvier.datasets.load_dataset`).

    ``test_split`` (a fraction in [0, 1) or a count) draws the test set from the file's
    examples, seeded by ``seed``; default 0.2 when the file holds no test split of its own,
    and refused when it does.
    """
    raw = read_own_data(path, target=target, labels=labels, image_size=image_size, color=color)
    pixel_max = _pixel_max(raw.X, raw.pixel_max)
    steps = parse_steps(_default_steps(pixel_max) if preprocess == "default" else preprocess)
    if "scale" in steps and pixel_max is None:
        raise ValueError(f"preprocess 'scale' divides by the largest pixel value, but {path} holds no uint8 images; "
                         "use 'standardize', 'center' or 'none'")
    prep = Preprocessor(steps, pixel_max=pixel_max if "scale" in steps else None)
    X, y = flatten_images(raw.X), raw.y
    rng = np.random.default_rng(seed)
    if raw.X_test is not None:
        if test_split not in (None, 0):
            raise ValueError(f"{path} holds its own test split (X_test, y_test); drop test_split (--test-split)")
        pool, X_test, y_test = np.arange(len(y)), flatten_images(raw.X_test), raw.y_test
    else:
        n_test = _n_holdout(DEFAULT_TEST_SPLIT if test_split is None else test_split, len(y), "test_split")
        pool, test = split_indices(y, n_test, seed=rng)
        X_test, y_test = (X[test], y[test]) if n_test else (None, None)
    if n_train is not None:
        if n_train > len(pool):
            raise ValueError(f"n_train={n_train} exceeds the {len(pool)} training examples available")
        if n_train < len(pool):
            _, sub = split_indices(y[pool], n_train, seed=rng)
            pool = pool[sub]
    keep, val = split_indices(y[pool], _n_holdout(val_split, len(pool), "val_split"), seed=rng)
    train, val = pool[keep], pool[val]
    X_train = prep.fit_transform(np.ascontiguousarray(X[train], dtype=np.float32), copy=False)

    def prepared(A):
        return None if A is None else prep.transform(np.ascontiguousarray(A, dtype=np.float32), copy=False)

    return Dataset(
        X_train=X_train, y_train=y[train],
        X_val=prepared(X[val]) if val.size else None, y_val=y[val] if val.size else None,
        X_test=prepared(X_test), y_test=y_test,
        class_names=raw.class_names, name=Path(path).stem or Path(path).name,
        image_shape=raw.image_shape, preprocessing=prep.to_dict(), preprocessing_arrays=prep.get_arrays(),
        pixel_max=pixel_max, feature_names=raw.feature_names,
    )
