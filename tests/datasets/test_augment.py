import numpy as np
import pytest

from ranvier import MLP, Trainer
from ranvier.datasets.augment import HorizontalFlip, get_augment


def test_flip_mirrors_the_chosen_images_in_hwc_order():
    rng = np.random.default_rng(0)
    images = rng.integers(0, 255, size=(6, 4, 5, 3)).astype(np.float32)
    X = images.reshape(6, -1).copy()
    HorizontalFlip((4, 5, 3), p=1.0)(X, np.random.default_rng(1))
    flipped = X.reshape(6, 4, 5, 3)
    for r in range(4):
        for c in range(5):
            np.testing.assert_array_equal(flipped[:, r, c, :], images[:, r, 4 - c, :])


def test_flip_picks_a_random_part_and_is_seeded():
    X0 = np.arange(1000 * 6, dtype=np.float32).reshape(1000, 6)
    a, b = X0.copy(), X0.copy()
    HorizontalFlip((2, 3), p=0.5)(a, np.random.default_rng(7))
    HorizontalFlip((2, 3), p=0.5)(b, np.random.default_rng(7))
    np.testing.assert_array_equal(a, b)
    changed = (a != X0).any(axis=1)
    assert 400 < changed.sum() < 600
    twice = a.copy()
    mask = np.random.default_rng(7).random(1000) < 0.5
    twice[mask] = twice[mask].reshape(-1, 2, 3)[:, :, ::-1].reshape(-1, 6)
    np.testing.assert_array_equal(twice, X0)  # flipping the same rows again undoes it


def test_trainer_with_augmentation_is_reproducible():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(120, 12)).astype(np.float32)
    y = rng.integers(0, 3, size=120)

    def run():
        net = MLP((12, 5, 3), seed=0)
        Trainer(net, "sgd", lr=0.05, batch_size=20, epochs=2, verbose=0, augment=HorizontalFlip((2, 2, 3))).fit(X, y)
        return net.get_flat_params()

    np.testing.assert_array_equal(run(), run())
    plain = MLP((12, 5, 3), seed=0)
    Trainer(plain, "sgd", lr=0.05, batch_size=20, epochs=2, verbose=0).fit(X, y)
    assert not np.array_equal(run(), plain.get_flat_params())
    np.testing.assert_array_equal(X, np.random.default_rng(0).normal(size=(120, 12)).astype(np.float32))


def test_bad_options():
    with pytest.raises(ValueError, match="not made of images"):
        get_augment("flip", None)
    with pytest.raises(ValueError, match="unknown augment 'crop'"):
        get_augment("crop", (2, 2))
    with pytest.raises(ValueError, match="p must be a probability"):
        HorizontalFlip((2, 2), p=2)
    with pytest.raises(TypeError, match="augment must be a callable"):
        Trainer(MLP((4, 2)), augment="flip")


def padded_crop(image, dy, dx, pad):
    """The reference: pad with zeros, then crop the window that shifts the image by (dy, dx)."""
    h, w = image.shape[:2]
    widths = [(pad, pad), (pad, pad)] + [(0, 0)] * (image.ndim - 2)
    big = np.pad(image, widths)
    return big[pad - dy:pad - dy + h, pad - dx:pad - dx + w]


@pytest.mark.parametrize("shape", [(5, 6), (6, 5, 3)])
def test_translate_is_pad_and_crop(shape):
    from ranvier.datasets.augment import RandomTranslate

    X = np.random.default_rng(0).normal(size=(40, int(np.prod(shape)))).astype(np.float32)
    before = X.copy()
    RandomTranslate(shape, pad=2)(X, np.random.default_rng(7))
    shifts = np.random.default_rng(7).integers(-2, 3, size=(40, 2))
    for k, (dy, dx) in enumerate(shifts):
        want = padded_crop(before[k].reshape(shape), dy, dx, 2)
        np.testing.assert_array_equal(X[k].reshape(shape), want)
    assert len({tuple(s) for s in shifts}) > 10  # many different shifts were exercised


def test_translate_by_zero_changes_nothing_and_checks_pad():
    from ranvier.datasets.augment import RandomTranslate

    X = np.arange(24, dtype=np.float32).reshape(2, 12)
    RandomTranslate((3, 4), pad=0)(X, np.random.default_rng(0))
    np.testing.assert_array_equal(X, np.arange(24).reshape(2, 12))
    with pytest.raises(ValueError, match=r"pad must be an integer in \[0, 3\)"):
        RandomTranslate((3, 4), pad=3)


def test_augments_join_with_plus():
    from ranvier.datasets.augment import Compose, RandomTranslate

    both = get_augment("flip+translate:2", (4, 4, 3))
    assert isinstance(both, Compose)
    assert [type(a) for a in both.augments] == [HorizontalFlip, RandomTranslate] and both.augments[1].pad == 2
    X = np.random.default_rng(1).normal(size=(30, 48)).astype(np.float32)
    Y = X.copy()
    both(X, np.random.default_rng(3))
    rng = np.random.default_rng(3)
    HorizontalFlip((4, 4, 3))(Y, rng)
    RandomTranslate((4, 4, 3), 2)(Y, rng)
    np.testing.assert_array_equal(X, Y)
    assert get_augment("translate", (8, 8)).pad == 4
    with pytest.raises(ValueError, match="whole number of pixels"):
        get_augment("translate:x", (8, 8))
