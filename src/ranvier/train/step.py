"""One training step on a model: the protocol a model meets, and the loop's two speed agreements.

Outside a training loop a model's math reads like the lecture:
:meth:`Sequential.loss_and_grads <ranvier.Sequential.loss_and_grads>` checks
its inputs, then runs the forward pass, the loss and its gradient, the
backward pass, and adds the L2 term's gradient ``reg * W`` to each weight's;
a loss refuses scores that are not finite.  :meth:`TrainStep.loss_and_grads`
runs the same pieces of the model in the same order, with two agreements
that make the loop faster; they are written here, and neither the model nor
the loop itself knows them.

1. **Checked once.**  The loop checks ``X``, ``y`` and the sample weights
   once for the run (:func:`~ranvier.train.evaluation._check_data`), so each
   batch's loss skips its own checks of the labels
   (:func:`batch_data_loss`); the scores are tested for finiteness once per
   batch (:func:`scores_finite`), and scores that blew up give a NaN loss
   (the divergence signal the loop stops on) instead of the losses'
   ValueError.
2. **The L2 fold** (``Optimizer.step(..., l2=)``).  When the optimiser can
   add ``reg * W`` inside its own pass over the weights
   (:attr:`ranvier.optim.Optimizer.folds_l2`: a built-in rule without weight
   decay of its own) and no gradient clipping needs the gradient of the
   whole objective, the step leaves out the model's ``_add_reg_grads`` and
   the optimiser adds the term (:mod:`ranvier.optim._l2fold`): the same
   numbers to the last bit, two passes over the weights fewer.  It is
   decided again at every step, as a callback may change ``reg`` or the
   optimiser's decay, and only for a :class:`~ranvier.Sequential`.

What they buy is measured by ``benchmarks/bench_train_tricks.py`` (docs/benchmarks.md, "The
house"): the fold 9-13% of a wide network's epoch with L2, checking once about 5% where steps
are small.

A model of one's own trains with :class:`~ranvier.Trainer` when it has the
members of :class:`TrainableModel`, and nothing more is asked of it.
"""

from __future__ import annotations

import math
from typing import Any, Protocol

import numpy as np

from ..nn.losses import _unchecked_loss
from ..nn.networks import Sequential
from .clipping import clip_grad_norm

__all__ = ["TrainStep", "TrainableModel", "batch_data_loss", "scores_finite"]


class TrainableModel(Protocol):
    """What :class:`~ranvier.Trainer` asks of a model: all a model of one's own must have.

    :class:`~ranvier.Sequential` and :class:`~ranvier.MLP` have it.  A model
    with ``buffers`` (saved with the best parameters), ``training``,
    ``train()`` and ``eval()`` (the evaluation mode) has them used; the
    checkpoints and the learning-rate finder ask for more (``get_config``,
    ``set_params``, ``copy``).

    Attributes
    ----------
    params : dict of str to ndarray
        The parameters, updated in place by the optimiser.
    dtype : numpy dtype
        Of the parameters and the computation; real-valued targets are converted to it.
    n_outputs : int
        Scores per example ``c``: labels must lie in ``[0, c)``.
    loss_name : {'softmax', 'svm', 'squared'}
        The loss on the scores (:mod:`ranvier.nn.losses`).
    margin : float
        The hinge loss's margin (for ``loss_name='svm'``).

    Methods
    -------
    _check_X(X, name)
        ``X`` checked, as the model's dtype (once per run).
    workspace(m)
        Buffers for batches of ``m`` rows, with ``grads`` and ``deltas[-1]``.
    _forward_into(X, ws)
        The scores ``(m, c)``.
    _backward_into(X, ws)
        ``dscores`` (``ws.deltas[-1]``) back into ``ws.grads``.
    reg_loss(), _add_reg_grads(ws)
        The regularisation term and its gradient (added to ``ws.grads``).
    """

    params: dict[str, np.ndarray]
    dtype: Any
    n_outputs: int
    loss_name: str
    margin: float

    def _check_X(self, X, name: str = "X") -> np.ndarray:
        """``X`` checked and converted to the model's dtype; ``name`` goes into the error."""

    def workspace(self, m: int) -> Any:
        """Buffers for batches of ``m`` rows: ``grads`` (keyed like ``params``), ``deltas[-1]`` (dscores, (m, c))."""

    def _forward_into(self, X: np.ndarray, ws) -> np.ndarray:
        """The scores of a batch, shape (m, c), computed in the workspace."""

    def _backward_into(self, X: np.ndarray, ws) -> None:
        """The gradients of the data loss, from ``ws.deltas[-1]`` into ``ws.grads``."""

    def reg_loss(self) -> float:
        """The regularisation term of the objective (0.0 for none)."""

    def _add_reg_grads(self, ws) -> None:
        """Add the regularisation term's gradient to ``ws.grads``."""


class TrainStep:
    """A step of the loop on ``trainer.model``: loss and gradients of a batch, then the update.

    :meth:`loss_and_grads` decides the step's L2 fold; :meth:`update` clips the
    gradients (``trainer.clip_norm``) and hands them to the optimiser with it.
    """

    def __init__(self, trainer) -> None:
        self.trainer = trainer
        self.l2: dict[str, float] | None = None  # this step's L2 term for the optimiser (None: in the gradient)
        self.scores: np.ndarray | None = None  # the last batch's scores

    def loss_and_grads(self, xb: np.ndarray, yb: np.ndarray, ws, wb: np.ndarray | None) -> float:
        """The batch's objective (NaN when its scores blew up), its gradients in ``ws.grads``.

        Forward, loss, backward, L2, as ``Sequential.loss_and_grads``, with the two agreements.
        """
        model: TrainableModel = self.trainer.model
        self.l2 = self._folded_l2()
        self.scores = model._forward_into(xb, ws)
        if not scores_finite(self.scores):
            return math.nan
        data_loss = batch_data_loss(model, self.scores, yb, ws, wb)
        model._backward_into(xb, ws)
        if self.l2 is None:
            model._add_reg_grads(ws)
        return data_loss + model.reg_loss()

    def update(self, grads: dict[str, np.ndarray], lr: float) -> None:
        """Clip ``grads`` when asked, then one optimiser step on the model's parameters, in place."""
        t = self.trainer
        if t.clip_norm is not None:
            clip_grad_norm(grads, t.clip_norm)
        t.optimizer.step(t.model.params, grads, t.state, lr=lr, l2=self.l2)

    def _folded_l2(self) -> dict[str, float] | None:
        """The weights' L2 term for the optimiser to add in its own pass, or None (the model adds it)."""
        model, t = self.trainer.model, self.trainer
        if t.clip_norm is not None:  # the gradient clipped is that of the whole objective
            return None
        if not (isinstance(model, Sequential) and model.reg > 0 and t.optimizer.folds_l2):
            return None
        return {name: model.reg for name in model.weight_names()}


def scores_finite(scores: np.ndarray) -> bool:
    """Whether a batch's scores are all finite (agreement 1: the once-per-batch check)."""
    return bool(np.isfinite(scores).all())


def batch_data_loss(model: TrainableModel, scores: np.ndarray, yb: np.ndarray, ws,
                    wb: np.ndarray | None = None) -> float:
    """The data loss of finite ``scores`` of labels checked once (agreement 1), ``dscores`` into ``ws``."""
    return _unchecked_loss(model.loss_name, scores, yb, ws.deltas[-1], wb, model.margin)[0]
