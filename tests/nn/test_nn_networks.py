"""ranvier.Sequential and MLP with dropout / batch normalisation: names, modes, summary, gradients."""

import tracemalloc

import numpy as np
import pytest

from ranvier import MLP, Sequential, gradcheck
from ranvier.nn import Activation, BatchNorm, Dropout, Identity, LayerNorm, Linear, ReLU, Tanh, parse_layers

RNG = np.random.default_rng(0)


def _data(m=8, n=4, c=3, seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(m, n)), rng.integers(0, c, size=m)


def test_summary_of_the_lectures_networks():
    text = MLP((3, 4, 2), seed=0).summary()
    assert text.splitlines()[-1] == "total: 20 weights + 6 biases = 26 parameters"
    assert "Linear(3, 4)" in text and "(m, 4)" in text and "W1, b1" in text
    assert MLP((3, 4, 4, 2), seed=0).summary().splitlines()[-1] == "total: 36 weights + 10 biases = 46 parameters"
    bn = MLP((3, 4, 2), batch_norm=True, dropout=0.5, seed=0).summary()
    assert "BatchNorm(4" in bn and "Dropout(p=0.5)" in bn and "gamma1, beta1" in bn
    assert "20 weights + 6 biases + 8 normalisation scales and shifts = 34 parameters" in bn
    assert "buffers: 8 running statistics (running_mean1, running_var1)" in bn


def test_mlp_names_with_batch_norm_and_dropout():
    net = MLP((5, 6, 7, 3), batch_norm=True, dropout=(0.1, 0.2), seed=0)
    assert list(net.params) == ["W1", "b1", "gamma1", "beta1", "W2", "b2", "gamma2", "beta2", "W3", "b3"]
    assert list(net.buffers) == ["running_mean1", "running_var1", "running_mean2", "running_var2"]
    kinds = [type(layer).__name__ for layer in net.layers]
    assert kinds == ["Linear", "BatchNorm", "Activation", "Dropout", "Linear", "BatchNorm", "Activation",
                     "Dropout", "Linear"]
    assert net.num_params == 5 * 6 + 6 + 12 + 6 * 7 + 7 + 14 + 7 * 3 + 3
    assert "dropout=[0.1, 0.2], batch_norm=True" in repr(net)


def test_same_seed_same_weights_with_or_without_the_new_layers():
    plain, bn = MLP((5, 6, 3), seed=4), MLP((5, 6, 3), seed=4, batch_norm=True, dropout=0.5)
    for name in plain.params:
        np.testing.assert_array_equal(plain.params[name], bn.params[name])


def test_the_layer_path_gives_the_fused_paths_numbers_bit_for_bit():
    X, y = _data(20, 6, 4)
    fused = MLP((6, 9, 7, 4), activation="tanh", reg=0.1, seed=2, dtype=np.float32)
    p = {k: v.copy(order="K") for k, v in fused.params.items()}  # the same memory layout
    stack = Sequential([Linear.from_arrays(p["W1"], p["b1"] + 0.1), Tanh(), Linear.from_arrays(p["W2"], p["b2"]),
                        Tanh(), Linear.from_arrays(p["W3"], p["b3"])], reg=0.1)
    fused.params["b1"] += 0.1
    loss_a, grads_a = fused.loss_and_grads(X, y)
    loss_b, grads_b = stack.loss_and_grads(X, y)
    assert loss_a == loss_b
    for name in grads_a:
        np.testing.assert_array_equal(grads_a[name], grads_b[name])
    np.testing.assert_array_equal(fused.scores(X), stack.eval().scores(X))


@pytest.mark.parametrize("depth", [0, 1, 2, 3, 4])
def test_gradcheck_networks_of_every_depth(depth):
    X, y = _data(10, 5, 3, seed=depth)
    layers, width = [], 5
    kinds = [("bn", "relu", 0.3), ("ln", "tanh", 0.0), ("bn", "sigmoid", 0.5), ("", "elu", 0.2)]
    for i in range(depth):
        norm, act, p = kinds[i]
        layers.append(Linear(width, 6, seed=i, dtype=np.float64))
        if norm:
            layers.append((BatchNorm if norm == "bn" else LayerNorm)(6, dtype=np.float64))
        layers.append(Activation(act))
        if p:
            layers.append(Dropout(p, seed=i))
        width = 6
    layers.append(Linear(width, 3, seed=9, dtype=np.float64))
    net = Sequential(layers, reg=0.05)
    for name, p in net.params.items():  # away from the initial values: non-trivial gamma, beta, biases
        p += np.random.default_rng(len(name)).normal(scale=0.3, size=p.shape)
    result = gradcheck(net, X, y)
    before_bn = {f"b{k}" for k in range(1, depth + 1) if kinds[k - 1][0] == "bn"}
    for name, err in result.items():
        if name in before_bn:  # batch norm removes a bias before it: its gradient is 0
            assert result.abs_errors[name] < 1e-9, name
        else:
            assert err < 1e-7, (name, err)


def test_gradcheck_mlp_with_batch_norm_and_dropout():
    X, y = _data(12, 4, 3)
    net = MLP((4, 6, 5, 3), batch_norm=True, dropout=0.3, seed=0, reg=0.1)
    result = gradcheck(net, X, y)
    for name, err in result.items():
        if name in ("b1", "b2"):
            assert result.abs_errors[name] < 1e-9
        else:
            assert err < 1e-7, (name, err)


def test_modes_dropout_draws_in_training_only():
    X, _ = _data(6, 4, 3)
    net = MLP((4, 50, 3), dropout=0.5, seed=0)
    assert net.training
    a, b = net.scores(X), net.scores(X)
    assert not np.array_equal(a, b)
    net.eval()
    np.testing.assert_array_equal(net.scores(X), net.scores(X))
    plain = MLP((4, 50, 3), seed=0)
    np.testing.assert_allclose(net.scores(X), plain.scores(X), rtol=1e-6)


def test_batch_norm_uses_running_statistics_in_evaluation():
    X, y = _data(16, 4, 3)
    net = MLP((4, 5, 3), batch_norm=True, seed=0)
    net.loss_and_grads(X, y)  # training mode: one update of the running statistics
    np.testing.assert_allclose(net.buffers["running_mean1"], 0.1 * (X @ net.params["W1"].T).mean(0), rtol=1e-5)
    net.eval()
    one = net.scores(X[:1])  # one example: only the running statistics make sense
    np.testing.assert_allclose(one, net.scores(X)[:1], rtol=1e-6)


def test_hidden_outputs_are_the_activations_then_the_scores():
    X, _ = _data(5, 4, 3)
    net = MLP((4, 6, 5, 3), batch_norm=True, dropout=0.5, seed=0)
    outs = net.hidden_outputs(X)
    assert [o.shape for o in outs] == [(5, 6), (5, 5), (5, 3)]
    assert (outs[0] >= 0).all()
    np.testing.assert_allclose(outs[-1], net.eval().scores(X), rtol=1e-6)
    assert len(net.layer_outputs(X)) == len(net.layers)


def test_collapse_of_linear_and_identity_stacks():
    X, _ = _data(5, 4, 3)
    net = Sequential([Linear(4, 6, seed=0, dtype=np.float64), Identity(), Linear(6, 3, seed=1, dtype=np.float64)])
    W, b = net.collapse()
    np.testing.assert_allclose(X @ W.T + b, net.scores(X), rtol=1e-12)
    with pytest.raises(ValueError, match="only Linear and identity layers"):
        MLP((4, 6, 3), activation="identity", dropout=0.2).collapse()


def test_copies_and_dtypes_keep_the_buffers():
    X, y = _data(8, 4, 3)
    net = MLP((4, 5, 3), batch_norm=True, seed=0)
    net.loss_and_grads(X, y)
    net64 = net.astype(np.float64)
    assert net64.params["gamma1"].dtype == np.float64 and net64.buffers["running_var1"].dtype == np.float64
    np.testing.assert_allclose(net64.buffers["running_mean1"], net.buffers["running_mean1"])
    twin = net.copy()
    twin.buffers["running_mean1"][...] = 5
    assert not np.any(net.buffers["running_mean1"] == 5)
    net.set_buffers({k: np.zeros_like(v) for k, v in net.buffers.items()})
    np.testing.assert_array_equal(net.buffers["running_var1"], 0)
    net.eval().scores(X)  # the layers now read the replaced arrays
    assert net.layers[1].buffers["running_var"] is net.buffers["running_var1"]


def test_set_params_reaches_the_layers():
    X, _ = _data(5, 4, 3)
    net = MLP((4, 5, 3), dropout=0.2, seed=0).eval()
    net.set_params({k: np.zeros_like(v) for k, v in net.params.items()})
    np.testing.assert_array_equal(net.scores(X), 0)


@pytest.mark.parametrize("layers, message", [
    ([Linear(3, 4), Linear(5, 2)], r"layers\[1\] \(Linear\(5, 2\)\) takes inputs of width 5"),
    ([ReLU()], "a layer of known width"),
    ([Linear(3, 4), BatchNorm(4, dtype=np.float64), Linear(4, 2)], "mix dtypes"),
    ([Linear(3, 2), "relu"], r"layers\[1\] must be a ranvier.nn layer"),
    ([Linear(3, 4), BatchNorm(4), LayerNorm(4), BatchNorm(4), Linear(4, 2)], "would both hold 'gamma1'"),
    ([(relu := ReLU()), Linear(3, 3), relu, Linear(3, 2)], "a layer object appears twice"),
])
def test_sequential_rejects_bad_stacks(layers, message):
    with pytest.raises((ValueError, TypeError), match=message):
        Sequential(layers)


def test_mlp_rejects_bad_dropout_and_batch_norm():
    with pytest.raises(ValueError, match=r"dropout must be a probability in \[0, 1\), got 1.0"):
        MLP((3, 4, 2), dropout=1.0)
    with pytest.raises(ValueError, match=r"one per hidden layer \(2\), got 3"):
        MLP((3, 4, 4, 2), dropout=(0.1, 0.1, 0.1))
    with pytest.raises(TypeError, match="batch_norm must be True or False"):
        MLP((3, 4, 2), batch_norm="yes")


def test_parse_layers():
    layers = parse_layers("linear:500,batchnorm,relu,dropout:0.3,linear:10", 3072, seed=0)
    net = Sequential(layers)
    assert net.n_features == 3072 and net.n_outputs == 10
    assert list(net.params) == ["W1", "b1", "gamma1", "beta1", "W2", "b2"]
    assert layers[3].p == 0.3
    for bad, message in [("linear:abc", "linear:abc"), ("swish", "unknown activation"), ("", "layer ''"),
                         ("relu:3", "takes no argument")]:
        with pytest.raises(ValueError, match=message):
            parse_layers(bad, 4)


def _step_peak(net, X, y) -> int:
    from ranvier.train import Trainer
    from ranvier.train.step import TrainStep

    ws, step = net.workspace(len(X)), TrainStep(Trainer(net, verbose=0))  # a training loop's loss and gradients
    for _ in range(2):
        step.loss_and_grads(X, y, ws, None)
    tracemalloc.start()
    try:
        for _ in range(5):
            step.loss_and_grads(X, y, ws, None)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_a_training_step_allocates_nothing_large():
    """After the first step, forward and backward reuse the layers' buffers (tracemalloc's peak).

    What remains are width-sized vectors (batch statistics) and what the plain
    MLP's fused step also makes (relu's boolean mask, the loss's small arrays).
    """
    rng = np.random.default_rng(0)
    X = rng.normal(size=(256, 300)).astype(np.float32)
    y = rng.integers(0, 10, size=256)
    plain = _step_peak(MLP((300, 200, 200, 10), seed=0), X, y)
    layered = _step_peak(MLP((300, 200, 200, 10), batch_norm=True, dropout=0.3, seed=0), X, y)
    activation_bytes = 256 * 200 * 4
    assert layered < activation_bytes / 2, layered
    assert layered <= plain + 16 * 1024, (layered, plain)


def test_hidden_unit_pictures_of_a_layer_stack(tmp_path):
    from ranvier.plot import plot_boundary

    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 2))
    y = (X[:, 0] * X[:, 1] > 0).astype(int)
    net = Sequential([Linear(2, 8, seed=0), BatchNorm(8), Tanh(), Dropout(0.2), Linear(8, 6, seed=1), ReLU(),
                      Linear(6, 2, seed=2)]).eval()
    assert net.n_layers == 3 and net.layer_sizes == (2, 8, 6, 2) and net.activation_names == ["tanh", "relu"]
    plot_boundary(net, X, y, tmp_path / "b.png", layer=2, resolution=20)
    assert (tmp_path / "b.png").stat().st_size > 1000


def test_flat_parameters_objective_and_probabilities():
    X, y = _data(6, 4, 3)
    net = Sequential([Linear(4, 5, seed=0, dtype=np.float64), LayerNorm(5, dtype=np.float64), Tanh(),
                      Linear(5, 3, seed=1, dtype=np.float64)], reg=0.1)
    theta = net.get_flat_params()
    assert theta.shape == (net.num_params,) == (4 * 5 + 5 + 10 + 5 * 3 + 3,)
    f = net.objective(X, y)
    loss, grad = f(theta)
    assert loss == pytest.approx(net.loss(X, y), rel=1e-15) and grad.shape == theta.shape
    net.set_flat_params(np.zeros_like(theta))
    np.testing.assert_allclose(net.eval().predict_proba(X), 1 / 3, rtol=1e-12)
    with pytest.raises(ValueError, match=r"theta must have shape \(53,\)"):
        net.set_flat_params(np.zeros(3))
