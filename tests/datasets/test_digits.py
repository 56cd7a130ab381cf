"""scikit-learn's digits with ranvier's fixed, seeded, stratified test split."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.datasets import load_digits as sklearn_digits

from ranvier.datasets import load_digits


@pytest.fixture(scope="module")
def digits():
    return load_digits()


def test_shapes_types_and_values(digits):
    assert digits.X_train.shape == (1437, 8, 8) and digits.X_test.shape == (360, 8, 8)
    assert digits.X_train.dtype == np.uint8 and digits.y_train.dtype == np.int64
    assert digits.X_train.max() == 16 and digits.X_train.min() == 0
    assert digits.class_names == [str(d) for d in range(10)]


def test_split_is_a_stratified_partition_of_the_original(digits):
    bunch = sklearn_digits()
    counts = np.bincount(bunch.target)
    test_counts = np.bincount(digits.y_test, minlength=10)
    assert np.array_equal(np.bincount(digits.y_train, minlength=10) + test_counts, counts)
    assert np.all(np.abs(test_counts - 0.2 * counts) < 1)
    rows = {img.tobytes(): label for img, label in zip(bunch.images.astype(np.uint8), bunch.target, strict=True)}
    for X, y in ((digits.X_train, digits.y_train), (digits.X_test, digits.y_test)):
        assert all(rows[img.tobytes()] == label for img, label in zip(X, y, strict=True))


def test_split_is_fixed(digits):
    again = load_digits()
    np.testing.assert_array_equal(again.X_test, digits.X_test)
    np.testing.assert_array_equal(again.y_test, digits.y_test)
    other = load_digits(seed=1)
    assert not np.array_equal(other.y_test, digits.y_test)


def test_flatten(digits):
    flat = load_digits(flatten=True)
    assert flat.X_train.shape == (1437, 64)
    np.testing.assert_array_equal(flat.X_train[3].reshape(8, 8), digits.X_train[3])
