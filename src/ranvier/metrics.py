"""Classification metrics beyond accuracy, from a model's scores and the true labels.

Everything is derived from two things: the confusion matrix ``C`` (``C[i, j]``
counts the examples of class ``i`` predicted as ``j``) and the scores.

* precision of class ``k``: ``C[k, k] / sum_i C[i, k]`` (of the examples
  predicted ``k``, the share that are ``k``); 0 when nothing is predicted ``k``;
* recall of class ``k``: ``C[k, k] / sum_j C[k, j]``; 0 for a class without
  examples;
* F1: ``2 p r / (p + r)``, 0 when ``p + r = 0``;
* macro average: the plain mean over classes; weighted average: the mean
  weighted by each class's number of examples (its *support*);
* balanced accuracy: the macro-averaged recall over the classes that occur;
* top-k accuracy: the share of examples whose true class is among the ``k``
  highest scores (ties broken towards the lower class index);
* log loss: the mean of ``-log p_y`` under the softmax of the scores, which is
  the softmax cross-entropy of the lecture (:func:`ranvier.softmax_cross_entropy`).

These are the definitions of :mod:`sklearn.metrics` with ``zero_division=0``;
the tests compare the two.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .nn.losses import softmax_cross_entropy

__all__ = ["ClassificationReport", "classification_report", "confusion_matrix", "evaluate_report", "top_k_accuracy"]


def confusion_matrix(y_true: np.ndarray, y_pred: np.ndarray, n_classes: int | None = None) -> np.ndarray:
    """Counts ``C[i, j]`` of examples of true class ``i`` predicted as class ``j``.

    Parameters
    ----------
    y_true, y_pred : array_like of int, shape (m,)
        Class labels in ``[0, n_classes)``.
    n_classes : int, optional
        The number of classes (default: one more than the largest label).

    Returns
    -------
    ndarray of int64, shape (n_classes, n_classes)
    """
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    if y_true.shape != y_pred.shape or y_true.ndim != 1:
        raise ValueError(f"y_true and y_pred must be 1-D of the same length, got {y_true.shape} and {y_pred.shape}")
    if y_true.size and not (np.issubdtype(y_true.dtype, np.integer) and np.issubdtype(y_pred.dtype, np.integer)):
        raise ValueError(f"class labels must be integers, got {y_true.dtype} and {y_pred.dtype}")
    y_true, y_pred = y_true.astype(np.int64), y_pred.astype(np.int64)
    top = int(max(y_true.max(initial=-1), y_pred.max(initial=-1)))
    c = top + 1 if n_classes is None else int(n_classes)
    if y_true.size and (min(y_true.min(), y_pred.min()) < 0 or top >= c):
        raise ValueError(f"class labels must lie in [0, {c}), got {min(y_true.min(), y_pred.min())}..{top}")
    return np.bincount(y_true * c + y_pred, minlength=c * c).reshape(c, c)


def top_k_accuracy(scores: np.ndarray, y: np.ndarray, k: int) -> float:
    """Share of rows whose true class is among the ``k`` highest scores (ties go to the lower class)."""
    scores, y = np.asarray(scores), np.asarray(y)
    if not 1 <= k <= scores.shape[1]:
        raise ValueError(f"k must be between 1 and the number of classes ({scores.shape[1]}), got {k}")
    mine = scores[np.arange(len(y)), y][:, None]
    cols = np.arange(scores.shape[1])
    ahead = (scores > mine) | ((scores == mine) & (cols < y[:, None]))  # classes ranked before the true one
    return float(np.mean(ahead.sum(axis=1) < k))


def _ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    return np.divide(num, den, out=np.zeros(len(num)), where=den > 0)


@dataclass(frozen=True)
class ClassificationReport:
    """Metrics of a classifier on one set of examples (see the module's definitions).

    Attributes
    ----------
    class_names : list of str
    confusion : ndarray of int64 of shape (c, c)
    precision, recall, f1 : ndarray of float64 of shape (c,)
    support : ndarray of int64 of shape (c,)
        Examples of each class.
    accuracy, balanced_accuracy : float
    top_k : dict of int to float
        Top-k accuracy for each k asked for.
    log_loss : float or None
        None for models whose scores are not softmax logits.
    """

    class_names: list[str]
    confusion: np.ndarray
    precision: np.ndarray
    recall: np.ndarray
    f1: np.ndarray
    support: np.ndarray
    accuracy: float
    balanced_accuracy: float
    top_k: dict[int, float] = field(default_factory=dict)
    log_loss: float | None = None

    def average(self, kind: str = "macro") -> tuple[float, float, float]:
        """``(precision, recall, f1)`` averaged over classes: ``"macro"`` or ``"weighted"`` by support."""
        if kind == "macro":
            w = np.ones(len(self.support))
        elif kind == "weighted":
            w = self.support.astype(np.float64)
        else:
            raise ValueError(f"kind must be 'macro' or 'weighted', got {kind!r}")
        w = w / w.sum()
        return float(w @ self.precision), float(w @ self.recall), float(w @ self.f1)

    def to_dict(self) -> dict:
        """A JSON-ready dict of every value."""
        per_class = {name: {"precision": float(p), "recall": float(r), "f1": float(f), "support": int(s)}
                     for name, p, r, f, s in zip(self.class_names, self.precision, self.recall, self.f1, self.support)}
        averages = {kind: dict(zip(("precision", "recall", "f1"), self.average(kind))) for kind in ("macro", "weighted")}
        return {"accuracy": self.accuracy, "balanced_accuracy": self.balanced_accuracy,
                "top_k_accuracy": {str(k): v for k, v in self.top_k.items()}, "log_loss": self.log_loss,
                "per_class": per_class, "averages": averages, "confusion": self.confusion.tolist()}

    def table(self) -> str:
        """Per-class precision, recall, F1 and support, then the averages, as aligned text."""
        width = max(12, *(len(n) for n in self.class_names))
        lines = [f"{'':<{width}}  precision  recall      f1  support"]
        rows = zip(self.class_names, self.precision, self.recall, self.f1, self.support)
        lines += [f"{n:<{width}}  {p:9.4f}  {r:6.4f}  {f:6.4f}  {s:7d}" for n, p, r, f, s in rows]
        total = int(self.support.sum())
        for kind in ("macro", "weighted"):
            p, r, f = self.average(kind)
            lines.append(f"{kind + ' avg':<{width}}  {p:9.4f}  {r:6.4f}  {f:6.4f}  {total:7d}")
        return "\n".join(lines)


def classification_report(scores: np.ndarray, y: np.ndarray, *, class_names: list[str] | None = None,
                          top_k: tuple[int, ...] = (), softmax_scores: bool = True) -> ClassificationReport:
    """Precision, recall, F1, balanced and top-k accuracy and log loss of scores against labels.

    Parameters
    ----------
    scores : ndarray of shape (m, c)
        A model's scores (``model.scores(X)``); the prediction is the highest score.
    y : ndarray of int of shape (m,)
        True labels in ``[0, c)``.
    class_names : list of str, optional
        Names of the ``c`` classes (default ``"0"``, ``"1"``, ...).
    top_k : tuple of int, default ()
        The ``k`` for which to report top-k accuracy (``k >= c`` gives 1).
    softmax_scores : bool, default True
        Whether the scores are softmax logits, so that the log loss means something.

    Examples
    --------
    >>> scores = np.array([[2.0, 1.0, 0.0], [0.0, 2.0, 1.0], [1.0, 0.0, 2.0], [2.0, 0.0, 1.0]])
    >>> r = classification_report(scores, np.array([0, 1, 1, 2]), top_k=(2,))
    >>> r.accuracy, r.recall.tolist(), r.top_k[2]
    (0.5, [1.0, 0.5, 0.0], 0.75)
    """
    scores, y = np.asarray(scores), np.asarray(y, dtype=np.int64)
    if scores.ndim != 2 or y.shape != (scores.shape[0],) or len(y) == 0:
        raise ValueError(f"scores must be (m, c) and y (m,) with m > 0, got {scores.shape} and {y.shape}")
    c = scores.shape[1]
    if y.min() < 0 or y.max() >= c:
        raise ValueError(f"labels must lie in [0, {c}), got {y.min()}..{y.max()}")
    names = [str(k) for k in range(c)] if class_names is None else [str(n) for n in class_names]
    if len(names) != c:
        raise ValueError(f"class_names has {len(names)} names for {c} classes")
    C = confusion_matrix(y, scores.argmax(axis=1), c)
    hits, support, predicted = np.diag(C).astype(np.float64), C.sum(axis=1), C.sum(axis=0)
    precision, recall = _ratio(hits, predicted), _ratio(hits, support)
    f1 = _ratio(2 * precision * recall, precision + recall)
    present = support > 0
    log_loss = float(softmax_cross_entropy(scores.astype(np.float64), y)[0]) if softmax_scores else None
    return ClassificationReport(
        names, C, precision, recall, f1, support, accuracy=float(hits.sum() / len(y)),
        balanced_accuracy=float(recall[present].mean()),
        top_k={int(k): top_k_accuracy(scores, y, min(int(k), c)) for k in top_k}, log_loss=log_loss,
    )


def evaluate_report(model, X: np.ndarray, y: np.ndarray, *, class_names: list[str] | None = None,
                    top_k: tuple[int, ...] | None = None, batch_size: int = 2000) -> ClassificationReport:
    """The :class:`ClassificationReport` of a model on prepared inputs, in evaluation mode.

    :func:`ranvier.evaluate` gives the loss and the accuracy; this gives every
    metric of :func:`classification_report`: per-class precision, recall, F1 and
    support, macro and weighted averages, balanced accuracy, top-k accuracy
    (default ``k = 5`` when there are more than 5 classes, none otherwise) and,
    for softmax models, the log loss.

    Parameters
    ----------
    model : MLP or Sequential
    X : ndarray of shape (m, n)
        Inputs already preprocessed (``SavedModel.prepare``).
    y : ndarray of int of shape (m,)
    class_names : list of str, optional
    top_k : tuple of int, optional
    batch_size : int, default 2000
        Rows scored at a time.
    """
    X = np.asarray(X)
    if X.ndim != 2 or X.shape[1] != model.n_features:
        raise ValueError(f"X must have shape (m, {model.n_features}), got {X.shape}")
    training = getattr(model, "training", False)
    if training:
        model.eval()
    try:
        scores = np.concatenate([model.scores(X[i:i + batch_size]) for i in range(0, len(X), batch_size)]) \
            if len(X) else np.empty((0, model.n_outputs))
    finally:
        if training:
            model.train()
    if top_k is None:
        top_k = (5,) if model.n_outputs > 5 else ()
    return classification_report(scores, y, class_names=class_names, top_k=top_k,
                                 softmax_scores=model.loss_name == "softmax")
