"""Classification losses on scores, each returning ``(loss, dscores)``.

Convention (used everywhere in ranvier): a batch ``X`` has shape ``(m, n)``, the
scores ``S = X W^T + b`` have shape ``(m, c)`` and the labels ``y`` are integers in
``[0, c)`` of shape ``(m,)``.  Every loss is the *mean* over the ``m`` examples and
``dscores`` is the exact gradient of that mean with respect to ``S``.

All three losses are exact and finite for scores of any magnitude a float can hold
well (the lecture's scores are 300, 500 and -150; the tests use 1e4): the softmax
works with scores shifted by their row maximum, so ``exp`` never overflows.

Near the top of the dtype's range (float32 scores near 3e38, float16 near 6e4)
a difference of two scores, or a sum of squares, no longer fits in the dtype,
though the loss (a Python float) and the gradient do.  The usual computation
runs as long as it cannot overflow; otherwise the part that would is redone
in float64 (on halved scores for float64 input), so the loss stays finite
wherever its exact value is, and the gradient is the exact one, rounded to
the dtype.

Sample weights
--------------
Each loss takes ``sample_weight`` (non-negative, one per row).  The loss is
then the weighted mean of the per-example losses ``l_i`` and ``dscores`` its
exact gradient::

    L = sum_i w_i l_i / sum_i w_i,      dL/ds_i = (w_i / sum_k w_k) dl_i/ds_i

With all weights equal this is the plain mean; without ``sample_weight`` the
plain mean is computed exactly as before, bit for bit.  Integer weights
count examples: weight 2 is the row written twice.  A batch whose weights
are all 0 (possible in a minibatch) has loss 0 and a zero gradient.
"""

from __future__ import annotations

import math
from typing import Callable

import numpy as np

from .._validation import check_labels, check_scores

__all__ = [
    "LOSSES",
    "get_loss",
    "log_softmax",
    "loss_name",
    "multiclass_hinge",
    "softmax",
    "softmax_cross_entropy",
    "squared_error",
]
# check_sample_weight is public for the Trainer and the estimators, not re-exported

LossFn = Callable[..., "tuple[float, np.ndarray]"]


def log_softmax(scores: np.ndarray) -> np.ndarray:
    """Log-probabilities ``s_j - log(sum_k exp(s_k))``, computed stably row by row.

    Parameters
    ----------
    scores : ndarray of shape (m, c)

    Returns
    -------
    ndarray of shape (m, c), same dtype as ``scores`` (float64 for integer input).
    """
    scores = check_scores(scores)
    with np.errstate(over="ignore"):  # s - max below the dtype's range: -inf, the exact value rounded
        shifted = scores - scores.max(axis=1, keepdims=True)
        # After the shift the row maximum is 0, so the sum is in [1, c]: no overflow,
        # and exp of very negative numbers underflows quietly to 0.
        shifted -= np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    return shifted


def softmax(scores: np.ndarray) -> np.ndarray:
    """Class probabilities ``exp(s_i) / sum_j exp(s_j)`` for each row of scores.

    Parameters
    ----------
    scores : ndarray of shape (m, c)

    Returns
    -------
    ndarray of shape (m, c)
        Each row is non-negative and sums to 1 (up to rounding).

    Examples
    --------
    >>> softmax(np.array([[300.0, 500.0, -150.0]])).round(6)
    array([[0., 1., 0.]])
    """
    scores = check_scores(scores)
    with np.errstate(over="ignore"):  # s - max below the dtype's range: -inf, whose exp is 0
        probs = scores - scores.max(axis=1, keepdims=True)
    np.exp(probs, out=probs)
    probs /= probs.sum(axis=1, keepdims=True)
    return probs


def softmax_cross_entropy(
    scores: np.ndarray, y: np.ndarray, *, out: np.ndarray | None = None, sample_weight: np.ndarray | None = None
) -> tuple[float, np.ndarray]:
    """Softmax cross-entropy (the maximum-likelihood loss) and its gradient.

    The lecture's log-sum-exp form, averaged over the batch::

        L = (1/m) * sum_i [ log(sum_j exp(s_ij)) - s_{i, y_i} ]
        dL/ds_ij = (p_ij - [j == y_i]) / m,    p = softmax(s)

    With ``sample_weight`` ``w``: ``L = sum_i w_i l_i / sum_i w_i`` and
    ``dL/ds_ij = w_i (p_ij - [j == y_i]) / sum_k w_k`` (PyTorch's
    ``CrossEntropyLoss(weight=cw)`` is ``w_i = cw[y_i]``).

    Parameters
    ----------
    scores : ndarray of shape (m, c)
    y : ndarray of int of shape (m,)
        True class of each row, in ``[0, c)``.
    out : ndarray of shape (m, c), optional
        Where to write ``dscores`` (it may be ``scores`` itself); saves an
        allocation in a training loop.
    sample_weight : ndarray of shape (m,), optional
        Non-negative weight of each row (see the module's notes).

    Returns
    -------
    loss : float
    dscores : ndarray of shape (m, c), same dtype as ``scores``.
    """
    scores = check_scores(scores)
    y = check_labels(y, scores)
    return _softmax_cross_entropy(scores, y, out, check_sample_weight(sample_weight, scores.shape[0]))


def _softmax_cross_entropy(scores: np.ndarray, y: np.ndarray, out: np.ndarray | None,
                           w: np.ndarray | None = None) -> tuple[float, np.ndarray]:
    # the math of softmax_cross_entropy, for inputs already checked (a training loop's batches)
    m = scores.shape[0]
    rows = np.arange(m)
    row_max = scores.max(axis=1, keepdims=True)
    true = scores[rows, y]  # taken before out may overwrite scores
    with np.errstate(over="ignore"):  # s - max below the dtype's range is -inf: its exp is 0, as it should be
        true_shifted = true - row_max[:, 0]
        probs = np.subtract(scores, row_max, out=out)
        np.exp(probs, out=probs)  # exp(s - max): at most 1, never overflows
        sums = probs.sum(axis=1)
        if w is not None:
            return _softmax_weighted(probs, sums, row_max[:, 0] - true.astype(np.float64), rows, y, w)
        loss = float(np.mean(np.log(sums) - true_shifted))
        if not math.isfinite(loss):  # s_y - max, or the mean, overflowed the dtype: the same sum in float64
            loss = float(np.sum((np.log(sums.astype(np.float64)) + (row_max[:, 0].astype(np.float64) - true)) / m))
    probs /= sums[:, None]
    probs[rows, y] -= 1
    probs /= m
    return loss, probs


def _softmax_weighted(probs, sums, gap, rows, y, w) -> tuple[float, np.ndarray]:
    # the weighted mean of the per-row losses log(sum_j exp(s_ij - max)) + (max - s_iy), in float64 (gap)
    per_row = np.log(sums.astype(np.float64)) + gap
    loss, scale = _weighted(per_row, w)
    probs /= sums[:, None]
    probs[rows, y] -= 1
    probs *= scale[:, None].astype(probs.dtype)
    return loss, probs


def check_sample_weight(sample_weight, m: int, name: str = "sample_weight") -> np.ndarray | None:
    """``sample_weight`` as a float64 array of ``m`` finite non-negative weights with a positive sum (None stays None)."""
    if sample_weight is None:
        return None
    w = np.asarray(sample_weight)
    if w.ndim != 1 or w.shape[0] != m:
        raise ValueError(f"{name} must be a 1-D array of one weight per row ({m}), got shape {w.shape}")
    if not (np.issubdtype(w.dtype, np.integer) or np.issubdtype(w.dtype, np.floating) or w.dtype == np.bool_):
        raise TypeError(f"{name} must hold real numbers, got dtype {w.dtype}")
    w = w.astype(np.float64)
    if not np.all(np.isfinite(w)) or np.any(w < 0):
        raise ValueError(f"{name} must be finite and >= 0, got values in [{w.min()}, {w.max()}]")
    if not w.sum() > 0:
        raise ValueError(f"{name} sums to 0; give at least one row a positive weight")
    return w


def _weighted(per_row: np.ndarray, w: np.ndarray) -> tuple[float, np.ndarray]:
    """``(sum_i w_i l_i / W, w / W)`` with ``W = sum_i w_i``; ``(0, zeros)`` when ``W`` is 0."""
    total = float(w.sum())
    if total == 0:
        return 0.0, np.zeros_like(w)
    scale = w / total
    with np.errstate(over="ignore", invalid="ignore"):  # inf only where a per-row loss is past float64's range
        return float(np.dot(scale, per_row)), scale


def multiclass_hinge(
    scores: np.ndarray, y: np.ndarray, margin: float = 1.0, *, out: np.ndarray | None = None,
    sample_weight: np.ndarray | None = None,
) -> tuple[float, np.ndarray]:
    """Multiclass SVM hinge loss and its subgradient (the lecture's SVM loss).

    ::

        L = (1/m) * sum_i sum_{j != y_i} max(0, margin + s_ij - s_{i, y_i})

    With ``z_ij = margin + s_ij - s_{i, y_i}``, the subgradient used is the
    lecture's: ``dL/ds_ij = [z_ij > 0] / m`` for ``j != y_i`` and
    ``dL/ds_{i, y_i} = -(sum_{j != y_i} [z_ij > 0]) / m``.  At ``z_ij == 0``
    exactly the indicator is 0.  With ``sample_weight`` ``w`` the ``1/m``
    becomes ``w_i / sum_k w_k`` in the loss and the subgradient.

    This is the sum over wrong classes (CS231n); PyTorch's ``MultiMarginLoss``
    additionally divides by the number of classes.

    Parameters
    ----------
    scores : ndarray of shape (m, c)
    y : ndarray of int of shape (m,)
    margin : float, default 1.0
        The margin ``delta``; must be >= 0.
    out : ndarray of shape (m, c), optional
        Where to write ``dscores`` (it may be ``scores`` itself).
    sample_weight : ndarray of shape (m,), optional
        Non-negative weight of each row (see the module's notes).

    Returns
    -------
    loss : float
    dscores : ndarray of shape (m, c), same dtype as ``scores``.
    """
    scores = check_scores(scores)
    y = check_labels(y, scores)
    margin = float(margin)
    if not (margin >= 0 and np.isfinite(margin)):
        raise ValueError(f"margin must be a finite number >= 0, got {margin}")
    return _multiclass_hinge(scores, y, margin, out, check_sample_weight(sample_weight, scores.shape[0]))


def _multiclass_hinge(scores: np.ndarray, y: np.ndarray, margin: float, out: np.ndarray | None,
                      w: np.ndarray | None = None) -> tuple[float, np.ndarray]:
    # the math of multiclass_hinge, for inputs already checked
    if _may_overflow(scores, margin):
        return _multiclass_hinge_wide(scores, y, margin, out, w)
    m = scores.shape[0]
    rows = np.arange(m)
    z = np.subtract(scores, scores[rows, y][:, None], out=out)
    z += margin
    z[rows, y] = 0  # the true class contributes no term
    np.maximum(z, 0, out=z)
    if w is not None:
        loss, scale = _weighted(z.sum(axis=1, dtype=np.float64), w)
    else:
        loss = float(z.sum() / m)
    np.sign(z, out=z)  # z >= 0, so this is the indicator [z > 0]
    z[rows, y] = -z.sum(axis=1)
    if w is not None:
        z *= scale[:, None].astype(z.dtype)
    else:
        z /= m
    return loss, z


def squared_error(
    scores: np.ndarray, y: np.ndarray, *, out: np.ndarray | None = None, sample_weight: np.ndarray | None = None
) -> tuple[float, np.ndarray]:
    """Half the squared error between scores and targets, averaged over the batch.

    ::

        L = (1/m) * sum_i 0.5 * ||s_i - t_i||^2
        dL/ds_i = (s_i - t_i) / m

    With ``sample_weight`` ``w``: ``L = sum_i w_i 0.5 ||s_i - t_i||^2 / sum_i w_i``
    and ``dL/ds_i = w_i (s_i - t_i) / sum_k w_k``.

    The factor 0.5 is the lecture's XOR cost ``J = 1/2 sum (g(x) - y)^2`` (and
    scikit-learn's ``squared_loss``); it makes the gradient the plain residual.

    Parameters
    ----------
    scores : ndarray of shape (m, c)
    y : ndarray of shape (m,) of int, or ndarray of shape (m, c) of float
        Integer class labels, turned into one-hot targets (the lecture's first
        attempt at classification), or real-valued targets of the same shape
        as ``scores`` (regression; a 1-D array, integer or float, is taken as
        the values themselves when c == 1).
    out : ndarray of shape (m, c), optional
        Where to write ``dscores`` (it may be ``scores`` itself).
    sample_weight : ndarray of shape (m,), optional
        Non-negative weight of each row (see the module's notes).

    Returns
    -------
    loss : float
    dscores : ndarray of shape (m, c), same dtype as ``scores``.
    """
    scores = check_scores(scores)
    w = check_sample_weight(sample_weight, scores.shape[0])
    y_arr = np.asarray(y)
    # integer labels become one-hot targets, except for a single output: then they are values
    if y_arr.ndim == 1 and np.issubdtype(y_arr.dtype, np.integer) and scores.shape[1] > 1:
        y_arr = check_labels(y_arr, scores)
    else:
        y_arr = _check_targets(y_arr, scores)
    return _squared_error(scores, y_arr, out, w)


def _multiclass_hinge_wide(scores: np.ndarray, y: np.ndarray, margin: float,
                           out: np.ndarray | None, w: np.ndarray | None = None) -> tuple[float, np.ndarray]:
    # multiclass_hinge for scores so large that s_j - s_y would overflow their dtype: the same
    # terms, halved (exactly, but for subnormal numbers) and in float64, where they fit; the loss
    # is twice their mean
    m = scores.shape[0]
    rows = np.arange(m)
    z = scores.astype(np.float64) * 0.5
    z -= z[rows, y][:, None]
    z += 0.5 * margin
    z[rows, y] = 0
    np.maximum(z, 0, out=z)
    with np.errstate(over="ignore"):  # inf only where the exact loss is past float64's range too
        if w is not None:
            half, scale = _weighted(z.sum(axis=1), w)
            loss = 2 * half
        else:
            loss = 2 * float(np.sum(z / m))
    np.sign(z, out=z)
    z[rows, y] = -z.sum(axis=1)
    if w is not None:
        z *= scale[:, None]
    else:
        z /= m
    return loss, _as_scores(z, scores, out)


def _squared_error(scores: np.ndarray, y: np.ndarray, out: np.ndarray | None,
                   w: np.ndarray | None = None) -> tuple[float, np.ndarray]:
    # the math of squared_error, for checked inputs: 1-D integer labels (one-hot) or targets shaped like scores
    if w is not None:
        return _squared_error_weighted(scores, y, out, w)
    m = scores.shape[0]
    if y.ndim == 1:  # s - onehot never overflows
        diff = scores.copy() if out is None else _copy_into(scores, out)
        diff[np.arange(m), y] -= 1
    elif _may_overflow(scores, 0.0, y):  # s - t would: halves of it in float64, where even float64's fit
        half = np.multiply(scores, 0.5, dtype=np.float64)
        half -= np.multiply(y, 0.5, dtype=np.float64)
        loss = 4 * _half_mean_square(half, m)
        half /= m
        with np.errstate(over="ignore"):  # past float64's range only where the exact gradient is too
            half *= 2  # (h / m) * 2 is (s - t) / m rounded once: doubling is exact
        return loss, _as_scores(half, scores, out)
    else:
        diff = np.subtract(scores, y, out=out)
    loss = 0.5 * float(np.vdot(diff, diff)) / m  # a dot product: inf on overflow, without a warning
    if not math.isfinite(loss):  # the sum of squares overflowed the dtype, not the loss
        loss = _half_mean_square(diff, m)
    diff /= m
    return loss, diff


def _squared_error_weighted(scores: np.ndarray, y: np.ndarray, out: np.ndarray | None,
                            w: np.ndarray) -> tuple[float, np.ndarray]:
    # halves of s - t in float64, where they cannot overflow: l_i = 2 ||h_i||^2 and dL/ds_i = 2 h_i w_i / W
    half = np.multiply(scores, 0.5, dtype=np.float64)
    if y.ndim == 1:
        half[np.arange(scores.shape[0]), y] -= 0.5
    else:
        half -= np.multiply(y, 0.5, dtype=np.float64)
    with np.errstate(over="ignore"):  # past float64's range only where the exact value is too
        loss, scale = _weighted(2 * np.einsum("ij,ij->i", half, half), w)
        half *= 2 * scale[:, None]
    return loss, _as_scores(half, scores, out)


def _half_mean_square(diff: np.ndarray, m: int) -> float:
    """``0.5 * ||diff||^2 / m`` in float64, through the scaled norm ``a ||diff / a||``, ``a = max |diff|``.

    Nothing overflows before the loss itself does (past 1.8e308).
    """
    wide = np.abs(diff, dtype=np.float64).ravel()
    a = float(wide.max())
    if not 0 < a < math.inf:
        return 0.5 * a * a / m
    wide /= a
    root = a * (math.sqrt(float(np.dot(wide, wide))) / math.sqrt(m))
    return 0.5 * root * root  # a Python float: inf, not an error, past its range


_TOP: dict[np.dtype, float] = {}  # the largest number of each float dtype


def _may_overflow(scores: np.ndarray, margin: float, targets: np.ndarray | None = None) -> bool:
    """Whether ``s - t`` (``t`` a target, or another score plus ``margin``) could leave the dtype's range.

    For hinge terms (no ``targets``) the bound is that of their sum over the batch.
    """
    top = _TOP.get(scores.dtype) or _TOP.setdefault(scores.dtype, float(np.finfo(scores.dtype).max))
    big = max(float(scores.max()), -float(scores.min()))
    if targets is not None:
        return big + max(float(targets.max()), -float(targets.min())) >= top
    m, c = scores.shape
    return (2 * big + margin) * m * (c - 1) >= top


def _as_scores(values: np.ndarray, scores: np.ndarray, out: np.ndarray | None) -> np.ndarray:
    """``values`` (float64) rounded to the dtype of ``scores``, written into ``out`` when given."""
    with np.errstate(over="ignore"):  # a gradient entry past the dtype's range is inf, as its exact value
        if out is None:
            return values.astype(scores.dtype)
        np.copyto(out, values, casting="unsafe")
        return out


def _copy_into(src: np.ndarray, out: np.ndarray) -> np.ndarray:
    if out is not src:
        np.copyto(out, src)
    return out


def _check_targets(targets: np.ndarray, scores: np.ndarray) -> np.ndarray:
    if targets.ndim == 1 and scores.shape[1] == 1:
        targets = targets[:, None]
    if targets.shape != scores.shape:
        raise ValueError(
            f"y must hold integer labels of shape ({scores.shape[0]},) or real targets "
            f"of the scores' shape {scores.shape}, got shape {targets.shape}"
        )
    if not np.issubdtype(targets.dtype, np.number) or np.issubdtype(targets.dtype, np.complexfloating):
        raise TypeError(f"y must be numeric, got dtype {targets.dtype}")
    if not np.all(np.isfinite(targets)):
        raise ValueError("y contains NaN or infinity; clean the targets first")
    return targets.astype(scores.dtype, copy=False)


LOSSES: dict[str, LossFn] = {
    "softmax": softmax_cross_entropy,
    "svm": multiclass_hinge,
    "squared": squared_error,
}
"""Loss functions by name: ``softmax``, ``svm`` (multiclass hinge), ``squared``."""


def _unchecked_loss(name: str, scores: np.ndarray, y: np.ndarray, out: np.ndarray | None,
                    w: np.ndarray | None = None, margin: float = 1.0) -> tuple[float, np.ndarray]:
    """The loss ``name`` (``softmax``, ``svm``, ``squared``) of inputs already checked: no checks of its own.

    The math of the public losses, for a training loop that checks its labels
    and weights once per run and the scores of every batch for finiteness
    (:mod:`ranvier.train.step`); the public losses check their inputs each call.
    """
    if name == "svm":
        return _multiclass_hinge(scores, y, margin, out, w)
    if name == "softmax":
        return _softmax_cross_entropy(scores, y, out, w)
    return _squared_error(scores, y, out, w)


_ALIASES = {
    "cross_entropy": "softmax",
    "cross-entropy": "softmax",
    "softmax_cross_entropy": "softmax",
    "hinge": "svm",
    "multiclass_hinge": "svm",
    "squared_error": "squared",
    "mse": "squared",
}


def loss_name(name: str) -> str:
    """The canonical name (``softmax``, ``svm`` or ``squared``) of a loss or alias.

    Raises
    ------
    ValueError
        For an unknown name; the message lists the valid ones.
    """
    if not isinstance(name, str):
        raise TypeError(f"loss must be a name such as 'softmax', got {type(name).__name__}")
    key = _ALIASES.get(name.lower(), name.lower())
    if key not in LOSSES:
        raise ValueError(f"unknown loss {name!r}; choose one of: {', '.join(LOSSES)}")
    return key


def get_loss(name: str) -> LossFn:
    """Look a loss function up by name (``softmax``, ``svm``, ``squared`` or an alias).

    Raises
    ------
    ValueError
        For an unknown name; the message lists the valid ones.
    """
    return LOSSES[loss_name(name)]
