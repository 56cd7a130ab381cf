"""load_dataset: registry, splits, preprocessing fitted on the training split only."""

from __future__ import annotations

import json

import numpy as np
import pytest

import ranvier.datasets as rd
from ranvier.datasets import DATASETS, Dataset, default_preprocess, load_dataset


def _check_arrays(data: Dataset) -> None:
    for X, y in ((data.X_train, data.y_train), (data.X_val, data.y_val), (data.X_test, data.y_test)):
        if X is None:
            continue
        assert X.dtype == np.float32 and X.ndim == 2 and X.flags.c_contiguous
        assert y.dtype == np.int64 and y.shape == (X.shape[0],)


def test_registry_names():
    assert set(DATASETS) == {"digits", "mnist1d", "cifar10", "mnist", "fashion-mnist", "xor", "circles", "spirals",
                             "blobs"}
    assert default_preprocess("cifar10") == "scale+center"
    assert default_preprocess("mnist") == default_preprocess("digits") == "scale"
    assert default_preprocess("xor") == default_preprocess("mnist1d") == "none"


def test_unknown_name_lists_the_valid_ones():
    with pytest.raises(ValueError, match="unknown data set 'imagenet'; valid names are digits, mnist1d, cifar10"):
        load_dataset("imagenet")


@pytest.mark.parametrize(("name", "layout"), [("cifar10", "cifar-10-batches-bin"), ("mnist", "train-images-idx3-ubyte"),
                                              ("fashion-mnist", "t10k-labels-idx1-ubyte")])
def test_file_sets_need_data_dir(name, layout):
    with pytest.raises(ValueError) as info:
        load_dataset(name)
    msg = str(info.value)
    assert "data_dir" in msg and "--data-dir" in msg and layout in msg


def test_cifar10_end_to_end(make_cifar):
    root, exp = make_cifar("binary", n_per_batch=20)
    data = load_dataset("cifar10", root, seed=0)
    _check_arrays(data)
    assert (data.X_train.shape, data.X_val.shape, data.X_test.shape) == ((90, 3072), (10, 3072), (20, 3072))
    assert np.bincount(data.y_val).tolist() == [1] * 10  # stratified
    assert data.image_shape == (32, 32, 3) and data.name == "cifar10" and data.n_classes == 10
    assert data.class_names[0] == "airplane"
    assert data.preprocessing == {"steps": ["scale", "center"], "pixel_max": 255.0, "n_features": 3072}
    # The test set is the official test batch, centred with the *training* mean.
    mean = data.preprocessing_arrays["mean"]
    expected_test = exp["X_test"].reshape(20, -1).astype(np.float32) / np.float32(255) - mean
    np.testing.assert_allclose(data.X_test, expected_test, atol=1e-6)
    np.testing.assert_array_equal(data.y_test, exp["y_test"])


def test_mean_is_fitted_on_the_training_split_only(make_cifar):
    root, exp = make_cifar("binary", n_per_batch=20)
    scaled = load_dataset("cifar10", root, preprocess="scale", seed=4)
    centred = load_dataset("cifar10", root, preprocess="scale+center", seed=4)
    mean = centred.preprocessing_arrays["mean"]
    np.testing.assert_allclose(mean, scaled.X_train.mean(axis=0, dtype=np.float64), atol=1e-6)
    pool_mean = exp["X_train"].reshape(100, -1).mean(axis=0) / 255
    assert np.abs(mean - pool_mean).max() > 1e-3  # the validation rows were left out
    np.testing.assert_allclose(centred.X_val, scaled.X_val - mean, atol=1e-6)
    np.testing.assert_allclose(centred.X_train.mean(axis=0), 0, atol=1e-6)


def test_rows_are_hwc_images_of_the_pool(make_cifar):
    root, exp = make_cifar("binary")
    data = load_dataset("cifar10", root, preprocess="scale", val_split=0)
    assert data.X_val is None and data.y_val is None
    img = data.X_train[17].reshape(data.image_shape)
    np.testing.assert_array_equal(img * 255, exp["X_train"][17].astype(np.float32))
    np.testing.assert_array_equal(data.y_train, exp["y_train"])


def test_seed_moves_the_validation_split_not_the_test_set(make_cifar):
    root, _ = make_cifar("binary")
    a = load_dataset("cifar10", root, seed=1, preprocess="none")
    b = load_dataset("cifar10", root, seed=1, preprocess="none")
    c = load_dataset("cifar10", root, seed=2, preprocess="none")
    np.testing.assert_array_equal(a.X_val, b.X_val)
    assert not np.array_equal(a.X_val, c.X_val)
    np.testing.assert_array_equal(a.X_test, c.X_test)


def test_val_split_count_and_n_train(make_cifar):
    root, _ = make_cifar("binary")
    data = load_dataset("cifar10", root, val_split=20, n_train=60)
    assert data.X_train.shape[0] == 40 and data.X_val.shape[0] == 20 and data.X_test.shape[0] == 20
    assert np.bincount(data.y_train).tolist() == [4] * 10
    with pytest.raises(ValueError, match="exceeds the 100 training examples"):
        load_dataset("cifar10", root, n_train=101)
    with pytest.raises(ValueError, match="n_samples applies to the generated sets"):
        load_dataset("cifar10", root, n_samples=10)


def test_dataset_preprocessor_reapplies_to_new_inputs(make_cifar):
    root, exp = make_cifar("binary")
    data = load_dataset("cifar10", root, preprocess="scale+standardize")
    spec = json.loads(json.dumps(data.preprocessing))
    prep = rd.Preprocessor.from_dict(spec, data.preprocessing_arrays)
    raw_test = exp["X_test"].reshape(20, -1)
    np.testing.assert_allclose(prep.transform(raw_test), data.X_test, atol=1e-5)
    np.testing.assert_allclose(data.preprocessor().transform(raw_test), data.X_test, atol=1e-5)


@pytest.mark.parametrize("name", ["mnist", "fashion-mnist", "Fashion_MNIST"])
def test_mnist_family(make_mnist, name):
    folder, exp = make_mnist(gz=True, n_train=40, n_test=10)
    data = load_dataset(name, folder, val_split=0.25)
    _check_arrays(data)
    assert (data.X_train.shape, data.X_val.shape, data.X_test.shape) == ((30, 784), (10, 784), (10, 784))
    assert data.image_shape == (28, 28) and data.preprocessing["steps"] == ["scale"]
    np.testing.assert_array_equal(data.X_test * 255, exp["X_test"].reshape(10, -1).astype(np.float32))
    expected_first = "0" if name == "mnist" else "T-shirt/top"
    assert data.class_names[0] == expected_first


def test_digits_default_scales_by_16():
    data = load_dataset("digits")
    _check_arrays(data)
    assert data.X_test.shape == (360, 64) and data.X_train.shape[0] + data.X_val.shape[0] == 1437
    assert data.X_train.max() == 1.0 and data.X_train.min() == 0.0
    assert data.image_shape == (8, 8)
    other = load_dataset("digits", seed=7)
    np.testing.assert_array_equal(other.X_test, data.X_test)


@pytest.mark.parametrize(("name", "n_classes"), [("xor", 2), ("circles", 2), ("spirals", 3), ("blobs", 3)])
def test_toy_sets(name, n_classes):
    data = load_dataset(name, n_samples=200)
    _check_arrays(data)
    assert data.n_features == 2 and data.n_classes == n_classes and data.image_shape is None
    assert data.X_test.shape[0] == 40 and data.X_train.shape[0] + data.X_val.shape[0] == 160
    assert data.preprocessing == {"steps": [], "pixel_max": None, "n_features": 2}
    again = load_dataset(name, n_samples=200, seed=9)
    np.testing.assert_array_equal(again.X_test, data.X_test)
    with pytest.raises(ValueError, match="not image data"):
        load_dataset(name, preprocess="scale")


def test_toy_standardize():
    data = load_dataset("blobs", preprocess="standardize")
    np.testing.assert_allclose(data.X_train.mean(axis=0), 0, atol=1e-5)
    np.testing.assert_allclose(data.X_train.std(axis=0), 1, rtol=1e-4)


def test_mnist1d_uses_the_published_test_split():
    mnist1d = pytest.importorskip("ranvier.datasets.mnist1d")
    data = load_dataset("mnist1d")
    _check_arrays(data)
    (_, _), (X_test, y_test) = mnist1d.load_mnist1d()
    assert data.X_test.shape == (1000, 40) and data.X_train.shape[0] + data.X_val.shape[0] == 4000
    np.testing.assert_array_equal(data.X_test, X_test)
    np.testing.assert_array_equal(data.y_test, y_test)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"preprocess": "whiten"}, ValueError, "unknown preprocessing step"),
        ({"val_split": 1.5}, ValueError, "val_split"),
        ({"seed": 1.5}, TypeError, "seed must be an integer"),
        ({"n_train": 0}, ValueError, "n_train must be a positive integer"),
    ],
)
def test_option_errors(kwargs, error, match):
    with pytest.raises(error, match=match):
        load_dataset("digits", **kwargs)


def test_generators_are_re_exported_lazily():
    toy = pytest.importorskip("ranvier.datasets.toy")
    assert rd.make_xor is toy.make_xor
    with pytest.raises(AttributeError, match="no attribute 'make_nothing'"):
        rd.make_nothing  # noqa: B018


@pytest.mark.parametrize("version", ["binary", "python"])
@pytest.mark.parametrize(("val_split", "n_train"), [(0.1, None), (0, None), (23, 70)])
def test_file_by_file_loading_equals_loading_the_whole_set(make_cifar, monkeypatch, version, val_split, n_train):
    """CIFAR-10 is converted one batch file at a time; the result is that of converting the whole pool."""
    root, _ = make_cifar(version, n_per_batch=30)
    by_file = load_dataset("cifar10", root, val_split=val_split, n_train=n_train, seed=3)
    whole = dict(rd._REGISTRY)
    whole["cifar10"] = rd._REGISTRY["cifar10"].__class__(**{**vars(rd._REGISTRY["cifar10"]), "files": None})
    monkeypatch.setattr(rd, "_REGISTRY", whole)
    at_once = load_dataset("cifar10", root, val_split=val_split, n_train=n_train, seed=3)
    for split in ("X_train", "y_train", "X_val", "y_val", "X_test", "y_test"):
        a, b = getattr(by_file, split), getattr(at_once, split)
        if val_split == 0 and split in ("X_val", "y_val"):
            assert a is None and b is None
            continue
        assert a.dtype == b.dtype and a.flags.c_contiguous
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(by_file.preprocessing_arrays["mean"], at_once.preprocessing_arrays["mean"])


def test_a_batch_file_that_changes_between_the_two_reads_is_refused(make_cifar):
    from ranvier.datasets import DataFormatError
    from ranvier.datasets.cifar10 import cifar10_files

    root, _ = make_cifar("binary", n_per_batch=20)
    train, _, _ = cifar10_files(root)
    files = rd._Files(train, "cifar10 training")
    path = root / "cifar-10-batches-bin" / "data_batch_3.bin"
    path.write_bytes(path.read_bytes()[: 3073 * 19])  # one record shorter than when the labels were read
    with pytest.raises(DataFormatError, match="a cifar10 training file changed while it was being read"):
        files.rows_float32([np.arange(100)])


def test_file_index_sets_must_be_disjoint(make_cifar):
    from ranvier.datasets.cifar10 import cifar10_files

    root, _ = make_cifar("binary", n_per_batch=20)
    train, _, _ = cifar10_files(root)
    files = rd._Files(train, "cifar10 training")
    with pytest.raises(ValueError, match="the index sets must be disjoint"):
        files.rows_float32([np.array([3, 3, 5]), np.array([7])])
    with pytest.raises(ValueError, match="the index sets must be disjoint"):
        files.rows_float32([np.array([3, 5]), np.array([5])])
