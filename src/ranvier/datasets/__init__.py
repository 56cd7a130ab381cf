"""Data sets, splits and preprocessing, behind one entry point: :func:`load_dataset`.

>>> from ranvier.datasets import load_dataset
>>> data = load_dataset("digits")                  # doctest: +SKIP
>>> data.X_train.shape, data.X_val.shape, data.X_test.shape   # doctest: +SKIP
((1293, 64), (144, 64), (360, 64))

=================  =========================  ==============  ====================
name               source                     test split      default preprocess
=================  =========================  ==============  ====================
``cifar10``        files (``data_dir``)       official 10000  ``scale+center``
``mnist``          IDX files (``data_dir``)   official 10000  ``scale``
``fashion-mnist``  IDX files (``data_dir``)   official 10000  ``scale``
``digits``         ships with scikit-learn    fixed 20%       ``scale`` (by 16)
``mnist1d``        generated (seed 42)        official 1000   ``none``
``xor`` ...        generated 2-D points       fixed 20%       ``none``
=================  =========================  ==============  ====================

``xor``, ``circles``, ``spirals`` and ``blobs`` are the 2-D toy sets of
:mod:`ranvier.datasets.toy`.  The validation split is always carved from the
training data (seeded, stratified): tune on it and touch the test set only to
report.  Preprocessing is fitted on the training split alone.

Where things are
----------------
This module holds :func:`load_dataset` and its table of sources (the one above); each
source reads its files in a module of its own:

* :mod:`ranvier.datasets.base`: :class:`Dataset`, :class:`ImageData`, the checks of
  ``X`` and ``y`` and the seeded, stratified splits;
* :mod:`ranvier.datasets.preprocessing`: :class:`Preprocessor`, the steps fitted on the
  training split (``scale``, ``center``, ...);
* :mod:`ranvier.datasets.cifar10`, :mod:`ranvier.datasets.mnist` (and Fashion-MNIST),
  :mod:`ranvier.datasets.digits`, :mod:`ranvier.datasets.mnist1d`: the built-in sets;
* :mod:`ranvier.datasets.toy`: the 2-D toy sets (``make_xor``, ``make_circles``, ...);
* :mod:`ranvier.datasets.files` (CSV/TSV tables, NumPy arrays, folders of images),
  :mod:`ranvier.datasets.images` (image files to arrays) and
  :mod:`ranvier.datasets.own` (such a file as a split, preprocessed :class:`Dataset`):
  data of one's own;
* :mod:`ranvier.datasets.augment`: augmentation of each training batch, in place;
* ``ranvier.datasets._safe_pickle``: the pickle reader that builds only plain data
  (CIFAR-10's Python version).
"""

from __future__ import annotations

import numbers
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .base import (
    DataFormatError,
    Dataset,
    ImageData,
    _n_holdout,
    check_Xy,
    flatten_images,
    split_indices,
    train_val_split,
)
from .cifar10 import (
    CIFAR10_CLASSES,
    cifar10_files,
    load_cifar10,
    read_cifar10_binary,
    read_cifar10_pickle,
)
from .digits import load_digits
from .mnist import (
    FASHION_MNIST_CLASSES,
    MNIST_CLASSES,
    load_fashion_mnist,
    load_mnist,
    read_idx,
)
from .preprocessing import PREPROCESSING_STEPS, Preprocessor, parse_steps

__all__ = [
    "CIFAR10_CLASSES",
    "DATASETS",
    "FASHION_MNIST_CLASSES",
    "MNIST_CLASSES",
    "PREPROCESSING_STEPS",
    "DataFormatError",
    "Dataset",
    "ImageData",
    "Preprocessor",
    "check_Xy",
    "default_preprocess",
    "flatten_images",
    "load_cifar10",
    "load_dataset",
    "load_digits",
    "load_fashion_mnist",
    "load_mnist",
    "parse_steps",
    "read_cifar10_binary",
    "read_cifar10_pickle",
    "read_idx",
    "split_indices",
    "train_val_split",
]

TOY_TEST_FRACTION = 0.2  # toy sets: fixed test split drawn by default_rng(_FIXED_SEED)
_FIXED_SEED = 0  # generates the toy points and draws their test split, whatever `seed` is
_CIFAR_LAYOUT = (
    "the folder that holds cifar-10-batches-bin/ (the 'CIFAR-10 binary version' from "
    "https://www.cs.toronto.edu/~kriz/cifar.html, extracted) or cifar-10-batches-py/"
)
_IDX_LAYOUT = (
    "a folder with train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, "
    "t10k-images-idx3-ubyte.gz and t10k-labels-idx1-ubyte.gz (plain or gzipped)"
)


@dataclass(frozen=True)
class _Source:
    """How to get one data set and how to treat it by default."""

    load: Callable[[Path | None, int | None], ImageData]
    default_preprocess: str
    image_shape: tuple[int, ...] | None = None
    pixel_max: float | None = None
    layout: str | None = None  # what data_dir must hold; None: no files needed
    generated: bool = False  # accepts n_samples
    # readers of the training files, of the test files, and the class names: data big enough to be
    # converted to float32 one file at a time (see _Files); None: load() gives the whole set
    files: Callable[[Path], tuple[list, list, list[str]]] | None = None


def _load_mnist1d(data_dir: Path | None, n_samples: int | None) -> ImageData:
    from .mnist1d import load_mnist1d

    (X_train, y_train), (X_test, y_test) = load_mnist1d()
    return ImageData(X_train, y_train, X_test, y_test, [str(d) for d in range(10)])


def _toy_loader(maker: str, n_classes: int) -> Callable[[Path | None, int | None], ImageData]:
    def load(data_dir: Path | None, n_samples: int | None) -> ImageData:
        from . import toy

        make = getattr(toy, maker)
        X, y = make(seed=_FIXED_SEED) if n_samples is None else make(n_samples, seed=_FIXED_SEED)
        X, y = check_Xy(X, y)
        keep, test = split_indices(y, _n_holdout(TOY_TEST_FRACTION, y.shape[0], "n_samples"), seed=_FIXED_SEED)
        return ImageData(X[keep], y[keep], X[test], y[test], [str(k) for k in range(n_classes)])

    return load


_REGISTRY: dict[str, _Source] = {
    "digits": _Source(lambda d, n: load_digits(), "scale", (8, 8), 16.0),
    "mnist1d": _Source(_load_mnist1d, "none"),
    "cifar10": _Source(lambda d, n: load_cifar10(d), "scale+center", (32, 32, 3), 255.0, _CIFAR_LAYOUT,
                       files=cifar10_files),
    "mnist": _Source(lambda d, n: load_mnist(d), "scale", (28, 28), 255.0, _IDX_LAYOUT),
    "fashion-mnist": _Source(lambda d, n: load_fashion_mnist(d), "scale", (28, 28), 255.0, _IDX_LAYOUT),
    "xor": _Source(_toy_loader("make_xor", 2), "none", generated=True),
    "circles": _Source(_toy_loader("make_circles", 2), "none", generated=True),
    "spirals": _Source(_toy_loader("make_spirals", 3), "none", generated=True),
    "blobs": _Source(_toy_loader("make_blobs", 3), "none", generated=True),
}
_ALIASES = {"cifar-10": "cifar10", "mnist-1d": "mnist1d", "fashionmnist": "fashion-mnist"}

#: Names :func:`load_dataset` accepts.
DATASETS = tuple(_REGISTRY)


def _canonical(name: str) -> str:
    if not isinstance(name, str):
        raise TypeError(f"name must be a string, one of {', '.join(DATASETS)}; got {type(name).__name__}")
    key = name.strip().lower().replace("_", "-")
    key = _ALIASES.get(key, key)
    if key not in _REGISTRY:
        raise ValueError(f"unknown data set {name!r}; valid names are {', '.join(DATASETS)}")
    return key


def default_preprocess(name: str) -> str:
    """The preprocessing :func:`load_dataset` applies to ``name`` unless told otherwise."""
    return _REGISTRY[_canonical(name)].default_preprocess


def _check_count(value: int | None, name: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise ValueError(f"{name} must be a positive integer or None, got {value!r}")
    return int(value)


def _check_request(key: str, source: _Source, data_dir, n_samples, seed) -> None:
    if source.layout is not None and data_dir is None:
        raise ValueError(
            f"{key} is read from files: pass data_dir (--data-dir on the command line), {source.layout}"
        )
    if n_samples is not None and not source.generated:
        generated = ", ".join(k for k, s in _REGISTRY.items() if s.generated)
        raise ValueError(
            f"n_samples applies to the generated sets ({generated}); use n_train to load fewer {key} examples"
        )
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, numbers.Integral)):
        raise TypeError(f"seed must be an integer or None, got {type(seed).__name__}")


def _make_preprocessor(preprocess: str | Sequence[str], key: str, source: _Source) -> Preprocessor:
    steps = parse_steps(source.default_preprocess if preprocess == "default" else preprocess)
    if "scale" in steps and source.pixel_max is None:
        raise ValueError(
            f"preprocess 'scale' divides pixel values by their maximum, but {key} is not image data; "
            "use 'standardize', 'center' or 'none'"
        )
    return Preprocessor(steps, pixel_max=source.pixel_max if "scale" in steps else None)


def _split_pool(y: np.ndarray, val_split: float | int, n_train: int | None, rng: np.random.Generator):
    """Indices of the training and validation examples in the training pool."""
    m = y.shape[0]
    pool = np.arange(m)
    if n_train is not None and n_train > m:
        raise ValueError(f"n_train={n_train} exceeds the {m} training examples available")
    if n_train is not None and n_train < m:
        _, pool = split_indices(y, n_train, seed=rng)  # the held-out part is the subset
    n_val = _n_holdout(val_split, pool.shape[0], "val_split")
    keep, val = split_indices(y[pool], n_val, seed=rng)
    return pool[keep], pool[val]


def _rows_float32(X: np.ndarray, idx: np.ndarray) -> np.ndarray:
    """New C-contiguous float32 array of the rows ``idx`` (indexing copies, so ``X`` is never edited)."""
    return np.ascontiguousarray(X[idx], dtype=np.float32)


_FILL_ROWS = 1024  # rows converted to float32 at a time when filling from files


class _Files:
    """A data set split over files, read one file at a time (CIFAR-10's six batches).

    The raw images are never all in memory beside their float32 copy: the
    labels are read first (to draw the split), then each file is read again
    and its rows are converted straight into the float32 arrays of the
    splits.  Peak memory is the float32 data plus one file.
    """

    def __init__(self, readers: list, name: str) -> None:
        self.readers, self.name = readers, name
        labels, widths = [], set()
        for read in readers:
            X, y = read()
            labels.append(y)
            widths.add(int(np.prod(X.shape[1:])))
            del X
        if not widths:
            raise DataFormatError(f"no {name} files")
        if len(widths) != 1:
            raise DataFormatError(f"the {name} files hold images of different sizes")
        self.y = labels[0] if len(labels) == 1 else np.concatenate(labels)
        self.counts = [len(y) for y in labels]
        self.n_features = widths.pop()

    def rows_float32(self, index_sets: list[np.ndarray]) -> list[np.ndarray]:
        """New float32 arrays of the rows of each index set, in the order given."""
        outs = [np.empty((len(ix), self.n_features), dtype=np.float32) for ix in index_sets]
        where = np.full(len(self.y), -1, dtype=np.int64)  # which index set each row goes to
        slot = np.zeros(len(self.y), dtype=np.int64)  # and its row there
        for s, ix in enumerate(index_sets):
            where[ix], slot[ix] = s, np.arange(len(ix))
        if any(np.count_nonzero(where == s) != len(ix) for s, ix in enumerate(index_sets)):
            raise ValueError("the index sets must be disjoint and name each row at most once")
        start = 0
        for read, count in zip(self.readers, self.counts):
            X, _ = read()
            if len(X) != count:
                raise DataFormatError(f"a {self.name} file changed while it was being read; load it again")
            X = flatten_images(X)
            for s, out in enumerate(outs):
                rows = np.flatnonzero(where[start:start + count] == s)
                for c in range(0, len(rows), _FILL_ROWS):
                    chunk = rows[c:c + _FILL_ROWS]
                    out[slot[start + chunk]] = X[chunk]  # uint8 -> float32 as it is stored
            start += count
            del X
        return outs


def _load_raw(key: str, source: _Source, data_dir, n_samples):
    """The training pool and the test set: arrays, or :class:`_Files` read file by file."""
    if source.files is not None:
        train, test, class_names = source.files(Path(data_dir))
        pool, test = _Files(train, f"{key} training"), _Files(test, f"{key} test")
        if pool.n_features != test.n_features:
            raise DataFormatError(f"{key}: the training images have {pool.n_features} values, the test images "
                                  f"{test.n_features}")
        check_Xy(np.empty((len(pool.y), 0)), pool.y, x_name="X_train", y_name="y_train")
        check_Xy(np.empty((len(test.y), 0)), test.y, x_name="X_test", y_name="y_test")
        return pool, pool.y, test, test.y, class_names
    raw = source.load(None if data_dir is None else Path(data_dir), n_samples)
    X_pool, y_pool = check_Xy(flatten_images(raw.X_train), raw.y_train, x_name="X_train", y_name="y_train")
    X_test, y_test = check_Xy(flatten_images(raw.X_test), raw.y_test, x_name="X_test", y_name="y_test")
    return X_pool, y_pool, X_test, y_test, raw.class_names


def _float32_rows(X, index_sets: list[np.ndarray]) -> list[np.ndarray]:
    """New C-contiguous float32 arrays of the rows of each index set of ``X`` (never edited)."""
    if isinstance(X, _Files):
        return X.rows_float32(index_sets)
    return [_rows_float32(X, ix) for ix in index_sets]


# long function: the numpydoc of its twelve options is 55 of its lines; the code is the choice own/built-in
def load_dataset(
    name: str | os.PathLike,
    data_dir: str | os.PathLike | None = None,
    *,
    val_split: float | int = 0.1,
    preprocess: str | Sequence[str] = "default",
    seed: int | None = 0,
    n_train: int | None = None,
    n_samples: int | None = None,
    test_split: float | int | None = None,
    target: str | None = None,
    labels: str | os.PathLike | None = None,
    image_size: tuple[int, int] | None = None,
    color: str | None = None,
) -> Dataset:
    """Load a data set, split it and preprocess it, ready for training.

    Parameters
    ----------
    name : str or path-like
        One of :data:`DATASETS`: ``digits``, ``mnist1d``, ``cifar10``,
        ``mnist``, ``fashion-mnist``, ``xor``, ``circles``, ``spirals``,
        ``blobs``; or the path of data of one's own: a ``.csv``/``.tsv``
        table, a ``.npz`` of arrays ``X`` and ``y``, a ``.npy`` of inputs
        (with ``labels=``) or a folder of class folders of images (see
        :mod:`ranvier.datasets.files`).  Own data take the keyword options
        ``test_split`` (default 0.2, seeded and stratified, unless the file
        holds ``X_test``/``y_test``), ``target`` (a table's label column),
        ``labels`` (the ``.npy`` of labels), ``image_size`` and ``color``
        (``"rgb"`` or ``"grey"``); their default preprocessing is ``scale``
        for uint8 images and ``standardize`` otherwise.
    data_dir : path-like, optional
        Where the files are, for ``cifar10`` (the folder holding
        ``cifar-10-batches-bin/``), ``mnist`` and ``fashion-mnist`` (the
        folder holding the IDX files).  Ignored by the others.
    val_split : float or int, default 0.1
        Validation set carved from the training data, seeded and stratified:
        a fraction in [0, 1) or a number of examples; 0 for none.
    preprocess : str or sequence of str, default "default"
        Steps fitted on the training split and applied to all splits (see
        :class:`Preprocessor`): ``"none"``, ``"scale"``, ``"center"``,
        ``"standardize"`` or ``"scale+center"`` etc.  ``"default"`` is
        ``scale+center`` for cifar10 (pixels / 255, then the mean image
        subtracted), ``scale`` for mnist and fashion-mnist (/ 255) and digits
        (/ 16), ``none`` for mnist1d and the toy sets.
    seed : int or None, default 0
        Seed of the ``numpy.random.Generator`` that draws the validation split
        (and the ``n_train`` subset).  The test split never depends on it.
    n_train : int, optional
        Use a seeded, stratified subset of this many training examples
        (before the validation split is carved out); the test set stays whole.
    n_samples : int, optional
        Number of points to generate, for the toy sets only (train + test;
        their generator's default otherwise).

    Returns
    -------
    Dataset
        float32 C-contiguous ``X`` of shape (m, n), int64 ``y``.

    Raises
    ------
    ValueError
        Unknown name (the message lists the valid ones), missing
        ``data_dir``, a bad option.
    FileNotFoundError
        The files are not in ``data_dir``.
    DataFormatError
        A file is not in its format.
    """
    from .own import is_own_data, load_own_dataset

    if is_own_data(name):
        if data_dir is not None or n_samples is not None:
            raise ValueError("data_dir and n_samples apply to the built-in data sets, not to a file of one's own")
        return load_own_dataset(name, val_split=val_split, test_split=test_split, preprocess=preprocess, seed=seed,
                                n_train=_check_count(n_train, "n_train"), target=target, labels=labels,
                                image_size=image_size, color=color)
    own = {"test_split": test_split, "target": target, "labels": labels, "image_size": image_size, "color": color}
    given = [k for k, v in own.items() if v is not None]
    if given:
        raise ValueError(f"{', '.join(given)} apply to data of one's own (a path), not to the data set {name!r}")
    return _load_builtin(name, data_dir, val_split, preprocess, seed, n_train, n_samples)


def _load_builtin(name, data_dir, val_split, preprocess, seed, n_train, n_samples) -> Dataset:
    """:func:`load_dataset` of a built-in data set: load, check, split, convert to float32, preprocess."""
    key = _canonical(name)
    source = _REGISTRY[key]
    _check_request(key, source, data_dir, _check_count(n_samples, "n_samples"), seed)
    prep = _make_preprocessor(preprocess, key, source)
    X_pool, y_pool, X_test, y_test, class_names = _load_raw(key, source, data_dir, n_samples)
    top = max(y_pool.max(), y_test.max())
    if top >= len(class_names):
        raise DataFormatError(f"{key}: labels reach {top} but there are only {len(class_names)} classes")
    train_idx, val_idx = _split_pool(y_pool, val_split, _check_count(n_train, "n_train"), np.random.default_rng(seed))
    # float32 copies of the rows (the source is never edited), each split converted in place
    [X_test] = _float32_rows(X_test, [np.arange(len(y_test))])
    X_train, X_val = _float32_rows(X_pool, [train_idx, val_idx])
    del X_pool
    X_train = prep.fit_transform(X_train, copy=False)
    X_val = prep.transform(X_val, copy=False) if val_idx.size else None
    X_test = prep.transform(X_test, copy=False)
    return Dataset(
        X_train=X_train,
        y_train=y_pool[train_idx].astype(np.int64),
        X_val=X_val,
        y_val=y_pool[val_idx].astype(np.int64) if val_idx.size else None,
        X_test=X_test,
        y_test=y_test.astype(np.int64),
        class_names=list(class_names),
        name=key,
        image_shape=source.image_shape,
        preprocessing=prep.to_dict(),
        preprocessing_arrays=prep.get_arrays(),
        pixel_max=source.pixel_max,
    )


_LAZY = {
    "make_xor": "toy", "make_circles": "toy", "make_spirals": "toy", "make_blobs": "toy",
    "make_mnist1d": "mnist1d", "load_mnist1d": "mnist1d",
}


def __getattr__(attr: str):
    """Re-export the toy and MNIST-1D generators, imported on first use."""
    if attr in _LAZY:
        import importlib

        return getattr(importlib.import_module(f".{_LAZY[attr]}", __name__), attr)
    raise AttributeError(f"module {__name__!r} has no attribute {attr!r}")
