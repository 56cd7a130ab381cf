"""Two-dimensional toy classification sets for pictures of decision boundaries.

* :func:`make_xor`: four Gaussian clouds at the corners of a square, labelled by XOR.
* :func:`make_circles`: two concentric circles.
* :func:`make_spirals`: the CS231n interleaved spirals, any number of arms.
* :func:`make_blobs`: Gaussian blobs around centres evenly spaced on a circle.

Every function returns ``X`` float32 of shape ``(n_samples, 2)`` and ``y`` int64 of
shape ``(n_samples,)``, with the classes as balanced as ``n_samples`` allows (the
counts differ by at most one) and the rows shuffled.  All randomness comes from
``numpy.random.default_rng(seed)``: the same seed gives the same arrays, and
``seed=None`` draws fresh entropy.
"""

from __future__ import annotations

import numpy as np

from .._validation import check_int, check_positive

__all__ = ["blob_centers", "make_blobs", "make_circles", "make_spirals", "make_xor"]

# Angle swept by each spiral arm, in radians (CS231n's ``np.linspace(j*4, (j+1)*4, N)``).
_SPIRAL_SWEEP = 4.0
# Radius of the circle on which the blob centres sit; with the default noise of 1.0
# neighbouring blobs of up to 8 classes stay mostly apart.
_BLOB_RADIUS = 5.0


def _check_common(n_samples: int, n_classes: int, noise: float) -> tuple[int, int, float]:
    """Validate the arguments every generator shares."""
    n_classes = check_int(n_classes, "n_classes", minimum=2)
    n_samples = check_int(n_samples, "n_samples", minimum=1)
    if n_samples < n_classes:
        raise ValueError(
            f"n_samples must be >= the number of classes ({n_classes}) so that every class "
            f"has an example, got n_samples={n_samples}"
        )
    noise = check_positive(noise, "noise", allow_zero=True)
    return n_samples, n_classes, noise


def _balanced_labels(n_samples: int, n_classes: int) -> np.ndarray:
    """Labels ``0, 1, ..., n_classes-1, 0, 1, ...``: class counts differ by at most one."""
    return np.arange(n_samples, dtype=np.int64) % n_classes


def _shuffled(X: np.ndarray, y: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Return ``X`` as float32 and ``y`` as int64, rows permuted by ``rng``."""
    order = rng.permutation(y.shape[0])
    return np.ascontiguousarray(X[order], dtype=np.float32), y[order].astype(np.int64)


def make_xor(n_samples: int = 400, *, noise: float = 0.2, seed: int | None = None
             ) -> tuple[np.ndarray, np.ndarray]:
    """Four Gaussian clouds at the corners ``(+-1, +-1)`` of a square, labelled by XOR.

    A corner's label is 1 when exactly one of its coordinates is positive (the XOR of
    the bits ``x1 > 0`` and ``x2 > 0``) and 0 otherwise, so no line separates the
    classes.  The corners take turns, so each holds ``n_samples / 4`` points (up to one).

    Parameters
    ----------
    n_samples : int, default=400
        Number of points, at least 2.
    noise : float, default=0.2
        Standard deviation of the Gaussian noise added to each coordinate; 0 puts
        every point exactly on its corner.
    seed : int or None, default=None
        Seed of the ``numpy.random.Generator`` that draws the noise and the order.

    Returns
    -------
    X : ndarray of float32 of shape (n_samples, 2)
    y : ndarray of int64 of shape (n_samples,)
        Labels in ``{0, 1}``.

    Examples
    --------
    >>> X, y = make_xor(8, noise=0.0, seed=0)
    >>> bool(np.all(y == ((X[:, 0] > 0) ^ (X[:, 1] > 0))))
    True
    """
    n_samples, _, noise = _check_common(n_samples, 2, noise)
    rng = np.random.default_rng(seed)
    # Corners in turn (-,-), (+,-), (+,+), (-,+): labels alternate 0, 1, 0, 1.
    corners = np.array([[-1.0, -1.0], [1.0, -1.0], [1.0, 1.0], [-1.0, 1.0]])
    corner = np.arange(n_samples) % 4
    X = corners[corner] + noise * rng.standard_normal((n_samples, 2))
    y = (corner % 2).astype(np.int64)
    return _shuffled(X, y, rng)


def make_circles(n_samples: int = 400, *, noise: float = 0.1, factor: float = 0.5,
                 seed: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Two concentric circles: class 0 on the unit circle, class 1 on radius ``factor``.

    Angles are drawn uniformly in ``[0, 2 pi)``; Gaussian noise is then added to
    each coordinate.

    Parameters
    ----------
    n_samples : int, default=400
        Number of points, at least 2.
    noise : float, default=0.1
        Standard deviation of the Gaussian noise added to each coordinate.
    factor : float, default=0.5
        Radius of the inner circle, strictly between 0 and 1.
    seed : int or None, default=None
        Seed of the ``numpy.random.Generator``.

    Returns
    -------
    X : ndarray of float32 of shape (n_samples, 2)
    y : ndarray of int64 of shape (n_samples,)
        0 for the outer circle, 1 for the inner one.

    Examples
    --------
    >>> X, y = make_circles(6, noise=0.0, factor=0.5, seed=0)
    >>> np.round(np.hypot(X[:, 0], X[:, 1]), 3)[np.argsort(y)].tolist()
    [1.0, 1.0, 1.0, 0.5, 0.5, 0.5]
    """
    n_samples, _, noise = _check_common(n_samples, 2, noise)
    factor = check_positive(factor, "factor")
    if factor >= 1:
        raise ValueError(f"factor is the inner radius and must be in (0, 1), got {factor}")
    rng = np.random.default_rng(seed)
    y = _balanced_labels(n_samples, 2)
    radius = np.where(y == 0, 1.0, factor)
    angle = rng.uniform(0.0, 2.0 * np.pi, n_samples)
    X = radius[:, None] * np.column_stack([np.cos(angle), np.sin(angle)])
    X += noise * rng.standard_normal((n_samples, 2))
    return _shuffled(X, y, rng)


def make_spirals(n_samples: int = 400, *, n_classes: int = 3, noise: float = 0.2,
                 seed: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Interleaved spiral arms, one per class (the CS231n "spiral" data).

    Arm ``k`` holds points at radii evenly spaced in ``[0, 1]``; the point at radius
    ``r`` has angle ``2 pi k / n_classes + 4 r`` plus Gaussian noise, in polar
    coordinates ``(r cos angle, r sin angle)``.  As in CS231n, each arm sweeps 4
    radians and the noise perturbs the angle, not the position; unlike CS231n, which
    starts arm ``k`` at ``4 k`` radians, the arms start evenly spaced so that any
    number of classes interleaves cleanly.

    Parameters
    ----------
    n_samples : int, default=400
        Total number of points, at least ``n_classes``.
    n_classes : int, default=3
        Number of arms (classes), at least 2.
    noise : float, default=0.2
        Standard deviation of the Gaussian noise on the angle, in radians.
    seed : int or None, default=None
        Seed of the ``numpy.random.Generator``.

    Returns
    -------
    X : ndarray of float32 of shape (n_samples, 2)
        Points inside the unit disc.
    y : ndarray of int64 of shape (n_samples,)
        Labels in ``[0, n_classes)``.

    Examples
    --------
    >>> X, y = make_spirals(300, n_classes=3, seed=0)
    >>> X.shape, np.bincount(y).tolist()
    ((300, 2), [100, 100, 100])
    """
    n_samples, n_classes, noise = _check_common(n_samples, n_classes, noise)
    rng = np.random.default_rng(seed)
    y = np.sort(_balanced_labels(n_samples, n_classes))
    counts = np.bincount(y, minlength=n_classes)
    radius = np.concatenate([np.linspace(0.0, 1.0, c) for c in counts])
    angle = 2.0 * np.pi * y / n_classes + _SPIRAL_SWEEP * radius
    angle += noise * rng.standard_normal(n_samples)
    X = radius[:, None] * np.column_stack([np.cos(angle), np.sin(angle)])
    return _shuffled(X, y, rng)


def blob_centers(n_classes: int = 3) -> np.ndarray:
    """Centres used by :func:`make_blobs`: evenly spaced on a circle of radius 5.

    Centre ``k`` is ``5 (cos(2 pi k / n_classes), sin(2 pi k / n_classes))``.

    Parameters
    ----------
    n_classes : int, default=3
        Number of centres, at least 2.

    Returns
    -------
    ndarray of float64 of shape (n_classes, 2)
    """
    n_classes = check_int(n_classes, "n_classes", minimum=2)
    angle = 2.0 * np.pi * np.arange(n_classes) / n_classes
    return _BLOB_RADIUS * np.column_stack([np.cos(angle), np.sin(angle)])


def make_blobs(n_samples: int = 400, *, n_classes: int = 3, noise: float = 1.0,
               seed: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Isotropic Gaussian blobs, one per class, around the centres of :func:`blob_centers`.

    Parameters
    ----------
    n_samples : int, default=400
        Total number of points, at least ``n_classes``.
    n_classes : int, default=3
        Number of blobs (classes), at least 2.
    noise : float, default=1.0
        Standard deviation of each blob along each axis.
    seed : int or None, default=None
        Seed of the ``numpy.random.Generator``.

    Returns
    -------
    X : ndarray of float32 of shape (n_samples, 2)
    y : ndarray of int64 of shape (n_samples,)
        Labels in ``[0, n_classes)``; class ``k`` is centred on ``blob_centers(n_classes)[k]``.

    Examples
    --------
    >>> X, y = make_blobs(6, n_classes=3, noise=0.0, seed=0)
    >>> bool(np.allclose(X, blob_centers(3)[y], atol=1e-6))
    True
    """
    n_samples, n_classes, noise = _check_common(n_samples, n_classes, noise)
    rng = np.random.default_rng(seed)
    y = _balanced_labels(n_samples, n_classes)
    X = blob_centers(n_classes)[y] + noise * rng.standard_normal((n_samples, 2))
    return _shuffled(X, y, rng)
