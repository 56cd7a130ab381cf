"""Old name of :mod:`ranvier.datasets.augment`, kept so that old imports work: import from there."""

from .datasets.augment import *  # noqa: F401,F403
