"""ranvier.nn layers: forward formulas, numerical gradient checks in float64, buffers reused."""

import pickle

import numpy as np
import pytest

from ranvier.gradcheck import numerical_gradient, rel_error
from ranvier.nn import (
    ACTIVATIONS, ELU, Activation, BatchNorm, Dropout, Identity, LayerNorm, LeakyReLU, Linear, ReLU, Sigmoid,
    Softplus, Tanh,
)

RNG = np.random.default_rng(0)


def _check_layer(layer, x, training=True, tol=1e-7):
    """Gradients of ``sum(forward(x) * R)`` by the backward pass vs centred differences."""
    R = np.random.default_rng(1).normal(size=layer.forward(x.copy(), training).shape)

    def f(_):
        return float(np.sum(layer.forward(x, training) * R))

    out = layer.forward(x, training).copy()  # a buffer: the passes below overwrite it
    dx = layer.backward(R.copy()).copy()
    grads = {k: g.copy() for k, g in layer.grads.items()}
    assert rel_error(dx, numerical_gradient(f, x)) < tol
    for name, p in layer.params.items():
        assert rel_error(grads[name], numerical_gradient(f, p)) < tol, name
    return out


def test_linear_is_the_lectures_W_x_plus_b():
    layer = Linear(3, 2, seed=0, dtype=np.float64)
    assert layer.params["W"].shape == (2, 3) and layer.params["b"].shape == (2,)
    layer.params["b"][...] = [1.0, -2.0]
    x = RNG.normal(size=(4, 3))
    np.testing.assert_allclose(layer.forward(x), x @ layer.params["W"].T + [1.0, -2.0], rtol=1e-14)
    assert layer.num_params == 8


def test_linear_seed_and_dtype_give_the_same_numbers():
    a, b = Linear(5, 4, seed=3, dtype=np.float32), Linear(5, 4, seed=3, dtype=np.float64)
    assert a.params["W"].dtype == np.float32 and b.params["W"].dtype == np.float64
    np.testing.assert_array_equal(a.params["W"], b.params["W"].astype(np.float32))
    assert np.std(Linear(500, 300, seed=0, init="he").params["W"]) == pytest.approx(np.sqrt(2 / 500), rel=0.02)
    assert np.std(Linear(500, 300, seed=0, init="xavier").params["W"]) == pytest.approx(np.sqrt(2 / 800), rel=0.02)


@pytest.mark.parametrize("bad", [0, -1, 2.5, True])
def test_linear_rejects_bad_widths(bad):
    with pytest.raises(ValueError, match="n_in must be a positive integer"):
        Linear(bad, 3)


def test_linear_gradients():
    layer = Linear(4, 3, seed=0, dtype=np.float64)
    layer.params["b"][...] = RNG.normal(size=3)
    _check_layer(layer, RNG.normal(size=(5, 4)))


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_every_activation_layer_gradient(name):
    x = RNG.normal(size=(6, 5))
    x[np.abs(x) < 1e-3] = 0.5  # away from the kinks
    out = _check_layer(Activation(name), x)
    np.testing.assert_allclose(out, ACTIVATIONS[name].forward(x), rtol=1e-15)


def test_named_activation_classes():
    for cls, name in [(ReLU, "relu"), (Tanh, "tanh"), (Sigmoid, "sigmoid"), (Identity, "identity"),
                      (LeakyReLU, "leaky_relu"), (Softplus, "softplus"), (ELU, "elu")]:
        assert isinstance(cls(), Activation) and cls().name == name
    with pytest.raises(ValueError, match="unknown activation 'swish'; choose one of"):
        Activation("swish")


def test_a_layer_used_alone_leaves_its_arguments_alone():
    x = RNG.normal(size=(4, 3))
    x0 = x.copy()
    relu = ReLU()
    relu.forward(x)
    dout = RNG.normal(size=(4, 3))
    d0 = dout.copy()
    relu.backward(dout)
    np.testing.assert_array_equal(x, x0)
    np.testing.assert_array_equal(dout, d0)


def test_dropout_is_inverted_and_seeded():
    x = np.ones((2000, 50))
    out = Dropout(0.3, seed=0).forward(x, training=True)
    kept = out != 0
    assert set(np.unique(out)) == {0.0, 1 / 0.7}
    assert kept.mean() == pytest.approx(0.7, abs=0.01)
    assert out.mean() == pytest.approx(1.0, abs=0.01)  # inverted: the expectation is kept
    np.testing.assert_array_equal(Dropout(0.3, seed=0).forward(x, True), out)
    assert not np.array_equal(Dropout(0.3, seed=1).forward(x, True), out)


def test_dropout_in_evaluation_is_the_identity():
    layer = Dropout(0.5, seed=0)
    x = RNG.normal(size=(4, 3))
    np.testing.assert_array_equal(layer.forward(x, training=False), x)
    np.testing.assert_array_equal(layer.backward(np.ones((4, 3))), np.ones((4, 3)))


def test_dropout_gradient_with_the_mask_held():
    layer = Dropout(0.4, seed=0)
    layer.hold_mask = True
    x = RNG.normal(size=(6, 5))
    _check_layer(layer, x)
    np.testing.assert_array_equal(layer.backward(np.ones((6, 5))), layer.mask)


@pytest.mark.parametrize("p", [-0.1, 1.0, 1.5, "0.5", True])
def test_dropout_rejects_bad_p(p):
    with pytest.raises(ValueError, match="dropout p must be a probability in"):
        Dropout(p)


def test_batchnorm_training_forward_formula_and_running_statistics():
    bn = BatchNorm(3, momentum=0.2, dtype=np.float64)
    x = RNG.normal(loc=2.0, scale=3.0, size=(8, 3))
    out = bn.forward(x, training=True)
    mu, var = x.mean(0), x.var(0)
    np.testing.assert_allclose(out, (x - mu) / np.sqrt(var + 1e-5), rtol=1e-12)
    np.testing.assert_allclose(bn.buffers["running_mean"], 0.2 * mu, rtol=1e-14)
    np.testing.assert_allclose(bn.buffers["running_var"], 0.8 + 0.2 * x.var(0, ddof=1), rtol=1e-14)
    ev = bn.forward(x, training=False)
    np.testing.assert_allclose(ev, (x - 0.2 * mu) / np.sqrt(bn.buffers["running_var"] + 1e-5), rtol=1e-12)


@pytest.mark.parametrize("training", [True, False])
def test_batchnorm_gradients(training):
    bn = BatchNorm(4, dtype=np.float64)
    bn.params["gamma"][...] = RNG.normal(size=4)
    bn.params["beta"][...] = RNG.normal(size=4)
    bn.buffers["running_mean"][...] = RNG.normal(size=4)
    bn.buffers["running_var"][...] = RNG.uniform(0.5, 2, size=4)
    _check_layer(bn, RNG.normal(size=(7, 4)), training=training)


def test_batchnorm_refuses_one_example_in_training():
    with pytest.raises(ValueError, match="at least 2 examples per batch"):
        BatchNorm(3).forward(np.ones((1, 3), np.float32), training=True)
    assert BatchNorm(3).forward(np.ones((1, 3), np.float32), training=False).shape == (1, 3)


def test_layernorm_forward_and_gradients():
    ln = LayerNorm(5, dtype=np.float64)
    x = RNG.normal(loc=1.0, scale=2.0, size=(4, 5))
    out = ln.forward(x)
    np.testing.assert_allclose(out, (x - x.mean(1, keepdims=True)) / np.sqrt(x.var(1, keepdims=True) + 1e-5),
                               rtol=1e-12)
    ln.params["gamma"][...] = RNG.normal(size=5)
    ln.params["beta"][...] = RNG.normal(size=5)
    _check_layer(ln, x)


@pytest.mark.parametrize("layer", [BatchNorm(4), LayerNorm(4), Linear(4, 4, seed=0), Dropout(0.5, seed=0), ReLU()])
def test_buffers_are_made_once_per_batch_size(layer):
    x = RNG.normal(size=(6, 4)).astype(np.float32)
    out1 = layer.forward(x, True)
    dx1 = layer.backward(np.ones_like(out1))
    out2 = layer.forward(x, True)
    dx2 = layer.backward(np.ones_like(out2))
    assert out1 is out2 and dx1 is dx2
    assert layer.forward(x[:3], True) is not out1  # another batch size: its own buffer


def test_layers_pickle_without_their_scratch_buffers():
    bn = BatchNorm(4)
    bn.forward(RNG.normal(size=(5, 4)).astype(np.float32))
    copy = pickle.loads(pickle.dumps(bn))
    np.testing.assert_array_equal(copy.buffers["running_mean"], bn.buffers["running_mean"])
    assert copy._bufs == {}
    relu = pickle.loads(pickle.dumps(ReLU()))
    assert relu.fn is ACTIVATIONS["relu"]


def test_an_activation_of_ones_own_survives_copies():
    import copy

    from ranvier import get_activation

    steep = Activation(get_activation("leaky_relu", negative_slope=0.2))
    twin = copy.deepcopy(steep)
    np.testing.assert_allclose(twin.forward(np.array([[-1.0, 2.0]])), [[-0.2, 2.0]])
