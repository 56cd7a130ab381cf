"""Checkpoints, resuming bit for bit, SIGKILL mid-run, and Ctrl-C."""

import json
import os
import re
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

from ranvier import MLP, load_model
from ranvier.io import ModelFileError
from ranvier.optim import Adam, CosineDecay
from ranvier.train import Callback, Checkpoint, Trainer


def _data(m=240, seed=0):
    rng = np.random.default_rng(seed)
    centres = rng.normal(scale=2, size=(3, 6))
    y = rng.integers(0, 3, size=m)
    return centres[y] + rng.normal(size=(m, 6)), y


def _trainer(net, **kw):
    return Trainer(net, Adam(lr=0.01), schedule=CosineDecay(0.01, decay_steps=60), batch_size=32, epochs=6,
                   seed=5, verbose=0, **kw)


def test_resume_from_a_checkpoint_is_bit_for_bit(tmp_path):
    X, y = _data()
    val = (X[:40], y[:40])
    full = MLP((6, 10, 3), seed=0, dtype=np.float64)
    h_full = _trainer(full).fit(X[40:], y[40:], validation_data=val)

    class StopAfter3(Callback):
        def on_epoch_end(self, trainer, epoch, logs):
            if epoch == 3:
                trainer.stop_training = True

    first = MLP((6, 10, 3), seed=0, dtype=np.float64)
    ckpt = tmp_path / "ckpt.npz"
    _trainer(first, callbacks=[Checkpoint(ckpt, every=1), StopAfter3()]).fit(X[40:], y[40:], validation_data=val)

    resumed = MLP((6, 10, 3), seed=99, dtype=np.float64)  # other weights: the checkpoint overwrites them
    t = _trainer(resumed)
    t.load_checkpoint(ckpt)
    h = t.fit(X[40:], y[40:], validation_data=val)
    np.testing.assert_array_equal(resumed.get_flat_params(), full.get_flat_params())
    assert h.step_loss == h_full.step_loss
    assert h.epoch["val_loss"] == h_full.epoch["val_loss"]
    assert h.n_epochs == 6 and h.best_epoch == h_full.best_epoch


def test_checkpoint_must_fit_the_model(tmp_path):
    X, y = _data()
    net = MLP((6, 10, 3), seed=0)
    ckpt = tmp_path / "c.npz"
    Trainer(net, "adam", epochs=1, verbose=0, callbacks=[Checkpoint(ckpt)]).fit(X, y)
    with pytest.raises(ModelFileError, match="not of this model"):
        Trainer(MLP((6, 4, 3)), "adam", verbose=0).load_checkpoint(ckpt)
    with pytest.raises(ModelFileError, match="made with optimizer"):
        Trainer(MLP((6, 10, 3)), "sgd", verbose=0).load_checkpoint(ckpt)
    ckpt.write_bytes(ckpt.read_bytes()[:100])
    with pytest.raises(ModelFileError, match="damaged or truncated"):
        Trainer(MLP((6, 10, 3)), "adam", verbose=0).load_checkpoint(ckpt)
    with pytest.raises(FileNotFoundError, match="no checkpoint at"):
        Trainer(MLP((6, 10, 3)), "adam", verbose=0).load_checkpoint(tmp_path / "nope.npz")


def test_ctrl_c_stops_after_the_current_step_and_keeps_the_best():
    X, y = _data()
    steps = []

    class PressCtrlC(Callback):
        def on_step_end(self, trainer, step, logs):
            steps.append(step)
            if step == 12:
                signal.raise_signal(signal.SIGINT)  # what a terminal's Ctrl-C sends

    net = MLP((6, 10, 3), seed=0)
    before = signal.getsignal(signal.SIGINT)
    h = Trainer(net, "sgd", lr=0.1, batch_size=32, epochs=5, verbose=0, callbacks=[PressCtrlC()]).fit(
        X, y, validation_split=0.2)
    assert steps[-1] == 12  # the step finished; nothing after it ran
    assert h.stopped_reason.startswith("interrupted (Ctrl-C) after step 12, in epoch 2")
    assert h.best_epoch == 1 and "restored the parameters of epoch 1" in h.stopped_reason
    assert signal.getsignal(signal.SIGINT) is before  # the handler is put back


def _train_cmd(out, *extra):
    return [sys.executable, "-m", "ranvier", "train", "--data", "digits", "--hidden", "16", "--mode", "stochastic",
            "--lr", "0.01", "--epochs", "12", "--dtype", "float64", "--seed", "3", "--quiet",
            "--out", str(out), *extra]


def test_sigkill_then_resume_matches_an_uninterrupted_run(tmp_path):
    ref = tmp_path / "ref"
    subprocess.run(_train_cmd(ref), check=True, capture_output=True, timeout=300)

    run = tmp_path / "run"
    proc = subprocess.Popen(_train_cmd(run, "--checkpoint-every", "1"), stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    ckpt = run / "checkpoint.npz"
    deadline = time.monotonic() + 120
    while not ckpt.exists() and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.005)
    time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL, "the run ended before it could be killed"
    assert not (run / "model.npz").exists()
    with np.load(ckpt) as data:
        done = json.loads(data["metadata"].tobytes())["epoch"]
    assert 1 <= done < 12

    resumed = subprocess.run([sys.executable, "-m", "ranvier", "train", "--resume", str(ckpt), "--quiet"],
                             capture_output=True, text=True, timeout=300)
    assert resumed.returncode == 0, resumed.stderr
    a = load_model(ref / "model.npz").model
    b = load_model(run / "model.npz").model
    assert a.dtype == np.float64
    for k in a.params:
        np.testing.assert_array_equal(a.params[k], b.params[k])
    ha = json.loads((ref / "history.json").read_text())
    hb = json.loads((run / "history.json").read_text())
    assert ha["step_loss"] == hb["step_loss"]


def test_ctrl_c_at_the_command_line_writes_the_model(tmp_path):
    out = tmp_path / "run"
    cmd = _train_cmd(out)
    cmd[cmd.index("--epochs") + 1] = "500"
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(3)  # imports, data, then some epochs
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    assert "interrupted" in err and "Traceback" not in err
    summary = json.loads((out / "summary.json").read_text())
    assert summary["stopped_reason"].startswith("interrupted (Ctrl-C)")
    assert load_model(out / "model.npz").model.layer_sizes == (64, 16, 10)


def test_resume_takes_no_other_options(tmp_path, capsys):
    from ranvier.cli import main

    assert main(["train", "--resume", str(tmp_path / "c.npz"), "--lr", "0.3"]) == 2
    assert "--resume takes no other options" in capsys.readouterr().err
    assert main(["train", "--resume", str(tmp_path / "c.npz")]) == 2
    assert "no checkpoint at" in capsys.readouterr().err
    assert main(["train", "--checkpoint-every", "1", "--epochs", "1", "--quiet", "--out", str(tmp_path / "o")]) == 0
    assert (tmp_path / "o" / "checkpoint.npz").exists()
    os.remove(tmp_path / "o" / "model.npz")


@pytest.mark.parametrize(
    ("damage", "match"),
    [
        (lambda a: a.pop("opt/exp_avg/W1"), "does not fit"),
        (lambda a: a.__setitem__("opt/exp_avg/W1", np.zeros((2, 2), np.float32)), "has shape"),
        (lambda a: a.__setitem__("opt/step", np.array(-5)), "step count is damaged"),
        (lambda a: a.__setitem__("opt/step", np.array([1, 2])), "step count is damaged"),
        (lambda a: a.__setitem__("param/W1", np.full_like(a["param/W1"], np.nan)), "NaN or infinity"),
    ],
)
def test_damaged_checkpoint_arrays_are_refused_and_nothing_is_loaded(tmp_path, damage, match):
    X, y = _data()
    ckpt = tmp_path / "c.npz"
    Trainer(MLP((6, 10, 3), seed=0), "adam", epochs=1, verbose=0, callbacks=[Checkpoint(ckpt)]).fit(X, y)
    with np.load(ckpt) as data:
        arrays = {k: data[k] for k in data.files}
    damage(arrays)
    np.savez(tmp_path / "bad.npz", **arrays)
    net = MLP((6, 10, 3), seed=1)
    before = net.get_flat_params().copy()
    trainer = Trainer(net, "adam", verbose=0)
    with pytest.raises(ModelFileError, match=match):
        trainer.load_checkpoint(tmp_path / "bad.npz")
    np.testing.assert_array_equal(net.get_flat_params(), before)
    assert trainer.state is None


def test_resume_must_see_the_data_and_split_the_checkpoint_was_made_on(tmp_path):
    X, y = _data()
    ckpt = tmp_path / "split.npz"

    class StopAfter2(Callback):
        def on_epoch_end(self, trainer, epoch, logs):
            if epoch == 2:
                trainer.stop_training = True

    full = MLP((6, 10, 3), seed=0, dtype=np.float64)
    h_full = _trainer(full).fit(X, y, validation_split=0.25)
    _trainer(MLP((6, 10, 3), seed=0, dtype=np.float64), callbacks=[Checkpoint(ckpt), StopAfter2()]).fit(
        X, y, validation_split=0.25)

    def resume(trainer_seed=5, split=0.25, rows=240):
        t = Trainer(MLP((6, 10, 3), seed=1, dtype=np.float64), Adam(lr=0.01), schedule=CosineDecay(0.01, decay_steps=60),
                    batch_size=32, epochs=6, seed=trainer_seed, verbose=0)
        t.load_checkpoint(ckpt)
        return t, t.fit(X[:rows], y[:rows], validation_split=split)

    t, h = resume()  # the same data and split: exactly the uninterrupted run
    np.testing.assert_array_equal(t.model.get_flat_params(), full.get_flat_params())
    assert h.epoch["val_loss"] == h_full.epoch["val_loss"]
    made_on = re.escape("the checkpoint was made training on 240 rows, 180 for training, validation_split=0.25 (seed 5)")
    with pytest.raises(ValueError, match=rf"{made_on}; this fit\(\) got 240 rows, 180 for training, "
                                         r"validation_split=0.25 \(seed 6\)"):
        resume(trainer_seed=6)
    with pytest.raises(ValueError, match=rf"{made_on}; this fit\(\) got 200 rows, 150 for training"):
        resume(rows=200)
    with pytest.raises(ValueError, match=r"validation_split=0.2 \(seed 5\)\. Resume on the same data"):
        resume(split=0.2)
