"""Old name of :mod:`ranvier.descent.paths`, kept so that old imports work: import from there."""

from .descent.paths import *  # noqa: F401,F403
