"""Data of one's own: tables, arrays and image folders (ranvier.datasets.files and .own)."""

import numpy as np
import pytest
from PIL import Image

import ranvier as rv
from ranvier.datasets import DataFormatError, load_dataset
from ranvier.datasets.files import encode_labels, read_arrays, read_image_folder, read_own_data, read_table


def write(path, text):
    path.write_text(text, encoding="utf-8")
    return path


def table(tmp_path, rows=60, name="t.csv", sep=","):
    lines = [sep.join(["height", "weight", "species"])]
    for i in range(rows):
        lines.append(sep.join([f"{i * 0.5}", f"{(i * 7) % 11}", ["setosa", "virginica", "versicolor"][i % 3]]))
    return write(tmp_path / name, "\n".join(lines) + "\n")


def test_csv_string_labels_become_sorted_class_names(tmp_path):
    data = read_table(table(tmp_path))
    assert data.class_names == ["setosa", "versicolor", "virginica"]
    assert data.feature_names == ["height", "weight"]
    assert data.X.shape == (60, 2) and data.X.dtype == np.float64
    np.testing.assert_array_equal(data.X[:3], [[0.0, 0.0], [0.5, 7.0], [1.0, 3.0]])
    np.testing.assert_array_equal(data.y[:3], [0, 2, 1])


def test_tsv_is_read_with_tabs(tmp_path):
    data = read_table(table(tmp_path, name="t.tsv", sep="\t"))
    assert data.X.shape == (60, 2) and data.class_names == ["setosa", "versicolor", "virginica"]


def test_integer_labels_are_ordered_as_numbers():
    y, names = encode_labels(["10", "2", "2", "-1", "10"], "here")
    assert names == ["-1", "2", "10"]
    np.testing.assert_array_equal(y, [2, 1, 1, 0, 2])


def test_target_column_by_name(tmp_path):
    path = write(tmp_path / "t.csv", "label,x1,x2\n1,0.5,2\n0,1.5,3\n1,2.5,4\n")
    data = read_table(path, target="label")
    assert data.feature_names == ["x1", "x2"] and data.class_names == ["0", "1"]
    np.testing.assert_array_equal(data.X, [[0.5, 2], [1.5, 3], [2.5, 4]])
    np.testing.assert_array_equal(data.y, [1, 0, 1])


@pytest.mark.parametrize("text, target, message", [
    ("a,b,c\n1,2,x\n", "d", "t.csv: no column 'd'; the columns are 'a', 'b', 'c'"),
    ("a,b,c\n1,2,x\n3,oops,y\n", None, "t.csv: column 'b', row 3: 'oops' is not a number"),
    ("a,b,c\n1,2,x\n3,4\n", None, "t.csv: row 3 has 2 values but the header names 3 columns"),
    ("a,b,c\n", None, "t.csv needs a header row and at least one row of data"),
    ("", None, "t.csv needs a header row and at least one row of data"),
    ("a,a,c\n1,2,x\n", None, "the header row must name every column once"),
    ("a,b,c\n1,nan,x\n", None, "t.csv: column 'b', row 2: 'nan' is not finite"),
    ("a,b,c\n1,2,\n", None, "the label of example 1 is empty"),
    ("c\nx\n", None, "needs a label column and at least one feature column"),
])
def test_bad_tables_get_one_clear_message(tmp_path, text, target, message):
    path = write(tmp_path / "t.csv", text)
    with pytest.raises(DataFormatError) as err:
        read_table(path, target=target)
    assert message in str(err.value)


def test_table_that_is_not_utf8(tmp_path):
    path = tmp_path / "t.csv"
    path.write_bytes(b"a,b\n\xff\xfe,1\n")
    with pytest.raises(DataFormatError, match="t.csv is not UTF-8 text"):
        read_table(path)


def test_npz_with_and_without_test_split(tmp_path):
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(30, 4)), np.arange(30) % 3
    np.savez(tmp_path / "a.npz", X=X, y=y)
    data = read_arrays(tmp_path / "a.npz")
    np.testing.assert_array_equal(data.X, X)
    assert data.X_test is None and data.class_names == ["0", "1", "2"]
    Xt, yt = rng.normal(size=(6, 4)), np.array([0, 1, 2, 0, 1, 2])
    np.savez(tmp_path / "b.npz", X=X, y=y, X_test=Xt, y_test=yt, class_names=np.array(["a", "b", "c"]))
    data = read_arrays(tmp_path / "b.npz")
    np.testing.assert_array_equal(data.X_test, Xt)
    np.testing.assert_array_equal(data.y_test, yt)
    assert data.class_names == ["a", "b", "c"]


def test_npz_test_labels_share_the_training_encoding(tmp_path):
    X = np.zeros((4, 2))
    np.savez(tmp_path / "s.npz", X=X, y=np.array(["b", "c", "b", "c"]), X_test=X[:2], y_test=np.array(["a", "c"]))
    data = read_arrays(tmp_path / "s.npz")
    assert data.class_names == ["a", "b", "c"]
    np.testing.assert_array_equal(data.y, [1, 2, 1, 2])
    np.testing.assert_array_equal(data.y_test, [0, 2])


@pytest.mark.parametrize("arrays, message", [
    ({"X": np.zeros((3, 2))}, "must hold arrays 'X' and 'y' (it holds X)"),
    ({"X": np.zeros((3, 2)), "y": np.zeros(4, int)}, "one value per example (3), got shape (4,)"),
    ({"X": np.zeros((3, 2)), "y": np.zeros(3, int), "X_test": np.zeros((1, 2))}, "'X_test' and 'y_test' go together"),
    ({"X": np.array([[1.0, np.nan]]), "y": np.zeros(1, int)}, "hold NaN or infinity"),
    ({"X": np.zeros((2, 2), dtype=complex), "y": np.zeros(2, int)}, "dtype '<c16' (complex) is not allowed"),
    ({"X": np.zeros((2, 2)), "y": np.array([0.5, 1.0])}, "the labels are not whole numbers"),
    ({"X": np.zeros((2, 2)), "y": np.array([0, 1]), "X_test": np.zeros((1, 3)), "y_test": np.array([0])},
     "'X_test' (1, 3) must have the shape of 'X'"),
    ({"X": np.zeros((2, 2)), "y": np.array(["a", "b"]), "class_names": np.array(["x", "y"])},
     "'y' must hold integers"),
])
def test_bad_npz_files(tmp_path, arrays, message):
    np.savez(tmp_path / "bad.npz", **arrays)
    with pytest.raises(DataFormatError) as err:
        read_arrays(tmp_path / "bad.npz")
    assert message in str(err.value) and "bad.npz" in str(err.value)


def test_npz_that_needs_pickle_is_refused(tmp_path):
    np.savez(tmp_path / "p.npz", X=np.zeros((2, 2)), y=np.array([{"a": 1}, None], dtype=object))
    with pytest.raises(DataFormatError, match=r"p.npz is not a .npz file of arrays: array 'y': dtype '\|O' \(object\)"):
        read_arrays(tmp_path / "p.npz")


def test_npy_inputs_with_labels(tmp_path):
    X = np.arange(24, dtype=np.uint8).reshape(4, 2, 3)
    np.save(tmp_path / "X.npy", X)
    np.save(tmp_path / "y.npy", np.array([3, 5, 3, 5]))
    data = read_own_data(tmp_path / "X.npy", labels=tmp_path / "y.npy")
    np.testing.assert_array_equal(data.X, X)
    assert data.image_shape == (2, 3) and data.class_names == ["3", "5"]
    with pytest.raises(ValueError, match="name the file of labels too"):
        read_own_data(tmp_path / "X.npy")
    with pytest.raises(FileNotFoundError, match="nope.npy"):
        read_own_data(tmp_path / "X.npy", labels=tmp_path / "nope.npy")


def test_unknown_suffix_and_misplaced_options(tmp_path):
    path = write(tmp_path / "data.json", "{}")
    with pytest.raises(ValueError, match="cannot tell how to read"):
        read_own_data(path)
    with pytest.raises(ValueError, match="target= names a column"):
        read_own_data(tmp_path / "data.json", target="x")
    with pytest.raises(FileNotFoundError, match="no such file or folder"):
        read_own_data(tmp_path / "missing.csv")


def image_folder(tmp_path, sizes=((6, 4), (6, 4), (8, 8)), mode="RGB"):
    rng = np.random.default_rng(0)
    root = tmp_path / "imgs"
    for k, cls in enumerate(["cat", "dog"]):
        (root / cls).mkdir(parents=True)
        for i, (h, w) in enumerate(sizes):
            shape = (h, w, 3) if mode == "RGB" else (h, w)
            Image.fromarray(rng.integers(0, 256, shape, dtype=np.uint8), mode).save(root / cls / f"{i}.png")
    (root / "cat" / "notes.txt").write_text("not an image")
    return root


def test_image_folder_resizes_to_the_most_common_size(tmp_path):
    root = image_folder(tmp_path)
    data = read_image_folder(root)
    assert data.X.shape == (6, 6, 4, 3) and data.X.dtype == np.uint8
    assert data.class_names == ["cat", "dog"] and data.image_shape == (6, 4, 3)
    np.testing.assert_array_equal(data.y, [0, 0, 0, 1, 1, 1])
    first = np.asarray(Image.open(root / "cat" / "0.png"))
    np.testing.assert_array_equal(data.X[0], first)  # same size: the pixels untouched


def test_image_folder_grey_and_declared_size(tmp_path):
    data = read_image_folder(image_folder(tmp_path, mode="L"))
    assert data.X.shape == (6, 6, 4)
    data = read_image_folder(image_folder(tmp_path / "b"), image_size=(5, 5), color="grey")
    assert data.X.shape == (6, 5, 5)


def test_empty_class_folder_is_named(tmp_path):
    root = image_folder(tmp_path)
    (root / "emu").mkdir()
    with pytest.raises(DataFormatError, match=r"imgs/emu \(class 'emu'\) holds no images"):
        read_image_folder(root)
    with pytest.raises(DataFormatError, match="holds no class folders"):
        read_image_folder(root / "emu")


def test_broken_image_names_the_file(tmp_path):
    root = image_folder(tmp_path)
    (root / "dog" / "9.png").write_bytes(b"\x89PNG\r\n\x1a\nnot really")
    with pytest.raises(DataFormatError, match="9.png is not an image file"):
        read_image_folder(root)


def test_load_dataset_from_a_table_splits_and_standardises(tmp_path):
    path = table(tmp_path)
    data = load_dataset(path, val_split=0.1, test_split=0.25, seed=3)
    assert (len(data.y_train), len(data.y_val), len(data.y_test)) == (40, 5, 15)  # ceil(0.25 * 60), then ceil(0.1 * 45)
    assert np.bincount(data.y_test).tolist() == [5, 5, 5]  # stratified
    assert data.feature_names == ["height", "weight"] and data.name == "t"
    assert data.preprocessing["steps"] == ["standardize"]
    np.testing.assert_allclose(data.X_train.mean(axis=0), 0, atol=1e-6)
    again = load_dataset(str(path), val_split=0.1, test_split=0.25, seed=3)
    np.testing.assert_array_equal(again.X_test, data.X_test)
    other = load_dataset(path, val_split=0.1, test_split=0.25, seed=4)
    assert not np.array_equal(other.X_test, data.X_test)  # the seed draws the test split too


def test_load_dataset_keeps_a_files_own_test_split(tmp_path):
    rng = np.random.default_rng(1)
    np.savez(tmp_path / "a.npz", X=rng.normal(size=(20, 3)), y=np.arange(20) % 2,
             X_test=rng.normal(size=(4, 3)), y_test=np.array([0, 1, 0, 1]))
    data = load_dataset(tmp_path / "a.npz", val_split=0)
    assert len(data.y_train) == 20 and len(data.y_test) == 4 and data.X_val is None
    with pytest.raises(ValueError, match="holds its own test split"):
        load_dataset(tmp_path / "a.npz", test_split=0.2)


def test_load_dataset_from_an_image_folder_scales(tmp_path):
    data = load_dataset(image_folder(tmp_path), val_split=0, test_split=2)
    assert data.preprocessing["steps"] == ["scale"] and data.pixel_max == 255.0
    assert data.image_shape == (6, 4, 3) and data.X_train.shape == (4, 72)
    assert data.X_train.max() <= 1.0


def test_own_options_refused_for_built_in_sets():
    with pytest.raises(ValueError, match="test_split apply to data of one's own"):
        load_dataset("xor", test_split=0.3)


def test_trains_on_own_table(tmp_path):
    data = load_dataset(table(tmp_path, rows=90), seed=0)
    net = rv.MLP((2, 16, 3), seed=0)
    rv.Trainer(net, rv.Adam(lr=0.05), epochs=30, batch_size=16, verbose=0, seed=0).fit(data.X_train, data.y_train)
    assert (net.predict(data.X_train) == data.y_train).mean() > 0.5


@pytest.mark.parametrize("seed", range(3))
def test_random_bytes_give_only_data_format_errors(tmp_path, seed):
    rng = np.random.default_rng(seed)
    base = table(tmp_path).read_bytes()
    for k in range(60):
        raw = bytearray(base)
        for _ in range(int(rng.integers(1, 8))):
            raw[int(rng.integers(len(raw)))] = int(rng.integers(256))
        path = tmp_path / f"m{k}.csv"
        path.write_bytes(bytes(raw))
        try:
            read_table(path)
        except DataFormatError:
            pass


def test_text_that_is_not_unicode_is_refused(tmp_path):
    names = np.array(["ab", "cd"])
    raw = names.view(np.uint32).copy()
    raw[0] = 0x110000  # past the last code point
    np.savez(tmp_path / "u.npz", X=np.zeros((2, 2)), y=np.array([0, 1]), class_names=raw.view(names.dtype))
    with pytest.raises(DataFormatError, match=r"u.npz \('class_names'\) holds text that is not valid unicode"):
        read_arrays(tmp_path / "u.npz")
