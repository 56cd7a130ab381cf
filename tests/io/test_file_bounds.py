"""Oversized and malformed files: refused with the documented error before anything big is allocated.

Covers the bounded readers of ranvier._arrayfile (model files, checkpoints,
.npy inputs), predict's image reader, and the field checks of model files.
Peak memory is measured in a child process (VmHWM from /proc, Linux).
"""

from __future__ import annotations

import json
import os
import struct
import subprocess
import sys
import zipfile
import zlib

import numpy as np
import pytest

from ranvier import MLP
from ranvier._arrayfile import ArrayFileError, NpzReader, read_npy
from ranvier.cli import main
from ranvier.io import ModelFileError, load_model, save_model

LINUX = pytest.mark.skipif(not os.path.exists("/proc/self/status"), reason="peak memory is read from /proc (Linux)")


def npy_header(shape, descr="<f4", fortran=False, version=1) -> bytes:
    text = repr({"descr": descr, "fortran_order": fortran, "shape": tuple(shape)}).encode("latin-1")
    text += b" " * (-(len(text) + 11) % 64) + b"\n"
    size = struct.pack("<H", len(text)) if version == 1 else struct.pack("<I", len(text))
    return b"\x93NUMPY" + bytes([version, 0]) + size + text


def patch_member_size(path, member: str, file_size: int) -> None:
    """Make the central directory claim ``file_size`` uncompressed bytes for ``member`` (a forged archive)."""
    raw = bytearray(path.read_bytes())
    at = raw.find(b"PK\x01\x02" + b"\x00" * 0, 0)
    name = member.encode()
    while at != -1:
        n = struct.unpack_from("<H", raw, at + 28)[0]
        if raw[at + 46:at + 46 + n] == name:
            struct.pack_into("<I", raw, at + 24, file_size)
            path.write_bytes(bytes(raw))
            return
        at = raw.find(b"PK\x01\x02", at + 4)
    raise AssertionError(f"{member} not in {path}")


def model_arrays(layers=(4, 3)) -> tuple[dict, dict]:
    net = MLP(layers, seed=0)
    meta = {"format": "ranvier-model", "format_version": 1, "architecture": net.get_config(),
            "class_names": None, "image_shape": None, "preprocessing": None, "summary": {}}
    return {f"param/{k}": v for k, v in net.params.items()}, meta


def write_raw_archive(path, members: dict[str, bytes], compress=zipfile.ZIP_STORED) -> None:
    with zipfile.ZipFile(path, "w", compression=compress) as z:
        for name, data in members.items():
            z.writestr(name, data)


def write_model(path, arrays: dict, meta: dict) -> None:
    arrays = dict(arrays)
    arrays["metadata"] = np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8)
    np.savez(path, **arrays)


# --------------------------------------------------------------- model files: sizes before allocation
def huge_layer_model(tmp_path, architecture_too=False):
    """A model file of a 4-3 network whose W1 declares 20000x20000 float32 (1.5 GiB) over 48 bytes.

    With ``architecture_too`` the architecture declares the 20000x20000 layer as well (the member's
    declared size is forged, its bytes are not there).
    """
    arrays, meta = model_arrays()
    if architecture_too:
        meta["architecture"]["layer_sizes"] = [20000, 20000]
        arrays["param/b1"] = np.zeros(20000, np.float32)
    path = tmp_path / ("huge-arch.npz" if architecture_too else "huge.npz")
    members = {"metadata.npy": npy_header((len(json.dumps(meta)),), "|u1") + json.dumps(meta).encode(),
               "param/W1.npy": npy_header((20000, 20000)) + arrays["param/W1"].tobytes(),
               "param/b1.npy": npy_header(arrays["param/b1"].shape) + arrays["param/b1"].tobytes()}
    write_raw_archive(path, members)
    patch_member_size(path, "param/W1.npy", len(npy_header((20000, 20000))) + 20000 * 20000 * 4)
    return path


def test_a_20000x20000_layer_is_refused_before_allocation(tmp_path):
    path = huge_layer_model(tmp_path)
    with pytest.raises(ModelFileError, match=r"params\['W1'\] must have shape \(3, 4\), got \(20000, 20000\)") as info:
        load_model(path)
    assert str(path) in str(info.value) and "nothing was loaded" in str(info.value)


def test_arrays_larger_than_their_member_are_refused(tmp_path):
    arrays, meta = model_arrays()
    path = tmp_path / "short.npz"
    write_raw_archive(path, {"metadata.npy": npy_header((len(json.dumps(meta)),), "|u1") + json.dumps(meta).encode(),
                             "param/W1.npy": npy_header((100000, 1000000)) + b"\x00" * 48})
    with pytest.raises(ModelFileError, match=r"'param/W1' declares shape \(100000, 1000000\) of float32 \(372.5 GiB\) "
                                             r"but its member holds 48 bytes"):
        load_model(path)


def test_a_zip_member_that_inflates_past_its_header_is_read_with_a_bound(tmp_path):
    # 256 MiB of zeros deflated into ~250 KB, declared as the 4-float W1: reading stops after 16 bytes
    arrays, meta = model_arrays()
    head = npy_header((3, 4))
    path = tmp_path / "bomb.npz"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as z:
        z.writestr("metadata.npy", npy_header((len(json.dumps(meta)),), "|u1") + json.dumps(meta).encode())
        z.writestr("param/b1.npy", npy_header((3,)) + arrays["param/b1"].tobytes())
        with z.open("param/W1.npy", "w", force_zip64=True) as f:
            f.write(head)
            zeros = bytes(1 << 24)
            for _ in range(16):
                f.write(zeros)
    patch_member_size(path, "param/W1.npy", len(head) + 48)
    with pytest.raises(ModelFileError, match="more data than its header declares|damaged"):
        load_model(path)


@LINUX
def test_refusing_huge_files_costs_almost_no_memory(tmp_path):
    huge = huge_layer_model(tmp_path)
    huge_arch = huge_layer_model(tmp_path, architecture_too=True)
    npy = tmp_path / "x.npy"
    npy.write_bytes(npy_header((10**11, 3072)) + b"\x00" * 64)
    code = f"""
import sys
from ranvier.io import ModelFileError, load_model
from ranvier._arrayfile import ArrayFileError, read_npy
def hwm():
    return [int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmHWM:")][0] / 1024
base = hwm()
for call, error in ((lambda: load_model({str(huge)!r}), ModelFileError),
                    (lambda: load_model({str(huge_arch)!r}), ModelFileError),
                    (lambda: read_npy({str(npy)!r}), ArrayFileError)):
    try:
        call()
        sys.exit("loaded")
    except error:
        pass
print(hwm() - base)
"""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120, check=False)
    assert done.returncode == 0, done.stderr + done.stdout
    print("peak RSS grew by", done.stdout.strip(), "MB")
    assert float(done.stdout) < 50  # measured: under 1 MB (4.7 GB before)


def test_a_declared_layer_whose_bytes_are_missing_is_refused(tmp_path):
    with pytest.raises(ModelFileError, match=r"'param/W1': the array's data end early: 48 of 1600000000 bytes"):
        load_model(huge_layer_model(tmp_path, architecture_too=True))


# --------------------------------------------------------------- model files: dtypes and fields
@pytest.mark.parametrize(("dtype", "words"), [
    ("<U4", "(string) is not allowed"), ("|S4", "(string) is not allowed"), ("<c8", "(complex) is not allowed"),
    ("|b1", "(bool) is not allowed"), ("|O", "(object) is not allowed"), ("<i8", "must be floating point"),
])
def test_parameters_of_a_wrong_dtype_are_refused_naming_the_array(tmp_path, dtype, words):
    arrays, meta = model_arrays()
    body = npy_header((3, 4), dtype) + b"\x00" * (12 * np.dtype(dtype.replace("|O", "|u8")).itemsize)
    path = tmp_path / "m.npz"
    write_raw_archive(path, {"metadata.npy": npy_header((len(json.dumps(meta)),), "|u1") + json.dumps(meta).encode(),
                             "param/W1.npy": body, "param/b1.npy": npy_header((3,)) + bytes(12)})
    with pytest.raises(ModelFileError, match="param/W1") as info:
        load_model(path)
    assert words in str(info.value) and str(path) in str(info.value)


def test_a_structured_dtype_is_refused(tmp_path):
    path = tmp_path / "s.npy"
    text = "{'descr': [('a', '<f4'), ('b', '|O')], 'fortran_order': False, 'shape': (1,), }"
    path.write_bytes(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(text) + 1) + text.encode() + b"\n" + bytes(16))
    with pytest.raises(ArrayFileError, match="not a plain number"):
        read_npy(path)


@pytest.mark.parametrize(("field", "value", "words"), [
    ("seconds", "fast", "summary's seconds is not valid (str 'fast')"),
    ("seconds", None, "summary's seconds is null"),
    ("epochs", -1, "summary's epochs is not valid"),
    ("test_accuracy", "99%", "summary's test_accuracy is not valid"),
    ("seed", 2**70, "summary's seed is not valid"),
    ("options", {"val_split": "a tenth"}, "summary's options.val_split is not valid"),
])
def test_summary_fields_of_the_wrong_type_are_named(tmp_path, field, value, words):
    arrays, meta = model_arrays()
    meta["summary"] = {"seconds": 1.5, "epochs": 2, field: value}
    path = tmp_path / "m.npz"
    write_model(path, arrays, meta)
    with pytest.raises(ModelFileError, match="training summary") as info:
        load_model(path)
    assert words in str(info.value)


def test_info_prints_a_good_summary(tmp_path, capsys):
    save_model(tmp_path / "m.npz", MLP((4, 3), seed=0), summary={"data": "x", "epochs": 2, "seconds": 1.25,
                                                                 "seed": 0, "test_accuracy": 0.5})
    assert main(["info", str(tmp_path / "m.npz")]) == 0
    assert "trained on x: 2 epochs, 1.2 s, seed 0" in capsys.readouterr().out


@pytest.mark.parametrize(("payload", "words"), [
    (lambda meta: b"{" * 100000, "not valid JSON"),
    (lambda meta: b"\xff\xfe", "not valid JSON"),
    (lambda meta: b"[1]", "not a JSON object"),
    (lambda meta: b'{"format": "ranvier-model", "format_version": 1' + b"9" * 5000 + b"}", "not valid JSON"),
])
def test_broken_metadata(tmp_path, payload, words):
    _, meta = model_arrays()
    raw = payload(meta)
    path = tmp_path / "m.npz"
    write_raw_archive(path, {"metadata.npy": npy_header((len(raw),), "|u1") + raw})
    with pytest.raises(ModelFileError, match=words):
        load_model(path)


# --------------------------------------------------------------- .npy headers
NPY_CASES = {
    "empty": (b"", "no \\x93NUMPY magic"),
    "pickle-13-bytes": (b"\x80\x04\x95\x05\x00\x00\x00\x00\x00\x00\x00N.", "no \\x93NUMPY magic"),
    "magic-only": (b"\x93NUMPY", "no \\x93NUMPY magic"),
    "truncated-length": (b"\x93NUMPY\x01\x00\x50", "header ends early"),
    "header-past-end": (b"\x93NUMPY\x01\x00\xff\x00{'descr'", "header ends early"),
    "token-error": (b"\x93NUMPY\x01\x00\x36\x00{'descr': '<f4', 'fortran_order': False, 'shape': (1,\n",
                    "not a Python dict literal"),
    "syntax-error": (b"\x93NUMPY\x01\x00\x08\x00{{{{{{{\n", "not a Python dict literal"),
    "deep-nesting": (b"\x93NUMPY\x02\x00" + struct.pack("<I", 60001) + b"(" * 30000 + b")" * 30000 + b"\n",
                     "not a Python dict literal"),
    "long-header": (b"\x93NUMPY\x02\x00" + struct.pack("<I", 10**9), "more than the 65536 allowed"),
    "version-9": (b"\x93NUMPY\x09\x00" + bytes(20), "format version 9.0 is not supported"),
    "not-a-dict": (b"\x93NUMPY\x01\x00\x04\x00[1]\n", "must be a dict"),
    "negative-shape": (npy_header((-1,)), "not a tuple of at most 32 sizes"),
    "float-shape": (npy_header((1.5,)), "not a tuple of at most 32 sizes"),
    "fortran-string": (npy_header((1,), fortran="yes"), "fortran_order 'yes' is not True or False"),
    "1e11-rows": (npy_header((10**11, 3072)) + bytes(64), "holds 64 bytes of data"),
    "object": (npy_header((2,), "|O") + bytes(16), "(object) is not allowed"),
    "complex": (npy_header((2,), "<c16") + bytes(32), "(complex) is not allowed"),
    "truncated-data": (npy_header((4,), "<f8") + bytes(20), "holds 20 bytes of data"),
}


@pytest.mark.parametrize("case", sorted(NPY_CASES))
def test_bad_npy_files(tmp_path, case):
    payload, words = NPY_CASES[case]
    path = tmp_path / "x.npy"
    path.write_bytes(payload)
    with pytest.raises(ArrayFileError) as info:
        read_npy(path)
    assert words in str(info.value), str(info.value)


@pytest.mark.parametrize("order", ["C", "F"])
@pytest.mark.parametrize("dtype", ["<f4", ">f8", "<i2", "|u1"])
def test_npy_files_numpy_writes_load_bit_for_bit(tmp_path, order, dtype):
    X = np.asarray(np.random.default_rng(0).normal(size=(5, 7)) * 50, order=order).astype(dtype, order=order)
    np.save(tmp_path / "x.npy", X)
    back = read_npy(tmp_path / "x.npy")
    assert back.dtype == X.dtype and back.shape == X.shape and back.tobytes("A") == X.tobytes("A")
    assert back.flags.writeable


def test_npz_reader_reads_what_savez_wrote(tmp_path):
    arrays = {"a": np.arange(6, dtype=np.int64).reshape(2, 3), "b/c": np.ones((0, 4), np.float32)}
    np.savez(tmp_path / "x.npz", **arrays)
    with NpzReader(tmp_path / "x.npz") as npz:
        assert {k: h.shape for k, h in npz.headers.items()} == {"a": (2, 3), "b/c": (0, 4)}
        for name, value in arrays.items():
            np.testing.assert_array_equal(npz.read(name), value)
            assert npz.read(name).dtype == value.dtype


def test_zip_flags_and_methods_give_the_documented_error(tmp_path):
    arrays, meta = model_arrays()
    path = tmp_path / "m.npz"
    write_model(path, arrays, meta)
    raw = bytearray(path.read_bytes())
    for at in (i for i in range(len(raw)) if raw[i:i + 4] in (b"PK\x03\x04", b"PK\x01\x02")):
        offset = 8 if raw[at:at + 4] == b"PK\x03\x04" else 10
        struct.pack_into("<H", raw, at + offset, 99)  # compression method 99 (AES): NotImplementedError in zipfile
    path.write_bytes(bytes(raw))
    with pytest.raises(ModelFileError, match="not a readable ranvier model file"):
        load_model(path)


# --------------------------------------------------------------- predict's inputs
def png_claiming(width: int, height: int) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\x00" * 64)) + chunk(b"IEND", b"")


@pytest.fixture(scope="module")
def image_model(tmp_path_factory):
    path = tmp_path_factory.mktemp("model") / "m.npz"
    save_model(path, MLP((48, 3), seed=0), image_shape=(4, 4, 3), pixel_max=255.0)
    return path


@pytest.mark.parametrize(("name", "payload", "words"), [
    ("x.npy", b"", "not a readable .npy file of numbers (not an .npy array"),
    ("x.npy", b"\x80\x04\x95\x05\x00\x00\x00\x00\x00\x00\x00N.", "not a readable .npy file of numbers"),
    ("x.npy", npy_header((10**11, 48)) + bytes(48), "holds 48 bytes of data"),
    ("x.npy", npy_header((1, 48), "<f8") + np.full(48, np.nan).tobytes(), "contain NaN or infinity"),
    ("x.npy", npy_header((2, 5)) + bytes(40), "expected rows of 48 values or images of shape (4, 4, 3)"),
    ("big.png", png_claiming(20000, 20000), "too large to decode safely"),
    ("mid.png", png_claiming(10000, 10000), "too large to decode safely"),
    ("bad.png", png_claiming(4, 4)[:40], "not a readable image"),
    ("zero.png", png_claiming(0, 0), "not a readable image"),
    ("text.png", b"hello", "not a readable image"),
])
def test_predict_bad_inputs_are_one_line_and_exit_2(tmp_path, capsys, image_model, name, payload, words):
    (tmp_path / name).write_bytes(payload)
    assert main(["predict", str(image_model), str(tmp_path / name)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("ranvier: error: ") and words in err[0], err
    assert str(tmp_path / name) in err[0]


def test_predict_reads_good_inputs(tmp_path, capsys, image_model):
    from PIL import Image

    X = np.random.default_rng(0).integers(0, 256, (2, 4, 4, 3)).astype(np.uint8)
    np.save(tmp_path / "x.npy", X.astype(np.float32))
    Image.fromarray(X[0]).save(tmp_path / "a.png")
    assert main(["predict", str(image_model), str(tmp_path / "x.npy")]) == 0
    assert main(["predict", str(image_model), str(tmp_path / "a.png")]) == 0
    out = capsys.readouterr().out.splitlines()
    assert [line.split(":")[0] for line in out] == [f"{tmp_path / 'x.npy'}[0]", f"{tmp_path / 'x.npy'}[1]",
                                                     str(tmp_path / "a.png")]
    assert out[0].split(":")[1] == out[2].split(":")[1]  # the same image, the same prediction


@pytest.mark.parametrize("command", ["info", "predict", "evaluate"])
def test_the_cli_refuses_a_huge_layer_in_one_line(tmp_path, capsys, command):
    path = huge_layer_model(tmp_path)
    argv = [command, str(path)] + ([str(tmp_path / "x.npy")] if command == "predict" else [])
    np.save(tmp_path / "x.npy", np.zeros((1, 4), np.float32))
    assert main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith(f"ranvier: error: {path}: the parameters do not match"), err
