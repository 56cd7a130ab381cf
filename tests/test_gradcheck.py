import numpy as np
import pytest

from ranvier import MLP, gradcheck, numerical_gradient, rel_error, sparse_numerical_gradient


def test_numerical_gradient_of_a_known_function_and_x_is_restored():
    x = np.array([[1.0, -2.0], [0.5, 3.0]])
    before = x.copy()
    g = numerical_gradient(lambda v: float(np.sum(v**3)), x)
    np.testing.assert_allclose(g, 3 * before**2, rtol=1e-9)
    np.testing.assert_array_equal(x, before)


def test_centred_difference_error_is_second_order():
    f = lambda v: float(np.sin(v[0]))  # noqa: E731
    x = np.array([0.3])
    errs = [abs(numerical_gradient(f, x, h=h)[0] - np.cos(0.3)) for h in (1e-2, 1e-3)]
    assert errs[0] / errs[1] == pytest.approx(100, rel=0.01)  # error ~ h^2 / 6 * |f'''|


def test_sparse_variant_checks_distinct_coordinates():
    x = np.arange(12.0).reshape(3, 4)
    index, values = sparse_numerical_gradient(lambda v: float(np.sum(v**2)), x, num_checks=5, seed=1)
    assert len(set(zip(*index))) == 5
    np.testing.assert_allclose(values, 2 * x[index], rtol=1e-9)
    again, _ = sparse_numerical_gradient(lambda v: float(np.sum(v**2)), x, num_checks=5, seed=1)
    assert all(np.array_equal(a, b) for a, b in zip(index, again))


def test_rel_error_values():
    assert rel_error(np.zeros(3), np.zeros(3)) == 0.0
    assert rel_error(np.array([1.0, 0.0]), np.array([0.0, 0.0])) == 1.0
    assert rel_error(np.array([3.0, 4.0]), np.array([3.0, 4.0 + 1e-6])) == pytest.approx(1e-6 / (10 + 1e-6), rel=1e-6)
    with pytest.raises(ValueError, match="one shape"):
        rel_error(np.zeros(2), np.zeros(3))


def test_numerical_gradient_requires_float64():
    with pytest.raises(TypeError, match="must be float64"):
        numerical_gradient(lambda v: 0.0, np.zeros(3, dtype=np.float32))


def test_gradcheck_passes_for_a_correct_model_and_leaves_it_untouched():
    net = MLP((5, 6, 3), activation="tanh", seed=0)  # float32 model: checked as a float64 copy
    before = {k: v.copy() for k, v in net.params.items()}
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(8, 5)), rng.integers(0, 3, size=8)
    result = gradcheck(net, X, y)
    assert result.worst < 1e-7
    assert "W1" in str(result) and "worst" in str(result)
    for k in before:
        assert net.params[k].dtype == np.float32
        np.testing.assert_array_equal(net.params[k], before[k])


def test_gradcheck_catches_a_wrong_backward_pass():
    class Buggy(MLP):
        def loss_and_grads(self, X, y):
            loss, grads = super().loss_and_grads(X, y)
            grads["W1"] = grads["W1"] * 1.01  # a 1% mistake
            return loss, grads

    net = Buggy((4, 5, 3), activation="sigmoid", seed=0)
    rng = np.random.default_rng(1)
    result = gradcheck(net, rng.normal(size=(6, 4)), rng.integers(0, 3, size=6))
    assert result["W1"] == pytest.approx(0.01 / 2.01, rel=1e-3)
    assert result["b1"] < 1e-8


def test_sparse_gradcheck_on_a_cifar_sized_layer():
    net = MLP((3072, 20, 10), activation="relu", loss="svm", reg=1e-3, seed=0)
    rng = np.random.default_rng(2)
    X, y = rng.normal(size=(10, 3072)), rng.integers(0, 10, size=10)
    result = gradcheck(net, X, y, num_checks=8, seed=3)
    assert result.worst < 1e-6
