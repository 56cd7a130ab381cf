"""The old flat names ranvier.minimize, ranvier.paths and ranvier.augment still import (issue 15)."""

import subprocess
import sys
from pathlib import Path

import ranvier
import ranvier.descent.functions
import ranvier.descent.paths
import ranvier.descent.recorder
import ranvier.datasets.augment


def test_paths_and_augment_are_the_modules_of_their_wings():
    import ranvier.augment
    import ranvier.paths

    assert ranvier.paths is ranvier.descent.paths
    assert ranvier.augment is ranvier.datasets.augment


def test_minimize_holds_every_name_of_the_recorder_and_the_test_functions():
    from ranvier.minimize import DivergenceWarning, GDResult, Objective, gd, get_objective

    assert (gd, GDResult, DivergenceWarning) == (ranvier.gd, ranvier.GDResult, ranvier.DivergenceWarning)
    assert (Objective, get_objective) == (ranvier.Objective, ranvier.get_objective)
    names = set(ranvier.descent.functions.__all__) | set(ranvier.descent.recorder.__all__)
    assert names <= set(vars(ranvier.minimize))
    assert ranvier.minimize.get_objective("rosenbrock").value(1.0, 1.0) == 0.0


def test_the_old_names_import_in_a_fresh_interpreter():
    src = str(Path(ranvier.__file__).resolve().parents[1])
    code = ("from ranvier.minimize import gd; from ranvier.paths import run_optimizer; "
            "from ranvier.augment import HorizontalFlip; print(gd.__module__, run_optimizer.__module__, "
            "HorizontalFlip.__module__)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={"PYTHONPATH": src, "PATH": ""})
    assert out.stdout.split() == ["ranvier.descent.recorder", "ranvier.descent.paths", "ranvier.datasets.augment"]


def test_the_descent_wing_exports_the_public_names_of_its_modules():
    import ranvier.descent as descent
    from ranvier.descent import GDResult, compare, gd, get_objective, run_optimizer

    modules = (ranvier.descent.functions, ranvier.descent.recorder, ranvier.descent.paths)
    assert sorted(descent.__all__) == sorted(name for m in modules for name in m.__all__)
    for m in modules:
        for name in m.__all__:
            assert getattr(descent, name) is getattr(m, name), name
    assert (gd, GDResult, get_objective) == (ranvier.gd, ranvier.GDResult, ranvier.get_objective)
    assert (run_optimizer, compare) == (ranvier.descent.paths.run_optimizer, ranvier.descent.paths.compare)
    assert not hasattr(ranvier.minimize, "run_optimizer")  # the old module held the recorder and the functions only
