"""The CLI with layer stacks: --dropout, --batch-norm, --layers, info's summary; gradcheck's --layers stays sizes."""

import pytest

from ranvier import MLP, Sequential
from ranvier.cli import main
from ranvier.io import load_model


def test_train_with_dropout_and_batch_norm(tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["train", "--data", "blobs", "--hidden", "16", "--dropout", "0.2", "--batch-norm", "--epochs", "2",
                 "--quiet", "--out", str(out)]) == 0
    net = load_model(out / "model.npz").model
    assert isinstance(net, MLP) and net.batch_norm and net.dropout == (0.2,)
    assert main(["info", str(out / "model.npz")]) == 0
    text = capsys.readouterr().out
    n, c = net.n_features, net.n_outputs
    total = n * 16 + 16 + 2 * 16 + 16 * c + c
    assert "BatchNorm(16" in text and "Dropout(p=0.2)" in text and f"= {total} parameters" in text


def test_train_a_whole_stack(tmp_path, capsys):
    out = tmp_path / "stack"
    assert main(["train", "--data", "blobs", "--layers", "linear:12,batchnorm,relu,dropout:0.3,linear:3",
                 "--epochs", "2", "--quiet", "--out", str(out)]) == 0
    net = load_model(out / "model.npz").model
    assert type(net) is Sequential and [repr(layer).split("(")[0] for layer in net.layers] == [
        "Linear", "BatchNorm", "ReLU", "Dropout", "Linear"]
    assert main(["evaluate", str(out / "model.npz")]) == 0


@pytest.mark.parametrize("argv, message", [
    (["--layers", "linear:12,relu,linear:5"], "ends with 5 outputs, but the data have 3 classes"),
    (["--layers", "linear:abc,linear:3"], "linear:N needs a whole number"),
    (["--layers", "linear:12,swish,linear:3"], "unknown activation 'swish'"),
    (["--layers", "linear:3", "--dropout", "0.1"], "put dropout:P and batchnorm in it"),
    (["--dropout", "1.5"], "expected a fraction in"),
    (["--model", "linear", "--batch-norm"], "a linear model has none"),
    (["--layers", "linear:3", "--hidden", "50"], "--layers gives the whole network; drop --hidden"),
])
def test_bad_stacks_are_one_line_and_exit_2(argv, message, capsys):
    assert main(["train", "--data", "blobs", "--epochs", "1", "--quiet", *argv]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_gradcheck_layers_still_means_sizes(capsys):
    assert main(["gradcheck", "--layers", "4,5,3"]) == 0
    assert "W1" in capsys.readouterr().out
