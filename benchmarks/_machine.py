"""What machine a benchmark ran on: the lines every benchmark report starts with."""

from __future__ import annotations

import platform


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
