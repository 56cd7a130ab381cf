"""The playground's settings, data, model building, presets and exports, without a server."""

from __future__ import annotations

import math

import numpy as np
import pytest

import ranvier
from ranvier.playground import model as pg_model
from ranvier.playground.data import Points, features, make_points, parse_csv
from ranvier.playground.presets import PRESETS
from ranvier.playground.session import Session
from ranvier.playground.settings import DEFAULTS, LIMITS, SettingsError, check_settings, num_params


def test_defaults_pass_their_own_check():
    assert check_settings({}) == DEFAULTS


@pytest.mark.parametrize("update, key, value", [
    ({"lr": "0.25"}, "lr", 0.25),
    ({"layers": "16, 4"}, "layers", [16, 4]),
    ({"layers": ""}, "layers", []),
    ({"points": "300"}, "points", 300),
    ({"batch_norm": "on"}, "batch_norm", True),
    ({"features": "x1,x2,sin(x1)"}, "features", ["x1", "x2", "sin(x1)"]),
    ({"schedule": "inverse-time"}, "schedule", "inverse_time"),
    ({"optimizer": "AdamW"}, "optimizer", "adamw"),
])
def test_text_from_the_page_is_read(update, key, value):
    assert check_settings(update)[key] == value


def test_activation_follows_the_layers():
    assert check_settings({"layers": [4, 4, 4], "activation": "tanh"})["activation"] == ["tanh"] * 3
    assert check_settings({"layers": [4, 4, 4], "activation": ["tanh", "relu"]})["activation"] == ["tanh", "relu", "relu"]
    assert check_settings({"layers": [4], "activation": ["tanh", "relu"]})["activation"] == ["tanh"]
    grown = check_settings({"layers": [8, 8, 8]}, check_settings({"activation": ["sigmoid", "tanh"]}))
    assert grown["activation"] == ["sigmoid", "tanh", "tanh"]
    assert check_settings({"layers": []})["activation"] == []


@pytest.mark.parametrize("update, field, words", [
    ({"lr": "abc"}, "lr", "lr must be a number, got 'abc'"),
    ({"lr": 0}, "lr", "lr must be a number in (0, 10]"),
    ({"lr": True}, "lr", "lr must be a number"),
    ({"points": 25.5}, "points", "whole number"),
    ({"layers": [8] * 11}, "layers", "at most 10 hidden layers"),
    ({"layers": [0]}, "layers", "layers must be a number in [1, 256]"),
    ({"features": []}, "features", "at least one input feature"),
    ({"dataset": "mnist"}, "dataset", "dataset must be one of xor, circles, spirals, blobs, gaussian, custom"),
    ({"batch_norm": "maybe"}, "batch_norm", "true or false"),
    ({"learning_rate": 1}, "learning_rate", "unknown setting"),
])
def test_bad_values_name_the_setting(update, field, words):
    with pytest.raises(SettingsError) as exc:
        check_settings(update)
    assert exc.value.field == field and words in str(exc.value)


def test_network_size_limit():
    assert num_params(2, [8, 8], 3) == (2 * 8 + 8) + (8 * 8 + 8) + (8 * 3 + 3)
    check_settings({"layers": [200, 200]})  # 2*200+200 + 200*200+200 + 200*2+2 = 41,402
    with pytest.raises(SettingsError, match="parameters"):
        check_settings({"layers": [256, 256, 256]})
    assert LIMITS["max_params"] == 100_000


def test_toy_points_are_reproducible_and_split_by_ratio():
    s = check_settings({"dataset": "blobs", "classes": 5, "points": 200, "ratio": 0.3, "seed": 4})
    a, b = make_points(s), make_points(s)
    np.testing.assert_array_equal(a.X, b.X)
    np.testing.assert_array_equal(a.train, b.train)
    assert a.n_classes == 5 and a.train.sum() == 60 and sorted(set(a.y.tolist())) == [0, 1, 2, 3, 4]
    other = make_points(dict(s, seed=5))
    assert not np.array_equal(a.X, other.X)


def test_gaussian_clouds_sit_at_plus_minus_two():
    p = make_points(check_settings({"dataset": "gaussian", "points": 400, "noise": 0.1}))
    np.testing.assert_allclose(p.X[p.y == 0].mean(axis=0), [2, 2], atol=0.1)
    np.testing.assert_allclose(p.X[p.y == 1].mean(axis=0), [-2, -2], atol=0.1)
    np.testing.assert_allclose(p.X[p.y == 0].std(axis=0), [0.5, 0.5], rtol=0.15)  # noise 0.1 * scale 5


def test_noise_zero_puts_xor_on_its_corners():
    p = make_points(check_settings({"dataset": "xor", "noise": 0, "points": 40}))
    assert set(map(tuple, np.abs(p.X).tolist())) == {(1.0, 1.0)}


def test_features():
    X = np.array([[2.0, 3.0], [-1.0, 0.5]], dtype=np.float32)
    F = features(X, ["x1", "x2", "x1^2", "x2^2", "x1*x2", "sin(x1)", "sin(x2)"])
    np.testing.assert_allclose(F[0], [2, 3, 4, 9, 6, math.sin(2), math.sin(3)], rtol=1e-6)
    assert F.dtype == np.float32 and F.flags.c_contiguous


def test_csv_without_header_and_with_blank_lines():
    p = parse_csv("0,0,0\n\n1,1,1\n2,2,2\n", DEFAULTS)
    assert isinstance(p, Points) and p.n_classes == 3 and p.X.tolist() == [[0, 0], [1, 1], [2, 2]]


def test_points_window_and_removal():
    p = Points(np.array([[0.0, 0.0], [1.0, -2.0]], dtype=np.float32), np.array([0, 1]), np.array([True, False]), 2)
    np.testing.assert_allclose(p.window(), [-2.3, 2.3])
    assert p.remove_near(0.9, -1.9, 0.05) == 0
    assert p.remove_near(0.9, -1.9, 0.2) == 1 and p.X.tolist() == [[0.0, 0.0]]


def test_capabilities_read_the_signature_of_this_mlp():
    import inspect

    params = inspect.signature(ranvier.MLP).parameters
    assert pg_model.capabilities() == {"dropout": "dropout" in params, "batch_norm": "batch_norm" in params}


def test_build_model_passes_dropout_and_batch_norm_when_mlp_takes_them(monkeypatch):
    seen = {}

    class LayersMLP(ranvier.MLP):
        def __init__(self, *args, dropout=0.0, batch_norm=False, **kwargs):
            seen.update(dropout=dropout, batch_norm=batch_norm)
            super().__init__(*args, **kwargs)

    s = check_settings({"dropout": 0.3, "batch_norm": True})
    monkeypatch.setattr(pg_model, "MLP", LayersMLP)
    assert pg_model.capabilities() == {"dropout": True, "batch_norm": True}
    pg_model.build_model(s, 2, 3)
    assert seen == {"dropout": 0.3, "batch_norm": True}


def test_build_model_leaves_them_out_when_mlp_does_not_take_them(monkeypatch):
    class PlainMLP(ranvier.MLP):
        def __init__(self, layer_sizes, activation="relu", loss="softmax", reg=0.0, seed=None):
            super().__init__(layer_sizes, activation=activation, loss=loss, reg=reg, seed=seed)

    monkeypatch.setattr(pg_model, "MLP", PlainMLP)
    assert pg_model.capabilities() == {"dropout": False, "batch_norm": False}
    net = pg_model.build_model(check_settings({"dropout": 0.5, "batch_norm": True, "layers": [5]}), 2, 2)
    assert net.layer_sizes == (2, 5, 2)


@pytest.mark.parametrize("name, every, lr_after_two_epochs", [
    ("step", 1, 0.1 * 0.5 ** 2),
    ("step", 3, 0.1),
    ("exponential", 3, 0.1 * 0.5 ** 2),
    ("inverse_time", 3, 0.1 / (1 + 0.5 * 2)),
])
def test_schedules_decay_per_epoch(name, every, lr_after_two_epochs):
    s = check_settings({"schedule": name, "lr": 0.1, "decay": 0.5, "decay_every": every, "batch_size": 10})
    sched = ranvier.get_schedule(**pg_model.schedule_options(s, 100))  # 10 steps an epoch
    assert sched(20) == pytest.approx(lr_after_two_epochs)


def test_cosine_ends_at_decay_times_lr():
    s = check_settings({"schedule": "cosine", "lr": 0.1, "decay": 0.1, "decay_every": 3, "batch_size": 10})
    sched = ranvier.get_schedule(**pg_model.schedule_options(s, 100))
    assert sched(0) == pytest.approx(0.1) and sched(30) == pytest.approx(0.01) and sched(300) == pytest.approx(0.01)


def test_every_preset_is_valid_and_explained():
    from ranvier.playground.optview import race

    assert len({p["id"] for p in PRESETS}) == len(PRESETS)
    for p in PRESETS:
        assert p["view"] in ("classifier", "optimizer") and len(p["text"]) > 40, p["id"]
        if "settings" in p:
            Session(p["settings"])
        else:
            assert race(p["race"])["runs"]


def test_lesson_least_squares_cannot_fit_xor_and_relu_can():
    linear = Session(next(p for p in PRESETS if p["id"] == "xor-linear")["settings"])
    relu = Session(next(p for p in PRESETS if p["id"] == "xor-relu")["settings"])
    for s in (linear, relu):
        s.train(1e9, max_epochs=40)
    assert linear.curves["test_accuracy"][-1] < 0.75
    assert relu.curves["test_accuracy"][-1] > 0.95


def test_lesson_stacked_linear_layers_draw_a_straight_boundary():
    s = Session(next(p for p in PRESETS if p["id"] == "linear-collapse")["settings"])
    s.train(1e9, max_epochs=20)
    W, b = s.model.collapse()  # one linear map: the network's boundary is linear
    X = s.X_test
    np.testing.assert_allclose(s.model.scores(X), X @ W.T + b, rtol=1e-4, atol=1e-4)
    assert s.curves["test_accuracy"][-1] < 0.75


@pytest.mark.parametrize("extra", [{}, {"dropout": 0.2, "batch_norm": True}])
def test_drawing_a_frame_leaves_the_training_alone(extra):
    settings = {"dataset": "spirals", "points": 200, "layers": [16, 16], **extra}
    plain, drawn = Session(settings), Session(settings)
    for _ in range(3):
        plain.train(0, max_epochs=1)
        drawn.frame()
        drawn.train(0, max_epochs=1)
    assert plain.curves == drawn.curves
