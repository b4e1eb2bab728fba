"""``prove``: a problem's goal by saturation, its proof replayed by the independent checker.

A problem (a ``.toml`` file, a TPTP ``.p`` file, a shipped name or a ``Problem``) becomes flat
equations; symbols get a KBO precedence from their arity and frequency (not their names, so a
problem and its TPTP twin run the same search); ``Saturation`` runs the given-clause loop with
the chosen ``Selector``; a found proof becomes checker steps (``Transcript``) and is reported
proved only when ``check_proof`` replays it.

Statistics (``ProofResult.stats``): ``seconds`` (search and proof), ``generated`` (critical
pairs formed), ``given`` (equations processed), ``active``, ``passive``, ``memory_mb``
(estimated), ``status`` (``proved``, ``saturated`` or ``budget``), ``verdict`` (a sentence),
``proof_steps``, ``steps`` (= given, for the run store).
"""

from __future__ import annotations

import time
from dataclasses import fields
from pathlib import Path

import numpy as np

from automath.core.errors import AutomathError
from automath.core.lazy import lazy_names
from automath.core.term import Term
from automath.proofs.carry import Carried
from automath.proofs.checker import Step
from automath.proofs.config import ProveConfig, SaturationConfig
from automath.proofs.guide import Guide
from automath.proofs.ordering import KBO, precedence
from automath.proofs.problem import Problem
from automath.proofs.result import LemmaTable, ProofResult, verdict
from automath.proofs.saturation import Budget, Saturation
from automath.proofs.selection import selector_for
from automath.proofs.terms import Flat, Signature, variables
from automath.proofs.transcript import Transcript

__all__ = ["ProofResult", "prove"]  # and, loaded on first use, LemmaLoop and prove_lemmas
__getattr__, __dir__ = lazy_names(globals(), dict.fromkeys(("LemmaLoop", "prove_lemmas"),
                                                           "automath.proofs.lemmas"))
"""The lemma loop (torch) loads on first use: saturation runs without torch."""

VAR_NAMES = ("x", "y", "z", "u", "v", "w")


def load(spec: str | Path | Problem) -> Problem:
    """A ``Problem`` from a shipped name, a ``.toml`` file or a TPTP ``.p`` file.

    >>> load("monoid-identities").goal_text
    'e_l = e_r'
    """
    if isinstance(spec, Problem):
        return spec
    if str(spec).endswith((".p", ".tptp")):
        from automath.proofs.tptp import read_tptp
        return read_tptp(spec)
    return Problem.load(spec)


def prove(problem: str | Path | Problem, *, steps: int | None = None, seed: int = 0,
          learning: bool = True, carried: Carried | None = None, guide: Guide | None = None,
          **config: object) -> ProofResult:
    """Prove a problem's goal by saturation; ``guide``: a clause-selection guide learned on
    earlier proofs, used when ``learning`` is on (``learning=False``, or no guide: the plain
    goal-weighted search). ``steps``: most given clauses; ``carried``: lemmas of earlier
    problems offered to this one.

    >>> res = prove("monoid-identities")
    >>> res.proved, res.proof[-1].rule, res.stats["status"]
    (True, 'trans', 'proved')
    """
    prob = load(problem)
    extra = {} if steps is None else {"max_given": steps}
    cfg = settings(prob, {"seed": seed, "learning": learning, **extra, **config})
    return Prover(prob, cfg, carried, guide).run()


def settings(problem: Problem, config: dict) -> SaturationConfig:
    """The problem's ``[search]`` settings of saturation overridden by ``config``.

    >>> settings(load("monoid-identities"), {"timeout": 2}).timeout
    2
    """
    allowed = {f.name for f in fields(SaturationConfig)}
    unknown = set(config) - allowed
    if unknown:
        raise AutomathError(f"unknown prove setting(s): {', '.join(sorted(unknown))} "
                            f"(known: {', '.join(sorted(allowed))})")
    bad = set(problem.search) - allowed - {f.name for f in fields(ProveConfig)}
    if bad:
        raise AutomathError(f"problem {problem.name!r}: unknown [search] setting(s) "
                            f"{', '.join(sorted(bad))}")
    mine = {k: v for k, v in problem.search.items() if k in allowed}
    return SaturationConfig(**{**mine, **config})


class Prover:
    """One saturation run on a problem: flat equations, ordering, loop, proof and result."""

    def __init__(self, problem: Problem, config: SaturationConfig,
                 carried: Carried | None = None, guide: Guide | None = None) -> None:
        self.problem, self.config, self.sig = problem, config, Signature()
        self.used: set[int] = set()  # clauses the found proof uses
        consts = set(problem.constants)
        self.axioms = [self._flat(eq, consts) for eq in problem.axioms]
        self.goal = self._flat(problem.goal, consts) if problem.goal else None
        self.carried = carried.offer(problem) if carried else []
        counts = self._counts()
        prec, weight = precedence(self.sig.arity, counts)
        self.kbo = KBO(prec, weight)
        nullary = [s for s, a in enumerate(self.sig.arity) if a == 0]
        fill = (min(nullary, key=lambda s: prec[s]),) if nullary else None
        lemmas = [self._flat(m.equation, consts) for m in self.carried]
        self.selector = selector_for(config, guide)
        self.sat = Saturation(self.axioms, self.goal, self.kbo, self.selector,
                              Budget(config.timeout, config.max_memory, config.max_given),
                              fill, lemmas, config.eager_factor)

    def _flat(self, eq: tuple[Term, Term], consts: set[Term]) -> tuple[Flat, Flat]:
        names: dict[str, int] = {}
        return self.sig.flat(eq[0], consts, names), self.sig.flat(eq[1], consts, names)

    def _counts(self) -> list[int]:
        counts = [0] * len(self.sig.names)

        def walk(t: Flat) -> None:
            if not isinstance(t, int):
                counts[t[0]] += 1
                for a in t[1:]:
                    walk(a)

        for eq in self.axioms + ([self.goal] if self.goal else []):
            for side in eq:
                walk(side)
        return counts

    def run(self) -> ProofResult:
        """Saturate, turn a found proof into steps and check them; the result."""
        start = time.perf_counter()
        out = self.sat.run()
        proof = self._proof() if out.status == "proved" else None
        checked, error = verdict(self.problem, proof)
        stats = {**self.sat.stats(), "seconds": time.perf_counter() - start,
                 "status": out.status, "verdict": self._verdict(out, checked, error),
                 "proof_steps": len(proof or []), "steps": self.sat.given,
                 "carried": len(self.carried),
                 "guided": getattr(getattr(self.selector, "guide", None), "runs", 0)}
        return ProofResult(self.problem, self.config, proof, checked, error, self._table(proof),
                           [], [], stats)

    def _proof(self) -> list[Step]:
        tr = Transcript(self.sat, self.sig, self._lemma_steps)
        steps = tr.goal(self.problem.goal, self.goal, self.sat.goal_records(),
                        self.sat.outcome.goal_nf)
        self.used = set(tr.done)
        return steps

    def _lemma_steps(self, k: int, steps: list[Step]) -> int:
        base, lemma = len(steps), self.carried[k]
        for s in lemma.steps:
            axiom = None if s.axiom is None else lemma.axioms[s.axiom]
            steps.append(Step(s.rule, tuple(p + base for p in s.premises), s.terms, s.lhs,
                              s.rhs, axiom))
        return len(steps) - 1

    def _verdict(self, out: object, checked: bool, error: str | None) -> str:
        if out.status == "proved":
            return "proved" if checked else f"proof rejected by the checker: {error}"
        if out.status == "saturated":
            return "saturated: the goal does not follow from the axioms" if self.goal \
                else "saturated: every consequence is an instance of the active equations"
        return f"not proved within budget ({out.reason})"

    def _table(self, proof: list[Step] | None) -> LemmaTable:
        """The active equations, heaviest learned weight first (size breaks ties)."""
        sat = self.sat
        ids = sorted(sat.active, key=lambda c: (-self.selector.lemma_weight(sat.clauses[c]), c))
        texts = [self.statement(sat.clauses[c].lhs, sat.clauses[c].rhs) for c in ids]
        used = set()
        for s in proof or []:
            used.add((s.lhs, s.rhs))
        w = np.array([self.selector.lemma_weight(sat.clauses[c]) for c in ids], dtype=float)
        size = np.array([_size(sat.clauses[c].lhs) + _size(sat.clauses[c].rhs) for c in ids],
                        dtype=float)
        promoted = np.array([sat.clauses[c].source[0] == "lemma" for c in ids], dtype=bool)
        return LemmaTable(lambda i: texts[i], np.arange(len(ids)), w, 2.0 ** -size, w, w,
                          promoted)

    def statement(self, lhs: Flat, rhs: Flat) -> str:
        """``lhs = rhs`` in the problem's notation, variables named x, y, z, ..."""
        taken = {str(c.token) for c in self.problem.constants}
        order = variables(rhs, variables(lhs))
        spare = tuple(f"x{k}" for k in range(len(order) + len(taken)))
        names = [v for v in VAR_NAMES + spare if v not in taken]
        ren = {v: Term("var", token=names[k]) for k, v in enumerate(order)}
        fmt = self.problem.grammar.format
        return f"{fmt(self._term(lhs, ren))} = {fmt(self._term(rhs, ren))}"

    def _term(self, t: Flat, ren: dict[int, Term]) -> Term:
        if isinstance(t, int):
            return ren[t]
        op, token = self.sig.terms[t[0]]
        return Term(op, tuple(self._term(a, ren) for a in t[1:]), token)


def _size(t: Flat) -> int:
    return 1 if isinstance(t, int) else 1 + sum(_size(a) for a in t[1:])
