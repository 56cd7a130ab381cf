"""Data augmentation applied to each training batch, in place.

An augmentation is a callable ``augment(X_batch, rng)`` that changes the rows
of a batch (shape ``(k, n)``, flattened images) in place, drawing its random
choices from the trainer's generator, so that a run stays reproducible and a
checkpoint resumes it exactly.
"""

from __future__ import annotations

import numpy as np

__all__ = ["AUGMENTS", "Compose", "HorizontalFlip", "RandomTranslate", "get_augment"]

#: The names :func:`get_augment` knows; join them with ``+`` (``"flip+translate"``).
AUGMENTS = ("none", "flip", "translate")


class HorizontalFlip:
    """Mirror a random half of the images left to right.

    The flipped image of a cat is still a cat: for photographs (CIFAR-10)
    this doubles the variety of the training set for free.  Not for digits
    or letters, whose mirror images are other symbols.

    Parameters
    ----------
    image_shape : tuple of int
        ``(height, width)`` or ``(height, width, channels)`` of one image, in
        the row-major order of the flattened rows (HWC for CIFAR-10).
    p : float, default 0.5
        Probability that an image is flipped.
    """

    def __init__(self, image_shape: tuple[int, ...], p: float = 0.5) -> None:
        self.image_shape = _check_shape(image_shape)
        if not 0 <= p <= 1:
            raise ValueError(f"p must be a probability in [0, 1], got {p}")
        self.p = float(p)

    def __call__(self, X: np.ndarray, rng: np.random.Generator) -> None:
        images = X.reshape(len(X), *self.image_shape)
        rows = np.flatnonzero(rng.random(len(X)) < self.p)
        images[rows] = images[rows, :, ::-1]

    def __repr__(self) -> str:
        return f"HorizontalFlip(image_shape={self.image_shape}, p={self.p})"


def _check_shape(image_shape) -> tuple[int, ...]:
    if len(image_shape) not in (2, 3) or any(int(s) < 1 for s in image_shape):
        raise ValueError(f"image_shape must be (height, width) or (height, width, channels), got {image_shape}")
    return tuple(int(s) for s in image_shape)


class RandomTranslate:
    """Shift each image by a random whole number of pixels, filling the uncovered border with 0.

    This is the "pad by ``pad`` pixels and crop back at a random place" of CIFAR-10 training
    recipes: the shift ``(dy, dx)`` of each image is drawn uniformly from
    ``{-pad, ..., pad}^2``, and ``out[r, c] = image[r - dy, c - dx]`` where that pixel exists,
    else 0.  The batches are preprocessed already, so 0 is the training mean where the data
    were centred (the usual zero padding of normalised images).

    Parameters
    ----------
    image_shape : tuple of int
        ``(height, width)`` or ``(height, width, channels)`` of one image, HWC order.
    pad : int, default 4
        The largest shift, in pixels, below the image's height and width.
    """

    def __init__(self, image_shape: tuple[int, ...], pad: int = 4) -> None:
        self.image_shape = _check_shape(image_shape)
        if isinstance(pad, bool) or not isinstance(pad, (int, np.integer)) or not 0 <= pad < min(self.image_shape[:2]):
            raise ValueError(f"pad must be an integer in [0, {min(self.image_shape[:2])}), got {pad!r}")
        self.pad = int(pad)

    def __call__(self, X: np.ndarray, rng: np.random.Generator) -> None:
        images = X.reshape(len(X), *self.image_shape)
        shifts = rng.integers(-self.pad, self.pad + 1, size=(len(X), 2))
        codes = (shifts[:, 0] + self.pad) * (2 * self.pad + 1) + (shifts[:, 1] + self.pad)
        h, w = self.image_shape[:2]
        for code in np.unique(codes):
            rows = np.flatnonzero(codes == code)
            dy, dx = shifts[rows[0]]
            if dy == 0 and dx == 0:
                continue
            moved = images[rows, max(-dy, 0):h - max(dy, 0), max(-dx, 0):w - max(dx, 0)]  # a copy
            images[rows] = 0
            images[rows, max(dy, 0):h - max(-dy, 0), max(dx, 0):w - max(-dx, 0)] = moved

    def __repr__(self) -> str:
        return f"RandomTranslate(image_shape={self.image_shape}, pad={self.pad})"


class Compose:
    """Several augmentations, applied one after the other to the same batch."""

    def __init__(self, augments) -> None:
        self.augments = list(augments)

    def __call__(self, X: np.ndarray, rng: np.random.Generator) -> None:
        for augment in self.augments:
            augment(X, rng)

    def __repr__(self) -> str:
        return f"Compose({self.augments!r})"


def get_augment(name: str, image_shape: tuple[int, ...] | None):
    """The augmentation called ``name`` for images of ``image_shape``.

    ``none``; ``flip`` (:class:`HorizontalFlip`); ``translate`` (:class:`RandomTranslate`
    by up to 4 pixels, or ``translate:P`` for ``P`` pixels); several joined by ``+``,
    applied in that order (``flip+translate``).
    """
    parts = [p.strip() for p in str(name).split("+")]
    if parts == ["none"]:
        return None
    chosen = []
    for part in parts:
        kind, _, arg = part.partition(":")
        if kind not in AUGMENTS[1:]:
            raise ValueError(f"unknown augment {part!r}; choose one of: {', '.join(AUGMENTS)} "
                             "(join several with '+', e.g. flip+translate)")
        if image_shape is None:
            raise ValueError(f"augment {kind!r} moves pixels of images, but this data set is not made of images")
        if kind == "flip":
            chosen.append(HorizontalFlip(image_shape))
        else:
            try:
                pad = int(arg) if arg else 4
            except ValueError:
                raise ValueError(f"augment {part!r}: the shift must be a whole number of pixels, e.g. translate:4") from None
            chosen.append(RandomTranslate(image_shape, pad))
    return chosen[0] if len(chosen) == 1 else Compose(chosen)
