"""Tests of the 2-D toy sets: shapes, balance, seeding, validation and geometry."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from ranvier.datasets.toy import (
    blob_centers,
    make_blobs,
    make_circles,
    make_spirals,
    make_xor,
)

# (generator, keyword arguments, number of classes)
GENERATORS = [
    (make_xor, {}, 2),
    (make_circles, {}, 2),
    (make_spirals, {}, 3),
    (make_spirals, {"n_classes": 5}, 5),
    (make_blobs, {}, 3),
    (make_blobs, {"n_classes": 7}, 7),
]
IDS = ["xor", "circles", "spirals3", "spirals5", "blobs3", "blobs7"]


@pytest.mark.parametrize(("make", "kwargs", "n_classes"), GENERATORS, ids=IDS)
@pytest.mark.parametrize("n_samples", [7, 400, 401])
def test_shapes_dtypes_and_balance(make, kwargs, n_classes, n_samples):
    X, y = make(n_samples, seed=0, **kwargs)
    assert X.shape == (n_samples, 2) and X.dtype == np.float32 and X.flags.c_contiguous
    assert y.shape == (n_samples,) and y.dtype == np.int64
    counts = np.bincount(y, minlength=n_classes)
    assert counts.size == n_classes and counts.sum() == n_samples
    assert counts.max() - counts.min() <= 1
    assert np.isfinite(X).all()


@pytest.mark.parametrize(("make", "kwargs", "n_classes"), GENERATORS, ids=IDS)
def test_default_sample_count(make, kwargs, n_classes):
    X, y = make(seed=1, **kwargs)
    assert X.shape == (400, 2) and y.shape == (400,)


@pytest.mark.parametrize(("make", "kwargs", "n_classes"), GENERATORS, ids=IDS)
def test_same_seed_same_data_other_seed_differs(make, kwargs, n_classes):
    X1, y1 = make(200, seed=3, **kwargs)
    X2, y2 = make(200, seed=3, **kwargs)
    X3, _ = make(200, seed=4, **kwargs)
    np.testing.assert_array_equal(X1, X2)
    np.testing.assert_array_equal(y1, y2)
    assert not np.array_equal(X1, X3)


@pytest.mark.parametrize(("make", "kwargs", "n_classes"), GENERATORS, ids=IDS)
def test_rows_are_shuffled(make, kwargs, n_classes):
    _, y = make(300, seed=0, **kwargs)
    # Unshuffled, the labels would be sorted or cycle with period n_classes.
    assert not np.array_equal(y, np.sort(y))
    assert not np.array_equal(y, np.arange(300) % n_classes)


@given(n_samples=st.integers(2, 300), n_classes=st.integers(2, 9), seed=st.integers(0, 2**32 - 1))
def test_balance_property(n_samples, n_classes, seed):
    n_classes = min(n_classes, n_samples)
    for make in (make_spirals, make_blobs):
        _, y = make(n_samples, n_classes=n_classes, seed=seed)
        counts = np.bincount(y, minlength=n_classes)
        assert counts.size == n_classes and counts.min() >= 1 and counts.max() - counts.min() <= 1


def test_xor_labels_are_xor_of_the_corner():
    X, y = make_xor(101, noise=0.0, seed=0)
    np.testing.assert_array_equal(np.abs(X), 1.0)
    np.testing.assert_array_equal(y, (X[:, 0] > 0) ^ (X[:, 1] > 0))
    # Each of the four corners is used, about equally.
    corners = np.unique(X, axis=0, return_counts=True)[1]
    assert corners.size == 4 and corners.max() - corners.min() <= 1


def test_xor_noise_has_the_requested_spread():
    X, y = make_xor(4000, noise=0.2, seed=0)
    residual = X - np.sign(X)  # noise 0.2 keeps points in their quadrant (5 sigma)
    assert abs(residual.std() - 0.2) < 0.01
    np.testing.assert_array_equal(y, (X[:, 0] > 0) ^ (X[:, 1] > 0))


@pytest.mark.parametrize("factor", [0.3, 0.5, 0.8])
def test_circles_radii_are_one_and_factor(factor):
    X, y = make_circles(200, noise=0.0, factor=factor, seed=0)
    radius = np.hypot(X[:, 0], X[:, 1])
    np.testing.assert_allclose(radius[y == 0], 1.0, rtol=1e-6)
    np.testing.assert_allclose(radius[y == 1], factor, rtol=1e-6)


def test_circles_angles_cover_the_circle():
    X, y = make_circles(400, noise=0.0, seed=0)
    angle = np.arctan2(X[:, 1], X[:, 0])
    for k in (0, 1):
        hist = np.histogram(angle[y == k], bins=4, range=(-np.pi, np.pi))[0]
        assert hist.min() > 20  # 50 expected per quarter


@pytest.mark.parametrize("n_classes", [2, 3, 6])
def test_spiral_angle_grows_with_radius(n_classes):
    X, y = make_spirals(60 * n_classes, n_classes=n_classes, noise=0.0, seed=0)
    radius = np.hypot(X[:, 0], X[:, 1])
    angle = np.arctan2(X[:, 1], X[:, 0])
    expected = 2 * np.pi * y / n_classes + 4.0 * radius
    gap = np.angle(np.exp(1j * (angle - expected)))  # difference wrapped to (-pi, pi]
    far = radius > 1e-3  # the angle of the centre point is undefined
    np.testing.assert_allclose(gap[far], 0.0, atol=1e-4)
    for k in range(n_classes):  # the radii of an arm are evenly spaced in [0, 1]
        np.testing.assert_allclose(np.sort(radius[y == k]), np.linspace(0, 1, 60), atol=1e-6)


def test_spiral_noise_perturbs_only_the_angle():
    X0, _ = make_spirals(300, noise=0.0, seed=0)
    X1, _ = make_spirals(300, noise=0.5, seed=0)
    r0 = np.sort(np.hypot(X0[:, 0], X0[:, 1]))
    r1 = np.sort(np.hypot(X1[:, 0], X1[:, 1]))
    np.testing.assert_allclose(r0, r1, atol=1e-6)
    assert np.abs(X0).max() <= 1 + 1e-6 and np.abs(X1).max() <= 1 + 1e-6


def test_blob_centers_on_a_circle():
    centers = blob_centers(4)
    np.testing.assert_allclose(centers, [[5, 0], [0, 5], [-5, 0], [0, -5]], atol=1e-12)


@pytest.mark.parametrize("n_classes", [2, 3, 5])
def test_blob_class_means_near_their_centres(n_classes):
    X, y = make_blobs(1000 * n_classes, n_classes=n_classes, noise=1.0, seed=0)
    means = np.stack([X[y == k].mean(axis=0) for k in range(n_classes)])
    # The standard error of each mean is 1 / sqrt(1000) ~ 0.03.
    np.testing.assert_allclose(means, blob_centers(n_classes), atol=0.2)
    spread = np.stack([X[y == k].std(axis=0) for k in range(n_classes)])
    np.testing.assert_allclose(spread, 1.0, atol=0.1)


def test_blobs_without_noise_sit_on_the_centres():
    X, y = make_blobs(30, n_classes=3, noise=0.0, seed=0)
    np.testing.assert_allclose(X, blob_centers(3)[y], atol=1e-6)


@pytest.mark.parametrize("make", [make_xor, make_circles, make_spirals, make_blobs])
def test_negative_noise_is_rejected(make):
    with pytest.raises(ValueError, match="noise"):
        make(10, noise=-0.1)


@pytest.mark.parametrize("make", [make_xor, make_circles, make_spirals, make_blobs])
def test_too_few_samples_is_rejected(make):
    with pytest.raises(ValueError, match="n_samples"):
        make(1)


@pytest.mark.parametrize("make", [make_spirals, make_blobs])
def test_class_count_checks(make):
    with pytest.raises(ValueError, match="n_classes"):
        make(10, n_classes=1)
    with pytest.raises(ValueError, match="n_samples must be >= the number of classes"):
        make(4, n_classes=5)
    with pytest.raises(TypeError, match="n_classes"):
        make(10, n_classes=2.5)


@pytest.mark.parametrize("factor", [0.0, 1.0, 1.5, -0.5])
def test_circles_factor_must_be_inside_the_unit_circle(factor):
    with pytest.raises(ValueError, match="factor"):
        make_circles(10, factor=factor)


def test_bad_sample_type_is_rejected():
    with pytest.raises(TypeError, match="n_samples"):
        make_xor(10.0)
