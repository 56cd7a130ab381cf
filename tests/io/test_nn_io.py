"""Model files of layer stacks (format version 2); files of format version 1 still load."""

import json
import zipfile
from pathlib import Path

import numpy as np
import pytest

from ranvier import MLP, ModelFileError, Sequential, Trainer, load_model, save_model
from ranvier.nn import BatchNorm, Dropout, LayerNorm, Linear, Tanh

FILES = Path(__file__).resolve().parent.parent / "files"


def _meta(path):
    with zipfile.ZipFile(path) as z, z.open("metadata.npy") as f:
        return json.loads(np.lib.format.read_array(f).tobytes().decode())


def _trained(net):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(64, 4)).astype(np.float32)
    y = (X[:, 0] > 0).astype(int) + (X[:, 1] > 0)
    Trainer(net, "sgd", lr=0.1, batch_size=16, epochs=2, seed=0, verbose=0).fit(X, y)
    return X


def test_a_file_written_by_format_version_1_still_loads():
    saved = load_model(FILES / "mlp_format1.npz")  # written by ranvier 88ff7ea, before layer stacks
    net = saved.model
    assert isinstance(net, MLP) and net.layer_sizes == (4, 5, 3) and net.activation_names == ["tanh"]
    assert saved.class_names == ["a", "b", "c"] and net.reg == 0.01 and net.buffers == {}
    X = np.arange(8, dtype=np.float32).reshape(2, 4) / 8
    expected = np.array([[0.05597889, -0.26438716, -0.21692339], [0.22759384, -0.24324286, -0.28117314]], np.float32)
    np.testing.assert_allclose(net.scores(X), expected, rtol=1e-6)


def test_a_plain_mlp_is_still_written_as_version_1(tmp_path):
    save_model(tmp_path / "m.npz", MLP((4, 5, 3), seed=0))
    meta = _meta(tmp_path / "m.npz")
    assert meta["format_version"] == 1 and "batch_norm" not in meta["architecture"]


def test_an_mlp_with_batch_norm_and_dropout_round_trips(tmp_path):
    net = MLP((4, 8, 6, 3), batch_norm=True, dropout=(0.2, 0.1), seed=0)
    X = _trained(net)
    save_model(tmp_path / "bn.npz", net)
    assert _meta(tmp_path / "bn.npz")["format_version"] == 2
    back = load_model(tmp_path / "bn.npz").model
    assert isinstance(back, MLP) and back.batch_norm and back.dropout == (0.2, 0.1) and not back.training
    for name in net.buffers:
        np.testing.assert_array_equal(back.buffers[name], net.buffers[name])
    np.testing.assert_array_equal(back.scores(X), net.eval().scores(X))


def test_any_sequential_round_trips(tmp_path):
    net = Sequential([Linear(4, 7, seed=0), LayerNorm(7), Tanh(), Dropout(0.3), Linear(7, 5, seed=1),
                      BatchNorm(5, momentum=0.3, eps=1e-3), Linear(5, 3, seed=2)], reg=1e-3)
    X = _trained(net)
    save_model(tmp_path / "seq.npz", net)
    back = load_model(tmp_path / "seq.npz").model
    assert type(back) is Sequential and back.get_config() == net.get_config()
    assert back.layers[5].momentum == 0.3 and back.layers[5].eps == 1e-3
    np.testing.assert_array_equal(back.scores(X), net.eval().scores(X))


def test_damaged_running_statistics_are_refused(tmp_path):
    net = MLP((4, 6, 3), batch_norm=True, seed=0)
    net.buffers["running_var1"][0] = -1.0
    save_model(tmp_path / "bad.npz", net)
    with pytest.raises(ModelFileError, match="negative variance"):
        load_model(tmp_path / "bad.npz")
