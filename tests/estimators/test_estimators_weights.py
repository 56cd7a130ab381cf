"""sample_weight and class_weight in the estimators."""

import numpy as np
import pytest
from sklearn.datasets import make_blobs

from ranvier.estimators import MLPClassifier, MLPRegressor, SoftmaxClassifier

FIXED = {"n_iter_no_change": np.inf, "max_iter": 15, "random_state": 0}


def test_integer_weights_fit_like_repeated_rows_on_a_full_batch():
    X, y = make_blobs(n_samples=40, centers=3, n_features=4, random_state=0)
    w = np.random.default_rng(0).integers(0, 4, size=40)
    a = MLPClassifier((8,), learning_rate_init=0.01, **FIXED).fit(X, y, sample_weight=w)
    b = MLPClassifier((8,), learning_rate_init=0.01, **FIXED).fit(X.repeat(w, axis=0), y.repeat(w))
    np.testing.assert_allclose(a.predict_proba(X), b.predict_proba(X), rtol=1e-10)
    np.testing.assert_allclose(a.loss_curve_, b.loss_curve_, rtol=1e-10)


def test_regressor_and_partial_fit_take_sample_weight():
    X, _ = make_blobs(n_samples=30, n_features=3, random_state=1)
    y = X @ [1.0, -2.0, 0.5]
    w = np.linspace(0, 2, 30)
    a = MLPRegressor((), learning_rate_init=0.01, **FIXED).fit(X, y, sample_weight=w)
    b = MLPRegressor((), learning_rate_init=0.01, **FIXED).fit(X[1:], y[1:], sample_weight=w[1:])
    np.testing.assert_allclose(a.predict(X), b.predict(X), rtol=1e-10)  # weight 0 is a removed row
    c = MLPRegressor((), **FIXED).partial_fit(X, y, sample_weight=w)
    assert c.n_iter_ == 1


def test_class_weight_by_label_equals_the_sample_weights():
    X, y = make_blobs(n_samples=60, centers=2, n_features=3, random_state=2, cluster_std=4)
    labels = np.array(["cat", "dog"])[y]
    a = SoftmaxClassifier(class_weight={"dog": 4.0}, **FIXED).fit(X, labels)
    b = SoftmaxClassifier(**FIXED).fit(X, labels, sample_weight=np.where(y == 1, 4.0, 1.0))
    np.testing.assert_array_equal(a.coefs_[0], b.coefs_[0])


def test_balanced_class_weight_moves_the_boundary_to_the_rare_class():
    X, y = make_blobs(n_samples=[180, 20], centers=[[0, 0], [1.5, 1.5]], random_state=3)
    plain = SoftmaxClassifier(learning_rate_init=0.05, **FIXED).fit(X, y)
    balanced = SoftmaxClassifier(learning_rate_init=0.05, class_weight="balanced", **FIXED).fit(X, y)
    assert (balanced.predict(X) == 1).sum() > (plain.predict(X) == 1).sum()


def test_bad_class_weights_are_refused():
    X, y = make_blobs(n_samples=30, centers=2, random_state=0)
    with pytest.raises(ValueError, match="not supported by partial_fit"):
        SoftmaxClassifier(class_weight="balanced").partial_fit(X, y, classes=[0, 1])
    with pytest.raises(ValueError, match="not among the classes"):
        SoftmaxClassifier(class_weight={5: 1.0}, **FIXED).fit(X, y)
    with pytest.raises(ValueError, match="'balanced', a dict"):
        SoftmaxClassifier(class_weight="equal", **FIXED).fit(X, y)
    with pytest.raises(ValueError, match="Negative values"):
        SoftmaxClassifier(**FIXED).fit(X, y, sample_weight=-np.ones(30))
