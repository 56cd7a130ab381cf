"""CSV and TensorBoard logs of a training run."""

import csv

import numpy as np
import pytest

import ranvier as rv
from ranvier.train.loggers import CSVLogger, TensorBoard


def data():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(80, 3)).astype(np.float32)
    return X, (X[:, 0] > 0).astype(np.int64)


def rows_of(path, reader=csv.DictReader):
    with open(path, newline="") as f:
        return list(reader(f))


def fit(callbacks, epochs=3, validation=True):
    X, y = data()
    trainer = rv.Trainer(rv.MLP((3, 8, 2), seed=0), "adam", lr=0.01, epochs=epochs, batch_size=16, verbose=0,
                         callbacks=callbacks)
    trainer.fit(X[:60], y[:60], validation_data=(X[60:], y[60:]) if validation else None)
    return trainer.history


def test_csv_log_holds_the_history(tmp_path):
    history = fit([CSVLogger(tmp_path / "log.csv")])
    rows = rows_of(tmp_path / "log.csv")
    assert [r["epoch"] for r in rows] == ["1", "2", "3"]
    for key in ("loss", "accuracy", "val_loss", "val_accuracy", "lr"):
        assert [float(r[key]) for r in rows] == history.epoch[key]  # repr of a float reads back exactly


def test_csv_log_without_validation_leaves_cells_empty(tmp_path):
    fit([CSVLogger(tmp_path / "log.csv")], epochs=1, validation=False)
    row = rows_of(tmp_path / "log.csv")[0]
    assert row["val_loss"] == "" and row["val_accuracy"] == "" and float(row["loss"]) > 0


def test_csv_log_refuses_to_replace_and_appends_when_asked(tmp_path):
    fit([CSVLogger(tmp_path / "log.csv")], epochs=1)
    with pytest.raises(FileExistsError, match="log.csv exists; pass overwrite=True"):
        fit([CSVLogger(tmp_path / "log.csv")], epochs=1)
    fit([CSVLogger(tmp_path / "log.csv", append=True)], epochs=2)
    rows = rows_of(tmp_path / "log.csv", csv.reader)
    assert [r[0] for r in rows] == ["epoch", "1", "1", "2"]
    fit([CSVLogger(tmp_path / "log.csv", overwrite=True)], epochs=1)
    assert len(rows_of(tmp_path / "log.csv", csv.reader)) == 2


def test_csv_log_is_flushed_every_epoch(tmp_path):
    seen = []

    class Peek(rv.Callback):
        def on_epoch_end(self, trainer, epoch, logs):
            seen.append(len(rows_of(tmp_path / "log.csv", csv.reader)))

    fit([CSVLogger(tmp_path / "log.csv"), Peek()], epochs=3)
    assert seen == [2, 3, 4]


def test_csv_log_folder_must_exist(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist; create it first"):
        fit([CSVLogger(tmp_path / "no" / "log.csv")], epochs=1)


def read_scalars(folder):
    """{tag: [(step, value), ...]} from TFRecord event files (length, crc, event, crc)."""
    import struct

    from tensorboardX.proto import event_pb2

    out = {}
    for path in sorted(folder.glob("events.out.tfevents.*")):
        raw = path.read_bytes()
        at = 0
        while at < len(raw):
            (n,) = struct.unpack("<Q", raw[at:at + 8])
            event = event_pb2.Event.FromString(raw[at + 12:at + 12 + n])
            at += 12 + n + 4
            for v in event.summary.value:
                out.setdefault(v.tag, []).append((event.step, v.simple_value))
    return out


def test_tensorboard_event_files_hold_the_scalars(tmp_path):
    pytest.importorskip("tensorboardX", reason="pip install 'ranvier[tensorboard]'")
    history = fit([TensorBoard(tmp_path / "tb")])
    scalars = read_scalars(tmp_path / "tb")
    assert set(scalars) == {"train/loss", "train/accuracy", "val/loss", "val/accuracy", "lr"}
    np.testing.assert_allclose([v for _, v in scalars["val/loss"]], history.epoch["val_loss"], rtol=1e-6)
    assert [s for s, _ in scalars["lr"]] == [1, 2, 3]
