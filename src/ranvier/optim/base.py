"""The base class of the optimisers: state, ``init``, ``step``, and the state files.

An optimiser is *state plus an update rule*.  :class:`Optimizer` holds what every
rule shares: the checks of ``params`` and ``grads``, the allocation of the state
(:meth:`Optimizer.init`), the loop over the parameters (:meth:`Optimizer.step`),
which hands each one to the rule's ``_update`` (or to its fused kernel, see
:mod:`ranvier.optim._fused`), and the state files (:func:`save_state`,
:func:`load_state`).  The rules themselves live one family to a module:
:mod:`~ranvier.optim.sgd`, :mod:`~ranvier.optim.adagrad`,
:mod:`~ranvier.optim.rmsprop`, :mod:`~ranvier.optim.adam`.

State layout
------------
``state`` is a flat dict of plain data, so that ``np.savez(file, **state)``
writes it without pickle:

* ``"step"``: int, the number of steps taken (0 after ``init``);
* ``"<slot>/<param name>"``: one array per slot and parameter, e.g.
  ``"exp_avg/W1"``; the slot names are PyTorch's (``momentum_buffer``, ``sum``,
  ``square_avg``, ``grad_avg``, ``exp_avg``, ``exp_avg_sq``,
  ``max_exp_avg_sq``) and are listed in ``opt.slots``;
* ``"scratch/<dtype>"``: work space of shape ``(2, n)`` per parameter dtype,
  ``n`` the largest parameter size.  It carries nothing from one step to the
  next: :func:`save_state` leaves it out and ``step`` allocates it again (once)
  when it is missing.

:func:`save_state` / :func:`load_state` write and read that dict as an
``.npz`` (``allow_pickle=False``); continuing from a restored state gives
bit-identical results to an uninterrupted run.  ``opt.get_config()`` returns
the hyperparameters as JSON-friendly data and ``get_optimizer(**config)``
builds the same optimiser again.
"""

from __future__ import annotations

import os
from typing import Mapping

import numpy as np

from . import _fused, _l2fold
from ._checks import nonnegative, positive

__all__ = ["Optimizer", "load_state", "save_state"]

Params = Mapping[str, np.ndarray]

_SCRATCH = "scratch/"


class Optimizer:
    """Base class: hyperparameters, ``init``, ``step`` and ``get_config``.

    Subclasses set ``name``, build ``self._config`` (the hyperparameters) in
    ``__init__``, list their per-parameter arrays in :attr:`slots` and write
    ``_update``, the rule for one parameter array.  A rule that applies its
    ``wd`` argument as ``g + wd * p`` before anything else may set
    ``_takes_l2 = True``: :meth:`step` then accepts ``l2``.
    """

    name = "optimizer"
    _takes_l2 = False  # the rule applies _update's wd as a coupled decay g + wd * p, first (see _l2fold)

    def __init__(self, lr: float) -> None:
        self.lr = positive(lr, "lr")

    # --------------------------------------------------------------- public
    @property
    def slots(self) -> tuple[str, ...]:
        """Names of the state arrays kept per parameter (``state["<slot>/<param>"]``)."""
        return ()

    def init(self, params: Params) -> dict:
        """Allocate the state for ``params``: slot arrays, step counter and scratch space.

        Parameters
        ----------
        params : dict of str to ndarray
            The parameter arrays (floating point) that :meth:`step` will update
            in place, e.g. ``model.params``.

        Returns
        -------
        dict
            ``{"step": 0, "<slot>/<name>": ndarray like params[name], ...,
            "scratch/<dtype>": ndarray of shape (2, n)}`` (see the module docstring).
        """
        _check_params(params)
        state: dict = {"step": 0}
        for slot in self.slots:
            fill = self._slot_fill(slot)
            for name, p in params.items():
                # full_like keeps p's memory layout, so the updates run over both in step
                state[f"{slot}/{name}"] = np.full_like(p, fill)
        sizes: dict[np.dtype, int] = {}
        for p in params.values():
            sizes[p.dtype] = max(sizes.get(p.dtype, 0), p.size)
        for dtype, n in sizes.items():
            state[_SCRATCH + dtype.name] = np.empty((2, n), dtype=dtype)
        return state

    @property
    def folds_l2(self) -> bool:
        """Whether :meth:`step` takes ``l2``: the built-in rules, when they have no weight decay of their own."""
        return _l2fold.folds(self)

    def step(
        self,
        params: Params,
        grads: Params,
        state: dict,
        lr: float | None = None,
        *,
        l2: Mapping[str, float] | None = None,
    ) -> None:
        """Take one step: update ``params`` and ``state`` **in place**.

        Parameters
        ----------
        params : dict of str to ndarray
            The parameter arrays; each is overwritten with its new value.
        grads : dict of str to ndarray
            The gradients, with the keys and shapes of ``params``; only read.
        state : dict
            What :meth:`init` returned (or :func:`load_state` read back), for
            the same parameter names; its arrays are overwritten and
            ``state["step"]`` goes up by one.
        lr : float, optional
            Learning rate for this step instead of ``self.lr`` (>= 0), e.g.
            ``schedule(state["step"])``.
        l2 : dict of str to float, optional
            L2 coefficients that ``grads`` leave out (a model's ``reg``, for
            its weights): the parameter ``name`` is updated as if its gradient
            were ``grads[name] + l2[name] * params[name]``, with that sum made
            inside the update's own pass instead of a pass of its own.  The
            result is bit for bit that of adding the term to the gradient
            first.  Only where :attr:`folds_l2` (no weight decay of the
            optimiser's own).

        Raises
        ------
        ValueError
            For a negative ``lr`` or ``l2`` value, and for ``l2`` given to an
            optimiser that does not fold it (:attr:`folds_l2` is False).
        KeyError
            When ``grads``, the state's slots or ``l2`` name parameters that
            ``params`` does not have (or miss some).
        """
        lr = self.lr if lr is None else nonnegative(lr, "lr")
        _check_grads(params, grads)
        l2 = _l2fold.checked_l2(self, l2, params)
        t = int(state["step"]) + 1
        for name, p in params.items():
            self._update_one(name, p, grads[name], state, t, lr, _l2fold.decay_for(self, name, l2))
        state["step"] = t

    def _update_one(self, name: str, p, g, state: dict, t: int, lr: float, wd: float) -> None:
        """Update parameter ``name``: the fused one-pass kernel where there is one, else the NumPy rule."""
        try:
            s = {slot: state[f"{slot}/{name}"] for slot in self.slots}
        except KeyError:
            raise KeyError(
                f"state has no {self.name} slots for parameter {name!r}; "
                "build it with this optimiser's init(params) for these parameters"
            ) from None
        # One thread: the update runs between BLAS products, whose OpenBLAS threads keep the
        # other core busy for a while; halves on two threads measured slower (momentum) or
        # no faster (Adam) in the training loop.  A big parameter takes the fused one-pass
        # update when Numba is there (ranvier.optim._fused), with the same result bit for bit.
        if not (_fused.AVAILABLE and p.size >= _fused.MIN_SIZE and self._fused_update(p, g, s, t, lr, wd)):
            a, b = _scratch(state, p)
            self._update(p, g, s, t, lr, a, b, wd)

    def get_config(self) -> dict:
        """The hyperparameters as JSON-friendly data; ``get_optimizer(**config)`` rebuilds the optimiser."""
        return {"name": self.name, **self._config}

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self._config.items())
        return f"{type(self).__name__}({args})"

    def __eq__(self, other) -> bool:
        return type(self) is type(other) and self.get_config() == other.get_config()

    __hash__ = None  # mutable hyperparameters: not hashable

    # ------------------------------------------------------------- subclass
    @property
    def _config(self) -> dict:
        raise NotImplementedError

    def _slot_fill(self, slot: str) -> float:
        return 0.0

    @property
    def _coupled_decay(self) -> float:
        """The weight decay added to the gradient (``g + lambda * theta``); 0 for a decoupled one."""
        return getattr(self, "weight_decay", 0.0)

    def _fused_update(self, p, g, s, t, lr, wd) -> bool:
        """The update of :meth:`_update` in one compiled pass, when this rule has one; False otherwise."""
        return False

    def _update(self, p, g, s, t, lr, a, b, wd) -> None:
        """Update one parameter ``p`` in place from its gradient ``g``.

        ``s`` maps slot names to this parameter's state arrays, ``t`` is the
        step number (1 for the first step), ``a`` and ``b`` are scratch arrays
        shaped like ``p`` whose content is undefined on entry, and ``wd`` the
        coupled weight decay of this step (``g + wd * p`` is the gradient the
        rule follows): the rule's own, or an L2 term folded in by ``step``.
        """
        raise NotImplementedError


# ------------------------------------------------------------- state helpers
def _check_params(params: Params) -> None:
    if not isinstance(params, Mapping) or not params:
        raise TypeError("params must be a non-empty dict of str to ndarray, e.g. model.params")
    for name, p in params.items():
        if not isinstance(p, np.ndarray) or not np.issubdtype(p.dtype, np.floating):
            kind = p.dtype if isinstance(p, np.ndarray) else type(p).__name__
            raise TypeError(
                f"params[{name!r}] must be a floating-point ndarray (the optimiser updates it in place), got {kind}"
            )


def _check_grads(params: Params, grads: Params) -> None:
    if grads.keys() != params.keys():
        missing = sorted(set(params) - set(grads))
        extra = sorted(set(grads) - set(params))
        raise KeyError(f"grads must have the keys of params; missing {missing}, unexpected {extra}")
    for name, p in params.items():
        if np.shape(grads[name]) != p.shape:
            raise ValueError(
                f"grads[{name!r}] has shape {np.shape(grads[name])} but params[{name!r}] has shape {p.shape}"
            )


def _scratch(state: dict, p: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Two work arrays shaped like ``p`` (views of the state's scratch space)."""
    key = _SCRATCH + p.dtype.name
    work = state.get(key)
    if work is None or work.shape[1] < p.size:  # after load_state, or a parameter that grew
        work = state[key] = np.empty((2, p.size), dtype=p.dtype)
    n = p.size
    if p.ndim == 2 and p.flags.f_contiguous and not p.flags.c_contiguous:
        # laid out like p (a transposed view), so elementwise work runs through memory in order
        shape = p.shape[::-1]
        return work[0, :n].reshape(shape).T, work[1, :n].reshape(shape).T
    return work[0, :n].reshape(p.shape), work[1, :n].reshape(p.shape)


def save_state(file, state: Mapping) -> None:
    """Write an optimiser state to an ``.npz`` (no pickle), leaving out the scratch space.

    ``file`` is a path or a binary file object, as for :func:`numpy.savez`.
    """
    np.savez(file, **{k: v for k, v in state.items() if not k.startswith(_SCRATCH)})


def load_state(file) -> dict:
    """Read a state written by :func:`save_state` (or ``np.savez(file, **state)``).

    The arrays come back with their dtypes and ``"step"`` as an int; the first
    :meth:`Optimizer.step` allocates the scratch space if it is missing.

    Raises
    ------
    ValueError
        The file is not such a state: damaged, an array of a dtype other than
        real numbers, sizes larger than the file holds (checked before
        anything is allocated), or no integer ``step``.
    """
    from .._arrayfile import ArrayFileError, NpzReader, check_fits

    name = os.fspath(file) if isinstance(file, (str, os.PathLike)) else getattr(file, "name", "the state file")
    try:
        with NpzReader(file) as npz:
            check_fits(sum(h.nbytes for h in npz.headers.values()), "the optimiser state")
            state = {k: npz.read(k) for k in npz.headers}
    except ArrayFileError as exc:
        raise ValueError(f"{name}: not a readable optimiser state ({exc})") from None
    step = state.get("step")
    if step is None or step.shape != () or step.dtype.kind not in "iu" or not 0 <= int(step) < 2**63:
        raise ValueError(f"{name}: an optimiser state needs 'step', one integer >= 0")
    state["step"] = int(step)
    return state

