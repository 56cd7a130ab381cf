"""The plumbing every picture shares: a headless figure (:mod:`ranvier.plot._figure`), the caller's axes
or a new one, saving at the figure's own dpi, checks.
"""

from __future__ import annotations

from typing import Any

import numpy as np


def _figure(figsize: tuple[float, float], dpi: float, *, layout: str | None = "constrained"):
    """A new figure on the Agg canvas: headless, outside pyplot's figure list, and shown
    as a picture when a notebook displays it (``ranvier.plot._figure``)."""
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
