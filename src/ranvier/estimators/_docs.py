"""The parameter and attribute sections the estimators' docstrings share (private).

Each estimator's docstring names them as ``$common``, ``$class_weight`` and
``$attributes``; :func:`_fill_doc` substitutes them when the class is defined,
so ``help(MLPClassifier)`` and the documentation site show the full text.
"""

from __future__ import annotations

from string import Template

_DOCS = {
    "class_weight": """\
    class_weight : 'balanced', dict or None, default=None
        Weights of the classes, multiplied into ``sample_weight``: a dict
        maps class labels to weights (the others keep 1); ``'balanced'``
        weighs class ``k`` by ``n_samples / (n_classes * n_k)`` over the
        rows of ``fit`` (scikit-learn's ``compute_class_weight``), and is
        refused by ``partial_fit``, whose batches would each weigh the
        classes differently.  Validation data are not class-weighted.""",
    "common": """\
    reg : float, default=0.0
        L2 strength ``lambda`` of ranvier's penalty ``0.5 * lambda * sum_k
        ||W_k||^2`` (weights only, biases not included), added to the *mean*
        loss of each batch; its gradient adds ``lambda * W_k`` (PyTorch's
        ``weight_decay=lambda``).  scikit-learn's ``alpha`` divides its
        ``0.5 * alpha * sum_k ||W_k||^2`` by the number of examples in the
        batch instead, so ``alpha = reg * batch_size`` gives the same
        objective on full batches (``reg=1e-4`` at ``batch_size=200`` is
        ``alpha=0.02``; scikit-learn's default ``alpha=1e-4`` is
        ``reg=5e-7``).
    solver : {'adam', 'sgd', 'adamw', 'adagrad', 'rmsprop'} or Optimizer, default='adam'
        The optimiser of :mod:`ranvier.optim`, whose updates are PyTorch's.
        ``'sgd'`` uses ``momentum`` and ``nesterovs_momentum`` (the same
        steps as scikit-learn's ``'sgd'`` at a constant learning rate);
        ``'adam'`` and ``'adamw'`` use ``beta_1``, ``beta_2`` and
        ``epsilon`` (PyTorch adds ``epsilon`` to the bias-corrected root,
        scikit-learn to the uncorrected one).  A ranvier ``Optimizer``
        instance brings its other hyperparameters; its learning rate is
        replaced by ``learning_rate_init``.
    learning_rate_init : float, default=1e-3
        The learning rate (constant unless ``schedule`` is given); > 0.
    batch_size : int or 'auto', default='auto'
        Examples per step; ``'auto'`` is ``min(200, n_samples)`` and a
        larger number is clipped to ``n_samples``.  Examples are reshuffled
        every epoch.
    max_iter : int, default=200
        Maximum number of epochs (passes over the training data) per call
        to ``fit``.
    tol : float, default=1e-4
        Improvement that counts: training stops when the training loss has
        not fallen by more than ``tol`` (with ``early_stopping``: the
        validation score has not risen by more than ``tol``) for more than
        ``n_iter_no_change`` consecutive epochs, scikit-learn's rule.
    n_iter_no_change : int or inf, default=10
        See ``tol``.  ``np.inf`` never stops early: every fit runs
        ``max_iter`` epochs and issues no ``ConvergenceWarning``.
    momentum : float, default=0.9
        Momentum of ``solver='sgd'``, in [0, 1) as ``ranvier train --momentum``
        (0 is plain gradient descent).
    nesterovs_momentum : bool, default=True
        Nesterov's form of the momentum of ``solver='sgd'``.
    beta_1, beta_2, epsilon : float, default=0.9, 0.999, 1e-8
        Adam's moment decay rates, in [0, 1), and its denominator's offset,
        > 0 (with 0, a parameter whose gradient is 0 would get 0/0 = NaN).
    schedule : ranvier.optim.Schedule, optional
        Learning rate per step, ``schedule(step)``, with ``step`` counting
        the optimiser's steps since the network was initialised (it goes on
        over ``warm_start`` fits and ``partial_fit`` calls); overrides
        ``learning_rate_init``.
    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the training data (stratified
        for classifiers; or use ``validation_data`` passed to ``fit``),
        stop on its score (accuracy for classifiers, R^2 for the regressor)
        by the ``tol`` rule and, with ``restore_best``, end with the
        parameters of its best epoch.  ``partial_fit`` (one epoch) ignores it.
    validation_fraction : float, default=0.1
        Fraction held out by ``early_stopping`` (rounded up), in (0, 1).
    restore_best : bool, default=True
        End ``fit`` with the parameters of the best epoch: the best
        validation score with ``early_stopping`` (scikit-learn's behaviour),
        the lowest epoch training loss otherwise.  ``False`` keeps the last.
    warm_start : bool, default=False
        ``fit`` goes on from the fitted network, with the optimiser's state
        (momentum, Adam's moments) carried over, instead of starting anew.
        The architecture and classes must be those of the fitted network.
    random_state : int, RandomState instance or None, default=None
        Seeds the initialisation, the shuffling and the validation split;
        an int makes ``fit`` reproducible.
    verbose : {0, 1, 2} or bool, default=0
        ranvier's ``Trainer`` output: 0 silent, 1 a progress bar (a line
        per epoch when the output is not a terminal), 2 a line per epoch.
    init : {'auto', 'he', 'xavier', 'gaussian'} or float, default='auto'
        Weight initialisation (see :class:`ranvier.MLP`); biases start at 0.
    dtype : {None, np.float32, np.float64}, default=None
        Dtype of the network and its arithmetic.  ``None`` follows the
        training data: float32 ``X`` gives a float32 network, anything else
        float64 (scikit-learn's rule); ``np.float32`` trains float64 data
        in float32, ranvier's own choice and about twice as fast.
    record_path : bool, default=False
        Keep the flat parameter vector at the start and after every epoch
        in ``path_``: the ``gd``-style record of the path taken.""",
    "attributes": """\
    model_ : ranvier.MLP
        The trained network (``model_.params`` holds ``W1, b1, ...`` with
        ``Wk`` of shape ``(n_out, n_in)``); save it with
        :func:`ranvier.save_model`.
    coefs_ : list of ndarray
        ``coefs_[k]`` of shape ``(n_in, n_out)`` is the weight matrix of
        layer ``k + 1`` in scikit-learn's orientation: a view of the
        transpose of ``model_.params[f"W{k + 1}"]``.
    intercepts_ : list of ndarray
        ``intercepts_[k]`` of shape ``(n_out,)``: ``model_.params[f"b{k + 1}"]``.
    n_features_in_ : int
        Number of features seen during ``fit``.
    feature_names_in_ : ndarray of shape ``(n_features_in_,)``
        Names of the features, when ``X`` had string column names.
    n_layers_ : int
        Number of layers, input and output included (scikit-learn's count).
    n_outputs_ : int
        Number of scores per example.
    loss_ : float
        Mean training loss (L2 term included) of the last epoch.
    loss_curve_ : list of float
        Mean training loss of every epoch since the network was initialised
        (warm-start fits and ``partial_fit`` calls append).
    best_loss_ : float
        The lowest value in ``loss_curve_``.
    validation_scores_ : list of float or None
        Validation score (accuracy, or R^2 for the regressor) of every epoch,
        aligned with ``loss_curve_`` (NaN for an epoch trained without
        validation data); None when no epoch had any.
    validation_loss_curve_ : list of float or None
        Validation loss of every epoch, aligned likewise.
    best_validation_score_ : float or None
        The highest validation score.
    best_epoch_ : int or None
        Epoch (from 1, in the last ``fit``) whose parameters were restored.
    n_iter_ : int
        Epochs run by the last call to ``fit`` or ``partial_fit``.
    t_ : int
        Training examples processed since the network was initialised.
    history_ : ranvier.History
        The last call's history: epoch curves, every step's loss, why it
        stopped.
    path_ : ndarray of shape (n_epochs + 1, n_params)
        With ``record_path=True``: row 0 is the parameter vector at the
        start, row ``k`` the vector after epoch ``k`` (ranvier's flat layout
        ``W1, b1, W2, ...``, see :meth:`ranvier.MLP.get_flat_params`), so
        ``loss_curve_[k - 1]`` is the epoch that led to row ``k``.""",
}


def _fill_doc(cls):
    cls.__doc__ = Template(cls.__doc__).substitute(_DOCS)
    return cls
