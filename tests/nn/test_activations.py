import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from ranvier import ACTIVATIONS, Activation, get_activation
from ranvier.activations import elu, leaky_relu, relu, sigmoid, softplus, tanh

NAMES = sorted(ACTIVATIONS)


def test_known_values():
    x = np.array([-2.0, -0.5, 0.0, 0.5, 2.0])
    np.testing.assert_array_equal(relu(x), [0, 0, 0, 0.5, 2])
    np.testing.assert_allclose(leaky_relu(x), [-0.02, -0.005, 0, 0.5, 2])
    np.testing.assert_allclose(sigmoid(x), 1 / (1 + np.exp(-x)), rtol=1e-15)
    np.testing.assert_allclose(tanh(x), np.tanh(x))
    np.testing.assert_allclose(softplus(x), np.log1p(np.exp(x)), rtol=1e-15)
    np.testing.assert_allclose(elu(x), np.where(x > 0, x, np.exp(x) - 1), rtol=1e-15)
    assert sigmoid(np.array(0.0)) == 0.5


def test_relu_is_the_lectures_x_times_x_positive():
    x = np.random.default_rng(0).normal(size=100)
    np.testing.assert_array_equal(relu(x), x * (x > 0))


def test_sigmoid_is_stable_and_exact_for_large_inputs():
    x = np.array([-1e4, -745.0, -700.0, -30.0, 30.0, 700.0, 1e4])
    s = sigmoid(x)  # any overflow warning fails the test
    assert s[0] == 0.0 and s[-1] == 1.0
    for xi, si in zip(x[1:4], s[1:4]):  # full relative precision on the negative tail
        assert si == pytest.approx(math.exp(xi) / (1 + math.exp(xi)), rel=1e-14)
    assert 1 - s[4] == pytest.approx(math.exp(-30.0), rel=1e-2)  # limited only by 1 - s rounding
    d = get_activation("sigmoid").derivative(x)
    assert np.isfinite(d).all()
    assert d[3] == pytest.approx(math.exp(-30.0) / (1 + math.exp(-30.0)) ** 2, rel=1e-14)
    assert d[4] == pytest.approx(d[3], rel=1e-14)  # symmetric, even where sigma rounds to 1


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", NAMES)
def test_dtype_is_kept(name, dtype):
    act = get_activation(name)
    x = np.linspace(-3, 3, 7).astype(dtype)
    assert act.forward(x).dtype == dtype
    assert act.derivative(x).dtype == dtype
    assert act.backward(np.ones_like(x), act.forward(x)).dtype == dtype


@pytest.mark.parametrize("name", NAMES)
@given(x=st.floats(-20, 20).filter(lambda v: abs(v) > 1e-3))
def test_derivative_matches_centred_difference(name, x):
    act = get_activation(name)
    h = 1e-6
    numeric = (act.forward(np.array(x + h)) - act.forward(np.array(x - h))) / (2 * h)
    assert float(act.derivative(np.array(x))) == pytest.approx(float(numeric), rel=1e-6, abs=1e-8)


@pytest.mark.parametrize("name", NAMES)
def test_backward_is_dout_times_derivative(name):
    act = get_activation(name)
    rng = np.random.default_rng(3)
    x = rng.normal(scale=3, size=(4, 5))
    dout = rng.normal(size=(4, 5))
    np.testing.assert_allclose(act.backward(dout, act.forward(x)), dout * act.derivative(x), rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("name", NAMES)
def test_in_place_forward_and_backward_give_the_same_numbers(name):
    act = get_activation(name)
    rng = np.random.default_rng(4)
    x = rng.normal(scale=3, size=(4, 5)).astype(np.float32)
    dout = rng.normal(size=(4, 5)).astype(np.float32)
    y = act.forward(x)
    dx = act.backward(dout, y)
    buf = x.copy()
    assert act.forward(buf, out=buf) is buf  # pre-activation overwritten by the activation
    np.testing.assert_array_equal(buf, y)
    dbuf = dout.copy()
    assert act.backward(dbuf, buf, out=dbuf) is dbuf
    np.testing.assert_array_equal(dbuf, dx)


def test_derivatives_at_the_kink_take_the_left_side():
    zero = np.array([0.0])
    assert get_activation("relu").derivative(zero)[0] == 0.0
    assert get_activation("leaky_relu").derivative(zero)[0] == 0.01


def test_lecture_identities():
    x = np.linspace(-5, 5, 101)
    np.testing.assert_allclose(tanh(x), 2 * sigmoid(2 * x) - 1, atol=1e-15)
    s = sigmoid(x)
    np.testing.assert_allclose(get_activation("sigmoid").derivative(x), s * (1 - s), rtol=1e-12)
    np.testing.assert_allclose(get_activation("tanh").derivative(x), 1 - np.tanh(x) ** 2, rtol=1e-12)
    # saturation: the sigmoid's gradient vanishes far from 0
    assert get_activation("sigmoid").derivative(np.array(20.0)) < 3e-9


def test_lookup_by_name_and_alias():
    assert get_activation("ReLU") is ACTIVATIONS["relu"]
    assert get_activation("logistic") is ACTIVATIONS["sigmoid"]
    assert get_activation("linear").name == "identity"
    act = ACTIVATIONS["tanh"]
    assert get_activation(act) is act
    assert isinstance(act, Activation) and repr(act) == "Activation('tanh')"


def test_leaky_relu_slope_option():
    act = get_activation("leaky_relu", negative_slope=0.2)
    np.testing.assert_allclose(act.forward(np.array([-1.0, 1.0])), [-0.2, 1.0])
    np.testing.assert_allclose(act.derivative(np.array([-1.0, 1.0])), [0.2, 1.0])


def test_unknown_name_lists_the_valid_ones():
    with pytest.raises(ValueError, match="unknown activation 'rleu'; choose one of: identity, relu"):
        get_activation("rleu")
    with pytest.raises(TypeError, match="activation must be a name"):
        get_activation(3)


# ------------------------------------------------------------------ issue 13: exact tanh tails
def _sech2(x: float) -> float:
    """1 / cosh(x)^2 = 4 exp(-2|x|) / (1 + exp(-2|x|))^2, in exact decimal arithmetic."""
    from decimal import Decimal, localcontext

    with localcontext() as ctx:
        ctx.prec = 60
        e = (Decimal(-2) * abs(Decimal(x))).exp()
        return float(4 * e / (1 + e) ** 2)


@pytest.mark.parametrize("x", [0.0, 1e-9, 0.3, 1.0, 5.0, 18.0, 19.0, 19.1, 20.0, 50.0, 100.0, 300.0, 354.0])
def test_tanh_derivative_is_exact_on_both_tails(x):
    d = get_activation("tanh").derivative
    exact = _sech2(x)
    for v in (x, -x):
        got = float(d(np.array([v]))[0])
        assert got == pytest.approx(exact, rel=4e-16, abs=0), (v, got, exact)
    assert exact > 1e-308  # a normal number: not 0, as 1 - tanh(x)^2 is from |x| ~ 19


def test_tanh_derivative_in_float32_and_where_it_underflows():
    d = get_activation("tanh").derivative
    x32 = np.array([0.0, 1.0, 9.0, 10.0, 30.0, 45.0, 60.0, -45.0], dtype=np.float32)
    out = d(x32)  # any overflow or underflow warning fails the test
    assert out.dtype == np.float32
    exact = np.array([_sech2(float(v)) for v in x32])
    np.testing.assert_allclose(out[:6], exact[:6].astype(np.float32), rtol=3e-7)
    assert out[6] == 0.0 and out[7] == out[5]  # 4 e^-120 is below float32's smallest number
    assert float(1 - np.tanh(np.float32(10.0)) ** 2) == 0.0  # what the derivative used to give
    assert d(np.array([800.0]))[0] == 0.0 and d(np.array([3]))[0] == pytest.approx(_sech2(3.0), rel=4e-16)
