"""Tests of ranvier.optim: formulas, convergence, PyTorch twins, dtype, memory, state files, schedules."""

from __future__ import annotations

import io
import json
import math
import tracemalloc

import numpy as np
import pytest

from ranvier import optim
from ranvier.descent.functions import quadratic_bowl, rosenbrock
from ranvier.optim import (
    OPTIMIZERS,
    SCHEDULES,
    SGD,
    Adagrad,
    Adam,
    AdamW,
    Constant,
    CosineDecay,
    ExponentialDecay,
    InverseTimeDecay,
    RMSprop,
    StepDecay,
    get_optimizer,
    get_schedule,
    load_state,
    save_state,
)

SHAPES = {"W1": (4, 3), "b1": (4,), "W2": (2, 4), "b2": (2,)}

# Every optimiser with every option it has, by registry name and hyperparameters.
CONFIGS = [
    ("sgd", {"lr": 0.1}),
    ("sgd", {"lr": 0.1, "weight_decay": 0.01}),
    ("momentum", {"lr": 0.05}),
    ("sgd", {"lr": 0.05, "momentum": 0.9, "dampening": 0.3, "weight_decay": 0.01}),
    ("nesterov", {"lr": 0.05, "weight_decay": 0.01}),
    ("adagrad", {"lr": 0.1}),
    ("adagrad", {"lr": 0.1, "lr_decay": 0.05, "initial_accumulator_value": 0.5, "weight_decay": 0.01, "eps": 1e-6}),
    ("rmsprop", {"lr": 0.01}),
    ("rmsprop", {"lr": 0.01, "alpha": 0.9, "eps": 1e-6, "momentum": 0.8, "weight_decay": 0.01}),
    ("rmsprop", {"lr": 0.01, "centered": True}),
    ("rmsprop", {"lr": 0.01, "centered": True, "momentum": 0.9, "weight_decay": 0.01}),
    ("adam", {"lr": 0.01}),
    ("adam", {"lr": 0.01, "beta1": 0.5, "beta2": 0.9, "eps": 1e-6, "weight_decay": 0.1}),
    ("adam", {"lr": 0.01, "amsgrad": True, "weight_decay": 0.01}),
    ("adamw", {"lr": 0.01}),
    ("adamw", {"lr": 0.01, "weight_decay": 0.1, "amsgrad": True}),
    ("adamw", {"lr": 0.01, "beta1": 0.8, "beta2": 0.95, "eps": 1e-10}),
]
CONFIG_IDS = [f"{name}-{i}" for i, (name, _) in enumerate(CONFIGS)]


def make_params(seed=0, dtype=np.float64):
    rng = np.random.default_rng(seed)
    return {k: rng.standard_normal(s).astype(dtype) for k, s in SHAPES.items()}


def make_grads(n_steps, seed=1, dtype=np.float64):
    """Random gradients whose scale varies from step to step (so AMSGrad's maximum matters)."""
    rng = np.random.default_rng(seed)
    return [
        {k: (rng.uniform(0.1, 3.0) * rng.standard_normal(s)).astype(dtype) for k, s in SHAPES.items()}
        for _ in range(n_steps)
    ]


def copy_params(params):
    return {k: v.copy() for k, v in params.items()}


def run(opt, params, grads_seq, state=None):
    state = opt.init(params) if state is None else state
    for grads in grads_seq:
        opt.step(params, grads, state)
    return state


# ------------------------------------------------------------- one-step formulas
def test_sgd_plain_step_is_theta_minus_lr_g():
    p0, (g,) = make_params(), make_grads(1)
    params = copy_params(p0)
    run(SGD(0.1), params, [g])
    for k in p0:
        np.testing.assert_allclose(params[k], p0[k] - 0.1 * g[k], rtol=1e-15)


def test_sgd_weight_decay_adds_lambda_theta_to_the_gradient():
    p0, (g,) = make_params(), make_grads(1)
    params = copy_params(p0)
    run(SGD(0.1, weight_decay=0.5), params, [g])
    for k in p0:
        np.testing.assert_allclose(params[k], p0[k] - 0.1 * (g[k] + 0.5 * p0[k]), rtol=1e-14)


def test_momentum_buffer_starts_at_the_first_gradient_then_dampens():
    lr, mu, tau = 0.1, 0.9, 0.5
    p0, gs = make_params(), make_grads(3)
    params = copy_params(p0)
    opt = SGD(lr, momentum=mu, dampening=tau)
    state = opt.init(params)
    for t in range(1, 4):
        opt.step(params, gs[t - 1], state)
        for k in p0:
            b = gs[0][k]  # step 1: the buffer is the gradient itself, undamped (PyTorch's convention)
            p = p0[k] - lr * b
            for j in range(1, t):  # later steps: b = mu b + (1 - tau) g
                b = mu * b + (1 - tau) * gs[j][k]
                p = p - lr * b
            np.testing.assert_allclose(params[k], p, rtol=1e-13)
            np.testing.assert_allclose(state[f"momentum_buffer/{k}"], b, rtol=1e-13)
    assert state["step"] == 3


def test_nesterov_steps_along_gradient_plus_mu_buffer():
    lr, mu = 0.1, 0.9
    p0, gs = make_params(), make_grads(2)
    params = copy_params(p0)
    run(optim.nesterov(lr, momentum=mu), params, gs)
    for k in p0:
        b1 = gs[0][k]
        p1 = p0[k] - lr * (gs[0][k] + mu * b1)  # = p0 - lr (1 + mu) g1
        b2 = mu * b1 + gs[1][k]
        p2 = p1 - lr * (gs[1][k] + mu * b2)
        np.testing.assert_allclose(params[k], p2, rtol=1e-13)


def test_adagrad_two_steps_with_lr_decay_and_initial_accumulator():
    lr, eta, s0, lam, eps = 0.1, 0.5, 0.2, 0.01, 1e-6
    p0, gs = make_params(), make_grads(2)
    params = copy_params(p0)
    opt = Adagrad(lr, lr_decay=eta, initial_accumulator_value=s0, weight_decay=lam, eps=eps)
    state = run(opt, params, gs)
    for k in p0:
        g1 = gs[0][k] + lam * p0[k]
        s1 = s0 + g1**2
        p1 = p0[k] - lr / (1 + 0 * eta) * g1 / (np.sqrt(s1) + eps)
        g2 = gs[1][k] + lam * p1
        s2 = s1 + g2**2
        p2 = p1 - lr / (1 + 1 * eta) * g2 / (np.sqrt(s2) + eps)
        np.testing.assert_allclose(params[k], p2, rtol=1e-13)
        np.testing.assert_allclose(state[f"sum/{k}"], s2, rtol=1e-13)


def test_rmsprop_two_steps():
    lr, alpha, eps = 0.01, 0.9, 1e-8
    p0, gs = make_params(), make_grads(2)
    params = copy_params(p0)
    run(RMSprop(lr, alpha=alpha, eps=eps), params, gs)
    for k in p0:
        v1 = (1 - alpha) * gs[0][k] ** 2
        p1 = p0[k] - lr * gs[0][k] / (np.sqrt(v1) + eps)
        v2 = alpha * v1 + (1 - alpha) * gs[1][k] ** 2
        p2 = p1 - lr * gs[1][k] / (np.sqrt(v2) + eps)
        np.testing.assert_allclose(params[k], p2, rtol=1e-13)


def test_rmsprop_centered_with_momentum_two_steps():
    lr, alpha, eps, mu = 0.01, 0.9, 1e-8, 0.5
    p0, gs = make_params(), make_grads(2)
    params = copy_params(p0)
    run(RMSprop(lr, alpha=alpha, eps=eps, momentum=mu, centered=True), params, gs)
    for k in p0:
        g1, g2 = gs[0][k], gs[1][k]
        v1, a1 = (1 - alpha) * g1**2, (1 - alpha) * g1
        b1 = g1 / (np.sqrt(v1 - a1**2) + eps)
        p1 = p0[k] - lr * b1
        v2, a2 = alpha * v1 + (1 - alpha) * g2**2, alpha * a1 + (1 - alpha) * g2
        b2 = mu * b1 + g2 / (np.sqrt(v2 - a2**2) + eps)
        p2 = p1 - lr * b2
        np.testing.assert_allclose(params[k], p2, rtol=1e-12)


def test_adam_first_step_is_lr_times_sign_thanks_to_bias_correction():
    lr, eps = 0.01, 1e-8
    p0, (g,) = make_params(), make_grads(1)
    params = copy_params(p0)
    run(Adam(lr, eps=eps), params, [g])
    for k in p0:
        # m_hat = g and v_hat = g**2 after one step, whatever beta1 and beta2
        np.testing.assert_allclose(params[k], p0[k] - lr * g[k] / (np.abs(g[k]) + eps), rtol=1e-14)


def test_adam_three_steps_with_bias_corrections_and_l2_decay():
    lr, b1, b2, eps, lam = 0.01, 0.8, 0.9, 1e-6, 0.1
    p0, gs = make_params(), make_grads(3)
    params = copy_params(p0)
    run(Adam(lr, beta1=b1, beta2=b2, eps=eps, weight_decay=lam), params, gs)
    for k in p0:
        p, m, v = p0[k], 0.0, 0.0
        for t, grads in enumerate(gs, start=1):
            g = grads[k] + lam * p
            m = b1 * m + (1 - b1) * g
            v = b2 * v + (1 - b2) * g**2
            p = p - lr * (m / (1 - b1**t)) / (np.sqrt(v / (1 - b2**t)) + eps)
        np.testing.assert_allclose(params[k], p, rtol=1e-13)


def test_amsgrad_normalises_by_the_running_maximum_of_v():
    lr, b1, b2, eps = 0.01, 0.9, 0.5, 1e-8
    p0 = {"x": np.array([1.0, -2.0])}
    gs = [{"x": np.array([10.0, -10.0])}, {"x": np.array([0.1, 0.1])}]  # v shrinks at step 2
    params = copy_params(p0)
    state = run(Adam(lr, beta1=b1, beta2=b2, eps=eps, amsgrad=True), params, gs)
    m1, v1 = (1 - b1) * gs[0]["x"], (1 - b2) * gs[0]["x"] ** 2
    p1 = p0["x"] - lr * (m1 / (1 - b1)) / (np.sqrt(v1 / (1 - b2)) + eps)
    m2, v2 = b1 * m1 + (1 - b1) * gs[1]["x"], b2 * v1 + (1 - b2) * gs[1]["x"] ** 2
    vmax = np.maximum(v1, v2)
    assert np.all(vmax > v2)
    p2 = p1 - lr * (m2 / (1 - b1**2)) / (np.sqrt(vmax / (1 - b2**2)) + eps)
    np.testing.assert_allclose(params["x"], p2, rtol=1e-14)
    np.testing.assert_allclose(state["max_exp_avg_sq/x"], vmax, rtol=1e-15)


def test_adamw_decays_the_parameter_not_the_gradient():
    lr, lam, eps = 0.01, 0.1, 1e-8
    p0, gs = make_params(), make_grads(2)
    params = copy_params(p0)
    run(AdamW(lr, weight_decay=lam, eps=eps), params, gs)
    b1, b2 = 0.9, 0.999
    for k in p0:
        p, m, v = p0[k], 0.0, 0.0
        for t, grads in enumerate(gs, start=1):
            p = p * (1 - lr * lam)
            g = grads[k]
            m = b1 * m + (1 - b1) * g
            v = b2 * v + (1 - b2) * g**2
            p = p - lr * (m / (1 - b1**t)) / (np.sqrt(v / (1 - b2**t)) + eps)
        np.testing.assert_allclose(params[k], p, rtol=1e-13)
    l2 = copy_params(p0)
    run(Adam(lr, weight_decay=lam, eps=eps), l2, gs)
    assert not np.allclose(l2["W1"], params["W1"])


@pytest.mark.parametrize("name, kwargs", CONFIGS, ids=CONFIG_IDS)
def test_lr_passed_to_step_replaces_the_base_lr(name, kwargs):
    p0, gs = make_params(), make_grads(3)
    a, b = copy_params(p0), copy_params(p0)
    run(get_optimizer(name, **{**kwargs, "lr": 0.003}), a, gs)
    opt, state = get_optimizer(name, **kwargs), None
    state = opt.init(b)
    for grads in gs:
        opt.step(b, grads, state, lr=0.003)
    for k in p0:
        np.testing.assert_array_equal(a[k], b[k])


def test_lr_zero_leaves_sgd_parameters_unchanged_but_counts_the_step():
    p0, gs = make_params(), make_grads(2)
    params = copy_params(p0)
    opt = SGD(0.1, momentum=0.9)
    state = opt.init(params)
    opt.step(params, gs[0], state, lr=0.0)
    for k in p0:
        np.testing.assert_array_equal(params[k], p0[k])
    assert state["step"] == 1


# ------------------------------------------------------------ convergence table
# (optimiser, objective, steps): each must end within TOL of the known minimum.
TOL = 1e-3
CONVERGENCE = [
    (SGD(0.1), quadratic_bowl, 300),
    (SGD(1.5e-3), rosenbrock, 15_000),
    (optim.momentum(0.05), quadratic_bowl, 300),
    (optim.momentum(5e-4), rosenbrock, 5_000),
    (SGD(0.05, momentum=0.9, dampening=0.5), quadratic_bowl, 500),
    (SGD(5e-4, momentum=0.9, dampening=0.5), rosenbrock, 10_000),
    (optim.nesterov(0.05), quadratic_bowl, 300),
    (optim.nesterov(5e-4), rosenbrock, 5_000),
    (Adagrad(1.0), quadratic_bowl, 500),
    (Adagrad(1.0), rosenbrock, 20_000),
    (RMSprop(1e-3), quadratic_bowl, 5_000),
    (RMSprop(3e-4), rosenbrock, 20_000),
    (RMSprop(1e-3, momentum=0.9, centered=True), quadratic_bowl, 3_000),
    (RMSprop(1e-4, momentum=0.9, centered=True), rosenbrock, 5_000),
    (Adam(0.1), quadratic_bowl, 300),
    (Adam(0.01), rosenbrock, 5_000),
    (Adam(0.1, amsgrad=True), quadratic_bowl, 500),
    (Adam(0.01, amsgrad=True), rosenbrock, 10_000),
    (AdamW(0.1), quadratic_bowl, 300),  # the decay pulls towards 0, the bowl's minimum
    (AdamW(0.01, weight_decay=1e-4), rosenbrock, 5_000),
]


@pytest.mark.parametrize(
    "opt, objective, n_steps", CONVERGENCE, ids=[f"{i}-{o.name}-{f.name}" for i, (o, f, _) in enumerate(CONVERGENCE)]
)
def test_reaches_the_known_minimum(opt, objective, n_steps):
    params = {"x": objective.start.copy()}
    assert np.abs(params["x"] - objective.minima[0]).max() > 1
    state = opt.init(params)
    for _ in range(n_steps):
        _, g = objective(params["x"])
        opt.step(params, {"x": g}, state)
    np.testing.assert_allclose(params["x"], objective.minima[0], atol=TOL)
    assert objective(params["x"])[0] < 1e-4


# ------------------------------------------------------ differential: PyTorch
@pytest.fixture(scope="module")
def torch():
    # a fixture, so that only the tests that ask for it skip when PyTorch is absent
    return pytest.importorskip("torch", reason="PyTorch is not installed (pip install torch==2.13.0)")


def torch_optimizer(torch, opt, tensors):
    cfg = opt.get_config()
    name = cfg.pop("name")
    if name in ("adam", "adamw"):
        cfg["betas"] = (cfg.pop("beta1"), cfg.pop("beta2"))
    cls = {"sgd": "SGD", "adagrad": "Adagrad", "rmsprop": "RMSprop", "adam": "Adam", "adamw": "AdamW"}[name]
    return getattr(torch.optim, cls)(tensors, **cfg)


def assert_close(ours, theirs, rtol=1e-12):
    """Relative to the array's magnitude: entries that pass near 0 are judged on the scale of the others."""
    scale = max(np.abs(theirs).max(), 1e-300)
    np.testing.assert_allclose(ours, theirs, rtol=rtol, atol=rtol * scale)


@pytest.mark.parametrize("name, kwargs", CONFIGS, ids=CONFIG_IDS)
def test_matches_torch_for_20_steps(torch, name, kwargs):
    opt = get_optimizer(name, **kwargs)
    p0, gs = make_params(), make_grads(20)
    params = copy_params(p0)
    tensors = {k: torch.tensor(v.copy(), requires_grad=True) for k, v in p0.items()}
    topt = torch_optimizer(torch, opt, list(tensors.values()))
    state = opt.init(params)
    for grads in gs:
        opt.step(params, grads, state)
        for k, t in tensors.items():
            t.grad = torch.tensor(grads[k])
        topt.step()
        for k, t in tensors.items():
            assert_close(params[k], t.detach().numpy())
    for k, t in tensors.items():
        for slot in opt.slots:  # the slot names are PyTorch's state keys
            assert_close(state[f"{slot}/{k}"], topt.state[t][slot].numpy())
        assert int(topt.state[t].get("step", state["step"])) == state["step"] == 20


@pytest.mark.parametrize(
    "opt, sched",
    [
        (Adam(0.01), CosineDecay(0.01, decay_steps=15, min_lr=1e-4, warmup_steps=5, warmup_start=1e-3)),
        (SGD(0.1, momentum=0.9), StepDecay(0.1, step_size=4, gamma=0.5)),
        (Adagrad(0.1, lr_decay=0.1), ExponentialDecay(0.1, gamma=0.9)),
        (RMSprop(0.01, centered=True), InverseTimeDecay(0.01, decay_rate=0.5, decay_steps=3)),
        (AdamW(0.01, weight_decay=0.1), Constant(0.01, warmup_steps=3)),
    ],
    ids=lambda x: type(x).__name__,
)
def test_matches_torch_when_a_schedule_drives_the_lr(torch, opt, sched):
    p0, gs = make_params(), make_grads(20)
    params = copy_params(p0)
    tensors = {k: torch.tensor(v.copy(), requires_grad=True) for k, v in p0.items()}
    topt = torch_optimizer(torch, opt, list(tensors.values()))
    state = opt.init(params)
    for grads in gs:
        lr = sched(state["step"])
        opt.step(params, grads, state, lr=lr)
        for group in topt.param_groups:
            group["lr"] = lr
        for k, t in tensors.items():
            t.grad = torch.tensor(grads[k])
        topt.step()
    for k, t in tensors.items():
        assert_close(params[k], t.detach().numpy())


def test_schedules_match_torch_lr_schedulers(torch):
    def torch_lrs(make, n):
        opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1)
        sched = make(opt)
        lrs = []
        for _ in range(n):
            lrs.append(opt.param_groups[0]["lr"])
            opt.step()
            sched.step()
        return np.array(lrs)

    lr_sched = torch.optim.lr_scheduler
    cases = [
        (StepDecay(0.1, step_size=3, gamma=0.5), lambda o: lr_sched.StepLR(o, step_size=3, gamma=0.5), 20),
        (ExponentialDecay(0.1, gamma=0.9), lambda o: lr_sched.ExponentialLR(o, gamma=0.9), 20),
        (
            CosineDecay(0.1, decay_steps=10, min_lr=0.01),
            lambda o: lr_sched.CosineAnnealingLR(o, T_max=10, eta_min=0.01),
            11,  # torch's rises again after T_max; ours holds min_lr
        ),
    ]
    for ours, make, n in cases:
        np.testing.assert_allclose([ours(s) for s in range(n)], torch_lrs(make, n), rtol=1e-12)


# --------------------------------------------------------- dtype and memory
@pytest.mark.parametrize("name, kwargs", CONFIGS, ids=CONFIG_IDS)
def test_float32_stays_float32(name, kwargs):
    opt = get_optimizer(name, **kwargs)
    p64, gs64 = make_params(), make_grads(5)
    p32 = {k: v.astype(np.float32) for k, v in p64.items()}
    gs32 = [{k: v.astype(np.float32) for k, v in g.items()} for g in gs64]
    state = opt.init(p32)
    for i, grads in enumerate(gs32):
        # a NumPy float64 learning rate must not upcast the arithmetic either
        opt.step(p32, grads, state, lr=np.float64(kwargs["lr"]) if i % 2 else None)
    run(opt, p64, gs64)
    for k in p32:
        assert p32[k].dtype == np.float32
        np.testing.assert_allclose(p32[k], p64[k], rtol=1e-4, atol=1e-5)
    for key, value in state.items():
        if key != "step":
            assert value.dtype == np.float32, key


@pytest.mark.parametrize("name, kwargs", CONFIGS, ids=CONFIG_IDS)
def test_step_updates_the_callers_arrays_in_place_and_reads_grads_only(name, kwargs):
    opt = get_optimizer(name, **kwargs)
    params, gs = make_params(), make_grads(3)
    originals = dict(params)
    view = params["W1"][:1]
    state = opt.init(params)
    arrays = {k: v for k, v in state.items() if k != "step"}
    for grads in gs:
        before = copy_params(grads)
        opt.step(params, grads, state)
        for k in grads:
            np.testing.assert_array_equal(grads[k], before[k])
    assert all(params[k] is originals[k] for k in params)
    np.testing.assert_array_equal(view, params["W1"][:1])
    assert not np.array_equal(params["W1"], make_params()["W1"])
    assert state.keys() == arrays.keys() | {"step"}
    assert all(state[k] is arrays[k] for k in arrays)


@pytest.mark.parametrize("name, kwargs", CONFIGS, ids=CONFIG_IDS)
def test_step_allocates_nothing_parameter_sized(name, kwargs):
    opt = get_optimizer(name, **kwargs)
    rng = np.random.default_rng(0)
    params = {"W": rng.standard_normal((1000, 1000), dtype=np.float32), "b": np.zeros(1000, np.float32)}
    grads = {k: rng.standard_normal(v.shape, dtype=np.float32) for k, v in params.items()}
    nbytes = sum(v.nbytes for v in params.values())
    state = opt.init(params)
    opt.step(params, grads, state)  # the first step has its own branch in SGD
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        opt.step(params, grads, state)
        peak = tracemalloc.get_traced_memory()[1] - base
    finally:
        tracemalloc.stop()
    assert peak < nbytes / 100, f"one step allocated {peak} bytes for {nbytes} bytes of parameters"


def test_tracemalloc_sees_numpy_allocations():
    # guards the test above against passing vacuously
    tracemalloc.start()
    try:
        x = np.empty(10**6, dtype=np.float32)
        assert tracemalloc.get_traced_memory()[1] >= x.nbytes
    finally:
        tracemalloc.stop()


# ---------------------------------------------------------- state save/restore
@pytest.mark.parametrize("name, kwargs", CONFIGS, ids=CONFIG_IDS)
def test_state_npz_round_trip_continues_bit_identically(name, kwargs, tmp_path):
    p0 = make_params(dtype=np.float32)
    gs = make_grads(20, dtype=np.float32)
    straight = copy_params(p0)
    run(get_optimizer(name, **kwargs), straight, gs)

    opt = get_optimizer(name, **kwargs)
    params = copy_params(p0)
    state = run(opt, params, gs[:10])
    np.savez(tmp_path / "state.npz", **state)
    np.savez(tmp_path / "params.npz", **params)
    config = json.dumps(opt.get_config())
    del opt, state, params

    opt = get_optimizer(**json.loads(config))
    with np.load(tmp_path / "state.npz", allow_pickle=False) as f:
        state = dict(f)
    with np.load(tmp_path / "params.npz", allow_pickle=False) as f:
        params = dict(f)
    assert int(state["step"]) == 10
    run(opt, params, gs[10:], state)
    assert state["step"] == 20
    for k in p0:
        assert params[k].dtype == np.float32
        np.testing.assert_array_equal(params[k], straight[k])


@pytest.mark.parametrize("name, kwargs", CONFIGS, ids=CONFIG_IDS)
def test_save_state_leaves_out_scratch_and_load_state_restores_exactly(name, kwargs):
    p0, gs = make_params(dtype=np.float32), make_grads(8, dtype=np.float32)
    straight = copy_params(p0)
    run(get_optimizer(name, **kwargs), straight, gs)

    opt = get_optimizer(name, **kwargs)
    params = copy_params(p0)
    state = run(opt, params, gs[:3])
    buf = io.BytesIO()
    save_state(buf, state)
    buf.seek(0)
    restored = load_state(buf)
    assert restored["step"] == 3 and type(restored["step"]) is int
    assert not any(k.startswith("scratch/") for k in restored)
    assert restored.keys() == {k for k in state if not k.startswith("scratch/")}
    for k in restored:
        if k != "step":
            assert restored[k].dtype == state[k].dtype
            np.testing.assert_array_equal(restored[k], state[k])
    run(opt, params, gs[3:], restored)
    assert "scratch/float32" in restored  # allocated again by the first step
    for k in p0:
        np.testing.assert_array_equal(params[k], straight[k])


def test_state_layout():
    params = make_params(dtype=np.float32)
    state = Adam(amsgrad=True).init(params)
    assert state["step"] == 0
    slots = {k for k in state if "/" in k and not k.startswith("scratch/")}
    assert slots == {f"{s}/{k}" for s in ("exp_avg", "exp_avg_sq", "max_exp_avg_sq") for k in SHAPES}
    for k, shape in SHAPES.items():
        assert state[f"exp_avg/{k}"].shape == shape
        assert not state[f"exp_avg/{k}"].any()
    assert state["scratch/float32"].shape == (2, max(np.prod(s) for s in SHAPES.values()))
    assert Adagrad(initial_accumulator_value=0.3).init(params)["sum/W1"][0, 0] == np.float32(0.3)
    assert SGD().slots == () and SGD(momentum=0.5).slots == ("momentum_buffer",)
    assert RMSprop(centered=True, momentum=0.1).slots == ("square_avg", "grad_avg", "momentum_buffer")


# ------------------------------------------------------------ L2 folded into the step
# every configuration, with no weight decay of its own (the optimisers that fold l2), each once
FOLDING = [(name, {**kwargs, "weight_decay": 0.0}) for name, kwargs in CONFIGS]
FOLDING = [c for i, c in enumerate(FOLDING) if c not in FOLDING[:i]]


@pytest.mark.parametrize("fused", [False, True])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name, kwargs", FOLDING, ids=[f"{n}-{i}" for i, (n, _) in enumerate(FOLDING)])
def test_l2_folded_into_the_step_equals_adding_it_to_the_gradient_bit_for_bit(name, kwargs, dtype, fused, monkeypatch):
    if fused and not optim._fused.AVAILABLE:
        pytest.skip("the fused updates need Numba (pip install '.[fast]'; the test extras have it); "
                    "the same test with fused=False covers the NumPy rules")
    monkeypatch.setattr(optim._fused, "AVAILABLE", fused)
    monkeypatch.setattr(optim._fused, "MIN_SIZE", 1)  # every parameter takes the fused pass when there is one
    l2 = {"W1": 0.03, "W2": 0.5}  # the biases: no L2 term, as a model's reg
    params = make_params(dtype=dtype)
    params["W1"] = np.asfortranarray(params["W1"])  # ranvier's weights are transposed views
    folded, added = ({k: v.copy(order="K") for k, v in params.items()} for _ in range(2))
    assert folded["W1"].flags.f_contiguous and not folded["W1"].flags.c_contiguous
    opt = get_optimizer(name, **kwargs)
    assert opt.folds_l2
    s_folded, s_added = opt.init(folded), opt.init(added)
    for grads in make_grads(6, dtype=dtype):
        grads["W1"] = np.asfortranarray(grads["W1"])
        opt.step(folded, grads, s_folded, l2=l2)
        # what a model with reg does: scratch = reg * W, then dW += scratch
        with_l2 = {k: g + added[k] * l2[k] if k in l2 else g for k, g in grads.items()}
        opt.step(added, with_l2, s_added)
    for key in params:
        assert folded[key].dtype == dtype
        np.testing.assert_array_equal(folded[key], added[key])
        assert not np.array_equal(folded[key], params[key])


def test_l2_values_are_taken_as_plain_floats_so_both_paths_round_alike(monkeypatch):
    """A float64 NumPy scalar would make the NumPy rule multiply in float64 and the fused one in float32."""

    def first_buffer(value, fused):
        monkeypatch.setattr(optim._fused, "AVAILABLE", fused)
        monkeypatch.setattr(optim._fused, "MIN_SIZE", 1)
        params = make_params(dtype=np.float32)
        opt = SGD(0.1, momentum=0.9)
        state = opt.init(params)
        zero = {k: np.zeros_like(v) for k, v in params.items()}
        opt.step(params, zero, state, l2={"W1": value})
        return state["momentum_buffer/W1"]  # the first step's buffer is the gradient: l2 * W1 exactly

    expected = make_params(dtype=np.float32)["W1"] * (0.1 / 3)  # float32 times a Python float
    for fused in [False, True] if optim._fused.AVAILABLE else [False]:
        np.testing.assert_array_equal(first_buffer(np.float64(0.1) / 3, fused), expected)
        np.testing.assert_array_equal(first_buffer(0.1 / 3, fused), expected)


def test_l2_is_refused_with_weight_decay_of_the_optimizers_own():
    params = make_params()
    for opt in (SGD(0.1, weight_decay=0.01), AdamW(0.01), Adam(0.01, weight_decay=0.1)):
        assert not opt.folds_l2
        with pytest.raises(ValueError, match="weight_decay"):
            opt.step(params, make_grads(1)[0], opt.init(params), l2={"W1": 0.1})
    class Plain(optim.Optimizer):  # a rule of one's own: its _update need not know about l2
        name = "plain"
        weight_decay = 0.0
        _config = property(lambda self: {"lr": self.lr})

        def _update(self, p, g, s, t, lr, a, b, wd):
            p -= lr * g

    assert not Plain(0.1).folds_l2
    with pytest.raises(ValueError, match="no rule for it"):
        Plain(0.1).step(params, make_grads(1)[0], {"step": 0}, l2={"W1": 0.1})
    opt = SGD(0.1)
    with pytest.raises(KeyError, match="W9"):
        opt.step(params, make_grads(1)[0], opt.init(params), l2={"W9": 0.1})
    with pytest.raises(ValueError, match="l2"):
        opt.step(params, make_grads(1)[0], opt.init(params), l2={"W1": -0.1})


# ------------------------------------------------------ validation and registry
@pytest.mark.parametrize(
    "cls, kwargs, message",
    [
        (SGD, {"lr": -1}, r"lr must be > 0, got -1"),
        (SGD, {"lr": 0}, r"lr must be > 0, got 0"),
        (Adam, {"lr": float("nan")}, r"lr must be finite"),
        (SGD, {"momentum": -0.5}, r"momentum must be >= 0, got -0.5"),
        (SGD, {"dampening": 1.5}, r"dampening must be in \[0, 1\], got 1.5"),
        (SGD, {"nesterov": True}, r"nesterov=True needs momentum > 0"),
        (SGD, {"nesterov": True, "momentum": 0.9, "dampening": 0.1}, r"dampening == 0"),
        (SGD, {"weight_decay": -1e-4}, r"weight_decay must be >= 0"),
        (Adagrad, {"lr_decay": -1}, r"lr_decay must be >= 0"),
        (Adagrad, {"initial_accumulator_value": -1}, r"initial_accumulator_value must be >= 0"),
        (RMSprop, {"alpha": 1.0}, r"alpha must be in \[0, 1\), got 1.0"),
        (RMSprop, {"eps": -1e-8}, r"eps must be >= 0"),
        (Adam, {"beta1": 1.0}, r"beta1 must be in \[0, 1\), got 1.0"),
        (Adam, {"beta2": -0.1}, r"beta2 must be in \[0, 1\), got -0.1"),
        (AdamW, {"weight_decay": -1}, r"weight_decay must be >= 0, got -1"),
    ],
)
def test_bad_hyperparameters_say_what_to_change(cls, kwargs, message):
    with pytest.raises(ValueError, match=message):
        cls(**kwargs)


@pytest.mark.parametrize(
    "cls, kwargs", [(SGD, {"lr": "0.1"}), (Adam, {"amsgrad": 1}), (RMSprop, {"centered": "yes"}), (SGD, {"lr": True})]
)
def test_hyperparameters_of_the_wrong_type_raise_type_error(cls, kwargs):
    with pytest.raises(TypeError):
        cls(**kwargs)


def test_hyperparameters_are_keyword_only_after_lr():
    with pytest.raises(TypeError):
        Adam(0.1, 0.9)


def test_registry_builds_each_optimizer_and_lists_names_on_error():
    assert set(OPTIMIZERS) == {"sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam", "adamw"}
    for name in OPTIMIZERS:
        opt = get_optimizer(name, lr=0.5)
        assert opt.lr == 0.5
        assert json.loads(json.dumps(opt.get_config())) == opt.get_config()
        assert get_optimizer(**opt.get_config()) == opt
    m = get_optimizer("momentum")
    assert isinstance(m, SGD) and m.momentum == 0.9 and not m.nesterov
    n = get_optimizer("Nesterov", momentum=0.8)
    assert isinstance(n, SGD) and n.momentum == 0.8 and n.nesterov
    assert type(get_optimizer("ADAMW")) is AdamW and get_optimizer("adamw").weight_decay == 1e-2
    adam = Adam()
    assert get_optimizer(adam) is adam
    with pytest.raises(ValueError, match=r"unknown optimizer 'adamax'; choose one of: sgd, momentum, nesterov"):
        get_optimizer("adamax")
    with pytest.raises(TypeError):
        get_optimizer("adam", momentum=0.9)
    assert repr(SGD(0.1)) == "SGD(lr=0.1, momentum=0.0, nesterov=False, weight_decay=0.0, dampening=0.0)"


def test_step_checks_its_arguments():
    params, (g,) = make_params(), make_grads(1)
    opt = Adam()
    state = opt.init(params)
    with pytest.raises(KeyError, match="missing \\['b2'\\]"):
        opt.step(params, {k: v for k, v in g.items() if k != "b2"}, state)
    with pytest.raises(ValueError, match=r"grads\['W1'\] has shape \(3, 4\)"):
        opt.step(params, {**g, "W1": g["W1"].T}, state)
    with pytest.raises(ValueError, match="lr must be >= 0"):
        opt.step(params, g, state, lr=-0.1)
    with pytest.raises(KeyError, match="build it with this optimiser's init"):
        opt.step(params, g, SGD(momentum=0.9).init(params))
    assert state["step"] == 0
    np.testing.assert_array_equal(params["W1"], make_params()["W1"])
    with pytest.raises(TypeError, match=r"params\['W'\] must be a floating-point ndarray"):
        opt.init({"W": np.zeros((2, 2), dtype=int)})
    with pytest.raises(TypeError, match="params must be a non-empty dict"):
        opt.init({})


def test_optimizer_works_with_a_model():
    from ranvier.models import MLP

    rng = np.random.default_rng(0)
    X = rng.standard_normal((64, 5)).astype(np.float32)
    y = (X[:, 0] > 0).astype(int)
    net = MLP((5, 8, 2), seed=0)
    opt, sched = Adam(0.05), CosineDecay(0.05, decay_steps=50, warmup_steps=5, warmup_start=0.005)
    state = opt.init(net.params)
    first = net.loss_and_grads(X, y)[0]
    for _ in range(60):
        loss, grads = net.loss_and_grads(X, y)
        opt.step(net.params, grads, state, lr=sched(state["step"]))
    assert loss < 0.5 * first
    assert all(p.dtype == np.float32 for p in net.params.values())


# --------------------------------------------------------------- schedules
def test_constant_with_linear_warmup():
    s = Constant(0.1, warmup_steps=4)
    np.testing.assert_allclose([s(i) for i in range(7)], [0.0, 0.025, 0.05, 0.075, 0.1, 0.1, 0.1], rtol=1e-15)
    s = Constant(0.1, warmup_steps=2, warmup_start=0.02)
    np.testing.assert_allclose([s(0), s(1), s(2)], [0.02, 0.06, 0.1], rtol=1e-15)
    assert Constant(0.1)(0) == 0.1 and Constant(0.1)(10**9) == 0.1


def test_step_decay():
    s = StepDecay(1.0, step_size=3, gamma=0.5)
    assert [s(i) for i in range(8)] == [1, 1, 1, 0.5, 0.5, 0.5, 0.25, 0.25]
    w = StepDecay(1.0, step_size=3, gamma=0.5, warmup_steps=2)
    assert [w(i) for i in range(7)] == [0.0, 0.5, 1, 1, 1, 0.5, 0.5]


def test_exponential_decay():
    s = ExponentialDecay(0.1, gamma=0.9)
    for k in (0, 1, 7, 100):
        assert s(k) == pytest.approx(0.1 * 0.9**k, rel=1e-15)
    s = ExponentialDecay(0.1, gamma=0.5, decay_steps=10)
    assert s(10) == pytest.approx(0.05, rel=1e-15) and s(5) == pytest.approx(0.1 / math.sqrt(2), rel=1e-15)


def test_inverse_time_decay():
    s = InverseTimeDecay(0.1, decay_rate=0.5, decay_steps=2)
    for k in (0, 1, 2, 10):
        assert s(k) == pytest.approx(0.1 / (1 + 0.5 * k / 2), rel=1e-15)


def test_cosine_decay_anneals_to_min_lr_then_holds():
    s = CosineDecay(1.0, decay_steps=10, min_lr=0.1)
    assert s(0) == 1.0
    assert s(5) == pytest.approx(0.55, rel=1e-15)
    assert s(3) == pytest.approx(0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * 0.3)), rel=1e-15)
    assert s(10) == pytest.approx(0.1, rel=1e-15) and s(1000) == pytest.approx(0.1, rel=1e-15)
    lrs = [s(k) for k in range(12)]
    assert all(a >= b for a, b in zip(lrs, lrs[1:]))
    w = CosineDecay(1.0, decay_steps=10, min_lr=0.1, warmup_steps=5)
    assert w(0) == 0 and w(4) == pytest.approx(0.8) and w(5) == 1.0
    assert w(10) == pytest.approx(s(5), rel=1e-15) and w(15) == pytest.approx(0.1, rel=1e-15)


def test_schedules_accept_numpy_steps_and_return_python_floats():
    s = CosineDecay(0.1, decay_steps=10)
    for step in (3, np.int64(3), np.array(3)):
        value = s(step)
        assert type(value) is float and value == s(3)


@pytest.mark.parametrize(
    "name, kwargs, error, message",
    [
        ("constant", {"lr": 0}, ValueError, r"lr must be > 0, got 0"),
        ("constant", {"lr": 0.1, "warmup_steps": -1}, ValueError, r"warmup_steps must be >= 0, got -1"),
        ("constant", {"lr": 0.1, "warmup_steps": 2.5}, TypeError, r"warmup_steps must be an integer"),
        ("constant", {"lr": 0.1, "warmup_start": 0.2}, ValueError, r"warmup_start must be <= lr"),
        ("step", {"lr": 0.1, "step_size": 0}, ValueError, r"step_size must be >= 1, got 0"),
        ("step", {"lr": 0.1, "step_size": 2, "gamma": 1.5}, ValueError, r"gamma must be in \(0, 1\], got 1.5"),
        ("exponential", {"lr": 0.1, "gamma": 0.0}, ValueError, r"gamma must be in \(0, 1\]"),
        ("exponential", {"lr": 0.1, "gamma": 0.9, "decay_steps": 0}, ValueError, r"decay_steps must be > 0"),
        ("inverse_time", {"lr": 0.1, "decay_rate": -1}, ValueError, r"decay_rate must be >= 0"),
        ("cosine", {"lr": 0.1, "decay_steps": 0}, ValueError, r"decay_steps must be >= 1, got 0"),
        ("cosine", {"lr": 0.1, "decay_steps": 5, "min_lr": 0.2}, ValueError, r"min_lr must be <= lr"),
        ("cosine", {"lr": 0.1}, TypeError, r"decay_steps"),
    ],
)
def test_bad_schedule_settings_say_what_to_change(name, kwargs, error, message):
    with pytest.raises(error, match=message):
        get_schedule(name, **kwargs)


def test_schedule_steps_must_be_nonnegative_integers():
    s = Constant(0.1)
    with pytest.raises(ValueError, match="step must be >= 0, got -1"):
        s(-1)
    with pytest.raises(TypeError, match="step must be an integer, got float"):
        s(1.5)


def test_schedule_registry_and_configs():
    assert set(SCHEDULES) == {"constant", "step", "exponential", "inverse_time", "cosine"}
    made = [
        get_schedule("constant", lr=0.1, warmup_steps=3),
        get_schedule("step", lr=0.1, step_size=5),
        get_schedule("exponential", lr=0.1, gamma=0.99, decay_steps=10),
        get_schedule("inverse-time", lr=0.1, decay_rate=0.01),
        get_schedule("Cosine", lr=0.1, decay_steps=100, min_lr=1e-3, warmup_steps=10, warmup_start=1e-3),
    ]
    for s in made:
        config = json.loads(json.dumps(s.get_config()))
        again = get_schedule(**config)
        assert again == s and [again(k) for k in range(0, 120, 7)] == [s(k) for k in range(0, 120, 7)]
    assert get_schedule(made[0]) is made[0]
    with pytest.raises(ValueError, match=r"unknown schedule 'linear'; choose one of: constant, step, exponential"):
        get_schedule("linear", lr=0.1)
    assert repr(made[1]) == "StepDecay(lr=0.1, step_size=5, gamma=0.1, warmup_steps=0, warmup_start=0.0)"
