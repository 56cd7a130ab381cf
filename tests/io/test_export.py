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


def test_an_exported_file_gets_the_usual_permissions_and_no_temporary_stays(tmp_path):
    """Exports are written like model files: beside the destination, renamed, mode 0666 & ~umask."""
    pytest.importorskip("onnx", reason="pip install 'ranvier[export]'")
    import os
    import stat

    old = os.umask(0o022)
    try:
        to_onnx(rv.MLP((3, 4, 2), seed=0), tmp_path / "m.onnx")
        rv.save_model(tmp_path / "m.npz", rv.MLP((3, 4, 2), seed=0))
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "m.onnx").stat().st_mode) == 0o644
    assert stat.S_IMODE((tmp_path / "m.npz").stat().st_mode) == 0o644
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.npz", "m.onnx"]


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


STACKS = [
    "linear:48,batchnorm,relu,dropout:0.3,linear:10",
    "linear:40,layernorm,tanh,dropout:0.2,linear:24,batchnorm,elu,linear:10",
    "layernorm,linear:32,leaky_relu,batchnorm,linear:10",
    "linear:32,sigmoid,linear:16,softplus,layernorm,linear:10",
]


def trained_stack(digits, layers, dtype="float32"):
    from ranvier.nn import Sequential, parse_layers

    net = Sequential(parse_layers(layers, 64, dtype=dtype, seed=0), loss="softmax", reg=1e-4)
    rv.Trainer(net, "adam", lr=1e-2, epochs=2, batch_size=64, verbose=0).fit(digits.X_train, digits.y_train)
    return net


@pytest.mark.parametrize("layers", STACKS)
def test_onnx_of_a_layer_stack_equals_ranvier_on_digits(digits, tmp_path, layers):
    pytest.importorskip("onnx", reason="pip install 'ranvier[export]'")
    net = trained_stack(digits, layers)
    if "batchnorm" in layers:  # trained running statistics, far from the initial 0 and 1
        assert any(np.abs(v).max() > 0.05 for k, v in net.buffers.items() if k.startswith("running_mean"))
    rv.save_model(tmp_path / "m.npz", net, preprocessing=digits.preprocessor(), class_names=digits.class_names)
    saved = rv.load_model(tmp_path / "m.npz")
    to_onnx(saved, tmp_path / "m.onnx")
    X = raw_digits()  # every one of the 1797 raw images, preprocessing in the graph
    out = run_onnx(tmp_path / "m.onnx", X)
    want = saved.model.scores(saved.prepare(X))
    np.testing.assert_allclose(out["scores"], want, rtol=1e-5, atol=1e-5 * np.abs(want).max())
    np.testing.assert_allclose(out["probabilities"], rv.softmax(want), atol=1e-5)
    assert (out["scores"].argmax(axis=1) == want.argmax(axis=1)).mean() > 0.999


def test_onnx_of_a_stack_uses_the_onnx_norm_operators(digits, tmp_path):
    onnx = pytest.importorskip("onnx", reason="pip install 'ranvier[export]'")
    net = trained_stack(digits, STACKS[1])
    to_onnx(net, tmp_path / "m.onnx")
    ops = [n.op_type for n in onnx.load(str(tmp_path / "m.onnx")).graph.node]
    assert ops == ["Gemm", "LayerNormalization", "Tanh", "Gemm", "BatchNormalization", "Elu", "Gemm", "Identity",
                   "Softmax"]  # dropout is the identity: no node


@pytest.mark.parametrize("layers", STACKS)
def test_torch_module_of_a_stack_computes_the_same_scores(digits, layers):
    torch = pytest.importorskip("torch", reason="differential test; pip install torch==2.13.0")
    net = trained_stack(digits, layers, dtype="float64")
    module = torch_module(net)
    assert not module.training
    X = digits.X_test.astype(np.float64)
    with torch.no_grad():
        got = module(torch.from_numpy(X)).numpy()
    np.testing.assert_allclose(got, net.scores(X), rtol=1e-11, atol=1e-11)


def test_state_dict_keys_of_a_stack_follow_the_layer_indices(tmp_path):
    torch = pytest.importorskip("torch", reason="differential test; pip install torch==2.13.0")
    from ranvier.nn import Sequential, parse_layers

    net = Sequential(parse_layers("linear:6,batchnorm,relu,dropout:0.5,linear:5,layernorm,linear:3", 4, seed=0))
    net.buffers["running_mean1"][:] = np.arange(6)
    net.buffers["running_var1"][:] = 2.0
    net.eval()  # a new network is in training mode; the export computes what eval computes
    to_torch_state_dict(net, tmp_path / "sd.pt")
    loaded = torch.load(tmp_path / "sd.pt", weights_only=True)
    assert list(loaded) == ["0.weight", "0.bias", "1.weight", "1.bias", "1.running_mean", "1.running_var",
                            "1.num_batches_tracked", "4.weight", "4.bias", "5.weight", "5.bias", "6.weight", "6.bias"]
    np.testing.assert_array_equal(loaded["1.running_mean"].numpy(), np.arange(6))
    np.testing.assert_array_equal(loaded["1.weight"].numpy(), net.params["gamma1"])
    np.testing.assert_array_equal(loaded["5.bias"].numpy(), net.params["ln_beta2"])
    np.testing.assert_array_equal(loaded["6.weight"].numpy(), net.params["W3"])
    module = torch.nn.Sequential(torch.nn.Linear(4, 6), torch.nn.BatchNorm1d(6), torch.nn.ReLU(), torch.nn.Dropout(0.5),
                                 torch.nn.Linear(6, 5), torch.nn.LayerNorm(5), torch.nn.Linear(5, 3))
    module.load_state_dict(loaded)
    module.eval()
    X = np.random.default_rng(0).normal(size=(7, 4)).astype(np.float32)
    with torch.no_grad():
        np.testing.assert_allclose(module(torch.from_numpy(X)).numpy(), net.scores(X), rtol=1e-5, atol=1e-5)
