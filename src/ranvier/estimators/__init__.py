"""scikit-learn estimators on top of ranvier's networks, optimisers and Trainer.

Four estimators that drop into scikit-learn's pipelines, grid searches and
cross-validation, and pass scikit-learn's own estimator checks:

* :class:`SoftmaxClassifier`: linear (``scores = X @ W.T + b``), softmax
  cross-entropy;
* :class:`LinearSVMClassifier`: linear, the lecture's multiclass hinge;
* :class:`MLPClassifier`: any depth and activation, ``loss='softmax'`` or
  ``'svm'``;
* :class:`MLPRegressor`: any depth and activation, squared error.

Each is a thin layer over :class:`ranvier.MLP` (the model, kept in the fitted
attribute ``model_``), :mod:`ranvier.optim` (the optimiser) and
:class:`ranvier.Trainer` (the minibatch loop, its progress bar, the best
parameters restored).  What they keep that scikit-learn's networks lack: the
multiclass hinge, any ranvier optimiser or learning-rate schedule, a
user-supplied validation set (``fit(X, y, validation_data=(X_val, y_val))``),
training and validation curves, restoring the best parameters, and the
``gd``-style path of the parameter vector (``record_path=True``).

Conventions (see also ``docs/estimators.md``)
---------------------------------------------
* **dtype**: with ``dtype=None`` the network computes in float32 when ``X``
  is float32 and in float64 otherwise (scikit-learn's rule); set
  ``dtype=np.float32`` to train float64 data in float32 (ranvier's own
  default, about twice as fast).  Outputs have the network's dtype.
* **L2**: ``reg`` is ranvier's ``0.5 * reg * sum_k ||W_k||^2`` on the mean
  batch loss; scikit-learn's ``alpha`` is ``reg * batch_size``.
* **Epochs**: ``max_iter`` counts epochs.  Training stops early, as in
  scikit-learn, when the training loss (or, with ``early_stopping``, the
  validation score) has not improved by ``tol`` for more than
  ``n_iter_no_change`` epochs in a row; a run that ends at ``max_iter``
  without meeting that test warns with ``ConvergenceWarning``.
* **Weights**: ``coefs_[k]`` is ``(n_in, n_out)`` as in scikit-learn: the
  transpose of ranvier's ``W{k+1}``, a view of it.

Where things are
----------------
One module per estimator family: :mod:`~ranvier.estimators.linear`
(:class:`SoftmaxClassifier`, :class:`LinearSVMClassifier`) and
:mod:`~ranvier.estimators.mlp` (:class:`MLPClassifier`,
:class:`MLPRegressor`).  What they share is in
:mod:`~ranvier.estimators.base`: the fitting machinery (parameters checked in
``fit``, the network built or continued, the rows weighed, the validation set
held out, the Trainer run, the fitted attributes recorded) and the
classifiers' methods.  :mod:`~ranvier.estimators.checks` lists the
scikit-learn estimator checks that cannot pass, with the reason
(:func:`sklearn_expected_failures`).  Three private modules hold the rest:
``_settings`` (the checks of the hyperparameters), ``_callbacks`` (the
stopping rule and the parameter path, as Trainer callbacks) and ``_docs``
(the docstring sections the estimators share).

``import ranvier`` does not import scikit-learn: ``ranvier.MLPClassifier``
and the other three load this package on first use.
"""

# public names outside __all__, as in the flat module before: the solver names and the expected failures
from ._settings import SOLVERS  # noqa: F401
from .checks import sklearn_expected_failures  # noqa: F401
from .linear import LinearSVMClassifier, SoftmaxClassifier
from .mlp import MLPClassifier, MLPRegressor

__all__ = ["LinearSVMClassifier", "MLPClassifier", "MLPRegressor", "SoftmaxClassifier"]
