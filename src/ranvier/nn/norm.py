"""Normalisation layers: batch normalisation (Ioffe & Szegedy, 2015) and layer normalisation (Ba et al., 2016)."""

from __future__ import annotations

import numbers

import numpy as np

from .layers import Layer, _dtype, _width

__all__ = ["BatchNorm", "LayerNorm"]


def _check_eps(eps) -> float:
    if isinstance(eps, bool) or not isinstance(eps, numbers.Real) or not eps > 0:
        raise ValueError(f"eps must be a positive number, got {eps!r}")
    return float(eps)


class _Norm(Layer):
    """Shared parts: ``gamma`` (ones) and ``beta`` (zeros) of shape (n,), the width check."""

    def __init__(self, n: int, eps: float, dtype) -> None:
        super().__init__()
        self.n = _width(n, "n")
        self.eps = _check_eps(eps)
        self.dtype = _dtype(dtype)

    @property
    def input_width(self) -> int:
        return self.n

    def _check(self, x: np.ndarray) -> None:
        if x.ndim != 2 or x.shape[1] != self.n:
            raise ValueError(f"{type(self).__name__}({self.n}) takes inputs of shape (m, {self.n}), got {x.shape}")

    def _scale_shift(self, xhat: np.ndarray, out: np.ndarray) -> np.ndarray:
        np.multiply(xhat, self.params["gamma"], out=out)
        out += self.params["beta"]
        return out


class BatchNorm(_Norm):
    """Batch normalisation over the batch, with ``torch.nn.BatchNorm1d``'s semantics.

    Training (statistics of the batch, the biased variance)::

        mu = mean_i x_i,   var = mean_i (x_i - mu)**2,   xhat = (x - mu) / sqrt(var + eps)
        out = gamma * xhat + beta
        running_mean = (1 - momentum) * running_mean + momentum * mu
        running_var  = (1 - momentum) * running_var  + momentum * var * m / (m - 1)

    Evaluation: ``xhat = (x - running_mean) / sqrt(running_var + eps)``.
    Backward in training, with ``std = sqrt(var + eps)``::

        dbeta = sum_i dout_i,   dgamma = sum_i dout_i * xhat_i
        dx = gamma / std * (dout - (dbeta + xhat * dgamma) / m)

    and in evaluation ``dx = dout * gamma / std``.

    Parameters
    ----------
    n : int
        Number of features.
    momentum : float in [0, 1], default 0.1
    eps : float, default 1e-5
    dtype : numpy dtype, default float32
    """

    def __init__(self, n: int, momentum: float = 0.1, eps: float = 1e-5, *, dtype=np.float32) -> None:
        super().__init__(n, eps, dtype)
        if isinstance(momentum, bool) or not isinstance(momentum, numbers.Real) or not 0 <= momentum <= 1:
            raise ValueError(f"momentum must be in [0, 1], got {momentum!r}")
        self.momentum = float(momentum)
        dt = self.dtype
        self._set_arrays({"gamma": np.ones(self.n, dt), "beta": np.zeros(self.n, dt)},
                         {"running_mean": np.zeros(self.n, dt), "running_var": np.ones(self.n, dt)})

    def forward(self, x: np.ndarray, training: bool = True) -> np.ndarray:
        """``out = gamma * xhat + beta`` with batch (training) or running (evaluation) statistics."""
        self._check(x)
        m = x.shape[0]
        xhat = self._buf("xhat", x.shape, self.dtype)
        if training:
            if m < 2:
                raise ValueError(
                    "BatchNorm needs at least 2 examples per batch in training (one row has no variance); "
                    "use a larger batch, or a batch size that does not leave a last batch of 1 example"
                )
            mu = x.mean(axis=0)
            np.subtract(x, mu, out=xhat)
            var = np.einsum("ij,ij->j", xhat, xhat) / m  # one pass, no (m, n) temporary
            self._update_running(mu, var, m)
        else:
            np.subtract(x, self.buffers["running_mean"], out=xhat)
            var = self.buffers["running_var"]
        std = np.sqrt(var + self.eps)
        xhat *= 1 / std  # a product per entry is cheaper than a quotient
        self._cache = (xhat, std, training)
        return self._scale_shift(xhat, self._buf("out", x.shape, self.dtype))

    def _update_running(self, mu: np.ndarray, var: np.ndarray, m: int) -> None:
        mom = self.momentum
        rm, rv = self.buffers["running_mean"], self.buffers["running_var"]
        rm *= 1 - mom
        rm += mom * mu
        rv *= 1 - mom
        rv += mom * (var * (m / (m - 1)))  # the unbiased variance, as torch keeps it

    def backward(self, dout: np.ndarray) -> np.ndarray:
        """``dx = gamma / std * (dout - (dbeta + xhat * dgamma) / m)`` (training), ``dout * gamma / std`` (evaluation)."""
        xhat, std, training = self._cache
        m = dout.shape[0]
        dx = self._buf("dx", dout.shape, self.dtype)
        dgamma, dbeta = self.grads["gamma"], self.grads["beta"]
        np.einsum("ij,ij->j", dout, xhat, out=dgamma)
        np.sum(dout, axis=0, out=dbeta)
        scale = self.params["gamma"] / std
        if not training:
            return np.multiply(dout, scale, out=dx)
        np.multiply(xhat, dgamma / m, out=dx)
        dx += dbeta / m
        np.subtract(dout, dx, out=dx)
        dx *= scale
        return dx

    def extra_repr(self) -> str:
        return f"{self.n}, momentum={self.momentum:g}, eps={self.eps:g}"


class LayerNorm(_Norm):
    """Layer normalisation over the features of each example (``torch.nn.LayerNorm(n)``).

    For each row ``x`` of ``n`` features (the same in training and evaluation)::

        mu = mean_j x_j,   var = mean_j (x_j - mu)**2,   xhat = (x - mu) / sqrt(var + eps)
        out = gamma * xhat + beta

    Backward, row by row, with ``g = dout * gamma`` and ``std = sqrt(var + eps)``::

        dx = (g - mean_j g_j - xhat * mean_j (g_j * xhat_j)) / std
        dgamma = sum_i dout_i * xhat_i,   dbeta = sum_i dout_i

    Parameters
    ----------
    n : int
    eps : float, default 1e-5
    dtype : numpy dtype, default float32
    """

    def __init__(self, n: int, eps: float = 1e-5, *, dtype=np.float32) -> None:
        super().__init__(n, eps, dtype)
        self._set_arrays({"gamma": np.ones(self.n, self.dtype), "beta": np.zeros(self.n, self.dtype)})

    def forward(self, x: np.ndarray, training: bool = True) -> np.ndarray:
        """``out = gamma * (x - mu) / sqrt(var + eps) + beta``, statistics per row."""
        self._check(x)
        xhat = self._buf("xhat", x.shape, self.dtype)
        out = self._buf("out", x.shape, self.dtype)
        np.subtract(x, x.mean(axis=1, keepdims=True), out=xhat)
        np.multiply(xhat, xhat, out=out)
        std = np.sqrt(out.mean(axis=1, keepdims=True) + self.eps)
        xhat /= std
        self._cache = (xhat, std)
        return self._scale_shift(xhat, out)

    def backward(self, dout: np.ndarray) -> np.ndarray:
        """``dx = (g - mean(g) - xhat * mean(g * xhat)) / std`` with ``g = dout * gamma``."""
        xhat, std = self._cache
        dx = self._buf("dx", dout.shape, self.dtype)
        g = self._buf("g", dout.shape, self.dtype)
        np.multiply(dout, xhat, out=dx)
        np.sum(dx, axis=0, out=self.grads["gamma"])
        np.sum(dout, axis=0, out=self.grads["beta"])
        np.multiply(dout, self.params["gamma"], out=g)
        np.multiply(g, xhat, out=dx)
        gx_mean = dx.mean(axis=1, keepdims=True)
        np.multiply(xhat, gx_mean, out=dx)
        dx += g.mean(axis=1, keepdims=True)
        np.subtract(g, dx, out=dx)
        dx /= std
        return dx

    def extra_repr(self) -> str:
        return f"{self.n}, eps={self.eps:g}"
