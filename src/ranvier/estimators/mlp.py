"""The multilayer perceptrons: :class:`MLPClassifier` and :class:`MLPRegressor`.

Any depth and hidden activation, with ranvier's dropout and batch
normalisation.  The classifier takes the softmax cross-entropy or the
multiclass hinge; the regressor the squared error, with one target or
several.  Both fit through the shared machinery of
:mod:`ranvier.estimators.base`; the regressor adds its own encoding of real
targets and its validation score, R^2.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np
from sklearn.base import RegressorMixin
from sklearn.metrics import r2_score

from ..nn.losses import loss_name
from ._docs import _fill_doc
from .base import _BaseClassifier, _BaseNetwork, _eval_scores, _store_arguments

__all__ = ["MLPClassifier", "MLPRegressor"]


@_fill_doc
class MLPClassifier(_BaseClassifier):
    """Multilayer perceptron classifier with the softmax or the multiclass hinge loss.

    ``layer_sizes = (n_features, *hidden_layer_sizes, n_classes)``; every
    hidden layer applies ``activation``, the output layer gives scores.
    Two classes get two scores (a softmax over two classes is the logistic
    model of their difference, which ``decision_function`` returns).

    Parameters
    ----------
    hidden_layer_sizes : int or sequence of int, default=(100,)
        Width of each hidden layer; ``()`` is the linear classifier.
    activation : str, default='relu'
        Hidden activation by ranvier's name: ``'relu'``, ``'tanh'``,
        ``'sigmoid'`` (alias ``'logistic'``), ``'identity'``,
        ``'leaky_relu'``, ``'elu'``, ``'softplus'``.
    dropout : float in [0, 1), default=0.0
        Inverted dropout after each hidden activation in training (ranvier's
        own; scikit-learn's MLP has none), masks drawn from the fit's seed.
    batch_norm : bool, default=False
        Batch normalisation before each hidden activation, as
        ``torch.nn.BatchNorm1d``; predictions use its running statistics.
    loss : {'softmax', 'svm'}, default='softmax'
        Softmax cross-entropy (``predict_proba`` available) or the lecture's
        multiclass hinge (no ``predict_proba``).
    margin : float, default=1.0
        The margin of the hinge (``loss='svm'`` only).
$common
$class_weight

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        The class labels, sorted.
$attributes

    See Also
    --------
    MLPRegressor : the same networks with the squared error.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sklearn.model_selection import train_test_split
    >>> from ranvier.estimators import MLPClassifier
    >>> X, y = load_digits(return_X_y=True)
    >>> X_train, X_test, y_train, y_test = train_test_split(X / 16, y, random_state=0)
    >>> clf = MLPClassifier(hidden_layer_sizes=(64,), learning_rate_init=0.01, max_iter=30,
    ...                     n_iter_no_change=np.inf, random_state=0)
    >>> clf.fit(X_train, y_train).score(X_test, y_test) > 0.95
    True
    >>> [W.shape for W in clf.coefs_]
    [(64, 64), (64, 10)]
    """

    def __init__(
        self,
        hidden_layer_sizes=(100,),
        activation="relu",
        *,
        loss="softmax",
        margin=1.0,
        reg=0.0,
        dropout=0.0,
        batch_norm=False,
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
        if loss_name(self.loss) not in ("softmax", "svm"):
            raise ValueError(f"loss must be 'softmax' or 'svm' for a classifier, got {self.loss!r}")
        return self.hidden_layer_sizes, self.activation, self.loss


@_fill_doc
class MLPRegressor(RegressorMixin, _BaseNetwork):
    """Multilayer perceptron regressor: least squares on the network's outputs.

    The loss is ``0.5 * ||s - y||^2`` summed over the outputs and averaged
    over the batch (scikit-learn's ``MLPRegressor`` also averages over the
    outputs, the same for one target), plus ranvier's L2 term.  With
    ``hidden_layer_sizes=()`` it is linear least squares by gradient descent;
    on XOR that is the lecture's "no linear model separates XOR" (every
    output 0.5), which one hidden layer fixes.  ``y`` of shape
    ``(n_samples, n_targets)`` fits several targets at once; predictions have
    the shape ``y`` had.

    Parameters
    ----------
    hidden_layer_sizes : int or sequence of int, default=(100,)
        Width of each hidden layer; ``()`` is linear regression.
    activation : str, default='relu'
        Hidden activation by ranvier's name (see :class:`MLPClassifier`).
    dropout : float in [0, 1), default=0.0
        Inverted dropout after each hidden activation in training (ranvier's
        own; scikit-learn's MLP has none), masks drawn from the fit's seed.
    batch_norm : bool, default=False
        Batch normalisation before each hidden activation, as
        ``torch.nn.BatchNorm1d``; predictions use its running statistics.
$common

    Attributes
    ----------
$attributes

    See Also
    --------
    MLPClassifier : the same networks for classes.

    Examples
    --------
    >>> from ranvier.estimators import MLPRegressor
    >>> X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]]); y = np.array([0, 1, 1, 0])
    >>> linear = MLPRegressor(hidden_layer_sizes=(), solver="sgd", momentum=0.0, learning_rate_init=0.5,
    ...                       max_iter=300, random_state=0).fit(X, y)
    >>> linear.predict(X).round(1)  # least squares: w = 0, b = 0.5
    array([0.5, 0.5, 0.5, 0.5])
    >>> net = MLPRegressor(hidden_layer_sizes=(16,), learning_rate_init=0.05, max_iter=500,
    ...                    n_iter_no_change=np.inf, random_state=0).fit(X, y)
    >>> net.predict(X).round().astype(int)
    array([0, 1, 1, 0])
    """

    _y_checks: ClassVar[dict] = {"multi_output": True, "y_numeric": True}
    _val_monitor = "val_loss"  # best R^2 when reg is 0
    _min_val = 2  # R^2 needs two rows

    def __init__(
        self,
        hidden_layer_sizes=(100,),
        activation="relu",
        *,
        reg=0.0,
        dropout=0.0,
        batch_norm=False,
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
    ):
        _store_arguments(self, locals())

    def _architecture(self) -> tuple:
        return self.hidden_layer_sizes, self.activation, "squared"

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True  # y of shape (n_samples, n_targets)
        return tags

    def fit(self, X, y, sample_weight=None, *, validation_data=None):
        """Train the network on ``X, y`` (``max_iter`` epochs at most).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,) or (n_samples, n_targets)
        sample_weight : array-like of shape (n_samples,), optional
            Non-negative weight of each row (see :meth:`MLPClassifier.fit`).
        validation_data : tuple (X_val, y_val), optional
            A validation set measured after every epoch; with
            ``early_stopping=True`` it is used instead of holding out
            ``validation_fraction``.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        return self._fit(X, y, incremental=False, validation_data=validation_data, sample_weight=sample_weight)

    def partial_fit(self, X, y, sample_weight=None, *, validation_data=None):
        """Train for one epoch on ``X, y``, going on from the fitted network.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,) or (n_samples, n_targets)
        sample_weight : array-like of shape (n_samples,), optional
            Non-negative weight of each row.
        validation_data : tuple (X_val, y_val), optional
            Measured after the epoch.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        return self._fit(X, y, incremental=True, validation_data=validation_data, sample_weight=sample_weight)

    def _encode(self, y, *, first: bool, classes=None, name: str = "y") -> np.ndarray:
        y = np.asarray(y)
        if first:
            self._y_1d = y.ndim == 1
            self.n_outputs_ = 1 if y.ndim == 1 else y.shape[1]
        targets = y.reshape(len(y), -1)
        if targets.shape[1] != self.n_outputs_:
            raise ValueError(f"{name} has {targets.shape[1]} targets per row but the network has {self.n_outputs_}")
        # real targets (the Trainer reads 1-D integers as class labels); cast to the network's dtype there
        return targets if np.issubdtype(targets.dtype, np.floating) else targets.astype(np.float64)

    def _decode_targets(self, t: np.ndarray) -> np.ndarray:
        return t[:, 0] if self._y_1d else t

    def _score_fn(self, X_val, y_val):
        return lambda model, logs: r2_score(y_val, self._decode_targets(_eval_scores(model, X_val)))

    def predict(self, X):
        """Predicted targets.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples,) or (n_samples, n_targets)
            The shape ``y`` had in ``fit``.
        """
        return self._decode_targets(self._scores(X))
