"""The estimators' dropout= and batch_norm=: scikit-learn's checks, and a real fit."""

import numpy as np
import pytest
from sklearn.datasets import load_digits
from sklearn.utils.estimator_checks import parametrize_with_checks

from ranvier.estimators import MLPClassifier, MLPRegressor, sklearn_expected_failures

CHECKED = [
    MLPClassifier(dropout=0.2, batch_norm=True),
    MLPRegressor(hidden_layer_sizes=(16,), dropout=0.1, batch_norm=True),
]


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@parametrize_with_checks(CHECKED, expected_failed_checks=sklearn_expected_failures)
def test_sklearn_estimator_checks(estimator, check):
    check(estimator)


def test_digits_with_dropout_and_batch_norm():
    X, y = load_digits(return_X_y=True)
    clf = MLPClassifier((64,), dropout=0.2, batch_norm=True, learning_rate_init=0.01, max_iter=15,
                        n_iter_no_change=np.inf, random_state=0).fit(X[:1400] / 16, y[:1400])
    assert not clf.model_.training and clf.model_.batch_norm and clf.model_.dropout == (0.2,)
    assert clf.score(X[1400:] / 16, y[1400:]) > 0.9
    assert "gamma1" in clf.model_.params and "running_var1" in clf.model_.buffers
    again = MLPClassifier((64,), dropout=0.2, batch_norm=True, learning_rate_init=0.01, max_iter=15,
                          n_iter_no_change=np.inf, random_state=0).fit(X[:1400] / 16, y[:1400])
    np.testing.assert_array_equal(again.predict_proba(X[1400:] / 16), clf.predict_proba(X[1400:] / 16))


@pytest.mark.parametrize("bad", [1.0, -0.1, "0.5"])
def test_bad_dropout_is_refused_at_fit(bad):
    with pytest.raises(ValueError, match="dropout must be a probability"):
        MLPClassifier(dropout=bad).fit(np.eye(4), [0, 1, 0, 1])


def test_warm_start_refuses_a_changed_dropout():
    X, y = load_digits(return_X_y=True)
    clf = MLPClassifier((8,), max_iter=2, warm_start=True, n_iter_no_change=np.inf, random_state=0).fit(X, y)
    clf.set_params(dropout=0.5)
    with pytest.raises(ValueError, match="dropout, batch_norm"):
        clf.fit(X, y)
