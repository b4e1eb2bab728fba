"""automath: automated mathematical discovery with weighted, fingerprinted expressions.

>>> import automath
>>> d = automath.Domain.create("arith", atoms="x,1")
>>> sorted(d.grammar.constructors)[:2]
['add', 'div']
"""

from automath.core.distribution import Distribution
from automath.core.domain import PRESETS, Domain, closeness
from automath.core.engine import Loop, LoopConfig, simplex_step
from automath.core.errors import (
    AutomathError,
    DataError,
    DistributionError,
    ExpressionError,
    GrammarError,
    RunStoreError,
    SemanticsError,
)
from automath.core.es import (
    AdaptiveSigma,
    EsFunction,
    argmax_accuracy,
    es_apply,
    es_gradient,
    perturbed_fenchel_young_loss,
    smoothed_argmax_accuracy,
    smoothed_argmax_accuracy_grad,
)
from automath.core.evolve import apply_rules, evolve, evolve_step, rule_weights
from automath.core.generate import Hyperedges, expand, generate, weighted_pairs
from automath.core.grammar import Grammar, shipped_grammars
from automath.core.kinds import KINDS, Kind, make_kind
from automath.core.lazy import lazy_names
from automath.core.objective import KL, Entropy, EsObjective, ExpectedScore, Objective, TopMatch
from automath.core.result import Entry, Result
from automath.core.semantics import DEFAULT_SEMANTICS, OPS, Op, Semantics
from automath.core.store import Store, to_sympy
from automath.core.term import Term
from automath.evonet.network import EvolvingNetwork, EvonetError
from automath.laws.explore import ExploreError, Stats, explore, signature
from automath.laws.prover import Prover, derives
from automath.laws.signature import Signature
from automath.laws.universe import Law, Universe
from automath.proofs.prove import (
    Learner,
    LemmaLoop,
    LemmaObjective,
    ProofCheckError,
    ProofResult,
    ProveConfig,
    check_proof,
    prove,
)
from automath.proofs.space import Problem, ProblemError, ProofSpace, shipped_problems
from automath.regression.recovery import Formula, check_exact, is_exact
from automath.runs.store import RunStore

# Names whose modules import scikit-learn: loaded on first use, so `import automath` stays light.
__getattr__, __dir__ = lazy_names(globals(), {
    "NGUYEN": "benchmarks.sr", "bench_sr": "benchmarks.sr",
    "EvonetRegressor": "automath.evonet.export", "export_network": "automath.evonet.export",
    "SymbolicRegressor": "automath.regression.estimator",
    "fit_csv": "automath.regression.estimator",
})


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
