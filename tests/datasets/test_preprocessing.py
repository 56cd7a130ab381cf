"""Preprocessing: fitted on training data only, float32 throughout, serialisable without pickle."""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from ranvier.datasets import Preprocessor, parse_steps


@pytest.fixture
def pixels():
    rng = np.random.default_rng(0)
    train = rng.integers(0, 256, size=(50, 12), dtype=np.uint8)
    val = rng.integers(0, 256, size=(7, 12), dtype=np.uint8)
    return train, val


@pytest.mark.parametrize(
    ("text", "steps"),
    [("none", ()), ("", ()), ("scale", ("scale",)), ("Scale+Center", ("scale", "center")),
     (["scale", "standardize"], ("scale", "standardize")), ("standardize", ("standardize",))],
)
def test_parse_steps(text, steps):
    assert parse_steps(text) == steps


@pytest.mark.parametrize(
    ("text", "match"),
    [("whiten", "unknown preprocessing step 'whiten'; valid steps are 'none', 'scale', 'center', 'standardize'"),
     ("center+scale", "'scale' must come first"),
     ("center+standardize", "either 'center' or 'standardize'"),
     ("scale+scale", "repeat")],
)
def test_parse_steps_errors(text, match):
    with pytest.raises(ValueError, match=match):
        parse_steps(text)


def test_scale_divides_by_pixel_max_exactly(pixels):
    train, _ = pixels
    train[0, :3] = [0, 128, 255]
    out = Preprocessor("scale", pixel_max=255).fit(train).transform(train)
    assert out.dtype == np.float32 and out.shape == train.shape
    assert out[0, :3].tolist() == [0.0, np.float32(128) / np.float32(255), 1.0]
    assert Preprocessor("scale", pixel_max=255).get_arrays() == {}


def test_center_uses_the_training_mean_only(pixels):
    train, val = pixels
    prep = Preprocessor("scale+center", pixel_max=255).fit(train)
    train_mean = train.astype(np.float64).mean(axis=0) / 255
    np.testing.assert_allclose(prep.mean_, train_mean, rtol=1e-6)
    assert not np.allclose(prep.mean_, val.mean(axis=0) / 255, atol=1e-3)
    expected_val = val.astype(np.float32) / np.float32(255) - train_mean.astype(np.float32)
    np.testing.assert_allclose(prep.transform(val), expected_val, atol=1e-6)
    np.testing.assert_allclose(prep.transform(train).mean(axis=0), 0, atol=1e-6)


def test_standardize_gives_zero_mean_unit_std_and_guards_constant_features(pixels):
    train, val = pixels
    train = train.astype(np.float32)
    train[:, 4] = 7.0  # constant feature: only centred
    prep = Preprocessor("standardize").fit(train)
    out = prep.transform(train)
    np.testing.assert_allclose(out.mean(axis=0), 0, atol=1e-5)
    std = out.std(axis=0)
    np.testing.assert_allclose(np.delete(std, 4), 1, rtol=1e-5)
    assert prep.std_[4] == 1.0 and np.all(out[:, 4] == 0)
    val_out = prep.transform(val)
    assert np.isfinite(val_out).all()
    np.testing.assert_allclose(val_out[:, 0], (val[:, 0] - train[:, 0].mean()) / train[:, 0].std(), rtol=1e-4)


def test_copy_false_transforms_float32_in_place(pixels):
    train, _ = pixels
    X = train.astype(np.float32)
    prep = Preprocessor("scale+center", pixel_max=255).fit(X)
    before = X.copy()
    out = prep.transform(X)
    assert out is not X and np.array_equal(X, before)  # copy=True leaves the input alone
    out = prep.transform(X, copy=False)
    assert out is X


def test_no_float64_upcast_and_read_only_input(pixels):
    train, _ = pixels
    prep = Preprocessor("standardize").fit(train)
    assert prep.mean_.dtype == np.float32 and prep.std_.dtype == np.float32
    assert prep.transform(train.astype(np.float64)).dtype == np.float32
    frozen = train.astype(np.float32)
    frozen.flags.writeable = False
    out = prep.transform(frozen, copy=False)
    assert out is not frozen and out.dtype == np.float32


def test_json_round_trip_reapplies_the_same_transform(pixels):
    train, val = pixels
    prep = Preprocessor("scale+standardize", pixel_max=255).fit(train)
    spec = json.loads(json.dumps(prep.to_dict()))
    assert spec == {"steps": ["scale", "standardize"], "pixel_max": 255.0, "n_features": 12}
    arrays = {k: v.copy() for k, v in prep.get_arrays().items()}
    assert set(arrays) == {"mean", "std"}
    again = Preprocessor.from_dict(spec, arrays)
    np.testing.assert_array_equal(again.transform(val), prep.transform(val))


def test_from_dict_checks_the_arrays(pixels):
    train, _ = pixels
    prep = Preprocessor("center").fit(train)
    with pytest.raises(ValueError, match="lacks 'mean'"):
        Preprocessor.from_dict(prep.to_dict(), {})
    with pytest.raises(ValueError, match=r"of shape \(12,\)"):
        Preprocessor.from_dict(prep.to_dict(), {"mean": np.zeros(3)})


def test_inverse_transform_undoes_transform(pixels):
    train, val = pixels
    for steps in ("scale", "scale+center", "scale+standardize", "center"):
        prep = Preprocessor(steps, pixel_max=255 if "scale" in steps else None).fit(train)
        np.testing.assert_allclose(prep.inverse_transform(prep.transform(val)), val, atol=1e-3)


def test_errors(pixels):
    train, _ = pixels
    with pytest.raises(RuntimeError, match="not fitted"):
        Preprocessor("center").transform(train)
    prep = Preprocessor("center").fit(train)
    with pytest.raises(ValueError, match="fitted on 12"):
        prep.transform(train[:, :5])
    with pytest.raises(ValueError, match="flatten_images"):
        prep.transform(train.reshape(50, 3, 4))
    with pytest.raises(ValueError, match="pixel_max must be given exactly"):
        Preprocessor("scale")
    with pytest.raises(ValueError, match="pixel_max must be given exactly"):
        Preprocessor("center", pixel_max=255)
    with pytest.raises(ValueError, match="pixel_max must be a finite number > 0"):
        Preprocessor("scale", pixel_max=0)
    with pytest.raises(ValueError, match="NaN"):
        Preprocessor("center").fit(np.array([[1.0, np.nan]]))
    # nothing to fit: usable at once
    assert Preprocessor("none").transform(train).dtype == np.float32


@given(
    arrays(np.float32, st.tuples(st.integers(2, 30), st.integers(1, 6)),
           elements=st.floats(-1e3, 1e3, width=32)),
)
def test_standardized_training_data_has_zero_mean(X):
    out = Preprocessor("standardize").fit(X).transform(X)
    assert out.dtype == np.float32 and np.isfinite(out).all()
    scale = np.maximum(1.0, np.abs(X).max(axis=0))
    np.testing.assert_allclose(out.mean(axis=0, dtype=np.float64), 0, atol=1e-3 * scale.max())
