"""Tests of MNIST-1D: the published templates and defaults, the transforms one by one."""

import numpy as np
import pytest

from ranvier.datasets import mnist1d
from ranvier.datasets.mnist1d import (
    MNIST1D_CLASS_NAMES,
    load_mnist1d,
    make_mnist1d,
    mnist1d_templates,
)

# Every random transform turned off (the pipeline is then deterministic).
OFF = {
    "padding": (0, 0),
    "scale_coeff": 0.0,
    "max_translation": 1,
    "corr_noise_scale": 0.0,
    "iid_noise_scale": 0.0,
    "shear_scale": 0.0,
    "standardize": False,
}


def resampled_templates(y, padding=0, length=40):
    """Each template followed by ``padding`` zeros, linearly resampled to ``length`` points."""
    T = np.hstack([mnist1d_templates(), np.zeros((10, padding))])
    grid = np.linspace(0, T.shape[1] - 1, length)
    return np.stack([np.interp(grid, np.arange(T.shape[1]), T[k]) for k in y])


@pytest.fixture(scope="module")
def standard():
    return load_mnist1d()


def test_templates_are_the_published_ten_of_length_12():
    T = mnist1d_templates()
    assert T.shape == (10, 12) and T.dtype == np.float64
    np.testing.assert_array_equal(T[:, 0], 0.0)  # start and end at the baseline
    np.testing.assert_allclose(T[:, -1], 0.0, atol=1e-12)
    np.testing.assert_allclose((6 * T).std(axis=1), 1.0)  # standardised, then / 6
    assert len({tuple(row.round(6)) for row in T}) == 10
    # digit 0 is a bump up, digit 6 the same bump down
    np.testing.assert_allclose(T[0], -T[6])
    T[0, 1] = 99.0
    assert mnist1d_templates()[0, 1] != 99.0  # a fresh copy each call


def test_class_names():
    assert MNIST1D_CLASS_NAMES == [str(d) for d in range(10)]


def test_standard_split_shapes_dtypes_and_labels(standard):
    (X_train, y_train), (X_test, y_test) = standard
    assert X_train.shape == (4000, 40) and X_test.shape == (1000, 40)
    assert X_train.dtype == X_test.dtype == np.float32
    assert y_train.dtype == y_test.dtype == np.int64
    assert set(np.unique(y_train)) == set(range(10)) == set(np.unique(y_test))
    assert np.isfinite(X_train).all() and np.isfinite(X_test).all()


def test_standard_split_is_first_80_percent(standard):
    (X_train, y_train), (X_test, y_test) = standard
    X, y = make_mnist1d(seed=42)
    np.testing.assert_array_equal(np.concatenate([X_train, X_test]), X)
    np.testing.assert_array_equal(np.concatenate([y_train, y_test]), y)


def test_whole_set_is_standardised_and_balanced(standard):
    (X_train, y_train), (X_test, y_test) = standard
    X = np.concatenate([X_train, X_test]).astype(np.float64)
    assert abs(X.mean()) < 1e-6 and abs(X.std() - 1.0) < 1e-5
    np.testing.assert_array_equal(np.bincount(np.concatenate([y_train, y_test])), 500)
    # shuffled: the split holds every class in roughly equal parts
    assert np.bincount(y_test, minlength=10).min() > 60


def test_class_counts_as_near_as_n_allows():
    _, y = make_mnist1d(n_samples=105, seed=0)
    np.testing.assert_array_equal(np.bincount(y), [11] * 5 + [10] * 5)


def test_same_seed_same_data_other_seed_differs():
    X1, y1 = make_mnist1d(n_samples=200, seed=7)
    X2, y2 = make_mnist1d(n_samples=200, seed=7)
    X3, _ = make_mnist1d(n_samples=200, seed=8)
    np.testing.assert_array_equal(X1, X2)
    np.testing.assert_array_equal(y1, y2)
    assert not np.allclose(X1, X3)


@pytest.mark.parametrize("padding", [0, 60])
def test_transforms_off_gives_the_resampled_template(padding):
    X, y = make_mnist1d(n_samples=50, seed=0, **{**OFF, "padding": (padding, padding)})
    np.testing.assert_allclose(X, resampled_templates(y, padding), atol=1e-6)


def test_final_seq_length_sets_the_resolution():
    X, y = make_mnist1d(n_samples=20, seed=0, final_seq_length=12, **OFF)
    np.testing.assert_allclose(X, mnist1d_templates()[y], atol=1e-6)
    X, _ = make_mnist1d(n_samples=20, seed=0, final_seq_length=64)
    assert X.shape == (20, 64)


def test_scale_multiplies_each_example_by_a_factor_in_range():
    X, y = make_mnist1d(n_samples=500, seed=0, **{**OFF, "scale_coeff": 0.4})
    base = resampled_templates(y)
    big = np.abs(base) > 0.05
    ratios = X / np.where(big, base, 1.0)
    factor = np.array([r[b].mean() for r, b in zip(ratios, big)])
    np.testing.assert_allclose(ratios[big], np.broadcast_to(factor[:, None], X.shape)[big], rtol=1e-5)
    np.testing.assert_allclose(X[~big], (factor[:, None] * base)[~big], atol=1e-6)
    assert factor.min() >= 0.8 - 1e-6 and factor.max() <= 1.2 + 1e-6
    assert factor.min() < 0.82 and factor.max() > 1.18  # uniform draws fill the range


def test_shear_adds_a_straight_line():
    X, y = make_mnist1d(n_samples=500, seed=0, **{**OFF, "shear_scale": 0.75})
    line = X - resampled_templates(y)
    np.testing.assert_allclose(np.diff(line, n=2, axis=1), 0.0, atol=1e-6)
    # the line is -c * linspace(-1/2, 1/2), c uniform in [-0.375, 0.375)
    slope = line[:, -1] - line[:, 0]
    np.testing.assert_allclose(line[:, 0] + line[:, -1], 0.0, atol=1e-6)
    assert np.abs(slope).max() <= 0.375 + 1e-6 and np.abs(slope).max() > 0.35


def matching_index(X, y, candidates):
    """For each row of X, the index of the candidate (axis 0 of ``candidates[:, y]``) it equals."""
    close = np.isclose(X[None], candidates[:, y], atol=1e-6).all(axis=-1)  # (n_candidates, n)
    assert close.any(axis=0).all(), "every example must equal one candidate"
    return close.argmax(axis=0)


def test_translation_rolls_the_template_by_0_to_47():
    # padding (60, 60) fixes the stretch, so only the shift varies.
    X, y = make_mnist1d(n_samples=1000, seed=0, final_seq_length=72,
                        **{**OFF, "padding": (60, 60), "max_translation": 48})
    base = resampled_templates(range(10), padding=60, length=72)
    shifts = matching_index(X, y, np.stack([np.roll(base, k, axis=1) for k in range(48)]))
    assert shifts.min() == 0 and shifts.max() == 47  # 1000 draws cover the range


def test_padding_stretches_the_template_by_36_to_60_zeros():
    X, y = make_mnist1d(n_samples=1000, seed=0, final_seq_length=72, **{**OFF, "padding": (36, 60)})
    # p zeros appended, then the 12 + p points stretched linearly over 72
    dilated = []
    for p in range(36, 61):
        padded = np.hstack([mnist1d_templates(), np.zeros((10, p))])
        grid = np.arange(72) * (11 + p) / 71
        dilated.append([np.interp(grid, np.arange(12 + p), row) for row in padded])
    pads = 36 + matching_index(X, y, np.array(dilated))
    assert pads.min() == 36 and pads.max() == 60  # inclusive range, covered by 1000 draws


def test_correlated_noise_fills_the_background_only():
    X, y = make_mnist1d(n_samples=400, seed=0, **{**OFF, "padding": (60, 60), "corr_noise_scale": 0.25})
    digit = np.arange(40) * 71 / 39 < 12  # output points fed by the template
    np.testing.assert_allclose(X[:, digit], resampled_templates(y, 60)[:, digit], atol=1e-6)
    background = X[:, ~digit]
    # white noise (sd 0.25) through a Gaussian of sigma 2 cut at 8: sd 0.25 * |kernel|_2
    offsets = np.arange(-8, 9)
    kernel = np.exp(-(offsets**2) / 8.0)
    kernel /= kernel.sum()
    expected_sd = 0.25 * np.sqrt((kernel**2).sum())  # about 0.094
    assert abs(background.std() / expected_sd - 1.0) < 0.15
    # neighbours (71/39 samples apart) are strongly correlated: exp(-d^2 / 16) ~ 0.81
    lag1 = np.corrcoef(background[:, :-1].ravel(), background[:, 1:].ravel())[0, 1]
    assert 0.7 < lag1 < 0.9


def test_iid_noise_is_white():
    X, y = make_mnist1d(n_samples=400, seed=0, **{**OFF, "padding": (60, 60), "iid_noise_scale": 0.02})
    noise = X - resampled_templates(y, 60)
    # resampling averages neighbours with weights (1-f, f): sd between 0.02/sqrt(2) and 0.02
    assert 0.014 < noise.std() < 0.02
    lag1 = np.corrcoef(noise[:, :-1].ravel(), noise[:, 1:].ravel())[0, 1]
    assert abs(lag1) < 0.1


def test_gaussian_smoothing_matches_scipy():
    ndimage = pytest.importorskip("scipy.ndimage")
    noise = np.random.default_rng(0).standard_normal((5, 72))
    np.testing.assert_allclose(
        mnist1d._gaussian_smooth(noise), ndimage.gaussian_filter1d(noise, 2.0, axis=1), atol=1e-12
    )


def test_default_data_is_learnable_but_not_linearly_easy():
    X, y = make_mnist1d(n_samples=2000, seed=0)
    centroids = np.stack([X[:1500][y[:1500] == k].mean(axis=0) for k in range(10)])
    dist = ((X[1500:, None, :] - centroids) ** 2).sum(axis=-1)
    accuracy = (dist.argmin(axis=1) == y[1500:]).mean()
    # nearest centroid lands near 0.27 (20 seeds: 0.24 to 0.32); chance is 0.10
    assert 0.15 < accuracy < 0.45


def test_shuffle_seq_permutes_positions_once_for_all_examples():
    X, y = make_mnist1d(n_samples=300, seed=3)
    Xs, ys = make_mnist1d(n_samples=300, seed=3, shuffle_seq=True)
    np.testing.assert_array_equal(y, ys)
    assert not np.allclose(X, Xs)
    perm = [int(np.argmin(np.abs(X - Xs[:, [j]]).sum(axis=0))) for j in range(40)]
    assert sorted(perm) == list(range(40))
    np.testing.assert_allclose(Xs, X[:, perm], atol=1e-5)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"n_samples": 9}, ValueError, "n_samples"),
        ({"n_samples": 100.0}, TypeError, "n_samples"),
        ({"padding": (5, 2)}, ValueError, "padding"),
        ({"padding": (-1, 3)}, ValueError, "padding"),
        ({"padding": 40}, TypeError, "padding"),
        ({"padding": (1.5, 3)}, ValueError, "padding"),
        ({"scale_coeff": -0.1}, ValueError, "scale_coeff"),
        ({"max_translation": 0}, ValueError, "max_translation"),
        ({"corr_noise_scale": -1.0}, ValueError, "corr_noise_scale"),
        ({"iid_noise_scale": float("nan")}, ValueError, "iid_noise_scale"),
        ({"shear_scale": -0.5}, ValueError, "shear_scale"),
        ({"final_seq_length": 1}, ValueError, "final_seq_length"),
        ({"shuffle_seq": "yes"}, TypeError, "shuffle_seq"),
        ({"standardize": 1}, TypeError, "standardize"),
    ],
)
def test_bad_options_name_the_argument(kwargs, error, match):
    with pytest.raises(error, match=match):
        make_mnist1d(**kwargs)
