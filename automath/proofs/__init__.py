"""Equational proofs: a problem file's axioms, a space of proof terms the engine generates and
weights, learned lemma weights that steer the search, and an independent checker of each proof.

>>> from automath.proofs import shipped_problems
>>> "monoid-identities" in shipped_problems()
True
"""

from automath.core.lazy import lazy_names

_NAMES = {"ProofCheckError": "checker", "check_proof": "checker", "ProveConfig": "config",
          "Learner": "learner", "LemmaObjective": "learner", "Problem": "problem",
          "ProblemError": "problem", "shipped_problems": "problem", "LemmaLoop": "lemmas",
          "ProofResult": "result", "prove": "prove", "ProofSpace": "space"}
__getattr__, __dir__ = lazy_names(globals(), {k: f"automath.proofs.{m}" for k, m in
                                              _NAMES.items()})
"""Names loaded on first use: saturation proving needs neither torch nor sympy."""

__all__ = ["Learner", "LemmaLoop", "LemmaObjective", "Problem", "ProblemError", "ProofCheckError",
           "ProofResult", "ProofSpace", "ProveConfig", "check_proof", "prove", "shipped_problems"]
