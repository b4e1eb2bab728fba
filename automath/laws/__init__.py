"""Law discovery: enumerate a signature's terms, find equal fingerprints, keep the laws that
survive verification and are not derivable from the ones already kept (QuickSpec's task).

>>> from automath.laws import explore
>>> callable(explore)
True
"""

from automath.laws.explore import Signature, Stats, explore, signature
from automath.laws.prover import Prover
from automath.laws.universe import Law, Universe, derives
from automath.laws.verify import ExploreError

__all__ = ["ExploreError", "Law", "Prover", "Signature", "Stats", "Universe", "derives",
           "explore", "signature"]
