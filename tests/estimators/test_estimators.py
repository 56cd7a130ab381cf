import doctest
import importlib
import io
import math
import pickle
import pkgutil
import subprocess
import sys
import warnings

import joblib
import numpy as np
import pytest
from sklearn.base import clone
from sklearn.datasets import load_digits, make_blobs
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.neural_network import MLPClassifier as SkMLPClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import parametrize_with_checks

import ranvier.estimators
from ranvier import DivergenceWarning
from ranvier.estimators import (LinearSVMClassifier, MLPClassifier, MLPRegressor, SoftmaxClassifier,
                                sklearn_expected_failures)
from ranvier.optim import SGD, StepDecay

# Every fit below that stops at max_iter on purpose says so with n_iter_no_change=np.inf
# (a fixed budget, no ConvergenceWarning) or catches the warning explicitly.
FIXED = {"n_iter_no_change": np.inf}

NEEDS_PANDAS = "feature names come from DataFrame columns: needs pandas, which the test extras install"


def _digits(n=600):
    X, y = load_digits(return_X_y=True)
    return X[:n] / 16.0, y[:n]


def _blobs(n=150, centers=3, seed=0):
    X, y = make_blobs(n_samples=n, centers=centers, n_features=4, random_state=seed)
    return StandardScaler().fit_transform(X), y


# ------------------------------------------------------ scikit-learn's checks
CHECKED = [
    SoftmaxClassifier(),
    LinearSVMClassifier(),
    MLPClassifier(),
    MLPClassifier(hidden_layer_sizes=(8, 6), activation="tanh", loss="svm", solver="rmsprop"),
    MLPClassifier(solver="sgd", dtype=np.float32, record_path=True),
    MLPClassifier(early_stopping=True),
    MLPRegressor(),
    MLPRegressor(hidden_layer_sizes=(), learning_rate_init=0.01),
    MLPRegressor(early_stopping=True),
]


def expected_failed_checks(estimator):
    # The checks that cannot pass, each with its reason (see docs/estimators.md). Without pandas
    # or SCIPY_ARRAY_API the checks that need them skip themselves.
    return sklearn_expected_failures(estimator)


# The checks fit tiny data sets (10 to 300 rows) for the estimator's fixed budget of epochs;
# whether such a fit meets tol before max_iter says nothing about the API contract, so the
# ConvergenceWarning that scikit-learn's convention asks for is not an error here.
@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@parametrize_with_checks(CHECKED, expected_failed_checks=expected_failed_checks)
def test_sklearn_estimator_checks(estimator, check):
    check(estimator)


# ------------------------------------------------ drop-in use in scikit-learn
def test_pipeline_with_standard_scaler():
    X, y = _digits(1797)
    pipe = make_pipeline(StandardScaler(), MLPClassifier((32,), learning_rate_init=0.01, max_iter=20,
                                                         random_state=0, **FIXED))
    pipe.fit(X[:1400], y[:1400])
    assert pipe.score(X[1400:], y[1400:]) > 0.9
    assert pipe.predict_proba(X[1400:]).shape == (397, 10)


def test_grid_search_over_learning_rate_regularisation_and_hidden_sizes():
    X, y = _digits(450)
    grid = GridSearchCV(
        MLPClassifier(max_iter=15, random_state=0, **FIXED),
        {"learning_rate_init": [1e-4, 1e-2], "reg": [0.0, 1e-3], "hidden_layer_sizes": [(16,), (32, 16)]},
        cv=3,
    )
    grid.fit(X, y)
    assert len(grid.cv_results_["params"]) == 8
    assert grid.best_params_["learning_rate_init"] == 1e-2  # 15 epochs at 1e-4 barely move
    assert grid.best_score_ > 0.85
    assert grid.best_estimator_.n_features_in_ == 64


def test_cross_val_score():
    X, y = _digits(450)
    scores = cross_val_score(SoftmaxClassifier(learning_rate_init=0.05, max_iter=20, random_state=0, **FIXED),
                             X, y, cv=3)
    assert scores.shape == (3,) and scores.min() > 0.85
    r2 = cross_val_score(MLPRegressor((16,), learning_rate_init=0.01, max_iter=50, random_state=0, **FIXED),
                         X[:, :32], X[:, 32], cv=3)
    assert r2.shape == (3,) and np.isfinite(r2).all()


def test_clone_copies_parameters_not_fitted_state():
    X, y = _blobs()
    est = MLPClassifier((7,), reg=1e-3, solver=SGD(momentum=0.5), random_state=3, max_iter=5, **FIXED).fit(X, y)
    twin = clone(est)
    assert twin.get_params()["hidden_layer_sizes"] == (7,)
    assert twin.get_params()["solver"] == SGD(momentum=0.5) and twin.solver is not est.solver
    assert not hasattr(twin, "model_") and not hasattr(twin, "classes_")
    with pytest.raises(NotFittedError):
        twin.predict(X)
    np.testing.assert_array_equal(twin.fit(X, y).predict_proba(X), est.predict_proba(X))


@pytest.mark.parametrize("dump", ["pickle", "joblib"])
@pytest.mark.parametrize("make", [
    lambda: MLPClassifier((8,), random_state=0, max_iter=5, record_path=True, **FIXED),
    lambda: LinearSVMClassifier(random_state=0, max_iter=5, **FIXED),
    lambda: MLPRegressor((8,), random_state=0, max_iter=5, **FIXED),
])
def test_pickle_and_joblib_round_trips_keep_predictions_and_training(dump, make):
    X, y = _blobs()
    est = make().fit(X, y)
    if dump == "pickle":
        back = pickle.loads(pickle.dumps(est))
    else:
        buf = io.BytesIO()
        joblib.dump(est, buf)
        buf.seek(0)
        back = joblib.load(buf)
    methods = ["predict", "decision_function", "predict_proba", "score"]
    for name in methods:
        if hasattr(est, name):
            args = (X, y) if name == "score" else (X,)
            np.testing.assert_array_equal(getattr(back, name)(*args), getattr(est, name)(*args))
    # the optimiser state and the seeds travel too: training goes on identically
    est.partial_fit(X, y)
    back.partial_fit(X, y)
    np.testing.assert_array_equal(back.model_.get_flat_params(), est.model_.get_flat_params())
    assert back.loss_curve_ == est.loss_curve_


# ------------------------------------------------------------------- labels
def test_string_and_noncontiguous_integer_labels():
    X, y = _blobs()
    names = np.array(["cat", "dog", "emu"])[y]
    clf = MLPClassifier((8,), learning_rate_init=0.01, random_state=0, max_iter=30, **FIXED).fit(X, names)
    np.testing.assert_array_equal(clf.classes_, ["cat", "dog", "emu"])
    assert set(clf.predict(X)) <= {"cat", "dog", "emu"}
    assert clf.score(X, names) > 0.9
    codes = np.array([-5, 10, 7])[y]
    clf2 = clone(clf).fit(X, codes)
    np.testing.assert_array_equal(clf2.classes_, [-5, 7, 10])
    np.testing.assert_array_equal(clf2.predict(X), np.array([-5, 7, 10])[clf2.predict_proba(X).argmax(1)])


def test_binary_decision_function_is_the_score_difference():
    X, y = _blobs(centers=2)
    clf = MLPClassifier((6,), random_state=0, max_iter=10, **FIXED).fit(X, np.where(y, "yes", "no"))
    dec = clf.decision_function(X)
    assert dec.shape == (len(X),)
    scores = clf.model_.scores(X)
    np.testing.assert_allclose(dec, scores[:, 1] - scores[:, 0])
    np.testing.assert_array_equal(clf.predict(X), np.where(dec > 0, "yes", "no"))
    proba = clf.predict_proba(X)
    np.testing.assert_allclose(proba[:, 1], 1 / (1 + np.exp(-dec)), rtol=1e-10)
    np.testing.assert_allclose(clf.predict_log_proba(X), np.log(proba), rtol=1e-10, atol=1e-12)


def test_hinge_models_have_no_probabilities():
    assert not hasattr(LinearSVMClassifier(), "predict_proba")
    assert not hasattr(MLPClassifier(loss="svm"), "predict_log_proba")
    assert hasattr(MLPClassifier(loss="softmax"), "predict_proba")
    assert hasattr(SoftmaxClassifier(), "predict_proba")
    X, y = _blobs()
    svm = LinearSVMClassifier(learning_rate_init=0.05, random_state=0, max_iter=20, **FIXED).fit(X, y)
    assert svm.model_.loss_name == "svm" and svm.decision_function(X).shape == (len(X), 3)
    assert svm.score(X, y) > 0.9


def test_one_class_is_an_error():
    X, _ = _blobs()
    with pytest.raises(ValueError, match="at least 2 classes"):
        SoftmaxClassifier().fit(X, np.ones(len(X)))


# ------------------------------------------------------- fitted attributes
def test_coefs_are_views_in_sklearn_orientation():
    X, y = _blobs()
    clf = MLPClassifier((5, 4), activation="tanh", random_state=0, max_iter=3, **FIXED).fit(X, y)
    assert [c.shape for c in clf.coefs_] == [(4, 5), (5, 4), (4, 3)]
    assert [b.shape for b in clf.intercepts_] == [(5,), (4,), (3,)]
    assert clf.n_layers_ == 4 and clf.n_outputs_ == 3 and clf.n_features_in_ == 4
    h = X
    for k, (W, b) in enumerate(zip(clf.coefs_, clf.intercepts_)):
        h = h @ W + b
        if k < 2:
            h = np.tanh(h)
    np.testing.assert_allclose(h, clf.decision_function(X), rtol=1e-12)
    assert np.shares_memory(clf.coefs_[0], clf.model_.params["W1"])


def test_loss_curve_n_iter_and_history():
    X, y = _blobs()
    clf = SoftmaxClassifier(random_state=0, max_iter=7, **FIXED).fit(X, y)
    assert clf.n_iter_ == 7 and len(clf.loss_curve_) == 7
    assert clf.loss_curve_ == clf.history_.epoch["loss"]
    assert clf.loss_ == clf.loss_curve_[-1] and clf.best_loss_ == min(clf.loss_curve_)
    assert clf.validation_scores_ is None and clf.best_validation_score_ is None
    assert clf.t_ == 7 * len(X)
    # at initialisation the softmax loss of a small-weight linear classifier is ln c
    assert SoftmaxClassifier(max_iter=1, learning_rate_init=1e-9, random_state=0, **FIXED).fit(X, y).history_.step_loss[
        0] == pytest.approx(math.log(3), abs=1e-2)


def test_record_path_is_the_gd_style_path():
    X, y = _blobs()
    clf = MLPClassifier((4,), random_state=0, max_iter=5, record_path=True, restore_best=False, **FIXED)
    init = MLPClassifier((4,), random_state=0, max_iter=1, learning_rate_init=1e-12, restore_best=False, **FIXED)
    clf.fit(X, y)
    n_params = 4 * 4 + 4 + 4 * 3 + 3
    assert clf.path_.shape == (6, n_params)
    np.testing.assert_array_equal(clf.path_[-1], clf.model_.get_flat_params())
    np.testing.assert_allclose(clf.path_[0], init.fit(X, y).model_.get_flat_params(), atol=1e-9)
    clf.partial_fit(X, y)  # the path goes on
    assert clf.path_.shape == (7, n_params)
    assert not hasattr(clone(clf).set_params(record_path=False).fit(X, y), "path_")


@pytest.mark.parametrize(("X_dtype", "param", "expected"), [
    (np.float32, None, np.float32),
    (np.float64, None, np.float64),
    (np.int64, None, np.float64),
    (np.float64, np.float32, np.float32),
    (np.float32, np.float64, np.float64),
])
def test_network_dtype_follows_the_data_unless_set(X_dtype, param, expected):
    X, y = _blobs()
    X = (X * 10).astype(X_dtype)
    clf = MLPClassifier((4,), dtype=param, random_state=0, max_iter=2, **FIXED).fit(X, y)
    assert clf.model_.dtype == expected
    assert clf.predict_proba(X).dtype == expected and clf.coefs_[0].dtype == expected
    reg = MLPRegressor((4,), dtype=param, random_state=0, max_iter=2, **FIXED).fit(X, y * 1.5)
    assert reg.predict(X).dtype == expected


# ------------------------------------------------------------- training
def test_warm_start_goes_on_exactly_where_fit_stopped():
    # full batches and no shuffling effect: 3 + 2 warm-started epochs equal 5 epochs, Adam's
    # moments and step count carried over
    X, y = _blobs()
    kw = dict(hidden_layer_sizes=(6,), batch_size=1000, restore_best=False, random_state=0, **FIXED)
    once = MLPClassifier(max_iter=5, **kw).fit(X, y)
    twice = MLPClassifier(max_iter=3, warm_start=True, **kw).fit(X, y)
    model = twice.model_
    twice.set_params(max_iter=2).fit(X, y)
    assert twice.model_ is model
    np.testing.assert_array_equal(twice.model_.get_flat_params(), once.model_.get_flat_params())
    assert twice.loss_curve_ == once.loss_curve_ and twice.n_iter_ == 2
    # without warm_start, fit starts over
    cold = clone(twice).set_params(warm_start=False, max_iter=5).fit(X, y)
    np.testing.assert_array_equal(cold.model_.get_flat_params(), once.model_.get_flat_params())


def test_warm_start_refuses_a_changed_architecture():
    X, y = _blobs()
    clf = MLPClassifier((4,), warm_start=True, max_iter=2, **FIXED).fit(X, y)
    with pytest.raises(ValueError, match="architecture"):
        clf.set_params(hidden_layer_sizes=(5,)).fit(X, y)
    with pytest.raises(ValueError, match="not among the classes"):
        clf.set_params(hidden_layer_sizes=(4,)).fit(X, y + 1)


def test_partial_fit_runs_one_epoch_per_call():
    X, y = _blobs()
    clf = MLPClassifier((8,), learning_rate_init=0.01, random_state=0)
    with pytest.raises(ValueError, match="classes must be passed"):
        clf.partial_fit(X, y)
    clf.partial_fit(X[y == 1], y[y == 1], classes=[0, 1, 2])  # a batch of one class is fine
    for _ in range(4):
        clf.partial_fit(X[y < 2], y[y < 2], classes=[0, 1, 2])  # class 2 not yet seen
        assert clf.n_iter_ == 1
    assert len(clf.loss_curve_) == 5 and clf.loss_curve_[-1] < clf.loss_curve_[1]
    np.testing.assert_array_equal(clf.classes_, [0, 1, 2])
    clf.partial_fit(X, y)
    with pytest.raises(ValueError, match="differs from the classes"):
        clf.partial_fit(X, y, classes=[0, 1])
    with pytest.raises(ValueError, match="not among the classes"):
        clf.partial_fit(X, y + 5)
    with pytest.raises(ValueError, match="X has 3 features"):
        clf.partial_fit(X[:, :3], y)


def test_early_stopping_restores_the_best_validation_epoch():
    X, y = _digits()
    X_val, y_val = X[450:], y[450:]
    clf = MLPClassifier((32,), learning_rate_init=0.05, max_iter=200, early_stopping=True, n_iter_no_change=3,
                        random_state=0)
    clf.fit(X[:450], y[:450], validation_data=(X_val, y_val))
    assert clf.n_iter_ < 200  # stopped by the tol rule
    assert len(clf.validation_scores_) == clf.n_iter_ == len(clf.validation_loss_curve_)
    assert clf.best_validation_score_ == max(clf.validation_scores_)
    best = clf.validation_scores_[clf.best_epoch_ - 1]
    assert best == clf.best_validation_score_ == clf.score(X_val, y_val)


def test_early_stopping_holds_out_validation_fraction():
    X, y = _digits()
    clf = MLPClassifier((16,), learning_rate_init=0.01, max_iter=5, early_stopping=True, validation_fraction=0.2,
                        random_state=0, **FIXED).fit(X, y)
    assert clf.t_ == 5 * 480 and len(clf.validation_scores_) == 5
    reg = MLPRegressor((8,), max_iter=3, early_stopping=True, random_state=0, **FIXED).fit(X[:, :10], X[:, 10])
    assert len(reg.validation_scores_) == 3  # R^2 of each epoch
    with pytest.raises(ValueError, match="validation_fraction"):
        MLPClassifier(early_stopping=True, validation_fraction=0.9).fit(X[:4], y[:4])


def test_validation_data_without_early_stopping_only_measures():
    X, y = _blobs()
    names = np.array(["a", "b", "c"])[y]
    clf = SoftmaxClassifier(learning_rate_init=0.05, random_state=0, max_iter=6, **FIXED)
    clf.fit(X[:100], names[:100], validation_data=(X[100:], names[100:]))
    assert clf.n_iter_ == 6 and len(clf.validation_scores_) == 6
    assert clf.validation_scores_ == clf.history_.epoch["val_accuracy"]
    clf.partial_fit(X, names)  # no validation data this epoch: NaN keeps the curves aligned
    assert len(clf.validation_scores_) == 7 and math.isnan(clf.validation_scores_[-1])
    with pytest.raises(ValueError, match="not among the classes"):
        clf.fit(X, names, validation_data=(X, y))
    with pytest.raises(ValueError, match="features"):
        clf.fit(X, names, validation_data=(X[:, :2], names))


def test_stops_by_scikit_learns_tol_rule_and_warns_at_max_iter():
    X, y = _blobs()
    with pytest.warns(ConvergenceWarning, match="max_iter=3"):
        SoftmaxClassifier(max_iter=3).fit(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        clf = SoftmaxClassifier(learning_rate_init=0.1, max_iter=1000, tol=1e-3, n_iter_no_change=2,
                                random_state=0).fit(X, y)
        assert clf.n_iter_ < 1000
        assert clf.history_.stopped_reason.startswith(f"converged after epoch {clf.n_iter_}: the training loss")
        losses = clf.loss_curve_  # 3 epochs in a row that did not beat the best before them by tol
        assert all(losses[i] > min(losses[:i]) - 1e-3 for i in range(len(losses) - 3, len(losses)))
        assert losses[-4] <= min(losses[:-4]) - 1e-3
        SoftmaxClassifier(max_iter=3, **FIXED).fit(X, y)  # a fixed budget does not warn


def test_divergence_warns_and_keeps_finite_parameters():
    X, y = _blobs()
    with pytest.warns(DivergenceWarning):
        clf = MLPClassifier((8,), solver="sgd", learning_rate_init=1e6, random_state=0, max_iter=20).fit(X * 1e3, y)
    assert np.isfinite(clf.model_.get_flat_params()).all()
    assert clf.history_.diverged


def test_verbose_prints_the_trainers_progress(capsys):
    X, y = _blobs()
    SoftmaxClassifier(verbose=2, max_iter=2, **FIXED).fit(X, y)
    err = capsys.readouterr().err
    assert "epoch 1/2: loss" in err and "epoch 2/2" in err
    SoftmaxClassifier(verbose=False, max_iter=2, **FIXED).fit(X, y)
    assert capsys.readouterr().err == ""


def test_optimizer_instance_schedule_and_solvers():
    X, y = _blobs()
    clf = MLPClassifier((6,), solver=SGD(momentum=0.5), learning_rate_init=0.02, random_state=0, max_iter=2,
                        **FIXED).fit(X, y)
    assert clf.history_.epoch["lr"] == [0.02, 0.02]
    sched = StepDecay(0.1, step_size=1, gamma=0.5)
    clf = MLPClassifier((6,), solver="sgd", schedule=sched, batch_size=1000, random_state=0, max_iter=3,
                        **FIXED).fit(X, y)
    assert clf.history_.epoch["lr"] == [0.1, 0.05, 0.025]
    for solver in ["adam", "adamw", "adagrad", "rmsprop", "sgd"]:
        assert MLPClassifier((6,), solver=solver, random_state=0, max_iter=2, **FIXED).fit(X, y).n_iter_ == 2


def test_reg_is_scikit_learns_alpha_divided_by_the_batch_size():
    # one full-batch SGD step from the same weights: ranvier with reg = alpha / m moves them
    # exactly as scikit-learn's MLPClassifier with alpha does
    X, y = _blobs(n=60)
    m, alpha, lr = len(X), 0.5, 0.1
    ours = MLPClassifier((5,), reg=alpha / m, solver="sgd", momentum=0.0, learning_rate_init=lr, batch_size=m,
                         random_state=0)
    theirs = SkMLPClassifier((5,), alpha=alpha, solver="sgd", momentum=0.0, learning_rate_init=lr, batch_size=m,
                             random_state=0)
    ours.partial_fit(X, y, classes=[0, 1, 2])
    theirs.partial_fit(X, y, classes=[0, 1, 2])
    theirs.coefs_ = [c.copy() for c in ours.coefs_]
    theirs.intercepts_ = [b.copy() for b in ours.intercepts_]
    ours.partial_fit(X, y)
    theirs.partial_fit(X, y)
    assert ours.loss_curve_[-1] == pytest.approx(theirs.loss_curve_[-1], rel=1e-12)
    for a, b in zip(ours.coefs_ + ours.intercepts_, theirs.coefs_ + theirs.intercepts_):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14)


# ------------------------------------------------------------- regressor
def test_regressor_xor_least_squares_view():
    X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
    y = np.array([0.0, 1.0, 1.0, 0.0])
    linear = MLPRegressor((), solver="sgd", momentum=0.0, learning_rate_init=0.5, batch_size=4, max_iter=300,
                          random_state=0, **FIXED).fit(X, y)
    np.testing.assert_allclose(linear.predict(X), 0.5, atol=1e-3)  # w = 0, b = 0.5
    np.testing.assert_allclose(linear.coefs_[0], 0.0, atol=1e-3)
    net = MLPRegressor((16,), learning_rate_init=0.05, max_iter=500, random_state=0, **FIXED).fit(X, y)
    np.testing.assert_array_equal(net.predict(X).round(), y)


def test_regressor_target_shapes():
    X, _ = _blobs()
    Y = np.c_[X[:, 0] + X[:, 1], X[:, 2] - X[:, 3]]
    reg = MLPRegressor((16,), learning_rate_init=0.01, random_state=0, max_iter=100, **FIXED).fit(X, Y)
    assert reg.predict(X).shape == (len(X), 2) and reg.n_outputs_ == 2
    assert reg.score(X, Y) > 0.9
    col = MLPRegressor((4,), random_state=0, max_iter=2, **FIXED).fit(X, Y[:, :1])
    assert col.predict(X).shape == (len(X), 1)
    flat = MLPRegressor((4,), random_state=0, max_iter=2, **FIXED).fit(X, Y[:, 0])
    assert flat.predict(X).shape == (len(X),)
    np.testing.assert_allclose(flat.predict(X), col.predict(X)[:, 0])


def test_regressor_partial_fit_and_validation_r2():
    X, _ = _blobs()
    y = X[:, 0] - 2 * X[:, 1]
    reg = MLPRegressor((8,), learning_rate_init=0.01, random_state=0)
    for _ in range(3):
        reg.partial_fit(X[:100], y[:100], validation_data=(X[100:], y[100:]))
    assert reg.n_iter_ == 1 and len(reg.loss_curve_) == 3
    assert reg.validation_scores_[-1] == pytest.approx(reg.score(X[100:], y[100:]), rel=1e-12)
    with pytest.raises(ValueError, match="at least 2 rows"):
        reg.partial_fit(X, y, validation_data=(X[:1], y[:1]))
    with pytest.raises(ValueError, match="2 targets per row"):
        reg.partial_fit(X, np.c_[y, y])


# ---------------------------------------------------------------- errors
@pytest.mark.parametrize(("params", "error", "match"), [
    ({"solver": "lbfgs"}, ValueError, "solver must be one of"),
    ({"hidden_layer_sizes": (10, 0)}, ValueError, "hidden_layer_sizes"),
    ({"hidden_layer_sizes": "wide"}, ValueError, "hidden_layer_sizes"),
    ({"activation": "swish"}, ValueError, "unknown activation"),
    ({"loss": "squared"}, ValueError, "loss must be 'softmax' or 'svm'"),
    ({"batch_size": 0}, ValueError, "batch_size"),
    ({"batch_size": "all"}, ValueError, "batch_size"),
    ({"learning_rate_init": 0}, ValueError, "learning_rate_init"),
    ({"reg": -1.0}, ValueError, "reg"),
    ({"max_iter": 0}, ValueError, "max_iter"),
    ({"n_iter_no_change": 0}, ValueError, "n_iter_no_change"),
    ({"validation_fraction": 1.0}, ValueError, "validation_fraction"),
    ({"verbose": 3}, ValueError, "verbose"),
    ({"dtype": np.int32}, ValueError, "dtype"),
    ({"warm_start": "yes"}, TypeError, "warm_start"),
])
def test_bad_hyperparameters_raise_at_fit_with_a_message(params, error, match):
    X, y = _blobs()
    est = MLPClassifier(**params)  # __init__ only stores
    with pytest.raises(error, match=match):
        est.fit(X, y)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")  # as for the checks above
@pytest.mark.parametrize("estimator", CHECKED[:3] + CHECKED[6:7], ids=lambda e: type(e).__name__)
def test_sklearn_dataframe_column_names_check(estimator):
    # scikit-learn's check of feature_names_in_ is not among those parametrize_with_checks yields
    pytest.importorskip("pandas", reason=NEEDS_PANDAS)
    from sklearn.utils.estimator_checks import check_dataframe_column_names_consistency

    check_dataframe_column_names_consistency(type(estimator).__name__, estimator)


def test_feature_names_are_checked():
    pd = pytest.importorskip("pandas", reason=NEEDS_PANDAS)
    X, y = _blobs()
    df = pd.DataFrame(X, columns=["a", "b", "c", "d"])
    clf = SoftmaxClassifier(max_iter=2, **FIXED).fit(df, y)
    np.testing.assert_array_equal(clf.feature_names_in_, ["a", "b", "c", "d"])
    with pytest.raises(ValueError, match="feature names"):
        clf.predict(df[["d", "c", "b", "a"]])


def test_docstring_examples():
    # the examples live in the modules that define the estimators (doctest finds only a module's own)
    attempted = failed = 0
    for info in pkgutil.iter_modules(ranvier.estimators.__path__, prefix="ranvier.estimators."):
        result = doctest.testmod(importlib.import_module(info.name), optionflags=doctest.ELLIPSIS)
        attempted, failed = attempted + result.attempted, failed + result.failed
    assert attempted >= 30 and failed == 0  # 16 in linear.py, 14 in mlp.py: none lost in the move


def test_import_ranvier_loads_the_estimators_and_scikit_learn_on_first_use():
    code = (
        "import sys, ranvier\n"
        "assert 'sklearn' not in sys.modules and 'ranvier.estimators' not in sys.modules\n"
        "cls = ranvier.MLPClassifier\n"
        "import ranvier.estimators, ranvier.estimators.mlp\n"
        "assert 'sklearn' in sys.modules and cls is ranvier.estimators.MLPClassifier is ranvier.estimators.mlp.MLPClassifier\n"
        "assert ranvier.SoftmaxClassifier is ranvier.estimators.linear.SoftmaxClassifier\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_the_package_exports_what_the_flat_module_did():
    import ranvier.estimators.checks

    assert ranvier.estimators.__all__ == ["LinearSVMClassifier", "MLPClassifier", "MLPRegressor", "SoftmaxClassifier"]
    assert ranvier.estimators.sklearn_expected_failures is ranvier.estimators.checks.sklearn_expected_failures
    assert ranvier.estimators.SOLVERS == ("adam", "sgd", "adamw", "adagrad", "rmsprop")


# ------------------------------------------------------------------ issue 13: ranges as the CLI has them
_RANGE_CASES = [
    ({"solver": "sgd", "momentum": 1.5}, ValueError, "momentum must be a finite number in [0, 1), got 1.5"),
    ({"solver": "sgd", "momentum": 1.0}, ValueError, "momentum must be a finite number in [0, 1), got 1.0"),
    ({"solver": "sgd", "momentum": -0.1}, ValueError, "momentum must be a finite number in [0, 1), got -0.1"),
    ({"solver": "sgd", "momentum": math.nan}, ValueError, "momentum must be a finite number in [0, 1), got nan"),
    ({"solver": "sgd", "momentum": "0.9"}, TypeError, "momentum must be a number, got str"),
    ({"learning_rate_init": -0.1}, ValueError, "learning_rate_init must be a finite number > 0, got -0.1"),
    ({"learning_rate_init": math.inf}, ValueError, "learning_rate_init must be a finite number > 0, got inf"),
    ({"beta_1": 1.0}, ValueError, "beta_1 must be a finite number in [0, 1), got 1.0"),
    ({"beta_2": -0.5}, ValueError, "beta_2 must be a finite number in [0, 1), got -0.5"),
    ({"epsilon": 0.0}, ValueError, "epsilon must be a finite number > 0, got 0.0"),
    ({"epsilon": -1e-8}, ValueError, "epsilon must be a finite number > 0, got -1e-08"),
    ({"solver": ranvier.optim.Adam(eps=0.0)}, ValueError, "the solver's eps must be a finite number > 0, got 0.0"),
    ({"solver": ranvier.optim.RMSprop(eps=0.0)}, ValueError, "the solver's eps must be a finite number > 0, got 0.0"),
    ({"solver": SGD(momentum=1.5)}, ValueError, "the solver's momentum must be a finite number in [0, 1), got 1.5"),
    ({"validation_fraction": 0.0}, ValueError, "validation_fraction must be a finite number in (0, 1), got 0.0"),
    ({"validation_fraction": 1.0}, ValueError, "validation_fraction must be a finite number in (0, 1), got 1.0"),
    ({"tol": -1.0}, ValueError, "tol must be a finite number >= 0, got -1.0"),
    ({"margin": -1.0}, ValueError, "margin must be a finite number >= 0, got -1.0"),
]


@pytest.mark.parametrize(("params", "error", "message"), _RANGE_CASES, ids=[str(c[0]) for c in _RANGE_CASES])
def test_numbers_out_of_range_are_refused_with_the_exact_message(params, error, message):
    X, y = _blobs()
    est = LinearSVMClassifier(**params)  # __init__ only stores
    with pytest.raises(error) as info:
        est.fit(X, y)
    assert str(info.value) == message


def test_the_cli_and_the_estimators_share_one_rule():
    import argparse

    from ranvier.cli import _types as T
    from ranvier._validation import FRACTION, POSITIVE

    for text, ok in (("0", True), ("0.9", True), ("1", False), ("1.5", False), ("-0.1", False)):
        assert (float(text) in FRACTION) is ok
        if ok:
            assert T.fraction(text) == float(text)
        else:
            with pytest.raises(argparse.ArgumentTypeError, match=r"expected a fraction in \[0, 1\)"):
                T.fraction(text)
    assert 1e-300 in POSITIVE and 0.0 not in POSITIVE and math.inf not in POSITIVE


def test_adam_with_epsilon_0_would_have_given_nan_parameters():
    # why epsilon=0 is refused: a constant pixel (gradient 0) gets the update 0 / (sqrt(0) + 0)
    X, y = load_digits(return_X_y=True)
    opt = ranvier.optim.Adam(lr=0.1, eps=0.0)
    params = {"b": np.zeros(3)}
    with np.errstate(invalid="ignore"):
        opt.step(params, {"b": np.zeros(3)}, opt.init(params))
    assert np.isnan(params["b"]).all()
    est = LinearSVMClassifier(epsilon=1e-8, batch_size=len(y), max_iter=3, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est.fit(X, y)
    assert np.isfinite(est.coefs_[0]).all() and np.isfinite(est.intercepts_[0]).all()
