"""Every bad input of the public API and the CLI, with the exact message it must produce.

Each case is (what is called, the exception type, the exact message). The
messages name the argument, say what was wrong and what to do.
"""

import numpy as np
import pytest

from ranvier import MLP, Trainer, gd, get_activation, get_loss, get_optimizer, load_dataset, softmax_cross_entropy
from ranvier.descent.functions import quadratic_bowl

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
    (["train", "--epocs", "3"], "unrecognized arguments: --epocs 3; did you mean --epochs? (see 'ranvier train --help')"),
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


# ------------------------------------------------------------------ issue 13: the command line
GIB = 2**30
TOO_BIG = ("a 64-100000-100000-10 network (10,007,600,010 parameters, float32) needs 223.7 GiB to train "
           "(parameters 37.3 GiB, gradients 37.3 GiB, optimiser state 111.8 GiB, best parameters 37.3 GiB, "
           "activations (batch of 64) 97.7 MiB), but 8.0 GiB of memory is available; choose smaller hidden layers "
           "(--hidden) or a smaller --batch-size")

# (argv, exit status, the exact line after "ranvier: error: "); {tmp} is the test's folder, where
# setup_files() made its files; the memory available is taken to be 8 GiB
CLI_CASES_13 = [
    (["train", "--epoch", "3"], 2, "unrecognized arguments: --epoch 3; did you mean --epochs? (see 'ranvier train --help')"),
    (["train", "--hid", "5"], 2, "unrecognized arguments: --hid 5; did you mean --hidden? (see 'ranvier train --help')"),
    (["gradcheck", "--num", "3"], 2,  # 3 is taken as MODEL
     "unrecognized arguments: --num; did you mean --num-checks? (see 'ranvier gradcheck --help')"),
    (["plot", "history", "h.json", "--ou", "x.png"], 2,
     "unrecognized arguments: --ou x.png; did you mean --out? (see 'ranvier plot history --help')"),
    (["train", "--epochs", "\u0663"], 2, "argument --epochs: expected a whole number written with the ASCII digits 0-9, "
     "got '\u0663' (see 'ranvier train --help')"),
    (["train", "--lr", "\uff11"], 2, "argument --lr: expected a number written with the ASCII digits 0-9, "
     "got '\uff11' (see 'ranvier train --help')"),
    (["train", "--hidden", "\u0663,4"], 2, "argument --hidden: expected comma-separated integers written with the "
     "ASCII digits 0-9, got '\u0663,4' (see 'ranvier train --help')"),
    (["xor", "--seed", "-1"], 2, "argument --seed: expected a whole number >= 0, got '-1' (see 'ranvier xor --help')"),
    (["sweep", "--n-jobs", "\u0662"], 2, "argument --n-jobs: expected a whole number written with the ASCII digits "
     "0-9, got '\u0662' (see 'ranvier sweep --help')"),
    (["sweep", "--grid", "epochs=\u0663,4"], 2, "--grid 'epochs=\u0663,4': write the values with ASCII letters "
     "and the digits 0-9"),
    (["sweep", "--range", "lr=\u0661e-3:0.1:log", "--random", "2"], 2, "--range 'lr=\u0661e-3:0.1:log': write the "
     "values with ASCII letters and the digits 0-9"),
    (["plot", "templates", "m.npz", "--image-shape", "\u0662x2"], 2, "argument --image-shape: expected an image shape "
     "such as 28x28 or 32x32x3, got '\u0662x2' (see 'ranvier plot templates --help')"),
    # sizes: refused before anything is allocated
    (["train", "--hidden", "100000,100000", "--epochs", "1"], 2, TOO_BIG),
    (["train", "--config", "{tmp}/big.toml"], 2, TOO_BIG),
    (["gradcheck", "--layers", "100000,100000,10"], 2,
     "a 100000-100000-10 network has 10,001,100,010 parameters and needs 372.5 GiB to build, but 8.0 GiB of "
     "memory is available; choose smaller layer sizes"),
    # --config: only a bounded regular file, not nested deep
    (["train", "--config", "{tmp}/fifo.toml"], 2, "--config: '{tmp}/fifo.toml' is not a regular file (a pipe or a "
     "device); save the text to a file and give its name"),
    (["train", "--config", "/dev/zero"], 2, "--config: '/dev/zero' is not a regular file (a pipe or a device); save "
     "the text to a file and give its name"),
    (["train", "--config", "{tmp}"], 2, "--config: '{tmp}' is a folder; give a file"),
    (["train", "--config", "{tmp}/missing.toml"], 2, "--config: no such file '{tmp}/missing.toml'"),
    (["train", "--config", "{tmp}/huge.toml"], 2, "--config: '{tmp}/huge.toml' has 4,194,305 bytes, more than the "
     "4,194,304 a file of settings may have"),
    (["train", "--config", "{tmp}/deep.toml"], 2, "--config: {tmp}/deep.toml nests arrays or tables deeper than 64 "
     "levels; settings are a flat list of names and values"),
    (["train", "--config", "{tmp}/deep65.toml"], 2, "--config: {tmp}/deep65.toml nests arrays or tables deeper than "
     "64 levels; settings are a flat list of names and values"),
    (["train", "--config", "{tmp}/latin1.toml"], 2, "--config: {tmp}/latin1.toml is not UTF-8 text (byte 11); "
     "save it as UTF-8"),
    (["train", "--config", "{tmp}/" + "x" * 300 + ".toml"], 2, "--config: cannot read '{tmp}/" + "x" * 300
     + ".toml': File name too long"),
    (["train", "--config", "{tmp}/scalar.toml"], 2, "--config: {tmp}/scalar.toml: 'train' must be a table of options "
     "([train]), got int"),
]


def setup_files(tmp):
    import os

    (tmp / "big.toml").write_text("[train]\nhidden = [100000, 100000]\nepochs = 1\n")
    os.mkfifo(tmp / "fifo.toml")
    (tmp / "huge.toml").write_bytes(b"#" * (4 * 2**20 + 1))
    (tmp / "deep.toml").write_text("hidden = " + "[" * 5000 + "]" * 5000 + "\n")
    (tmp / "deep64.toml").write_text("x = " + "[" * 64 + "]" * 64 + "\n")
    (tmp / "deep65.toml").write_text("x = " + "[" * 65 + "]" * 65 + "\n")
    (tmp / "latin1.toml").write_bytes(b'data = "caf\xe9"\n')
    (tmp / "scalar.toml").write_text("train = 3\n")


@pytest.fixture
def eight_gib(monkeypatch):
    from ranvier import _validation

    monkeypatch.setattr(_validation, "available_memory", lambda: 8 * GIB)


@pytest.mark.parametrize(("argv", "status", "message"), CLI_CASES_13, ids=[" ".join(c[0][:3]) for c in CLI_CASES_13])
def test_cli_error_lines_of_issue_13(argv, status, message, capsys, tmp_path, monkeypatch, eight_gib):
    from ranvier.cli import main

    setup_files(tmp_path)
    monkeypatch.chdir(tmp_path)
    tmp = str(tmp_path)
    assert main([a.format(tmp=tmp) for a in argv]) == status
    captured = capsys.readouterr()
    assert captured.err == f"ranvier: error: {message.format(tmp=tmp)}\n"
    assert captured.out == ""


def test_a_config_nested_64_deep_is_read(tmp_path, capsys):
    from ranvier.cli import main

    setup_files(tmp_path)
    assert main(["train", "--config", str(tmp_path / "deep64.toml")]) == 2
    assert capsys.readouterr().err.startswith("ranvier: error: unknown option 'x'; valid options are: data, ")


def test_a_refused_network_allocates_nothing_large(tmp_path, monkeypatch, capsys):
    import tracemalloc

    from ranvier.cli import main

    monkeypatch.chdir(tmp_path)
    argv = ["train", "--hidden", "100000,100000", "--epochs", "1", "--out", "run"]
    assert main(argv) == 2  # once, so that imports and the data set's cache are not counted
    tracemalloc.start()
    try:
        assert main(argv) == 2
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert "needs 223.7 GiB to train" in capsys.readouterr().err
    assert peak < 20 * 2**20, f"peak {peak / 2**20:.1f} MiB"
    assert not (tmp_path / "run").exists()


def test_mlp_refuses_a_network_too_large_before_allocating(eight_gib):
    from ranvier._validation import TooLargeError

    with pytest.raises(TooLargeError) as info:
        MLP((3072, 10**6, 10**5, 10))
    assert str(info.value) == ("a 3072-1000000-100000-10 network has 103,074,100,010 parameters and needs 2.6 TiB "
                               "to build, but 8.0 GiB of memory is available; choose smaller layer sizes")
    assert isinstance(info.value, MemoryError) and isinstance(info.value, ValueError)


def test_debug_after_the_command_shows_the_traceback(tmp_path, monkeypatch):
    from ranvier.cli import UsageError, main

    monkeypatch.chdir(tmp_path)
    with pytest.raises(ValueError, match="unknown data set 'digitz'"):
        main(["train", "--data", "digitz", "--debug"])
    with pytest.raises(UsageError, match="unknown activation 'rleu'"):
        main(["gradcheck", "--activation", "rleu", "--debug"])


def test_debug_after_the_command_is_off_by_default(capsys):
    from ranvier.cli import build_parser

    assert build_parser().parse_args(["xor"]).debug is False
    assert build_parser().parse_args(["--debug", "xor"]).debug is True
    assert build_parser().parse_args(["plot", "activations", "--debug"]).debug is True


def _decompression_bomb():
    from PIL import Image

    return Image.DecompressionBombError("Image size (400000000 pixels) exceeds limit of 178956970 pixels")


_BUG = "this is a bug in ranvier: rerun with --debug to see the traceback, and please report it"
_UNREADABLE = "(the input could not be read)"

# (the error a command raises, exit status, the line after "ranvier: error: ")
RAISED = [
    (lambda: MemoryError("Unable to allocate 4.66 GiB for an array with shape (25000, 25000) and data type float64"),
     2, "not enough memory (Unable to allocate 4.66 GiB for an array with shape (25000, 25000) and data type "
     "float64); ask for less (smaller --hidden, --batch-size or --n-train, smaller inputs) or free some memory"),
    (lambda: RecursionError("maximum recursion depth exceeded"), 2,
     "the input is nested too deeply to read (maximum recursion depth exceeded)"),
    (lambda: __import__("tokenize").TokenError("EOF in multi-line statement", (2, 0)), 2,
     f"TokenError: ('EOF in multi-line statement', (2, 0)) {_UNREADABLE}"),
    (lambda: SyntaxError("invalid syntax"), 2, f"SyntaxError: invalid syntax {_UNREADABLE}"),
    (lambda: EOFError(), 2, f"EOFError {_UNREADABLE}"),
    (lambda: NotImplementedError("That compression method is not supported"), 2,
     f"NotImplementedError: That compression method is not supported {_UNREADABLE}"),
    (lambda: OverflowError("cannot convert float infinity to integer"), 2,
     f"OverflowError: cannot convert float infinity to integer {_UNREADABLE}"),
    (lambda: KeyError("W1"), 2, f"KeyError: 'W1' {_UNREADABLE}"),
    (lambda: __import__("pickle").UnpicklingError("invalid load key, 'x'."), 2,
     f"UnpicklingError: invalid load key, 'x'. {_UNREADABLE}"),
    (_decompression_bomb, 2, "DecompressionBombError: Image size (400000000 pixels) exceeds limit of 178956970 "
     f"pixels {_UNREADABLE}"),
    (lambda: ValueError("class \x1b[31mred\x1b[0m\r\nnext"), 2, "class \\x1b[31mred\\x1b[0m next"),
    (lambda: OSError(28, "No space left on device", "run/model.npz"), 1,
     "No space left on device: 'run/model.npz'"),
    (lambda: AttributeError("'list' object has no attribute 'items'"), 1,
     f"AttributeError: 'list' object has no attribute 'items'; {_BUG}"),
    (lambda: ZeroDivisionError("division by zero"), 1, f"ZeroDivisionError: division by zero; {_BUG}"),
]


@pytest.mark.parametrize(("make", "status", "message"), RAISED, ids=[m[2].split(" ")[0] for m in RAISED])
def test_every_failure_is_one_line(make, status, message, monkeypatch, capsys):
    from ranvier import cli

    def command(args):
        raise make()

    monkeypatch.setattr(cli.info, "_cmd_info", command)
    assert cli.main(["info", "model.npz"]) == status
    captured = capsys.readouterr()
    assert captured.err == f"ranvier: error: {message}\n"
    with pytest.raises(type(make())):
        cli.main(["info", "model.npz", "--debug"])


def _ranvier(*argv, stdout=None):
    import os
    import subprocess
    import sys
    from pathlib import Path

    src = str(Path(__file__).resolve().parents[1] / "src")
    env = {**os.environ, "PYTHONPATH": src + os.pathsep + os.environ.get("PYTHONPATH", "")}
    return subprocess.run([sys.executable, "-m", "ranvier", *argv], stdout=stdout, stderr=subprocess.PIPE,
                          text=True, env=env, timeout=120)


@pytest.mark.parametrize("argv", [["xor"], ["--help"], ["gradcheck", "--layers", "3,4,2"]])
def test_a_closed_pipe_ends_quietly(argv):
    import os

    read, write = os.pipe()
    os.close(read)  # the reader went away before the first line (ranvier ... | head -0)
    try:
        done = _ranvier(*argv, stdout=write)
    finally:
        os.close(write)
    # 141 (128 + SIGPIPE), as a shell reports it; argparse ignores a failed write of --help, and ends with 0
    assert done.stderr == ""
    assert done.returncode in ({0, 141} if argv == ["--help"] else {141})


def test_a_fifo_config_does_not_hang(tmp_path):
    import os

    os.mkfifo(tmp_path / "c.toml")
    done = _ranvier("train", "--config", str(tmp_path / "c.toml"))
    assert done.returncode == 2
    assert done.stderr == (f"ranvier: error: --config: {str(tmp_path / 'c.toml')!r} is not a regular file "
                           "(a pipe or a device); save the text to a file and give its name\n")


def _parsers(parser):
    import argparse

    yield parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in dict.fromkeys(action.choices.values()):
                yield from _parsers(sub)


def test_no_parser_matches_options_by_prefix():
    from ranvier.cli import build_parser

    parsers = list(_parsers(build_parser()))
    assert len(parsers) > 12  # every command and plot kind
    for p in parsers:
        assert p.allow_abbrev is False, p.prog
        assert "--debug" in p._option_string_actions, p.prog


@pytest.mark.parametrize(("text", "message"), [
    ("[" * 66 + "]" * 66, "nests arrays or tables deeper than 64 levels"),  # the top level and 65 inside
    ("[" * 100_000 + "]" * 100_000, "nests arrays or tables deeper than 64 levels"),
    ('{"a": ' * 3000 + "1" + "}" * 3000, "nests arrays or tables deeper than 64 levels"),
    ('{"a": [1, 2', "is not valid JSON: Expecting ',' delimiter: line 1 column 12 (char 11)"),
    ("\ufeff{}", "is not valid JSON: Unexpected UTF-8 BOM (decode using utf-8-sig): line 1 column 1 (char 0)"),
])
def test_json_files_are_read_with_bounds(tmp_path, text, message):
    from ranvier._userfile import load_json

    path = tmp_path / "f.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ValueError) as info:
        load_json(path, "--spec")
    assert str(info.value).startswith(f"--spec: {path} ") and message in str(info.value)


def test_json_and_toml_within_bounds_are_read(tmp_path):
    from ranvier._userfile import load_json, load_toml

    (tmp_path / "ok.json").write_text("[" * 65 + "]" * 65)
    nested, depth = load_json(tmp_path / "ok.json", "x"), 0
    while nested:
        nested, depth = nested[0], depth + 1
    assert depth == 64  # the top level and 64 levels inside it
    (tmp_path / "ok.toml").write_text("[train]\nlr = 0.5\nhidden = [10, 20]\n")
    assert load_toml(tmp_path / "ok.toml") == {"train": {"lr": 0.5, "hidden": [10, 20]}}


def test_small_networks_do_not_ask_the_system_and_large_ones_do(monkeypatch):
    from ranvier import _validation
    from ranvier._validation import TooLargeError
    from ranvier.experiment.memory import check_training_memory
    from ranvier.experiment import TrainOptions

    monkeypatch.setattr(_validation, "available_memory", lambda: 1)  # 1 byte left
    MLP((3072, 100, 10), seed=0)  # 1.2 MiB: built without asking
    check_training_memory((3072, 100, 10), TrainOptions())
    with pytest.raises(TooLargeError, match=r"^a 64-20000-3000-10 network has 61,333,010 parameters and needs "
                                             r"1.6 GiB to build, but 1 B of memory is available"):
        MLP((64, 20000, 3000, 10), seed=0)
    options = TrainOptions(optimizer="adam", dtype="float64", batch_size=128)
    with pytest.raises(TooLargeError) as info:
        check_training_memory((64, 20000, 3000, 10), options, available=2 * GIB)
    assert str(info.value) == (
        "a 64-20000-3000-10 network (61,333,010 parameters, float64) needs 3.2 GiB to train (parameters 467.9 MiB, "
        "gradients 467.9 MiB, optimiser state 1.8 GiB, best parameters 467.9 MiB, activations (batch of 128) "
        "45.1 MiB), but 2.0 GiB of memory is available; choose smaller hidden layers (--hidden) or a smaller "
        "--batch-size")
    # 3 x 61,333,010 x 8 B, Adam's 2 slots and 2 work arrays of 60,000,000, 2 x 128 x 23,074 x 8 B: 3,460,575,952 B
    check_training_memory((64, 20000, 3000, 10), options, available=3_460_575_952)
    with pytest.raises(TooLargeError):
        check_training_memory((64, 20000, 3000, 10), options, available=3_460_575_951)


def test_available_memory_reads_the_system():
    from ranvier._validation import available_memory

    free = available_memory()
    assert free is None or 0 <= free < 2**60


def test_a_refused_mlp_allocates_nothing(eight_gib):
    import tracemalloc

    from ranvier._validation import TooLargeError

    tracemalloc.start()
    try:
        with pytest.raises(TooLargeError):
            MLP((3072, 10**6, 10**5, 10), seed=0)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 2**20, f"peak {peak} bytes"


def test_kernel_memory_files_are_parsed(tmp_path):
    from ranvier._validation import _read_numbers

    (tmp_path / "meminfo").write_text("MemTotal:       24684084 kB\nMemAvailable:    2000 kB\nSwapFree: 0 kB\n")
    (tmp_path / "memory.stat").write_text("anon 4096\ninactive_file 8192\nactive_file 12\n")
    (tmp_path / "memory.max").write_text("max\n")
    (tmp_path / "memory.current").write_text("123456\n")
    assert _read_numbers(str(tmp_path / "meminfo")) == {"MemTotal": 24684084 * 1024, "MemAvailable": 2048000,
                                                        "SwapFree": 0}
    assert _read_numbers(str(tmp_path / "memory.stat")) == {"anon": 4096, "inactive_file": 8192, "active_file": 12}
    assert _read_numbers(str(tmp_path / "memory.max")) == {}
    assert _read_numbers(str(tmp_path / "memory.current")) == {"": 123456}
    assert _read_numbers(str(tmp_path / "missing")) == {}


def setup_own_files(tmp):
    (tmp / "words.csv").write_text("a,b,label\n1,2,x\n3,tall,y\n")
    (tmp / "ok.csv").write_text("a,b,label\n1,2,x\n3,4,y\n")
    (tmp / "pics" / "cat").mkdir(parents=True)
    (tmp / "pics" / "dog").mkdir()
    (tmp / "pics" / "cat" / "notes.txt").write_text("not an image")
    import numpy as np

    np.save(tmp / "X.npy", np.zeros((4, 2)))


CLI_CASES_16 = [
    (["train", "--data", "words.csv"], "words.csv: column 'b', row 3: 'tall' is not a number; feature columns must be "
     "numeric (or name the label column with --target)"),
    (["train", "--data", "ok.csv", "--target", "species"], "ok.csv: no column 'species'; the columns are 'a', 'b', "
     "'label'"),
    (["train", "--data", "pics/"], "pics/cat (class 'cat') holds no images (.png, .jpg, .jpeg, .bmp, .gif, .tif, "
     ".tiff, .webp, .ppm, .pgm)"),
    (["train", "--data", "X.npy"], "X.npy holds inputs only: name the file of labels too (labels=..., --labels y.npy "
     "on the command line)"),
    (["train", "--data", "digits", "--target", "label"], "target apply to data of one's own (a path), not to the "
     "data set 'digits'"),
    (["train", "--data", "ok.csv", "--image-size", "3y4"], "option 'image_size' must be HEIGHTxWIDTH such as 32x32, "
     "got '3y4'"),
    (["train", "--data", "missing.csv"], "no such file or folder: missing.csv"),
    (["export", "missing.npz"], "name the file to write: ranvier export MODEL model.onnx (or --torch state_dict.pt)"),
    (["export", "missing.npz", "m.pt"], "'m.pt': the ONNX file's name must end in .onnx (use --torch FILE.pt for "
     "PyTorch)"),
]


@pytest.mark.parametrize(("argv", "message"), CLI_CASES_16, ids=[" ".join(c[0][:4]) for c in CLI_CASES_16])
def test_cli_error_lines_of_own_data(argv, message, capsys, tmp_path, monkeypatch):
    from ranvier.cli import main

    setup_own_files(tmp_path)
    monkeypatch.chdir(tmp_path)
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert captured.err == f"ranvier: error: {message}\n"
    assert captured.out == ""
    assert sorted(p.name for p in tmp_path.iterdir()) == ["X.npy", "ok.csv", "pics", "words.csv"]  # nothing written
