"""The old flat module names of the training wing stay importable: each is the module of ranvier.train."""

import importlib
import subprocess
import sys
from pathlib import Path

import pytest

import ranvier
import ranvier.train

OLD_NAMES = {
    "ranvier.training": "ranvier.train",
    "ranvier.checkpoint": "ranvier.train.checkpoint",
    "ranvier.clipping": "ranvier.train.clipping",
    "ranvier.loggers": "ranvier.train.loggers",
    "ranvier.lr_finder": "ranvier.train.lr_finder",
    "ranvier.plateau": "ranvier.train.plateau",
}


@pytest.mark.parametrize(("old", "new"), OLD_NAMES.items())
def test_an_old_name_is_the_new_module_itself(old, new):
    assert importlib.import_module(old) is importlib.import_module(new)
    assert getattr(ranvier, old.split(".")[1]) is importlib.import_module(new)


def test_the_old_imports_of_the_public_names_still_work():
    from ranvier.checkpoint import read_checkpoint, read_metadata, write_checkpoint
    from ranvier.clipping import clip_grad_norm, global_norm
    from ranvier.loggers import CSVLogger, TensorBoard
    from ranvier.lr_finder import LRFinderResult, lr_range_test
    from ranvier.plateau import ReduceLROnPlateau
    from ranvier.training import Callback, Checkpoint, History, Trainer, evaluate

    assert (Trainer, History, Callback, Checkpoint, evaluate) == (
        ranvier.train.Trainer, ranvier.train.History, ranvier.train.Callback, ranvier.train.Checkpoint,
        ranvier.train.evaluate)
    assert Trainer is ranvier.Trainer and History is ranvier.History and evaluate is ranvier.evaluate
    assert read_metadata.__module__ == "ranvier.train.checkpoint"
    for f in (read_checkpoint, write_checkpoint, clip_grad_norm, global_norm, CSVLogger, TensorBoard,
              LRFinderResult, lr_range_test, ReduceLROnPlateau):
        assert f.__module__.startswith("ranvier.train."), f


def test_every_name_the_old_modules_exported_is_exported_by_the_package():
    # the __all__ of ranvier.training, checkpoint, clipping, loggers, lr_finder and plateau before the move
    old = {"Callback", "Checkpoint", "History", "Trainer", "evaluate", "read_checkpoint", "write_checkpoint",
           "clip_grad_norm", "global_norm", "CSVLogger", "TensorBoard", "LRFinderResult", "lr_range_test",
           "ReduceLROnPlateau"}
    assert old <= set(ranvier.train.__all__)
    for name in ranvier.train.__all__:
        assert getattr(ranvier.train, name) is not None


@pytest.mark.parametrize(("statement", "printed"), [
    ("import ranvier.training; print(ranvier.training.Trainer.__module__)", "ranvier.train.trainer"),
    ("import ranvier.checkpoint as c; print(c.read_metadata.__module__)", "ranvier.train.checkpoint"),
    ("from ranvier.training import Trainer; print(Trainer.__module__)", "ranvier.train.trainer"),
])
def test_the_old_names_import_in_a_fresh_interpreter(statement, printed):
    """Without ranvier imported first (the alias is registered by ranvier/__init__.py)."""
    src = str(Path(ranvier.__file__).resolve().parents[1])
    out = subprocess.run([sys.executable, "-c", statement], capture_output=True, text=True, check=True,
                         env={"PYTHONPATH": src, "PATH": ""})
    assert out.stdout.strip() == printed
