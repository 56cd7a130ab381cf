"""Differential tests: ranvier's forward and backward passes against PyTorch's autograd."""

import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="PyTorch is an optional reference: pip install torch==2.13.0")

from ranvier import MLP  # noqa: E402

TORCH_ACT = {
    "relu": torch.relu,
    "tanh": torch.tanh,
    "sigmoid": torch.sigmoid,
    "identity": lambda t: t,
    "leaky_relu": lambda t: torch.nn.functional.leaky_relu(t, 0.01),
    "softplus": torch.nn.functional.softplus,
    "elu": torch.nn.functional.elu,
}


def _torch_loss(scores, y, loss):
    m, c = scores.shape
    if loss == "softmax":
        return torch.nn.functional.cross_entropy(scores, y)
    if loss == "svm":  # sum over wrong classes (MultiMarginLoss would also divide by c)
        return torch.nn.functional.multi_margin_loss(scores, y, margin=1.0) * c
    onehot = torch.nn.functional.one_hot(y, c).to(scores.dtype)
    return 0.5 * ((scores - onehot) ** 2).sum() / m


@pytest.mark.parametrize("loss", ["softmax", "svm", "squared"])
@pytest.mark.parametrize("activation", sorted(TORCH_ACT))
def test_loss_and_grads_match_pytorch_autograd(loss, activation):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(9, 5))
    y = rng.integers(0, 4, size=9)
    net = MLP((5, 7, 6, 4), activation=activation, loss=loss, reg=0.1, seed=1, dtype=np.float64)
    for b in net.biases():
        b[...] = rng.normal(scale=0.1, size=b.shape)
    ours, grads = net.loss_and_grads(X, y)

    tp = {k: torch.tensor(v, requires_grad=True) for k, v in net.params.items()}
    h = torch.tensor(X)
    for k in range(1, 4):
        h = h @ tp[f"W{k}"].T + tp[f"b{k}"]
        if k < 3:
            h = TORCH_ACT[activation](h)
    total = _torch_loss(h, torch.tensor(y), loss)
    total = total + 0.5 * 0.1 * sum((tp[f"W{k}"] ** 2).sum() for k in range(1, 4))
    total.backward()
    assert ours == pytest.approx(total.item(), rel=1e-12)
    for k, g in grads.items():
        np.testing.assert_allclose(g, tp[k].grad.numpy(), rtol=1e-10, atol=1e-14)
