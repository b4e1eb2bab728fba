"""automath: automated mathematical discovery with weighted, fingerprinted expressions.

The names a user needs are here; each package exposes its own (``automath.laws``,
``automath.proofs``, ``automath.regression``, ``automath.evonet``), and the engine's stages are
imported from ``automath.core.<stage>`` by their real names.

>>> import automath
>>> d = automath.Domain.create("arith", atoms="x,1")
>>> sorted(d.grammar.constructors)[:2]
['add', 'div']
"""

from automath.core.domain import Domain, closeness
from automath.core.engine import Loop
from automath.core.errors import (
    AutomathError,
    DataError,
    DistributionError,
    ExpressionError,
    GrammarError,
    RunStoreError,
    SemanticsError,
)
from automath.core.es import es_apply, es_gradient
from automath.core.grammar import Grammar, shipped_grammars
from automath.core.lazy import lazy_names
from automath.core.objective import KL, Entropy, EsObjective, ExpectedScore, Objective, TopMatch
from automath.core.result import Result
from automath.core.semantics import Op, Semantics
from automath.core.term import Term
from automath.evonet.network import EvolvingNetwork
from automath.laws.explore import explore
from automath.proofs.prove import ProofResult, prove
from automath.regression.recovery import is_exact
from automath.runs.store import RunStore

# Names whose modules import scikit-learn: loaded on first use, so `import automath` stays light.
__getattr__, __dir__ = lazy_names(globals(), {
    "EvonetRegressor": "automath.evonet.export",
    "SymbolicRegressor": "automath.regression.estimator",
})

__all__ = [
    "Domain", "Grammar", "Semantics", "Op", "Term", "shipped_grammars",
    "Loop", "Result", "Objective", "ExpectedScore", "KL", "Entropy", "TopMatch", "EsObjective",
    "closeness", "es_gradient", "es_apply",
    "explore", "prove", "ProofResult", "SymbolicRegressor", "is_exact", "EvolvingNetwork",
    "EvonetRegressor", "RunStore",
    "AutomathError", "GrammarError", "SemanticsError", "ExpressionError", "DataError",
    "DistributionError", "RunStoreError",
]
