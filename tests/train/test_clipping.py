"""Gradient clipping by global norm against the formula and torch.nn.utils.clip_grad_norm_."""

import numpy as np
import pytest

from ranvier.train.clipping import clip_grad_norm, global_norm


def grads(seed, dtype=np.float64, scale=1.0):
    rng = np.random.default_rng(seed)
    return {"W1": (scale * rng.normal(size=(5, 3))).astype(dtype), "b1": (scale * rng.normal(size=5)).astype(dtype),
            "W2": (scale * rng.normal(size=(2, 5))).astype(dtype)}


def test_global_norm_is_the_norm_of_everything():
    g = grads(0)
    whole = np.concatenate([a.ravel() for a in g.values()])
    assert global_norm(g) == pytest.approx(np.linalg.norm(whole), rel=1e-15)


def test_clips_to_max_norm_keeping_the_direction():
    g = grads(1, scale=10.0)
    before = {k: v.copy() for k, v in g.items()}
    norm = clip_grad_norm(g, 1.0)
    assert norm > 1.0
    assert global_norm(g) == pytest.approx(1.0 * norm / (norm + 1e-6), rel=1e-14)
    for k in g:
        np.testing.assert_allclose(g[k], before[k] * (1.0 / (norm + 1e-6)), rtol=1e-15)


def test_under_the_bound_nothing_changes():
    g = grads(2, dtype=np.float32)
    before = {k: v.copy() for k, v in g.items()}
    norm = clip_grad_norm(g, 1e6)
    for k in g:
        np.testing.assert_array_equal(g[k], before[k])
        assert g[k].dtype == np.float32
    assert norm == pytest.approx(global_norm(before), rel=1e-6)


def test_nonfinite_gradients_are_left_for_the_divergence_check():
    g = grads(3)
    g["b1"][0] = np.inf
    assert clip_grad_norm(g, 1.0) == np.inf
    assert g["b1"][0] == np.inf and np.isfinite(g["W1"]).all()


@pytest.mark.parametrize("bad", [0, -1.0, np.inf, np.nan, "1", True])
def test_bad_max_norm(bad):
    with pytest.raises(ValueError, match="max_norm must be a positive finite number"):
        clip_grad_norm(grads(0), bad)


@pytest.mark.parametrize("max_norm", [0.5, 3.0, 100.0])
def test_matches_pytorch(max_norm):
    torch = pytest.importorskip("torch", reason="differential test; pip install torch==2.13.0")
    g = grads(4, scale=2.0)
    tensors = [torch.zeros(v.shape, dtype=torch.float64, requires_grad=True) for v in g.values()]
    for t, v in zip(tensors, g.values()):
        t.grad = torch.from_numpy(v.copy())
    want = torch.nn.utils.clip_grad_norm_(tensors, max_norm)
    got = clip_grad_norm(g, max_norm)
    assert got == pytest.approx(float(want), rel=1e-15)
    for t, v in zip(tensors, g.values()):
        np.testing.assert_allclose(v, t.grad.numpy(), rtol=1e-15, atol=0)
