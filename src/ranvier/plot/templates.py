"""Rows of the first weight matrix drawn as images: class templates, or what each first-layer unit looks for.
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence

import numpy as np

from ._base import _canvas, _save
from .boundaries import _unpack_model

__all__ = ["plot_templates"]


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
    W, names, linear, saved_shape = _template_rows(model)
    shape = _check_templates(W, max_templates, image_shape if image_shape is not None else saved_shape)
    k = min(len(W), int(max_templates))
    labels = _template_labels(list(class_names) if class_names is not None else names, k, linear)
    fig, axes = _template_grid(fig, k, ncols, shape is not None, title, dpi)
    for j, ax in enumerate(axes.flat):
        if j < k:
            _draw_template(ax, W[j], shape, labels[j])
        else:
            ax.set_axis_off()
    default = ("Class templates: the rows of W" if linear else f"What {k} of the {len(W)} first-layer units look for: "
               "the rows of W1")
    fig.suptitle(title if title is not None else default, fontsize="medium")
    return _save(fig, path)


def _template_rows(model):
    """``(W, names, linear, image_shape)``: the first weight matrix in float64, the class names
    (of a linear model only), whether the model is linear, and the saved model's image shape."""
    if isinstance(model, np.ndarray):
        W, names, linear, saved_shape = model, None, True, None
    else:
        saved_shape = getattr(model, "image_shape", None)
        net, _, names = _unpack_model(model)
        W, linear = net.params["W1"], net.n_layers == 1
        if not linear:
            names = None
    return np.asarray(W, dtype=np.float64), names, linear, saved_shape


def _check_templates(W: np.ndarray, max_templates, image_shape) -> tuple[int, ...] | None:
    """The shape of one template's picture (None: draw curves), ``W`` and ``max_templates`` checked."""
    if W.ndim != 2 or W.size == 0:
        raise ValueError(f"templates must be a non-empty 2-D array (one per row), got shape {W.shape}")
    if W.shape[1] < 4:
        raise ValueError(f"the inputs have {W.shape[1]} values, too few for a picture of templates; "
                         "for 2-D points draw the decision boundary instead")
    if isinstance(max_templates, bool) or not isinstance(max_templates, (int, np.integer)) or max_templates < 1:
        raise ValueError(f"max_templates must be an integer >= 1, got {max_templates!r}")
    return _image_shape(W.shape[1], image_shape)


def _template_labels(names, k: int, linear: bool) -> list[str]:
    """The titles of the first ``k`` templates: the names given, then ``class j`` or ``unit j``."""
    return [names[j] if names is not None and j < len(names) else (f"class {j}" if linear else f"unit {j}")
            for j in range(k)]


def _template_grid(fig, k: int, ncols: int | None, images: bool, title: str | None, dpi: float):
    """``(figure, axes)``: a grid of ``k`` cells, ``ncols`` wide (default: up to 5, or about
    ``sqrt(1.5 k)`` for more than 10), in the caller's ``fig`` or a new figure."""
    if ncols is None:
        ncols = min(k, 5) if k <= 10 else math.ceil(math.sqrt(1.5 * k))
    nrows = math.ceil(k / ncols)
    cell = 1.5 if images else 2.0
    fig = _canvas(fig, (cell * ncols + 0.2, cell * nrows + 0.5 + (0.3 if title else 0)), dpi)
    return fig, fig.subplots(nrows, ncols, squeeze=False)


def _draw_template(ax, t: np.ndarray, shape: tuple[int, ...] | None, label: str) -> None:
    """One template: an image of ``t`` scaled to [0, 1] (its minimum black, its maximum
    white; a constant one grey), or a curve when it has no image ``shape``."""
    if shape is None or len(shape) == 1:
        ax.plot(t, color="C0", lw=1)
        ax.axhline(0, color="0.6", lw=0.5)
        ax.tick_params(labelsize="x-small")
    else:
        lo, hi = t.min(), t.max()
        t01 = (t - lo) / (hi - lo) if hi > lo else np.full_like(t, 0.5)
        img = t01.reshape(shape)
        if img.ndim == 3 and img.shape[2] == 1:
            img = img[:, :, 0]
        ax.imshow(img, cmap="gray" if img.ndim == 2 else None, vmin=0, vmax=1, interpolation="nearest")
        ax.set_xticks([])
        ax.set_yticks([])
    ax.set_title(label, fontsize="small", pad=2)
