"""Sample weights in the three losses: the weighted mean, its exact gradient, repeated rows, PyTorch."""

import numpy as np
import pytest

from ranvier import multiclass_hinge, numerical_gradient, rel_error, softmax_cross_entropy, squared_error

LOSS_FNS = [softmax_cross_entropy, multiclass_hinge, squared_error]


def _problem(m=7, c=4, seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(scale=3.0, size=(m, c)), rng.integers(0, c, size=m), rng.uniform(0.1, 3.0, size=m)


@pytest.mark.parametrize("loss_fn", LOSS_FNS)
def test_weighted_loss_is_the_weighted_mean_of_row_losses(loss_fn):
    scores, y, w = _problem()
    rows = [loss_fn(scores[i : i + 1], y[i : i + 1])[0] for i in range(len(y))]
    loss, _ = loss_fn(scores, y, sample_weight=w)
    assert loss == pytest.approx(np.dot(w, rows) / w.sum(), rel=1e-14)


@pytest.mark.parametrize("loss_fn, targets", [(f, "labels") for f in LOSS_FNS] + [(squared_error, "real")])
def test_weighted_gradient_is_checked_numerically_in_float64(loss_fn, targets):
    scores, y, w = _problem(seed=1)
    if targets == "real":
        y = np.random.default_rng(2).normal(size=scores.shape)
    _, dscores = loss_fn(scores, y, sample_weight=w)
    numeric = numerical_gradient(lambda s: loss_fn(s, y, sample_weight=w)[0], scores.copy())
    assert rel_error(dscores, numeric) < 1e-8


@pytest.mark.parametrize("loss_fn", LOSS_FNS)
def test_integer_weights_equal_repeated_rows(loss_fn):
    scores, y, _ = _problem(m=9)
    w = np.array([0, 1, 2, 3, 1, 0, 4, 1, 2])
    loss, dscores = loss_fn(scores, y, sample_weight=w)
    rep_loss, rep_d = loss_fn(scores.repeat(w, axis=0), y.repeat(w))
    assert loss == pytest.approx(rep_loss, rel=1e-14)
    # the repeated rows' gradients, summed back onto their original row
    summed = np.zeros_like(scores)
    np.add.at(summed, np.arange(len(y)).repeat(w), rep_d)
    np.testing.assert_allclose(dscores, summed, rtol=1e-13, atol=1e-16)


@pytest.mark.parametrize("loss_fn", LOSS_FNS)
def test_equal_weights_give_the_mean(loss_fn):
    scores, y, _ = _problem()
    loss, dscores = loss_fn(scores, y)
    wloss, wd = loss_fn(scores, y, sample_weight=np.full(len(y), 2.5))
    assert wloss == pytest.approx(loss, rel=1e-14)
    np.testing.assert_allclose(wd, dscores, rtol=1e-13)


@pytest.mark.parametrize("loss_fn", LOSS_FNS)
def test_float32_keeps_its_dtype_and_out(loss_fn):
    scores, y, w = _problem()
    s32 = scores.astype(np.float32)
    out = np.empty_like(s32)
    loss, d = loss_fn(s32, y, sample_weight=w, out=out)
    assert d is out and d.dtype == np.float32
    loss64, d64 = loss_fn(scores, y, sample_weight=w)
    assert loss == pytest.approx(loss64, rel=1e-5)
    np.testing.assert_allclose(d, d64, rtol=1e-4, atol=1e-7)


@pytest.mark.parametrize("loss_fn", LOSS_FNS)
def test_huge_scores_stay_finite_with_weights(loss_fn):
    scores = np.array([[3e38, -3e38, 1.0], [2.0, 1.0, -3e38]], dtype=np.float32)
    loss, d = loss_fn(scores, np.array([1, 0]), sample_weight=np.array([1.0, 3.0]))
    assert np.isfinite(loss) and np.isfinite(d).all()


@pytest.mark.parametrize("bad, message", [
    (np.ones(3), "one weight per row"),
    (np.ones((7, 1)), "one weight per row"),
    (np.array([1.0, -1, 1, 1, 1, 1, 1]), ">= 0"),
    (np.array([1.0, np.nan, 1, 1, 1, 1, 1]), "finite"),
    (np.zeros(7), "sums to 0"),
    (np.array(list("abcdefg")), "real numbers"),
])
def test_bad_weights_are_refused(bad, message):
    scores, y, _ = _problem()
    for loss_fn in LOSS_FNS:
        with pytest.raises((ValueError, TypeError), match=message):
            loss_fn(scores, y, sample_weight=bad)


def test_class_weights_match_torch_cross_entropy():
    torch = pytest.importorskip("torch", reason="differential test against PyTorch; pip install torch==2.13.0 (CI installs it); the numerical gradient checks run without it")
    scores, y, _ = _problem(m=11, c=5, seed=3)
    cw = np.array([0.5, 2.0, 1.0, 4.0, 0.25])
    s = torch.tensor(scores, requires_grad=True)
    ref = torch.nn.CrossEntropyLoss(weight=torch.tensor(cw))(s, torch.tensor(y))
    ref.backward()
    # torch's weighted mean divides by the sum of the weights of the batch's targets: w_i = cw[y_i]
    loss, dscores = softmax_cross_entropy(scores, y, sample_weight=cw[y])
    assert loss == pytest.approx(ref.item(), rel=1e-14)
    np.testing.assert_allclose(dscores, s.grad.numpy(), rtol=1e-12, atol=1e-15)
