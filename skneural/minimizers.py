"""Another name for :mod:`skneural.optim.minimizers` (L-BFGS and CG)."""

from .optim.minimizers import *  # noqa: F401,F403
from .optim.minimizers import __all__  # noqa: F401
