"""The rows of a sweep: what a trial row records, which row is best, and the ranked table of them."""

from __future__ import annotations

import math
from typing import Mapping, Sequence

METRICS = ("val_accuracy", "val_loss", "train_accuracy", "train_loss", "epochs_run", "best_epoch",
           "seconds", "trial_seconds", "diverged", "stopped_reason", "num_params")
"""What a trial row records besides its options (``seconds``: the training loop; ``trial_seconds``:
the whole trial, data loading and scoring included)."""


def best_row(rows: Sequence[Mapping]) -> dict | None:
    """The best row: highest validation accuracy, then lowest validation loss, then first.

    Rows without a validation accuracy (a NaN loss) come last; None when there are no rows.
    """
    if not rows:
        return None
    return dict(min(rows, key=_rank))


def _rank(row: Mapping) -> tuple:
    acc, loss = row.get("val_accuracy"), row.get("val_loss")
    return (-(acc if acc is not None else -math.inf), loss if loss is not None else math.inf,
            row.get("trial") if row.get("trial") is not None else math.inf)


def _show(value) -> str:
    if isinstance(value, (list, tuple)):
        return "-".join(str(v) for v in value)
    if isinstance(value, float):
        return f"{value:.3g}"
    return str(value)


def format_table(rows: Sequence[Mapping], varying: Sequence[str], *, top: int | None = 10) -> str:
    """The trials sorted by validation accuracy (best first), ``top`` of them, as aligned text."""
    ranked = sorted(rows, key=_rank)[:top] if top is not None else sorted(rows, key=_rank)

    def pct(v):
        return "n/a" if v is None else f"{100 * v:.2f}%"

    def num(v, fmt):
        return "n/a" if v is None else format(v, fmt)

    header = ["rank", "trial", *varying, "val acc", "val loss", "train acc", "train loss", "epochs", "seconds"]
    body = []
    for rank, r in enumerate(ranked, 1):
        options = r.get("options", {})
        body.append([str(rank), "" if r.get("trial") is None else str(r["trial"]),
                     *(_show(options.get(n)) for n in varying),
                     pct(r.get("val_accuracy")), num(r.get("val_loss"), ".4f"), pct(r.get("train_accuracy")),
                     num(r.get("train_loss"), ".4f"),
                     f"{r.get('epochs_run')}" + (" diverged" if r.get("diverged") else ""),
                     num(r.get("seconds"), ".2f")])
    widths = [max(len(h), *(len(b[j]) for b in body)) if body else len(h) for j, h in enumerate(header)]
    left = set(range(2, 2 + len(varying)))  # option columns read better left-aligned
    lines = []
    for cells in [header, *body]:
        lines.append("  ".join(c.ljust(w) if j in left else c.rjust(w) for j, (c, w) in enumerate(zip(cells, widths, strict=True))))
    return "\n".join(line.rstrip() for line in lines)


