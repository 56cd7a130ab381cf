"""ranvier train's --class-weight, --clip-norm, --threads, --schedule plateau, --log-csv, --tensorboard and
--resume CHECKPOINT --epochs N."""

import csv

import numpy as np
import pytest

from ranvier.experiment.conveniences import parse_class_weight
from ranvier.cli import main
from ranvier.io import load_model

BASE = ["train", "--data", "digits", "--hidden", "16", "--n-train", "400", "--lr", "1.0", "--quiet"]
PLATEAU = ["--schedule", "plateau", "--patience", "0", "--decay", "0.5"]


def _params(folder):
    return load_model(folder / "model.npz").model.params


def _rows(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def test_plateau_run_continued_for_more_epochs_is_bit_for_bit(tmp_path):
    whole, parts = tmp_path / "whole", tmp_path / "parts"
    assert main([*BASE, *PLATEAU, "--epochs", "7", "--out", str(whole), "--log-csv", str(tmp_path / "w.csv")]) == 0
    assert main([*BASE, *PLATEAU, "--epochs", "3", "--checkpoint-every", "1", "--out", str(parts),
                 "--log-csv", str(tmp_path / "p.csv")]) == 0
    assert main(["train", "--resume", str(parts / "checkpoint.npz"), "--epochs", "7", "--quiet"]) == 0
    for name, value in _params(whole).items():
        np.testing.assert_array_equal(_params(parts)[name], value)
    w, p = _rows(tmp_path / "w.csv"), _rows(tmp_path / "p.csv")
    assert [r["epoch"] for r in p] == [str(i) for i in range(1, 8)]  # appended on --resume
    for key in ("loss", "accuracy", "val_loss", "val_accuracy", "lr"):
        assert [r[key] for r in p] == [r[key] for r in w]
    lrs = [float(r["lr"]) for r in w]
    assert lrs[0] == 1.0 and min(lrs[3:]) < 1.0  # the plateau cut the rate after the resume point too


def test_resume_needs_more_epochs_than_done(tmp_path, capsys):
    out = tmp_path / "r"
    assert main([*BASE, "--epochs", "2", "--checkpoint-every", "1", "--out", str(out)]) == 0
    assert main(["train", "--resume", str(out / "checkpoint.npz"), "--epochs", "2", "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "has 2 epochs done" in err and "larger than 2" in err and "Traceback" not in err
    assert main(["train", "--resume", str(out / "checkpoint.npz"), "--lr", "0.1", "--quiet"]) == 2
    assert "no other options but --epochs" in capsys.readouterr().err


def test_class_weight_clip_norm_threads_reach_the_run(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    assert main([*BASE, "--epochs", "2", "--out", str(a)]) == 0
    assert main([*BASE, "--epochs", "2", "--out", str(b), "--class-weight", "0:1,1:5", "--clip-norm", "0.5",
                 "--threads", "1"]) == 0
    assert any(not np.array_equal(_params(a)[k], _params(b)[k]) for k in _params(a))
    import json

    options = json.loads((b / "summary.json").read_text())["options"]
    assert options["class_weight"] == "0:1,1:5" and options["clip_norm"] == 0.5 and options["threads"] == 1


def test_tensorboard_writes_event_files(tmp_path):
    pytest.importorskip("tensorboardX", reason="--tensorboard needs tensorboardX (pip install '.[test]' has it); the CSV log is tested without it")
    assert main([*BASE, "--epochs", "2", "--out", str(tmp_path / "o"), "--tensorboard", str(tmp_path / "tb")]) == 0
    assert any(p.name.startswith("events.out.tfevents") for p in (tmp_path / "tb").iterdir())


@pytest.mark.parametrize("args, message", [
    (["--class-weight", "0=1"], "class:weight pairs"),
    (["--class-weight", "0:1,0:2"], "twice"),
    (["--class-weight", "12:1"], "class 12"),
    (["--schedule", "plateau", "--decay", "2"], "must be in (0, 1)"),
    (["--clip-norm", "0"], "--clip-norm"),
    (["--threads", "0"], "--threads"),
])
def test_bad_options_give_one_line(tmp_path, capsys, args, message):
    assert main([*BASE, "--epochs", "1", "--out", str(tmp_path / "o"), *args]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err and len(err.strip().splitlines()) <= 2


def test_parse_class_weight():
    assert parse_class_weight("balanced") == "balanced"
    assert parse_class_weight("0:1,1:5") == {0: 1.0, 1: 5.0}
    assert parse_class_weight(None) is None


def test_an_existing_or_homeless_log_is_refused_before_training(tmp_path, capsys):
    (tmp_path / "old.csv").write_text("keep me\n")
    assert main([*BASE, "--epochs", "1", "--out", str(tmp_path / "o"), "--log-csv", str(tmp_path / "old.csv")]) == 2
    assert "exists" in capsys.readouterr().err
    assert (tmp_path / "old.csv").read_text() == "keep me\n"
    assert main([*BASE, "--epochs", "1", "--out", str(tmp_path / "o"), "--log-csv", str(tmp_path / "no" / "l.csv")]) == 2
    assert "does not exist" in capsys.readouterr().err
