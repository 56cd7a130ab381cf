"""Sample and class weights of a training set, and the BLAS threads of a run (the Trainer's helpers).

Class weights follow scikit-learn: ``"balanced"`` gives class ``c`` the weight
``n / (k * n_c)``, with ``n`` the training rows, ``k`` the number of classes
present and ``n_c`` the rows of class ``c`` (``compute_class_weight``); a
mapping gives some classes a weight, the others keep 1.  A row's weight is its
sample weight times its class's weight.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Mapping

import numpy as np

from ..nn.losses import check_sample_weight

__all__ = ["blas_threads", "check_class_weight", "check_clip_norm", "check_threads", "class_weights", "row_weights"]


def check_class_weight(class_weight):
    """``None``, ``"balanced"`` or a mapping of class to a finite weight >= 0; refused otherwise."""
    if class_weight is None or (isinstance(class_weight, str) and class_weight == "balanced"):
        return class_weight
    if not isinstance(class_weight, Mapping):
        raise ValueError(f"class_weight must be 'balanced' or a mapping of class to weight, got {class_weight!r}")
    for key, value in class_weight.items():
        if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)) \
                or not math.isfinite(value) or value < 0:
            raise ValueError(f"class_weight[{key!r}] must be a finite number >= 0, got {value!r}")
    return dict(class_weight)


def class_weights(class_weight, y: np.ndarray, n_classes: int) -> np.ndarray:
    """The weight of each class ``0 .. n_classes - 1`` for integer labels ``y`` (float64).

    Raises
    ------
    ValueError
        A mapping names a class that is not in ``[0, n_classes)``.
    """
    if class_weight == "balanced":
        counts = np.bincount(y, minlength=n_classes).astype(np.float64)
        present = counts > 0
        weights = np.ones(n_classes)
        weights[present] = len(y) / (np.count_nonzero(present) * counts[present])
        return weights
    weights = np.ones(n_classes)
    for key, value in class_weight.items():
        if isinstance(key, bool) or not isinstance(key, (int, np.integer)) or not 0 <= key < n_classes:
            raise ValueError(f"class_weight names class {key!r}, but the classes are 0 .. {n_classes - 1}")
        weights[int(key)] = float(value)
    return weights


def row_weights(sample_weight, class_weight, y: np.ndarray, n_classes: int, m: int) -> np.ndarray | None:
    """Each row's weight: ``sample_weight`` (checked) times its class's weight; None when neither is given."""
    w = check_sample_weight(sample_weight, m)
    if class_weight is None:
        return w
    if y.ndim != 1:
        raise ValueError("class_weight needs class labels; for real-valued targets pass sample_weight")
    per_class = class_weights(class_weight, y, n_classes)[y]
    w = per_class if w is None else w * per_class
    if not w.sum() > 0:
        raise ValueError("the sample and class weights give every training row weight 0")
    return w


def check_clip_norm(clip_norm) -> float | None:
    """None, or a positive finite bound on the gradients' global norm."""
    if clip_norm is None:
        return None
    if isinstance(clip_norm, bool) or not isinstance(clip_norm, (int, float, np.integer, np.floating)) \
            or not math.isfinite(clip_norm) or not clip_norm > 0:
        raise ValueError(f"clip_norm must be a positive finite number (or None for no clipping), got {clip_norm!r}")
    return float(clip_norm)


def check_threads(threads) -> int | None:
    """None (leave the BLAS library as it is) or a positive number of threads."""
    if threads is None:
        return None
    if isinstance(threads, bool) or not isinstance(threads, (int, np.integer)) or threads < 1:
        raise ValueError(f"threads must be a positive integer (or None to leave BLAS alone), got {threads!r}")
    return int(threads)


@contextlib.contextmanager
def blas_threads(threads: int | None):
    """Limit the BLAS libraries to ``threads`` threads inside the block (threadpoolctl); restored after."""
    if threads is None:
        yield
        return
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=threads, user_api="blas"):
        yield
