"""Old name of :mod:`ranvier.gd.recorder` and :mod:`ranvier.gd.functions`, kept so that old imports work.

Import from :mod:`ranvier.gd.recorder` and :mod:`ranvier.gd.functions` (or from ``ranvier``).
"""

from .gd.functions import *  # noqa: F401,F403
from .gd.recorder import *  # noqa: F401,F403
