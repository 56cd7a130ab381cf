"""Bounded fuzzing of every file loader with random and mutated bytes.

Each loader must either load the file or raise its documented error
(``DataFormatError`` for data files, ``ModelFileError`` for model files and
checkpoints), never another exception, and never hang: every example runs
under a deadline.
"""

import gzip
import io
import pickle
import struct

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ranvier import MLP, Trainer
from ranvier.datasets import DataFormatError, read_cifar10_binary, read_cifar10_pickle, read_idx
from ranvier.io import ModelFileError, load_model, save_model
from ranvier.training import Checkpoint

FUZZ = settings(max_examples=60, deadline=2000, derandomize=True,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


def _cifar_bin() -> bytes:
    rng = np.random.default_rng(0)
    rec = np.concatenate([rng.integers(0, 10, (3, 1)), rng.integers(0, 256, (3, 3072))], axis=1)
    return rec.astype(np.uint8).tobytes()


def _cifar_pickle() -> bytes:
    rng = np.random.default_rng(0)
    batch = {b"labels": [1, 2, 3], b"data": rng.integers(0, 256, (3, 3072), dtype=np.uint8),
             b"batch_label": b"x", b"filenames": [b"a", b"b", b"c"]}
    return pickle.dumps(batch, protocol=2)


def _idx(gz: bool) -> bytes:
    data = struct.pack(">I", 0x0803) + struct.pack(">III", 2, 3, 3) + bytes(range(18))
    return gzip.compress(data) if gz else data


_MODEL_BYTES: list[bytes] = []


def _model_file() -> bytes:
    if _MODEL_BYTES:  # made once: the zip archive stamps the time
        return _MODEL_BYTES[0]
    buf = io.BytesIO()
    net = MLP((4, 3, 2), seed=0)
    arrays = {f"param/{k}": v for k, v in net.params.items()}
    import json

    meta = {"format": "ranvier-model", "format_version": 1, "architecture": net.get_config(),
            "class_names": ["a", "b"], "image_shape": None, "preprocessing": None, "summary": {}}
    arrays["metadata"] = np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8)
    np.savez(buf, **arrays)
    _MODEL_BYTES.append(buf.getvalue())
    return _MODEL_BYTES[0]


@st.composite
def mutated(draw, original: bytes):
    data = bytearray(original)
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["flip", "truncate", "insert", "zero", "ff"]))
        if not data:
            break
        pos = draw(st.integers(0, len(data) - 1))
        if kind == "flip":
            data[pos] ^= 1 << draw(st.integers(0, 7))
        elif kind == "truncate":
            del data[pos:]
        elif kind == "insert":
            data[pos:pos] = draw(st.binary(min_size=1, max_size=16))
        elif kind == "zero":
            data[pos : pos + 8] = bytes(len(data[pos : pos + 8]))
        else:
            data[pos : pos + 4] = b"\xff" * len(data[pos : pos + 4])
    return bytes(data)


def _check(tmp_path, name, payload, reader, error):
    path = tmp_path / name
    path.write_bytes(payload)
    try:
        reader(path)
    except error:
        pass


CASES = {
    "cifar_bin": ("data_batch_1.bin", _cifar_bin, read_cifar10_binary, DataFormatError),
    "cifar_pickle": ("data_batch_1", _cifar_pickle, read_cifar10_pickle, DataFormatError),
    "idx": ("train-images-idx3-ubyte", lambda: _idx(False), read_idx, DataFormatError),
    "idx_gz": ("train-images-idx3-ubyte.gz", lambda: _idx(True), read_idx, DataFormatError),
    "model": ("model.npz", _model_file, load_model, ModelFileError),
}
# the preprocessing spec of a model file goes through Preprocessor.from_dict: fuzz it too


@pytest.mark.parametrize("case", sorted(CASES))
def test_the_unmutated_file_loads(tmp_path, case):
    name, make, reader, _ = CASES[case]
    path = tmp_path / name
    path.write_bytes(make())
    reader(path)


@pytest.mark.parametrize("case", sorted(CASES))
@FUZZ
@given(data=st.data())
def test_mutated_files_load_or_raise_the_documented_error(tmp_path, case, data):
    name, make, reader, error = CASES[case]
    _check(tmp_path, name, data.draw(mutated(make())), reader, error)


@pytest.mark.parametrize("case", sorted(CASES))
@FUZZ
@given(payload=st.binary(max_size=300))
def test_random_bytes_raise_the_documented_error(tmp_path, case, payload):
    name, _, reader, error = CASES[case]
    _check(tmp_path, name, payload, reader, error)


@pytest.fixture(scope="module")
def checkpoint_bytes(tmp_path_factory):
    # made once: a zip archive stamps the time, so a file made per example would differ
    path = tmp_path_factory.mktemp("ckpt") / "c.npz"
    X = np.random.default_rng(0).normal(size=(20, 4))
    y = np.arange(20) % 2
    Trainer(MLP((4, 3, 2), seed=0), "adam", batch_size=8, epochs=1, verbose=0, callbacks=[Checkpoint(path)]).fit(X, y)
    return path.read_bytes()


@FUZZ
@given(data=st.data())
def test_mutated_checkpoints(tmp_path, checkpoint_bytes, data):
    bad = tmp_path / "bad.npz"
    bad.write_bytes(data.draw(mutated(checkpoint_bytes)))
    try:
        Trainer(MLP((4, 3, 2), seed=0), "adam", verbose=0).load_checkpoint(bad)
    except ModelFileError:
        pass


def test_model_file_round_trip_survives_the_fuzz_fixture(tmp_path):
    # the hand-built model file of the fuzz cases is what save_model writes
    save_model(tmp_path / "m.npz", MLP((4, 3, 2), seed=0), class_names=["a", "b"])
    assert load_model(tmp_path / "m.npz").class_names == ["a", "b"]


JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-5, 10**6) | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=8),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=10,
)


def _valid_metadata() -> dict:
    import json

    with np.load(io.BytesIO(_model_file())) as data:
        return json.loads(data["metadata"].tobytes())


@FUZZ
@given(key=st.sampled_from(["format_version", "architecture", "class_names", "image_shape", "preprocessing",
                            "summary"]),
       sub=st.sampled_from([None, "layer_sizes", "activation", "loss", "reg", "margin", "dtype"]),
       value=JSON)
def test_model_files_with_odd_metadata_values(tmp_path, key, sub, value):
    import json

    meta = _valid_metadata()
    if sub is not None and key == "architecture":
        meta[key][sub] = value
    else:
        meta[key] = value
    with np.load(io.BytesIO(_model_file())) as data:
        arrays = {k: data[k] for k in data.files}
    arrays["metadata"] = np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8)
    path = tmp_path / "m.npz"
    np.savez(path, **arrays)
    try:
        saved = load_model(path)
    except ModelFileError:
        return
    # what loads is usable
    assert saved.class_names is None or (isinstance(saved.class_names, list) and len(saved.class_names) == 2)
    assert saved.image_shape is None or int(np.prod(saved.image_shape)) == 4
    assert isinstance(saved.summary, dict)
    assert saved.predict(np.zeros((1, 4))).shape == (1,)


@FUZZ
@given(key=st.sampled_from(["epoch", "rng", "best_value", "limit", "history", "extra", "optimizer", "format_version"]),
       value=JSON)
def test_checkpoints_with_odd_metadata_values(tmp_path, checkpoint_bytes, key, value):
    import json

    with np.load(io.BytesIO(checkpoint_bytes)) as data:
        arrays = {k: data[k] for k in data.files}
    meta = json.loads(arrays["metadata"].tobytes())
    meta[key] = value
    arrays["metadata"] = np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8)
    path = tmp_path / "c.npz"
    np.savez(path, **arrays)
    try:
        Trainer(MLP((4, 3, 2), seed=0), "adam", verbose=0).load_checkpoint(path)
    except ModelFileError:
        pass
