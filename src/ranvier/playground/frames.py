"""What the event stream sends: a session's state as JSON-ready values.

Pictures travel as numbers on a grid, quantised to bytes and base64-encoded
(``{"b64": ..., "low": ..., "high": ...}``); the page maps them to colours.
Nothing here knows how the page draws.
"""

from __future__ import annotations

import base64
import math

import numpy as np

from ..nn.losses import softmax
from .data import features as feature_columns

__all__ = ["GRID", "frame"]

GRID = 50
"""Cells per side of the grid on which the regions and the hidden units are drawn."""
MAX_MAPS_PER_LAYER = 16
MAX_DRAWN_UNITS = 32


def _bytes(values: np.ndarray, low: float, high: float) -> dict:
    """``values`` mapped linearly from ``[low, high]`` to 0..255, base64 text."""
    span = high - low if high > low else 1.0
    q = np.clip(np.nan_to_num((values - low) / span * 255.0 + 0.5, nan=0.0), 0, 255).astype(np.uint8)
    return {"b64": base64.b64encode(q.tobytes()).decode("ascii"), "low": float(low), "high": float(high)}


def grid_points(window: list[float], n: int = GRID) -> np.ndarray:
    """Centres of the ``n x n`` cells of the square window, row by row from the top (x2 high)."""
    low, high = window
    step = (high - low) / n
    centres = low + step * (np.arange(n) + 0.5)
    x1, x2 = np.meshgrid(centres, centres[::-1])
    return np.column_stack([x1.ravel(), x2.ravel()]).astype(np.float32)


def _regions(model, inputs: np.ndarray) -> tuple[dict, dict, list[np.ndarray]]:
    """Predicted class and its softmax confidence per cell, and every layer's outputs."""
    outputs = model.hidden_outputs(inputs)
    scores = np.nan_to_num(outputs[-1].astype(np.float64), nan=0.0, posinf=1e30, neginf=-1e30)
    cls = scores.argmax(axis=1).astype(np.uint8)
    conf = softmax(scores).max(axis=1)
    c = max(2, scores.shape[1])
    classes = {"b64": base64.b64encode(cls.tobytes()).decode("ascii")}
    return classes, _bytes(conf, 1.0 / c, 1.0), outputs[:-1]


def _hidden_maps(hidden: list[np.ndarray]) -> list[dict]:
    """Per hidden layer, the first units' outputs on the grid, each scaled to its own range."""
    layers = []
    for k, H in enumerate(hidden, start=1):
        maps = []
        for j in range(min(H.shape[1], MAX_MAPS_PER_LAYER)):
            col = np.nan_to_num(H[:, j].astype(np.float64))
            bound = max(float(np.abs(col).max()), 1e-12)
            maps.append(_bytes(col, -bound, bound))
        layers.append({"layer": k, "units": int(H.shape[1]), "maps": maps})
    return layers


def _network(model) -> dict:
    """Layer sizes and the weights between the first units drawn of each layer."""
    sizes = list(model.layer_sizes)
    weights = []
    for W in model.weights():
        w = np.nan_to_num(np.asarray(W, dtype=np.float64)[:MAX_DRAWN_UNITS, :MAX_DRAWN_UNITS])
        weights.append(np.round(w, 4).tolist())
    return {"sizes": sizes, "weights": weights, "activations": list(model.activation_names)}


def _confusion(model, X: np.ndarray, y: np.ndarray, n_classes: int) -> list[list[int]]:
    """``matrix[true][predicted]`` counts on the test points."""
    m = np.zeros((n_classes, n_classes), dtype=np.int64)
    if len(y):
        # hidden_outputs runs in evaluation mode (no dropout, running batch-norm statistics) and,
        # unlike a forward pass in training mode, leaves the model and its random draws alone
        pred = np.argmax(model.hidden_outputs(X)[-1], axis=1)
        np.add.at(m, (y, np.clip(pred, 0, n_classes - 1)), 1)
    return m.tolist()


def _thin(values: list, most: int = 400) -> list:
    """At most ``most`` evenly spaced entries of ``values``, the last one always among them."""
    if len(values) <= most:
        return values
    idx = np.linspace(0, len(values) - 1, most).round().astype(int)
    return [values[i] for i in idx]


def _num(v):
    return None if v is None or not math.isfinite(v) else float(v)


def frame(session, *, with_points: bool = True) -> dict:
    """The session's state: counters, curves, regions, hidden maps, network, confusion matrix."""
    window = session.points.window()
    inputs = feature_columns(grid_points(window), session.settings["features"])
    classes, confidence, hidden = _regions(session.model, inputs)
    curves = {k: [_num(v) for v in _thin(vals)] for k, vals in session.curves.items()}
    out = {
        "type": "frame",
        "id": session.id,
        "version": session.version,
        "epoch": session.epoch,
        "step": session.step,
        "playing": session.playing,
        "message": session.message,
        "train_loss": curves["train_loss"][-1],
        "test_loss": curves["test_loss"][-1],
        "train_accuracy": curves["train_accuracy"][-1],
        "test_accuracy": curves["test_accuracy"][-1],
        "curves": curves,
        "settings": session.settings,
        "capabilities": session.capabilities(),
        "n_classes": session.n_classes,
        "window": window,
        "grid": {"n": GRID, "classes": classes, "confidence": confidence},
        "hidden": _hidden_maps(hidden),
        "network": _network(session.model),
        "confusion": _confusion(session.model, session.X_test, session.y_test, session.n_classes),
        "data_version": session.data_version,
    }
    if with_points:
        out["points"] = _points(session.points)
    return out


def _points(points) -> dict:
    return {"x": np.round(points.X.astype(np.float64), 5).tolist(), "y": points.y.tolist(),
            "train": points.train.tolist()}
