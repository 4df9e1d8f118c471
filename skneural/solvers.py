"""Another name for :mod:`skneural.optim` (the solvers and their registry)."""

from .optim import *  # noqa: F401,F403
from .optim import __all__  # noqa: F401
