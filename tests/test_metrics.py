"""ranvier.metrics against sklearn.metrics, and by hand."""

import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from sklearn import metrics as skm

from ranvier.losses import softmax
from ranvier.metrics import classification_report, confusion_matrix, top_k_accuracy


def case(seed, m=60, c=4):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, c, m)
    scores = rng.normal(size=(m, c)) + 1.5 * np.eye(c)[y]  # better than chance, not perfect
    return scores, y


@given(st.integers(0, 10_000), st.integers(1, 40), st.integers(2, 6))
def test_matches_sklearn(seed, m, c):
    scores, y = case(seed, m, c)
    labels = np.arange(c)
    pred = scores.argmax(axis=1)
    r = classification_report(scores, y, top_k=(2,))
    p, rec, f, s = skm.precision_recall_fscore_support(y, pred, labels=labels, zero_division=0)
    np.testing.assert_allclose(r.precision, p, rtol=0, atol=1e-15)
    np.testing.assert_allclose(r.recall, rec, rtol=0, atol=1e-15)
    np.testing.assert_allclose(r.f1, f, rtol=0, atol=1e-15)
    np.testing.assert_array_equal(r.support, s)
    np.testing.assert_array_equal(r.confusion, skm.confusion_matrix(y, pred, labels=labels))
    for kind in ("macro", "weighted"):
        want = skm.precision_recall_fscore_support(y, pred, labels=labels, average=kind, zero_division=0)[:3]
        np.testing.assert_allclose(r.average(kind), want, rtol=1e-14, atol=1e-15)
    assert r.accuracy == skm.accuracy_score(y, pred)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # sklearn warns when a predicted class never occurs in y
        np.testing.assert_allclose(r.balanced_accuracy, skm.balanced_accuracy_score(y, pred), rtol=1e-14)
    np.testing.assert_allclose(r.log_loss, skm.log_loss(y, softmax(scores), labels=labels), rtol=1e-12)
    if c > 2:
        assert r.top_k[2] == skm.top_k_accuracy_score(y, scores, k=2, labels=labels)


def test_by_hand():
    scores = np.array([[2.0, 1.0, 0.0], [0.0, 2.0, 1.0], [1.0, 0.0, 2.0], [2.0, 0.0, 1.0]])
    r = classification_report(scores, np.array([0, 1, 1, 2]), class_names=["a", "b", "c"], top_k=(2, 5))
    np.testing.assert_array_equal(r.confusion, [[1, 0, 0], [0, 1, 1], [1, 0, 0]])
    np.testing.assert_array_equal(r.precision, [0.5, 1.0, 0.0])
    np.testing.assert_array_equal(r.recall, [1.0, 0.5, 0.0])
    np.testing.assert_allclose(r.f1, [2 / 3, 2 / 3, 0.0])
    assert r.accuracy == 0.5 and r.balanced_accuracy == 0.5
    assert r.top_k == {2: 0.75, 5: 1.0}
    assert r.to_dict()["per_class"]["b"] == {"precision": 1.0, "recall": 0.5, "f1": 2 / 3, "support": 2}
    lines = r.table().splitlines()
    assert lines[1].split() == ["a", "0.5000", "1.0000", "0.6667", "1"]
    assert lines[-1].split()[:2] == ["weighted", "avg"]


def test_top_k_ties_go_to_the_lower_class():
    scores = np.array([[1.0, 1.0, 1.0]])
    assert top_k_accuracy(scores, np.array([0]), 1) == 1.0
    assert top_k_accuracy(scores, np.array([2]), 2) == 0.0
    assert top_k_accuracy(scores, np.array([2]), 3) == 1.0
    with pytest.raises(ValueError, match="k must be between 1 and the number of classes"):
        top_k_accuracy(scores, np.array([0]), 0)


def test_confusion_matrix_counts():
    np.testing.assert_array_equal(confusion_matrix([0, 1, 1, 2], [0, 2, 1, 2], 3), [[1, 0, 0], [0, 1, 1], [0, 0, 1]])


def test_confusion_matrix_is_one_count_for_metrics_and_pictures():
    from ranvier import plot

    assert plot.confusion_matrix is confusion_matrix
    np.testing.assert_array_equal(confusion_matrix([2, 0], [0, 0]), [[1, 0, 0], [0, 0, 0], [1, 0, 0]])  # c from the labels
    assert confusion_matrix([], [], 2).tolist() == [[0, 0], [0, 0]]


@pytest.mark.parametrize("y_true, y_pred, n, message", [
    ([0, 3], [0, 1], 3, r"class labels must lie in \[0, 3\), got 0..3"),  # was counted in a wrong cell
    ([0, 1], [0, -1], 3, r"must lie in \[0, 3\), got -1..1"),
    ([0.5, 1], [0, 1], 3, "must be integers"),
    ([[0, 1]], [[0, 1]], 3, "1-D of the same length"),
])
def test_confusion_matrix_refuses_labels_outside_the_classes(y_true, y_pred, n, message):
    with pytest.raises(ValueError, match=message):
        confusion_matrix(y_true, y_pred, n)


@pytest.mark.parametrize("scores, y, message", [
    (np.zeros((2, 3)), np.array([0, 3]), r"labels must lie in \[0, 3\)"),
    (np.zeros((2, 3)), np.array([0]), "scores must be"),
    (np.zeros((0, 3)), np.zeros(0, int), "m > 0"),
])
def test_bad_input(scores, y, message):
    with pytest.raises(ValueError, match=message):
        classification_report(scores, y)


def test_no_log_loss_for_other_scores():
    scores, y = case(0)
    assert classification_report(scores, y, softmax_scores=False).log_loss is None
