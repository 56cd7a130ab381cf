"""Optimiser paths on a 2-D function: filled log-spaced contours, start, end and minimum marked,
optionally the 3-D surface beside them and the direction of steepest descent as arrows.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping

import numpy as np

from ._base import _axes, _check_dpi, _figure, _root, _save
from .colors import _function_name, MINIMUM_COLOR, run_color

__all__ = ["growing", "plot_paths"]


def _as_runs(runs) -> dict:
    from ..descent.recorder import GDResult

    if isinstance(runs, GDResult):
        return {"gd": runs}
    if not isinstance(runs, Mapping) or not runs:
        raise TypeError("runs must be a GDResult or a non-empty dict of label -> GDResult "
                        "(e.g. from ranvier.descent.paths.compare)")
    for label, r in runs.items():
        if not isinstance(r, GDResult):
            raise TypeError(f"runs[{label!r}] must be a GDResult, got {type(r).__name__}")
        if r.path.ndim != 2 or r.path.shape[1] != 2:
            raise ValueError(f"runs[{label!r}] is not a 2-D path: its points have shape {r.path.shape[1:]}")
    return dict(runs)


def _window(objective, runs: dict, bounds) -> tuple[tuple[float, float], tuple[float, float]]:
    """The plotting window: ``bounds`` or the function's, widened to show every start."""
    (x0, x1), (y0, y1) = objective.bounds if bounds is None else bounds
    if not (x0 < x1 and y0 < y1):
        raise ValueError(f"bounds must be ((xmin, xmax), (ymin, ymax)) with min < max, got {bounds}")
    if bounds is None:
        starts = np.array([r.path[0] for r in runs.values()])
        pad_x, pad_y = 0.05 * (x1 - x0), 0.05 * (y1 - y0)
        x0, x1 = min(x0, starts[:, 0].min() - pad_x), max(x1, starts[:, 0].max() + pad_x)
        y0, y1 = min(y0, starts[:, 1].min() - pad_y), max(y1, starts[:, 1].max() + pad_y)
    return (float(x0), float(x1)), (float(y0), float(y1))


def _grid(objective, window, n: int):
    (x0, x1), (y0, y1) = window
    X, Y = np.meshgrid(np.linspace(x0, x1, n), np.linspace(y0, y1, n))
    with np.errstate(over="ignore", invalid="ignore"):
        Z = np.asarray(objective.value(X, Y), dtype=np.float64)
    finite = np.isfinite(Z)
    if not finite.all():  # an overflow far out: draw it at the highest level
        Z = np.where(finite, Z, Z[finite].max() if finite.any() else 0.0)
    return X, Y, Z


def _levels(Z: np.ndarray, n: int, log: bool, floor: float | None = None) -> np.ndarray:
    """``n + 1`` contour levels from ``Z.min()`` (or the function's known minimum
    ``floor``, so that the colour-bar ticks ``floor + 10**k`` are round) to ``Z.max()``:
    log-spaced above the minimum (``log``), else evenly spaced."""
    lo, hi = float(np.nanmin(Z)), float(np.nanmax(Z))
    if floor is not None and floor <= lo:
        lo = float(floor)
    span = hi - lo
    if not span > 0:
        return np.array([lo - 0.5, lo + 0.5])
    if not log:
        return np.linspace(lo, hi, n + 1)
    return lo + np.concatenate([[0.0], np.geomspace(span * 1e-4, span, n)])


def _level_ticks(levels: np.ndarray, log: bool) -> np.ndarray:
    """A few round colour-bar ticks: ``min + 10**k`` on a log scale."""
    lo, hi = levels[0], levels[-1]
    if not log:
        from matplotlib.ticker import MaxNLocator

        ticks = MaxNLocator(6).tick_values(lo, hi)
        return ticks[(ticks >= lo) & (ticks <= hi)]
    k = np.arange(math.ceil(math.log10(levels[1] - lo)), math.floor(math.log10(hi - lo)) + 1)
    k = k[:: max(1, math.ceil(len(k) / 6))]
    return np.concatenate([[lo], lo + 10.0 ** k])


def _paths_figsize(window, surface: bool) -> tuple[float, float]:
    """Contours at equal aspect, about 5 inches wide, with room for the colour bar and legend."""
    (x0, x1), (y0, y1) = window
    h = min(max(5.0 * (y1 - y0) / (x1 - x0), 2.4), 6.0)
    w = 5.0 * min(1.0, 6.0 / (5.0 * (y1 - y0) / (x1 - x0)))
    width = w + 1.6 + (5.0 if surface else 0.0)
    return (round(width, 1), round(max(h, 3.6 if surface else 0) + 1.6, 1))


def _visible(points: np.ndarray, window) -> np.ndarray:
    """The points up to the first non-finite one or the first far outside the window
    (that one included, so the line runs off the edge)."""
    (x0, x1), (y0, y1) = window
    w, h = x1 - x0, y1 - y0
    far = ~np.isfinite(points).all(axis=1)
    with np.errstate(invalid="ignore"):
        far |= (points[:, 0] < x0 - 10 * w) | (points[:, 0] > x1 + 10 * w)
        far |= (points[:, 1] < y0 - 10 * h) | (points[:, 1] > y1 + 10 * h)
    bad = np.flatnonzero(far)
    if bad.size == 0:
        return points
    k = bad[0]
    keep = points[: k + (1 if np.isfinite(points[k]).all() else 0)]
    return keep if len(keep) else points[:1]


def _inside(point: np.ndarray, window) -> bool:
    (x0, x1), (y0, y1) = window
    return bool(x0 <= point[0] <= x1 and y0 <= point[1] <= y1)


def growing(r) -> bool:
    """True when a run diverged, or ended with a higher cost than it started with
    (it is diverging, but had not crossed gd's blow-up threshold when it stopped)."""
    return bool(r.diverged or not r.costs[-1] <= r.costs[0])


def _run_label(label: str, r, window) -> str:
    if r.diverged:
        return f"{label} (diverged at step {r.n_iters})"
    if growing(r):
        return f"{label} (diverging: cost up {r.costs[-1] / r.costs[0]:.2g}x)" if r.costs[0] > 0 else \
            f"{label} (diverging)"
    end = r.path[-1]
    if not _inside(end, window):
        return f"{label} (ran off)"
    return f"{label} ({r.n_iters} steps)"


def _line_style(i: int, n: int, n_points: int) -> dict:
    """How run ``i`` of ``n`` is drawn so that paths that overlap stay visible: an
    earlier run wider and below a later one (it shows as a rim), every run after the
    first dashed with its own phase (the runs below show through the gaps), and a
    dot on every iterate of a run short enough for the dots to read as steps."""
    style = {"lw": 1.5 + 1.1 * (n - 1 - i), "solid_capstyle": "round"}
    if i > 0:
        on = 5.0 + i
        style.update(ls=(1.7 * i, (on, 2.5)), dash_capstyle="butt")
    if n_points <= 100:
        style.update(marker="o", ms=2.0 + 0.6 * style["lw"], markevery=1)
    return style


class _PathsFigure:
    """The paths picture, redrawable at any iteration (for the animation).

    Run ``i`` has colour :func:`run_color(i) <run_color>` everywhere; overlapping
    paths stay visible (:func:`_line_style`).
    """

    def __init__(self, objective, runs, *, surface, arrows, bounds, levels, figsize, dpi, title, ax=None):
        self.objective, self.runs = objective, runs
        self.window = _window(objective, runs, bounds)
        if title is None:
            what = "One run" if len(runs) == 1 else f"{len(runs)} runs"
            title = f"{what} on {_function_name(objective)}"
        self.title = title
        self.n_max = max(r.n_iters for r in runs.values())
        if ax is None:
            self.fig = fig = _figure(figsize or _paths_figsize(self.window, surface), dpi)
            if surface:
                self.ax, self.ax3 = fig.add_subplot(1, 2, 1), fig.add_subplot(1, 2, 2, projection="3d")
            else:
                self.ax, self.ax3 = fig.add_subplot(1, 1, 1), None
        else:
            if surface:
                raise ValueError("surface=True draws a second, 3-D axes: leave ax=None to get a figure of both")
            self.fig, self.ax = _axes(ax, (1, 1), dpi)
            self.ax3 = None
        X, Y, Z = _grid(objective, self.window, 200)
        self._contours(X, Y, Z, levels, own_figure=ax is None)
        if arrows:
            self._arrows(self.ax)
        if surface:
            self._surface(X, Y, Z)
        self._paths()
        self._legend(own_figure=ax is None)
        self.update(None)

    def _contours(self, X, Y, Z, levels: int, own_figure: bool) -> None:
        from matplotlib import colormaps
        from matplotlib.colors import BoundaryNorm

        objective, ax = self.objective, self.ax
        log = objective.min_value is not None  # a function unbounded below gets even levels
        lv = _levels(Z, levels, log, objective.min_value)
        self.cmap = cmap = colormaps["viridis"]
        filled = ax.contourf(X, Y, Z, levels=lv, cmap=cmap, norm=BoundaryNorm(lv, cmap.N))
        ax.contour(X, Y, Z, levels=lv[1::2], colors="k", linewidths=0.3, alpha=0.35)
        cbar = _root(ax).colorbar(filled, ax=ax, shrink=0.85, pad=0.02)
        ticks = _level_ticks(lv, log)
        cbar.set_ticks(ticks, labels=[f"{t:g}" for t in ticks])
        cbar.set_label(f"{objective.name}(x, y)" + (", log-spaced levels" if log else ""))
        (x0, x1), (y0, y1) = self.window
        ax.set_xlim(x0, x1)
        ax.set_ylim(y0, y1)
        ax.set_aspect("equal")
        ax.set_xlabel("x")
        ax.set_ylabel("y")

    def _paths(self) -> None:
        ax, n = self.ax, len(self.runs)
        self.lines, self.heads, self.lines3, self.heads3 = [], [], [], []
        for i, (label, r) in enumerate(self.runs.items()):
            c, style = run_color(i), _line_style(i, n, len(r.path))
            pts = _visible(r.path, self.window)
            ax.plot(*pts[0], marker="o", ms=9, mfc=c, mec="k", mew=1.0, ls="none", zorder=5 + 0.01 * i)
            line, = ax.plot([], [], color=c, zorder=4 + 0.01 * i, **style)
            head, = ax.plot([], [], marker="o", ms=8, mfc=c, mec="k", mew=1.0, ls="none", zorder=6 + 0.01 * i,
                            clip_on=False)
            self.lines.append(line)
            self.heads.append(head)
            if self.ax3 is not None:
                line3, = self.ax3.plot([], [], [], color=c, lw=style["lw"], zorder=10)
                head3, = self.ax3.plot([], [], [], marker="o", ms=6, mfc=c, mec="k", ls="none", zorder=11)
                self.lines3.append(line3)
                self.heads3.append(head3)
        for m in np.asarray(self.objective.minima).reshape(-1, 2):
            ax.plot(*m, marker="*", ms=17, mfc=MINIMUM_COLOR, mec="k", mew=0.8, ls="none", zorder=7)

    def _legend(self, own_figure: bool) -> None:
        from matplotlib.lines import Line2D

        n = len(self.runs)
        handles = [Line2D([], [], color=run_color(i), label=_run_label(label, r, self.window),
                          **{**_line_style(i, n, 0), "lw": 3})
                   for i, (label, r) in enumerate(self.runs.items())]
        handles += [
            Line2D([], [], color="0.3", marker="o", ms=7, mec="k", ls="none", label="start"),
            Line2D([], [], color="0.3", marker="X", ms=8, mec="k", ls="none", label="end (X: diverging or ran off)"),
        ]
        if len(self.objective.minima):
            handles.append(Line2D([], [], marker="*", ms=13, mfc=MINIMUM_COLOR, mec="k", ls="none", label="minimum"))
        if not own_figure:
            self.ax.legend(handles=handles, fontsize="small", framealpha=0.85)
            return
        wide = self.fig.get_figwidth() >= 9
        self.fig.legend(handles=handles, loc="outside lower center", ncol=3 if wide and len(handles) > 6 else 2,
                        fontsize="medium", frameon=False)

    def _arrows(self, ax) -> None:
        """Unit arrows along the negative gradient on a coarse grid (perpendicular to the
        contours, as the axes have equal aspect)."""
        (x0, x1), (y0, y1) = self.window
        k = 15
        gx_, gy_ = np.linspace(x0, x1, k + 2)[1:-1], np.linspace(y0, y1, k + 2)[1:-1]
        X, Y = np.meshgrid(gx_, gy_)
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            gx, gy = self.objective.gradient(X, Y)
            gx, gy = np.broadcast_to(gx, X.shape), np.broadcast_to(gy, X.shape)
            norm = np.hypot(gx, gy)
            ok = np.isfinite(norm) & (norm > 0)
            step = 0.4 * min(gx_[1] - gx_[0], gy_[1] - gy_[0])
            U = np.where(ok, -gx / np.where(ok, norm, 1.0), 0.0) * step
            V = np.where(ok, -gy / np.where(ok, norm, 1.0), 0.0) * step
        ax.quiver(X[ok], Y[ok], U[ok], V[ok], angles="xy", scale_units="xy", scale=1, pivot="mid",
                  color="white", alpha=0.55, width=0.004, zorder=3)

    def _surface(self, X, Y, Z) -> None:
        ax3, cmap = self.ax3, self.cmap
        lo = float(np.nanmin(Z))
        self._zmin = lo
        s = slice(None, None, 4)
        ax3.plot_surface(X[s, s], Y[s, s], self._z(Z[s, s]), cmap=cmap, linewidth=0, antialiased=False,
                         alpha=0.75, rcount=50, ccount=50)
        ax3.set_xlabel("x")
        ax3.set_ylabel("y")
        ax3.set_title("The surface, at height log10(1 + f - min)", fontsize="medium")
        ax3.view_init(elev=40, azim=-120)

    def _z(self, f: np.ndarray) -> np.ndarray:
        with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
            return np.log10(1.0 + np.maximum(np.asarray(f, dtype=np.float64) - self._zmin, 0.0))

    def update(self, step: int | None) -> None:
        """Show every path up to iteration ``step`` (all of it when None)."""
        for i, r in enumerate(self.runs.values()):
            k = r.n_iters if step is None else min(step, r.n_iters)
            pts = _visible(r.path[: k + 1], self.window)
            self.lines[i].set_data(pts[:, 0], pts[:, 1])
            finished = k == r.n_iters
            end = pts[-1]
            (x0, x1), (y0, y1) = self.window
            shown = np.array([np.clip(end[0], x0, x1), np.clip(end[1], y0, y1)])
            self.heads[i].set_data([shown[0]], [shown[1]])
            self.heads[i].set_marker("X" if finished and (growing(r) or not _inside(end, self.window)) else "o")
            self.heads[i].set_markersize(9 if finished else 7)
            if self.ax3 is not None:
                inside = np.array([_inside(p, self.window) for p in pts])
                p3 = pts[inside] if inside.any() else pts[:1]
                with np.errstate(over="ignore", invalid="ignore"):
                    z = self._z(self.objective.value(p3[:, 0], p3[:, 1]))
                self.lines3[i].set_data_3d(p3[:, 0], p3[:, 1], z)
                self.heads3[i].set_data_3d(p3[-1:, 0], p3[-1:, 1], z[-1:])
        shown_step = self.n_max if step is None else min(step, self.n_max)
        suffix = "" if step is None else f", step {shown_step} of {self.n_max}"
        self.ax.set_title(self.title + suffix)


def plot_paths(
    objective,
    runs,
    path: str | os.PathLike | None = None,
    *,
    surface: bool = False,
    arrows: bool = False,
    bounds: tuple[tuple[float, float], tuple[float, float]] | None = None,
    levels: int = 24,
    title: str | None = None,
    figsize: tuple[float, float] | None = None,
    dpi: float = 100,
    ax=None,
):
    """Optimiser paths on a 2-D function, over its filled contours.

    Parameters
    ----------
    objective : Objective or str
        The function, e.g. ``"rosenbrock"`` (see :data:`ranvier.OBJECTIVES`).
    runs : GDResult or dict of str to GDResult
        Recorded runs by label, e.g. from :func:`ranvier.descent.paths.compare`,
        :func:`ranvier.descent.paths.run_optimizer` or :func:`ranvier.gd`.  Each path is
        drawn with its start (a circle), its end (a circle; an X when it
        diverged or ran off the window, drawn at the window's edge) and every
        iterate; the minima are magenta stars (:data:`MINIMUM_COLOR`).
    path : path-like, optional
        Where to write the picture.
    surface : bool, default False
        Draw the 3-D surface (height ``log10(1 + f - min)``) with the paths beside the contours.
    arrows : bool, default False
        Draw the direction of steepest descent ``-grad f / |grad f|`` on a grid.
    bounds : ((xmin, xmax), (ymin, ymax)), optional
        The window; default the function's own, widened to show every start.
    levels : int, default 24
        Number of log-spaced contour levels above the minimum of the window.
    title : str, optional
    figsize : (width, height) in inches, optional
    dpi : float, default 100
    ax : matplotlib Axes, optional
        Draw into these axes (with the legend inside them) instead of a new
        figure; not with ``surface``.

    Returns
    -------
    matplotlib.figure.Figure
        The contour axes is ``fig.axes[0]`` (the axes given, in their figure).
        Run ``i`` is drawn in :func:`run_color(i) <run_color>`.
    """
    from ..descent.functions import get_objective

    objective = get_objective(objective)
    runs = _as_runs(runs)
    levels = _check_levels(levels)
    pf = _PathsFigure(objective, runs, surface=surface, arrows=arrows, bounds=bounds, levels=levels,
                      figsize=figsize, dpi=_check_dpi(dpi), title=title, ax=ax)
    return _save(pf.fig, path)


def _check_levels(levels: int) -> int:
    if isinstance(levels, bool) or not isinstance(levels, (int, np.integer)) or levels < 2:
        raise ValueError(f"levels must be an integer >= 2, got {levels!r}")
    return int(levels)
