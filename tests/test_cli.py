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
