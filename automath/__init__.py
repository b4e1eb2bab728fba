"""automath: automated mathematical discovery with weighted, fingerprinted expressions.

>>> import automath
>>> d = automath.Domain.create("arith", atoms="x,1")
>>> sorted(d.grammar.constructors)[:2]
['add', 'div']
"""

from automath._distribution import Distribution
from automath._domain import PRESETS, Domain, closeness
from automath._errors import (
    AutomathError,
    DataError,
    DistributionError,
    ExpressionError,
    GrammarError,
    RunStoreError,
    SemanticsError,
)
from automath._es import (
    AdaptiveSigma,
    EsFunction,
    argmax_accuracy,
    es_apply,
    es_gradient,
    perturbed_fenchel_young_loss,
    smoothed_argmax_accuracy,
    smoothed_argmax_accuracy_grad,
)
from automath._evolve import apply_rules, evolve, evolve_step, rule_weights
from automath._evonet import EvolvingNetwork, EvonetError
from automath._explore import ExploreError, Signature, Stats, explore, signature
from automath._generate import Hyperedges, expand, generate, weighted_pairs
from automath._grammar import Grammar, shipped_grammars
from automath._kinds import KINDS, Kind, make_kind
from automath._laws import Law, Prover, Universe, derives
from automath._lemmas import (
    Learner,
    LemmaLoop,
    LemmaObjective,
    ProofCheckError,
    ProofResult,
    ProveConfig,
    check_proof,
    prove,
)
from automath._loop import Loop, LoopConfig, simplex_step
from automath._objective import KL, Entropy, EsObjective, ExpectedScore, Objective, TopMatch
from automath._prove import Problem, ProblemError, ProofSpace, shipped_problems
from automath._recovery import Formula, check_exact, is_exact
from automath._result import Entry, Result
from automath._runs import RunStore
from automath._semantics import DEFAULT_SEMANTICS, OPS, Op, Semantics
from automath._store import Store, to_sympy
from automath._term import Term

# Names whose modules import scikit-learn: loaded on first use, so `import automath` stays light.
_LAZY = {
    "NGUYEN": "automath._bench_sr", "bench_sr": "automath._bench_sr",
    "EvonetRegressor": "automath._evonet_export", "export_network": "automath._evonet_export",
    "SymbolicRegressor": "automath._regressor", "fit_csv": "automath._regressor",
}


def __getattr__(name: str) -> object:
    """Import a scikit-learn-backed name on first use (PEP 562)."""
    if name not in _LAZY:
        raise AttributeError(f"module 'automath' has no attribute {name!r}")
    import importlib
    value = getattr(importlib.import_module(_LAZY[name]), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))


__all__ = [
    "ExploreError", "Law", "Prover", "Signature", "Stats", "Universe", "derives", "explore",
    "signature",
    "Learner", "LemmaLoop", "LemmaObjective", "Problem", "ProblemError", "ProofCheckError",
    "ProofResult", "ProofSpace", "ProveConfig", "check_proof", "prove", "shipped_problems",
    "NGUYEN", "Formula", "SymbolicRegressor", "bench_sr", "check_exact", "fit_csv", "is_exact",
    "EvolvingNetwork", "EvonetError", "EvonetRegressor", "export_network",
    "AdaptiveSigma", "EsFunction", "argmax_accuracy", "es_apply", "es_gradient",
    "perturbed_fenchel_young_loss", "smoothed_argmax_accuracy", "smoothed_argmax_accuracy_grad",
    "DEFAULT_SEMANTICS", "KINDS", "KL", "OPS", "PRESETS",
    "AutomathError", "DataError", "Distribution", "DistributionError", "Domain", "Entropy",
    "Entry", "ExpectedScore", "ExpressionError", "Grammar", "GrammarError", "Hyperedges",
    "Kind", "Loop", "LoopConfig", "Objective", "Op", "Result", "RunStore", "RunStoreError",
    "Semantics", "SemanticsError", "Store", "Term", "TopMatch", "EsObjective",
    "apply_rules", "closeness", "evolve", "evolve_step", "expand", "generate", "make_kind",
    "rule_weights", "shipped_grammars", "simplex_step", "to_sympy", "weighted_pairs",
]
