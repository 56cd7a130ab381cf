"""The train / evaluate / predict / info commands, end to end on small data."""

import json

import numpy as np
import pytest

from ranvier.cli import main
from ranvier.io import load_model


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    out = tmp_path_factory.mktemp("run")
    code = main(["train", "--data", "digits", "--hidden", "32", "--epochs", "3", "--seed", "1",
                 "--out", str(out), "--quiet"])
    assert code == 0
    return out


def test_train_writes_the_model_history_summary_and_curves(trained):
    assert sorted(p.name for p in trained.iterdir()) == ["curves.png", "history.json", "model.npz", "summary.json"]
    summary = json.loads((trained / "summary.json").read_text())
    for key in ("train_accuracy", "val_accuracy", "test_accuracy", "epochs", "seconds", "seed", "options"):
        assert key in summary
    assert summary["epochs"] == 3 and summary["seed"] == 1
    assert summary["options"]["hidden"] == [32] and summary["options"]["data"] == "digits"
    assert 0.5 < summary["test_accuracy"] <= 1
    history = json.loads((trained / "history.json").read_text())
    assert len(history["epoch"]["loss"]) == 3
    saved = load_model(trained / "model.npz")
    assert saved.model.layer_sizes == (64, 32, 10)
    assert saved.class_names == [str(d) for d in range(10)]
    png = (trained / "curves.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 10_000


def test_train_report(tmp_path, capsys):
    assert main(["train", "--data", "blobs", "--model", "linear", "--epochs", "2", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr()
    assert "accuracy: train" in out.out and "test" in out.out
    assert "epoch 2/2" in out.err  # the progress lines go to stderr


def test_same_seed_same_model(tmp_path):
    for name in ("a", "b"):
        assert main(["train", "--data", "xor", "--hidden", "8", "--epochs", "2", "--quiet",
                     "--out", str(tmp_path / name)]) == 0
    a, b = (load_model(tmp_path / n / "model.npz").model for n in ("a", "b"))
    np.testing.assert_array_equal(a.get_flat_params(), b.get_flat_params())


def test_config_file_and_command_line_override(tmp_path):
    config = tmp_path / "run.toml"
    config.write_text('data = "circles"\nhidden = [6, 5]\nepochs = 2\nactivation = "tanh"\nlr = 0.05\n')
    out = tmp_path / "out"
    assert main(["train", "--config", str(config), "--epochs", "1", "--out", str(out), "--quiet"]) == 0
    options = json.loads((out / "summary.json").read_text())["options"]
    assert options["data"] == "circles" and options["hidden"] == [6, 5] and options["activation"] == "tanh"
    assert options["epochs"] == 1 and options["lr"] == 0.05


def test_evaluate_info_and_predict(trained, tmp_path, capsys):
    capsys.readouterr()
    assert main(["evaluate", str(trained / "model.npz")]) == 0
    out = capsys.readouterr().out
    summary = json.loads((trained / "summary.json").read_text())
    assert f"accuracy {100 * summary['test_accuracy']:.2f}%" in out
    assert "confusion matrix" in out and "per-class accuracy" in out
    for split in ("val", "train"):  # carved again exactly as in training
        assert main(["evaluate", str(trained / "model.npz"), "--split", split]) == 0
        assert f"accuracy {100 * summary[split + '_accuracy']:.2f}%" in capsys.readouterr().out
    assert main(["info", str(trained / "model.npz")]) == 0
    assert "MLP(layer_sizes=(64, 32, 10)" in capsys.readouterr().out
    from sklearn.datasets import load_digits

    digits = load_digits()
    np.save(tmp_path / "x.npy", digits.images[:4])  # raw 8x8 images, pixel values 0..16
    assert main(["predict", str(trained / "model.npz"), str(tmp_path / "x.npy")]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 4 and lines[0].startswith(f"{tmp_path / 'x.npy'}[0]: ")


def test_gradcheck_of_a_saved_model(trained, capsys):
    capsys.readouterr()
    assert main(["gradcheck", str(trained / "model.npz"), "--num-checks", "5"]) == 0
    out = capsys.readouterr().out
    assert "MLP(layer_sizes=(64, 32, 10)" in out and "5 random coordinates per parameter" in out
    assert "OK: the backward pass matches" in out


def test_predict_image_files(tmp_path, capsys):
    from PIL import Image

    out = tmp_path / "run"
    assert main(["train", "--data", "digits", "--model", "linear", "--epochs", "1", "--quiet", "--out", str(out)]) == 0
    img = Image.fromarray((np.random.default_rng(0).random((8, 8)) * 16).astype(np.uint8), mode="L")
    img.save(tmp_path / "digit.png")
    capsys.readouterr()
    assert main(["predict", str(out / "model.npz"), str(tmp_path / "digit.png")]) == 0
    assert capsys.readouterr().out.startswith(f"{tmp_path / 'digit.png'}: ")


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["train", "--data", "digitz"], "unknown data set 'digitz'"),
        (["train", "--data", "cifar10"], "pass data_dir (--data-dir"),
        (["train", "--data", "cifar10", "--data-dir", "/nonexistent"], "/nonexistent"),
        (["train", "--epochs", "0"], "expected a whole number >= 1, got '0'"),
        (["train", "--lr", "fast"], "expected a number, got 'fast'"),
        (["train", "--activation", "rleu", "--epochs", "1"], "unknown activation 'rleu'"),
        (["train", "--optimizer", "adamm"], "invalid choice: 'adamm'"),
        (["train", "--epocs", "3"], "unrecognized arguments: --epocs"),
        (["train", "--config", "/nonexistent.toml"], "--config: no such file"),
        (["train", "--model", "mlp", "--hidden", "0"], "expected positive integers"),
        (["evaluate", "/nonexistent/model.npz"], "no model file at '/nonexistent/model.npz'"),
        (["info", "/etc/hostname"], "not a ranvier model file (not an .npz archive)"),
    ],
)
def test_mistakes_are_one_line_and_exit_2(capsys, tmp_path, monkeypatch, argv, message):
    monkeypatch.chdir(tmp_path)  # the default --out is runs/... under the working folder
    assert main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1, err
    assert err[0].startswith("ranvier: error: ") and message in err[0], err[0]
    assert list(tmp_path.iterdir()) == []  # a failed run leaves nothing behind


def test_bad_config_contents(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    bad_key = tmp_path / "a.toml"
    bad_key.write_text("epoch = 3\n")
    assert main(["train", "--config", str(bad_key)]) == 2
    assert "unknown option 'epoch'; valid options are" in capsys.readouterr().err
    bad_type = tmp_path / "b.toml"
    bad_type.write_text('epochs = "many"\n')
    assert main(["train", "--config", str(bad_type)]) == 2
    assert "option 'epochs' must be an integer, got 'many'" in capsys.readouterr().err
    broken = tmp_path / "c.toml"
    broken.write_text("epochs = [\n")
    assert main(["train", "--config", str(broken)]) == 2
    assert "is not valid TOML" in capsys.readouterr().err


def test_out_that_is_a_file(tmp_path, capsys):
    f = tmp_path / "file"
    f.write_text("x")
    assert main(["train", "--epochs", "1", "--out", str(f), "--quiet"]) == 2
    assert "is a file; give a folder" in capsys.readouterr().err


def test_monitor_and_restore_best_options(tmp_path):
    out = tmp_path / "a"
    assert main(["train", "--data", "blobs", "--model", "linear", "--epochs", "3", "--monitor", "val_accuracy",
                 "--quiet", "--out", str(out)]) == 0
    summary = json.loads((out / "summary.json").read_text())
    history = json.loads((out / "history.json").read_text())
    best = int(np.argmax(history["epoch"]["val_accuracy"])) + 1
    assert summary["best_epoch"] == best and summary["options"]["monitor"] == "val_accuracy"
    out = tmp_path / "b"
    assert main(["train", "--data", "blobs", "--model", "linear", "--epochs", "3", "--no-restore-best",
                 "--val-split", "0", "--quiet", "--out", str(out)]) == 0
    summary = json.loads((out / "summary.json").read_text())
    assert summary["best_epoch"] is None and summary["val_accuracy"] is None
    assert "restored" not in summary["stopped_reason"]


def test_disk_full_while_saving_is_one_line_and_leaves_no_half_file(tmp_path, capsys, monkeypatch):
    import errno

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(np, "savez", full)
    out = tmp_path / "run"
    assert main(["train", "--data", "xor", "--model", "linear", "--epochs", "1", "--quiet", "--out", str(out)]) == 1
    assert capsys.readouterr().err == "ranvier: error: No space left on device\n"
    assert not out.exists()  # no model.npz, no temporary file, and no empty folder made by the run


def test_too_little_disk_space_is_refused_before_training(tmp_path, capsys, monkeypatch):
    import shutil
    from collections import namedtuple

    usage = namedtuple("usage", "total used free")
    monkeypatch.setattr(shutil, "disk_usage", lambda path: usage(10**9, 10**9 - 1000, 1000))
    out = tmp_path / "run"
    assert main(["train", "--data", "xor", "--epochs", "1", "--quiet", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "MB free on its disk, but the run will write about" in err
    assert not out.exists()


def test_review_fixes_at_the_command_line(tmp_path, capsys, monkeypatch):
    # a diverging run is an error: one line, exit 1, the best parameters still written
    assert main(["train", "--data", "blobs", "--lr", "1e30", "--quiet", "--out", str(tmp_path / "d")]) == 1
    err = capsys.readouterr().err
    assert err.startswith("ranvier: error: training diverged at step") and err.count("\n") == 1
    assert (tmp_path / "d" / "model.npz").exists()
    # a bad value in a config file is refused before any data is loaded
    config = tmp_path / "c.toml"
    config.write_text("batch_size = 0\n")
    assert main(["train", "--config", str(config)]) == 2
    assert "option 'batch_size' must be >= 1, got 0" in capsys.readouterr().err
    # AdamW's weight decay of 0 is honoured
    assert main(["train", "--data", "blobs", "--optimizer", "adamw", "--weight-decay", "0", "--epochs", "1",
                 "--quiet", "--out", str(tmp_path / "w")]) == 0
    # --init takes a standard deviation
    assert main(["train", "--data", "blobs", "--init", "0.01", "--epochs", "1", "--quiet", "--out", str(tmp_path / "i")]) == 0
    # evaluating on another data set of the same width is refused
    assert main(["evaluate", str(tmp_path / "w" / "model.npz"), "--data", "circles"]) == 2
    assert "are not the ones the model was trained on" in capsys.readouterr().err


def test_adamw_zero_weight_decay_is_kept():
    from ranvier.experiment import TrainOptions
    from ranvier.experiment.build import _optimizer

    assert _optimizer(TrainOptions(optimizer="adamw", weight_decay=0.0)).weight_decay == 0.0
    assert _optimizer(TrainOptions(optimizer="adamw")).weight_decay == 0.01


def test_resume_writes_beside_the_checkpoint(tmp_path, monkeypatch):
    run = tmp_path / "run"
    assert main(["train", "--data", "xor", "--epochs", "2", "--checkpoint-every", "1", "--quiet", "--out", str(run)]) == 0
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    assert main(["train", "--resume", str(run / "checkpoint.npz"), "--quiet"]) == 0
    assert list(elsewhere.iterdir()) == []


def test_predict_digit_image_on_the_digits_scale(trained, tmp_path, capsys):
    from PIL import Image
    from sklearn.datasets import load_digits

    image = load_digits().images[0]  # 0..16
    np.save(tmp_path / "one.npy", image)  # a single image of the model's shape
    Image.fromarray(np.round(image * 255 / 16).astype(np.uint8), mode="L").save(tmp_path / "one.png")
    capsys.readouterr()
    assert main(["predict", str(trained / "model.npz"), str(tmp_path / "one.npy")]) == 0
    from_npy = capsys.readouterr().out.split(": ", 1)[1]
    assert main(["predict", str(trained / "model.npz"), str(tmp_path / "one.png")]) == 0
    from_png = capsys.readouterr().out.split(": ", 1)[1]
    assert from_npy.split()[0] == from_png.split()[0]  # the same class
