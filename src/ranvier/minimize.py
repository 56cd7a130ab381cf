"""Old name of :mod:`ranvier.descent.recorder` and :mod:`ranvier.descent.functions`, kept so that old imports work.

Import from :mod:`ranvier.descent.recorder` and :mod:`ranvier.descent.functions` (or from ``ranvier``).
"""

from .descent.functions import *  # noqa: F401,F403
from .descent.recorder import *  # noqa: F401,F403
