import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from ranvier import ACTIVATIONS, LOSSES, MLP, LinearClassifier, gradcheck, softmax

DEPTH_HIDDEN = {0: (), 1: (6,), 2: (6, 5), 3: (5, 6, 4)}


def _data(m=7, n=4, c=3, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(m, n))
    y = rng.integers(0, c, size=m)
    y[:c] = np.arange(c)  # every class present, labels unbalanced
    return X, y


def _min_abs_preactivation(net, X):
    h, smallest = X, np.inf
    for k in range(1, net.n_layers):
        a = h @ net.params[f"W{k}"].T + net.params[f"b{k}"]
        smallest = min(smallest, np.abs(a).min())
        h = net.activations[k - 1].forward(a)
    return smallest


def _min_abs_margin(net, X, y):
    s = net.scores(X)
    z = 1 + s - s[np.arange(len(y)), y][:, None]
    z[np.arange(len(y)), y] = 1
    return np.abs(z).min()


# ------------------------------------------------------------------ counting
def test_lecture_parameter_counts():
    assert MLP((3, 4, 2)).num_params == 26
    assert MLP((3, 4, 4, 2)).num_params == 46
    assert MLP((3072, 10)).num_params == 30730


def test_linear_classifier_has_the_lectures_shapes():
    clf = LinearClassifier(3072, 10, seed=0)
    assert clf.W.shape == (10, 3072) and clf.b.shape == (10,)
    assert clf.W is clf.params["W1"]
    X = np.random.default_rng(0).normal(size=(2, 3072)).astype(np.float32)
    np.testing.assert_allclose(clf.scores(X)[0], clf.W @ X[0] + clf.b, rtol=1e-5)


def test_params_are_named_and_shaped_like_the_lecture():
    net = MLP((3, 4, 4, 2), seed=0)
    assert list(net.params) == ["W1", "b1", "W2", "b2", "W3", "b3"]
    assert [net.params[k].shape for k in net.params] == [(4, 3), (4,), (4, 4), (4,), (2, 4), (2,)]
    assert all(p.dtype == np.float32 for p in net.params.values())


# ----------------------------------------------------------------- gradients
@pytest.mark.parametrize("depth", sorted(DEPTH_HIDDEN))
@pytest.mark.parametrize("activation", sorted(ACTIVATIONS))
@pytest.mark.parametrize("loss", sorted(LOSSES))
def test_every_loss_activation_and_depth_passes_gradcheck(loss, activation, depth):
    X, y = _data()
    net = MLP((4, *DEPTH_HIDDEN[depth], 3), activation=activation, loss=loss, reg=0.05, init=0.7, seed=depth,
              dtype=np.float64)
    for p in net.params.values():
        if p.ndim == 1:
            p[...] = np.random.default_rng(1).normal(scale=0.3, size=p.shape)  # non-zero biases too
    # inputs away from the relu kinks and hinge margins, where no difference quotient is valid
    assert _min_abs_preactivation(net, X) > 1e-4  # h = 1e-5 moves a pre-activation by ~1e-5
    if loss == "svm":
        assert _min_abs_margin(net, X, y) > 1e-4
    result = gradcheck(net, X, y)
    assert set(result) == set(net.params)
    assert result.worst < 1e-7, str(result)


@given(
    hidden=st.lists(st.integers(1, 6), min_size=0, max_size=3),
    n=st.integers(1, 5),
    c=st.integers(2, 5),
    m=st.integers(1, 6),
    seed=st.integers(0, 10_000),
    activation=st.sampled_from(["tanh", "sigmoid", "softplus", "identity"]),
    loss=st.sampled_from(["softmax", "squared"]),
)
def test_gradcheck_on_random_shapes(hidden, n, c, m, seed, activation, loss):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(m, n))
    y = rng.integers(0, c, size=m)
    net = MLP((n, *hidden, c), activation=activation, loss=loss, reg=0.1, init=0.8, seed=seed, dtype=np.float64)
    result = gradcheck(net, X, y)
    # a gradient that is exactly zero in theory shows only rounding noise
    for name, err in result.items():
        assert err < 1e-6 or result.abs_errors[name] < 1e-9, str(result)


def test_float32_model_computes_in_float32():
    X, y = _data()
    net = MLP((4, 6, 3), seed=0)
    loss, grads = net.loss_and_grads(X, y)  # float64 X is converted to the model's dtype
    assert isinstance(loss, float)
    assert all(g.dtype == np.float32 for g in grads.values())
    assert net.scores(X).dtype == np.float32
    loss64, grads64 = net.astype(np.float64).loss_and_grads(X, y)
    assert loss == pytest.approx(loss64, rel=1e-5)
    for k in grads:
        np.testing.assert_allclose(grads[k], grads64[k], rtol=1e-3, atol=1e-6)


def test_loss_and_grads_agrees_with_loss():
    X, y = _data()
    net = MLP((4, 6, 5, 3), activation="tanh", reg=0.3, seed=2, dtype=np.float64)
    loss, _ = net.loss_and_grads(X, y)
    assert loss == net.loss(X, y)


# -------------------------------------------------------------- regularisation
def test_l2_term_is_half_reg_times_squared_weights_without_biases():
    X, y = _data()
    plain = MLP((4, 6, 3), reg=0.0, seed=3, dtype=np.float64)
    reg = MLP((4, 6, 3), reg=0.25, seed=3, dtype=np.float64)
    for net in (plain, reg):
        net.params["b1"][:] = 5.0  # a large bias must not enter the penalty
    expected = 0.5 * 0.25 * (np.sum(reg.params["W1"] ** 2) + np.sum(reg.params["W2"] ** 2))
    assert reg.reg_loss() == pytest.approx(expected, rel=1e-14)
    assert reg.loss(X, y) == pytest.approx(plain.loss(X, y) + expected, rel=1e-14)
    _, g0 = plain.loss_and_grads(X, y)
    _, g1 = reg.loss_and_grads(X, y)
    np.testing.assert_allclose(g1["W1"], g0["W1"] + 0.25 * reg.params["W1"], rtol=1e-13)
    np.testing.assert_array_equal(g1["b1"], g0["b1"])


# ------------------------------------------------------------------ collapse
@pytest.mark.parametrize("hidden", [(), (5,), (5, 7), (6, 3, 8)])
def test_collapse_of_identity_network_equals_its_scores(hidden):
    net = MLP((4, *hidden, 3), activation="identity", seed=4, dtype=np.float64)
    for p in net.biases():
        p[...] = np.random.default_rng(5).normal(size=p.shape)
    W, b = net.collapse()
    assert W.shape == (3, 4) and b.shape == (3,)
    X, _ = _data()
    np.testing.assert_allclose(X @ W.T + b, net.scores(X), rtol=1e-12, atol=1e-12)


def test_collapse_matches_the_lectures_formula_for_three_layers():
    net = MLP((3, 4, 4, 2), activation="identity", seed=6, dtype=np.float64)
    for p in net.biases():
        p[...] = np.random.default_rng(7).normal(size=p.shape)
    W1, W2, W3 = net.weights()
    b1, b2, b3 = net.biases()
    W, b = net.collapse()
    np.testing.assert_allclose(W, W3 @ W2 @ W1, rtol=1e-13)
    np.testing.assert_allclose(b, b3 + W3 @ b2 + W3 @ W2 @ b1, rtol=1e-13)


def test_collapse_refuses_a_nonlinear_network():
    with pytest.raises(ValueError, match=r"needs every hidden activation to be 'identity'.*\['relu'\]"):
        MLP((3, 4, 2), activation="relu").collapse()


def test_per_layer_activations():
    net = MLP((3, 4, 5, 2), activation=["relu", "identity"], seed=0)
    assert net.activation_names == ["relu", "identity"]
    with pytest.raises(ValueError, match="one per hidden layer"):
        MLP((3, 4, 5, 2), activation=["relu"])


# ---------------------------------------------------------------- sanity
def test_initial_losses_match_the_sanity_values():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(500, 3072)).astype(np.float32)
    y = rng.integers(0, 10, size=500)
    softmax_loss = LinearClassifier(3072, 10, loss="softmax", init=1e-4, seed=0).loss(X, y)
    hinge_loss = LinearClassifier(3072, 10, loss="svm", init=1e-4, seed=0).loss(X, y)
    assert softmax_loss == pytest.approx(np.log(10), abs=0.01)
    assert hinge_loss == pytest.approx(9.0, abs=0.05)


def test_predict_and_predict_proba():
    net = MLP((4, 5, 3), seed=0, dtype=np.float64)
    X, _ = _data()
    np.testing.assert_array_equal(net.predict(X), np.argmax(net.scores(X), axis=1))
    np.testing.assert_allclose(net.predict_proba(X), softmax(net.scores(X)))
    outputs = net.hidden_outputs(X)
    assert [o.shape for o in outputs] == [(7, 5), (7, 3)]
    assert (outputs[0] >= 0).all()


def test_same_seed_same_model_and_flat_round_trip():
    a, b = MLP((4, 6, 3), seed=11), MLP((4, 6, 3), seed=11)
    for k in a.params:
        np.testing.assert_array_equal(a.params[k], b.params[k])
    theta = a.get_flat_params()
    assert theta.shape == (a.num_params,)
    c = MLP((4, 6, 3), seed=12).set_flat_params(theta)
    for k in a.params:
        np.testing.assert_array_equal(a.params[k], c.params[k])


def test_objective_feeds_gd():
    X, y = _data()
    net = MLP((4, 3), seed=0, dtype=np.float64)
    func = net.objective(X, y)
    theta = net.get_flat_params()
    loss, grad = func(theta)
    assert loss == net.loss(X, y)
    assert grad.shape == theta.shape


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"layer_sizes": (3,)}, ValueError, "needs at least the input and output sizes"),
        ({"layer_sizes": (3, 0, 2)}, ValueError, "positive integers"),
        ({"layer_sizes": (3, 2), "loss": "huber"}, ValueError, "unknown loss 'huber'"),
        ({"layer_sizes": (3, 4, 2), "activation": "rleu"}, ValueError, "unknown activation 'rleu'"),
        ({"layer_sizes": (3, 2), "reg": -1.0}, ValueError, "reg must be a finite number >= 0"),
        ({"layer_sizes": (3, 2), "dtype": np.float16}, ValueError, "dtype must be float32"),
    ],
)
def test_bad_constructor_arguments(kwargs, error, match):
    with pytest.raises(error, match=match):
        MLP(**kwargs)


@pytest.mark.parametrize(
    ("X", "match"),
    [
        (np.zeros((2, 5)), "X has 5 features per row but this model takes 4"),
        (np.zeros(4), "X must be a 2-D array"),
        (np.full((2, 4), np.nan), "NaN or infinity"),
        (np.zeros((0, 4)), "X is empty"),
    ],
)
def test_bad_inputs_name_the_problem(X, match):
    with pytest.raises(ValueError, match=match):
        MLP((4, 3)).scores(X)


def test_set_params_checks_shapes():
    net = MLP((3, 2))
    with pytest.raises(ValueError, match=r"params\['W1'\] must have shape \(2, 3\)"):
        net.set_params({"W1": np.zeros((3, 2)), "b1": np.zeros(2)})
    with pytest.raises(ValueError, match="missing"):
        net.set_params({"W1": np.zeros((2, 3))})


# ----------------------------------------------------------------- workspace
@pytest.mark.parametrize("loss", sorted(LOSSES))
def test_workspace_gives_the_same_numbers_and_reuses_its_arrays(loss):
    X, y = _data(m=6)
    net = MLP((4, 5, 6, 3), activation="tanh", loss=loss, reg=0.1, seed=0)
    fresh_loss, fresh = net.loss_and_grads(X, y)
    ws = net.workspace(6)
    loss1, grads1 = net.loss_and_grads(X, y, workspace=ws)
    ids = {k: id(v) for k, v in grads1.items()}
    assert loss1 == fresh_loss
    for k in fresh:
        np.testing.assert_array_equal(grads1[k], fresh[k])
    loss2, grads2 = net.loss_and_grads(X[::-1].copy(), y[::-1].copy(), workspace=ws)
    assert {k: id(v) for k, v in grads2.items()} == ids  # the same buffers, overwritten
    assert loss2 == pytest.approx(loss1, rel=1e-6)  # a permuted batch has the same mean loss
    np.testing.assert_array_equal(ws.scores, net.scores(X[::-1].copy()))


def test_workspace_must_fit():
    net = MLP((4, 3))
    ws = net.workspace(5)
    X, y = _data(m=6)
    with pytest.raises(ValueError, match="holds batches of 5 rows, got 6"):
        net.loss_and_grads(X, y, workspace=ws)
    with pytest.raises(ValueError, match="made for another model"):
        MLP((4, 2, 3)).loss_and_grads(X[:5], y[:5], workspace=ws)


def test_weights_are_out_in_arrays_laid_out_in_by_out_in_memory():
    from ranvier.optim import Adam

    net = MLP((6, 5, 3), seed=0)
    for k, p in net.params.items():
        if k.startswith("W"):
            assert p.flags.f_contiguous and p.T.flags.c_contiguous  # (out, in), stored as (in, out)
    ws = net.workspace(4)
    assert all(g.flags.f_contiguous for k, g in ws.grads.items() if k.startswith("W"))
    state = Adam().init(net.params)
    assert state["exp_avg/W1"].flags.f_contiguous  # the optimiser's state follows the layout
    net.set_params({k: np.asarray(v, order="C") for k, v in net.params.items()})
    assert net.params["W1"].flags.f_contiguous
