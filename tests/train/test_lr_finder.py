import json
import os

import numpy as np
import pytest

from ranvier import MLP
from ranvier.cli import main
from ranvier.train.lr_finder import _ExponentialRamp, lr_range_test


def _blobs(m=400, seed=0):
    rng = np.random.default_rng(seed)
    centres = rng.normal(scale=2, size=(4, 8))
    y = rng.integers(0, 4, size=m)
    return (centres[y] + rng.normal(size=(m, 8))).astype(np.float32), y


def test_ramp_is_exponential_from_start_to_end():
    ramp = _ExponentialRamp(1e-4, 1.0, 5)
    np.testing.assert_allclose([ramp(k) for k in range(5)], [1e-4, 1e-3, 1e-2, 1e-1, 1.0], rtol=1e-12)


def test_range_test_records_stops_on_explosion_and_leaves_the_model_alone():
    X, y = _blobs()
    net = MLP((8, 16, 4), seed=0)
    before = net.get_flat_params().copy()
    r = lr_range_test(net, X, y, start_lr=1e-5, end_lr=1e3, steps=200, batch_size=32)
    np.testing.assert_array_equal(net.get_flat_params(), before)
    assert r.stopped_reason.startswith("the loss exploded") or "NaN" in r.stopped_reason
    assert len(r.lrs) < 200
    assert r.lrs[0] == pytest.approx(1e-5)
    assert np.all(np.diff(r.lrs) > 0)
    assert len(r.losses) == len(r.smoothed) == len(r.lrs)
    assert 1e-5 < r.steepest_lr <= r.suggestion <= r.min_loss_lr < r.lrs[-1]
    assert r.suggestion == pytest.approx(np.sqrt(r.steepest_lr * r.min_loss_lr), rel=1e-12)
    assert r.smoothed[np.argmin(np.abs(r.lrs - r.min_loss_lr))] == pytest.approx(np.nanmin(r.smoothed))


def test_suggested_rate_trains_well():
    X, y = _blobs(m=600)
    r = lr_range_test(MLP((8, 4), seed=0), X, y, steps=150, batch_size=32)
    from ranvier import Trainer

    net = MLP((8, 4), seed=0)
    Trainer(net, "sgd", lr=r.suggestion, batch_size=32, epochs=5, verbose=0).fit(X, y)
    assert (net.predict(X) == y).mean() > 0.9


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [({"start_lr": 1.0, "end_lr": 0.1}, "end_lr must be larger than start_lr"),
     ({"steps": 2}, "steps must be >= 3"), ({"beta": 1.0}, "beta must be in"), ({"optimizer": "ada"}, "unknown optimizer")],
)
def test_bad_arguments(kwargs, match):
    X, y = _blobs(m=50)
    with pytest.raises(ValueError, match=match):
        lr_range_test(MLP((8, 4)), X, y, **kwargs)


def test_cli_lr_find(tmp_path, capsys):
    assert main(["lr-find", "--data", "blobs", "--model", "linear", "--steps", "60", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "suggested learning rate:" in out and "try: ranvier train --data blobs" in out
    data = json.loads((tmp_path / "lr_find.json").read_text())
    assert len(data["lrs"]) == len(data["losses"]) and data["suggestion"] > 0
    assert data["options"]["data"] == "blobs"
    from PIL import Image

    with Image.open(tmp_path / "lr_find.png") as img:
        assert img.size == (640, 440)
        assert np.asarray(img.convert("L")).std() > 10  # not blank


def test_cli_lr_find_refuses_training_only_options(capsys):
    assert main(["lr-find", "--data", "blobs", "--mode", "stochastic"]) == 2
    assert "--mode is for 'ranvier train'" in capsys.readouterr().err


def test_cli_lr_find_suggests_a_command_that_runs_as_printed(tmp_path, monkeypatch, capsys):
    """The suggested 'ranvier train' carries the range test's data, model and batch options."""
    import shlex

    monkeypatch.chdir(tmp_path)
    data_dir = tmp_path / "my data"
    data_dir.mkdir()
    argv = ["lr-find", "--data", "blobs", "--data-dir", str(data_dir), "--hidden", "7,5", "--activation", "tanh",
            "--batch-size", "16", "--n-train", "200", "--reg", "0.001", "--seed", "3", "--optimizer", "momentum",
            "--steps", "60"]
    assert main(argv) == 0
    out = capsys.readouterr().out
    command = next(line.split("try: ", 1)[1] for line in out.splitlines() if "try: " in line)
    words = shlex.split(command)
    assert words[:2] == ["ranvier", "train"]
    given = dict(zip(words[2::2], words[3::2]))
    suggestion = json.loads(next((tmp_path / "runs").glob("blobs-lr-find-*/lr_find.json")).read_text())["suggestion"]
    assert given == {"--data": "blobs", "--data-dir": str(data_dir), "--n-train": "200", "--hidden": "7,5",
                     "--activation": "tanh", "--reg": "0.001", "--batch-size": "16", "--seed": "3",
                     "--optimizer": "momentum", "--lr": f"{suggestion:.3g}"}
    # lr-find wrote its picture and numbers into runs/ by default, and said where
    folder = next((tmp_path / "runs").glob("blobs-lr-find-*"))
    assert (folder / "lr_find.png").is_file()
    assert f"wrote {os.path.join('runs', folder.name, 'lr_find.json')}" in out
    # the command runs as printed and trains the model that was tested
    assert main(words[1:]) == 0
    summary = json.loads(next((tmp_path / "runs").glob("blobs-mlp-*/summary.json")).read_text())
    opts = summary["options"]
    assert (opts["hidden"], opts["activation"], opts["batch_size"], opts["n_train"]) == ([7, 5], "tanh", 16, 200)
    assert opts["lr"] == float(f"{suggestion:.3g}") and opts["data_dir"] == str(data_dir)
