"""Lemmas carried from earlier problems to later ones of the same signature.

After a run, ``Carried.learn`` keeps the heaviest active equations (by the selector's lemma
weight), each with its checker proof from that problem's axioms (``Transcript``). ``offer``
gives a later problem those lemmas whose source had the same operators (names and arities)
and whose proofs use only axioms the later problem also has (the same equation, orientation
and constants, variables renamed); the proof's axiom steps are renumbered to the later
problem's axioms, so the checker replays the lemma's proof inside the new one.

>>> from automath.proofs.prove import Prover, load, settings
>>> first = Prover(load("monoid-identities"), settings(load("monoid-identities"), {}))
>>> carried = Carried(); res = first.run(); carried.learn(first)
1
>>> [sorted(m.axioms.items()) for m in carried.offer(load("monoid-identities"))]
[[(0, 0), (1, 1)]]
"""

from __future__ import annotations

from dataclasses import dataclass, field

from automath.core.term import Term
from automath.proofs.checker import Step
from automath.proofs.problem import Problem
from automath.proofs.transcript import Transcript


@dataclass(frozen=True)
class Lemma:
    """A proved equation of an earlier problem: its statement, weight, checker steps, the
    source's signature and the source axioms (canonical) its proof uses, by index."""

    equation: tuple[Term, Term]
    weight: float
    steps: tuple[Step, ...]
    source: str
    signature: frozenset
    uses: dict[int, tuple]


@dataclass(frozen=True)
class Offered:
    """A lemma as offered to one problem: ``axioms`` maps its proof's axiom numbers to the
    problem's (``Prover._lemma_steps`` renumbers the axiom steps with it)."""

    equation: tuple[Term, Term]
    weight: float
    steps: tuple[Step, ...]
    axioms: dict[int, int]
    source: str


@dataclass
class Carried:
    """Lemmas proved on earlier problems; ``per_problem`` kept from each run, at most ``limit``
    offered to a later one (heaviest first, one per statement). 16 was the best of 8, 16, 32
    and 64 on the textbook suite before deferred normalization; now 8 generates 4% fewer
    equations there and 8% more on ``benchmarks/problems``, 32 more on both."""

    per_problem: int = 16
    limit: int = 48
    lemmas: list[Lemma] = field(default_factory=list)

    def learn(self, prover: object) -> int:
        """Keep the heaviest active equations of a finished run (a ``prove.Prover``: its
        problem, saturation, signature and selector); how many were kept."""
        sat, sel, prob = prover.sat, prover.selector, prover.problem
        ids = sorted(sat.active, key=lambda c: (-sel.lemma_weight(sat.clauses[c]), c))
        sig, axioms = signature(prob), [canonical(prob, eq) for eq in prob.axioms]
        added = 0
        for cid in ids[: self.per_problem]:
            tr = Transcript(sat, prover.sig, prover._lemma_steps)
            last = tr.clause(cid)
            steps = tuple(tr.steps[: last + 1])
            eq = (steps[-1].lhs, steps[-1].rhs)
            uses = {s.axiom: axioms[s.axiom] for s in steps if s.rule == "axiom"}
            if canonical(prob, eq) in axioms or self._known(prob, eq, sig, uses):
                continue
            weight = float(sel.lemma_weight(sat.clauses[cid]))
            self.lemmas.append(Lemma(eq, weight, steps, prob.name, sig, uses))
            added += 1
        return added

    def _known(self, prob: Problem, eq: tuple[Term, Term], sig: frozenset,
               uses: dict[int, tuple]) -> bool:
        """Whether a kept lemma states ``eq`` from no more axioms (valid wherever this is)."""
        key, need = canonical(prob, eq), set(uses.values())
        return any(m.signature == sig and canonical(prob, m.equation) == key
                   and set(m.uses.values()) <= need for m in self.lemmas)

    def offer(self, problem: Problem) -> list[Offered]:
        """The lemmas valid in ``problem``: same signature, every axiom used is one of its
        axioms; heaviest first, at most ``limit``, none restating one of its axioms."""
        sig, index = signature(problem), {}
        for k, eq in enumerate(problem.axioms):
            index.setdefault(canonical(problem, eq), k)
        out, seen = [], set(index)
        for m in sorted(self.lemmas, key=lambda m: -m.weight):
            key = canonical(problem, m.equation)
            if m.signature != sig or key in seen or any(u not in index for u in m.uses.values()):
                continue
            seen.add(key)
            out.append(Offered(m.equation, m.weight, m.steps,
                               {a: index[u] for a, u in m.uses.items()}, m.source))
        return out[: self.limit]


def signature(problem: Problem) -> frozenset:
    """The operators of a problem's axioms and goal, as (name, arity); constants excluded.

    >>> sorted(signature(Problem.load("monoid-identities")))
    [('mul', 2)]
    """
    consts = {c for c in problem.constants if c.op == "var"}
    out: set[tuple[str, int]] = set()

    def walk(t: Term) -> None:
        if t not in consts and not (t.op == "var" and not t.args):
            out.add((t.op, len(t.args)))
        for a in t.args:
            walk(a)

    for eq in problem.axioms + ((problem.goal,) if problem.goal else ()):
        for side in eq:
            walk(side)
    return frozenset(out)


def canonical(problem: Problem, eq: tuple[Term, Term]) -> tuple:
    """An equation as nested tuples: constants by name, variables by first appearance (so
    ``x * e = x`` and ``X * e = X`` agree; orientation kept).

    >>> p = Problem.load("monoid-identities")
    >>> canonical(p, p.axioms[0])
    (('mul', ('c', 'e_l'), ('v', 0)), ('v', 0))
    """
    consts, names = set(problem.constants), {}

    def walk(t: Term) -> tuple:
        if t.args or t.op != "var":
            return (t.op, *(walk(a) for a in t.args))
        if t in consts:
            return ("c", str(t.token))
        return ("v", names.setdefault(str(t.token), len(names)))

    return walk(eq[0]), walk(eq[1])
