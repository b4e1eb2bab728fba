"""Clause selection: which passive equation the given-clause loop processes next.

``selector_for`` picks the selector a run's settings ask for; today every run uses ``SizeAge``
(the learned selector is being built, see ``SaturationConfig.learning``).
"""

from __future__ import annotations

from automath.proofs.config import SaturationConfig
from automath.proofs.saturation import SizeAge


def selector_for(config: SaturationConfig) -> SizeAge:
    """The selector for a run's settings.

    >>> selector_for(SaturationConfig(age_every=4)).age_every
    4
    """
    return SizeAge(config.age_every)
