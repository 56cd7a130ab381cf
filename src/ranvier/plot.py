"""Pictures (matplotlib, imported only when a picture is drawn, headless).

Every function writes an image file and returns the matplotlib figure; no
display is needed (the Agg backend is used when none is set up).
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np

__all__ = ["plot_history"]


def _pyplot():
    import matplotlib

    if not os.environ.get("DISPLAY") and matplotlib.get_backend().lower() not in ("agg", "pdf", "svg", "ps"):
        matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _smooth(values: np.ndarray, window: int) -> np.ndarray:
    if window <= 1 or len(values) < window:
        return values
    kernel = np.ones(window) / window
    return np.convolve(values, kernel, mode="valid")


def plot_history(history: Any, path: str | os.PathLike | None = None, *, title: str | None = None):
    """Learning curves: loss per step (raw and smoothed) and accuracy per epoch.

    Parameters
    ----------
    history : History
    path : path-like, optional
        Where to write the picture (PNG, PDF or SVG by its suffix).
    title : str, optional

    Returns
    -------
    matplotlib.figure.Figure
    """
    plt = _pyplot()
    fig, (ax_loss, ax_acc) = plt.subplots(1, 2, figsize=(10, 4))
    steps = np.asarray(history.step_loss, dtype=float)
    ax_loss.plot(np.arange(1, len(steps) + 1), steps, color="0.75", lw=0.8, label="batch loss")
    window = max(1, len(steps) // 50)
    smooth = _smooth(steps, window)
    ax_loss.plot(np.arange(window, window + len(smooth)), smooth, color="C0", label=f"mean of {window} steps")
    ax_loss.set_xlabel("step")
    ax_loss.set_ylabel("loss")
    if len(steps) and np.nanmin(steps) > 0:
        ax_loss.set_yscale("log")
    ax_loss.legend()
    epochs = np.arange(1, history.n_epochs + 1)
    for key, label in (("accuracy", "train (running)"), ("val_accuracy", "validation")):
        values = [np.nan if v is None else v for v in history.epoch.get(key, [])]
        if values and not np.all(np.isnan(values)):
            ax_acc.plot(epochs, values, marker="o", label=label)
    ax_acc.set_xlabel("epoch")
    ax_acc.set_ylabel("accuracy")
    ax_acc.grid(alpha=0.3)
    if ax_acc.lines:
        ax_acc.legend()
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    if path is not None:
        fig.savefig(path, dpi=100)
        plt.close(fig)
    return fig
