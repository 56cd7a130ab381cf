"""Rerun the final accuracy recipes through the real CLI and write docs/results.md.

Usage::

    python benchmarks/accuracy.py [--data-dir ../shared/data] [--only digits,mnist1d]
                                  [--results docs/results.md] [--runs-dir runs/accuracy]
                                  [--reuse]

Every recipe is a TOML file in ``examples/configs/``; each is trained with
``ranvier.cli.main(["train", "--config", FILE, ...])``, exactly as
``ranvier train --config FILE`` would, and its ``summary.json`` (train / val /
test accuracy, epochs, seconds) is read back.  The hyperparameters were chosen
on the validation split carved from the training data (``val_split`` 0.1,
seeded); the test accuracy is the one reported against the target.

CIFAR-10 is read from ``--data-dir`` (the folder that holds
``cifar-10-batches-bin/``; default ``../shared/data`` relative to the repository
root).  When it is missing, the CIFAR-10 recipes are skipped with a message and
marked as skipped in the table.

With ``--reuse``, a recipe whose run folder (``--runs-dir``/NAME) already holds a
finished run of exactly the recipe's options (its ``summary.json`` options equal
those the TOML file gives, with every other option at today's default) is read back
instead of trained again, and the table says so; a run of other options is trained
again.  Use it to write the table after one long run (CIFAR-10's deeper recipes take
10-20 minutes here) made by the same command, ``ranvier train --config FILE --out
runs/accuracy/NAME --overwrite``, with the same code.

The results file is rewritten after every run, so a partial table survives an
interrupted benchmark.  The exit status is 0 when every recipe that ran met its
target, 1 otherwise.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shlex
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from _machine import blas, cpu

ROOT = Path(__file__).resolve().parent.parent
CONFIGS = ROOT / "examples" / "configs"
DEFAULT_DATA_DIR = ROOT.parent / "shared" / "data"


@dataclass(frozen=True)
class Recipe:
    name: str  # unique key, usable in --only
    data: str
    model: str  # human description of the model
    config: str | None  # file name in examples/configs; None: `ranvier train` with no options
    target: float  # test accuracy to reach, as a fraction


RECIPES = [
    # The main job: `ranvier train` with no options (its defaults chosen on digits' validation split).
    Recipe("main-job", "digits", "MLP 64-100-10, the defaults", None, 0.97),
    Recipe("digits-softmax", "digits", "linear, softmax", "digits-softmax.toml", 0.96),
    Recipe("digits-svm", "digits", "linear, SVM (hinge)", "digits-svm.toml", 0.95),
    Recipe("digits-mlp", "digits", "MLP 64-256-10", "digits-mlp.toml", 0.98),
    Recipe("mnist1d-softmax", "mnist1d", "linear, softmax", "mnist1d-softmax.toml", 0.32),
    Recipe("mnist1d-mlp", "mnist1d", "MLP 40-512-512-10", "mnist1d-mlp.toml", 0.70),
    Recipe("mnist1d-mlp-75", "mnist1d", "MLP 40-512-512-10, dropout 0.4", "mnist1d-mlp-75.toml", 0.75),
    Recipe("cifar10-softmax", "cifar10", "linear, softmax", "cifar10-softmax.toml", 0.39),
    Recipe("cifar10-svm", "cifar10", "linear, SVM (hinge)", "cifar10-svm.toml", 0.38),
    Recipe("cifar10-mlp", "cifar10", "MLP, one hidden layer 3072-500-10", "cifar10-mlp.toml", 0.50),
    # An earlier best MLP found on the validation split: the same network trained with
    # horizontal flips for 30 epochs (val 58.30%, against 55.48% without flips and
    # 55.10% for 3072-500-500-10 with reg 5e-3).
    Recipe("cifar10-mlp-best", "cifar10", "MLP 3072-500-10, flips, 30 epochs", "cifar10-mlp-best.toml", 0.55),
    Recipe("cifar10-mlp-60", "cifar10", "MLP 3072-1024-512-10, batch norm, dropout, flips and shifts",
           "cifar10-mlp-60.toml", 0.60),
]


def machine_lines() -> list[str]:
    import ranvier

    return [
        f"- CPU: {cpu()}, {os.cpu_count()} logical cores",
        f"- Python {platform.python_version()}, NumPy {np.__version__}, BLAS: {blas()}",
        f"- ranvier {ranvier.__version__}, {platform.system()} {platform.release()}",
        f"- load average when written: {', '.join(f'{v:.2f}' for v in os.getloadavg())} "
        "(other processes on a shared machine slow the runs down)",
    ]


def _pct(x) -> str:
    return "n/a" if x is None else f"{100 * x:.2f}%"


def _command(recipe: Recipe, data_dir_arg: str | None) -> str:
    parts = ["ranvier", "train"]
    if recipe.config is not None:
        parts += ["--config", f"examples/configs/{recipe.config}"]
    if data_dir_arg is not None and recipe.config is not None:
        parts += ["--data-dir", data_dir_arg]
    return " ".join(shlex.quote(p) for p in parts)


def write_results(path: Path, rows: list[dict], started: str, wall: float, argv: list[str], done: bool) -> None:
    lines = [
        "# Accuracy results",
        "",
        "Written by `python benchmarks/accuracy.py" + ("" if not argv else " " + " ".join(shlex.quote(a) for a in argv)) + "`"
        + ("." if done else " (still running: the table grows as runs finish)."),
        "Each recipe is a TOML file in `examples/configs/`, trained through the real CLI",
        "(`ranvier train --config FILE`). Hyperparameters were chosen on the validation split",
        "(10% of the training data, seeded and stratified); the test split was used only to report.",
        "The trainer restores the parameters of the epoch with the lowest validation loss, or the highest",
        "validation accuracy where the recipe says `monitor = \"val_accuracy\"` (`best epoch`). Times are the training loop's seconds from `summary.json`",
        "(data loading and evaluation excluded).",
        "",
        f"Date: {started}. Total wall time of this script: {wall:.0f} s.",
        "",
        "Machine:",
        "",
        *machine_lines(),
        "",
        "| data set | model | command | seed | epochs (best) | train s | val acc | test acc | target | met |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['data']} | {r['model']} | `{r['command']}` | {r['seed']} | {r['epochs']} | {r['seconds']} "
            f"| {r['val']} | {r['test']} | >= {100 * r['target']:.0f}% | {r['met']} |"
        )
    met = sum(r["met"] == "met" for r in rows)
    ran = sum(r["met"] in ("met", "**not met**") for r in rows)
    lines += ["", f"Targets met: {met} of {ran} run" + (f" ({len(rows) - ran} skipped or failed)" if ran < len(rows) else "") + "."]
    reused = [r["reused"] for r in rows if r.get("reused")]
    if reused:
        lines += ["", "Read back from an earlier run of the same options and code (`--reuse`), not trained by "
                  "this invocation: " + ", ".join(reused) + "."]
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text("\n".join(lines) + "\n", encoding="utf-8")
    os.replace(tmp, path)


# Options that name where a run reads or writes, or how much it prints: not the run's recipe.
_NOT_RECIPE = ("data_dir", "out", "verbose", "checkpoint_every")


def reusable(recipe: Recipe, out: Path) -> dict | None:
    """The summary of the finished run in ``out`` when its options are the recipe's, else None."""
    import tomllib

    from ranvier.experiment import TrainOptions

    summary_path = out / "summary.json"
    if not summary_path.is_file():
        return None
    summary = json.loads(summary_path.read_text(encoding="utf-8"))
    given = {} if recipe.config is None else tomllib.loads((CONFIGS / recipe.config).read_text(encoding="utf-8"))
    wanted = TrainOptions.from_dict(given).to_dict()
    had = summary.get("options", {})
    if any(had.get(k) != v for k, v in wanted.items() if k not in _NOT_RECIPE):
        return None
    return summary if summary.get("test_accuracy") is not None else None


def run_recipe(recipe: Recipe, data_dir: Path, data_dir_arg: str | None, runs_dir: Path, reuse: bool = False) -> dict:
    from ranvier.cli import main

    out = runs_dir / recipe.name
    # --overwrite: a rerun of the benchmark replaces the recipe's earlier run
    argv = ["train"] + ([] if recipe.config is None else ["--config", str(CONFIGS / recipe.config)])
    argv += ["--out", str(out), "--overwrite", "--quiet"]
    if recipe.data == "cifar10":
        argv += ["--data-dir", str(data_dir)]
    row = {"data": recipe.data, "model": recipe.model, "command": _command(recipe, data_dir_arg),
           "target": recipe.target, "seed": "", "epochs": "", "seconds": "", "val": "", "test": ""}
    tic = time.perf_counter()
    earlier = reusable(recipe, out) if reuse else None
    status = 0 if earlier else main(argv)
    wall = time.perf_counter() - tic
    summary_path = out / "summary.json"
    if status != 0 or not summary_path.is_file():
        row["met"] = f"failed (exit status {status})"
        print(f"{recipe.name}: FAILED with exit status {status}", flush=True)
        return row
    s = json.loads(summary_path.read_text(encoding="utf-8"))
    test = s.get("test_accuracy")
    row.update(
        seed=s.get("seed"),
        epochs=f"{s.get('epochs')} ({s.get('best_epoch')})",
        seconds=f"{s.get('seconds', 0):.1f}",
        val=_pct(s.get("val_accuracy")),
        test=_pct(test),
        test_value=test,
        met="met" if test is not None and test >= recipe.target else "**not met**",
    )
    if earlier:
        row["reused"] = f"{recipe.name} (finished {s.get('finished_at')})"
        print(f"{recipe.name}: reused the run of the same options in {out}", flush=True)
    print(f"{recipe.name}: val {row['val']}, test {row['test']} (target {100 * recipe.target:.0f}%: {row['met']}), "
          f"{s.get('epochs')} epochs, {s.get('seconds', 0):.1f} s training, {wall:.1f} s in all", flush=True)
    return row


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", default=None,
                        help="folder holding cifar-10-batches-bin/ (default ../shared/data relative to the repository root)")
    parser.add_argument("--only", default=None,
                        help="comma-separated data sets or recipe names to run, e.g. digits,mnist1d or cifar10-mlp "
                             f"(recipes: {', '.join(r.name for r in RECIPES)})")
    parser.add_argument("--results", default=str(ROOT / "docs" / "results.md"), help="Markdown file to write (default docs/results.md)")
    parser.add_argument("--runs-dir", default=str(ROOT / "runs" / "accuracy"), help="where each run's model and summary go (default runs/accuracy)")
    parser.add_argument("--reuse", action="store_true",
                        help="read back a finished run of exactly the recipe's options from --runs-dir instead of training it again")
    args = parser.parse_args(argv)

    data_dir = Path(args.data_dir) if args.data_dir else DEFAULT_DATA_DIR
    data_dir_arg = args.data_dir if args.data_dir else "../shared/data"
    recipes = RECIPES
    if args.only:
        wanted = {w.strip() for w in args.only.split(",") if w.strip()}
        unknown = wanted - {r.name for r in RECIPES} - {r.data for r in RECIPES}
        if unknown:
            parser.error(f"--only: unknown {', '.join(sorted(unknown))}; use data sets "
                         f"{', '.join(sorted({r.data for r in RECIPES}))} or recipes {', '.join(r.name for r in RECIPES)}")
        recipes = [r for r in RECIPES if r.name in wanted or r.data in wanted]

    have_cifar = (data_dir / "cifar-10-batches-bin").is_dir() or (data_dir / "cifar-10-batches-py").is_dir()
    results = Path(args.results)
    runs_dir = Path(args.runs_dir)
    started = time.strftime("%Y-%m-%d %H:%M:%S %Z")
    tic = time.perf_counter()
    rows: list[dict] = []
    done_runs: dict[str, dict] = {}  # config file -> its row, so that a recipe shared by two targets trains once
    for recipe in recipes:
        if recipe.data == "cifar10" and not have_cifar:
            print(f"{recipe.name}: skipped: no CIFAR-10 data in {data_dir} (expected {data_dir / 'cifar-10-batches-bin'}; "
                  "pass --data-dir)", flush=True)
            rows.append({"data": recipe.data, "model": recipe.model, "command": _command(recipe, data_dir_arg),
                         "target": recipe.target, "seed": "", "epochs": "", "seconds": "", "val": "", "test": "",
                         "met": f"skipped: no data in {data_dir_arg}"})
        elif recipe.config in done_runs:
            row = dict(done_runs[recipe.config], model=recipe.model, target=recipe.target)
            test = row.get("test_value")
            if test is not None:
                row["met"] = "met" if test >= recipe.target else "**not met**"
            print(f"{recipe.name}: same run as {recipe.config} above: test {row['test']} "
                  f"(target {100 * recipe.target:.0f}%: {row['met']})", flush=True)
            rows.append(row)
        else:
            rows.append(run_recipe(recipe, data_dir, data_dir_arg, runs_dir, args.reuse))
            done_runs[recipe.config] = rows[-1]
        write_results(results, rows, started, time.perf_counter() - tic, argv, done=False)
    wall = time.perf_counter() - tic
    write_results(results, rows, started, wall, argv, done=True)
    print(f"wrote {results} ({wall:.0f} s in all)")
    return 0 if all(r["met"] == "met" or r["met"].startswith("skipped") for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
