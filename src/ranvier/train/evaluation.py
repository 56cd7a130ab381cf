"""Measuring a model on data: :func:`evaluate` (the loss with its L2 term, and the accuracy), in chunks.

The data are checked once (:func:`_check_data`); the chunks then run
through the model's workspaces with the training step's pieces
(:mod:`ranvier.train.step`: the scores' finiteness, the loss of labels
checked once), the rows of a split gathered a chunk at a time
(:class:`~ranvier.train.streaming._Rows`).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .._validation import all_finite
from .step import batch_data_loss, scores_finite
from .streaming import _Rows

__all__ = ["evaluate"]


def _check_data(model, X, y, x_name: str, y_name: str) -> tuple[np.ndarray, np.ndarray]:
    """``X`` as the model's dtype, ``y`` as int64 labels or (m, c) targets of that dtype; checked."""
    X = model._check_X(X, name=x_name)
    y = np.asarray(y)
    if len(y) != len(X):
        raise ValueError(f"{x_name} has {len(X)} rows but {y_name} has {len(y)} labels; pass one label per row")
    regression_values = model.loss_name == "squared" and model.n_outputs == 1
    if y.ndim == 1 and np.issubdtype(y.dtype, np.integer) and not regression_values:
        c = model.n_outputs
        if y.min() < 0 or y.max() >= c:
            raise ValueError(
                f"{y_name} must hold class labels in [0, {c}) for a model with {c} outputs, "
                f"got values in [{y.min()}, {y.max()}]"
            )
        return X, y.astype(np.int64, copy=False)
    if model.loss_name != "squared":
        raise TypeError(f"{y_name} must hold integer class labels, got dtype {y.dtype} of shape {y.shape}")
    y = y.astype(model.dtype, copy=False)
    if y.ndim == 1:
        y = y[:, None]
    if y.shape != (len(X), model.n_outputs) or not all_finite(y):
        raise ValueError(f"{y_name} must be finite targets of shape ({len(X)}, {model.n_outputs})")
    return X, y


def evaluate(model, X: np.ndarray, y: np.ndarray, batch_size: int = 2000, *,
             sample_weight=None) -> tuple[float, float | None]:
    """Mean loss (data loss plus the L2 term) and accuracy, in chunks.

    ``X`` and ``y`` are checked as :meth:`Trainer.evaluate` checks them.  The
    accuracy is None for real-valued targets.  With ``sample_weight`` both
    are weighted means (``sum_i w_i l_i / sum_i w_i``).
    """
    X, y = _check_data(model, X, y, "X", "y")
    w = None if sample_weight is None else _checked_weights(sample_weight, len(X))
    return _evaluate(model, X, y, batch_size, sample_weight=w)


def _checked_weights(sample_weight, m: int, name: str = "sample_weight") -> np.ndarray:
    from ..nn.losses import check_sample_weight

    return check_sample_weight(sample_weight, m, name)


def _evaluate(model, X, y: np.ndarray, batch_size: int = 2000,
              workspaces: dict[int, Any] | None = None, sample_weight=None) -> tuple[float, float | None]:
    """evaluate() for checked data, in evaluation mode (no dropout, running statistics), the mode restored.

    ``workspaces`` (chunk size -> workspace) may be kept by a caller that evaluates again and again.
    """
    training = getattr(model, "training", False)
    if training:
        model.eval()
    try:
        if sample_weight is not None:
            return _evaluate_weighted(model, X, y, batch_size, workspaces, sample_weight)
        return _evaluate_chunks(model, X, y, batch_size, workspaces)
    finally:
        if training:
            model.train()


def _evaluate_chunks(model, X, y: np.ndarray, batch_size: int,
                     workspaces: dict[int, Any] | None) -> tuple[float, float | None]:
    # X of the model's dtype, or _Rows of it; y as _check_data makes it
    m = len(X)
    total_loss, correct = 0.0, 0
    workspaces = {} if workspaces is None else workspaces
    for start in range(0, m, batch_size):
        yb = y[start : start + batch_size]
        k = len(yb)
        ws = workspaces.get(k) or workspaces.setdefault(k, model.workspace(k))
        xb = X.take(start, k) if isinstance(X, _Rows) else X[start : start + batch_size]
        scores = model._forward_into(xb, ws)
        if not scores_finite(scores):  # the parameters blew up: no meaningful loss
            return math.nan, None if y.ndim != 1 else 0.0
        if yb.ndim == 1:
            correct += int(np.count_nonzero(scores.argmax(axis=1) == yb))
        total_loss += batch_data_loss(model, scores, yb, ws) * k
    accuracy = correct / m if y.ndim == 1 else None
    return total_loss / m + model.reg_loss(), accuracy


def _evaluate_weighted(model, X, y: np.ndarray, batch_size: int, workspaces: dict[int, Any] | None,
                       w: np.ndarray) -> tuple[float, float | None]:
    # _evaluate_chunks with weights: sum_i w_i l_i / sum_i w_i, and the weight of the rows predicted right
    total_loss, correct, total = 0.0, 0.0, float(w.sum())
    workspaces = {} if workspaces is None else workspaces
    for start in range(0, len(X), batch_size):
        yb, wb = y[start : start + batch_size], w[start : start + batch_size]
        k = len(yb)
        ws = workspaces.get(k) or workspaces.setdefault(k, model.workspace(k))
        xb = X.take(start, k) if isinstance(X, _Rows) else X[start : start + batch_size]
        scores = model._forward_into(xb, ws)
        if not scores_finite(scores):
            return math.nan, None if y.ndim != 1 else 0.0
        if yb.ndim == 1:
            correct += float(wb[scores.argmax(axis=1) == yb].sum())
        total_loss += batch_data_loss(model, scores, yb, ws, wb) * float(wb.sum())
    accuracy = correct / total if y.ndim == 1 else None
    return total_loss / total + model.reg_loss(), accuracy

