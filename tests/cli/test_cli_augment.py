"""The CLI's --augment takes every kind that get_augment knows; the main job's defaults reach 97%."""

import json

import numpy as np
import pytest

from ranvier.cli import main
from ranvier.experiment import TrainOptions


@pytest.mark.parametrize("kinds", ["flip", "translate", "translate:2", "flip+translate:1", "none"])
def test_train_takes_every_augment_kind(tmp_path, kinds):
    out = tmp_path / "run"
    assert main(["train", "--data", "digits", "--n-train", "200", "--augment", kinds, "--epochs", "1",
                 "--quiet", "--out", str(out)]) == 0
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["options"]["augment"] == kinds


def test_the_augment_changes_the_run(tmp_path):
    def weights(kinds):
        out = tmp_path / kinds.replace(":", "_").replace("+", "_")
        assert main(["train", "--data", "digits", "--n-train", "200", "--augment", kinds, "--epochs", "1",
                     "--quiet", "--out", str(out)]) == 0
        with np.load(out / "model.npz") as f:
            return f["param/W1"].copy()

    plain, shifted, both = weights("none"), weights("translate:2"), weights("flip+translate:2")
    assert not np.array_equal(shifted, plain) and not np.array_equal(both, shifted)


@pytest.mark.parametrize("kinds, message", [
    ("bogus", "unknown augment 'bogus'; choose one of: none, flip, translate"),
    ("flip+rotate", "unknown augment 'rotate'"),
    ("translate:x", "the shift must be a whole number of pixels"),
    ("translate:8", "pad must be an integer in [0, 8)"),
])
def test_bad_augment_is_one_line_and_exit_2(tmp_path, capsys, kinds, message):
    out = tmp_path / "run"
    assert main(["train", "--data", "digits", "--augment", kinds, "--epochs", "1", "--quiet", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert not out.exists() or not any(out.iterdir())


def test_the_main_jobs_defaults():
    o = TrainOptions()
    assert (o.data, o.hidden, o.optimizer, o.lr, o.epochs, o.batch_size, o.schedule) == (
        "digits", (100,), "momentum", 0.2, 30, 64, "constant")
