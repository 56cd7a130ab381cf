"""Numerical gradients and gradient checking (always in float64).

The analytic gradient of a backward pass is checked against centred differences::

    df/dx_i ~ (f(x + h e_i) - f(x - h e_i)) / (2 h)

whose error is O(h^2) for smooth functions (a one-sided difference, the
lecture's ``(f(x + h) - f(x)) / h``, is only O(h)).  Near a kink (relu at 0, a
hinge at a margin of exactly 0) no difference quotient can be trusted: check
such functions at inputs away from their kinks.

The relative error of two arrays is taken over the whole array::

    rel_error(a, b) = ||a - b|| / max(||a|| + ||b||, tiny)

rather than element by element, because entries that are tiny (1e-12, say)
carry the rounding noise of ``f`` divided by ``h`` (about 1e-11 for ``f`` near 1)
and would dominate an elementwise maximum without meaning anything.
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from .._validation import check_int, check_positive

__all__ = [
    "GRADCHECK_TOL",
    "GradcheckResult",
    "gradcheck",
    "numerical_gradient",
    "rel_error",
    "sparse_numerical_gradient",
]


def numerical_gradient(f: Callable[[np.ndarray], float], x: np.ndarray, h: float = 1e-5) -> np.ndarray:
    """Centred-difference gradient of a scalar function of an array.

    Every entry of ``x`` is moved by ``+h`` and ``-h`` in place, ``f(x)`` is
    evaluated, and the entry is restored, so ``f`` may read ``x`` (or an array
    that shares its memory, such as a model parameter) directly.

    Parameters
    ----------
    f : callable ``x -> float``
    x : ndarray of float64 (any shape)
        The point; it is left unchanged.
    h : float, default 1e-5
        The step; 1e-5 balances truncation (h^2) and rounding (eps / h) in float64.

    Returns
    -------
    ndarray of float64, the shape of ``x``

    Examples
    --------
    >>> numerical_gradient(lambda v: float(np.sum(v ** 2)), np.array([1.0, -2.0])).round(8)
    array([ 2., -4.])
    """
    _check_point(x)
    h = check_positive(h, "h")
    grad = np.zeros(x.shape, dtype=np.float64)
    it = np.nditer(x, flags=["multi_index"])
    for _ in it:
        grad[it.multi_index] = _partial(f, x, it.multi_index, h)
    return grad


def sparse_numerical_gradient(
    f: Callable[[np.ndarray], float],
    x: np.ndarray,
    num_checks: int = 10,
    h: float = 1e-5,
    seed: int | np.random.Generator | None = 0,
) -> tuple[tuple[np.ndarray, ...], np.ndarray]:
    """Centred differences at a few random coordinates of a big array.

    A 3072 x 100 weight matrix has 307,200 entries, each costing two evaluations
    of ``f``; checking a random sample of them finds a wrong backward pass just
    as surely.

    Parameters
    ----------
    f, x, h
        As for :func:`numerical_gradient`.
    num_checks : int, default 10
        Number of coordinates, drawn without replacement (at most ``x.size``).
    seed : int or numpy.random.Generator, default 0

    Returns
    -------
    index : tuple of ndarray
        The coordinates, usable as ``analytic[index]``.
    values : ndarray of float64 of shape (num_checks,)
        The numerical partial derivatives there.
    """
    _check_point(x)
    h = check_positive(h, "h")
    num_checks = min(check_int(num_checks, "num_checks"), x.size)
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    flat = rng.choice(x.size, size=num_checks, replace=False)
    index = np.unravel_index(np.sort(flat), x.shape)
    values = np.array([_partial(f, x, tuple(int(i[j]) for i in index), h) for j in range(num_checks)])
    return index, values


def rel_error(a: np.ndarray, b: np.ndarray) -> float:
    """Relative error ``||a - b|| / max(||a|| + ||b||, tiny)`` of two arrays.

    0 when both are zero; at most 1.  In float64, a correct analytic gradient
    usually agrees with centred differences to 1e-8 or better.
    """
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"rel_error needs arrays of one shape, got {a.shape} and {b.shape}")
    denom = max(float(np.linalg.norm(a) + np.linalg.norm(b)), np.finfo(np.float64).tiny)
    return float(np.linalg.norm(a - b)) / denom


GRADCHECK_TOL = 1e-7
"""The relative error under which a gradient check passes.

Correct networks measure at most 3.7e-9 (210 cases: every loss, activation
and depth, five seeds, float64, h=1e-5), so 1e-7 leaves a margin of 27 and
still catches a gradient off by 1e-6 relative (which 1e-6 let through).
"""


class GradcheckResult(dict):
    """Relative error per parameter name, as returned by :func:`gradcheck`.

    A ``dict`` of ``name -> rel_error``, with :attr:`worst`, the absolute errors
    ``max |analytic - numerical|`` in :attr:`abs_errors`, the verdict :attr:`ok`
    and a readable table.

    A parameter whose true gradient is exactly zero (the bias of a dead relu
    unit, or a hinge gradient that cancels over a balanced batch) shows a
    relative error near 1 from rounding noise alone; its absolute error, about
    1e-11, tells that it is right.  So :attr:`ok` takes a parameter as right
    when its relative error is under :data:`GRADCHECK_TOL`, or when its
    gradient is zero at the model's scale: every entry, analytic and
    numerical, under ``GRADCHECK_TOL`` times :attr:`scale`, the largest
    gradient entry of the whole model.
    """

    def __init__(self) -> None:
        super().__init__()
        self.abs_errors: dict[str, float] = {}
        self.magnitudes: dict[str, float] = {}  # the largest |entry| of each gradient, analytic or numerical
        self.scale = 0.0
        self.tol = GRADCHECK_TOL

    @property
    def worst(self) -> float:
        """The largest relative error over all parameters."""
        return max(self.values(), default=0.0)

    @property
    def mismatched(self) -> list[str]:
        """The parameters whose gradients disagree (see :attr:`ok`)."""
        return [name for name, err in self.items()
                if not (err < self.tol or self.magnitudes.get(name, np.inf) < self.tol * self.scale)]

    @property
    def ok(self) -> bool:
        """Whether every parameter's gradient matches: the verdict of ``ranvier gradcheck``."""
        return not self.mismatched

    @property
    def verdict(self) -> str:
        """The verdict in words, the last line of the table and of ``ranvier gradcheck``."""
        if not self.ok:
            return (f"MISMATCH: the backward pass disagrees ({', '.join(self.mismatched)}: relative error "
                    f"{self.tol:g} or more)")
        zero = [name for name, err in self.items() if not err < self.tol]
        if not zero:
            return f"OK: the backward pass matches (every relative error under {self.tol:g})"
        return (f"OK: the backward pass matches (relative errors under {self.tol:g}; {', '.join(zero)}: a zero "
                "gradient, whose relative error is rounding noise)")

    def __str__(self) -> str:
        lines = [f"{'parameter':<10} {'relative error':>15} {'absolute error':>15}"]
        lines += [f"{name:<10} {err:>15.3e} {self.abs_errors.get(name, 0.0):>15.3e}" for name, err in self.items()]
        lines.append(f"{'worst':<10} {self.worst:>15.3e}")
        lines.append(self.verdict)
        return "\n".join(lines)

    def __repr__(self) -> str:
        errors = ", ".join(f"{name} {err:.1e}" for name, err in self.items())
        return f"GradcheckResult(worst relative error {self.worst:.2e}; {errors})"

    def _repr_html_(self) -> str:
        from .._repr import html_table

        rows = [[name, f"{err:.3e}", f"{self.abs_errors.get(name, 0.0):.3e}"] for name, err in self.items()]
        return html_table(["parameter", "relative error", "absolute error"], rows,
                          f"gradient check: worst relative error {self.worst:.3e}. {self.verdict}")


def gradcheck(model, X: np.ndarray, y: np.ndarray, *, h: float = 1e-5, num_checks: int | None = None,
              seed: int | np.random.Generator | None = 0) -> GradcheckResult:
    """Compare a model's backward pass with numerical gradients, in float64.

    The model is copied to float64 (the original is not touched), its analytic
    gradients are computed by :meth:`loss_and_grads`, and each parameter's
    gradient is compared with centred differences of :meth:`loss`.  A
    :class:`~ranvier.Sequential` is checked in training mode (batch
    normalisation on the batch's statistics), each dropout mask drawn once
    and held fixed.

    Parameters
    ----------
    model : MLP
        Any object with ``params``, ``loss(X, y)``, ``loss_and_grads(X, y)`` and
        ``astype(dtype)``.
    X : ndarray of shape (m, n)
    y : ndarray of shape (m,)
    h : float, default 1e-5
    num_checks : int, optional
        Check only this many random coordinates per parameter (see
        :func:`sparse_numerical_gradient`); by default every coordinate.
    seed : int or numpy.random.Generator, default 0
        Chooses the coordinates when ``num_checks`` is given.

    Returns
    -------
    GradcheckResult
        ``{name: rel_error}`` for every parameter; ``result.ok`` says whether
        the check passed (every relative error under :data:`GRADCHECK_TOL`,
        gradients that are zero aside).

    Examples
    --------
    >>> from ranvier import MLP
    >>> net = MLP((4, 5, 3), activation="tanh", seed=0)
    >>> X = np.random.default_rng(0).normal(size=(6, 4)); y = np.array([0, 1, 2, 0, 1, 2])
    >>> result = gradcheck(net, X, y)
    >>> result.ok, result.worst < 1e-7
    (True, True)
    """
    model64 = _float64_copy(model)
    X64 = np.asarray(X, dtype=np.float64)
    _, grads = model64.loss_and_grads(X64, y)
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)

    def f(_: np.ndarray) -> float:
        return model64.loss(X64, y)

    result = GradcheckResult()
    for name, param in model64.params.items():
        if num_checks is None:
            analytic, numeric = grads[name], numerical_gradient(f, param, h)
        else:
            index, numeric = sparse_numerical_gradient(f, param, num_checks, h, rng)
            analytic = grads[name][index]
        _compare(result, name, analytic, numeric)
    result.scale = max(result.magnitudes.values(), default=0.0)
    return result


def _float64_copy(model):
    """``model`` in float64; a layer stack in training mode with each dropout mask held fixed."""
    model64 = model.astype(np.float64)
    if hasattr(model64, "_hold_dropout_masks"):  # a layer stack: batch statistics, each dropout mask held fixed
        model64.train()
        model64._hold_dropout_masks()
    return model64


def _compare(result: GradcheckResult, name: str, analytic: np.ndarray, numeric: np.ndarray) -> None:
    """Enter parameter ``name``'s relative error, absolute error and largest entry into ``result``."""
    result[name] = rel_error(analytic, numeric)
    result.abs_errors[name] = float(np.max(np.abs(analytic - numeric), initial=0.0))
    result.magnitudes[name] = max(float(np.max(np.abs(analytic), initial=0.0)),
                                  float(np.max(np.abs(numeric), initial=0.0)))


def _partial(f: Callable[[np.ndarray], float], x: np.ndarray, idx: tuple, h: float) -> float:
    old = x[idx]
    try:
        x[idx] = old + h
        f_plus = float(f(x))
        x[idx] = old - h
        f_minus = float(f(x))
    finally:
        x[idx] = old
    return (f_plus - f_minus) / (2 * h)


def _check_point(x: np.ndarray) -> None:
    if not isinstance(x, np.ndarray):
        raise TypeError(f"x must be a NumPy array that f reads, got {type(x).__name__}")
    if x.dtype != np.float64:
        raise TypeError(
            f"x must be float64 for a numerical gradient, got {x.dtype}; "
            "float32 rounding swamps centred differences (use x.astype(np.float64))"
        )
    if not x.flags.writeable:
        raise ValueError("x must be writeable: its entries are moved by +-h and restored")
