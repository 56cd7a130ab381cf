"""ONNX and PyTorch export: the exported network computes ranvier's scores."""

import numpy as np
import pytest

import ranvier as rv
from ranvier.export import state_dict, to_onnx, to_torch_state_dict, torch_module

ACTIVATIONS = ["relu", "tanh", "sigmoid", "identity", "softplus", "elu", "leaky_relu"]


@pytest.fixture(scope="module")
def digits():
    return rv.load_dataset("digits", preprocess="scale+center")


def trained(digits, activation="relu", loss="softmax", hidden=(32,), dtype=np.float32, tmp_path=None):
    net = rv.MLP((64, *hidden, 10), activation=activation, loss=loss, seed=0, dtype=dtype)
    rv.Trainer(net, "adam", lr=1e-2, epochs=2, batch_size=64, verbose=0).fit(digits.X_train, digits.y_train)
    return net


def raw_digits():
    from sklearn.datasets import load_digits

    return load_digits().data.astype(np.float32)


def run_onnx(path, X):
    ort = pytest.importorskip("onnxruntime", reason="pip install 'ranvier[export]' (onnx, onnxruntime)")
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    return dict(zip([o.name for o in session.get_outputs()], session.run(None, {"x": X})))


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_onnx_scores_equal_ranvier_with_preprocessing(digits, tmp_path, activation):
    pytest.importorskip("onnx", reason="pip install 'ranvier[export]'")
    net = trained(digits, activation, hidden=(32, 16))
    rv.save_model(tmp_path / "m.npz", net, preprocessing=digits.preprocessor(), class_names=digits.class_names)
    saved = rv.load_model(tmp_path / "m.npz")
    to_onnx(saved, tmp_path / "m.onnx")
    X = raw_digits()
    out = run_onnx(tmp_path / "m.onnx", X)
    want = net.scores(saved.prepare(X))
    np.testing.assert_allclose(out["scores"], want, rtol=2e-5, atol=2e-5 * np.abs(want).max())
    np.testing.assert_allclose(out["probabilities"], rv.softmax(want), atol=1e-5)
    assert (out["scores"].argmax(axis=1) == want.argmax(axis=1)).mean() > 0.999


def test_onnx_without_preprocessing_and_other_losses(digits, tmp_path):
    pytest.importorskip("onnx", reason="pip install 'ranvier[export]'")
    net = trained(digits, loss="svm", hidden=())
    to_onnx(net, tmp_path / "svm.onnx")
    out = run_onnx(tmp_path / "svm.onnx", digits.X_test)
    assert set(out) == {"scores"}  # no probabilities for hinge scores
    np.testing.assert_allclose(out["scores"], net.scores(digits.X_test), rtol=2e-5, atol=1e-5)


def test_onnx_keeps_a_custom_leaky_slope(tmp_path):
    pytest.importorskip("onnx", reason="pip install 'ranvier[export]'")
    net = rv.MLP((3, 5, 2), activation=rv.get_activation("leaky_relu", negative_slope=0.3), seed=1)
    to_onnx(net, tmp_path / "l.onnx")
    X = np.random.default_rng(0).normal(size=(20, 3)).astype(np.float32) * 5
    np.testing.assert_allclose(run_onnx(tmp_path / "l.onnx", X)["scores"], net.scores(X), rtol=1e-5, atol=1e-6)


def test_onnx_refuses_what_is_not_a_model(tmp_path):
    with pytest.raises(TypeError, match="expected a ranvier model or a SavedModel"):
        to_onnx({"W1": np.zeros((2, 2))}, tmp_path / "x.onnx")
    with pytest.raises(FileNotFoundError, match="does not exist; create it first"):
        to_onnx(rv.MLP((2, 2)), tmp_path / "missing" / "x.onnx")


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_torch_module_computes_the_same_scores(activation):
    pytest.importorskip("torch", reason="differential test; pip install torch==2.13.0")
    net = rv.MLP((6, 7, 5, 3), activation=activation, seed=2, dtype=np.float64)
    X = np.random.default_rng(3).normal(size=(11, 6))
    import torch

    with torch.no_grad():
        got = torch_module(net)(torch.from_numpy(X)).numpy()
    np.testing.assert_allclose(got, net.scores(X), rtol=1e-13, atol=1e-13)


def test_state_dict_file_loads_into_torch(tmp_path):
    torch = pytest.importorskip("torch", reason="differential test; pip install torch==2.13.0")
    net = rv.MLP((4, 8, 3), seed=0)
    to_torch_state_dict(net, tmp_path / "sd.pt")
    loaded = torch.load(tmp_path / "sd.pt", weights_only=True)
    assert list(loaded) == ["0.weight", "0.bias", "2.weight", "2.bias"]
    np.testing.assert_array_equal(loaded["0.weight"].numpy(), net.params["W1"])
    np.testing.assert_array_equal(loaded["2.bias"].numpy(), net.params["b2"])
    module = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.ReLU(), torch.nn.Linear(8, 3))
    module.load_state_dict(loaded)
    X = np.random.default_rng(0).normal(size=(5, 4)).astype(np.float32)
    with torch.no_grad():
        np.testing.assert_allclose(module(torch.from_numpy(X)).numpy(), net.scores(X), rtol=1e-5, atol=1e-6)
    assert set(state_dict(net)) == set(loaded)
