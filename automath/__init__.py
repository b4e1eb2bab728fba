"""automath: automated mathematical discovery with weighted, fingerprinted expressions.

The names a user needs are here; each package exposes its own (``automath.laws``,
``automath.proofs``, ``automath.regression``, ``automath.evonet``), and the engine's stages are
imported from ``automath.core.<stage>`` by their real names. Every name but the errors is
loaded on first use, so ``import automath`` loads neither torch nor sympy:

>>> import automath
>>> d = automath.Domain.create("arith", atoms="x,1")
>>> sorted(d.grammar.constructors)[:2]
['add', 'div']
"""

from automath.core.errors import (
    AutomathError,
    DataError,
    DistributionError,
    ExpressionError,
    GrammarError,
    RunStoreError,
    SemanticsError,
)
from automath.core.lazy import lazy_names

_NAMES = {  # module of each name, imported when the name is first used
    "automath.core.domain": ("Domain", "closeness"),
    "automath.core.engine": ("Loop",),
    "automath.core.es": ("es_apply", "es_gradient"),
    "automath.core.grammar": ("Grammar", "shipped_grammars"),
    "automath.core.objective": ("KL", "Entropy", "EsObjective", "ExpectedScore", "Objective",
                                "TopMatch"),
    "automath.core.result": ("Result",),
    "automath.core.semantics": ("Op", "Semantics"),
    "automath.core.term": ("Term",),
    "automath.core.parsing": ("parse_sympy",),
    "automath.evonet": ("EvolvingNetwork",),
    "automath.evonet.export": ("EvonetRegressor",),
    "automath.laws": ("explore",),
    "automath.proofs": ("ProofResult", "prove"),
    "automath.regression": ("is_exact",),
    "automath.regression.estimator": ("SymbolicRegressor",),
    "automath.runs.store": ("RunStore",),
}
__getattr__, __dir__ = lazy_names(globals(), {n: m for m, names in _NAMES.items() for n in names})

__all__ = [
    "Domain", "Grammar", "Semantics", "Op", "Term", "shipped_grammars", "parse_sympy",
    "Loop", "Result", "Objective", "ExpectedScore", "KL", "Entropy", "TopMatch", "EsObjective",
    "closeness", "es_gradient", "es_apply",
    "explore", "prove", "ProofResult", "SymbolicRegressor", "is_exact", "EvolvingNetwork",
    "EvonetRegressor", "RunStore",
    "AutomathError", "GrammarError", "SemanticsError", "ExpressionError", "DataError",
    "DistributionError", "RunStoreError",
]
