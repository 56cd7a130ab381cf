"""Curves over time: the cost of each run of a comparison against iteration, a network's training
curves (loss per step, accuracy per epoch) and the learning-rate finder's loss against rate.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

import numpy as np

from ._base import _axes, _canvas, _save, _smooth
from .colors import _function_name, run_color
from .paths import _as_runs, growing

__all__ = ["plot_costs", "plot_history", "plot_lr_finder"]


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
        E.g. ``ranvier.descent.paths.compare("bowl", "gd", [0.01, 0.05, 0.15, 0.21])``.
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
    from ..descent.functions import get_objective

    runs = _as_runs(runs)
    obj = None if objective is None else get_objective(objective)
    f_star = None if obj is None else obj.min_value
    fig, ax = _axes(ax, figsize, dpi)
    ys = _cost_curves(runs, f_star)
    top, ceiling, positive = _cost_range(runs, ys)
    for i, (label, y) in enumerate(ys.items()):
        _draw_cost(ax, label, runs[label], y, run_color(i), ceiling)
    _cost_scale(ax, ys, top, ceiling, positive)
    ax.set_xlabel("iteration")
    ax.set_ylabel("cost - minimum" if f_star is not None else "cost")
    ax.grid(alpha=0.3, which="major")
    ax.legend(fontsize="small")
    if title is None:
        title = "Cost per iteration" + (f" on {_function_name(obj)}" if obj is not None else "")
    ax.set_title(title)
    return _save(fig, path)


def _cost_curves(runs, f_star: float | None) -> dict[str, np.ndarray]:
    """Each run's cost per iteration, less the minimum ``f_star`` when it is known, NaN where not finite."""
    ys = {}
    with np.errstate(invalid="ignore", over="ignore"):
        for label, r in runs.items():
            y = r.costs - f_star if f_star is not None else r.costs.copy()
            ys[label] = np.where(np.isfinite(y), y, np.nan)
    return ys


def _cost_range(runs, ys: dict[str, np.ndarray]) -> tuple[float, float, bool]:
    """``(top, ceiling, positive)``: the highest finite cost of the runs that do not diverge
    (of every run's start if all do), the top of the plot above it, and whether every
    curve stays above 0 (then the plot is on a log scale)."""
    stable = [y for (label, y) in ys.items() if not growing(runs[label])]
    reference = np.concatenate(stable or [y[:1] for y in ys.values()])
    finite = reference[np.isfinite(reference)]
    top = float(finite.max()) if finite.size else 1.0
    positive = all((y[np.isfinite(y)] > 0).all() for y in ys.values())
    ceiling = top * 10 if positive else (top * 2 if top > 0 else 1.0)
    return top, ceiling, positive


def _draw_cost(ax, label: str, r, y: np.ndarray, color, ceiling: float) -> None:
    """Run ``r``'s curve ``y``, labelled; a diverging run gets an X where it leaves the top of the plot."""
    text = f"{label}: diverged at step {r.n_iters}" if r.diverged else (
        f"{label}: diverging" if growing(r) else label)
    ax.plot(np.arange(len(y)), y, color=color, lw=1.6, label=text)
    if growing(r):  # an X where the curve leaves the top of the plot
        with np.errstate(invalid="ignore"):
            out = np.flatnonzero(~(y <= ceiling))
        k = int(out[0]) if out.size else r.n_iters
        ax.plot([k], [ceiling], marker="X", ms=10, color=color, mec="k", clip_on=False, zorder=5)


def _cost_scale(ax, ys: dict[str, np.ndarray], top: float, ceiling: float, positive: bool) -> None:
    """A log scale from half the lowest cost to ``ceiling`` when every curve stays above 0,
    else a symmetric log scale (linear within 1e-3 of 0) up to ``ceiling``."""
    if positive:
        ax.set_yscale("log")
        bottom = min(float(np.nanmin(y[np.isfinite(y)])) for y in ys.values() if np.isfinite(y).any())
        ax.set_ylim(max(bottom / 2, top * 1e-16), ceiling)
    else:
        ax.set_yscale("symlog", linthresh=1e-3)
        ax.set_ylim(top=ceiling)


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
        from ..train import History

        history = History.from_dict(history)
    fig = _canvas(fig, (10, 4), dpi)
    ax_loss, ax_acc = fig.subplots(1, 2)
    _loss_panel(ax_loss, history)
    _accuracy_panel(ax_acc, history)
    if title:
        fig.suptitle(title)
    return _save(fig, path)


def _loss_panel(ax, history) -> None:
    """The loss of every step (grey) and its mean over ``len / 50`` steps, the validation loss
    at each epoch's end, on a log scale when the losses stay positive; a divergence marked."""
    steps = np.asarray(history.step_loss, dtype=float)
    finite = steps[np.isfinite(steps)]
    ax.plot(np.arange(1, len(steps) + 1), steps, color="0.7", lw=0.8, label="batch loss")
    window = max(1, len(steps) // 50)
    smooth = _smooth(steps, window)
    ax.plot(np.arange(window, window + len(smooth)), smooth, color="C0", label=f"mean of {window} steps")
    n_epochs = history.n_epochs
    val = [np.nan if v is None else v for v in history.epoch.get("val_loss", [])]
    if len(steps) and n_epochs and val and not np.all(np.isnan(val)):
        ends = np.round(np.arange(1, len(val) + 1) * len(steps) / max(n_epochs, len(val)))
        ax.plot(ends, val, color="C1", marker="o", ms=4, label="validation (end of epoch)")
    ax.set_xlabel("step")
    ax.set_ylabel("loss")
    if finite.size and finite.min() > 0:
        ax.set_yscale("log")
    if history.diverged and len(steps):
        ax.axvline(len(steps), color="C3", ls="--", lw=1, label="diverged")
    ax.legend(fontsize="small")


def _accuracy_panel(ax, history) -> None:
    """The running training accuracy and the validation accuracy of each epoch, the best epoch marked."""
    from matplotlib.ticker import MaxNLocator

    n_epochs = history.n_epochs
    epochs = np.arange(1, n_epochs + 1)
    for key, label, color in (("accuracy", "train (running)", "C0"), ("val_accuracy", "validation", "C1")):
        values = [np.nan if v is None else v for v in history.epoch.get(key, [])][:n_epochs]
        if values and not np.all(np.isnan(values)):
            ax.plot(epochs[: len(values)], values, marker="o", ms=4, color=color, label=label)
    if history.best_epoch is not None and n_epochs:
        ax.axvline(history.best_epoch, color="0.5", ls=":", lw=1, label=f"best epoch ({history.best_epoch})")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("epoch")
    ax.set_ylabel("accuracy")
    ax.grid(alpha=0.3)
    if ax.get_legend_handles_labels()[0]:
        ax.legend(fontsize="small")


def plot_lr_finder(result: Any, path=None, *, title: str | None = None, dpi: float = 100, ax=None):
    """The learning-rate range test: loss against learning rate, the suggestion marked.

    Parameters
    ----------
    result : LRFinderResult
        From :func:`ranvier.train.lr_range_test` (or its ``to_dict()``).
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
