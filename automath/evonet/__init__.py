"""Networks of grammar ops that evolve their topology while they train, exported as sympy.

``EvonetRegressor`` and ``export_network`` need scikit-learn and load on first use.

>>> from automath.evonet import EvolvingNetwork
>>> EvolvingNetwork(2, capacity=4, seed=0).capacity
4
"""

from automath.core.lazy import lazy_names
from automath.evonet.network import EvolvingNetwork, EvonetError
from automath.evonet.ops import NETWORK_OPS

OPS = NETWORK_OPS  # the network op table's short name (not ``automath.OPS``, the grammar's)

__getattr__, __dir__ = lazy_names(globals(), {
    "EvonetRegressor": "automath.evonet.export",
    "export_network": "automath.evonet.export",
})

__all__ = ["NETWORK_OPS", "OPS", "EvolvingNetwork", "EvonetError", "EvonetRegressor",
           "export_network"]
