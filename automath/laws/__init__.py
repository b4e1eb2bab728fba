"""Law discovery: enumerate a signature's terms, find equal fingerprints, keep the laws that
survive verification and are not derivable from the ones already kept (QuickSpec's task).

>>> from automath.laws import explore
>>> callable(explore)
True
"""

from automath.laws.explore import Stats, explore, signature
from automath.laws.prover import Prover, derives
from automath.laws.signature import Signature
from automath.laws.universe import Law, Universe
from automath.laws.verify import ExploreError

__all__ = ["ExploreError", "Law", "Prover", "Signature", "Stats", "Universe", "derives",
           "explore", "signature"]
