"""Differential tests of the ranvier.nn layers against their PyTorch twins, in float64."""

import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="PyTorch is an optional reference: pip install torch==2.13.0")

from ranvier import MLP  # noqa: E402
from ranvier.nn import BatchNorm, Dropout, LayerNorm  # noqa: E402

RNG = np.random.default_rng(0)


def _t(a, grad=False):
    return torch.tensor(np.array(a), dtype=torch.float64, requires_grad=grad)


def test_batchnorm_matches_batchnorm1d_over_training_steps_then_evaluation():
    n = 5
    ours = BatchNorm(n, momentum=0.15, eps=1e-4, dtype=np.float64)
    twin = torch.nn.BatchNorm1d(n, momentum=0.15, eps=1e-4, dtype=torch.float64)
    gamma, beta = RNG.normal(size=n), RNG.normal(size=n)
    ours.params["gamma"][...], ours.params["beta"][...] = gamma, beta
    with torch.no_grad():
        twin.weight.copy_(_t(gamma))
        twin.bias.copy_(_t(beta))
    twin.train()
    for step in range(4):
        x = RNG.normal(loc=step, scale=1 + step, size=(7 + step, n))
        dout = RNG.normal(size=x.shape)
        xt = _t(x, grad=True)
        twin.weight.grad = twin.bias.grad = None
        out_t = twin(xt)
        out_t.backward(_t(dout))
        out = ours.forward(x, training=True)
        dx = ours.backward(dout)
        np.testing.assert_allclose(out, out_t.detach().numpy(), rtol=1e-12, atol=1e-13)
        np.testing.assert_allclose(dx, xt.grad.numpy(), rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(ours.grads["gamma"], twin.weight.grad.numpy(), rtol=1e-11, atol=1e-12)
        np.testing.assert_allclose(ours.grads["beta"], twin.bias.grad.numpy(), rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(ours.buffers["running_mean"], twin.running_mean.numpy(), rtol=1e-13)
        np.testing.assert_allclose(ours.buffers["running_var"], twin.running_var.numpy(), rtol=1e-13)
    twin.eval()
    x = RNG.normal(size=(3, n))
    xt = _t(x, grad=True)
    out_t = twin(xt)
    dout = RNG.normal(size=x.shape)
    out_t.backward(_t(dout))
    np.testing.assert_allclose(ours.forward(x, training=False), out_t.detach().numpy(), rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose(ours.backward(dout), xt.grad.numpy(), rtol=1e-12, atol=1e-13)


def test_layernorm_matches_torch():
    n = 6
    ours = LayerNorm(n, eps=1e-5, dtype=np.float64)
    twin = torch.nn.LayerNorm(n, eps=1e-5, dtype=torch.float64)
    gamma, beta = RNG.normal(size=n), RNG.normal(size=n)
    ours.params["gamma"][...], ours.params["beta"][...] = gamma, beta
    with torch.no_grad():
        twin.weight.copy_(_t(gamma))
        twin.bias.copy_(_t(beta))
    x, dout = RNG.normal(loc=2, size=(4, n)), RNG.normal(size=(4, n))
    xt = _t(x, grad=True)
    out_t = twin(xt)
    out_t.backward(_t(dout))
    np.testing.assert_allclose(ours.forward(x), out_t.detach().numpy(), rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose(ours.backward(dout), xt.grad.numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(ours.grads["gamma"], twin.weight.grad.numpy(), rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose(ours.grads["beta"], twin.bias.grad.numpy(), rtol=1e-12, atol=1e-13)


def test_dropout_with_the_same_mask_matches_torch():
    p = 0.3
    layer = Dropout(p, seed=0)
    x, dout = RNG.normal(size=(50, 8)), RNG.normal(size=(50, 8))
    out = layer.forward(x, training=True)
    keep = layer.mask != 0
    xt = _t(x, grad=True)
    # torch's dropout is input * bernoulli(1 - p) / (1 - p); here with our mask as the draw
    out_t = xt * (_t(keep) / (1 - p))
    out_t.backward(_t(dout))
    np.testing.assert_array_equal(out, out_t.detach().numpy())
    np.testing.assert_array_equal(layer.backward(dout), xt.grad.numpy())
    assert 0.6 < keep.mean() < 0.8


def test_linear_batchnorm_relu_dropout_network_matches_torch():
    rng = np.random.default_rng(3)
    X, y = rng.normal(size=(16, 6)), rng.integers(0, 4, size=16)
    net = MLP((6, 8, 7, 4), batch_norm=True, dropout=0.25, reg=0.05, seed=1, dtype=np.float64)
    for v in net.params.values():
        v += rng.normal(scale=0.2, size=v.shape)
    p0 = {k: v.copy() for k, v in net.params.items()}
    loss, grads = net.loss_and_grads(X, y)
    masks = [layer.mask for layer in net.layers if isinstance(layer, Dropout)]
    t = {k: _t(v, grad=True) for k, v in p0.items()}
    h = _t(X)
    for k in (1, 2):
        a = h @ t[f"W{k}"].T + t[f"b{k}"]
        bn = torch.nn.functional.batch_norm(a, None, None, t[f"gamma{k}"], t[f"beta{k}"], training=True, eps=1e-5)
        h = torch.relu(bn) * _t(masks[k - 1])
    scores = h @ t["W3"].T + t["b3"]
    l2 = 0.5 * 0.05 * sum((t[f"W{k}"] ** 2).sum() for k in (1, 2, 3))
    total = torch.nn.functional.cross_entropy(scores, torch.tensor(y)) + l2
    total.backward()
    assert loss == pytest.approx(total.item(), rel=1e-13)
    for name in p0:
        np.testing.assert_allclose(grads[name], t[name].grad.numpy(), rtol=1e-9, atol=1e-12, err_msg=name)
