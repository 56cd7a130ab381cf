"""Old name of :mod:`ranvier.gd.paths`, kept so that old imports work: import from there."""

from .gd.paths import *  # noqa: F401,F403
