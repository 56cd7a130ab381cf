"""Pictures of the lecture: optimiser paths and their animation, learning-rate
curves, training curves, decision boundaries with the hidden units as features,
learned templates, activation functions and confusion matrices.

matplotlib is imported only when a picture is drawn (``import ranvier`` does not
import it), and without pyplot: every function builds its own figure on the Agg
canvas, so no display is needed and no global figure list grows.  The figure
carries a PNG representation (:mod:`ranvier._figure`), so Jupyter shows it when it
is returned or passed to ``display()``, without ``%matplotlib inline``.  Every
function takes ``ax=`` (or ``fig=``, a Figure or SubFigure, for a picture of
several panels) to draw into the caller's own axes instead.  Every function
returns the (top-level) figure and, given a ``path``, writes it there (PNG, PDF,
SVG, ... by the suffix) at the figure's own ``dpi`` and without cropping, so a
point's pixel in the file is ``fig.dpi``-exact: ``ax.transData.transform(point)``
after ``fig.canvas.draw()`` gives its position, measured from the bottom left.
Run ``i`` of a comparison has the colour :func:`run_color(i) <run_color>` in every
picture of it (paths, animation, costs).

* :func:`plot_paths`: optimiser paths on a 2-D function over log-spaced filled
  contours, start, end and minimum marked; optionally the 3-D surface beside
  them and the direction of steepest descent as arrows;
* :func:`animate_paths`: the same drawn step by step as a GIF (one palette for
  every frame, so colours stay exact) or MP4 (ffmpeg), or, without a file, an
  animation a notebook plays; a frame per recorded iteration or an even subset of
  them (:func:`frame_steps`);
* :func:`plot_costs`: cost against iteration for several runs, e.g. learning
  rates, a diverging run shown as such (:func:`growing`);
* :func:`plot_history`: training curves, loss per step and accuracy per epoch;
* :func:`plot_boundary`: decision regions of a classifier of 2-D points beside a
  heat map of each hidden unit's output over the plane;
* :func:`plot_templates`: rows of the first weight matrix as images (class
  templates, or what each first-layer unit looks for);
* :func:`plot_activations`: activations and their derivatives, saturation shaded;
* :func:`plot_confusion`: a confusion matrix (:func:`confusion_matrix`) with class names.

The recorded runs come from :func:`ranvier.gd` or :mod:`ranvier.gd.paths`.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

__all__ = [
    "MINIMUM_COLOR",
    "RUN_COLORS",
    "animate_paths",
    "confusion_matrix",
    "frame_steps",
    "growing",
    "plot_activations",
    "plot_boundary",
    "plot_confusion",
    "plot_costs",
    "plot_history",
    "plot_lr_finder",
    "plot_paths",
    "plot_templates",
    "run_color",
]

# One colour per run, the same in every picture of that run (paths, animation, costs): saturated
# colours that stand out on viridis (dark purple at the minimum, yellow far away) and on white,
# none white, grey or near the background, none the magenta of the minimum marker.
RUN_COLORS = ("#ff3b30", "#ff9f0a", "#00e5ff", "#b880ff", "#ff80c0", "#3050ff", "#a0522d")
"""The colour of run ``i`` is ``RUN_COLORS[i % len(RUN_COLORS)]`` in :func:`plot_paths`,
:func:`animate_paths` and :func:`plot_costs`."""
_PATH_COLORS = RUN_COLORS
MINIMUM_COLOR = "#ff00ff"
"""Face colour of the star that marks a function's minimum in :func:`plot_paths`."""
# Names of the test functions in titles that read as sentences.
_FUNCTION_NAMES = {"bowl": "the bowl 0.5 (x² + 10 y²)", "rosenbrock": "Rosenbrock's function",
                   "beale": "Beale's function", "himmelblau": "Himmelblau's function", "saddle": "the saddle x² - y²"}


def run_color(i: int) -> str:
    """The colour of the ``i``-th run (from 0) in every picture of it."""
    return RUN_COLORS[i % len(RUN_COLORS)]


def _function_name(objective) -> str:
    return _FUNCTION_NAMES.get(objective.name, f"the function {objective.name}")


_CLASS_COLORS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b", "#e377c2",
                 "#7f7f7f", "#bcbd22")


# ---------------------------------------------------------------- plumbing
def _figure(figsize: tuple[float, float], dpi: float, *, layout: str | None = "constrained"):
    """A new figure on the Agg canvas: headless, outside pyplot's figure list, and shown
    as a picture when a notebook displays it (:mod:`ranvier._figure`)."""
    from ._figure import new_figure

    return new_figure(figsize, dpi, layout)


def _root(artist):
    """The top-level figure of an Axes, a Figure or a SubFigure."""
    fig = artist.figure
    while fig.figure is not fig:
        fig = fig.figure
    return fig


def _axes(ax, figsize: tuple[float, float], dpi: float, **subplot):
    """``(figure, axes)`` to draw into: the caller's ``ax``, else a new figure's single axes."""
    if ax is None:
        fig = _figure(figsize, _check_dpi(dpi))
        return fig, fig.add_subplot(1, 1, 1, **subplot)
    from matplotlib.axes import Axes

    if not isinstance(ax, Axes):
        raise TypeError(f"ax must be a matplotlib Axes (e.g. from plt.subplots()), got {type(ax).__name__}")
    return _root(ax), ax


def _canvas(fig, figsize: tuple[float, float], dpi: float):
    """The figure (or subfigure) to draw into: the caller's ``fig``, else a new one."""
    if fig is None:
        return _figure(figsize, _check_dpi(dpi))
    from matplotlib.figure import FigureBase

    if not isinstance(fig, FigureBase):
        raise TypeError(f"fig must be a matplotlib Figure or SubFigure, got {type(fig).__name__}")
    return fig


def _save(fig, path) -> Any:
    """Write ``fig`` (its top-level figure) at its own dpi, uncropped, so data
    coordinates map to known pixels; return the top-level figure."""
    fig = _root(fig)
    if path is not None:
        fig.savefig(path, dpi=fig.dpi)
    return fig


def _check_dpi(dpi: float) -> float:
    if isinstance(dpi, bool) or not isinstance(dpi, (int, float)) or not (10 <= dpi <= 1000):
        raise ValueError(f"dpi must be a number between 10 and 1000, got {dpi!r}")
    return float(dpi)


def _smooth(values: np.ndarray, window: int) -> np.ndarray:
    if window <= 1 or len(values) < window:
        return values
    kernel = np.ones(window) / window
    return np.convolve(values, kernel, mode="valid")


# ------------------------------------------------------- optimiser paths
def _as_runs(runs) -> dict:
    from .minimize import GDResult

    if isinstance(runs, GDResult):
        return {"gd": runs}
    if not isinstance(runs, Mapping) or not runs:
        raise TypeError("runs must be a GDResult or a non-empty dict of label -> GDResult "
                        "(e.g. from ranvier.gd.paths.compare)")
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
        Recorded runs by label, e.g. from :func:`ranvier.gd.paths.compare`,
        :func:`ranvier.gd.paths.run_optimizer` or :func:`ranvier.gd`.  Each path is
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
    from .minimize import get_objective

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


def frame_steps(n_iters: int, frames: int | None) -> np.ndarray:
    """The iterations an animation shows: every one of ``0`` to ``n_iters`` when ``frames``
    is None or large enough, else ``frames`` of them evenly spread (first and last included)."""
    if frames is None or frames >= n_iters + 1:
        return np.arange(n_iters + 1)
    if isinstance(frames, bool) or not isinstance(frames, (int, np.integer)) or frames < 2:
        raise ValueError(f"frames must be an integer >= 2, got {frames!r}")
    return np.round(np.linspace(0, n_iters, int(frames))).astype(int)


def animate_paths(
    objective,
    runs,
    path: str | os.PathLike | None = None,
    *,
    frames: int | None = 40,
    fps: float = 10,
    surface: bool = False,
    arrows: bool = False,
    bounds: tuple[tuple[float, float], tuple[float, float]] | None = None,
    levels: int = 16,
    title: str | None = None,
    figsize: tuple[float, float] | None = None,
    dpi: float = 100,
    ax=None,
):
    """The paths of :func:`plot_paths` drawn step by step: the lecture's movies.

    Frame ``j`` shows every run up to iteration ``frame_steps(n, frames)[j]``,
    ``n`` the longest run's number of steps (a run that stopped earlier stays at
    its end); so the frames are in step with the recorded iterations, and there
    are ``min(frames, n + 1)`` of them.  Every run keeps its colour
    (:func:`run_color`) exactly in every frame of a GIF: the frames share one
    palette that holds the run colours.  At the default 100 dpi the legend and
    the labels are 10 pt, 14 pixels (capitals 10 pixels high), readable on a projector.

    Parameters
    ----------
    objective, runs, surface, arrows, bounds, levels, title, figsize, ax
        As for :func:`plot_paths`.
    path : path-like, optional
        ``.gif`` (written by Pillow with one palette for all frames) or ``.mp4``
        (needs ``ffmpeg`` on the ``PATH``).  Without it, nothing is written and
        the animation is returned, for a notebook to show.
    frames : int or None, default 40
        Number of frames; None for one per iteration.
    fps : float, default 10
        Frames per second.
    dpi : float, default 100

    Returns
    -------
    matplotlib.figure.Figure or matplotlib.animation.FuncAnimation
        With ``path``: the figure, showing the last frame.  Without: the
        animation (the same frames as the file), which a notebook shows as an
        HTML/JavaScript player (its ``to_jshtml()``); ``anim.save(...)`` writes it.
    """
    from .minimize import get_objective

    writer_class = None if path is None else _movie_writer(path)
    if not (isinstance(fps, (int, float)) and not isinstance(fps, bool) and 0 < fps <= 100):
        raise ValueError(f"fps must be a number in (0, 100], got {fps!r}")
    objective = get_objective(objective)
    runs = _as_runs(runs)
    pf = _PathsFigure(objective, runs, surface=surface, arrows=arrows, bounds=bounds, levels=_check_levels(levels),
                      figsize=figsize, dpi=_check_dpi(dpi), title=title, ax=ax)
    steps = [int(k) for k in frame_steps(pf.n_max, frames)]
    pf.fig.canvas.draw()
    pf.fig.set_layout_engine("none")  # freeze the layout: every frame the same size and place
    from ._animation import PaletteGifWriter, PathsAnimation

    anim = PathsAnimation(pf.fig, pf.update, frames=steps, interval=1000 / fps, repeat=True, cache_frame_data=False)
    if path is None:
        return anim
    colors = [run_color(i) for i in range(len(runs))] + [MINIMUM_COLOR, "#000000", "#ffffff"]
    writer = PaletteGifWriter(fps, colors) if writer_class is PaletteGifWriter else writer_class(fps=fps)
    anim.save(os.fspath(path), writer=writer, dpi=pf.fig.dpi)
    pf.update(steps[-1])
    return pf.fig


def _movie_writer(path) -> type:
    """The writer class for an animation file, by its suffix."""
    from matplotlib import animation

    from ._animation import PaletteGifWriter

    suffix = os.path.splitext(os.fspath(path))[1].lower()
    if suffix == ".gif":
        return PaletteGifWriter
    if suffix == ".mp4":
        if not animation.writers.is_available("ffmpeg"):
            raise ValueError(f"writing {os.fspath(path)!r} needs ffmpeg on the PATH; install it or ask for a .gif")
        return animation.FFMpegWriter
    raise ValueError(f"an animation is written as .gif or .mp4, got {os.fspath(path)!r}")


def plot_costs(
    runs,
    path: str | os.PathLike | None = None,
    *,
    objective=None,
    title: str | None = None,
    figsize: tuple[float, float] = (6.4, 4.4),
    dpi: float = 100,
    ax=None,
):
    """Cost against iteration for several runs: the lecture's "varying the learning rate".

    Parameters
    ----------
    runs : GDResult or dict of str to GDResult
        E.g. ``ranvier.gd.paths.compare("bowl", "gd", [0.01, 0.05, 0.15, 0.21])``.
    path : path-like, optional
    objective : Objective or str, optional
        With a known minimum value ``f*``, the curves show ``f - f*`` on a log
        scale (the distance to the optimum); otherwise ``f`` itself (on a log
        scale when it stays positive, a symmetric log scale otherwise).
    title : str, optional
    figsize : (width, height) in inches, default (6.4, 4.4)
    dpi : float, default 100
    ax : matplotlib Axes, optional
        Draw into these axes instead of a new figure.

    Returns
    -------
    matplotlib.figure.Figure
        Run ``i`` is drawn in :func:`run_color(i) <run_color>`, its colour in :func:`plot_paths`.

    Notes
    -----
    A diverging run (one that blew up, or whose cost ended above its start) is
    drawn until it leaves the top of the plot, gets an X on the top edge where
    it does, and says so in the legend.
    """
    from .minimize import get_objective

    runs = _as_runs(runs)
    obj = None if objective is None else get_objective(objective)
    f_star = None if obj is None else obj.min_value
    fig, ax = _axes(ax, figsize, dpi)
    ys = {}
    with np.errstate(invalid="ignore", over="ignore"):
        for label, r in runs.items():
            y = r.costs - f_star if f_star is not None else r.costs.copy()
            ys[label] = np.where(np.isfinite(y), y, np.nan)
    stable = [y for (label, y) in ys.items() if not growing(runs[label])]
    reference = np.concatenate(stable or [y[:1] for y in ys.values()])
    finite = reference[np.isfinite(reference)]
    top = float(finite.max()) if finite.size else 1.0
    positive = all((y[np.isfinite(y)] > 0).all() for y in ys.values())
    ceiling = top * 10 if positive else (top * 2 if top > 0 else 1.0)
    for i, (label, y) in enumerate(ys.items()):
        r, c = runs[label], run_color(i)
        text = f"{label}: diverged at step {r.n_iters}" if r.diverged else (
            f"{label}: diverging" if growing(r) else label)
        ax.plot(np.arange(len(y)), y, color=c, lw=1.6, label=text)
        if growing(r):  # an X where the curve leaves the top of the plot
            with np.errstate(invalid="ignore"):
                out = np.flatnonzero(~(y <= ceiling))
            k = int(out[0]) if out.size else r.n_iters
            ax.plot([k], [ceiling], marker="X", ms=10, color=c, mec="k", clip_on=False, zorder=5)
    if positive:
        ax.set_yscale("log")
        bottom = min(float(np.nanmin(y[np.isfinite(y)])) for y in ys.values() if np.isfinite(y).any())
        ax.set_ylim(max(bottom / 2, top * 1e-16), ceiling)
    else:
        ax.set_yscale("symlog", linthresh=1e-3)
        ax.set_ylim(top=ceiling)
    ax.set_xlabel("iteration")
    ax.set_ylabel("cost - minimum" if f_star is not None else "cost")
    ax.grid(alpha=0.3, which="major")
    ax.legend(fontsize="small")
    if title is None:
        title = "Cost per iteration" + (f" on {_function_name(obj)}" if obj is not None else "")
    ax.set_title(title)
    return _save(fig, path)


# -------------------------------------------------------- training curves
def plot_history(history: Any, path: str | os.PathLike | None = None, *, title: str | None = None,
                 dpi: float = 100, fig=None):
    """Learning curves: loss per step (raw and smoothed) and accuracy per epoch.

    Parameters
    ----------
    history : History or dict
        A :class:`~ranvier.History` (or its ``to_dict()``).
    path : path-like, optional
        Where to write the picture (PNG, PDF or SVG by its suffix).
    title : str, optional
    dpi : float, default 100
    fig : matplotlib Figure or SubFigure, optional
        Draw the two panels into it instead of a new figure.

    Returns
    -------
    matplotlib.figure.Figure
        Training values in blue (``C0``) and validation values in orange (``C1``)
        in both panels.
    """
    if isinstance(history, Mapping):
        from .training import History

        history = History.from_dict(history)
    fig = _canvas(fig, (10, 4), dpi)
    ax_loss, ax_acc = fig.subplots(1, 2)
    steps = np.asarray(history.step_loss, dtype=float)
    finite = steps[np.isfinite(steps)]
    ax_loss.plot(np.arange(1, len(steps) + 1), steps, color="0.7", lw=0.8, label="batch loss")
    window = max(1, len(steps) // 50)
    smooth = _smooth(steps, window)
    ax_loss.plot(np.arange(window, window + len(smooth)), smooth, color="C0", label=f"mean of {window} steps")
    n_epochs = history.n_epochs
    val = [np.nan if v is None else v for v in history.epoch.get("val_loss", [])]
    if len(steps) and n_epochs and val and not np.all(np.isnan(val)):
        ends = np.round(np.arange(1, len(val) + 1) * len(steps) / max(n_epochs, len(val)))
        ax_loss.plot(ends, val, color="C1", marker="o", ms=4, label="validation (end of epoch)")
    ax_loss.set_xlabel("step")
    ax_loss.set_ylabel("loss")
    if finite.size and finite.min() > 0:
        ax_loss.set_yscale("log")
    if history.diverged and len(steps):
        ax_loss.axvline(len(steps), color="C3", ls="--", lw=1, label="diverged")
    ax_loss.legend(fontsize="small")
    epochs = np.arange(1, n_epochs + 1)
    for key, label, color in (("accuracy", "train (running)", "C0"), ("val_accuracy", "validation", "C1")):
        values = [np.nan if v is None else v for v in history.epoch.get(key, [])][:n_epochs]
        if values and not np.all(np.isnan(values)):
            ax_acc.plot(epochs[: len(values)], values, marker="o", ms=4, color=color, label=label)
    if history.best_epoch is not None and n_epochs:
        ax_acc.axvline(history.best_epoch, color="0.5", ls=":", lw=1, label=f"best epoch ({history.best_epoch})")
    from matplotlib.ticker import MaxNLocator

    ax_acc.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax_acc.set_xlabel("epoch")
    ax_acc.set_ylabel("accuracy")
    ax_acc.grid(alpha=0.3)
    if ax_acc.get_legend_handles_labels()[0]:
        ax_acc.legend(fontsize="small")
    if title:
        fig.suptitle(title)
    return _save(fig, path)


# ------------------------------------------------- boundaries and features
def _unpack_model(model):
    """``(MLP, transform or None, class names or None)`` from an MLP or a SavedModel."""
    if hasattr(model, "model") and hasattr(model, "prepare"):
        return model.model, model.prepare, model.class_names
    if not hasattr(model, "hidden_outputs"):
        raise TypeError(f"model must be an MLP, a LinearClassifier or a SavedModel, got {type(model).__name__}")
    return model, None, None


def plot_boundary(
    model,
    X: np.ndarray,
    y: np.ndarray,
    path: str | os.PathLike | None = None,
    *,
    X_test: np.ndarray | None = None,
    y_test: np.ndarray | None = None,
    class_names: Sequence[str] | None = None,
    transform: Callable[[np.ndarray], np.ndarray] | None = None,
    layer: int = 1,
    max_units: int = 16,
    resolution: int = 150,
    title: str | None = None,
    dpi: float = 100,
    ax=None,
    fig=None,
):
    """Decision regions of a classifier of 2-D points, and beside them what each hidden
    unit computes: a heat map of its output over the same plane (the lecture's
    "hidden layers as learned features").

    Each point of the plane takes the colour of its predicted class, shaded by the
    network's confidence as TensorFlow Playground does: the softmax probability of
    the predicted class, from pale (``1 / c``, a toss-up) to full colour (1).  The
    hidden-unit maps share one colour scale, shown by a colour bar.

    Parameters
    ----------
    model : MLP, LinearClassifier or SavedModel
        Takes 2 inputs.  A :class:`~ranvier.SavedModel` brings its
        preprocessing (applied to the plane's points) and class names.
    X : ndarray of shape (m, 2)
        Points to show (raw coordinates), coloured by ``y``: the training points.
    y : ndarray of int of shape (m,)
    path : path-like, optional
    X_test, y_test : ndarray of shape (n, 2) and (n,), optional
        Test points, drawn as triangles; the title's accuracy is on them
        (without them, on ``X``, and the title says so).
    class_names : sequence of str, optional
    transform : callable, optional
        Applied to points before the model (the preprocessing).
    layer : int, default 1
        Which hidden layer's units to show.
    max_units : int, default 16
        Show at most this many units (those whose output varies most over the plane).
    resolution : int, default 150
        Grid points per side.
    title : str, optional
    dpi : float, default 100
    ax : matplotlib Axes, optional
        Draw the decision regions alone into these axes.
    fig : matplotlib Figure or SubFigure, optional
        Draw the regions and the hidden units into it instead of a new figure.

    Returns
    -------
    matplotlib.figure.Figure
        The decision-region axes is ``fig.axes[0]`` (of a new figure).
    """
    net, prep, names = _unpack_model(model)
    transform = transform or prep
    class_names = list(class_names or names or [str(k) for k in range(net.n_outputs)])
    if net.n_features != 2:
        raise ValueError(f"a decision boundary needs a model of 2 inputs (trained on xor, circles, spirals or "
                         f"blobs), this one takes {net.n_features}")
    X, y = _check_points(net, X, y, "X", "y")
    test = None if X_test is None and y_test is None else _check_points(net, X_test, y_test, "X_test", "y_test")
    n_hidden = net.n_layers - 1
    if n_hidden and not 1 <= layer <= n_hidden:
        raise ValueError(f"layer must be between 1 and {n_hidden} for this model, got {layer}")
    if not isinstance(resolution, (int, np.integer)) or not 10 <= resolution <= 1000:
        raise ValueError(f"resolution must be an integer in [10, 1000], got {resolution!r}")
    shown = np.concatenate([X, test[0]]) if test is not None else X
    lo, hi = shown.min(axis=0), shown.max(axis=0)
    pad = 0.1 * np.maximum(hi - lo, 1e-6)
    (x0, y0), (x1, y1) = lo - pad, hi + pad
    gx, gy = np.meshgrid(np.linspace(x0, x1, resolution), np.linspace(y0, y1, resolution))
    G = np.column_stack([gx.ravel(), gy.ravel()]).astype(net.dtype)
    outputs = net.hidden_outputs(transform(G) if transform is not None else G)
    units = _pick_units(outputs[layer - 1], max_units) if n_hidden and ax is None else []
    if ax is not None and fig is not None:
        raise TypeError("give ax (the decision regions alone) or fig (the regions and the hidden units), not both")
    if ax is not None:
        fig, right = _axes(ax, (1, 1), dpi)[0], None
    else:
        fig = _canvas(fig, (5.2 + (4.9 if units else 0), 4.8), dpi)
        left, right = fig.subfigures(1, 2, width_ratios=[5.2, 4.9]) if units else (fig, None)
        ax = left.add_subplot(1, 1, 1)
    extent = (x0, x1, y0, y1)
    _regions(ax, outputs[-1].reshape(*gx.shape, -1), extent, class_names)
    _points(ax, X, y, class_names, "o", "train" if test is not None else None)
    if test is not None:
        _points(ax, *test, class_names, "^", "test")
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_xlabel("x1")
    ax.set_ylabel("x2")
    ax.set_title(title if title is not None else _boundary_title(net, transform, X, y, test), fontsize="medium")
    ax.legend(fontsize="small", loc="upper right", framealpha=0.8, ncol=2 if test is not None else 1)
    if units:
        _unit_maps(right, outputs[layer - 1], units, layer, net.activation_names[layer - 1], gx.shape, extent)
    return _save(fig, path)


def _check_points(net, X, y, x_name: str, y_name: str) -> tuple[np.ndarray, np.ndarray]:
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y)
    if X.ndim != 2 or X.shape[1] != 2 or y.shape != (X.shape[0],):
        raise ValueError(f"{x_name} must have shape (m, 2) and {y_name} shape (m,), got {X.shape} and {y.shape}")
    if len(y) and (y.min() < 0 or y.max() >= net.n_outputs):
        raise ValueError(f"{y_name} must hold class labels in [0, {net.n_outputs}) for this model, "
                         f"got values in [{y.min()}, {y.max()}]")
    return X, y


def _class_colors(c: int) -> list[str]:
    return [_CLASS_COLORS[k % len(_CLASS_COLORS)] for k in range(c)]


def _regions(ax, scores: np.ndarray, extent, class_names) -> None:
    """Each grid point in its predicted class's colour, mixed with white by the
    confidence ``(p_max - 1/c) / (1 - 1/c)`` (``p`` the softmax of the scores):
    white-ish where the network hesitates, full colour where it is sure."""
    from matplotlib.colors import to_rgb

    from .losses import softmax

    c = scores.shape[-1]
    pred = scores.argmax(axis=-1)
    p = softmax(scores.reshape(-1, c).astype(np.float64)).max(axis=1).reshape(pred.shape)
    sure = np.clip((p - 1 / c) / (1 - 1 / c), 0, 1) if c > 1 else np.ones_like(p)
    alpha = (0.12 + 0.5 * sure)[..., None]
    rgb = np.array([to_rgb(col) for col in _class_colors(c)])[pred]
    ax.imshow(1 - alpha * (1 - rgb), origin="lower", extent=extent, aspect="auto", interpolation="nearest")
    if c > 1:
        gx = np.linspace(extent[0], extent[1], pred.shape[1])
        gy = np.linspace(extent[2], extent[3], pred.shape[0])
        ax.contour(gx, gy, pred, levels=np.arange(c - 1) + 0.5, colors="k", linewidths=0.8)


def _points(ax, X, y, class_names, marker: str, split: str | None) -> None:
    colors = _class_colors(len(class_names))
    for k, name in enumerate(class_names):
        pts = X[y == k]
        if len(pts):
            ax.scatter(pts[:, 0], pts[:, 1], s=16 if marker == "o" else 30, color=colors[k], marker=marker,
                       edgecolors="k" if marker == "o" else "w", linewidths=0.4 if marker == "o" else 0.8,
                       label=name if split is None else f"{name} ({split})")


def _boundary_title(net, transform, X, y, test) -> str:
    Xa, ya = test if test is not None else (X, y)
    inputs = Xa.astype(net.dtype)
    inputs = transform(inputs) if transform is not None else inputs
    acc = float(np.mean(net.predict(inputs) == ya)) if len(ya) else float("nan")
    where = "test" if test is not None else "shown"
    return f"{_describe(net)}: accuracy {100 * acc:.1f}% on the {len(ya)} {where} points"


def _unit_maps(right, H: np.ndarray, units: list[int], layer: int, act: str, shape, extent) -> None:
    """A heat map of each chosen hidden unit's output over the plane, on one shared
    colour scale (the colour bar) so that units can be compared."""
    from matplotlib.colors import Normalize

    n_side = max(1, math.ceil(math.sqrt(len(units))))
    values = H[:, units]
    norm = Normalize(float(values.min()), float(values.max()) if np.ptp(values) > 0 else float(values.min()) + 1)
    right.suptitle(f"Hidden layer {layer} ({act}): {len(units)} of {H.shape[1]} units", fontsize="medium")
    axes = right.subplots(n_side, n_side, squeeze=False)
    image = None
    for a, j in zip(axes.flat, units):
        v = H[:, j].reshape(shape)
        image = a.imshow(v, origin="lower", extent=extent, cmap="magma", norm=norm, aspect="auto",
                         interpolation="nearest")
        a.set_title(f"h{layer}[{j}]" + (" (dead)" if np.ptp(v) == 0 else ""), fontsize="x-small", pad=2)
    for a in axes.flat:
        a.set_xticks([])
        a.set_yticks([])
    for a in axes.flat[len(units):]:
        a.set_axis_off()
    right.colorbar(image, ax=axes, shrink=0.8, label="unit output")


def _pick_units(H: np.ndarray, max_units: int) -> list[int]:
    if isinstance(max_units, bool) or not isinstance(max_units, (int, np.integer)) or max_units < 1:
        raise ValueError(f"max_units must be an integer >= 1, got {max_units!r}")
    if H.shape[1] <= max_units:
        return list(range(H.shape[1]))
    spread = H.std(axis=0)
    return sorted(np.argsort(-spread, kind="stable")[:max_units].tolist())


def _describe(net) -> str:
    sizes = "-".join(map(str, net.layer_sizes))
    acts = "/".join(dict.fromkeys(net.activation_names))
    return f"{sizes} {acts}".strip() if net.n_layers > 1 else f"linear {sizes}"


# ------------------------------------------------------------- templates
def _image_shape(n: int, image_shape) -> tuple[int, ...] | None:
    if image_shape is not None:
        shape = tuple(int(s) for s in image_shape)
        if math.prod(shape) != n or len(shape) not in (1, 2, 3) or (len(shape) == 3 and shape[2] not in (1, 3, 4)):
            raise ValueError(f"image_shape {shape} does not fit templates of {n} values "
                             "(give (H, W) or (H, W, 3) with H * W * 3 == n)")
        return shape
    side = math.isqrt(n)
    if side * side == n:
        return (side, side)
    if n % 3 == 0 and math.isqrt(n // 3) ** 2 == n // 3:
        side = math.isqrt(n // 3)
        return (side, side, 3)
    return None


def plot_templates(
    model,
    path: str | os.PathLike | None = None,
    *,
    image_shape: Sequence[int] | None = None,
    class_names: Sequence[str] | None = None,
    max_templates: int = 64,
    ncols: int | None = None,
    title: str | None = None,
    dpi: float = 100,
    fig=None,
):
    """The learned templates: each row of the first weight matrix as an image.

    For a linear classifier row ``j`` of ``W`` is class ``j``'s template (titled
    with the class name); for an MLP each row of ``W1`` is what one first-layer
    unit looks for (titled ``unit j``).  Each template is scaled on its own to
    [0, 1] (its minimum black, its maximum white) for display.

    Parameters
    ----------
    model : MLP, LinearClassifier, SavedModel or ndarray of shape (k, n)
    path : path-like, optional
    image_shape : (H, W) or (H, W, C), optional
        How a row is reshaped (rows are in HWC order, as the data sets flatten
        images: CIFAR-10's 3072 values become 32x32x3).  Default: the saved
        model's, else a square (``n = s * s``, grey) or square colour image
        (``n = 3 * s * s``), else the rows are drawn as curves.
    class_names : sequence of str, optional
        Titles (default: the saved model's class names for a linear model).
    max_templates : int, default 64
        Show the first this many rows.
    ncols : int, optional
    title : str, optional
    dpi : float, default 100
    fig : matplotlib Figure or SubFigure, optional
        Draw the grid into it instead of a new figure.

    Returns
    -------
    matplotlib.figure.Figure
    """
    if isinstance(model, np.ndarray):
        W, names, linear, saved_shape = model, None, True, None
    else:
        saved_shape = getattr(model, "image_shape", None)
        net, _, names = _unpack_model(model)
        W, linear = net.params["W1"], net.n_layers == 1
        if not linear:
            names = None
    W = np.asarray(W, dtype=np.float64)
    if W.ndim != 2 or W.size == 0:
        raise ValueError(f"templates must be a non-empty 2-D array (one per row), got shape {W.shape}")
    if W.shape[1] < 4:
        raise ValueError(f"the inputs have {W.shape[1]} values, too few for a picture of templates; "
                         "for 2-D points draw the decision boundary instead")
    if isinstance(max_templates, bool) or not isinstance(max_templates, (int, np.integer)) or max_templates < 1:
        raise ValueError(f"max_templates must be an integer >= 1, got {max_templates!r}")
    shape = _image_shape(W.shape[1], image_shape if image_shape is not None else saved_shape)
    k = min(len(W), int(max_templates))
    if class_names is not None:
        names = list(class_names)
    labels = [names[j] if names is not None and j < len(names) else (f"class {j}" if linear else f"unit {j}")
              for j in range(k)]
    if ncols is None:
        ncols = min(k, 5) if k <= 10 else math.ceil(math.sqrt(1.5 * k))
    nrows = math.ceil(k / ncols)
    cell = 1.5 if shape is not None else 2.0
    fig = _canvas(fig, (cell * ncols + 0.2, cell * nrows + 0.5 + (0.3 if title else 0)), dpi)
    axes = fig.subplots(nrows, ncols, squeeze=False)
    for j, ax in enumerate(axes.flat):
        if j >= k:
            ax.set_axis_off()
            continue
        t = W[j]
        lo, hi = t.min(), t.max()
        t01 = (t - lo) / (hi - lo) if hi > lo else np.full_like(t, 0.5)
        if shape is None or len(shape) == 1:
            ax.plot(W[j], color="C0", lw=1)
            ax.axhline(0, color="0.6", lw=0.5)
            ax.tick_params(labelsize="x-small")
        else:
            img = t01.reshape(shape)
            if img.ndim == 3 and img.shape[2] == 1:
                img = img[:, :, 0]
            ax.imshow(img, cmap="gray" if img.ndim == 2 else None, vmin=0, vmax=1, interpolation="nearest")
            ax.set_xticks([])
            ax.set_yticks([])
        ax.set_title(labels[j], fontsize="small", pad=2)
    default = ("Class templates: the rows of W" if linear else f"What {k} of the {len(W)} first-layer units look for: "
               "the rows of W1")
    fig.suptitle(title if title is not None else default, fontsize="medium")
    return _save(fig, path)


# ------------------------------------------------------------- activations
def plot_activations(
    names: Sequence[str] = ("sigmoid", "tanh", "relu"),
    path: str | os.PathLike | None = None,
    *,
    xmax: float = 6.0,
    title: str | None = None,
    dpi: float = 100,
    fig=None,
):
    """Each activation ``f`` beside its derivative ``f'``, where ``f'`` is under a tenth
    of its peak shaded: the saturated tails of sigmoid and tanh, relu's zero side.

    Parameters
    ----------
    names : sequence of str, default ("sigmoid", "tanh", "relu")
        Names of :data:`ranvier.ACTIVATIONS`.
    path : path-like, optional
    xmax : float, default 6
        The x range is ``[-xmax, xmax]``.
    title : str, optional
    dpi : float, default 100
    fig : matplotlib Figure or SubFigure, optional
        Draw the panels into it instead of a new figure.

    Returns
    -------
    matplotlib.figure.Figure
    """
    from .activations import get_activation

    if isinstance(names, str):
        names = [names]
    acts = [get_activation(n) for n in names]
    if not acts:
        raise ValueError("give at least one activation name")
    if not (isinstance(xmax, (int, float)) and not isinstance(xmax, bool) and 0 < xmax <= 1e3):
        raise ValueError(f"xmax must be a number in (0, 1000], got {xmax!r}")
    ncols = min(len(acts), 4)
    nrows = math.ceil(len(acts) / ncols)
    fig = _canvas(fig, (3.4 * ncols, 3.0 * nrows + 0.4), dpi)
    axes = fig.subplots(nrows, ncols, squeeze=False)
    x = np.linspace(-xmax, xmax, 801)
    for ax, act in zip(axes.flat, acts):
        f, d = act.forward(x.copy()), act.derivative(x.copy())
        ax.plot(x, f, color="C0", lw=2, label="f(x)")
        ax.plot(x, d, color="C1", lw=2, ls="--", label="f'(x)")
        peak = float(np.max(np.abs(d)))
        flat = np.abs(d) < 0.1 * peak
        if peak > 0 and flat.any():
            ax.fill_between(x, 0, 1, where=flat, transform=ax.get_xaxis_transform(), color="C3", alpha=0.12,
                            lw=0, label="f' < 10% of its peak")
        ax.axhline(0, color="0.6", lw=0.6)
        ax.axvline(0, color="0.6", lw=0.6)
        ax.set_title(act.name)
        ax.set_xlabel("x")
        ax.grid(alpha=0.25)
        ax.legend(fontsize="x-small", loc="upper left")
    for ax in axes.flat[len(acts):]:
        ax.set_axis_off()
    fig.suptitle(title if title is not None else "Activations and their derivatives", fontsize="medium")
    return _save(fig, path)


# ------------------------------------------------------- confusion matrix
def confusion_matrix(y_true: np.ndarray, y_pred: np.ndarray, n_classes: int | None = None) -> np.ndarray:
    """Counts ``C[i, j]`` of examples of true class ``i`` predicted as ``j``.

    Returns
    -------
    ndarray of int64 of shape (n_classes, n_classes)
    """
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    if y_true.shape != y_pred.shape or y_true.ndim != 1:
        raise ValueError(f"y_true and y_pred must be 1-D of the same length, got {y_true.shape} and {y_pred.shape}")
    if y_true.size and min(y_true.min(), y_pred.min()) < 0:
        raise ValueError("class labels must be >= 0")
    c = int(max(y_true.max(initial=-1), y_pred.max(initial=-1)) + 1) if n_classes is None else int(n_classes)
    cm = np.zeros((c, c), dtype=np.int64)
    np.add.at(cm, (y_true, y_pred), 1)
    return cm


def plot_confusion(
    cm: np.ndarray,
    path: str | os.PathLike | None = None,
    *,
    class_names: Sequence[str] | None = None,
    title: str | None = None,
    dpi: float = 100,
    ax=None,
):
    """A confusion matrix: rows are the true classes, columns the predicted ones.

    The colour of a cell is its share of its row (the recall of the class on
    the diagonal); the numbers are the counts (for up to 20 classes).

    Parameters
    ----------
    cm : ndarray of shape (c, c)
        From :func:`confusion_matrix`.
    path : path-like, optional
    class_names : sequence of str, optional
    title : str, optional
        Default: the accuracy.
    dpi : float, default 100
    ax : matplotlib Axes, optional
        Draw into these axes instead of a new figure.

    Returns
    -------
    matplotlib.figure.Figure
    """
    cm = np.asarray(cm)
    if cm.ndim != 2 or cm.shape[0] != cm.shape[1] or cm.shape[0] == 0:
        raise ValueError(f"cm must be a square matrix, got shape {cm.shape}")
    c = cm.shape[0]
    names = [str(k) for k in range(c)] if class_names is None else [str(n) for n in class_names]
    if len(names) != c:
        raise ValueError(f"class_names has {len(names)} names for {c} classes")
    totals = cm.sum(axis=1, keepdims=True)
    share = np.divide(cm, totals, out=np.zeros(cm.shape), where=totals > 0)
    side = min(12.0, 2.6 + 0.34 * c)
    fig, ax = _axes(ax, (side + 1.2, side), dpi)
    im = ax.imshow(share, cmap="Blues", vmin=0, vmax=1)
    fig.colorbar(im, ax=ax, shrink=0.8, label="share of the true class")
    ax.set_xticks(range(c), names, rotation=45 if max(map(len, names)) > 2 else 0, ha="right" if
                  max(map(len, names)) > 2 else "center", fontsize="small")
    ax.set_yticks(range(c), names, fontsize="small")
    ax.set_xlabel("predicted class")
    ax.set_ylabel("true class")
    if c <= 20:
        for i in range(c):
            for j in range(c):
                ax.text(j, i, str(cm[i, j]), ha="center", va="center", fontsize="x-small" if c > 10 else "small",
                        color="white" if share[i, j] > 0.5 else ("black" if cm[i, j] else "0.65"))
    total = cm.sum()
    acc = np.trace(cm) / total if total else float("nan")
    ax.set_title(title if title is not None else f"Confusion matrix: accuracy {100 * acc:.1f}% of {total}",
                 fontsize="medium")
    return _save(fig, path)


# ----------------------------------------------------------- learning rates
def plot_lr_finder(result: Any, path=None, *, title: str | None = None, dpi: float = 100, ax=None):
    """The learning-rate range test: loss against learning rate, the suggestion marked.

    Parameters
    ----------
    result : LRFinderResult
        From :func:`ranvier.lr_finder.lr_range_test` (or its ``to_dict()``).
    path : path-like, optional
    title : str, optional
    dpi : float, default 100
    ax : matplotlib Axes, optional
        Draw into these axes instead of a new figure.

    Returns
    -------
    matplotlib.figure.Figure
    """
    data = result if isinstance(result, dict) else result.to_dict()
    lrs = np.asarray(data["lrs"], dtype=float)
    losses = np.array([np.nan if v is None else v for v in data["losses"]], dtype=float)
    smoothed = np.array([np.nan if v is None else v for v in data["smoothed"]], dtype=float)
    fig, ax = _axes(ax, (6.4, 4.4), dpi)
    ax.plot(lrs, losses, color="0.75", lw=0.8, label="batch loss")
    ax.plot(lrs, smoothed, color="C0", label="smoothed")
    ax.set_xscale("log")
    finite = smoothed[np.isfinite(smoothed)]
    if finite.size:  # keep the explosion from flattening the useful part
        low, high = finite.min(), finite[0]
        ax.set_ylim(low - 0.1 * (high - low + 1e-12), high + 0.5 * (high - low + 1e-12))
    ax.axvline(data["suggestion"], color="C3", ls="--", label=f"suggested lr {data['suggestion']:.3g}")
    if "steepest_lr" in data:
        ax.axvline(data["steepest_lr"], color="C1", ls=":", label=f"steepest descent at {data['steepest_lr']:.3g}")
    ax.axvline(data["min_loss_lr"], color="0.4", ls=":", label=f"lowest loss at {data['min_loss_lr']:.3g}")
    ax.set_xlabel("learning rate")
    ax.set_ylabel("loss")
    ax.set_title(title or "The learning-rate range test")
    ax.legend()
    return _save(fig, path)
