"""The ``ranvier.cli`` package: its entry points, its command groups and the old module names."""

import argparse
import subprocess
import sys
from pathlib import Path

from ranvier import cli

SRC = str(Path(__file__).resolve().parents[2] / "src")

COMMANDS = ["xor", "train", "lr-find", "evaluate", "predict", "export", "info", "sweep", "gradcheck",
            "optimize", "plot", "playground"]


def _commands(parser: argparse.ArgumentParser) -> dict:
    return next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction)).choices


def test_every_command_in_its_order_and_from_its_own_module():
    commands = _commands(cli.build_parser())
    assert list(commands) == COMMANDS
    handlers = {name: p.get_default("handler") for name, p in commands.items()}
    assert handlers["train"].__module__ == "ranvier.cli.train"
    assert handlers["lr-find"].__module__ == "ranvier.cli.lr_find"
    assert handlers["info"].__module__ == "ranvier.cli.info"
    assert handlers["predict"].__module__ == "ranvier.cli.predict"
    assert handlers["sweep"].__module__ == "ranvier.cli.sweep"
    assert handlers["playground"].__module__ == "ranvier.playground.cli"
    kinds = _commands(commands["plot"])
    assert [kinds[k].get_default("handler").__module__ for k in kinds] == ["ranvier.cli.plot"] * 5


def test_the_old_module_names_are_the_new_modules():
    from ranvier.cli_plot import add_parsers as plot_parsers
    from ranvier.cli_sweep import add_parsers as sweep_parsers

    import ranvier

    assert sys.modules["ranvier.cli_plot"] is cli.plot and ranvier.cli_plot is cli.plot
    assert sys.modules["ranvier.cli_sweep"] is cli.sweep and ranvier.cli_sweep is cli.sweep
    assert plot_parsers is cli.plot.add_parsers and sweep_parsers is cli.sweep.add_parsers


def test_python_m_ranvier_cli_and_python_m_ranvier_run_main():
    env = {"PYTHONPATH": SRC, "PATH": "/usr/bin:/bin"}
    for module in ("ranvier", "ranvier.cli"):
        done = subprocess.run([sys.executable, "-m", module, "info"], capture_output=True, text=True, env=env, check=False)
        assert done.returncode == 2, done
        assert done.stderr == "ranvier: error: the following arguments are required: MODEL (see 'ranvier info --help')\n"
        assert done.stdout == ""
