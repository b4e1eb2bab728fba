"""Clause selection with learning on: not yet learned.

``LearnedSelector`` is today the size/age choice itself, so ``prove(..., learning=True)`` and
``learning=False`` run the same search; the switch is in place for a learned weight over the
derivation hypergraph (a clause's parents are its edge), mixed with size and age.

>>> LearnedSelector(type("C", (), {"age_every": 6})(), []).age_every
6
"""

from __future__ import annotations

from automath.proofs.saturation import SizeAge


class LearnedSelector(SizeAge):
    """Size and age (learned weights are not mixed in yet)."""

    def __init__(self, config: object, weights: list[float]) -> None:
        super().__init__(config.age_every)
