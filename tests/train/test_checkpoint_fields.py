"""Checkpoints whose arrays or metadata fields are of the wrong kind: refused naming the field, nothing loaded."""

from __future__ import annotations

import json

import numpy as np
import pytest

from ranvier import MLP
from ranvier.io import ModelFileError
from ranvier.train import Checkpoint, Trainer
from ranvier.train.checkpoint import read_metadata


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory):
    path = tmp_path_factory.mktemp("ckpt") / "c.npz"
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(40, 4)), np.arange(40) % 2
    Trainer(MLP((4, 3, 2), seed=0), "adam", batch_size=8, epochs=2, verbose=0, callbacks=[Checkpoint(path)]).fit(X, y)
    with np.load(path) as data:
        arrays = {k: data[k] for k in data.files}
    return arrays, json.loads(arrays.pop("metadata").tobytes())


def _write(path, arrays, meta):
    arrays = dict(arrays)
    arrays["metadata"] = np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8)
    np.savez(path, **arrays)


def _load(path, epochs=5):
    net = MLP((4, 3, 2), seed=1)
    trainer = Trainer(net, "adam", epochs=epochs, verbose=0)
    before = net.get_flat_params().copy()
    try:
        trainer.load_checkpoint(path)
    except ModelFileError:
        np.testing.assert_array_equal(net.get_flat_params(), before)  # nothing was loaded
        assert trainer.state is None
        raise
    return trainer


def test_the_checkpoint_loads(tmp_path, checkpoint):
    _write(tmp_path / "c.npz", *checkpoint)
    assert _load(tmp_path / "c.npz").state["step"] == 10


@pytest.mark.parametrize(("name", "value", "words"), [
    ("param/W1", np.zeros((3, 4), np.complex64), "(complex) is not allowed"),
    ("param/W1", np.zeros((3, 4), bool), "(bool) is not allowed"),
    ("param/W1", np.zeros((3, 4), "U3"), "(string) is not allowed"),
    ("best/b1", np.zeros(3, "S3"), "(string) is not allowed"),
    ("param/W1", np.zeros((3, 4), np.int64), "'param/W1' has shape (3, 4), dtype int64"),
    ("best/W2", np.zeros((5, 5), np.float32), "'best/W2' has shape (5, 5)"),
    ("opt/step", np.array(2**64 - 1, np.uint64), "'opt/step' array(18446744073709551615, dtype=uint64)); it must be an integer from 0 to 2**63 - 1"),
    ("opt/step", np.array(1.5), "'opt/step' must be one integer"),
    ("opt/step", np.zeros(2, np.int64), "'opt/step' must be one integer"),
    ("extra/junk", np.zeros(2), "arrays ['extra/junk'] that are not of this run"),
])
def test_arrays_of_the_wrong_kind(tmp_path, checkpoint, name, value, words):
    arrays, meta = checkpoint
    arrays = {**arrays, name: value}
    path = tmp_path / "bad.npz"
    _write(path, arrays, meta)
    with pytest.raises(ModelFileError) as info:
        _load(path)
    assert words in str(info.value) and str(path) in str(info.value), str(info.value)


def test_a_structured_array_is_refused(tmp_path, checkpoint):
    arrays, meta = checkpoint
    path = tmp_path / "bad.npz"
    _write(path, {**arrays, "param/b1": np.zeros(3, dtype=[("a", "<f4"), ("b", "<f4")])}, meta)
    with pytest.raises(ModelFileError, match="param/b1.*not a plain number"):
        _load(path)


def _set(meta, dotted, value):
    node = meta
    *parents, last = dotted.split(".")
    for key in parents:
        node = node[int(key)] if isinstance(node, list) else node[key]
    node[int(last) if isinstance(node, list) else last] = value


@pytest.mark.parametrize(("field", "value", "words"), [
    ("epoch", "2", "'epoch' entry is damaged ('2')"),
    ("epoch", 2**63, "'epoch' entry is damaged"),
    ("epoch", 1, "'epoch' entry (1) does not match its history (2 epochs)"),
    ("best_value", "low", "'best_value' entry is damaged ('low')"),
    ("limit", [1], "'limit' entry is damaged"),
    ("history.seconds", None, "'seconds' must be a number >= 0, got 'None'"),
    ("history.epoch.seconds.0", None, "'epoch.seconds' holds 'None' (NoneType), not a number"),
    ("history.epoch.loss.1", "0.5", "'epoch.loss' holds '0.5' (str), not a number"),
    ("history.epoch.lr", [0.1], "the lists of 'epoch' have different lengths"),
    ("history.step_loss.0", 10**400, "'step_loss' must be a list of numbers"),
    ("history.best_epoch", 7, "'best_epoch' must be an epoch from 1 to 2"),
    ("history.diverged", "no", "'diverged' must be true or false"),
    ("optimizer.name", 3, "'optimizer.name' entry is not a string"),
    ("rng", None, "'rng' entry is damaged"),
])
def test_metadata_fields_of_the_wrong_kind_are_named(tmp_path, checkpoint, field, value, words):
    arrays, meta = checkpoint
    meta = json.loads(json.dumps(meta))
    _set(meta, field, value)
    path = tmp_path / "bad.npz"
    _write(path, arrays, meta)
    with pytest.raises(ModelFileError) as info:
        _load(path)
    assert words in str(info.value) and str(path) in str(info.value), str(info.value)


def test_an_epoch_past_the_runs_end_is_refused(tmp_path, checkpoint):
    _write(tmp_path / "c.npz", *checkpoint)
    with pytest.raises(ModelFileError, match=r"'epoch' entry \(2\) is past the run's end \(1 epochs\)"):
        _load(tmp_path / "c.npz", epochs=1)


def test_read_metadata_checks_fields_without_reading_arrays(tmp_path, checkpoint):
    arrays, meta = checkpoint
    meta = json.loads(json.dumps(meta))
    path = tmp_path / "c.npz"
    _write(path, arrays, meta)
    assert read_metadata(path)["epoch"] == 2
    meta["history"]["seconds"] = None
    _write(path, arrays, meta)
    with pytest.raises(ModelFileError, match="'seconds' must be a number"):
        read_metadata(path)


def test_an_infinite_divergence_limit_is_kept(tmp_path, checkpoint):
    arrays, meta = checkpoint
    meta = json.loads(json.dumps(meta))
    meta["limit"] = float("inf")  # divergence_factor=inf: written as Infinity
    _write(tmp_path / "c.npz", arrays, meta)
    assert _load(tmp_path / "c.npz")._progress.limit == float("inf")
