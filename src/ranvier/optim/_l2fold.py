"""The L2 fold: a model's ``reg * W`` taken inside the optimiser's own pass (speed machinery).

A model with ``reg`` adds ``reg * W`` to the gradient of each weight, two passes over
the weights (``scratch = reg * W``, then ``dW += scratch``).  Every built-in rule starts
from the coupled gradient ``g_t = grad_t + lambda * theta_{t-1}``, so the model's term
can ride in as that ``lambda`` instead: the rule then forms the same sum, bit for bit,
where it forms its own (in the fused kernels of :mod:`ranvier.optim._fused`, inside
their one pass over the weights).  :class:`~ranvier.Trainer` does this through
``Optimizer.step(..., l2={"W1": reg, ...})``.

This module decides and checks the fold, :meth:`ranvier.optim.Optimizer.step` takes it,
and the training step (:mod:`ranvier.train.step`) is its one caller; it saves 9-13% of a
wide network's epoch with L2 (``benchmarks/bench_train_tricks.py``).  A rule
sees one number, ``wd``, the coupled decay of this step (its own ``weight_decay``, or
the folded L2 term), and its first line reads like its formula (:func:`ranvier.optim._ops.coupled_gradient`)::

    g = coupled_gradient(g, p, wd, out=a)      # g_t = grad_t + lambda * theta_{t-1}
"""

from __future__ import annotations

from typing import Mapping

from ._checks import nonnegative

__all__ = ["decay_for", "folds", "checked_l2"]


def folds(opt) -> bool:
    """Whether ``opt`` can take ``l2``: a rule that declares ``_takes_l2`` and has no weight decay of its own."""
    return opt._takes_l2 and getattr(opt, "weight_decay", 0.0) == 0


def checked_l2(opt, l2: Mapping[str, float] | None, params: Mapping) -> dict[str, float] | None:
    """``l2`` checked against ``opt`` and ``params``, its values as plain floats (None stays None)."""
    if l2 is None:
        return None
    if not opt.folds_l2:
        why = "has weight_decay set" if opt._takes_l2 else "has no rule for it"
        raise ValueError(
            f"l2 can only be folded into an update with no weight decay of its own; {opt!r} {why}: "
            "add the L2 term to the gradients instead"
        )
    unknown = sorted(set(l2) - set(params))
    if unknown:
        raise KeyError(f"l2 names parameters that params does not have: {unknown}")
    # plain floats, as weight_decay: the NumPy rules and the fused ones then round alike
    return {name: nonnegative(value, f"l2[{name!r}]") for name, value in l2.items()}


def decay_for(opt, name: str, l2: dict[str, float] | None) -> float:
    """The coupled decay ``lambda`` of parameter ``name`` this step: the folded L2 term, or the rule's own."""
    return l2.get(name, 0.0) if l2 is not None else opt._coupled_decay
