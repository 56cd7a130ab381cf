import subprocess
import sys

import pytest

from ranvier import __version__
from ranvier.cli import main


def test_xor_command_shows_the_lecture_example(capsys):
    assert main(["xor"]) == 0
    out = capsys.readouterr().out
    assert "w = [0.000000, 0.000000], b = 0.500000" in out
    assert "outputs 0 1 1 0: exactly XOR" in out
    assert "predictions 0 1 1 0: 4/4 correct" in out


def test_gradcheck_command(capsys):
    assert main(["gradcheck", "--layers", "4,5,3", "--activation", "sigmoid", "--loss", "svm"]) == 0
    out = capsys.readouterr().out
    assert "OK: the backward pass matches" in out
    assert "W2" in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["xor", "--hiden", "3"], "unrecognized arguments: --hiden 3"),
        (["xor", "--lr", "-1"], "expected a number > 0, got '-1'"),
        (["gradcheck", "--activation", "rleu"], "unknown activation 'rleu'"),
        (["gradcheck", "--layers", "4"], "--layers needs at least the input and output sizes"),
        (["gradcheck", "--layers", "4,x"], "expected comma-separated integers"),
        (["trian"], "invalid choice: 'trian'"),
    ],
)
def test_user_mistakes_print_one_line_and_exit_2(capsys, argv, message):
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1, captured.err
    assert lines[0].startswith("ranvier: error: ") and message in lines[0]


def test_debug_shows_the_traceback():
    with pytest.raises(Exception, match="unknown activation"):
        main(["--debug", "gradcheck", "--activation", "rleu"])


def test_no_command_prints_help(capsys):
    assert main([]) == 2
    assert "xor" in capsys.readouterr().out


def test_console_script_is_installed():
    out = subprocess.run([sys.executable, "-m", "ranvier", "--version"], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == f"ranvier {__version__}"
    help_out = subprocess.run([sys.executable, "-m", "ranvier", "xor", "--help"], capture_output=True, text=True)
    assert help_out.returncode == 0 and "--hidden" in help_out.stdout


# ------------------------------------------------------------------ issue 13: names read from files
HOSTILE = ["cat\x1b[2J\x1b]0;owned\x07", "dog\rEVIL", "bird\u202etxt.exe", "plain name"]
ESCAPED = ["cat\\x1b[2J\\x1b]0;owned\\x07", "dog\\rEVIL", "bird\\u202etxt.exe", "plain name"]


@pytest.fixture
def hostile_model(tmp_path):
    import numpy as np

    from ranvier import MLP, save_model

    path = tmp_path / "m.npz"
    save_model(path, MLP((2, 4), seed=0), class_names=HOSTILE,
               summary={"data": "digits\x1b[31m", "epochs": 1, "seed": 0, "seconds": 0.5})
    np.save(tmp_path / "x.npy", np.arange(4, dtype=np.float32).reshape(2, 2))
    return path


def _no_controls(text: str) -> None:
    import unicodedata

    bad = [c for c in text if c != "\n" and unicodedata.category(c) in ("Cc", "Cf")]
    assert not bad, bad


def test_info_escapes_names_from_the_file(hostile_model, capsys):
    assert main(["info", str(hostile_model)]) == 0
    out = capsys.readouterr().out
    _no_controls(out)
    assert f"  classes: {', '.join(ESCAPED)}\n" in out
    assert "  trained on digits\\x1b[31m: 1 epochs, 0.5 s, seed 0\n" in out


def test_predict_escapes_names_from_the_file(hostile_model, capsys):
    assert main(["predict", str(hostile_model), str(hostile_model.parent / "x.npy"), "--top", "4"]) == 0
    out = capsys.readouterr().out
    _no_controls(out)
    lines = out.splitlines()
    assert len(lines) == 2
    assert all(any(name in line for name in ESCAPED) for line in lines)


def test_evaluate_escapes_names_in_its_error(hostile_model, capsys):
    assert main(["evaluate", str(hostile_model), "--data", "xor"]) == 2
    err = capsys.readouterr().err
    _no_controls(err)
    assert err.count("\n") == 1 and "cat\\x1b[2J" in err


def test_plots_draw_escaped_names(hostile_model):
    from ranvier.cli.plot import _label, _load

    assert _load(str(hostile_model)).class_names == [n.replace("$", r"\$") for n in ESCAPED]
    assert _label("$5 \x1b") == r"\$5 \x1b"


def test_printable_leaves_ordinary_text_alone():
    from ranvier._text import printable

    for text in ("airplane", "chat noir", "Ölfleck", "飛行機", "a\\b", "tab-free"):
        assert printable(text) == text
    assert printable("a\tb\nc\x00\x7f\x9b") == "a\\tb\\nc\\x00\\x7f\\x9b"
    assert printable("zero\u200bwidth") == "zero\\u200bwidth"
    assert printable(3) == "3"


def test_the_train_report_escapes_class_names():
    import numpy as np

    from ranvier.datasets.base import Dataset

    X, y = np.zeros((4, 2), np.float32), np.arange(4)
    data = Dataset(X_train=X, y_train=y, X_val=None, y_val=None, X_test=None, y_test=None,
                   class_names=HOSTILE, name="own")
    text = data.summary()
    _no_controls(text)
    assert text.endswith(f"  classes: {', '.join(ESCAPED)}")
