"""The playground's points: toy sets of :mod:`ranvier.datasets.toy`, a train/test
split, points added and removed by hand, CSV files of ``x1, x2, label`` and the
optional input features.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

import numpy as np

from ..datasets import toy

__all__ = ["MAX_CLASSES", "Points", "features", "make_points", "parse_csv"]

MAX_CLASSES = 5
"""The most classes a data set of the playground holds (the page's palette)."""

# The page's noise slider runs from 0 to 1; each generator gets noise * scale, so
# that 0.2 draws each set as its generator's default does (blobs: 1.0 around
# centres at radius 5; the two gaussian clouds: standard deviation 1 at (+-2, +-2)).
_NOISE_SCALE = {"xor": 1.0, "circles": 0.5, "spirals": 1.0, "blobs": 5.0, "gaussian": 5.0}
_MAX_CSV_BYTES = 1 << 20


@dataclass
class Points:
    """The data of a session: ``X`` float32 (n, 2), ``y`` int64 (n,), ``train`` bool (n,)."""

    X: np.ndarray
    y: np.ndarray
    train: np.ndarray
    n_classes: int

    def split(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """``X_train, y_train, X_test, y_test``."""
        return self.X[self.train], self.y[self.train], self.X[~self.train], self.y[~self.train]

    def window(self) -> list[float]:
        """A square ``[low, high]`` around the data with a margin, the same on both axes."""
        if len(self.X) == 0:
            return [-1.0, 1.0]
        r = float(np.abs(self.X).max()) * 1.15
        r = max(r, 1e-3)
        return [-r, r]

    def add(self, x1: float, x2: float, label: int) -> None:
        """Append a training point of class ``label``."""
        if not 0 <= label < MAX_CLASSES:
            raise ValueError(f"label must be a class from 0 to {MAX_CLASSES - 1}, got {label}")
        self.X = np.vstack([self.X, np.array([[x1, x2]], dtype=np.float32)])
        self.y = np.append(self.y, np.int64(label))
        self.train = np.append(self.train, True)
        self.n_classes = max(self.n_classes, label + 1)

    def remove_near(self, x1: float, x2: float, radius: float) -> int:
        """Remove the point nearest ``(x1, x2)`` when it lies within ``radius``; how many went (0 or 1)."""
        if len(self.X) == 0:
            return 0
        d = np.hypot(self.X[:, 0] - x1, self.X[:, 1] - x2)
        k = int(np.argmin(d))
        if d[k] > radius:
            return 0
        keep = np.arange(len(self.X)) != k
        self.X, self.y, self.train = self.X[keep], self.y[keep], self.train[keep]
        return 1


def _gaussian(n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Two Gaussian clouds centred at ``(2, 2)`` (class 0) and ``(-2, -2)`` (class 1)."""
    y = np.arange(n, dtype=np.int64) % 2
    centre = np.where(y[:, None] == 0, 2.0, -2.0)
    X = centre + noise * rng.standard_normal((n, 2))
    order = rng.permutation(n)
    return X[order].astype(np.float32), y[order]


def make_points(settings: dict) -> Points:
    """The toy set the settings describe, split into train and test by ``ratio``.

    ``seed`` seeds both the points and the split, so a link rebuilds the same data.
    """
    name, n, seed = settings["dataset"], settings["points"], settings["seed"]
    noise = settings["noise"] * _NOISE_SCALE.get(name, 1.0)
    rng = np.random.default_rng(seed)
    if name == "xor":
        X, y = toy.make_xor(n, noise=noise, seed=rng)
    elif name == "circles":
        X, y = toy.make_circles(n, noise=noise, seed=rng)
    elif name == "spirals":
        X, y = toy.make_spirals(n, n_classes=settings["classes"], noise=noise, seed=rng)
    elif name == "blobs":
        X, y = toy.make_blobs(n, n_classes=settings["classes"], noise=noise, seed=rng)
    elif name == "gaussian":
        X, y = _gaussian(n, noise, rng)
    else:
        raise ValueError(f"{name!r} data are uploaded or drawn, not generated")
    return Points(X, y, _split_mask(len(y), settings["ratio"], rng), int(y.max()) + 1)


def _split_mask(n: int, ratio: float, rng: np.random.Generator) -> np.ndarray:
    """A random ``round(ratio * n)`` of the ``n`` points (at least one) are for training."""
    mask = np.zeros(n, dtype=bool)
    mask[rng.permutation(n)[: max(1, round(ratio * n))]] = True
    return mask


def parse_csv(text: str, settings: dict) -> Points:
    """Points from CSV text with the columns ``x1, x2, label`` (a header line is optional).

    Labels are whole numbers from 0 to ``MAX_CLASSES - 1``; the split follows the
    settings' ``ratio`` and ``seed``.  Nothing in the file is run or evaluated.

    Raises
    ------
    ValueError
        Naming the line and the column that cannot be read.
    """
    if len(text) > _MAX_CSV_BYTES:
        raise ValueError(f"CSV file is larger than {_MAX_CSV_BYTES >> 10} KiB; the playground takes small files")
    rows = [r for r in csv.reader(io.StringIO(text)) if any(c.strip() for c in r)]
    if rows and [c.strip().lower() for c in rows[0]] == ["x1", "x2", "label"]:
        rows = rows[1:]
    if not rows:
        raise ValueError("CSV file has no data rows; expected lines of x1,x2,label")
    if len(rows) > 2000:
        raise ValueError(f"CSV file has {len(rows)} rows, more than the playground's 2000")
    X = np.empty((len(rows), 2), dtype=np.float32)
    y = np.empty(len(rows), dtype=np.int64)
    for i, row in enumerate(rows, start=1):
        X[i - 1], y[i - 1] = _csv_row(row, i)
    if len(np.unique(y)) < 2:
        raise ValueError("CSV file: the labels hold a single class; give points of at least two classes")
    rng = np.random.default_rng(settings["seed"])
    return Points(X, y, _split_mask(len(y), settings["ratio"], rng), int(y.max()) + 1)


def _csv_row(row: list[str], line: int) -> tuple[list[float], int]:
    if len(row) != 3:
        raise ValueError(f"CSV line {line}: expected 3 columns x1,x2,label, got {len(row)}")
    values = []
    for name, cell in zip(("x1", "x2"), row[:2]):
        try:
            v = float(cell)
        except ValueError:
            raise ValueError(f"CSV line {line}: column {name} must be a number, got {cell.strip()!r}") from None
        if not np.isfinite(v) or abs(v) > 1e6:
            raise ValueError(f"CSV line {line}: column {name} must be a finite number under 1e6, got {cell.strip()!r}")
        values.append(v)
    label = row[2].strip()
    if not label.isdigit() or int(label) >= MAX_CLASSES:
        raise ValueError(f"CSV line {line}: column label must be a class from 0 to {MAX_CLASSES - 1}, got {label!r}")
    return values, int(label)


def features(X: np.ndarray, names: list[str]) -> np.ndarray:
    """The network's inputs: the columns ``names`` (see :data:`settings.FEATURES`) of ``X`` (n, 2)."""
    x1, x2 = X[:, 0], X[:, 1]
    table = {"x1": lambda: x1, "x2": lambda: x2, "x1^2": lambda: x1 * x1, "x2^2": lambda: x2 * x2,
             "x1*x2": lambda: x1 * x2, "sin(x1)": lambda: np.sin(x1), "sin(x2)": lambda: np.sin(x2)}
    return np.ascontiguousarray(np.column_stack([table[n]() for n in names]), dtype=np.float32)
