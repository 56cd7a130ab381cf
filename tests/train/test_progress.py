"""The progress of training: a bar in Jupyter and on a terminal, a line per epoch
otherwise, and lines that fit an 80-column terminal without losing the validation numbers."""

import io
import sys
import types

import numpy as np
import pytest

from ranvier import MLP, Trainer
from ranvier.train import progress as tr

WIDE = {"loss": 12.345678, "accuracy": 0.987654, "val_loss": 11.234567, "val_accuracy": 0.976543,
        "lr": 0.1, "seconds": 1234.5678}


def test_the_epoch_line_in_full_without_a_width():
    line = tr._epoch_line(3, 20, {**WIDE, "seconds": 0.5}, 1000)
    assert line == ("epoch 3/20: loss 12.3457, acc 0.9877, val_loss 11.2346, val_acc 0.9765, 0.50s, "
                    "2,000 ex/s")
    assert len(line) > 79  # too wide for an 80-column terminal: something must go


def test_on_80_columns_the_speed_goes_first_and_the_validation_numbers_stay():
    line = tr._epoch_line(3, 20, {**WIDE, "seconds": 0.5}, 1000, width=79)
    assert line == "epoch 3/20: loss 12.3457, acc 0.9877, val_loss 11.2346, val_acc 0.9765, 0.50s"


@pytest.mark.parametrize("width", [79, 60, 50, 20])
def test_every_width_keeps_the_validation_numbers(width):
    line = tr._epoch_line(1000, 1000, WIDE, 123_456_789_012, width=width)
    assert "val_loss 11.2346" in line and "val_acc 0.9765" in line
    assert len(line) <= max(width, len("epoch 1000/1000: val_loss 11.2346, val_acc 0.9765"))


def test_without_validation_the_training_numbers_stay():
    logs = {**WIDE, "val_loss": None, "val_accuracy": None}
    assert tr._epoch_line(2, 9, logs, 10, width=30) == "epoch 2/9: loss 12.3457"


def test_the_live_bar_fits_80_columns_with_its_numbers():
    from tqdm.std import tqdm

    postfix = tr._bar_postfix(12.345678, 1_234_567.0)
    assert postfix == "loss 12.3457, 1.23M ex/s"
    line = tqdm.format_meter(99_999, 100_000, 35_999.0, ncols=79, prefix="epoch 1000/1000", unit="step",
                             postfix=postfix, bar_format=tr._BAR_FORMAT)
    assert len(line) <= 79 and line.endswith(postfix) and "|" in line


class _Terminal(io.StringIO):
    def isatty(self):
        return True


def _fit(verbose=1, epochs=3):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 4)).astype(np.float32)
    y = (X[:, 0] > 0).astype(np.int64)
    trainer = Trainer(MLP((4, 8, 2), seed=0), "sgd", lr=0.1, batch_size=50, epochs=epochs, verbose=verbose)
    trainer.fit(X[:240], y[:240], validation_data=(X[240:], y[240:]))
    return trainer


def test_a_terminal_gets_a_bar_and_epoch_lines_that_fit(monkeypatch):
    term = _Terminal()
    monkeypatch.setattr(sys, "stderr", term)
    monkeypatch.setattr(tr.shutil, "get_terminal_size", lambda fallback=(80, 24): types.SimpleNamespace(columns=80))
    trainer = _fit()
    text = term.getvalue()
    assert "\r" in text and "%|" in text  # the bar was drawn, in place
    shown = [seg for line in text.split("\n") for seg in line.split("\r")[-1:] if seg.startswith("epoch ")]
    epochs = [s for s in shown if s.startswith(("epoch 1/3: ", "epoch 2/3: ", "epoch 3/3: "))]
    assert len(epochs) == 3
    h = trainer.history
    for e, line in enumerate(epochs):
        assert len(line) <= 79
        assert f"val_loss {h.epoch['val_loss'][e]:.4f}, val_acc {h.epoch['val_accuracy'][e]:.4f}" in line


def test_a_log_file_gets_a_line_per_epoch(monkeypatch, capsys):
    _fit(verbose=1, epochs=2)
    err = capsys.readouterr().err
    assert "\r" not in err
    assert [ln.split(":")[0] for ln in err.splitlines()[:2]] == ["epoch 1/2", "epoch 2/2"]
    assert "ex/s" in err  # no width to fit: the whole line


def test_verbose_0_prints_nothing(capsys):
    _fit(verbose=0, epochs=2)
    assert capsys.readouterr() == ("", "")


def test_the_kind_of_progress(monkeypatch):
    assert tr._progress_kind(0, _Terminal()) == "silent"
    assert tr._progress_kind(2, _Terminal()) == "lines"
    assert tr._progress_kind(1, _Terminal()) == "terminal"
    assert tr._progress_kind(1, io.StringIO()) == "lines"
    shell = types.SimpleNamespace(kernel=object())
    monkeypatch.setitem(sys.modules, "IPython", types.SimpleNamespace(get_ipython=lambda: shell))
    assert tr._progress_kind(1, io.StringIO()) == "notebook"
    assert tr._progress_kind(2, io.StringIO()) == "lines"
    shell.kernel = None  # plain IPython on a terminal: no kernel
    assert tr._progress_kind(1, io.StringIO()) == "lines"


def test_in_a_notebook_the_lines_go_to_stdout(monkeypatch, capsys):
    shell = types.SimpleNamespace(kernel=object())
    monkeypatch.setitem(sys.modules, "IPython", types.SimpleNamespace(get_ipython=lambda: shell))
    _fit(verbose=2, epochs=2)
    out, err = capsys.readouterr()
    assert err == "" and out.startswith("epoch 1/2: loss ")
