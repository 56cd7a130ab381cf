"""MNIST-1D, generated offline by the published recipe.

MNIST-1D (Greydanus, 2020, "Scaling down deep learning", arXiv:2011.14439;
https://github.com/greydanus/mnist1d) is a procedurally generated, one-dimensional
analogue of MNIST: ten hand-designed templates of 12 points, one per digit, are
each passed through a random pipeline that makes them hard to tell apart for a
linear model yet easy for a small CNN.  The published baselines on the default
data are about 32% test accuracy for logistic regression, 68% for an MLP, 91% for
a GRU and 94% for a CNN.

The pipeline, for every example (all randomness from one ``numpy.random.Generator``):

1. **pad**: append ``p`` zeros to the template, ``p`` uniform in ``padding`` (inclusive);
2. **dilate**: stretch the padded signal (linear interpolation) to
   ``12 + padding[1]`` points, so the digit occupies a random fraction of the row;
3. **scale**: multiply by ``1 + scale_coeff (u - 1/2)``, ``u`` uniform in [0, 1);
4. **translate**: roll circularly right by ``k`` uniform in ``0 .. max_translation-1``;
5. **correlated noise**: every point outside the digit is replaced by white noise of
   standard deviation ``corr_noise_scale`` smoothed by a Gaussian filter (sigma 2);
6. **white noise** of standard deviation ``iid_noise_scale`` is added everywhere;
7. **shear**: subtract ``c * linspace(-1/2, 1/2)`` with ``c = shear_scale (u - 1/2)``;
8. **resample**: linear interpolation down to ``final_seq_length`` points.

The examples of all classes are then shuffled (and, if ``shuffle_seq``, the 40
positions are permuted by one shared permutation), and the whole set is
standardised by its global mean and standard deviation.  :func:`load_mnist1d`
splits the first 80% off as the training set, as the recipe does.

This is ranvier's own implementation.  It reproduces the recipe's templates,
defaults, transform order and distributions, but not the bits of the published
``mnist1d_data.pkl``, which was drawn from NumPy's global random state.
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass

import numpy as np

from .._validation import check_int, check_positive

__all__ = ["MNIST1D_CLASS_NAMES", "load_mnist1d", "make_mnist1d", "mnist1d_templates"]

MNIST1D_CLASS_NAMES = [str(d) for d in range(10)]

# The hand-designed digit shapes (Greydanus, 2020): 12 points each, starting and
# ending at the same level so that the normalised template starts and ends at 0.
_TEMPLATE_VALUES = (
    (5, 6, 6.5, 6.75, 7, 7, 7, 7, 6.75, 6.5, 6, 5),
    (5, 3, 3, 3.4, 3.8, 4.2, 4.6, 5, 5.4, 5.8, 5, 5),
    (5, 6, 6.5, 6.5, 6, 5.25, 4.75, 4, 3.5, 3.5, 4, 5),
    (5, 6, 6.5, 6.5, 6, 5, 5, 6, 6.5, 6.5, 6, 5),
    (5, 4.4, 3.8, 3.2, 2.6, 2.6, 5, 5, 5, 5, 5, 5),
    (5, 3, 3, 3, 3, 5, 6, 6.5, 6.5, 6, 4.5, 5),
    (5, 4, 3.5, 3.25, 3, 3, 3, 3, 3.25, 3.5, 4, 5),
    (5, 7, 7, 6.6, 6.2, 5.8, 5.4, 5, 4.6, 4.2, 5, 5),
    (5, 4, 3.5, 3.5, 4, 5, 5, 4, 3.5, 3.5, 4, 5),
    (5, 4, 3.5, 3.5, 4, 5, 5, 5, 5, 4.7, 4.3, 5),
)
_TRAIN_FRACTION = 0.8
# The correlated noise is white noise through a Gaussian filter of this width, cut
# at 4 sigma with mirrored ends (scipy.ndimage.gaussian_filter's defaults).
_CORR_SIGMA = 2.0
_CORR_TRUNCATE = 4.0


def mnist1d_templates() -> np.ndarray:
    """The ten MNIST-1D digit templates, normalised as in the recipe.

    Each row of hand-designed values is standardised (zero mean, unit standard
    deviation), shifted so that it starts at 0 and divided by 6.

    Returns
    -------
    ndarray of float64 of shape (10, 12)
        Row ``d`` is the template of digit ``d``; a fresh copy on every call.
    """
    x = np.array(_TEMPLATE_VALUES, dtype=np.float64)
    x -= x.mean(axis=1, keepdims=True)
    x /= x.std(axis=1, keepdims=True)
    x -= x[:, :1]
    return x / 6.0


@dataclass(frozen=True)
class _Recipe:
    """The validated options of the transform pipeline (see :func:`make_mnist1d`)."""

    padding: tuple[int, int]
    scale_coeff: float
    max_translation: int
    corr_noise_scale: float
    iid_noise_scale: float
    shear_scale: float
    final_seq_length: int


def _check_padding(padding: tuple[int, int]) -> tuple[int, int]:
    """Return ``padding`` as ``(low, high)`` after checking ``0 <= low <= high``."""
    try:
        low, high = padding
    except (TypeError, ValueError):
        raise TypeError(f"padding must be a pair (low, high) of integers, got {padding!r}") from None
    ok = all(isinstance(v, numbers.Integral) and not isinstance(v, bool) for v in (low, high))
    if not ok or not 0 <= low <= high:
        raise ValueError(f"padding must be a pair of integers with 0 <= low <= high, got {padding!r}")
    return int(low), int(high)


def _check_flag(value: bool, name: str) -> bool:
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False, got {value!r}")
    return bool(value)


def _gaussian_smooth(noise: np.ndarray, sigma: float = _CORR_SIGMA) -> np.ndarray:
    """Smooth each row with a normalised Gaussian kernel and mirrored ends.

    Equal to ``scipy.ndimage.gaussian_filter1d(noise, sigma, axis=1)`` (mode
    ``"reflect"``, truncated at 4 sigma), written in NumPy.
    """
    radius = int(_CORR_TRUNCATE * sigma + 0.5)
    offsets = np.arange(-radius, radius + 1)
    kernel = np.exp(-0.5 * (offsets / sigma) ** 2)
    kernel /= kernel.sum()
    padded = np.pad(noise, ((0, 0), (radius, radius)), mode="symmetric")
    windows = np.lib.stride_tricks.sliding_window_view(padded, kernel.size, axis=1)
    return windows @ kernel


def _interp_rows(x: np.ndarray, positions: np.ndarray) -> np.ndarray:
    """Linear interpolation of every row of ``x`` at fractional indices ``positions``.

    ``positions`` has shape ``(n, m)`` or ``(m,)`` and lies in ``[0, x.shape[1] - 1]``.
    """
    positions = np.broadcast_to(positions, (x.shape[0], np.shape(positions)[-1]))
    left = np.clip(np.floor(positions).astype(np.intp), 0, x.shape[1] - 2)
    frac = positions - left
    x_left = np.take_along_axis(x, left, axis=1)
    x_right = np.take_along_axis(x, left + 1, axis=1)
    return x_left + frac * (x_right - x_left)


def _pad_and_dilate(templates: np.ndarray, pads: np.ndarray, length: int
                    ) -> tuple[np.ndarray, np.ndarray]:
    """Steps 1-2: append ``pads[i]`` zeros to row ``i`` and stretch it to ``length`` points.

    Returns the rows and a mask of the points that the digit (not the padding)
    contributes to; the recipe finds them as the nonzero values after adding 1e-8
    to the template, which is the same set as ``source position < template length``.
    """
    n, template_len = templates.shape
    buffer = np.zeros((n, length))
    buffer[:, :template_len] = templates
    steps = (template_len + pads - 1) / (length - 1)
    positions = steps[:, None] * np.arange(length)
    return _interp_rows(buffer, positions), positions < template_len


def _roll_rows(x: np.ndarray, shifts: np.ndarray) -> np.ndarray:
    """Roll row ``i`` of ``x`` circularly right by ``shifts[i]``."""
    length = x.shape[1]
    source = (np.arange(length) - shifts[:, None]) % length
    return np.take_along_axis(x, source, axis=1)


def _transform(templates: np.ndarray, recipe: _Recipe, rng: np.random.Generator) -> np.ndarray:
    """Apply the random pipeline (steps 1-8 of the module docstring) to each row."""
    n = templates.shape[0]
    low, high = recipe.padding
    length = templates.shape[1] + high
    pads = rng.integers(low, high + 1, size=n)
    scales = 1.0 + recipe.scale_coeff * (rng.random(n) - 0.5)
    shifts = rng.integers(0, recipe.max_translation, size=n)
    corr_noise = _gaussian_smooth(recipe.corr_noise_scale * rng.standard_normal((n, length)))
    iid_noise = recipe.iid_noise_scale * rng.standard_normal((n, length))
    shears = recipe.shear_scale * (rng.random(n) - 0.5)

    x, digit = _pad_and_dilate(templates, pads, length)
    x *= scales[:, None]
    x, digit = _roll_rows(x, shifts), _roll_rows(digit, shifts)
    x = np.where(digit, x, corr_noise) + iid_noise
    x -= shears[:, None] * np.linspace(-0.5, 0.5, length)
    return _interp_rows(x, np.linspace(0.0, length - 1, recipe.final_seq_length))


# long function: the numpydoc of its eleven parameters is 50 of its lines; the code (23) reads the recipe in order
def make_mnist1d(*, n_samples: int = 5000, seed: int | None = 42,
                 padding: tuple[int, int] = (36, 60), scale_coeff: float = 0.4,
                 max_translation: int = 48, corr_noise_scale: float = 0.25,
                 iid_noise_scale: float = 0.02, shear_scale: float = 0.75,
                 final_seq_length: int = 40, shuffle_seq: bool = False,
                 standardize: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """Generate MNIST-1D examples by the recipe of Greydanus (2020).

    The defaults are the published ones and give the standard 5000-example set
    (see the module docstring for the pipeline).  Setting ``scale_coeff``,
    ``corr_noise_scale``, ``iid_noise_scale`` and ``shear_scale`` to 0,
    ``max_translation`` to 1 and ``padding`` to ``(0, 0)`` turns every random
    transform off: each row is then its template resampled to
    ``final_seq_length`` points (before standardisation).

    Parameters
    ----------
    n_samples : int, default=5000
        Number of examples, at least 10.  The classes get ``n_samples // 10``
        examples each, the first ``n_samples % 10`` digits one more.
    seed : int or None, default=42
        Seed of the ``numpy.random.Generator`` that draws every random choice.
    padding : (int, int), default=(36, 60)
        Inclusive range of the number of zeros appended to a template before it is
        stretched to ``12 + padding[1]`` points.
    scale_coeff : float, default=0.4
        Amplitudes are multiplied by a factor uniform in ``1 +- scale_coeff / 2``.
    max_translation : int, default=48
        Circular shifts are uniform in ``0 .. max_translation - 1``; 1 means none.
    corr_noise_scale : float, default=0.25
        Standard deviation of the white noise that, smoothed, fills the background.
    iid_noise_scale : float, default=0.02
        Standard deviation of the white noise added to every point.
    shear_scale : float, default=0.75
        The slope subtracted across the row is uniform in ``+- shear_scale / 2``.
    final_seq_length : int, default=40
        Number of points in each example, at least 2.
    shuffle_seq : bool, default=False
        Permute the positions of every example by one random permutation (the
        paper's test of spatial inductive bias).
    standardize : bool, default=True
        Subtract the global mean and divide by the global standard deviation of
        the generated set, as the recipe does.

    Returns
    -------
    X : ndarray of float32 of shape (n_samples, final_seq_length)
    y : ndarray of int64 of shape (n_samples,)
        Digits in ``[0, 10)``, in random order.

    Examples
    --------
    >>> X, y = make_mnist1d(n_samples=100, seed=0)
    >>> X.shape, X.dtype.name, np.bincount(y).tolist()
    ((100, 40), 'float32', [10, 10, 10, 10, 10, 10, 10, 10, 10, 10])
    """
    n_samples = check_int(n_samples, "n_samples", minimum=10)
    recipe = _Recipe(
        padding=_check_padding(padding),
        scale_coeff=check_positive(scale_coeff, "scale_coeff", allow_zero=True),
        max_translation=check_int(max_translation, "max_translation", minimum=1),
        corr_noise_scale=check_positive(corr_noise_scale, "corr_noise_scale", allow_zero=True),
        iid_noise_scale=check_positive(iid_noise_scale, "iid_noise_scale", allow_zero=True),
        shear_scale=check_positive(shear_scale, "shear_scale", allow_zero=True),
        final_seq_length=check_int(final_seq_length, "final_seq_length", minimum=2),
    )
    shuffle_seq = _check_flag(shuffle_seq, "shuffle_seq")
    standardize = _check_flag(standardize, "standardize")
    rng = np.random.default_rng(seed)

    y = np.arange(n_samples, dtype=np.int64) % len(_TEMPLATE_VALUES)
    X = _transform(mnist1d_templates()[y], recipe, rng)
    order = rng.permutation(n_samples)
    X, y = X[order], y[order]
    if shuffle_seq:
        X = X[:, rng.permutation(recipe.final_seq_length)]
    if standardize:
        X = (X - X.mean()) / max(X.std(), np.finfo(np.float64).tiny)
    return np.ascontiguousarray(X, dtype=np.float32), y


def load_mnist1d(*, seed: int | None = 42
                 ) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """The standard MNIST-1D set: 5000 examples split 4000 / 1000.

    Generates :func:`make_mnist1d` with the published defaults and takes the first
    80% as the training set and the rest as the test set, as the recipe does.
    Nothing is downloaded or cached; generation takes a few milliseconds.

    Parameters
    ----------
    seed : int or None, default=42
        Seed of the generator (42 is the published seed; the arrays differ from the
        published pickle, their distribution does not).

    Returns
    -------
    (X_train, y_train) : ndarray of float32 of shape (4000, 40), ndarray of int64 of shape (4000,)
    (X_test, y_test) : ndarray of float32 of shape (1000, 40), ndarray of int64 of shape (1000,)

    Examples
    --------
    >>> (X_train, y_train), (X_test, y_test) = load_mnist1d()
    >>> X_train.shape, X_test.shape
    ((4000, 40), (1000, 40))
    """
    X, y = make_mnist1d(seed=seed)
    split = int(len(y) * _TRAIN_FRACTION)
    return (X[:split], y[:split]), (X[split:], y[split:])
