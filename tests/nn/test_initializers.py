import numpy as np
import pytest

from ranvier import MLP, init_weight
from ranvier.initializers import init_std


@pytest.mark.parametrize(
    ("scheme", "expected"),
    [("he", np.sqrt(2 / 400)), ("xavier", np.sqrt(2 / 700)), ("glorot", np.sqrt(2 / 700)), ("gaussian", 0.01), (0.05, 0.05)],
)
def test_standard_deviation_of_each_scheme(scheme, expected):
    assert init_std(scheme, 400, 300) == pytest.approx(expected, rel=1e-15)
    W = init_weight(scheme, 400, 300, np.random.default_rng(0), np.float64)
    assert W.shape == (300, 400)
    assert W.std() == pytest.approx(expected, rel=0.01)  # 120000 draws: the sample std is within 0.5%
    assert abs(W.mean()) < 4 * expected / np.sqrt(W.size)


def test_seeded_and_identical_across_dtypes():
    a = init_weight("he", 30, 20, np.random.default_rng(7), np.float32)
    b = init_weight("he", 30, 20, np.random.default_rng(7), np.float64)
    assert a.dtype == np.float32 and b.dtype == np.float64
    np.testing.assert_array_equal(a, b.astype(np.float32))
    c = init_weight("he", 30, 20, np.random.default_rng(8), np.float64)
    assert not np.array_equal(b, c)


def test_mlp_auto_init_picks_he_for_relu_and_xavier_for_tanh():
    relu = MLP((1000, 500, 10), activation="relu", seed=0, dtype=np.float64)
    tanh = MLP((1000, 500, 10), activation="tanh", seed=0, dtype=np.float64)
    assert relu.params["W1"].std() == pytest.approx(np.sqrt(2 / 1000), rel=0.01)
    assert tanh.params["W1"].std() == pytest.approx(np.sqrt(2 / 1500), rel=0.01)
    assert not relu.params["b1"].any()


def test_bad_scheme_is_rejected():
    with pytest.raises(ValueError, match="unknown init 'kaiming'; choose one of: gaussian, xavier, glorot, he"):
        init_std("kaiming", 3, 4)
    with pytest.raises(ValueError, match="standard deviation and must be >= 0"):
        init_std(-0.1, 3, 4)
