"""Runs and their folders: no run silently overwritten, locks, stale temporary files,
best parameters that were evaluated, signals that end a run cleanly, interrupted sweeps."""

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from ranvier import MLP, load_model
from ranvier.cli import main
from ranvier.runfolder import claim, clean_temporary, unique_folder
from ranvier.train import Callback, Trainer
from ranvier.train.evaluation import _evaluate

SRC = str(Path(__file__).resolve().parents[2] / "src")
TINY = ["--data", "xor", "--model", "linear", "--epochs", "1", "--quiet"]


def _env():
    return {**os.environ, "PYTHONPATH": SRC + os.pathsep + os.environ.get("PYTHONPATH", "")}


def _err_line(capsys) -> str:
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1, lines
    return lines[0]


# ------------------------------------------------------------------ folders
def test_a_second_run_into_a_folder_is_refused_unless_overwrite(tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["train", *TINY, "--checkpoint-every", "1", "--out", str(out)]) == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    assert sorted(before) == ["checkpoint.npz", "curves.png", "history.json", "model.npz", "summary.json"]
    (out / "notes.txt").write_text("mine")
    assert main(["train", *TINY, "--seed", "7", "--out", str(out)]) == 2
    assert _err_line(capsys) == (
        f"ranvier: error: --out {str(out)!r} holds the files of another run (model.npz, history.json, "
        "summary.json, curves.png, checkpoint.npz); give --overwrite to replace them, or choose another folder")
    assert {p.name: p.read_bytes() for p in out.iterdir() if p.name != "notes.txt"} == before  # nothing touched

    assert main(["train", *TINY, "--seed", "7", "--out", str(out), "--overwrite"]) == 0
    # the old run's files are gone (its checkpoint too); files that are not a run's stay
    assert sorted(p.name for p in out.iterdir()) == ["curves.png", "history.json", "model.npz", "notes.txt",
                                                     "summary.json"]
    assert json.loads((out / "summary.json").read_text())["seed"] == 7
    assert (out / "notes.txt").read_text() == "mine"


def test_overwrite_loses_nothing_when_the_run_fails_before_training(tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["train", *TINY, "--out", str(out)]) == 0
    model = (out / "model.npz").read_bytes()
    assert main(["train", "--data", "digitz", "--quiet", "--out", str(out), "--overwrite"]) == 2
    assert "unknown data set 'digitz'" in _err_line(capsys)
    assert (out / "model.npz").read_bytes() == model


def test_an_empty_out_is_refused(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["train", *TINY, "--out", ""]) == 2
    assert _err_line(capsys) == ("ranvier: error: --out is empty; give a folder name such as --out runs/mine, "
                                 "or leave the option out for the default folder")
    assert main(["lr-find", "--data", "xor", "--steps", "5", "--out", " "]) == 2
    assert "--out is empty" in _err_line(capsys)
    assert main(["sweep", *TINY, "--grid", "lr=0.1", "--out", ""]) == 2
    assert "--out is empty" in _err_line(capsys)
    assert list(tmp_path.iterdir()) == []


def test_default_folders_are_unique_for_runs_started_in_the_same_second(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(time, "strftime", lambda fmt, *a: "20260101-000000")  # every run in one second
    for _ in range(3):
        assert main(["train", *TINY]) == 0
    names = sorted(p.name for p in (tmp_path / "runs").iterdir())
    assert names == ["xor-linear-20260101-000000", "xor-linear-20260101-000000-2", "xor-linear-20260101-000000-3"]
    assert all((tmp_path / "runs" / n / "model.npz").exists() for n in names)


def test_unique_folder_from_many_threads_at_once(tmp_path):
    made, start = [], threading.Barrier(8)

    def make():
        start.wait()
        made.append(unique_folder(tmp_path, "x"))

    threads = [threading.Thread(target=make) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(p.name for p in made) == sorted(["x"] + [f"x-{k}" for k in range(2, 9)])


_HOLD = """
import sys, time
from ranvier.runfolder import claim
folder = claim(sys.argv[1], files=())
print("held", flush=True)
time.sleep(60)
"""


def test_a_folder_in_use_by_a_live_run_is_refused_and_a_killed_run_leaves_no_stale_lock(tmp_path, capsys):
    out = tmp_path / "run"
    holder = subprocess.Popen([sys.executable, "-c", _HOLD, str(out)], stdout=subprocess.PIPE, text=True, env=_env())
    try:
        assert holder.stdout.readline().strip() == "held"
        assert main(["train", *TINY, "--out", str(out)]) == 2
        assert _err_line(capsys) == (f"ranvier: error: --out {str(out)!r} is in use by a running ranvier process "
                                     f"(pid {holder.pid}); wait for it to end, or choose another folder")
        assert main(["sweep", *TINY, "--grid", "lr=0.1", "--out", str(out)]) == 2
        assert "is in use by a running ranvier process" in _err_line(capsys)
    finally:
        holder.kill()
        holder.wait()
        holder.stdout.close()
    assert (out / ".ranvier.lock").exists()  # SIGKILL: the file stays, its lock does not
    assert main(["train", *TINY, "--out", str(out)]) == 0
    assert not (out / ".ranvier.lock").exists()  # a run that ends removes it


def test_stale_temporary_files_are_removed_and_only_ranvier_s(tmp_path):
    ours = [".tmp-abcd_123.npz", "history.json.tmp-4242", "summary.json.tmp-1", "trials.json.tmp-77"]
    theirs = [".tmp-x.npz", "notes.txt.tmp-12", "model.npz.bak", ".tmp-abcdefgh.npy", "history.json.tmp-x"]
    for name in ours + theirs:
        (tmp_path / name).write_text("x")
    assert sorted(clean_temporary(tmp_path)) == sorted(ours)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(theirs)


def test_resume_removes_a_killed_write_s_temporary_file(tmp_path):
    out = tmp_path / "run"
    assert main(["train", *TINY, "--epochs", "2", "--checkpoint-every", "1", "--out", str(out)]) == 0
    for name in ("model.npz", "history.json", "summary.json", "curves.png"):
        os.remove(out / name)  # as if killed after the checkpoint
    (out / ".tmp-k1ll3d_x.npz").write_bytes(b"half a checkpoint")
    assert main(["train", "--resume", str(out / "checkpoint.npz"), "--quiet"]) == 0
    assert sorted(p.name for p in out.iterdir()) == ["checkpoint.npz", "curves.png", "history.json", "model.npz",
                                                     "summary.json"]


def test_resume_does_not_overwrite_the_model_of_another_run(tmp_path, capsys):
    run, other = tmp_path / "run", tmp_path / "other"
    assert main(["train", *TINY, "--epochs", "2", "--checkpoint-every", "1", "--out", str(run)]) == 0
    assert main(["train", *TINY, "--seed", "5", "--out", str(other)]) == 0
    for name in ("model.npz", "summary.json"):
        (run / name).write_bytes((other / name).read_bytes())  # another run's model beside the checkpoint
    assert main(["train", "--resume", str(run / "checkpoint.npz"), "--quiet"]) == 2
    assert "holds the files of another run (model.npz, history.json, summary.json, curves.png)" in _err_line(capsys)
    assert (run / "model.npz").read_bytes() == (other / "model.npz").read_bytes()
    assert main(["train", "--resume", str(run / "checkpoint.npz"), "--quiet", "--overwrite"]) == 0
    assert json.loads((run / "summary.json").read_text())["seed"] == 0
    # its own model (same run id) is replaced without asking
    assert main(["train", "--resume", str(run / "checkpoint.npz"), "--quiet"]) == 0


def test_lr_find_refuses_another_test_s_files_unless_overwrite(tmp_path, capsys):
    out = tmp_path / "lr"
    argv = ["lr-find", "--data", "xor", "--model", "linear", "--steps", "20", "--out", str(out)]
    assert main(argv) == 0
    capsys.readouterr()
    assert main(argv) == 2
    assert "holds the files of another run (lr_find.json, lr_find.png); give --overwrite" in _err_line(capsys)
    assert main([*argv, "--overwrite"]) == 0


# ----------------------------------------------------------- best parameters
def test_no_validation_divergence_writes_finite_parameters(tmp_path, capsys):
    out = tmp_path / "run"
    argv = ["train", "--val-split", "0", "--lr", "1e39", "--mode", "batch", "--epochs", "3", "--quiet",
            "--out", str(out)]
    assert main(argv) == 1
    err = _err_line(capsys)
    assert "training diverged at step 2 (epoch 2)" in err
    assert "restored the parameters of the start (no epoch ended with finite, better parameters)" in err
    saved = load_model(out / "model.npz")  # today: refused, "the parameters contain NaN or infinity"
    initial = MLP((64, 100, 10), seed=0)
    for k, v in saved.model.params.items():
        np.testing.assert_array_equal(v, initial.params[k])


@pytest.mark.parametrize("extra", [["--no-restore-best", "--val-split", "0"], ["--val-split", "0.2"], []])
def test_a_blow_up_in_the_last_step_of_the_run_is_not_written(tmp_path, capsys, extra):
    out = tmp_path / "run"
    argv = ["train", "--data", "blobs", "--model", "linear", "--lr", "1e39", "--mode", "batch", "--epochs", "1",
            "--quiet", *extra, "--out", str(out)]
    assert main(argv) == 1
    err = _err_line(capsys)
    assert err.startswith("ranvier: error: training diverged in its last step (step 1): the parameters became "
                          "NaN or infinite; try a smaller learning rate (finished 1 epochs); restored the "
                          "parameters of the start"), err
    saved = load_model(out / "model.npz")
    assert all(np.isfinite(v).all() for v in saved.model.params.values())


class _Record(Callback):
    """The parameters at each epoch's end, and their loss on the training data."""

    def __init__(self, X, y):
        self.X, self.y, self.params, self.losses = X, y, [], []

    def on_epoch_end(self, trainer, epoch, logs):
        self.params.append({k: v.copy() for k, v in trainer.model.params.items()})
        self.losses.append(_evaluate(trainer.model, self.X, self.y)[0])


@pytest.mark.parametrize("mode", ["batch", "minibatch"])
def test_without_validation_the_best_parameters_are_those_with_the_lowest_loss(mode):
    rng = np.random.default_rng(1)
    X = rng.normal(size=(200, 5))
    y = (X[:, 0] + X[:, 1] ** 2 > 1).astype(int)
    net = MLP((5, 8, 2), seed=0, dtype=np.float64)
    record = _Record(X, y)
    h = Trainer(net, "sgd", lr=10.0, batch_size=50, mode=mode, epochs=12, seed=0, verbose=0,
                callbacks=[record]).fit(X, y)
    best = int(np.nanargmin(record.losses))
    assert h.best_epoch == best + 1
    for k, v in net.params.items():
        np.testing.assert_array_equal(v, record.params[best][k])
    assert _evaluate(net, X, y)[0] == min(record.losses)


def test_a_blow_up_in_the_last_step_of_an_epoch_is_not_kept():
    X = np.random.default_rng(0).normal(size=(40, 3))
    y = (X[:, 0] > 0).astype(int)

    class BlowUp(Callback):
        def on_step_end(self, trainer, step, logs):
            if step == 8:  # the last step of epoch 2
                trainer.model.params["b1"][:] = np.inf

    net = MLP((3, 2), seed=0, dtype=np.float64)
    with pytest.warns(Warning, match="training diverged at step 9"):
        h = Trainer(net, "sgd", lr=0.1, batch_size=10, epochs=5, verbose=0, callbacks=[BlowUp()]).fit(X, y)
    assert h.diverged and h.best_epoch == 1
    assert all(np.isfinite(v).all() for v in net.params.values())


def test_linear_svm_with_epsilon_0_is_refused_before_it_can_end_in_nan():
    import warnings

    # Adam's epsilon 0 divides 0 by 0 for every parameter whose gradient is 0 (issue 13: NaN biases)
    from ranvier import LinearSVMClassifier

    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(90, 4)), rng.integers(0, 3, size=90)
    with pytest.raises(ValueError, match="epsilon must be a finite number > 0, got 0"):
        LinearSVMClassifier(epsilon=0, batch_size=16, max_iter=5).fit(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # five epochs do not converge, and need not here
        est = LinearSVMClassifier(epsilon=1e-8, batch_size=90, max_iter=5).fit(X, y)
    assert all(np.isfinite(v).all() for v in est.model_.params.values())


def test_ignored_sighup_stays_ignored(monkeypatch):
    X = np.random.default_rng(0).normal(size=(40, 3))
    y = (X[:, 0] > 0).astype(int)

    class Hangup(Callback):
        def on_step_end(self, trainer, step, logs):
            if step == 2:
                signal.raise_signal(signal.SIGHUP)

    previous = signal.signal(signal.SIGHUP, signal.SIG_IGN)  # as under nohup
    try:
        h = Trainer(MLP((3, 2), seed=0), "sgd", batch_size=10, epochs=2, verbose=0, callbacks=[Hangup()]).fit(X, y)
    finally:
        signal.signal(signal.SIGHUP, previous)
    assert h.stopped_reason.startswith("finished 2 epochs")


# ------------------------------------------------------------------ signals
def _train_cmd(out, *extra):
    return [sys.executable, "-m", "ranvier", "train", "--data", "digits", "--hidden", "16", "--mode", "stochastic",
            "--lr", "0.01", "--epochs", "6", "--dtype", "float64", "--seed", "3", "--quiet",
            "--out", str(out), *extra]


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    out = tmp_path_factory.mktemp("ref") / "run"
    subprocess.run(_train_cmd(out), check=True, capture_output=True, timeout=300, env=_env())
    return out


def _start_and_signal(out, signum):
    """Start a run with checkpoints; send ``signum`` once the first checkpoint is there."""
    proc = subprocess.Popen(_train_cmd(out, "--checkpoint-every", "1"), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=_env())
    deadline = time.monotonic() + 120
    while not (out / "checkpoint.npz").exists() and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.005)
    time.sleep(0.05)
    proc.send_signal(signum)
    _, err = proc.communicate(timeout=120)
    return proc.returncode, err


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP])
def test_sigterm_and_sighup_end_a_run_as_ctrl_c_does(tmp_path, reference, signum):
    out = tmp_path / "run"
    code, err = _start_and_signal(out, signum)
    name = signal.Signals(signum).name
    assert code == 128 + signum, err
    assert err == f"ranvier: interrupted ({name}); the best model so far is in {out}\n"
    assert sorted(p.name for p in out.iterdir()) == ["checkpoint.npz", "curves.png", "history.json", "model.npz",
                                                     "summary.json"]  # no temporary file, no lock
    summary = json.loads((out / "summary.json").read_text())
    assert summary["stopped_reason"].startswith(f"interrupted ({name}) after step ")
    assert load_model(out / "model.npz").model.layer_sizes == (64, 16, 10)
    if signum == signal.SIGTERM:  # the checkpoint continues the run bit for bit
        resumed = subprocess.run([sys.executable, "-m", "ranvier", "train", "--resume", str(out / "checkpoint.npz"),
                                  "--quiet"], check=False, capture_output=True, text=True, timeout=300, env=_env())
        assert resumed.returncode == 0, resumed.stderr
        a, b = load_model(reference / "model.npz").model, load_model(out / "model.npz").model
        for k in a.params:
            np.testing.assert_array_equal(a.params[k], b.params[k])
        ha = json.loads((reference / "history.json").read_text())
        hb = json.loads((out / "history.json").read_text())
        assert ha["step_loss"] == hb["step_loss"]


_SIGNAL_WHILE_WRITING = """
import os, signal, sys
from ranvier import training
from ranvier.cli import main

save = training.History.save

def save_after_a_signal(self, path):  # the model is written; a SIGTERM comes before the history
    os.kill(os.getpid(), signal.SIGTERM)
    save(self, path)

training.History.save = save_after_a_signal
sys.exit(main(sys.argv[1:]))
"""


def test_a_signal_while_the_files_are_written_waits_for_them(tmp_path):
    out = tmp_path / "run"
    done = subprocess.run([sys.executable, "-c", _SIGNAL_WHILE_WRITING, "train", *TINY, "--out", str(out)],
                          check=False, capture_output=True, text=True, timeout=120, env=_env())
    assert done.returncode == 143, done.stderr  # not lost: the exit status says it
    assert done.stderr == f"ranvier: interrupted (SIGTERM); the best model so far is in {out}\n"
    assert sorted(p.name for p in out.iterdir()) == ["curves.png", "history.json", "model.npz", "summary.json"]
    assert json.loads((out / "summary.json").read_text())["stopped_reason"] == "finished 1 epochs; restored the parameters of epoch 1"


_SIGNAL_BEFORE_TRAINING = """
import os, signal, sys
from ranvier import datasets
from ranvier.cli import main

load = datasets.load_dataset

def load_then_signal(*args, **kwargs):
    data = load(*args, **kwargs)
    os.kill(os.getpid(), signal.SIGTERM)
    return data

datasets.load_dataset = load_then_signal
sys.exit(main(sys.argv[1:]))
"""


def test_a_signal_before_training_stops_at_once_and_leaves_nothing(tmp_path):
    out = tmp_path / "run"
    done = subprocess.run([sys.executable, "-c", _SIGNAL_BEFORE_TRAINING, "train", *TINY, "--out", str(out)],
                          check=False, capture_output=True, text=True, timeout=120, env=_env())
    assert done.returncode == 143, done.stderr
    assert done.stderr == "ranvier: interrupted (SIGTERM) before training; nothing written\n"
    assert not out.exists()


# ------------------------------------------------------------------- sweeps
_SWEEP = ["--data", "digits", "--hidden", "8", "--mode", "stochastic", "--epochs", "2",
          "--grid", "lr=1e-3,3e-3,1e-2,3e-2", "--no-retrain", "--quiet"]
_VOLATILE = ("seconds", "trial_seconds")


def _sweep_cmd(out, n_jobs):
    return [sys.executable, "-m", "ranvier", "sweep", *_SWEEP, "--n-jobs", str(n_jobs), "--out", str(out)]


def _rows(out):
    rows = json.loads((out / "trials.json").read_text())["trials"]
    return {r["trial"]: {k: v for k, v in r.items() if k not in _VOLATILE} for r in rows}


@pytest.fixture(scope="module")
def reference_sweep(tmp_path_factory):
    out = tmp_path_factory.mktemp("sweep") / "ref"
    subprocess.run(_sweep_cmd(out, 1), check=True, capture_output=True, timeout=300, env=_env())
    return _rows(out)


@pytest.mark.parametrize(("n_jobs", "how"), [(1, "group"), (2, "group"), (1, "own"), (2, "own"), (1, "term")])
def test_an_interrupted_sweep_stops_records_only_finished_trials_and_a_rerun_completes_it(
        tmp_path, reference_sweep, n_jobs, how):
    out = tmp_path / "sweep"
    proc = subprocess.Popen(_sweep_cmd(out, n_jobs), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=_env(), start_new_session=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            if json.loads((out / "trials.json").read_text())["trials"]:
                break
        except (OSError, ValueError, KeyError):
            pass
        time.sleep(0.01)
    time.sleep(0.2)  # into the next trial
    if how == "group":  # a terminal's Ctrl-C goes to the whole process group, workers included
        os.killpg(proc.pid, signal.SIGINT)
    else:  # to the sweep's own process only
        proc.send_signal(signal.SIGTERM if how == "term" else signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    word = "SIGTERM" if how == "term" else "Ctrl-C"
    assert proc.returncode == (143 if how == "term" else 130), err
    assert err == (f"ranvier: interrupted ({word}); the finished trials are in {out}/trials.json: rerun the same "
                   "command to run the others\n")
    partial = _rows(out)
    assert 1 <= len(partial) < 4
    assert all(partial[i] == reference_sweep[i] for i in partial)  # no interrupted trial recorded
    rerun = subprocess.run(_sweep_cmd(out, n_jobs), check=False, capture_output=True, text=True, timeout=300, env=_env())
    assert rerun.returncode == 0, rerun.stderr
    assert _rows(out) == reference_sweep


def test_a_huge_grid_is_refused_with_its_size(tmp_path, capsys):
    values = ",".join(f"{v:.6g}" for v in np.geomspace(1e-4, 1, 1000))
    tic = time.perf_counter()
    assert main(["sweep", *TINY, "--grid", f"lr={values}", "--grid", f"reg={values}", "--out", str(tmp_path / "s")]) == 2
    assert time.perf_counter() - tic < 10
    assert _err_line(capsys) == (
        "ranvier: error: the grid has 1,000,000 combinations (1000 lr x 1000 reg); a sweep runs at most 10,000 "
        "trials: give fewer values, or draw some of the combinations with --random N")
    assert not (tmp_path / "s").exists()


def test_a_dask_scheduler_that_does_not_answer_is_a_clear_error(tmp_path, capsys, monkeypatch):
    pytest.importorskip("distributed", reason="the Dask timeout needs dask[distributed] (in the test extras)")
    from ranvier.sweep import parallel

    monkeypatch.setattr(parallel, "DASK_CONNECT_SECONDS", 1.0)  # read where the Dask client is made
    silent = socket.socket()  # accepts connections (the kernel's backlog) and never says a word
    silent.bind(("127.0.0.1", 0))
    silent.listen(4)
    address = f"tcp://127.0.0.1:{silent.getsockname()[1]}"
    try:
        tic = time.perf_counter()
        assert main(["sweep", *TINY, "--grid", "lr=0.1", "--backend", "dask", "--scheduler", address,
                     "--out", str(tmp_path / "s")]) == 2
        assert time.perf_counter() - tic < 10
    finally:
        silent.close()
    line = _err_line(capsys)
    assert line.startswith(f"ranvier: error: cannot reach the Dask scheduler at {address!r} (gave up after 1.")
    assert line.endswith(" s: no answer); start it (dask scheduler) or check the address")


def test_two_sweeps_into_one_folder(tmp_path, capsys):
    out = tmp_path / "s"
    with claim(out, files=()):  # a live sweep holds it
        assert main(["sweep", *TINY, "--grid", "lr=0.1", "--out", str(out)]) == 2
        assert "is in use by a running ranvier process" in _err_line(capsys)
    assert main(["sweep", *TINY, "--grid", "lr=0.1", "--out", str(out)]) == 0
    capsys.readouterr()
    assert main(["sweep", *TINY, "--grid", "lr=0.1", "--out", str(out)]) == 0  # a rerun retrains best/ again
    assert (out / "best" / "model.npz").exists()


def test_default_sweep_folders_are_unique_for_sweeps_started_in_the_same_second(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(time, "strftime", lambda fmt, *a: "20260101-000000")
    for _ in range(2):
        assert main(["sweep", *TINY, "--grid", "lr=0.1", "--no-retrain", "--quiet"]) == 0
    assert sorted(p.name for p in (tmp_path / "sweeps").iterdir()) == ["xor-linear-20260101-000000",
                                                                       "xor-linear-20260101-000000-2"]
    # a sweep that fails leaves no empty default folder
    assert main(["sweep", *TINY, "--grid", "lr=0.1", "--val-split", "0"]) == 2
    assert "val_split must be > 0" in capsys.readouterr().err
    assert len(list((tmp_path / "sweeps").iterdir())) == 2
