"""Evolution-strategies gradients: ``automath.es`` (see ``automath._es``)."""

from automath._es import *  # noqa: F403
from automath._es import __all__  # noqa: F401
