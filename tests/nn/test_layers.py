import numpy as np

from ranvier import numerical_gradient
from ranvier.layers import (
    activation_backward,
    activation_forward,
    affine_activation_backward,
    affine_activation_forward,
    affine_backward,
    affine_forward,
)


def _setup(seed=0, m=4, n=5, h=3):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(m, n)), rng.normal(size=(h, n)), rng.normal(size=h), rng.normal(size=(m, h))


def test_affine_forward_is_the_lectures_Wx_plus_b_row_by_row():
    x, W, b, _ = _setup()
    out, _ = affine_forward(x, W, b)
    assert out.shape == (4, 3)
    for i in range(4):
        np.testing.assert_allclose(out[i], W @ x[i] + b, rtol=1e-14)


def test_affine_backward_matches_numerical_gradients():
    x, W, b, dout = _setup()
    _, cache = affine_forward(x, W, b)
    dx, dW, db = affine_backward(dout, cache)

    def f(_):
        return float(np.sum(affine_forward(x, W, b)[0] * dout))

    np.testing.assert_allclose(dx, numerical_gradient(f, x), rtol=1e-8)
    np.testing.assert_allclose(dW, numerical_gradient(f, W), rtol=1e-8)
    np.testing.assert_allclose(db, numerical_gradient(f, b), rtol=1e-8)


def test_affine_activation_pair_matches_numerical_gradients():
    x, W, b, dout = _setup(seed=1)
    _, cache = affine_activation_forward(x, W, b, "tanh")
    dx, dW, db = affine_activation_backward(dout, cache)

    def f(_):
        return float(np.sum(affine_activation_forward(x, W, b, "tanh")[0] * dout))

    np.testing.assert_allclose(dx, numerical_gradient(f, x), rtol=1e-7)
    np.testing.assert_allclose(dW, numerical_gradient(f, W), rtol=1e-7)
    np.testing.assert_allclose(db, numerical_gradient(f, b), rtol=1e-7)


def test_activation_layer_relu_passes_gradient_only_where_positive():
    x = np.array([[-1.0, 2.0], [3.0, -4.0]])
    out, cache = activation_forward(x, "relu")
    np.testing.assert_array_equal(out, [[0, 2], [3, 0]])
    np.testing.assert_array_equal(activation_backward(np.ones_like(x), cache), [[0, 1], [1, 0]])


def test_buffers_and_need_dx():
    x, W, b, dout = _setup(seed=2)
    out = np.empty((4, 3))
    res, cache = affine_forward(x, W, b, out=out)
    assert res is out
    dx, dW, db = affine_backward(dout, cache)
    bufs = (np.empty_like(x), np.empty_like(W), np.empty_like(b))
    dx2, dW2, db2 = affine_backward(dout, cache, out=bufs)
    assert dx2 is bufs[0] and dW2 is bufs[1] and db2 is bufs[2]
    np.testing.assert_array_equal(dx2, dx)
    none, dW3, _ = affine_backward(dout, cache, need_dx=False)
    assert none is None
    np.testing.assert_array_equal(dW3, dW)
