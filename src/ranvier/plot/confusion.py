"""A confusion matrix, counted and drawn with class names.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

import numpy as np

from ..metrics import confusion_matrix  # the counts, checked, are the metrics' (re-exported here)
from ._base import _axes, _save

__all__ = ["confusion_matrix", "plot_confusion"]


def plot_confusion(
    cm: np.ndarray,
    path: str | os.PathLike | None = None,
    *,
    class_names: Sequence[str] | None = None,
    title: str | None = None,
    dpi: float = 100,
    ax=None,
):
    """A confusion matrix: rows are the true classes, columns the predicted ones.

    The colour of a cell is its share of its row (the recall of the class on
    the diagonal); the numbers are the counts (for up to 20 classes).

    Parameters
    ----------
    cm : ndarray of shape (c, c)
        From :func:`confusion_matrix`.
    path : path-like, optional
    class_names : sequence of str, optional
    title : str, optional
        Default: the accuracy.
    dpi : float, default 100
    ax : matplotlib Axes, optional
        Draw into these axes instead of a new figure.

    Returns
    -------
    matplotlib.figure.Figure
    """
    cm = np.asarray(cm)
    if cm.ndim != 2 or cm.shape[0] != cm.shape[1] or cm.shape[0] == 0:
        raise ValueError(f"cm must be a square matrix, got shape {cm.shape}")
    c = cm.shape[0]
    names = [str(k) for k in range(c)] if class_names is None else [str(n) for n in class_names]
    if len(names) != c:
        raise ValueError(f"class_names has {len(names)} names for {c} classes")
    totals = cm.sum(axis=1, keepdims=True)
    share = np.divide(cm, totals, out=np.zeros(cm.shape), where=totals > 0)
    side = min(12.0, 2.6 + 0.34 * c)
    fig, ax = _axes(ax, (side + 1.2, side), dpi)
    im = ax.imshow(share, cmap="Blues", vmin=0, vmax=1)
    fig.colorbar(im, ax=ax, shrink=0.8, label="share of the true class")
    ax.set_xticks(range(c), names, rotation=45 if max(map(len, names)) > 2 else 0, ha="right" if
                  max(map(len, names)) > 2 else "center", fontsize="small")
    ax.set_yticks(range(c), names, fontsize="small")
    ax.set_xlabel("predicted class")
    ax.set_ylabel("true class")
    if c <= 20:
        for i in range(c):
            for j in range(c):
                ax.text(j, i, str(cm[i, j]), ha="center", va="center", fontsize="x-small" if c > 10 else "small",
                        color="white" if share[i, j] > 0.5 else ("black" if cm[i, j] else "0.65"))
    total = cm.sum()
    acc = np.trace(cm) / total if total else float("nan")
    ax.set_title(title if title is not None else f"Confusion matrix: accuracy {100 * acc:.1f}% of {total}",
                 fontsize="medium")
    return _save(fig, path)
