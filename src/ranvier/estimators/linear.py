"""The linear classifiers: softmax (multinomial logistic regression) and the multiclass SVM.

``scores = X @ W.T + b``, the lecture's linear classifier, trained by
gradient descent with one of ranvier's optimisers:
:class:`SoftmaxClassifier` with the softmax cross-entropy,
:class:`LinearSVMClassifier` with the multiclass hinge.  Both are an
:class:`~ranvier.MLP` without hidden layers (``model_``); everything they do
besides naming their loss is the shared machinery of
:mod:`ranvier.estimators.base`.
"""

from __future__ import annotations

from ._docs import _fill_doc
from .base import _BaseClassifier, _store_arguments

__all__ = ["LinearSVMClassifier", "SoftmaxClassifier"]


@_fill_doc
class SoftmaxClassifier(_BaseClassifier):
    """Linear softmax classifier (multinomial logistic regression) trained by gradient descent.

    The lecture's linear classifier ``scores = X @ W.T + b`` with the softmax
    cross-entropy loss, averaged over each batch, plus ranvier's L2 term.
    Labels may be of any type; ``predict_proba`` is the softmax of the scores.

    Parameters
    ----------
$common
$class_weight

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        The class labels, sorted.
$attributes

    See Also
    --------
    LinearSVMClassifier : the same model with the multiclass hinge loss.
    ranvier.estimators.mlp.MLPClassifier : hidden layers.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> from ranvier.estimators import SoftmaxClassifier
    >>> X, y = load_iris(return_X_y=True)
    >>> clf = make_pipeline(StandardScaler(), SoftmaxClassifier(learning_rate_init=0.1, tol=1e-3, random_state=0))
    >>> clf.fit(X, y).score(X, y) > 0.95
    True
    >>> clf.predict_proba(X[:1]).shape
    (1, 3)
    """

    def __init__(
        self,
        *,
        reg=0.0,
        solver="adam",
        learning_rate_init=1e-3,
        batch_size="auto",
        max_iter=200,
        tol=1e-4,
        n_iter_no_change=10,
        momentum=0.9,
        nesterovs_momentum=True,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-8,
        schedule=None,
        early_stopping=False,
        validation_fraction=0.1,
        restore_best=True,
        warm_start=False,
        random_state=None,
        verbose=0,
        init="auto",
        dtype=None,
        record_path=False,
        class_weight=None,
    ):
        _store_arguments(self, locals())

    def _architecture(self) -> tuple:
        return (), "identity", "softmax"


@_fill_doc
class LinearSVMClassifier(_BaseClassifier):
    """Linear classifier with the lecture's multiclass hinge loss, trained by gradient descent.

    ``scores = X @ W.T + b``; the loss of an example of class ``y`` is
    ``sum_{j != y} max(0, margin + s_j - s_y)`` (summed over the wrong
    classes, not divided by their number as PyTorch's ``MultiMarginLoss``
    does), averaged over each batch, plus ranvier's L2 term.  It is one
    multiclass machine (Weston-Watkins/CS231n), not scikit-learn's
    one-vs-rest ``LinearSVC``.  No probabilities: ``predict_proba`` is not
    available; use ``decision_function``.

    Parameters
    ----------
    margin : float, default=1.0
        The margin ``delta`` of the hinge.
$common
$class_weight

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        The class labels, sorted.
$attributes

    See Also
    --------
    SoftmaxClassifier : the same model with the softmax loss.
    ranvier.estimators.mlp.MLPClassifier : hidden layers, ``loss='svm'``.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> from ranvier.estimators import LinearSVMClassifier
    >>> X, y = load_iris(return_X_y=True)
    >>> svm = make_pipeline(StandardScaler(), LinearSVMClassifier(learning_rate_init=0.1, tol=1e-3, random_state=0))
    >>> svm.fit(X, y).score(X, y) > 0.95
    True
    >>> hasattr(svm, "predict_proba")
    False
    """

    def __init__(
        self,
        *,
        margin=1.0,
        reg=0.0,
        solver="adam",
        learning_rate_init=1e-3,
        batch_size="auto",
        max_iter=200,
        tol=1e-4,
        n_iter_no_change=10,
        momentum=0.9,
        nesterovs_momentum=True,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-8,
        schedule=None,
        early_stopping=False,
        validation_fraction=0.1,
        restore_best=True,
        warm_start=False,
        random_state=None,
        verbose=0,
        init="auto",
        dtype=None,
        record_path=False,
        class_weight=None,
    ):
        _store_arguments(self, locals())

    def _architecture(self) -> tuple:
        return (), "identity", "svm"
