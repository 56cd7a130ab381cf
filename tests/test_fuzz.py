"""Bounded fuzzing of every file loader with random and mutated bytes.

Each loader must either load the file or raise its documented error
(``DataFormatError`` for data files, ``ModelFileError`` for model files and
checkpoints), never another exception, and never hang: every example runs
under a deadline.
"""

import gzip
import os
import io
import pickle
import struct

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ranvier import MLP, Trainer
from ranvier.datasets import DataFormatError, read_cifar10_binary, read_cifar10_pickle, read_idx
from ranvier.datasets.files import read_arrays, read_table
from ranvier.io import ModelFileError, load_model, save_model
from ranvier.train import Checkpoint

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


# =============================================================== seeded mutation fuzzer, every loader
# Each loader gets FUZZ_N mutated inputs made by a seeded mutator (bit flips, interesting integers
# in 1/2/4/8-byte fields, inserted, deleted, duplicated and truncated ranges), some at the byte level
# and, for .npz archives, some inside a member (re-zipped, so the mutation reaches the .npy header or
# the JSON metadata instead of stopping at the CRC).  Each input must load or raise the loader's
# documented error with a message naming the file; each loader's loop is also bounded in time.
import json as _json  # noqa: E402
import time  # noqa: E402
import zipfile  # noqa: E402

from ranvier.cli import UsageError  # noqa: E402
from ranvier.cli.predict import _read_image, _read_npy_inputs  # noqa: E402
from ranvier.datasets import cifar10 as _cifar10  # noqa: E402
from ranvier.optim import get_optimizer, load_state  # noqa: E402
from ranvier.train import History  # noqa: E402

FUZZ_N = int(os.environ.get("RANVIER_FUZZ_N", 2000))
FUZZ_SECONDS = 2.0  # per loader, a bound for slow or busy machines (15 loaders: 30 s at most)
_INTERESTING = [0, 1, 0x7F, 0x80, 0xFF, 0x7FFF, 0xFFFF, 2**31 - 1, 2**31, 2**32 - 1, 10**11, 2**63 - 1, 2**64 - 1]


def mutate(data: bytes, rng: np.random.Generator, focus: int | None = None) -> bytes:
    """1-4 random edits of ``data`` (within its first ``focus`` bytes when given)."""
    out = bytearray(data)
    for _ in range(int(rng.integers(1, 5))):
        span = max(1, min(len(out), focus or len(out)))
        pos = int(rng.integers(0, span))
        kind = int(rng.integers(0, 7))
        if kind == 0 and out:
            out[pos] ^= 1 << int(rng.integers(0, 8))
        elif kind == 1 and out:
            width = int(rng.choice([1, 2, 4, 8]))
            value = int(rng.choice(_INTERESTING)) % (1 << 8 * width)
            out[pos:pos + width] = value.to_bytes(width, "little" if rng.random() < 0.5 else "big")
        elif kind == 2:
            out[pos:pos] = rng.integers(0, 256, int(rng.integers(1, 17)), dtype=np.uint8).tobytes()
        elif kind == 3:
            del out[pos:pos + int(rng.integers(1, 65))]
        elif kind == 4:
            del out[pos:]
        elif kind == 5 and out:
            out[pos:pos] = out[pos:pos + int(rng.integers(1, 33))] * int(rng.integers(1, 4))
        elif kind == 6 and out:
            out[pos] = int(rng.choice([0, 0xFF, ord("("), ord("'"), ord("\n"), ord("9")]))
    return bytes(out)


def _members(archive: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(archive)) as z:
        return {name: z.read(name) for name in z.namelist()}


def _rezip(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, data in members.items():
            z.writestr(name, data)
    return buf.getvalue()


_ODD = [None, "", "x", -1, 0, 1.5, 2**64, 1e308, -1e308, [], {}, True, [[[[[]]]]], {"a": None}, "9" * 50]


def mutate_json(text: bytes, rng: np.random.Generator) -> bytes:
    """Replace one value somewhere in a JSON document by an odd one."""
    doc = _json.loads(text)
    node, key = {"root": doc}, "root"
    for _ in range(int(rng.integers(1, 5))):
        value = node[key]
        if isinstance(value, dict) and value:
            node, key = value, list(value)[int(rng.integers(0, len(value)))]
        elif isinstance(value, list) and value:
            node, key = value, int(rng.integers(0, len(value)))
        else:
            break
    node[key] = _ODD[int(rng.integers(0, len(_ODD)))]
    return _json.dumps(node if key == "root" and node is not doc else {"root": doc}["root"]).encode()


def mutate_archive(archive: bytes, rng: np.random.Generator) -> bytes:
    members = _members(archive)
    name = sorted(members)[int(rng.integers(0, len(members)))]
    data = members[name]
    if name == "metadata.npy" and rng.random() < 0.5:
        head = len(data) - len(np.load(io.BytesIO(data)).tobytes())
        body = mutate_json(data[head:], rng)
        buf = io.BytesIO()
        np.save(buf, np.frombuffer(body, dtype=np.uint8))
        members[name] = buf.getvalue()
    else:
        members[name] = mutate(data, rng, focus=160)  # mostly the .npy header
    if rng.random() < 0.1:
        members.pop(sorted(members)[int(rng.integers(0, len(members)))])
    return _rezip(members)


def _history_bytes() -> bytes:
    h = History()
    for e in range(3):
        for key, value in (("loss", 1.0 / (e + 1)), ("accuracy", 0.5), ("val_loss", None), ("val_accuracy", None),
                           ("lr", 0.1), ("seconds", 0.25)):
            h.epoch[key].append(value)
    h.step_loss, h.best_epoch, h.seconds, h.stopped_reason = [1.0, float("nan"), 0.5], 2, 0.75, "done"
    return _json.dumps(h.to_dict(), indent=1).encode()


def _png() -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.fromarray(np.random.default_rng(0).integers(0, 256, (6, 5, 3), dtype=np.uint8)).save(buf, "PNG")
    return buf.getvalue()


def _npy() -> bytes:
    buf = io.BytesIO()
    np.save(buf, np.random.default_rng(0).normal(size=(3, 4)).astype(np.float32))
    return buf.getvalue()


def _optimizer_state() -> bytes:
    from ranvier.optim import save_state

    net = MLP((4, 3, 2), seed=0)
    buf = io.BytesIO()
    save_state(buf, get_optimizer("adam").init(net.params))
    return buf.getvalue()


_PREP_MODEL: list[bytes] = []


def _model_with_preprocessing(tmp_dir) -> bytes:
    """A model file as save_model writes it, with fitted scale+standardize preprocessing and image metadata."""
    if not _PREP_MODEL:
        from ranvier.datasets import Preprocessor

        prep = Preprocessor("scale+standardize", pixel_max=255.0)
        prep.fit_transform(np.random.default_rng(0).integers(0, 256, (10, 4)).astype(np.float32))
        save_model(tmp_dir / "prep.npz", MLP((4, 3, 2), seed=0), class_names=["a", "b"], preprocessing=prep,
                   image_shape=(2, 2), pixel_max=255.0, summary={"data": "x", "epochs": 1, "seconds": 0.5})
        _PREP_MODEL.append((tmp_dir / "prep.npz").read_bytes())
    return _PREP_MODEL[0]


def _trainer_reader(path):
    Trainer(MLP((4, 3, 2), seed=0), "adam", verbose=0).load_checkpoint(path)


def _read_meta_txt(path):
    return _cifar10._class_names(path.parent, "binary")


def _read_meta_py(path):
    return _cifar10._class_names(path.parent, "python")


def _cifar_meta() -> bytes:
    return pickle.dumps({b"label_names": [c.encode() for c in _cifar10.CIFAR10_CLASSES], b"num_vis": 3072}, protocol=2)


def _own_csv() -> bytes:
    rows = ["x1,x2,label"] + [f"{i * 0.25},{(i * 7) % 5},{'ab'[i % 2]}" for i in range(12)]
    return ("\n".join(rows) + "\n").encode()


def _own_npz() -> bytes:
    buffer = io.BytesIO()
    np.savez(buffer, X=np.arange(24, dtype=np.float32).reshape(6, 4), y=np.array([0, 1, 2, 0, 1, 2]),
             class_names=np.array(["a", "b", "c"]))
    return buffer.getvalue()


def _own_image_folder(path):
    """The image folder two levels above the fuzzed image: one class, one image."""
    from ranvier.datasets.files import read_image_folder

    return read_image_folder(path.parent.parent)


def _seeded_cases(checkpoint: bytes, tmp_dir) -> dict:
    """name -> (file name, original bytes, reader, documented error, archive?)."""
    from ranvier.train.checkpoint import read_metadata

    (tmp_dir / "imgs" / "cls").mkdir(parents=True, exist_ok=True)
    return {
        "cifar_bin": ("data_batch_1.bin", _cifar_bin(), read_cifar10_binary, DataFormatError, False),
        "cifar_pickle_p2": ("data_batch_1", _cifar_pickle(), read_cifar10_pickle, DataFormatError, False),
        "cifar_pickle_p5": ("data_batch_2", pickle.dumps(pickle.loads(_cifar_pickle()), protocol=5),
                            read_cifar10_pickle, DataFormatError, False),
        "cifar_meta": ("batches.meta", _cifar_meta(), _read_meta_py, DataFormatError, False),
        "cifar_meta_txt": ("batches.meta.txt", "\n".join(_cifar10.CIFAR10_CLASSES).encode(), _read_meta_txt,
                           DataFormatError, False),
        "idx": ("train-images-idx3-ubyte", _idx(False), read_idx, DataFormatError, False),
        "idx_gz": ("train-images-idx3-ubyte.gz", _idx(True), read_idx, DataFormatError, False),
        "model": ("model.npz", _model_file(), load_model, ModelFileError, True),
        "model_preprocessing": ("m.npz", _model_with_preprocessing(tmp_dir), load_model, ModelFileError, True),
        "checkpoint": ("checkpoint.npz", checkpoint, _trainer_reader, ModelFileError, True),
        "checkpoint_metadata": ("c.npz", checkpoint, read_metadata, ModelFileError, True),
        "history": ("history.json", _history_bytes(), History.load, ValueError, False),
        "npy_inputs": ("x.npy", _npy(), _read_npy_inputs, UsageError, False),
        "image": ("x.png", _png(), lambda p: _read_image(str(p), (4, 4, 3)), UsageError, False),
        "optimizer_state": ("state.npz", _optimizer_state(), load_state, ValueError, True),
        "own_csv": ("t.csv", _own_csv(), read_table, DataFormatError, False),
        "own_npz": ("d.npz", _own_npz(), read_arrays, DataFormatError, True),
        "own_image_folder": ("imgs/cls/x.png", _png(), _own_image_folder, DataFormatError, False),
    }


@pytest.mark.parametrize("case", ["cifar_bin", "cifar_pickle_p2", "cifar_pickle_p5", "cifar_meta", "cifar_meta_txt",
                                  "idx", "idx_gz", "model", "model_preprocessing", "checkpoint", "checkpoint_metadata", "history",
                                  "npy_inputs", "image", "optimizer_state", "own_csv", "own_npz",
                                  "own_image_folder"])
def test_seeded_fuzz_every_loader(tmp_path, checkpoint_bytes, case):
    name, original, reader, error, archive = _seeded_cases(checkpoint_bytes, tmp_path)[case]
    path = tmp_path / name
    path.write_bytes(original)
    reader(path)  # the unmutated file loads
    rng = np.random.default_rng(sum(map(ord, case)))
    start, outcomes = time.perf_counter(), {"loaded": 0, "refused": 0}
    for i in range(FUZZ_N):
        if archive and i % 2:
            payload = mutate_archive(original, rng)
        elif case == "history" and i % 2:
            payload = mutate_json(original, rng)
        else:
            payload = mutate(original, rng)
        path.write_bytes(payload)
        try:
            reader(path)
            outcomes["loaded"] += 1
        except error as exc:
            assert str(path) in str(exc), (case, i, str(exc))
            outcomes["refused"] += 1
        except Exception as exc:  # noqa: BLE001  reported with the input that caused it
            (tmp_path / "failing-input").write_bytes(payload)
            raise AssertionError(f"{case} input {i}: {type(exc).__name__}: {exc} (saved to {tmp_path})") from exc
        if time.perf_counter() - start > FUZZ_SECONDS:
            break
    print(case, i + 1, outcomes)
    assert outcomes["refused"] > 0  # the mutations reach the checks at all
