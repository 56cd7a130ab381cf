import json
import os
import zipfile

import numpy as np
import pytest

from ranvier import MLP
from ranvier.datasets import Preprocessor
from ranvier.io import ModelFileError, load_model, save_model


def _model():
    net = MLP((4, 6, 3), activation="tanh", loss="svm", reg=0.01, margin=2.0, seed=0)
    net.params["b1"][:] = np.arange(6)
    return net


def test_round_trip_keeps_everything(tmp_path):
    net = _model()
    X = np.random.default_rng(0).normal(size=(20, 4)).astype(np.float32)
    prep = Preprocessor("standardize").fit(X)
    path = tmp_path / "model.npz"
    save_model(path, net, class_names=["a", "b", "c"], preprocessing=prep, image_shape=(2, 2),
               summary={"val_accuracy": 0.5})
    saved = load_model(path)
    for k in net.params:
        np.testing.assert_array_equal(saved.model.params[k], net.params[k])
        assert saved.model.params[k].dtype == np.float32
    assert saved.model.get_config() == net.get_config()
    assert saved.class_names == ["a", "b", "c"]
    assert saved.image_shape == (2, 2)
    assert saved.summary == {"val_accuracy": 0.5}
    assert saved.metadata["format"] == "ranvier-model"
    np.testing.assert_array_equal(saved.predict(X), net.predict(prep.transform(X)))


def test_linear_model_round_trip(tmp_path):
    net = MLP((4, 3), seed=1, dtype=np.float64)
    save_model(tmp_path / "m.npz", net)
    saved = load_model(tmp_path / "m.npz")
    assert saved.model.layer_sizes == (4, 3) and saved.model.dtype == np.float64
    assert saved.class_names is None and saved.preprocessing is None


def test_file_holds_no_pickle_and_loads_without_it(tmp_path):
    path = tmp_path / "model.npz"
    save_model(path, _model())
    with zipfile.ZipFile(path) as z:
        names = z.namelist()
    assert "metadata.npy" in names and "param/W1.npy" in names
    with np.load(path, allow_pickle=False) as data:  # would raise on an object array
        json.loads(data["metadata"].tobytes())


def test_write_is_atomic_and_leaves_no_temporary(tmp_path, monkeypatch):
    path = tmp_path / "model.npz"
    save_model(path, _model())
    before = path.read_bytes()

    def crash(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(np, "savez", crash)
    with pytest.raises(OSError, match="disk full"):
        save_model(path, MLP((4, 3)))
    assert path.read_bytes() == before  # the old model is intact
    assert os.listdir(tmp_path) == ["model.npz"]


@pytest.mark.parametrize(
    ("damage", "match"),
    [
        (lambda b: b[: len(b) // 2], "damaged or truncated"),
        (lambda b: b"not a zip at all", r"not a ranvier model file \(not an .npz archive\)"),
        (lambda b: b"", r"not a ranvier model file \(not an .npz archive\)"),
    ],
)
def test_damaged_files_give_a_clear_error(tmp_path, damage, match):
    path = tmp_path / "model.npz"
    save_model(path, _model())
    path.write_bytes(damage(path.read_bytes()))
    with pytest.raises(ModelFileError, match=match):
        load_model(path)


def _write_archive(path, metadata, arrays):
    arrays = dict(arrays)
    arrays["metadata"] = np.frombuffer(json.dumps(metadata).encode(), dtype=np.uint8)
    np.savez(path, **arrays)


def test_foreign_and_future_files_are_refused(tmp_path):
    np.savez(tmp_path / "plain.npz", a=np.zeros(3))
    with pytest.raises(ModelFileError, match="no metadata entry"):
        load_model(tmp_path / "plain.npz")
    _write_archive(tmp_path / "other.npz", {"format": "keras"}, {})
    with pytest.raises(ModelFileError, match="format is 'keras'"):
        load_model(tmp_path / "other.npz")
    _write_archive(tmp_path / "future.npz", {"format": "ranvier-model", "format_version": 99}, {})
    with pytest.raises(ModelFileError, match="format version 99 is not supported"):
        load_model(tmp_path / "future.npz")
    np.save(tmp_path / "array.npy", np.zeros(3))
    with pytest.raises(ModelFileError, match=r"not an .npz archive"):
        load_model(tmp_path / "array.npy")


def test_arrays_that_do_not_match_the_architecture(tmp_path):
    path = tmp_path / "model.npz"
    save_model(path, MLP((4, 3), seed=0))
    with np.load(path) as data:
        arrays = {k: data[k] for k in data.files}
    meta = json.loads(arrays.pop("metadata").tobytes())
    _write_archive(tmp_path / "shape.npz", meta, {"param/W1": np.zeros((3, 5)), "param/b1": np.zeros(3)})
    with pytest.raises(ModelFileError, match=r"params\['W1'\] must have shape \(3, 4\)"):
        load_model(tmp_path / "shape.npz")
    _write_archive(tmp_path / "missing.npz", meta, {"param/W1": np.zeros((3, 4))})
    with pytest.raises(ModelFileError, match="missing"):
        load_model(tmp_path / "missing.npz")
    meta["architecture"]["activation"] = ["warp"]
    meta["architecture"]["layer_sizes"] = [4, 2, 3]
    _write_archive(tmp_path / "arch.npz", meta, {})
    with pytest.raises(ModelFileError, match="architecture in the metadata is not valid"):
        load_model(tmp_path / "arch.npz")


def test_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="no model file at"):
        load_model(tmp_path / "nope.npz")
    with pytest.raises(FileNotFoundError, match="does not exist"):
        save_model(tmp_path / "no" / "dir" / "m.npz", MLP((4, 3)))


def test_class_names_must_match_outputs(tmp_path):
    with pytest.raises(ValueError, match="class_names has 2 names but the model has 3 outputs"):
        save_model(tmp_path / "m.npz", MLP((4, 3)), class_names=["a", "b"])
