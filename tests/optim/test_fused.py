"""The fused one-pass optimiser updates (Numba) give the NumPy rules' results bit for bit."""

from __future__ import annotations

import numpy as np
import pytest

from ranvier import optim
from ranvier.optim import _fused
from ranvier.optim import get_optimizer

# Without Numba there is no fused update to compare (the NumPy rules run, tested in test_optim.py);
# the test extras install Numba, so CI runs these.
pytestmark = pytest.mark.skipif(not _fused.AVAILABLE, reason=("the fused updates need Numba (pip install '.[fast]'; the test extras have it); "
                                        "without it only the NumPy rules run, which test_optim.py covers"))

CONFIGS = [
    ("sgd", {}),
    ("sgd", {"weight_decay": 0.01}),
    ("momentum", {}),
    ("momentum", {"weight_decay": 0.01, "dampening": 0.1}),
    ("nesterov", {"weight_decay": 0.003}),
    ("adam", {}),
    ("adam", {"weight_decay": 0.01}),
    ("adamw", {"weight_decay": 0.05}),
    ("adamw", {"weight_decay": 0.0}),
    ("adam", {"amsgrad": True}),  # no fused rule: the NumPy one runs
]


def _run(name, kwargs, dtype, fused: bool, monkeypatch):
    monkeypatch.setattr(_fused, "AVAILABLE", fused)
    rng = np.random.default_rng(0)
    shape = (300, 400)  # 120000 entries: above _fused.MIN_SIZE
    params = {"W": np.asfortranarray(rng.normal(size=shape)).astype(dtype, order="K"),
              "b": rng.normal(size=7).astype(dtype)}
    opt = get_optimizer(name, lr=0.01, **kwargs)
    state = opt.init(params)
    for step, lr in enumerate([0.01, 0.02, 0.005, 0.0, 0.01]):
        grads = {"W": np.asfortranarray(rng.normal(size=shape)).astype(dtype, order="K"),
                 "b": rng.normal(size=7).astype(dtype)}
        opt.step(params, grads, state, lr=lr)
    return params, state


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize(("name", "kwargs"), CONFIGS)
def test_fused_update_equals_the_numpy_rule_bit_for_bit(name, kwargs, dtype, monkeypatch):
    calls = []
    real_sgd, real_adam = _fused.sgd, _fused.adam
    monkeypatch.setattr(_fused, "sgd", lambda *a: calls.append("sgd") or real_sgd(*a))
    monkeypatch.setattr(_fused, "adam", lambda *a: calls.append("adam") or real_adam(*a))
    fused_params, fused_state = _run(name, kwargs, dtype, True, monkeypatch)
    assert len(calls) == (0 if kwargs.get("amsgrad") else 5)  # the big parameter only, every step
    numpy_params, numpy_state = _run(name, kwargs, dtype, False, monkeypatch)
    for key in numpy_params:
        assert fused_params[key].dtype == dtype
        np.testing.assert_array_equal(fused_params[key], numpy_params[key])
    for key, value in numpy_state.items():
        if not key.startswith(optim.base._SCRATCH):
            np.testing.assert_array_equal(fused_state[key], value)


def test_arrays_of_different_layouts_take_the_numpy_rule():
    W = np.zeros((300, 400), dtype=np.float32)
    assert _fused.flat_views(W, np.asfortranarray(W)) is None
    assert _fused.flat_views(W, W.astype(np.float64)) is None
    assert _fused.flat_views(W[:, ::2], W[:, ::2]) is None
    flat = _fused.flat_views(np.asfortranarray(W), np.asfortranarray(W))
    assert flat is not None and flat[0].shape == (120000,)
    assert _fused.flat_views(W.astype(np.float16), W.astype(np.float16)) is None
    frozen = W.copy()
    frozen.flags.writeable = False
    assert _fused.flat_views(frozen, W) is None  # the parameter is written: NumPy's rule raises the error
    assert _fused.flat_views(W.copy(), frozen) is not None  # the gradient is only read
