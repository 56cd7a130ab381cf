import warnings

import numpy as np
import pytest

from ranvier import OBJECTIVES, DivergenceWarning, GDResult, gd, get_objective
from ranvier.optim import SGD, Adam
from ranvier.descent.paths import PATH_OPTIMIZERS, compare, default_lr, run_optimizer

BOWL = get_objective("bowl")
ROSENBROCK = get_objective("rosenbrock")


def test_sgd_takes_exactly_the_steps_of_the_lecture_gd():
    mine = run_optimizer(ROSENBROCK, "sgd", ROSENBROCK.start, 150, lr=1e-3, tol=0)
    lecture = gd(ROSENBROCK, ROSENBROCK.start, lr=1e-3, tol=0, max_iters=150)
    np.testing.assert_array_equal(mine.path, lecture.path)
    np.testing.assert_array_equal(mine.costs, lecture.costs)
    np.testing.assert_array_equal(mine.grads, lecture.grads)
    assert mine.hit_max and lecture.hit_max


def test_gd_by_name_is_the_lecture_gd():
    res = run_optimizer(BOWL, "gd", [3.0, 1.0], 500, lr=0.1, tol=1e-8)
    ref = gd(BOWL, [3.0, 1.0], lr=0.1, tol=1e-8, max_iters=500)
    assert isinstance(res, GDResult)
    np.testing.assert_array_equal(res.path, ref.path)
    assert res.converged and res.message == ref.message


@pytest.mark.parametrize("name", PATH_OPTIMIZERS)
def test_every_optimizer_records_aligned_points_costs_and_gradients(name):
    res = run_optimizer(BOWL, name, BOWL.start, 40, tol=0)
    assert res.path.shape == (41, 2) and res.costs.shape == (41,) and res.grads.shape == (41, 2)
    assert res.path.dtype == np.float64
    np.testing.assert_array_equal(res.path[0], BOWL.start)
    for i in (0, 7, 40):
        cost, g = BOWL(res.path[i])
        assert res.costs[i] == cost
        np.testing.assert_array_equal(res.grads[i], g)


@pytest.mark.parametrize("name", PATH_OPTIMIZERS)
def test_every_optimizer_reaches_the_bowl_minimum_at_its_default_rate(name):
    res = run_optimizer(BOWL, name, BOWL.start, 2000, tol=1e-10)
    assert not res.diverged
    assert np.linalg.norm(res.x) < 1e-3, res.message


def test_momentum_path_follows_the_formula():
    lr, mu, x0 = 0.01, 0.9, np.array([-3.5, 1.5])
    res = run_optimizer(BOWL, "momentum", x0, 2, lr=lr, tol=0)
    g0 = BOWL(x0)[1]
    x1 = x0 - lr * g0                    # b1 = g0
    b2 = mu * g0 + BOWL(x1)[1]
    x2 = x1 - lr * b2
    np.testing.assert_allclose(res.path, [x0, x1, x2], rtol=0, atol=1e-15)


def test_adam_first_step_moves_each_coordinate_by_lr():
    res = run_optimizer(ROSENBROCK, "adam", [-1.5, 2.0], 1, lr=0.05, tol=0)
    g0 = ROSENBROCK(np.array([-1.5, 2.0]))[1]
    np.testing.assert_allclose(res.path[1] - res.path[0], -0.05 * np.sign(g0), rtol=1e-6)


def test_an_optimizer_object_is_driven_as_it_is():
    res = run_optimizer(BOWL, Adam(lr=0.1), BOWL.start, 5, tol=0)
    ref = run_optimizer(BOWL, "adam", BOWL.start, 5, lr=0.1, tol=0)
    np.testing.assert_array_equal(res.path, ref.path)
    with pytest.raises(TypeError, match="lr can only be given"):
        run_optimizer(BOWL, SGD(lr=0.1), BOWL.start, 5, lr=0.1)


def test_divergence_is_detected_and_warned():
    with pytest.warns(DivergenceWarning, match="lr=0.5 is too large for sgd"):
        res = run_optimizer(BOWL, "momentum", BOWL.start, 10_000, lr=0.5)
    assert res.diverged and not res.hit_max and not res.converged
    assert res.n_iters < 10_000 and "diverged at step" in res.message
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        quiet = run_optimizer(BOWL, "gd", BOWL.start, 10_000, lr=0.25, warn=False)
    assert quiet.diverged


def test_convergence_and_max_steps_flags():
    res = run_optimizer(BOWL, "rmsprop", BOWL.start, 5000, lr=0.01, tol=1e-9)
    assert res.converged and not res.hit_max and "converged after" in res.message
    capped = run_optimizer(BOWL, "adam", BOWL.start, 3, tol=0)
    assert capped.hit_max and capped.n_iters == 3


def test_start_is_not_modified_and_is_checked():
    x0 = np.array([-1.5, 2.0])
    run_optimizer(ROSENBROCK, "adam", x0, 10)
    np.testing.assert_array_equal(x0, [-1.5, 2.0])
    with pytest.raises(ValueError, match="finite"):
        run_optimizer(BOWL, "adam", [np.nan, 0.0], 3)
    with pytest.raises(ValueError, match="shape"):
        run_optimizer(BOWL, "adam", [[1.0, 2.0]], 3)
    with pytest.raises(ValueError, match="steps"):
        run_optimizer(BOWL, "adam", [1.0, 2.0], -1)


def test_unknown_optimizer_lists_the_valid_names():
    with pytest.raises(ValueError, match="unknown optimizer 'adamm'; choose one of: gd, sgd, momentum"):
        run_optimizer(BOWL, "adamm", [1.0, 1.0], 3)


def test_compare_optimizers_and_learning_rates():
    runs = compare("rosenbrock", ["gd", "momentum", "adam"], steps=20)
    assert list(runs) == [f"gd lr={default_lr(ROSENBROCK, 'gd'):g}", f"momentum lr={default_lr(ROSENBROCK, 'momentum'):g}",
                          f"adam lr={default_lr(ROSENBROCK, 'adam'):g}"]
    assert all(np.array_equal(r.path[0], ROSENBROCK.start) for r in runs.values())
    rates = compare("bowl", "gd", [0.01, 0.1, 0.25], x0=[1.0, 1.0], steps=200)
    assert list(rates) == ["gd lr=0.01", "gd lr=0.1", "gd lr=0.25"]
    assert rates["gd lr=0.25"].diverged and not rates["gd lr=0.1"].diverged
    paired = compare("bowl", ["gd", "adam"], [0.1, 0.2], steps=5)
    assert list(paired) == ["gd lr=0.1", "adam lr=0.2"]


@pytest.mark.parametrize(("optimizers", "lrs", "message"), [
    (["gd", "adam"], [0.1, 0.2, 0.3], "one per optimizer"),
    ("gd", [0.1, 0.1], "asked for twice"),
    ([], None, "at least one"),
])
def test_compare_rejects_mismatched_requests(optimizers, lrs, message):
    with pytest.raises(ValueError, match=message):
        compare("bowl", optimizers, lrs, steps=3)


@pytest.mark.parametrize("function", list(OBJECTIVES))
@pytest.mark.parametrize("optimizer", PATH_OPTIMIZERS)
def test_default_rates_are_positive_and_stable_at_the_start(function, optimizer):
    lr = default_lr(function, optimizer)
    assert lr > 0
    res = run_optimizer(get_objective(function), optimizer, get_objective(function).start, 100, lr=lr, warn=False)
    assert not res.diverged, res.message


@pytest.mark.parametrize("path", ["gd", "adam"])
def test_a_function_that_returns_no_pair_or_a_wrong_gradient_is_refused_by_both_paths(path):
    def single(x):
        return float(x @ x)

    def long_grad(x):
        return float(x @ x), np.zeros(3)

    with pytest.raises(TypeError, match=r"^func must return a pair \(cost, grad\)$"):
        run_optimizer(single, path, [1.0, 2.0], 3, lr=0.1)
    with pytest.raises(ValueError, match=r"^func returned a gradient of shape \(3,\) for a point of shape \(2,\)$"):
        run_optimizer(long_grad, path, [1.0, 2.0], 3, lr=0.1)
