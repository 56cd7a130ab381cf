"""Does the learning-rate range test pick a rate as good as a grid search?

For each problem, a grid of learning rates is trained (``ranvier sweep``) and
scored on the validation split; then ``ranvier lr-find`` suggests a rate, and
``ranvier train`` trains with it.  The suggestion passes when its validation
accuracy is within 1 point of the grid's best.  Written to docs/lr_finder.md.

    python benchmarks/bench_lr_finder.py --data-dir ../shared/data
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import tempfile
import time
from pathlib import Path

from ranvier.cli import main as ranvier

ROOT = Path(__file__).resolve().parents[1]

PROBLEMS = [
    # name, train options shared by the grid, the range test and the final run, grid of rates
    ("digits, MLP 64-100-10, SGD", ["--data", "digits", "--hidden", "100", "--optimizer", "sgd", "--epochs", "20",
                                    "--batch-size", "64"], [1e-3, 3e-3, 1e-2, 3e-2, 0.1, 0.3, 1.0]),
    ("CIFAR-10, linear softmax, SGD", ["--data", "cifar10", "--model", "linear", "--optimizer", "sgd",
                                       "--epochs", "10", "--batch-size", "200"],
     [1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2]),
]


def quiet(argv: list[str]) -> str:
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
        code = ranvier(argv)
    if code != 0:
        raise SystemExit(f"ranvier {' '.join(argv)} failed with status {code}")
    return out.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", default=str(ROOT.parent / "shared" / "data"))
    parser.add_argument("--out", default=str(ROOT / "docs" / "lr_finder.md"))
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for name, options, rates in PROBLEMS:
            if "cifar10" in options and not Path(args.data_dir, "cifar-10-batches-bin").is_dir():
                print(f"skipping {name}: no CIFAR-10 in {args.data_dir}")
                continue
            opts = options + ["--data-dir", args.data_dir, "--seed", "0"]
            tic = time.perf_counter()
            grid_dir = Path(tmp) / f"grid{len(rows)}"
            quiet(["sweep", *opts, "--grid", "lr=" + ",".join(f"{r:g}" for r in rates), "--n-jobs", "1",
                   "--no-retrain", "--out", str(grid_dir), "--quiet"])
            trials = json.loads((grid_dir / "trials.json").read_text())
            trials = trials["trials"] if isinstance(trials, dict) else trials
            best = max(trials, key=lambda t: t["val_accuracy"])
            grid_seconds = time.perf_counter() - tic
            find_dir = Path(tmp) / f"find{len(rows)}"
            tic = time.perf_counter()
            quiet(["lr-find", *opts, "--out", str(find_dir)])
            suggestion = json.loads((find_dir / "lr_find.json").read_text())["suggestion"]
            train_dir = Path(tmp) / f"train{len(rows)}"
            quiet(["train", *opts, "--lr", f"{suggestion:.4g}", "--quiet", "--out", str(train_dir)])
            find_seconds = time.perf_counter() - tic
            summary = json.loads((train_dir / "summary.json").read_text())
            gap = 100 * (best["val_accuracy"] - summary["val_accuracy"])
            row = (name, f"{best['params']['lr']:g}", f"{100 * best['val_accuracy']:.2f}%", f"{grid_seconds:.0f} s",
                   f"{suggestion:.3g}", f"{100 * summary['val_accuracy']:.2f}%", f"{gap:+.2f}",
                   f"{find_seconds:.0f} s", "yes" if gap <= 1.0 else "no")
            rows.append(row)
            print(" | ".join(row), flush=True)
    header = ("problem", "grid best lr", "grid best val acc", "grid time", "lr-find suggestion",
              "val acc with it", "points behind", "lr-find + train time", "within 1 point")
    lines = [
        "# The learning-rate range test against a grid search",
        "",
        f"Measured {time.strftime('%Y-%m-%d')} by `python benchmarks/bench_lr_finder.py` (seed 0). The grid "
        "trains one model per rate and keeps the best validation accuracy; `ranvier lr-find` sweeps the "
        "rate up in one short run and suggests a rate in the middle of the useful range (between the steepest descent of the loss and its lowest point); `ranvier train` then trains "
        "with the suggestion. Both are scored on the same validation split.",
        "",
        "| " + " | ".join(header) + " |",
        "|" + "---|" * len(header),
        *("| " + " | ".join(r) + " |" for r in rows),
    ]
    for name, options, rates in PROBLEMS:
        lines.append(f"\n- {name}: `ranvier train {' '.join(options)}`; grid of rates {', '.join(f'{r:g}' for r in rates)}")
    Path(args.out).write_text("\n".join(lines) + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
