import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from ranvier import log_softmax, multiclass_hinge, numerical_gradient, softmax, softmax_cross_entropy, squared_error
from ranvier.losses import get_loss, loss_name

LOSS_FNS = [softmax_cross_entropy, multiclass_hinge, squared_error]


def _problem(draw_shape=(5, 4), seed=0, scale=3.0):
    rng = np.random.default_rng(seed)
    scores = rng.normal(scale=scale, size=draw_shape)
    y = rng.integers(0, draw_shape[1], size=draw_shape[0])
    return scores, y


@st.composite
def scores_and_labels(draw, max_m=6, max_c=6, scale=10.0):
    m = draw(st.integers(1, max_m))
    c = draw(st.integers(2, max_c))
    scores = draw(arrays(np.float64, (m, c), elements=st.floats(-scale, scale, allow_nan=False)))
    y = np.array(draw(st.lists(st.integers(0, c - 1), min_size=m, max_size=m)), dtype=np.int64)
    return scores, y


# ------------------------------------------------------------------ softmax
def test_softmax_cross_entropy_known_value():
    loss, dscores = softmax_cross_entropy(np.array([[1.0, 2.0, 3.0]]), np.array([2]))
    assert loss == pytest.approx(np.log(np.exp(1) + np.exp(2) + np.exp(3)) - 3, rel=1e-15)
    assert loss == pytest.approx(0.4076059644443804, rel=1e-15)
    p = np.exp([1.0, 2.0, 3.0]) / np.exp([1.0, 2.0, 3.0]).sum()
    np.testing.assert_allclose(dscores, [p - [0, 0, 1]], rtol=1e-14)


def test_softmax_cross_entropy_averages_over_batch():
    scores, y = _problem((7, 5))
    loss, dscores = softmax_cross_entropy(scores, y)
    per_row = [softmax_cross_entropy(scores[i : i + 1], y[i : i + 1]) for i in range(7)]
    assert loss == pytest.approx(np.mean([l for l, _ in per_row]), rel=1e-14)
    np.testing.assert_allclose(dscores, np.vstack([d for _, d in per_row]) / 7, rtol=1e-14)


def test_lecture_scores_give_exact_loss():
    # the lecture's scores 300, 500, -150 with true class 1 (index 0): log-sum-exp minus 300
    loss, dscores = softmax_cross_entropy(np.array([[300.0, 500.0, -150.0]]), np.array([0]))
    assert loss == 200.0
    p = [np.exp(-200.0), 1.0, np.exp(-650.0)]  # tiny but not zero: exact, not rounded away
    np.testing.assert_allclose(dscores, [[p[0] - 1, p[1], p[2]]], rtol=1e-15)
    assert dscores[0, 2] > 0
    np.testing.assert_allclose(softmax(np.array([[300.0, 500.0, -150.0]])), [p], rtol=1e-15)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("fn", LOSS_FNS)
def test_scores_of_magnitude_1e4_stay_finite_and_exact(fn, dtype):
    rng = np.random.default_rng(1)
    scores = (rng.choice([-1.0, 1.0], size=(6, 10)) * 1e4 * rng.uniform(0.5, 1.0, size=(6, 10))).astype(dtype)
    y = rng.integers(0, 10, size=6)
    loss, dscores = fn(scores, y)  # pytest turns any RuntimeWarning into an error
    assert np.isfinite(loss) and np.isfinite(dscores).all()
    assert dscores.dtype == dtype
    s64 = scores.astype(np.float64)
    if fn is softmax_cross_entropy:
        expected = np.mean(np.logaddexp.reduce(s64, axis=1) - s64[np.arange(6), y])
    elif fn is multiclass_hinge:
        z = np.maximum(0, 1 + s64 - s64[np.arange(6), y][:, None])
        z[np.arange(6), y] = 0
        expected = z.sum() / 6
    else:
        t = np.eye(10)[y]
        expected = 0.5 * ((s64 - t) ** 2).sum() / 6
    assert loss == pytest.approx(expected, rel=1e-6 if dtype == np.float32 else 1e-14)


def test_softmax_rows_sum_to_one_and_keep_dtype():
    scores = np.array([[1e4, -1e4, 0.0], [0.0, 0.0, 0.0]], dtype=np.float32)
    p = softmax(scores)
    assert p.dtype == np.float32
    np.testing.assert_allclose(p.sum(axis=1), 1.0, rtol=1e-6)
    np.testing.assert_allclose(p[1], [1 / 3] * 3, rtol=1e-6)
    np.testing.assert_array_equal(p[0], [1.0, 0.0, 0.0])


def test_log_softmax_matches_log_of_softmax():
    scores, _ = _problem((4, 6))
    np.testing.assert_allclose(log_softmax(scores), np.log(softmax(scores)), rtol=1e-13)


@given(scores_and_labels(), st.floats(-1e3, 1e3))
def test_softmax_loss_is_unchanged_by_a_constant_added_to_a_row(problem, shift):
    scores, y = problem
    loss, grad = softmax_cross_entropy(scores, y)
    loss2, grad2 = softmax_cross_entropy(scores + shift, y)
    assert loss2 == pytest.approx(loss, rel=1e-9, abs=1e-9)
    np.testing.assert_allclose(grad2, grad, atol=1e-9)


@given(scores_and_labels())
def test_softmax_gradient_rows_sum_to_zero(problem):
    scores, y = problem
    _, grad = softmax_cross_entropy(scores, y)
    np.testing.assert_allclose(grad.sum(axis=1), 0.0, atol=1e-15)


# -------------------------------------------------------------------- hinge
def test_hinge_known_value_and_subgradient():
    # CS231n's cat example: scores 3.2, 5.1, -1.7 with true class 0
    loss, dscores = multiclass_hinge(np.array([[3.2, 5.1, -1.7]]), np.array([0]))
    assert loss == pytest.approx(2.9, rel=1e-14)
    np.testing.assert_array_equal(dscores, [[-1.0, 1.0, 0.0]])


def test_hinge_two_rows_with_margin():
    scores = np.array([[1.0, 2.0, 0.0], [4.0, 0.0, 3.5]])
    loss, dscores = multiclass_hinge(scores, np.array([1, 0]), margin=2.0)
    # row 0: max(0, 2+1-2)=1, max(0, 2+0-2)=0 -> 1;  row 1: max(0,2+0-4)=0, max(0,2+3.5-4)=1.5
    assert loss == pytest.approx((1.0 + 1.5) / 2, rel=1e-15)
    np.testing.assert_array_equal(dscores, np.array([[1, -1, 0], [-1, 0, 1]]) / 2)


def test_hinge_subgradient_is_zero_exactly_at_the_margin():
    loss, dscores = multiclass_hinge(np.array([[2.0, 1.0]]), np.array([0]))
    assert loss == 0.0
    np.testing.assert_array_equal(dscores, [[0.0, 0.0]])


@given(scores_and_labels(), st.floats(0.0, 5.0))
def test_hinge_is_zero_when_every_margin_is_met(problem, margin):
    scores, y = problem
    rows = np.arange(len(y))
    scores = scores.copy()
    scores[rows, y] = scores.max(axis=1) + margin + 0.5
    loss, dscores = multiclass_hinge(scores, y, margin=margin)
    assert loss == 0.0
    assert not dscores.any()


@given(scores_and_labels())
def test_hinge_is_at_least_zero_and_counts_violations(problem):
    scores, y = problem
    loss, dscores = multiclass_hinge(scores, y)
    assert loss >= 0
    m = len(y)
    rows = np.arange(m)
    counts = dscores * m  # wrong classes: 1 where the margin is violated, else 0
    violated = 1 + scores - scores[rows, y][:, None] > 0
    violated[rows, y] = False
    expected = violated.astype(float)
    expected[rows, y] = -violated.sum(axis=1)
    np.testing.assert_allclose(counts, expected, atol=1e-12)


def test_hinge_rejects_negative_margin():
    with pytest.raises(ValueError, match="margin must be a finite number >= 0"):
        multiclass_hinge(np.zeros((1, 2)), np.array([0]), margin=-1)


# ------------------------------------------------------------------ squared
def test_squared_error_one_hot_known_value():
    loss, dscores = squared_error(np.array([[0.5, 0.2]]), np.array([1]))
    assert loss == pytest.approx(0.5 * (0.25 + 0.64), rel=1e-15)
    np.testing.assert_allclose(dscores, [[0.5, -0.8]], rtol=1e-15)


def test_squared_error_real_targets_and_1d_targets():
    scores = np.array([[1.0], [3.0]])
    loss, dscores = squared_error(scores, np.array([0.0, 1.0]))
    assert loss == pytest.approx((0.5 * 1 + 0.5 * 4) / 2)
    np.testing.assert_allclose(dscores, [[0.5], [1.0]])
    loss2, _ = squared_error(scores, np.array([[0.0], [1.0]]))
    assert loss2 == loss


def test_squared_error_rejects_mismatched_targets():
    with pytest.raises(ValueError, match="real targets of the scores' shape"):
        squared_error(np.zeros((2, 3)), np.zeros((2, 2)))


# ------------------------------------------------------------ all the losses
@pytest.mark.parametrize("fn", LOSS_FNS)
@given(problem=scores_and_labels(scale=3.0))
def test_analytic_gradient_matches_numerical(fn, problem):
    scores, y = problem
    if fn is multiclass_hinge:  # stay away from the hinge's kinks
        z = 1 + scores - scores[np.arange(len(y)), y][:, None]
        z[np.arange(len(y)), y] = 1
        if np.abs(z).min() < 1e-3:
            return
    _, analytic = fn(scores, y)
    numeric = numerical_gradient(lambda s: fn(s, y)[0], scores.copy())
    np.testing.assert_allclose(analytic, numeric, atol=1e-8)


@pytest.mark.parametrize("fn", LOSS_FNS)
def test_losses_do_not_modify_their_input(fn):
    scores, y = _problem()
    before = scores.copy()
    fn(scores, y)
    np.testing.assert_array_equal(scores, before)


@pytest.mark.parametrize(
    ("scores", "y", "error", "match"),
    [
        (np.zeros(3), np.array([0]), ValueError, "scores must be a 2-D array"),
        (np.zeros((2, 3)), np.array([0]), ValueError, "y has 1 labels but there are 2 examples"),
        (np.zeros((2, 3)), np.array([0, 3]), ValueError, r"class labels in \[0, 3\)"),
        (np.zeros((2, 3)), np.array([0.0, 1.0]), TypeError, "integer class labels"),
        (np.array([[0.0, np.nan]]), np.array([0]), ValueError, "NaN or infinity"),
        (np.zeros((0, 3)), np.zeros(0, dtype=int), ValueError, "empty"),
    ],
)
@pytest.mark.parametrize("fn", [softmax_cross_entropy, multiclass_hinge])
def test_bad_input_gets_a_clear_error(fn, scores, y, error, match):
    with pytest.raises(error, match=match):
        fn(scores, y)


def test_loss_registry():
    assert get_loss("softmax") is softmax_cross_entropy
    assert get_loss("SVM") is multiclass_hinge
    assert get_loss("mse") is squared_error
    assert loss_name("hinge") == "svm"
    with pytest.raises(ValueError, match="choose one of: softmax, svm, squared"):
        get_loss("l1")


@pytest.mark.parametrize("fn", LOSS_FNS)
def test_out_buffer_and_in_place_give_the_same_numbers(fn):
    scores, y = _problem((6, 5), seed=4)
    loss, dscores = fn(scores, y)
    buf = np.empty_like(scores)
    loss_buf, d_buf = fn(scores, y, out=buf)
    assert d_buf is buf and loss_buf == loss
    np.testing.assert_array_equal(buf, dscores)
    inplace = scores.copy()
    loss_in, d_in = fn(inplace, y, out=inplace)
    assert d_in is inplace and loss_in == loss
    np.testing.assert_array_equal(inplace, dscores)


# ------------------------------------------------------------------ issue 13: scores near the top of the range


def _elements(dtype):
    """Scores near the dtype's largest number (3.4e38, 65504), of either sign, or small whole numbers."""
    top = float(np.finfo(dtype).max)
    width = np.dtype(dtype).itemsize * 8
    near_top = st.floats(top / 8, top, width=width)
    return st.one_of(near_top, near_top.map(lambda v: -v), st.integers(-10, 10).map(float))


@st.composite
def huge_problems(draw, dtype, targets=False):
    m, c = draw(st.integers(1, 5)), draw(st.integers(2, 6))
    scores = draw(arrays(dtype, (m, c), elements=_elements(dtype)))
    if targets:
        return scores, draw(arrays(dtype, (m, c), elements=_elements(dtype)))
    return scores, np.array(draw(st.lists(st.integers(0, c - 1), min_size=m, max_size=m)), dtype=np.int64)


def _exact_softmax(s64, y):
    m = len(y)
    shifted = s64 - s64.max(axis=1, keepdims=True)  # float64 holds every float32 difference
    lse = np.log(np.exp(shifted).sum(axis=1))
    p = np.exp(shifted - lse[:, None])
    p[np.arange(m), y] -= 1
    return float(np.sum((lse - shifted[np.arange(m), y]) / m)), p / m


def _exact_hinge(s64, y, margin=1.0):
    m = len(y)
    z = s64 - s64[np.arange(m), y][:, None] + margin
    z[np.arange(m), y] = 0
    z = np.maximum(z, 0)
    g = (z > 0).astype(np.float64)
    g[np.arange(m), y] = -g.sum(axis=1)
    return float(np.sum(z / m)), g / m


def _exact_squared(s64, t64):
    d = s64 - t64
    return float(0.5 * np.sum(d * d) / len(d)), d / len(d)


_TOL = {np.float32: 3e-7, np.float16: 2e-3}


def _check(fn, scores, y, exact):
    loss, dscores = fn(scores, y)  # any overflow warning fails the test (filterwarnings = error)
    dtype = scores.dtype.type
    want_loss, want_grad = exact
    assert np.isfinite(want_loss)  # float64 holds every loss of float32 or float16 scores
    # float16 keeps 3 digits of log(sum exp): an absolute error of its epsilon, however small the loss
    assert np.isfinite(loss) and loss == pytest.approx(want_loss, rel=4 * _TOL[dtype], abs=4 * _TOL[dtype])
    assert dscores.dtype == dtype
    with np.errstate(over="ignore"):
        want = want_grad.astype(dtype)
    assert np.isfinite(dscores).all() == np.isfinite(want).all()
    np.testing.assert_allclose(dscores.astype(np.float64), want.astype(np.float64), rtol=4 * _TOL[dtype],
                               atol=4 * _TOL[dtype] / len(scores))


@settings(max_examples=150, deadline=None)
@pytest.mark.parametrize("dtype", [np.float32, np.float16])
@given(data=st.data())
def test_softmax_cross_entropy_is_finite_near_the_top_of_the_range(dtype, data):
    scores, y = data.draw(huge_problems(dtype))
    _check(softmax_cross_entropy, scores, y, _exact_softmax(scores.astype(np.float64), y))


@settings(max_examples=150, deadline=None)
@pytest.mark.parametrize("dtype", [np.float32, np.float16])
@given(data=st.data())
def test_hinge_is_finite_near_the_top_of_the_range(dtype, data):
    scores, y = data.draw(huge_problems(dtype))
    _check(multiclass_hinge, scores, y, _exact_hinge(scores.astype(np.float64), y))


@settings(max_examples=150, deadline=None)
@pytest.mark.parametrize("dtype", [np.float32, np.float16])
@given(data=st.data())
def test_squared_error_is_finite_near_the_top_of_the_range(dtype, data):
    scores, y = data.draw(huge_problems(dtype))
    onehot = np.eye(scores.shape[1])[y]
    _check(squared_error, scores, y, _exact_squared(scores.astype(np.float64), onehot))
    scores, targets = data.draw(huge_problems(dtype, targets=True))
    _check(squared_error, scores, targets, _exact_squared(scores.astype(np.float64), targets.astype(np.float64)))


def test_the_issues_scores_give_the_exact_losses():
    big = np.float32(3e38)
    s = np.array([[big, -big, 0.0], [0.9 * big, big, -big]], dtype=np.float32)
    y = np.array([1, 2])
    b = float(big)
    assert softmax_cross_entropy(s, y)[0] == pytest.approx(2 * b, rel=1e-15)
    assert multiclass_hinge(s, y)[0] == pytest.approx(((2 * b + 1 + b + 1) + (float(np.float32(0.9 * big)) + b + 1
                                                       + 2 * b + 1)) / 2, rel=1e-15)
    assert squared_error(s, y)[0] == pytest.approx(0.5 * ((b**2 + (b + 1) ** 2) + (float(np.float32(0.9 * big)) ** 2
                                                   + b**2 + (b + 1) ** 2)) / 2, rel=1e-15)
    h = np.array([[6e4, -6e4, 0.0]], dtype=np.float16)
    assert softmax_cross_entropy(h, np.array([1]))[0] == 2 * float(np.float16(6e4))
    for fn in LOSS_FNS:
        loss, d = fn(s.copy(), y, out=None)
        assert np.isfinite(loss) and np.isfinite(d).all()
        mine = s.copy()
        assert fn(mine, y, out=mine)[0] == loss  # in place gives the same numbers
        np.testing.assert_array_equal(mine, d)


# the losses as they were computed before issue 13, for scores in the normal range: still the same bits
def _old_softmax(scores, y):
    m = scores.shape[0]
    rows = np.arange(m)
    row_max = scores.max(axis=1, keepdims=True)
    true_shifted = scores[rows, y] - row_max[:, 0]
    probs = np.exp(scores - row_max)
    sums = probs.sum(axis=1)
    loss = float(np.mean(np.log(sums) - true_shifted))
    probs /= sums[:, None]
    probs[rows, y] -= 1
    probs /= m
    return loss, probs


def _old_hinge(scores, y, margin=1.0):
    m = scores.shape[0]
    rows = np.arange(m)
    z = scores - scores[rows, y][:, None]
    z += margin
    z[rows, y] = 0
    np.maximum(z, 0, out=z)
    loss = float(z.sum() / m)
    np.sign(z, out=z)
    z[rows, y] = -z.sum(axis=1)
    z /= m
    return loss, z


def _old_squared(scores, y):
    diff = scores.copy()
    diff[np.arange(scores.shape[0]), y] -= 1
    m = scores.shape[0]
    loss = 0.5 * float(np.vdot(diff, diff)) / m
    diff /= m
    return loss, diff


@settings(max_examples=100, deadline=None)
@given(data=st.data())
def test_normal_range_scores_give_the_same_bits_as_before(data):
    m, c = data.draw(st.integers(1, 8)), data.draw(st.integers(2, 8))
    dtype = data.draw(st.sampled_from([np.float32, np.float64]))
    scores = data.draw(arrays(dtype, (m, c), elements=st.floats(-1e4, 1e4, width=32)))
    y = np.array(data.draw(st.lists(st.integers(0, c - 1), min_size=m, max_size=m)))
    for new, old in ((softmax_cross_entropy, _old_softmax), (multiclass_hinge, _old_hinge),
                     (squared_error, _old_squared)):
        loss, d = new(scores, y)
        want_loss, want_d = old(scores, y)
        assert loss == want_loss
        np.testing.assert_array_equal(d, want_d)


def test_float64_differences_past_the_range_keep_a_finite_gradient():
    # s - t = 2.6e308 overflows float64, but the gradient (s - t) / m = 1.3e308 does not
    s = np.array([[1.6e308, -1.0], [1.0, 2.0]])
    t = np.array([[-1.0e308, 0.0], [0.0, 0.0]])
    loss, d = squared_error(s, t)  # no overflow warning
    assert loss == np.inf  # 0.5 * (2.6e308)^2 / 2 is past float64's range
    np.testing.assert_array_equal(d, [[1.3e308, -0.5], [0.5, 1.0]])
    loss, d = multiclass_hinge(np.array([[1.6e308, -1.0e308], [0.0, 1.0]]), np.array([1, 1]))
    assert loss == pytest.approx(1.3e308, rel=1e-15)  # (1.6e308 + 1e308 + 1) / 2: finite
    np.testing.assert_array_equal(d, [[0.5, -0.5], [0.0, 0.0]])
