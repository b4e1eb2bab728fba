"""Learned clause selection (placeholder: size and age)."""

from __future__ import annotations

from automath.proofs.saturation import SizeAge


class LearnedSelector(SizeAge):
    """Size and age mixed with learned weights."""

    def __init__(self, config: object, weights: list[float]) -> None:
        super().__init__(config.age_every)
