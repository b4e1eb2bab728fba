"""Networks that evolve their topology while they train: ``automath.evonet``."""

from automath._evonet import OPS, EvolvingNetwork, EvonetError
from automath._evonet_export import EvonetRegressor, export_network

__all__ = ["OPS", "EvolvingNetwork", "EvonetError", "EvonetRegressor", "export_network"]
