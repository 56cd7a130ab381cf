"""Data augmentation applied to each training batch, in place.

An augmentation is a callable ``augment(X_batch, rng)`` that changes the rows
of a batch (shape ``(k, n)``, flattened images) in place, drawing its random
choices from the trainer's generator, so that a run stays reproducible and a
checkpoint resumes it exactly.
"""

from __future__ import annotations

import numpy as np

__all__ = ["HorizontalFlip", "get_augment"]


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
        if len(image_shape) not in (2, 3) or any(int(s) < 1 for s in image_shape):
            raise ValueError(f"image_shape must be (height, width) or (height, width, channels), got {image_shape}")
        if not 0 <= p <= 1:
            raise ValueError(f"p must be a probability in [0, 1], got {p}")
        self.image_shape = tuple(int(s) for s in image_shape)
        self.p = float(p)

    def __call__(self, X: np.ndarray, rng: np.random.Generator) -> None:
        images = X.reshape(len(X), *self.image_shape)
        rows = np.flatnonzero(rng.random(len(X)) < self.p)
        images[rows] = images[rows, :, ::-1]

    def __repr__(self) -> str:
        return f"HorizontalFlip(image_shape={self.image_shape}, p={self.p})"


def get_augment(name: str, image_shape: tuple[int, ...] | None):
    """The augmentation called ``name`` (``none`` or ``flip``) for images of ``image_shape``."""
    if name == "none":
        return None
    if name == "flip":
        if image_shape is None:
            raise ValueError("augment 'flip' mirrors images, but this data set is not made of images")
        return HorizontalFlip(image_shape)
    raise ValueError(f"unknown augment {name!r}; choose one of: none, flip")
