"""The lecture's XOR example: why a hidden layer with a nonlinearity is needed.

* :func:`xor_data`: the four points and their labels.
* :func:`least_squares_fit`: the best linear ``g(x) = w^T x + b`` under squared
  error is ``w = [0, 0]``, ``b = 1/2``; it predicts 1/2 everywhere.
* :func:`hand_network`: the lecture's ReLU network
  ``g(x) = w^T max(0, W^T x + c) + b`` with ``W = [[1, 1], [1, 1]]``,
  ``c = [0, -1]``, ``w = [1, -2]``, ``b = 0``, which outputs exactly ``[0, 1, 1, 0]``.
* :func:`train_xor`: a 2-layer ReLU network learned from a random start by the
  lecture's :func:`~ranvier.gd`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .descent.recorder import GDResult, gd
from .nn.mlp import MLP

__all__ = ["XORTraining", "hand_network", "least_squares_fit", "train_xor", "xor_data"]


def xor_data(dtype: np.dtype | type = np.float64) -> tuple[np.ndarray, np.ndarray]:
    """The four XOR examples.

    Returns
    -------
    X : ndarray of shape (4, 2)
        ``(0, 0), (0, 1), (1, 0), (1, 1)``
    y : ndarray of int64 of shape (4,)
        ``0, 1, 1, 0``
    """
    X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=dtype)
    y = np.array([0, 1, 1, 0], dtype=np.int64)
    return X, y


def least_squares_fit() -> tuple[np.ndarray, float]:
    """The linear least-squares fit ``g(x) = w^T x + b`` to XOR.

    Minimises ``J(w, b) = 1/2 sum_x (w^T x + b - y(x))^2`` in closed form; the
    lecture's normal equations give ``w = [0, 0]`` and ``b = 1/2``.

    Returns
    -------
    w : ndarray of shape (2,)
    b : float
    """
    X, y = xor_data()
    A = np.hstack([X, np.ones((4, 1))])
    coef, *_ = np.linalg.lstsq(A, y.astype(np.float64), rcond=None)
    return coef[:2], float(coef[2])


def hand_network(dtype: np.dtype | type = np.float64) -> MLP:
    """The lecture's hand-set ReLU network that computes XOR exactly.

    It is the 2-2-1 network ``MLP((2, 2, 1), activation='relu', loss='squared')``
    with ``W1 = [[1, 1], [1, 1]]``, ``b1 = [0, -1]``, ``W2 = [[1, -2]]``,
    ``b2 = [0]``; its scores on :func:`xor_data` are ``[0, 1, 1, 0]``.
    """
    net = MLP((2, 2, 1), activation="relu", loss="squared", dtype=dtype, seed=0)
    net.set_params({
        "W1": np.array([[1.0, 1.0], [1.0, 1.0]]),
        "b1": np.array([0.0, -1.0]),
        "W2": np.array([[1.0, -2.0]]),
        "b2": np.array([0.0]),
    })
    return net


@dataclass
class XORTraining:
    """Result of :func:`train_xor`.

    Attributes
    ----------
    model : MLP
        The trained network.
    run : GDResult
        The gradient-descent record (``run.costs`` is the loss per step).
    predictions : ndarray of shape (4,)
        Predicted class of each XOR point.
    solved : bool
        True when all four points are classified correctly.
    """

    model: MLP
    run: GDResult
    predictions: np.ndarray
    solved: bool


def train_xor(
    hidden: int = 16,
    *,
    seed: int = 0,
    lr: float = 0.1,
    steps: int = 1000,
    loss: str = "softmax",
) -> XORTraining:
    """Train a 2-``hidden``-2 ReLU network on XOR by full-batch gradient descent.

    The network starts from He-initialised random weights (``seed``) and the
    lecture's :func:`~ranvier.gd` runs on its flattened parameters.

    Parameters
    ----------
    hidden : int, default 16
        Width of the hidden layer.  Narrow networks often lose every hidden
        unit to the "dead relu" state from a random start: with 4 units about
        40% of seeds fail, with 16 none of the first 50 does.
    seed : int, default 0
    lr : float, default 0.1
    steps : int, default 1000
        The most gradient steps.
    loss : {'softmax', 'svm', 'squared'}, default 'softmax'

    Returns
    -------
    XORTraining
    """
    X, y = xor_data()
    net = MLP((2, hidden, 2), activation="relu", loss=loss, seed=seed, dtype=np.float64)
    run = gd(net.objective(X, y), net.get_flat_params(), lr=lr, tol=1e-10, max_iters=steps)
    net.set_flat_params(run.x)
    predictions = net.predict(X)
    return XORTraining(net, run, predictions, bool(np.array_equal(predictions, y)))
