"""Another name for :mod:`skneural.optim.schedules` (the learning-rate schedules)."""

from .optim.schedules import *  # noqa: F401,F403
from .optim.schedules import __all__  # noqa: F401
