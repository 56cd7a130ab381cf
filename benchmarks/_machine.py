"""What machine a benchmark ran on, and the BLAS set-up every benchmark starts with."""

from __future__ import annotations

import os
import platform
import sys

SLOW_BLAS = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")


def without_slow_blas() -> None:
    """Restart this script without the variables that force a slow OpenBLAS kernel.

    This machine sets OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE; users' machines
    don't.  Call it before anything imports NumPy (which loads OpenBLAS).
    """
    if any(v in os.environ for v in SLOW_BLAS):
        env = {k: v for k, v in os.environ.items() if k not in SLOW_BLAS}
        print(f"restarting without {', '.join(v for v in SLOW_BLAS if v in os.environ)}", flush=True)
        os.execve(sys.executable, [sys.executable, *sys.argv], env)


def cpu() -> str:
    """The CPU's model name (from /proc/cpuinfo where there is one)."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            return next(line.split(":", 1)[1].strip() for line in f if line.startswith("model name"))
    except (OSError, StopIteration):
        return platform.processor() or platform.machine() or "unknown CPU"


def blas() -> str:
    """The BLAS libraries loaded, with their kernel and thread count (threadpoolctl)."""
    from threadpoolctl import threadpool_info

    found = [f"{i['internal_api']} {i.get('version', '')} ({i.get('architecture', '?')} kernel, {i['num_threads']} threads)"
             for i in threadpool_info() if i["user_api"] == "blas"]
    return "; ".join(found) or "unknown"


def markdown_table(header, rows) -> list[str]:
    """A markdown table's lines: the header, the rule, a line per row."""
    return ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)] + ["| " + " | ".join(r) + " |" for r in rows]


def save_report(lines: list[str], out: str | None) -> None:
    """Write a benchmark's markdown report to ``out`` (when given) and say so."""
    if out:
        with open(out, "w", encoding="utf-8") as f:
            f.write("\n".join(lines) + "\n")
        print(f"wrote {out}")
