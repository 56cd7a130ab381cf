"""``ranvier sweep``: a grid or a random search over training options, in parallel.

:func:`add_parsers` adds the command to the ``ranvier`` parser; it takes every
option of ``ranvier train`` as the base of each trial, plus ``--grid``,
``--random``/``--range``, ``--n-jobs`` and ``--backend``/``--scheduler``.
See :mod:`ranvier.sweep` and ``docs/sweeps.md``.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

from . import _types as T
from ._errors import UsageError
from ._options import add_run_options, data_stem, train_options
from ._output import pct

__all__ = ["add_parsers"]

_OWN = ("grid", "random", "range", "n_jobs", "backend", "scheduler", "sweep_seed", "top", "no_retrain", "out")


_count = T.positive_int


def _jobs(text: str) -> int:
    value = T.whole_number(text)
    if value == 0:
        raise argparse.ArgumentTypeError("expected a number of trials at once >= 1, or -1 for every core, got 0")
    return value


def add_parsers(sub) -> None:
    """Add ``sweep`` to the sub-command set ``sub`` of the ``ranvier`` parser."""
    sw = sub.add_parser(
        "sweep",
        help="a grid or random search over learning rate, regularisation, ... in parallel; keep the best",
        description="Train one model per setting and rank them by validation accuracy (the test split is not used "
        "to choose). Every option of 'ranvier train' sets the base of each trial; --grid NAME=V1,V2 (repeatable) "
        "tries every combination; --random N --range NAME=LOW:HIGH:log draws N settings (a --grid list is then "
        "a set of choices). Writes DIR/trials.csv and trials.json as trials finish (a rerun with the same --out "
        "runs only the missing trials), retrains the best to DIR/best and draws DIR/heatmap.png when lr and reg "
        "both vary. Example: ranvier sweep --epochs 5 --grid lr=1e-3,1e-2,1e-1 --grid reg=0,1e-4,1e-2 --n-jobs 2",
        argument_default=None,
    )
    add_run_options(sw)
    g = sw.add_argument_group("sweep")
    g.add_argument("--grid", action="append", metavar="NAME=V1,V2,...",
                   help="values of an option to try (repeat for more options); hidden sizes join layers with '-': "
                   "--grid hidden=100,200-100 (or 'hidden=100;200,100')")
    g.add_argument("--random", type=_count, metavar="N", help="a random search of N trials")
    g.add_argument("--range", action="append", metavar="NAME=LOW:HIGH[:log|lin]",
                   help="a range to draw from in a random search: log-uniform (log) or uniform (lin, the default); "
                   "whole numbers for integer options, e.g. --range lr=1e-5:1e-1:log --range batch-size=16:256:log")
    g.add_argument("--sweep-seed", type=T.non_negative_int, metavar="S", help="seed of the random search (default 0; --seed is the "
                   "training seed)")
    g.add_argument("--n-jobs", type=_jobs, metavar="N",
                   help="trials at once, each with one BLAS thread (default 1; -1: every core; with dask: every worker)")
    g.add_argument("--backend", choices=("loky", "dask"), help="loky: processes on this machine (default); "
                   "dask: the workers of a Dask cluster (--scheduler)")
    g.add_argument("--scheduler", metavar="ADDRESS", help="the address of the Dask scheduler, e.g. tcp://HOST:8786")
    g.add_argument("--top", type=_count, metavar="N", help="rows of the table printed (default 10)")
    g.add_argument("--no-retrain", action="store_true", default=None, help="do not retrain the best trial to DIR/best")
    g = sw.add_argument_group("output")
    g.add_argument("--out", metavar="DIR", help="output folder (default sweeps/DATA-MODEL-TIME); rerun with the "
                   "same folder to finish an interrupted sweep")
    g.add_argument("--config", metavar="FILE.toml", help="read the base options from a TOML file")
    g.add_argument("--quiet", action="store_true", default=None, help="print the table only")
    sw.set_defaults(handler=_cmd_sweep, resume=None)


def _cmd_sweep(args: argparse.Namespace) -> int:
    from .._signals import Interrupted, describe, exit_status
    from ..sweep import sweep

    base = train_options(args, exclude=_OWN)
    grid, ranges = _search_space(args)
    made = args.out is None
    out = _output_folder(args, base)
    quiet = bool(args.quiet)

    def report(row, done, total):
        if not quiet:
            shown = ", ".join(f"{k}={_fmt(v)}" for k, v in row["params"].items())
            flag = ", diverged" if row["diverged"] else ""
            print(f"[{done}/{total}] trial {row['trial']}: {shown}: val {pct(row['val_accuracy'])}, "
                  f"train {pct(row['train_accuracy'])} ({row['trial_seconds']:.1f} s{flag})", flush=True)

    try:
        result = sweep(base, grid=grid, random=args.random, ranges=ranges, n_jobs=args.n_jobs,
                       backend=args.backend or "loky", scheduler=args.scheduler, out=out,
                       seed=0 if args.sweep_seed is None else args.sweep_seed,
                       retrain_best=not args.no_retrain, on_trial=report)
    except ImportError as exc:
        raise UsageError(str(exc)) from None
    except Interrupted as exc:
        print(f"ranvier: interrupted ({describe(exc.signum)}); the finished trials are in {out}/trials.json: "
              "rerun the same command to run the others", file=sys.stderr)
        return exit_status(exc.signum)
    except BaseException:
        if made:
            _remove_if_empty(out)
        raise
    _print_result(result, out, args.top, quiet)
    return 0


def _search_space(args: argparse.Namespace) -> tuple[dict, dict]:
    """``(grid, ranges)`` of ``--grid`` and ``--range``, each option named once; and ``--scheduler``'s backend checked."""
    from ..sweep import parse_grid, parse_range

    try:
        grid = _named(map(parse_grid, args.grid or ()), "--grid")
        ranges = _named(map(parse_range, args.range or ()), "--range")
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    if args.scheduler and args.backend != "dask":
        raise UsageError("--scheduler is the address of a Dask scheduler: give --backend dask too")
    return grid, ranges


def _output_folder(args: argparse.Namespace, base) -> str:
    """``--out``, or a new folder under ``sweeps/``, made atomically: sweeps started together never share one."""
    from ..runfolder import unique_folder

    if args.out is not None and not args.out.strip():
        raise UsageError("--out is empty; give a folder name such as --out sweeps/mine, or leave the option out "
                         "for the default folder")
    if args.out is None:
        return str(unique_folder("sweeps", f"{data_stem(base.data)}-{base.model}-{time.strftime('%Y%m%d-%H%M%S')}"))
    return args.out


def _print_result(result, out: str, top: int | None, quiet: bool) -> None:
    """The ranked table; without ``--quiet`` also the count of trials, the best one and the files written."""
    from ..sweep import format_table

    total = len(result.rows)
    if not quiet:
        kept = total - result.ran
        print(f"{total} trials ({result.ran} run now" + (f", {kept} read back from {out}/trials.json" if kept else "")
              + "), ranked by validation accuracy:")
    print(format_table(result.rows, result.varying, top=10 if top is None else top))
    if quiet:
        return
    best = result.best
    if best is not None:
        shown = " ".join(f"--{k.replace('_', '-')} {_fmt(v, arg=True)}" for k, v in best["params"].items())
        print(f"best: trial {best['trial']} ({shown}), val accuracy {pct(best['val_accuracy'])}")
        if result.best_run is not None:
            test = result.best_run.summary.get("test_accuracy")
            print(f"retrained to {result.out}/best: test accuracy {pct(test)} (measured once, after choosing)")
    wrote = ["trials.csv", "trials.json"] + (["heatmap.png"] if (result.out / "heatmap.png").exists()
                                               and {"lr", "reg"} <= set(result.varying) else [])
    print(f"wrote {result.out}/{', '.join(wrote)}", file=sys.stdout)


def _remove_if_empty(folder: str) -> None:
    """A sweep that failed before its first file leaves no empty default folder (nor an empty sweeps/)."""
    for path in (folder, os.path.dirname(folder)):
        try:
            os.rmdir(path)
        except OSError:
            return


def _named(pairs, flag: str) -> dict:
    out: dict = {}
    for name, values in pairs:
        if name in out:
            raise ValueError(f"{flag} {name} is given twice: put every value in one {flag} {name}=...")
        out[name] = values
    return out


def _fmt(value, arg: bool = False) -> str:
    if isinstance(value, (list, tuple)):
        return ",".join(map(str, value)) if arg else "-".join(map(str, value))
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)
