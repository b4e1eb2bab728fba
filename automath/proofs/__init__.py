"""Equational proofs: a problem file's axioms, a space of proof terms the engine generates and
weights, learned lemma weights that steer the search, and an independent checker of each proof.

>>> from automath.proofs import shipped_problems
>>> "monoid-identities" in shipped_problems()
True
"""

from automath.proofs.checker import ProofCheckError, check_proof
from automath.proofs.config import ProveConfig
from automath.proofs.learner import Learner, LemmaObjective
from automath.proofs.problem import Problem, ProblemError, shipped_problems
from automath.proofs.prove import LemmaLoop, ProofResult, prove
from automath.proofs.space import ProofSpace

__all__ = ["Learner", "LemmaLoop", "LemmaObjective", "Problem", "ProblemError", "ProofCheckError",
           "ProofResult", "ProofSpace", "ProveConfig", "check_proof", "prove", "shipped_problems"]
