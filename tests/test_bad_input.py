"""Every bad input of the public API and the CLI, with the exact message it must produce.

Each case is (what is called, the exception type, the exact message). The
messages name the argument, say what was wrong and what to do.
"""

import numpy as np
import pytest

from ranvier import MLP, Trainer, gd, get_activation, get_loss, get_optimizer, load_dataset, softmax_cross_entropy
from ranvier.minimize import quadratic_bowl

X4 = np.zeros((10, 4))
Y3 = np.arange(10) % 3


def fit(X=X4, y=Y3, **kw):
    options = {"batch_size": 5, "verbose": 0, **kw}
    return Trainer(MLP((4, 3), seed=0), **options).fit(X, y)


API_CASES = [
    # --- data
    ("NaN in X", lambda: fit(X=np.full((10, 4), np.nan)), ValueError,
     "X contains NaN or infinity; clean or impute the data first"),
    ("inf in X", lambda: MLP((4, 3)).predict(np.full((2, 4), np.inf)), ValueError,
     "X contains NaN or infinity; clean or impute the data first"),
    ("X of one dimension", lambda: MLP((4, 3)).scores(np.zeros(4)), ValueError,
     "X must be a 2-D array of shape (m, 4), one row per example, got shape (4,); "
     "flatten images with X.reshape(len(X), -1)"),
    ("images not flattened", lambda: fit(X=np.zeros((10, 2, 2))), ValueError,
     "X must be a 2-D array of shape (m, 4), one row per example, got shape (10, 2, 2); "
     "flatten images with X.reshape(len(X), -1)"),
    ("X and y of different lengths", lambda: fit(y=Y3[:9]), ValueError,
     "X has 10 rows but y has 9 labels; pass one label per row"),
    ("empty data", lambda: fit(X=np.zeros((0, 4)), y=np.zeros(0, dtype=int)), ValueError,
     "X is empty; pass at least one example"),
    ("labels that are not integers", lambda: fit(y=Y3.astype(float)), TypeError,
     "y must hold integer class labels, got dtype float64 of shape (10,)"),
    ("labels out of range", lambda: fit(y=np.arange(10) % 5), ValueError,
     "y must hold class labels in [0, 3) for a model with 3 outputs, got values in [0, 4]"),
    ("negative labels", lambda: softmax_cross_entropy(np.zeros((2, 3)), np.array([0, -1])), ValueError,
     "y must hold class labels in [0, 3) for 3 classes, got values in [-1, 0]"),
    ("a single class", lambda: fit(y=np.ones(10, dtype=int)), ValueError,
     "y holds a single class (1); a classifier needs examples of at least two classes"),
    ("model of the wrong width", lambda: MLP((4, 3)).predict(np.zeros((2, 5))), ValueError,
     "X has 5 features per row but this model takes 4; pass data of the width the model was built for"),
    ("validation data of the wrong width",
     lambda: Trainer(MLP((4, 3)), batch_size=5, verbose=0).fit(X4, Y3, validation_data=(np.zeros((3, 5)), Y3[:3])),
     ValueError,
     "X_val has 5 features per row but this model takes 4; pass data of the width the model was built for"),
    ("text in X", lambda: MLP((1, 3)).scores(np.array([["a"]])), TypeError,
     "X must be a real numeric array, got dtype <U1"),
    # --- options
    ("non-positive learning rate", lambda: Trainer(MLP((4, 3)), "sgd", lr=0.0), ValueError, "lr must be > 0, got 0.0"),
    ("negative learning rate of gd", lambda: gd(quadratic_bowl, [1.0, 1.0], lr=-1), ValueError,
     "lr must be a finite number > 0, got -1.0"),
    ("non-positive batch size", lambda: Trainer(MLP((4, 3)), batch_size=0), ValueError, "batch_size must be >= 1, got 0"),
    ("batch larger than the data", lambda: fit(batch_size=50), ValueError,
     "batch_size=50 is larger than the 10 training examples; use a batch_size <= 10, "
     "or mode='batch' to take them all at once"),
    ("epochs not an integer", lambda: Trainer(MLP((4, 3)), epochs=2.5), TypeError, "epochs must be an integer, got float"),
    ("unknown activation", lambda: get_activation("rleu"), ValueError,
     "unknown activation 'rleu'; choose one of: identity, relu, leaky_relu, sigmoid, tanh, softplus, elu"),
    ("unknown loss", lambda: get_loss("hinge2"), ValueError, "unknown loss 'hinge2'; choose one of: softmax, svm, squared"),
    ("unknown optimiser", lambda: get_optimizer("adamm"), ValueError,
     "unknown optimizer 'adamm'; choose one of: sgd, momentum, nesterov, adagrad, rmsprop, adam, adamw"),
    ("unknown data set", lambda: load_dataset("digitz"), ValueError,
     "unknown data set 'digitz'; valid names are digits, mnist1d, cifar10, mnist, fashion-mnist, xor, circles, "
     "spirals, blobs"),
    ("softmax with one output", lambda: MLP((4, 1)), ValueError,
     "loss 'softmax' needs at least 2 outputs (one score per class), got 1; use loss='squared' for a single "
     "real-valued output"),
    ("negative L2 strength", lambda: MLP((4, 3), reg=-1), ValueError, "reg must be a finite number >= 0, got -1.0"),
]


@pytest.mark.parametrize(("what", "call", "error", "message"), API_CASES, ids=[c[0] for c in API_CASES])
def test_api_error_messages(what, call, error, message):
    with pytest.raises(error) as info:
        call()
    assert type(info.value) is error or issubclass(type(info.value), error)
    assert str(info.value) == message


CLI_CASES = [
    (["train", "--epocs", "3"], "unrecognized arguments: --epocs 3; did you mean --epochs? (see 'ranvier --help')"),
    (["train", "--lr", "-0.1"], "argument --lr: expected a number > 0, got '-0.1' (see 'ranvier train --help')"),
    (["train", "--batch-size", "0"], "argument --batch-size: expected a whole number >= 1, got '0' (see 'ranvier train --help')"),
    (["train", "--optimizer", "adamm"], "argument --optimizer: invalid choice: 'adamm' (choose from sgd, momentum, "
     "nesterov, adagrad, rmsprop, adam, adamw) (see 'ranvier train --help')"),
    (["train", "--data", "digitz"], "unknown data set 'digitz'; valid names are digits, mnist1d, cifar10, mnist, "
     "fashion-mnist, xor, circles, spirals, blobs"),
    (["train", "--activation", "rleu", "--epochs", "1"],
     "unknown activation 'rleu'; choose one of: identity, relu, leaky_relu, sigmoid, tanh, softplus, elu"),
    (["train", "--data", "xor", "--n-train", "20", "--batch-size", "64"],
     "batch_size=64 is larger than the 18 training examples; use a batch_size <= 18, or mode='batch' to take them "
     "all at once"),
    (["evaluate", "missing.npz"], "no model file at 'missing.npz'; train one with 'ranvier train --out DIR'"),
    (["predict", "missing.npz", "x.npy"], "no model file at 'missing.npz'; train one with 'ranvier train --out DIR'"),
]


@pytest.mark.parametrize(("argv", "message"), CLI_CASES, ids=[" ".join(c[0][:3]) for c in CLI_CASES])
def test_cli_error_lines(argv, message, capsys, tmp_path, monkeypatch):
    from ranvier.cli import main

    monkeypatch.chdir(tmp_path)
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert captured.err == f"ranvier: error: {message}\n"
    assert "Traceback" not in captured.out + captured.err


def test_cli_debug_shows_the_traceback(tmp_path, monkeypatch):
    from ranvier.cli import main

    monkeypatch.chdir(tmp_path)
    with pytest.raises(ValueError, match="unknown data set 'digitz'"):
        main(["--debug", "train", "--data", "digitz"])
