"""Activation functions beside their derivatives, saturation shaded.
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence

import numpy as np

from ._base import _canvas, _save

__all__ = ["plot_activations"]


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
    from ..nn.activations import get_activation

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
        _draw_activation(ax, act, x)
    for ax in axes.flat[len(acts):]:
        ax.set_axis_off()
    fig.suptitle(title if title is not None else "Activations and their derivatives", fontsize="medium")
    return _save(fig, path)


def _draw_activation(ax, act, x: np.ndarray) -> None:
    """One panel: ``f`` and ``f'`` over ``x``, the points where ``|f'|`` is under a tenth of its peak shaded."""
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
