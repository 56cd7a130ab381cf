import numpy as np
import pytest

from ranvier import MLP, gd, hand_network, least_squares_fit, train_xor, xor_data


def test_hand_set_network_outputs_exactly_xor():
    X, y = xor_data()
    net = hand_network()
    assert net.params["W1"].tolist() == [[1, 1], [1, 1]]
    np.testing.assert_array_equal(net.scores(X).ravel(), [0.0, 1.0, 1.0, 0.0])
    np.testing.assert_array_equal(net.hidden_outputs(X)[0], [[0, 0], [1, 0], [1, 0], [2, 1]])


def test_least_squares_fit_is_w_zero_b_half():
    w, b = least_squares_fit()
    np.testing.assert_allclose(w, [0.0, 0.0], atol=1e-12)
    assert b == pytest.approx(0.5, abs=1e-12)


def test_gradient_descent_on_the_linear_model_reaches_the_same_fit():
    X, y = xor_data()
    lin = MLP((2, 1), loss="squared", init=0.5, seed=0, dtype=np.float64)
    res = gd(lin.objective(X, y.astype(np.float64)), lin.get_flat_params(), lr=0.5, tol=1e-12, max_iters=20_000)
    assert res.converged
    np.testing.assert_allclose(res.x, [0.0, 0.0, 0.5], atol=1e-9)  # w1, w2, b


def test_trained_relu_network_solves_xor_for_at_least_9_of_10_seeds():
    solved = [train_xor(seed=s).solved for s in range(10)]
    assert sum(solved) >= 9, solved


def test_training_record():
    result = train_xor(seed=0)
    assert result.solved
    np.testing.assert_array_equal(result.predictions, [0, 1, 1, 0])
    assert result.run.costs[-1] < 0.05 < np.log(2) < result.run.costs[0] + 1
