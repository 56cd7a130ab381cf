"""The buffers of a network's passes, made once per batch size: the speed machinery of ``loss_and_grads``.

A training loop asks the model for a workspace once (``model.workspace(m)``) and passes
it to every step, so that no large array is allocated per step:

* :class:`LayerWorkspace`, for any :class:`~ranvier.Sequential` (the layers keep their
  own outputs and gradients; it holds ``dscores`` and names the gradients);
* :class:`Workspace`, for the fused passes of an :class:`~ranvier.MLP` without dropout
  or batch normalisation (every layer's output and delta, the parameter gradients).

The math of the passes is in :mod:`ranvier.nn.layers` and :mod:`ranvier.nn.mlp`; nothing
here changes a number, it only decides where the numbers are written.
"""

from __future__ import annotations

import numpy as np

__all__ = ["LayerWorkspace", "Workspace"]


class LayerWorkspace:
    """What a :class:`~ranvier.Sequential` needs per batch size beside the layers' own buffers.

    Attributes
    ----------
    batch_size : int
    grads : dict of str to ndarray
        The layers' gradient arrays under the network's names.
    deltas : list of ndarray
        ``[dscores]``, of shape (m, c).
    """

    def __init__(self, model, batch_size: int) -> None:
        if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) or batch_size < 1:
            raise ValueError(f"batch_size must be a positive integer, got {batch_size!r}")
        self.batch_size = int(batch_size)
        self.model_id = id(model)
        self.grads = {name: layer.grads[local] for layer, local, name, kind in model._slots if kind == "param"}
        self.deltas = [np.empty((self.batch_size, model.n_outputs), model.dtype)]
        self.outputs: list[np.ndarray] = []
        self._scratch: dict[str, np.ndarray] = {}

    @property
    def scores(self) -> np.ndarray:
        """The scores of the last forward pass, shape (m, c)."""
        return self.outputs[-1]

    def scratch(self, name: str) -> np.ndarray:
        """A spare array shaped like gradient ``name`` (made on first use)."""
        if name not in self._scratch:
            self._scratch[name] = np.empty_like(self.grads[name])
        return self._scratch[name]

    def check(self, model, m: int) -> None:
        """Raise ValueError unless this workspace fits ``model`` and ``m`` rows."""
        if id(model) != self.model_id:
            raise ValueError("this workspace was made for another model; make one with model.workspace(m)")
        if m != self.batch_size:
            raise ValueError(f"this workspace holds batches of {self.batch_size} rows, got {m}; "
                             f"make one with model.workspace({m})")


class Workspace(LayerWorkspace):
    """Preallocated arrays for a forward and backward pass on ``m`` rows (the fused MLP's).

    Made by :meth:`ranvier.MLP.workspace` and passed to :meth:`ranvier.MLP.loss_and_grads`, it
    holds every layer's output (the pre-activation is overwritten in place by
    the activation), every layer's gradient with respect to its
    pre-activation, and the parameter gradients, so that a training loop
    allocates nothing large per step.

    Attributes
    ----------
    batch_size : int
    outputs : list of ndarray
        ``[H_1, ..., H_{N-1}, S]`` of the last pass, each of shape (m, h_k).
    deltas : list of ndarray
        ``dL/dA_k`` of the last pass; ``deltas[-1]`` is ``dscores``.
    grads : dict of str to ndarray
        Keyed like the model's params.
    """

    def __init__(self, model, batch_size: int) -> None:
        if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) or batch_size < 1:
            raise ValueError(f"batch_size must be a positive integer, got {batch_size!r}")
        self.batch_size = int(batch_size)
        self.dtype = model.dtype
        self.layer_sizes = model.layer_sizes
        widths = model.layer_sizes[1:]
        self.outputs = [np.empty((self.batch_size, h), self.dtype) for h in widths]
        self.deltas = [np.empty((self.batch_size, h), self.dtype) for h in widths]
        self.grads = {name: np.empty_like(p) for name, p in model.params.items()}
        self._scratch: dict[str, np.ndarray] = {}  # scores and scratch() as LayerWorkspace's

    def check(self, model, m: int) -> None:
        """Raise ValueError unless this workspace fits ``model`` and ``m`` rows."""
        if model.layer_sizes != self.layer_sizes or np.dtype(model.dtype) != np.dtype(self.dtype):
            raise ValueError("this workspace was made for another model; make one with model.workspace(m)")
        if m != self.batch_size:
            raise ValueError(
                f"this workspace holds batches of {self.batch_size} rows, got {m}; "
                f"make one with model.workspace({m})"
            )
