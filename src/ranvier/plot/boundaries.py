"""Decision regions of a classifier of 2-D points beside a heat map of each hidden unit's output
over the plane (the hidden units as features).
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Sequence

import numpy as np

from ._base import _axes, _canvas, _save
from .colors import _CLASS_COLORS

__all__ = ["plot_boundary"]


def _unpack_model(model):
    """``(MLP, transform or None, class names or None)`` from an MLP or a SavedModel."""
    if hasattr(model, "model") and hasattr(model, "prepare"):
        return model.model, model.prepare, model.class_names
    if not hasattr(model, "hidden_outputs"):
        raise TypeError(f"model must be an MLP, a LinearClassifier or a SavedModel, got {type(model).__name__}")
    return model, None, None


def plot_boundary(model, X: np.ndarray, y: np.ndarray, path: str | os.PathLike | None = None, *,
                  X_test: np.ndarray | None = None, y_test: np.ndarray | None = None,
                  class_names: Sequence[str] | None = None, transform: Callable[[np.ndarray], np.ndarray] | None = None,
                  layer: int = 1, max_units: int = 16, resolution: int = 150, title: str | None = None,
                  dpi: float = 100, ax=None, fig=None):
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
    X, y, test = _check_boundary_input(net, X, y, X_test, y_test, layer, resolution)
    extent, shape, outputs = _plane(net, transform, X, test, resolution)
    units = _pick_units(outputs[layer - 1], max_units) if net.n_layers > 1 and ax is None else []
    fig, ax, right = _boundary_axes(ax, fig, bool(units), dpi)
    title = title if title is not None else _boundary_title(net, transform, X, y, test)
    _draw_regions(ax, outputs[-1].reshape(*shape, -1), extent, class_names, (X, y), test, title)
    if units:
        _unit_maps(right, outputs[layer - 1], units, layer, net.activation_names[layer - 1], shape, extent)
    return _save(fig, path)


def _check_boundary_input(net, X, y, X_test, y_test, layer, resolution):
    """``(X, y, test)``: the points in float64 and their labels, checked against ``net``,
    ``test`` the pair ``(X_test, y_test)`` or None; ``layer`` and ``resolution`` checked too."""
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
    return X, y, test


def _plane(net, transform, X, test, resolution: int):
    """``(extent, shape, outputs)``: the plane around the shown points (a tenth of their range
    added on each side), ``extent = (x0, x1, y0, y1)``, its grid of ``resolution`` points a
    side (``shape``, rows along x2) and ``net``'s output of every layer at each grid point."""
    shown = np.concatenate([X, test[0]]) if test is not None else X
    lo, hi = shown.min(axis=0), shown.max(axis=0)
    pad = 0.1 * np.maximum(hi - lo, 1e-6)
    (x0, y0), (x1, y1) = lo - pad, hi + pad
    gx, gy = np.meshgrid(np.linspace(x0, x1, resolution), np.linspace(y0, y1, resolution))
    G = np.column_stack([gx.ravel(), gy.ravel()]).astype(net.dtype)
    outputs = net.hidden_outputs(transform(G) if transform is not None else G)
    return (x0, x1, y0, y1), gx.shape, outputs


def _boundary_axes(ax, fig, with_units: bool, dpi: float):
    """``(figure, axes of the regions, subfigure of the unit maps or None)``: the caller's
    ``ax`` alone, else the caller's ``fig`` or a new figure, split in two ``with_units``."""
    if ax is not None and fig is not None:
        raise TypeError("give ax (the decision regions alone) or fig (the regions and the hidden units), not both")
    if ax is not None:
        return _axes(ax, (1, 1), dpi)[0], ax, None
    fig = _canvas(fig, (5.2 + (4.9 if with_units else 0), 4.8), dpi)
    left, right = fig.subfigures(1, 2, width_ratios=[5.2, 4.9]) if with_units else (fig, None)
    return fig, left.add_subplot(1, 1, 1), right


def _draw_regions(ax, scores: np.ndarray, extent, class_names, train, test, title: str) -> None:
    """The decision regions over ``extent``, the ``train`` points (circles) and the
    ``test`` points (triangles, if any) on them, the axes labelled."""
    _regions(ax, scores, extent, class_names)
    _points(ax, *train, class_names, "o", "train" if test is not None else None)
    if test is not None:
        _points(ax, *test, class_names, "^", "test")
    ax.set_xlim(extent[0], extent[1])
    ax.set_ylim(extent[2], extent[3])
    ax.set_xlabel("x1")
    ax.set_ylabel("x2")
    ax.set_title(title, fontsize="medium")
    ax.legend(fontsize="small", loc="upper right", framealpha=0.8, ncol=2 if test is not None else 1)


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

    from ..nn.losses import softmax

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
