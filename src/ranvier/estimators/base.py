"""The fitting machinery the four estimators share, and the classifiers' methods.

:class:`_BaseNetwork` is scikit-learn's ``BaseEstimator`` over a ranvier
:class:`~ranvier.MLP`: ``_fit`` checks the parameters (``_settings``), builds
the network on the first call (``_initialize``) or checks that a warm start
or ``partial_fit`` goes on with the same one (``_check_network``), weighs the
rows (``sample_weight`` times ``class_weight``), holds out the validation set
of ``early_stopping``, runs :class:`~ranvier.Trainer` with the stopping rule of
scikit-learn as a callback (``_train``) and records the fitted attributes
(``_record``).  A subclass says only which network it wants
(``_architecture``) and how it encodes its targets (``_encode``,
``_decode_targets``).

:class:`_BaseClassifier` adds what the three classifiers share: the label
encoding, ``fit`` and ``partial_fit``, ``class_weight``, ``predict``,
``decision_function`` and, for the softmax loss, the probabilities.  The
estimators themselves live in :mod:`ranvier.estimators.linear` and
:mod:`ranvier.estimators.mlp`.
"""

from __future__ import annotations

import math
import numbers
import warnings
from typing import ClassVar

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils import check_random_state
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import check_classification_targets, unique_labels
from sklearn.utils.validation import check_array, check_is_fitted, validate_data

from ..datasets import split_indices
from ..nn.losses import log_softmax, loss_name, softmax
from ..nn.mlp import MLP
from ..train import Callback, History, Trainer
from ._callbacks import _Convergence, _PathRecorder
from ._settings import _MAX_SEED, _Settings, _settings


def _store_arguments(est, arguments: dict) -> None:
    """The body of every ``__init__`` here: each argument stored under its own name, nothing else.

    scikit-learn reads the parameters from the ``__init__`` signature, so each
    estimator spells its own out; what they do with them is this one thing.
    """
    for name, value in arguments.items():
        if name != "self":
            setattr(est, name, value)


def _eval_scores(model, X):
    """Scores in evaluation mode (no dropout, running statistics), the model's mode kept."""
    training = getattr(model, "training", False)
    try:
        return model.eval().scores(X) if training else model.scores(X)
    finally:
        if training:
            model.train()


class _BaseNetwork(BaseEstimator):
    """Fitting machinery shared by the four estimators."""

    def _architecture(self) -> tuple:
        """``(hidden_layer_sizes, activation, loss)`` of the network to build."""
        raise NotImplementedError

    # ------------------------------------------------------------------ fit
    def _fit(self, X, y, *, incremental: bool, validation_data=None, classes=None, sample_weight=None):
        s = _settings(self)
        early_stopping = self.early_stopping and not incremental  # one epoch: nothing to stop
        first = not hasattr(self, "model_") or (not incremental and not self.warm_start)
        dtype = (s.dtype or (np.float64, np.float32)) if first else self.model_.dtype
        X, y = validate_data(self, X, y, reset=first, dtype=dtype, **self._y_checks)
        targets = self._encode(y, first=first, classes=classes)
        weights = self._row_weights(sample_weight, X, targets, incremental)
        if first:
            self._initialize(X.dtype, s)
        else:
            self._check_network(s)
        self.model_.reg, self.model_.margin = s.reg, s.margin
        X_val, t_val, y_val = self._validation_set(validation_data)
        w_val = None
        if X_val is None and early_stopping:
            X, targets, X_val, t_val, y_val, weights, w_val = self._split(X, targets, s.validation_fraction, weights)
        history, monitor, recorder = self._train(X, targets, (X_val, t_val, y_val), s, incremental, early_stopping,
                                                 (weights, w_val))
        self._record(history, monitor, recorder, len(X), X_val is not None)
        unfinished = not (monitor.converged or history.diverged) and history.n_epochs == s.max_iter
        if unfinished and not incremental and s.n_iter_no_change != math.inf:
            self._warn_unconverged(s, early_stopping)
        return self

    def _warn_unconverged(self, s: _Settings, early_stopping: bool) -> None:
        what = "validation score" if early_stopping else "training loss"
        warnings.warn(
            f"{type(self).__name__} ran max_iter={s.max_iter} epochs and its {what} was still "
            f"improving by more than tol={s.tol:g} within the last {int(s.n_iter_no_change) + 1} "
            "epochs; increase max_iter (or tol) for a converged fit",
            ConvergenceWarning,
            stacklevel=4,  # user code -> fit -> _fit -> here
        )

    def _initialize(self, dtype: np.dtype, s: _Settings) -> None:
        rs = check_random_state(self.random_state)
        self._seeds = np.random.default_rng(rs.randint(_MAX_SEED))
        sizes = (self.n_features_in_, *s.hidden, self.n_outputs_)
        self.model_ = MLP(sizes, activation=s.activation, loss=s.loss, reg=s.reg, init=self.init,
                          seed=int(self._seeds.integers(_MAX_SEED)), dtype=dtype, margin=s.margin,
                          dropout=s.dropout, batch_norm=s.batch_norm)
        self.n_layers_ = len(sizes)
        self.loss_curve_ = []
        self._val_scores: list[float] = []
        self._val_losses: list[float] = []
        self.t_ = 0
        self._optimizer_state = None
        self._optimizer_slots = None
        if hasattr(self, "path_"):
            del self.path_

    def _check_network(self, s: _Settings) -> None:
        model = self.model_
        wanted = ((self.n_features_in_, *s.hidden, self.n_outputs_), [s.activation] * len(s.hidden), s.loss,
                  (s.dropout,) * len(s.hidden), s.batch_norm)
        have = (model.layer_sizes, model.activation_names, model.loss_name, model.dropout, model.batch_norm)
        if wanted != have:
            raise ValueError(
                "warm_start and partial_fit go on training the fitted network, but the architecture "
                f"(layer sizes, activations, loss, dropout, batch_norm) changed from {have} to {wanted}; "
                "set warm_start=False (or call fit) to train a new network"
            )

    def _row_weights(self, sample_weight, X, targets, incremental: bool) -> np.ndarray | None:
        """Each row's weight: ``sample_weight`` times its class's ``class_weight``; None for neither."""
        from sklearn.utils.validation import _check_sample_weight

        class_weight = getattr(self, "class_weight", None)
        if sample_weight is None and class_weight is None:
            return None
        w = None if sample_weight is None else _check_sample_weight(
            sample_weight, X, dtype=np.float64, ensure_non_negative=True)
        if class_weight is not None:
            w = (np.ones(len(X)) if w is None else w) * self._class_weights(class_weight, targets, incremental)[targets]
        if not w.sum() > 0:
            raise ValueError("sample_weight (times class_weight) gives every row weight 0; weigh some rows > 0")
        return w

    def _split(self, X, targets, fraction: float, weights=None):
        m = len(X)
        n_val = max(math.ceil(fraction * m), self._min_val)
        if not n_val < m:
            raise ValueError(
                f"early_stopping holds out validation_fraction={fraction} of the {m} samples, which leaves "
                f"{m - n_val} for training and {n_val} for validation; change validation_fraction, pass "
                "validation_data, or set early_stopping=False"
            )
        stratify = isinstance(self, ClassifierMixin)
        labels = targets if stratify else np.zeros(m, dtype=np.int64)
        keep, val = split_indices(labels, n_val, seed=int(self._seeds.integers(_MAX_SEED)), stratify=stratify)
        w_keep, w_val = (None, None) if weights is None else (weights[keep], weights[val])
        if w_keep is not None and not w_keep.sum() > 0:
            raise ValueError("the rows left for training after the early_stopping split all have weight 0")
        if w_val is not None and not w_val.sum() > 0:
            w_val = None  # a validation set of weight 0 measures nothing: measure its rows unweighted
        return X[keep], targets[keep], X[val], targets[val], self._decode_targets(targets[val]), w_keep, w_val

    def _validation_set(self, validation_data):
        if validation_data is None:
            return None, None, None
        try:
            X_val, y_val = validation_data
        except (TypeError, ValueError):
            raise TypeError("validation_data must be a pair (X_val, y_val)") from None
        X_val = validate_data(self, X_val, reset=False, dtype=self.model_.dtype)
        y_val = check_array(y_val, ensure_2d=False, dtype=None, input_name="y_val",
                            ensure_all_finite=not isinstance(self, ClassifierMixin))
        if len(y_val) != len(X_val):
            raise ValueError(f"validation_data has {len(X_val)} rows in X_val but {len(y_val)} in y_val")
        if len(y_val) < self._min_val:
            raise ValueError(f"validation_data needs at least {self._min_val} rows (R^2 is undefined on one)")
        t_val = self._encode(y_val, first=False, classes=None, name="y_val")
        return X_val, t_val, self._decode_targets(t_val)

    def _train(self, X, targets, val, s: _Settings, incremental: bool, early_stopping: bool, weights=(None, None)):
        X_val, t_val, y_val = val
        w, w_val = weights
        has_val = X_val is not None
        score = self._score_fn(X_val, y_val) if has_val else None
        monitor = _Convergence(s.tol, s.n_iter_no_change, score, on_score=early_stopping)
        callbacks: list[Callback] = [monitor]
        recorder = None
        if self.record_path:
            recorder = _PathRecorder()
            callbacks.append(recorder)
            if not hasattr(self, "path_"):
                self.path_ = self.model_.get_flat_params()[None, :]
        trainer = Trainer(
            self.model_,
            s.optimizer,
            schedule=self.schedule,
            batch_size=min(200 if s.batch_size is None else s.batch_size, len(X)),
            epochs=1 if incremental else s.max_iter,
            seed=int(self._seeds.integers(_MAX_SEED)),
            monitor=self._val_monitor if early_stopping else "loss",
            restore_best=bool(self.restore_best) and not incremental,
            verbose=s.verbose,
            callbacks=callbacks,
        )
        opt = trainer.optimizer
        if self._optimizer_state is not None and self._optimizer_slots == (opt.name, opt.slots):
            trainer.state = dict(self._optimizer_state)
        # the estimators check for two classes when they build the network; after that a
        # partial_fit batch (or a warm_start set) may hold one class, as scikit-learn allows
        history = trainer.fit(X, targets, validation_data=(X_val, t_val, w_val) if has_val else None,
                              allow_one_class=True, sample_weight=w)
        self._optimizer_state = {k: v for k, v in trainer.state.items() if not k.startswith("scratch/")}
        self._optimizer_slots = (opt.name, opt.slots)
        return history, monitor, recorder

    def _record(self, history: History, monitor: _Convergence, recorder, m: int, has_val: bool) -> None:
        n = history.n_epochs
        self.history_ = history
        self.n_iter_ = n
        self.t_ += m * n
        self.loss_curve_.extend(float(v) for v in history.epoch["loss"])
        self._val_scores.extend(monitor.scores if has_val else [math.nan] * n)
        self._val_losses.extend(float(v) if v is not None else math.nan for v in history.epoch["val_loss"])
        self.loss_ = self.loss_curve_[-1] if self.loss_curve_ else math.nan
        self.best_loss_ = min(self.loss_curve_) if self.loss_curve_ else math.nan
        seen = not all(math.isnan(v) for v in self._val_scores)
        self.validation_scores_ = list(self._val_scores) if seen else None
        self.validation_loss_curve_ = list(self._val_losses) if seen else None
        self.best_validation_score_ = float(np.nanmax(self._val_scores)) if seen else None
        self.best_epoch_ = history.best_epoch
        if recorder is not None and recorder.rows:
            self.path_ = np.concatenate([self.path_, np.stack(recorder.rows)])

    # ------------------------------------------------------------- predict
    def _scores(self, X) -> np.ndarray:
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype=self.model_.dtype)
        return self.model_.scores(X)

    @property
    def coefs_(self) -> list[np.ndarray]:
        """Weights in scikit-learn's ``(n_in, n_out)`` orientation (views)."""
        check_is_fitted(self)
        return [W.T for W in self.model_.weights()]

    @property
    def intercepts_(self) -> list[np.ndarray]:
        """Biases, ``intercepts_[k]`` of shape ``(n_out,)`` (views)."""
        check_is_fitted(self)
        return self.model_.biases()


def _has_proba(est) -> bool:
    try:
        return loss_name(est._architecture()[2]) == "softmax"
    except (ValueError, TypeError):
        return False


class _BaseClassifier(ClassifierMixin, _BaseNetwork):
    """Classifier methods: label encoding, predict, decision_function, probabilities."""

    _y_checks: ClassVar[dict] = {"multi_output": False}  # validate_data's checks of y
    _val_monitor = "val_accuracy"  # the Trainer's monitor with early stopping
    _min_val = 1  # fewest validation rows

    def fit(self, X, y, sample_weight=None, *, validation_data=None):
        """Train the network on ``X, y`` (``max_iter`` epochs at most).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training inputs.
        y : array-like of shape (n_samples,)
            Class labels of any type (ints, strings, ...).
        sample_weight : array-like of shape (n_samples,), optional
            Non-negative weight of each row: each step minimises its batch's
            weighted mean loss ``sum_i w_i l_i / sum_i w_i``.  With the whole
            set in one batch (``n_samples <= batch_size``, ``early_stopping``
            off), integer weights train like repeated rows, up to rounding;
            minibatches are shuffled rows, so there they do so only on
            average.
        validation_data : tuple (X_val, y_val), optional
            A validation set measured after every epoch (``validation_scores_``,
            ``validation_loss_curve_``); with ``early_stopping=True`` it is
            used instead of holding out ``validation_fraction``.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        return self._fit(X, y, incremental=False, validation_data=validation_data, sample_weight=sample_weight)

    def partial_fit(self, X, y, classes=None, sample_weight=None, *, validation_data=None):
        """Train for one epoch on ``X, y``, going on from the fitted network.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
        classes : array-like of shape (n_classes,), optional
            Every class the network will see; required on the first call,
            and must be the same as ``classes_`` on later ones.
        sample_weight : array-like of shape (n_samples,), optional
            Non-negative weight of each row (see :meth:`fit`).
        validation_data : tuple (X_val, y_val), optional
            Measured after the epoch.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        if not hasattr(self, "classes_"):
            if classes is None:
                raise ValueError("classes must be passed on the first call to partial_fit")
        elif classes is not None and not np.array_equal(unique_labels(classes), self.classes_):
            raise ValueError(
                f"classes={list(unique_labels(classes))} differs from the classes of the earlier calls, "
                f"{list(self.classes_)}"
            )
        return self._fit(X, y, incremental=True, validation_data=validation_data, classes=classes,
                         sample_weight=sample_weight)

    def _class_weights(self, class_weight, targets: np.ndarray, incremental: bool) -> np.ndarray:
        """The weight of each of ``classes_`` (in their order)."""
        from sklearn.utils.class_weight import compute_class_weight

        if isinstance(class_weight, str) and class_weight == "balanced":
            if incremental:
                raise ValueError("class_weight='balanced' is not supported by partial_fit (each batch would weigh "
                                 "the classes differently); pass a dict of class weights computed on all the data")
            present = np.unique(targets)
            weights = np.ones(len(self.classes_))
            weights[present] = compute_class_weight("balanced", classes=present, y=targets)
            return weights
        if not isinstance(class_weight, dict):
            raise ValueError(f"class_weight must be 'balanced', a dict or None, got {class_weight!r}")
        labels = self.classes_.tolist()
        unknown = [k for k in class_weight if k not in labels]
        if unknown:
            raise ValueError(f"class_weight names {unknown}, which are not among the classes {labels}")
        weights = np.ones(len(labels))
        for i, label in enumerate(labels):
            if label in class_weight:
                value = class_weight[label]
                if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value) \
                        or value < 0:
                    raise ValueError(f"class_weight[{label!r}] must be a finite number >= 0, got {value!r}")
                weights[i] = float(value)
        return weights

    def _encode(self, y, *, first: bool, classes=None, name: str = "y") -> np.ndarray:
        check_classification_targets(y)
        if first:
            found = unique_labels(y if classes is None else classes)
            if len(found) < 2:
                raise ValueError(f"{type(self).__name__} needs at least 2 classes, got 1 class: {found[0]!r}")
            self.classes_ = found
            self.n_outputs_ = len(found)
        idx = np.searchsorted(self.classes_, y)
        idx = np.clip(idx, 0, len(self.classes_) - 1)
        unknown = self.classes_[idx] != y
        if np.any(unknown):
            raise ValueError(
                f"{name} has labels {list(np.unique(np.asarray(y)[unknown]))} that are not among the "
                f"classes {list(self.classes_)}"
            )
        return idx.astype(np.int64)

    def _decode_targets(self, t: np.ndarray) -> np.ndarray:
        return t

    def _score_fn(self, X_val, y_val):
        return lambda model, logs: logs["val_accuracy"]

    def decision_function(self, X):
        """Scores of each class (binary: the score of ``classes_[1]`` minus that of ``classes_[0]``).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples,) or (n_samples, n_classes)
            The network's scores; with two classes the difference
            ``s_1 - s_0``, positive for ``classes_[1]`` (the log-odds for the
            softmax loss).
        """
        scores = self._scores(X)
        return scores[:, 1] - scores[:, 0] if scores.shape[1] == 2 else scores

    def predict(self, X):
        """The class of largest score for each row.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples,)
            Labels from ``classes_``.
        """
        scores = self._scores(X)
        return self.classes_[np.argmax(scores, axis=1)]

    @available_if(_has_proba)
    def predict_proba(self, X):
        """Class probabilities: the softmax of the scores (softmax loss only).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples, n_classes)
            Column ``j`` is the probability of ``classes_[j]``.
        """
        return softmax(self._scores(X))

    @available_if(_has_proba)
    def predict_log_proba(self, X):
        """Log of :meth:`predict_proba`, computed stably (softmax loss only).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples, n_classes)
        """
        return log_softmax(self._scores(X))
