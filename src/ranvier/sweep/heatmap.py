"""The picture of a sweep: validation accuracy over two options, a heat map for a grid, a scatter plot for a random search."""

from __future__ import annotations

import os
from typing import Mapping, Sequence

import numpy as np

__all__ = ["plot_heatmap"]


def plot_heatmap(rows: Sequence[Mapping], path: str | os.PathLike | None = None, *, x: str = "lr", y: str = "reg",
                 value: str = "val_accuracy", title: str | None = None, dpi: float = 100):
    """Validation accuracy over two options: CS231n's picture of a learning-rate x regularisation sweep.

    A grid (few distinct values of each) is drawn as a heat map with one cell
    per pair, annotated with its accuracy; when other options vary too, a
    cell shows the best trial of that pair.  A random search (values all
    different) is drawn as a scatter plot, coloured by accuracy, on log axes
    where the values are all > 0.

    Parameters
    ----------
    rows : sequence of dict
        Trial rows (:attr:`SweepResult.rows <ranvier.sweep.search.SweepResult.rows>`, or those of
        ``trials.json``).
    path : path-like, optional
        Where to write the picture (PNG, PDF or SVG by its suffix).
    x, y : str
        The options on the horizontal and vertical axes.
    value : str, default 'val_accuracy'
    title : str, optional
    dpi : float, default 100

    Returns
    -------
    matplotlib.figure.Figure
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    points = [(r["options"][x], r["options"][y], r.get(value)) for r in rows]
    if not points:
        raise ValueError("no trials to draw")
    xs = sorted({p[0] for p in points})
    ys = sorted({p[1] for p in points})
    grid = len(xs) * len(ys) <= 2 * len(points) and len(xs) <= 12 and len(ys) <= 12
    fig = Figure(figsize=(1.6 + 1.0 * max(len(xs), 3), 1.4 + 0.7 * max(len(ys), 3)) if grid else (6.5, 5), dpi=dpi,
                 layout="constrained")
    FigureCanvasAgg(fig)
    ax = fig.subplots()
    label = value.replace("val_", "validation ").replace("_", " ")
    if grid:
        image = _draw_grid(ax, points, xs, ys, x, y)
    else:
        image = _draw_scatter(ax, points, x, y)
    fig.colorbar(image, ax=ax, label=label)
    ax.set_title(title if title is not None else f"{label} by {x} and {y}")
    if path is not None:
        fig.savefig(path, dpi=dpi)
    return fig


def _draw_grid(ax, points: list, xs: list, ys: list, x: str, y: str):
    """One cell per pair of values, annotated with its value (the best trial of the pair); returns the image."""
    Z = np.full((len(ys), len(xs)), np.nan)
    for px, py, v in points:
        i, j = ys.index(py), xs.index(px)
        if v is not None and not (Z[i, j] >= v):
            Z[i, j] = v
    finite = Z[np.isfinite(Z)]
    vmin, vmax = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
    image = ax.imshow(np.ma.masked_invalid(Z), origin="lower", cmap="viridis", aspect="auto",
                      vmin=vmin, vmax=vmax if vmax > vmin else vmin + 1e-9)
    middle = (vmin + vmax) / 2
    for i in range(len(ys)):
        for j in range(len(xs)):
            text = "n/a" if not np.isfinite(Z[i, j]) else f"{Z[i, j]:.3f}"
            dark = not np.isfinite(Z[i, j]) or Z[i, j] < middle
            ax.text(j, i, text, ha="center", va="center", fontsize=9, color="white" if dark else "black")
    ax.set_xticks(range(len(xs)), _ticks(xs))
    ax.set_yticks(range(len(ys)), _ticks(ys))
    ax.set_xlabel(f"{x} (log scale)" if _log_spaced(xs) else x)
    ax.set_ylabel(f"{y} (log scale)" if _log_spaced(ys) else y)
    return image


def _draw_scatter(ax, points: list, x: str, y: str):
    """A point per trial coloured by its value, the best ringed, the unscored crossed; returns the scatter."""
    px = np.array([p[0] for p in points], dtype=float)
    py = np.array([p[1] for p in points], dtype=float)
    pv = np.array([np.nan if p[2] is None else p[2] for p in points], dtype=float)
    ok = np.isfinite(pv)
    image = ax.scatter(px[ok], py[ok], c=pv[ok], cmap="viridis", s=60, edgecolors="0.2")
    if ok.any():
        top = np.flatnonzero(ok)[np.argmax(pv[ok])]
        ax.scatter(px[top], py[top], s=220, facecolors="none", edgecolors="C3", linewidths=2,
                   label=f"best: {pv[top]:.3f}")
    if (~ok).any():
        ax.scatter(px[~ok], py[~ok], marker="x", color="C3", label="no score (diverged)")
    if ok.any() or (~ok).any():
        ax.legend(fontsize="small")
    if (px > 0).all():
        ax.set_xscale("log")
    if (py > 0).all():
        ax.set_yscale("log")
    ax.set_xlabel(x)
    ax.set_ylabel(y)
    ax.grid(alpha=0.3, which="major")
    return image


def _ticks(values: Sequence) -> list[str]:
    """Tick labels of one axis: 1e-03 style for all of them when some value is tiny or huge."""
    numbers = [v for v in values if isinstance(v, float) and v != 0]
    exponent = any(not 1e-2 <= abs(v) < 1e4 for v in numbers)
    labels = []
    for v in values:
        if isinstance(v, (list, tuple)):
            labels.append("-".join(map(str, v)))
        elif exponent and isinstance(v, float) and v != 0:
            text = f"{v:.0e}"  # 1e-03, as the lecture's plots label rates
            labels.append(text if float(text) == v else f"{v:.2e}")
        else:
            labels.append(f"{v:g}" if isinstance(v, (int, float)) else str(v))
    return labels


def _log_spaced(values: Sequence) -> bool:
    v = [float(a) for a in values if isinstance(a, (int, float)) and a > 0]
    if len(v) < 3:
        return len(v) == 2 and v[1] / v[0] >= 10
    ratios = np.diff(np.log10(v))
    return bool(np.all(ratios > 0.25))

