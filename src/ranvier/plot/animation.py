"""The optimiser paths drawn step by step: a GIF (one palette for every frame, so colours stay
exact, :mod:`ranvier.plot._animation`), an MP4 (ffmpeg), or an animation a notebook plays.
"""

from __future__ import annotations

import os

import numpy as np

from ._base import _check_dpi
from .colors import MINIMUM_COLOR, run_color
from .paths import _as_runs, _check_levels, _PathsFigure

__all__ = ["animate_paths", "frame_steps"]


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
    from ..descent.functions import get_objective

    writer_class = _check_movie(path, fps)
    objective, runs = get_objective(objective), _as_runs(runs)
    pf = _PathsFigure(objective, runs, surface=surface, arrows=arrows, bounds=bounds, levels=_check_levels(levels),
                      figsize=figsize, dpi=_check_dpi(dpi), title=title, ax=ax)
    anim, steps = _animation(pf, frames, fps)
    if path is None:
        return anim
    _write_movie(anim, path, writer_class, fps, len(runs), pf.fig.dpi)
    pf.update(steps[-1])
    return pf.fig


def _check_movie(path, fps) -> type | None:
    """The writer class for the file ``path`` (None without one), ``fps`` checked."""
    writer_class = None if path is None else _movie_writer(path)
    if not (isinstance(fps, (int, float)) and not isinstance(fps, bool) and 0 < fps <= 100):
        raise ValueError(f"fps must be a number in (0, 100], got {fps!r}")
    return writer_class


def _animation(pf: _PathsFigure, frames: int | None, fps: float):
    """``(animation, steps)``: the animation of ``pf``'s paths and the iterations its frames show."""
    from ._animation import PathsAnimation

    steps = [int(k) for k in frame_steps(pf.n_max, frames)]
    pf.fig.canvas.draw()
    pf.fig.set_layout_engine("none")  # freeze the layout: every frame the same size and place
    anim = PathsAnimation(pf.fig, pf.update, frames=steps, interval=1000 / fps, repeat=True, cache_frame_data=False)
    return anim, steps


def _write_movie(anim, path, writer_class: type, fps: float, n_runs: int, dpi: float) -> None:
    """Write ``anim`` to ``path`` at ``dpi``: a GIF on one palette that holds the
    colours of the ``n_runs`` runs, the minimum, black and white exactly, or an MP4."""
    from ._animation import PaletteGifWriter

    colors = [run_color(i) for i in range(n_runs)] + [MINIMUM_COLOR, "#000000", "#ffffff"]
    writer = PaletteGifWriter(fps, colors) if writer_class is PaletteGifWriter else writer_class(fps=fps)
    anim.save(os.fspath(path), writer=writer, dpi=dpi)


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
