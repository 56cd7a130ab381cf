"""Seeded, stratified splits, input checks and the Dataset container."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from ranvier.datasets import Dataset, check_Xy, flatten_images, split_indices, train_val_split


def _data(m=100, n_classes=4):
    X = np.arange(m * 3, dtype=np.float32).reshape(m, 3)
    y = np.arange(m) % n_classes
    return X, y


def test_fraction_is_rounded_up_and_classes_keep_their_share():
    X, y = _data(100, 4)
    (Xt, yt), (Xv, yv) = train_val_split(X, y, 0.15, seed=0)
    assert Xv.shape == (15, 3) and Xt.shape == (85, 3)
    assert sorted(np.bincount(yv).tolist()) == [3, 4, 4, 4]  # 3.75 each, largest remainder
    # rows travel with their labels and nothing is lost or repeated
    assert np.array_equal(Xt[:, 0] // 3 % 4, yt) and np.array_equal(Xv[:, 0] // 3 % 4, yv)
    assert sorted(np.concatenate([Xt[:, 0], Xv[:, 0]]).tolist()) == X[:, 0].tolist()


def test_int_is_a_count_and_order_is_kept():
    X, y = _data(100, 4)
    (Xt, _), (Xv, yv) = train_val_split(X, y, 8, seed=3)
    assert Xv.shape[0] == 8 and np.bincount(yv).tolist() == [2, 2, 2, 2]
    assert np.all(np.diff(Xt[:, 0]) > 0) and np.all(np.diff(Xv[:, 0]) > 0)


def test_seeded():
    X, y = _data()
    a = train_val_split(X, y, 0.2, seed=5)[1][0]
    b = train_val_split(X, y, 0.2, seed=5)[1][0]
    c = train_val_split(X, y, 0.2, seed=6)[1][0]
    assert np.array_equal(a, b) and not np.array_equal(a, c)
    rng = np.random.default_rng(5)
    assert np.array_equal(train_val_split(X, y, 0.2, seed=rng)[1][0], a)


def test_unstratified_split_has_the_right_size():
    X, y = _data(50, 2)
    (Xt, _), (Xv, _) = train_val_split(X, y, 0.3, seed=0, stratify=False)
    assert Xv.shape[0] == 15 and Xt.shape[0] == 35


def test_zero_gives_an_empty_validation_set():
    X, y = _data(10, 2)
    (Xt, _), (Xv, yv) = train_val_split(X, y, 0, seed=0)
    assert Xt.shape == (10, 3) and Xv.shape == (0, 3) and yv.shape == (0,)


@given(st.lists(st.integers(0, 5), min_size=2, max_size=60), st.data())
def test_split_indices_partition(labels, data):
    y = np.array(labels)
    n_out = data.draw(st.integers(0, len(labels) - 1))
    keep, out = split_indices(y, n_out, seed=data.draw(st.integers(0, 2**32 - 1)))
    assert out.shape == (n_out,)
    assert np.array_equal(np.sort(np.concatenate([keep, out])), np.arange(len(labels)))
    # stratified: each class is held out in proportion, to within one example
    counts, held = np.bincount(y, minlength=6), np.bincount(y[out], minlength=6)
    assert np.all(np.abs(held - counts * n_out / len(labels)) < 1)


@pytest.mark.parametrize(
    ("X", "y", "error", "match"),
    [
        (np.zeros(5), np.zeros(5, int), ValueError, "X must be a 2-D array"),
        (np.zeros((0, 2)), np.zeros(0, int), ValueError, "X is empty"),
        (np.array([[1.0, np.nan]]), np.zeros(1, int), ValueError, "NaN or infinity"),
        (np.array([["a"]]), np.zeros(1, int), TypeError, "real numeric"),
        (np.zeros((3, 2)), np.zeros(4, int), ValueError, "one label per row of X"),
        (np.zeros((3, 2)), np.zeros(3), TypeError, "integer class labels"),
        (np.zeros((3, 2)), np.array([0, -1, 1]), ValueError, ">= 0"),
    ],
)
def test_check_Xy_errors(X, y, error, match):
    with pytest.raises(error, match=match):
        check_Xy(X, y)


@pytest.mark.parametrize(
    ("val_split", "error", "match"),
    [(1.0, ValueError, r"in \[0, 1\)"), (-0.1, ValueError, r"in \[0, 1\)"), (10, ValueError, "at least one"),
     ("0.1", TypeError, "fraction"), (True, TypeError, "fraction")],
)
def test_val_split_errors(val_split, error, match):
    X, y = _data(10, 2)
    with pytest.raises(error, match=match):
        train_val_split(X, y, val_split)


def test_flatten_images():
    X = np.arange(2 * 4 * 4 * 3, dtype=np.uint8).reshape(2, 4, 4, 3)
    flat = flatten_images(X)
    assert flat.shape == (2, 48) and flat.flags.c_contiguous
    assert flat[1, (2 * 4 + 1) * 3 + 2] == X[1, 2, 1, 2]


def _dataset(**changes):
    X, y = np.zeros((6, 4), np.float32), np.array([0, 1, 2, 0, 1, 2], np.int64)
    fields = {"X_train": X, "y_train": y, "X_val": X[:2], "y_val": y[:2], "X_test": None, "y_test": None,
              "class_names": ["a", "b", "c"], "name": "tiny", "image_shape": (2, 2)}
    fields.update(changes)
    return Dataset(**fields)


def test_dataset_helpers():
    data = _dataset()
    assert data.n_features == 4 and data.n_classes == 3
    assert repr(data) == "Dataset('tiny', train=(6, 4), val=(2, 4), test=None, n_classes=3)"
    text = data.summary()
    assert "tiny: 3 classes, 4 features (2x2)" in text and "train       6 examples" in text
    assert "test" not in text.split("\n", 1)[1]
    assert data.preprocessor().transform(np.ones((1, 4))).tolist() == [[1, 1, 1, 1]]


@pytest.mark.parametrize(
    ("changes", "match"),
    [
        ({"X_train": np.zeros((6, 4))}, "float32"),
        ({"y_train": np.zeros(6, np.int32)}, "int64"),
        ({"X_val": np.zeros((2, 3), np.float32)}, "3 features"),
        ({"y_val": None}, "both be arrays or both be None"),
        ({"image_shape": (3, 3)}, "image_shape"),
    ],
)
def test_dataset_checks(changes, match):
    with pytest.raises(ValueError, match=match):
        _dataset(**changes)
