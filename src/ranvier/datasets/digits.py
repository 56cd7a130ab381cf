"""scikit-learn's hand-written digits: 1797 images of 8x8 pixels, values 0-16.

The data ship inside scikit-learn (``sklearn.datasets.load_digits``), so
nothing is downloaded.  The set has no official test split; :func:`load_digits`
sets aside a fixed one: 20% of the images (360), stratified by class, drawn by
``numpy.random.default_rng(0)``.  Keep the defaults so that results stay
comparable.
"""

from __future__ import annotations

import numpy as np

from .base import ImageData, _n_holdout, flatten_images, split_indices

__all__ = ["DIGITS_CLASSES", "DIGITS_SPLIT_SEED", "DIGITS_TEST_FRACTION", "load_digits"]

DIGITS_CLASSES = [str(d) for d in range(10)]
DIGITS_TEST_FRACTION = 0.2
DIGITS_SPLIT_SEED = 0


def load_digits(
    *, flatten: bool = False, test_fraction: float = DIGITS_TEST_FRACTION, seed: int = DIGITS_SPLIT_SEED
) -> ImageData:
    """Load the digits with a fixed, seeded, stratified train / test split.

    Parameters
    ----------
    flatten : bool, default False
        Return ``X`` of shape (m, 64) instead of (m, 8, 8).
    test_fraction : float, default 0.2
        Fraction of the images set aside for testing (rounded up: 360 of 1797).
    seed : int, default 0
        Seed of the ``numpy.random.Generator`` that draws the test split.

    Returns
    -------
    ImageData
        uint8 images with values 0-16 (1437 train, 360 test with the
        defaults, each in the original order), int64 labels, class names
        ``"0"`` ... ``"9"``.
    """
    from sklearn.datasets import load_digits as _sklearn_digits  # slow import, only when needed

    bunch = _sklearn_digits()
    images = bunch.images.astype(np.uint8)  # integers 0-16 stored as float64
    y = bunch.target.astype(np.int64)
    keep, test = split_indices(y, _n_holdout(test_fraction, y.shape[0], "test_fraction"), seed=seed)
    X_train, X_test = images[keep], images[test]
    if flatten:
        X_train, X_test = flatten_images(X_train), flatten_images(X_test)
    return ImageData(X_train, y[keep], X_test, y[test], list(DIGITS_CLASSES))
