"""Small helpers for the reprs of ranvier's results: numbers in few digits and HTML
tables for notebooks (``_repr_html_``), escaped, with no styling beyond the notebook's."""

from __future__ import annotations

import html
import math
from collections.abc import Sequence

__all__ = ["html_table", "num", "point"]


def num(value, digits: int = 4) -> str:
    """A number in ``digits`` significant digits; None as ``-``."""
    if value is None:
        return "-"
    value = float(value)
    return f"{value:.{digits}g}" if math.isfinite(value) else str(value)


def point(p, digits: int = 4) -> str:
    """A point as ``(x, y)`` with ``digits`` significant digits per coordinate."""
    return "(" + ", ".join(num(v, digits) for v in p) + ")"


def html_table(header: Sequence[str], rows: Sequence[Sequence], caption: str | None = None) -> str:
    """An HTML table of ``rows`` (cells converted by ``str``, every cell escaped)."""
    cap = f"<caption>{html.escape(caption)}</caption>" if caption else ""
    head = "".join(f"<th>{html.escape(str(h))}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table>{cap}<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
