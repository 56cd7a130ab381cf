"""The files of a sweep: ``trials.json`` and ``trials.csv``, rewritten as each trial finishes and read back on a rerun."""

from __future__ import annotations

import csv
import io
import json
import os
from pathlib import Path
from typing import Mapping, Sequence

from .._archive import atomic_write_text
from ..experiment.options import TrainOptions
from .rows import METRICS
from .trials import _FIXED, _OPTION_NAMES, _key


def read_trials(out: str | os.PathLike) -> list[dict]:
    """The rows of ``out/trials.json`` (empty when there is none)."""
    path = Path(out) / "trials.json"
    if not path.exists():
        return []
    try:
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
        rows = data["trials"]
        if not isinstance(rows, list) or not all(isinstance(r, dict) and isinstance(r.get("options"), dict) for r in rows):
            raise TypeError("'trials' must be a list of rows with their options")
    except (ValueError, KeyError, TypeError) as exc:
        raise ValueError(f"{path}: not a trials file written by a ranvier sweep ({exc}); "
                         "move it away or give another --out") from None
    return rows


def _previous(out: Path) -> tuple[dict[str, dict], list[dict]]:
    """Rows of an earlier run, by trial key; and those whose options no longer parse."""
    done, others = {}, []
    for row in read_trials(out):
        try:
            key = _key(TrainOptions.from_dict(row["options"]))
        except (TypeError, ValueError):
            others.append(row)
            continue
        done.setdefault(key, row)
    return done, others


def _write_rows(out: Path, rows: Mapping[int, dict], others: list[dict], varying: list[str]) -> None:
    """Rewrite trials.json and trials.csv (each written aside, then renamed into place)."""
    ordered = [rows[i] for i in sorted(rows)]
    foreign = [{**r, "trial": None} for r in others]
    all_rows = ordered + foreign
    atomic_write_text(out / "trials.json", json.dumps({"varying": varying, "trials": all_rows}, indent=1))
    atomic_write_text(out / "trials.csv", rows_to_csv(all_rows, varying))


def rows_to_csv(rows: Sequence[Mapping], varying: Sequence[str]) -> str:
    """CSV text: ``trial``, the options that vary, the metrics, then every other option."""
    rest = [n for n in _OPTION_NAMES if n not in varying and n not in _FIXED]
    header = ["trial", *varying, *METRICS, *rest]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        options = row.get("options", {})
        cells = [row.get("trial")]
        cells += [options.get(n) for n in varying]
        cells += [row.get(m) for m in METRICS]
        cells += [options.get(n) for n in rest]
        writer.writerow(["" if c is None else _csv_cell(c) for c in cells])
    return buffer.getvalue()


def _csv_cell(value) -> str:
    if isinstance(value, (list, tuple)):
        return "-".join(str(v) for v in value)
    if isinstance(value, float):
        return repr(value)
    return str(value)


