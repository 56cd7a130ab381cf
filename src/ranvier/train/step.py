"""One training step on a model: the speed agreements between the loop and the model, in one place.

Outside a training loop a model's math reads like the lecture:
``model.loss_and_grads(X, y)`` checks its inputs, runs the forward pass, the
loss and its gradient, the backward pass, and adds the L2 term's gradient
``reg * W`` to each weight's; a loss refuses scores that are not finite.
The training loop makes two agreements with the model to go faster; they
are written here, and the loop itself knows neither.

1. **Checked once** (``nonfinite="nan"``; ``checked=True`` for a loss alone).
   The loop checks ``X``, ``y`` and the sample weights once for the run
   (:func:`~ranvier.train.evaluation._check_data`), so each batch's loss
   skips its own checks of the labels; the scores are tested for
   finiteness once per batch, and scores that blew up give a NaN loss (the
   divergence signal the loop stops on) instead of the losses' ValueError.
2. **The L2 fold** (``reg_grad=False`` with ``Optimizer.step(..., l2=)``).
   When the optimiser can add ``reg * W`` inside its own pass over the
   weights (:attr:`ranvier.optim.Optimizer.folds_l2`: a built-in rule
   without weight decay of its own) and no gradient clipping needs the
   gradient of the whole objective, the model leaves the term out of its
   gradients and the optimiser adds it (:mod:`ranvier.optim._l2fold`): the
   same numbers to the last bit, two passes over the weights fewer.  It is
   decided again at every step, as a callback may change ``reg`` or the
   optimiser's decay.

The model side is its private ``_loss_and_grads(X, y, ws, *, nonfinite=,
reg_grad=, sample_weight=)`` (:class:`~ranvier.Sequential`'s): a model of
one's own needs only ``_loss_and_grads(X, y, ws, *, nonfinite)``, as the
fold is asked only of a :class:`~ranvier.Sequential`.
"""

from __future__ import annotations

import numpy as np

from ..nn.networks import Sequential
from .clipping import clip_grad_norm

__all__ = ["TrainStep", "batch_data_loss"]


class TrainStep:
    """A step of the loop on ``trainer.model``: loss and gradients of a batch, then the update.

    :meth:`loss_and_grads` decides the step's L2 fold; :meth:`update` clips the
    gradients (``trainer.clip_norm``) and hands them to the optimiser with it.
    """

    def __init__(self, trainer) -> None:
        self.trainer = trainer
        self.l2: dict[str, float] | None = None  # this step's L2 term for the optimiser (None: in the gradient)

    def loss_and_grads(self, xb: np.ndarray, yb: np.ndarray, ws, wb: np.ndarray | None) -> float:
        """The batch's objective (NaN when its scores blew up), its gradients in ``ws.grads``."""
        self.l2 = self._folded_l2()
        extra = {} if self.l2 is None else {"reg_grad": False}
        if wb is not None:
            extra["sample_weight"] = wb
        return self.trainer.model._loss_and_grads(xb, yb, ws, nonfinite="nan", **extra)

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


def batch_data_loss(model, scores: np.ndarray, yb: np.ndarray, ws, wb: np.ndarray | None = None) -> float:
    """The data loss of finite ``scores`` of labels checked once (agreement 1), ``dscores`` into ``ws``."""
    if wb is None:
        return model._data_loss(scores, yb, out=ws.deltas[-1], checked=True)[0]
    return model._data_loss(scores, yb, out=ws.deltas[-1], checked=True, sample_weight=wb)[0]
