import argparse

import numpy as np
import pytest
from PIL import Image

from ranvier import LinearClassifier, cli, save_model
from ranvier.cli.plot import add_parsers

KINDS = ("history", "templates", "boundary", "activations", "confusion")


@pytest.fixture
def main(monkeypatch):
    """``ranvier.cli.main`` with ``optimize`` and ``plot`` wired in (if build_parser does not yet)."""
    build = cli.build_parser

    def build_with_plots():
        parser = build()
        sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
        if "plot" not in sub.choices:
            add_parsers(sub, cli._Parser)
        return parser

    monkeypatch.setattr(cli, "build_parser", build_with_plots)
    return cli.main


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """A 2-D model trained by 'ranvier train' and a linear digits model with its files."""
    root = tmp_path_factory.mktemp("runs")
    assert cli.main(["train", "--data", "xor", "--hidden", "6", "--epochs", "15", "--lr", "0.3", "--quiet",
                     "--out", str(root / "xor")]) == 0
    net = LinearClassifier(64, 10, seed=0)
    net.params["W1"][:] = np.random.default_rng(0).normal(size=(10, 64))
    save_model(root / "digits.npz", net, class_names=[f"d{k}" for k in range(10)], image_shape=(8, 8),
               summary={"data": "digits", "options": {"data": "digits", "val_split": 0.1, "seed": 0}})
    return root


def _picture(path, min_colors=10):
    with Image.open(path) as img:
        arr = np.asarray(img.convert("RGB"), dtype=np.int16)
    assert len(np.unique(arr.reshape(-1, 3), axis=0)) >= min_colors and arr.std() > 10
    return arr


def _one_line_error(capsys, message):
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1, captured.err
    assert lines[0].startswith("ranvier: error: ") and message in lines[0], lines[0]


# ----------------------------------------------------------------- optimize
def test_optimize_draws_paths_animation_and_costs(main, tmp_path, capsys):
    out, gif, costs = tmp_path / "paths.png", tmp_path / "paths.gif", tmp_path / "costs.png"
    argv = ["optimize", "--function", "rosenbrock", "--optimizer", "gd,momentum,adam", "--lr", "0.001,0.001,0.1",
            "--steps", "40", "--start=-1.5,2", "--out", str(out), "--animate", str(gif), "--frames", "5",
            "--costs", str(costs), "--surface", "--arrows", "--dpi", "40"]
    assert main(argv) == 0
    text = capsys.readouterr().out
    assert "rosenbrock from (-1.5, 2), 3 runs:" in text
    assert "gd lr=0.001" in text and "momentum lr=0.001" in text and "adam lr=0.1" in text
    assert f"({5} frames)" in text
    _picture(out)
    _picture(costs)
    with Image.open(gif) as img:
        assert img.n_frames == 5


def test_optimize_compares_learning_rates(main, tmp_path, capsys):
    out = tmp_path / "lr.png"
    assert main(["optimize", "--function", "bowl", "--optimizer", "gd", "--lr", "0.01,0.1,0.25", "--steps", "200",
                 "--out", str(out), "--costs", str(tmp_path / "c.png"), "--dpi", "40"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 5 and "gd lr=0.25" in lines[3] and "DIVERGED" in lines[3]
    _picture(out)


def test_optimize_creates_the_folders_of_its_files(main, tmp_path, capsys):
    out, gif, costs = tmp_path / "a" / "paths.png", tmp_path / "b" / "c" / "m.gif", tmp_path / "d" / "costs.png"
    assert main(["optimize", "--steps", "5", "--dpi", "30", "--out", str(out), "--animate", str(gif), "--frames", "2",
                 "--costs", str(costs)]) == 0
    assert out.is_file() and gif.is_file() and costs.is_file()
    assert f"wrote {out}, {gif} (2 frames), {costs}" in capsys.readouterr().out


def test_optimize_defaults(main, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["optimize", "--steps", "5", "--dpi", "30"]) == 0
    assert "wrote paths.png" in capsys.readouterr().out
    _picture(tmp_path / "paths.png")


@pytest.mark.parametrize(("argv", "message"), [
    (["optimize", "--function", "banana"], "--function: unknown function 'banana'; choose one of: bowl"),
    (["optimize", "--optimizer", "gd,adamm"], "--optimizer: unknown optimizer 'adamm'"),
    (["optimize", "--optimizer", "gd,adam", "--lr", "0.1,0.2,0.3"], "one per optimizer (2), got 3"),
    (["optimize", "--lr", "0.1,-1"], "expected a number > 0"),
    (["optimize", "--start=1"], "expected a point x,y"),
    (["optimize", "--animate", "paths.avi"], "--animate: write a .gif or an .mp4"),
    (["optimize", "--frames", "1"], "expected a whole number >= 2"),
    (["optimize", "--dpi", "5000"], "pixels per inch"),
    (["optimize", "--steps", "2", "--out", "digits.npz/x.png"], "'digits.npz' is a file, not a folder"),
    (["plot"], "the following arguments are required: KIND"),
    (["plot", "histogram"], "invalid choice: 'histogram'"),
    (["plot", "history", "missing.json"], "no history file at 'missing.json'"),
    (["plot", "templates", "missing.npz"], "no model file at 'missing.npz'"),
    (["plot", "activations", "--names", "relu,rleu"], "unknown activation 'rleu'"),
    (["plot", "templates", "xor/model.npz"], "takes 2-D points, not images"),
    (["plot", "boundary", "digits.npz"], "takes 64 inputs; a decision boundary is drawn for a model of 2-D points"),
    (["plot", "boundary", "xor/model.npz", "--data", "digits"], "digits has 64 features"),
    (["plot", "boundary", "xor/model.npz", "--layer", "2"], "--layer: the model has 1 hidden layer(s)"),
    (["plot", "history", "digits.npz"], "not a history file written by 'ranvier train'"),
    (["plot", "confusion", "xor/model.npz", "--data", "digits"], "digits has 64 features but the model takes 2"),
])
def test_user_mistakes_are_one_line_and_exit_2(main, runs, monkeypatch, capsys, argv, message):
    monkeypatch.chdir(runs)
    assert main(argv) == 2
    _one_line_error(capsys, message)


def test_unsupported_mp4_without_ffmpeg(main, capsys):
    from matplotlib import animation

    if animation.writers.is_available("ffmpeg"):
        pytest.skip("checks the error where ffmpeg is missing; ffmpeg is installed here, so the MP4 is written instead")
    assert main(["optimize", "--animate", "x.mp4"]) == 2
    _one_line_error(capsys, "needs ffmpeg")


@pytest.mark.parametrize("argv", [["optimize"], ["plot"], *[["plot", k] for k in KINDS]])
def test_help_of_every_command(main, capsys, argv):
    with pytest.raises(SystemExit) as exc:
        main([*argv, "--help"])
    assert exc.value.code == 0
    text = capsys.readouterr().out
    assert text.startswith("usage: ranvier " + " ".join(argv))
    if argv != ["plot"]:
        assert "--out" in text and "--dpi" in text
    else:
        assert all(k in text for k in KINDS)


# --------------------------------------------------------------------- plot
def test_plot_history_from_a_file_or_its_folder(main, runs, tmp_path, capsys):
    out = tmp_path / "curves.png"
    assert main(["plot", "history", str(runs / "xor" / "history.json"), "--out", str(out), "--dpi", "40"]) == 0
    assert "15 epochs" in capsys.readouterr().out
    _picture(out)
    assert main(["plot", "history", str(runs / "xor"), "--out", str(out), "--title", "xor"]) == 0


def test_plot_templates_of_a_linear_model(main, runs, tmp_path, capsys):
    out = tmp_path / "t.png"
    assert main(["plot", "templates", str(runs / "digits.npz"), "--out", str(out), "--dpi", "40"]) == 0
    assert "10 class templates" in capsys.readouterr().out
    _picture(out)
    assert main(["plot", "templates", str(runs / "digits.npz"), "--image-shape", "4x16", "--max", "3",
                 "--cols", "3", "--out", str(out)]) == 0


def test_plot_boundary_of_a_trained_xor_model(main, runs, tmp_path, capsys):
    out = tmp_path / "b.png"
    assert main(["plot", "boundary", str(runs / "xor" / "model.npz"), "--out", str(out), "--resolution", "40",
                 "--dpi", "40"]) == 0
    text = capsys.readouterr().out
    # the 320 training points are drawn, and the accuracy is that on the 80 test points
    from ranvier import load_model
    from ranvier.datasets import load_dataset

    saved, data = load_model(runs / "xor" / "model.npz"), load_dataset("xor", val_split=0, preprocess="none")
    acc = np.mean(saved.predict(data.X_test) == data.y_test)
    assert f"on xor (test split, 80 points): accuracy {100 * acc:.2f}%" in text
    _picture(out)
    assert main(["plot", "boundary", str(runs / "xor" / "model.npz"), "--split", "train", "--units", "2",
                 "--out", str(tmp_path / "new" / "b.png"), "--resolution", "20", "--dpi", "30"]) == 0
    assert "(train split, 320 points)" in capsys.readouterr().out
    assert (tmp_path / "new" / "b.png").is_file()


def test_plot_activations(main, tmp_path, capsys):
    out = tmp_path / "a.png"
    assert main(["plot", "activations", "--names", "sigmoid,tanh", "--xmax", "4", "--out", str(out),
                 "--dpi", "40"]) == 0
    assert "sigmoid, tanh" in capsys.readouterr().out
    _picture(out)


def test_plot_confusion_of_a_saved_model(main, runs, tmp_path, capsys):
    out = tmp_path / "cm.png"
    assert main(["plot", "confusion", str(runs / "digits.npz"), "--out", str(out), "--dpi", "40"]) == 0
    assert "on digits (test split, 360 examples): accuracy" in capsys.readouterr().out
    _picture(out)
    assert main(["plot", "confusion", str(runs / "xor" / "model.npz"), "--split", "val", "--out", str(out),
                 "--dpi", "30"]) == 0
