import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from ranvier import OBJECTIVES, DivergenceWarning, gd, get_objective, numerical_gradient
from ranvier.descent.functions import beale, himmelblau, quadratic_bowl, rosenbrock, saddle


def test_path_costs_and_grads_are_aligned():
    x0 = np.array([3.0, 1.0])
    res = gd(quadratic_bowl, x0, lr=0.05, tol=1e-3, max_iters=500)
    assert len(res.path) == len(res.costs) == len(res.grads) == res.n_iters + 1
    np.testing.assert_array_equal(res.path[0], x0)
    np.testing.assert_array_equal(x0, [3.0, 1.0])  # not modified
    for i, x in enumerate(res.path):
        cost, g = quadratic_bowl(x)
        assert res.costs[i] == cost
        np.testing.assert_array_equal(res.grads[i], g)
    np.testing.assert_allclose(res.path[1:], res.path[:-1] - 0.05 * res.grads[:-1], rtol=1e-15)


def test_stops_when_a_step_is_shorter_than_tol():
    res = gd(quadratic_bowl, [3.0, 1.0], lr=0.1, tol=1e-4)
    steps = np.linalg.norm(np.diff(res.path, axis=0), axis=1)
    assert res.converged and not res.hit_max and not res.diverged
    assert steps[-1] < 1e-4 and (steps[:-1] >= 1e-4).all()
    assert "converged after" in res.message


def test_hit_max():
    res = gd(rosenbrock, rosenbrock.start, lr=1e-4, tol=1e-12, max_iters=50)
    assert res.hit_max and not res.converged
    assert res.n_iters == 50
    path, costs, grads, hit_max = res  # unpacks like the lecture's return value
    assert hit_max and len(path) == 51


@pytest.mark.parametrize("lr", [0.01, 0.1, 0.19, 0.199])
def test_bowl_converges_below_two_over_L(lr):
    assert 2 / quadratic_bowl.lipschitz == pytest.approx(0.2)
    res = gd(quadratic_bowl, quadratic_bowl.start, lr=lr, tol=1e-10, max_iters=100_000)
    assert res.converged
    np.testing.assert_allclose(res.x, [0, 0], atol=1e-8)


@pytest.mark.parametrize("lr", [0.201, 0.25, 1.0])
def test_bowl_diverges_above_two_over_L_and_says_so(lr):
    with pytest.warns(DivergenceWarning, match="too large, try a smaller learning rate"):
        res = gd(quadratic_bowl, quadratic_bowl.start, lr=lr, max_iters=100_000)
    assert res.diverged and not res.converged and not res.hit_max
    assert np.isfinite(res.costs).all()  # stopped before anything overflowed
    assert res.costs[-1] > 1e8 * res.costs[0]
    # the y coordinate is multiplied by (1 - 10 lr) every step
    np.testing.assert_allclose(res.path[1:, 1] / res.path[:-1, 1], 1 - 10 * lr, rtol=1e-12)


def test_divergence_can_be_silenced():
    res = gd(quadratic_bowl, [1.0, 1.0], lr=0.3, warn=False)
    assert res.diverged


def test_rosenbrock_descends_toward_the_minimum():
    res = gd(rosenbrock, rosenbrock.start, lr=1e-3, tol=1e-9, max_iters=50_000)
    assert res.costs[-1] < 1e-6
    np.testing.assert_allclose(res.x, [1, 1], atol=2e-3)


def test_saddle_runs_away_from_the_critical_point():
    res = gd(saddle, saddle.start, lr=0.1, max_iters=30)
    assert abs(res.x[0]) < 0.01  # the stable direction shrinks
    assert abs(res.x[1]) > 1e-3 * 1.2**29  # the unstable one grows by 1.2 per step


@pytest.mark.parametrize("name", sorted(OBJECTIVES))
@given(point=st.tuples(st.floats(-3, 3), st.floats(-3, 3)))
def test_objective_gradients_are_exact(name, point):
    f = get_objective(name)
    x = np.array(point)
    _, g = f(x)
    numeric = numerical_gradient(lambda v: f(v)[0], x.copy(), h=1e-6)
    np.testing.assert_allclose(g, numeric, rtol=1e-6, atol=1e-4)


@pytest.mark.parametrize("f", [quadratic_bowl, rosenbrock, beale, himmelblau])
def test_known_minima(f):
    for m in f.minima:
        cost, g = f(m)
        assert cost == pytest.approx(f.min_value, abs=1e-10)
        np.testing.assert_allclose(g, 0, atol=1e-4)


def test_objective_value_is_vectorised_for_contours():
    xx, yy = np.meshgrid(np.linspace(-1, 1, 5), np.linspace(-1, 1, 4))
    zz = rosenbrock.value(xx, yy)
    assert zz.shape == (4, 5)
    assert zz[0, 0] == rosenbrock(np.array([-1.0, -1.0]))[0]


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [({"lr": 0.0}, "lr must be a finite number > 0"), ({"max_iters": -1}, "max_iters must be >= 0"),
     ({"x0": [[1.0, 2.0]]}, "x0 must be a non-empty 1-D point"), ({"x0": [np.nan, 0.0]}, "x0 must be finite")],
)
def test_bad_arguments(kwargs, match):
    args = {"x0": [1.0, 1.0], **kwargs}
    with pytest.raises(ValueError, match=match):
        gd(quadratic_bowl, **args)


def test_lookup_by_name():
    assert get_objective("Rosenbrock") is rosenbrock
    assert get_objective("quadratic_bowl") is quadratic_bowl
    with pytest.raises(ValueError, match="choose one of: bowl, rosenbrock, beale, himmelblau, saddle"):
        get_objective("ackley")
