"""A saturation's proof as checker steps: axioms, one-step rewrites, symmetry, transitivity.

Each clause the goal's proof uses is proved once, premises first: its source (an axiom, a
critical pair ``r1σ ← l1σ → l1σ[r2σ]``, an earlier clause, or a carried lemma's own steps),
then each recorded simplification as a one-step rewrite joined by transitivity. The goal is
its two sides' rewrite chains to a common normal form. ``check_proof`` replays the result.
"""

from __future__ import annotations

from collections.abc import Callable

from automath.core.term import Term
from automath.proofs.checker import Step
from automath.proofs.rewrite import Record, replay
from automath.proofs.saturation import Clause, Saturation
from automath.proofs.terms import Flat, Signature, variables

Lemma = Callable[[int, list[Step]], int]
"""Appends a carried lemma's steps; returns the index of the step stating it."""


class Transcript:
    """Steps proving clauses of ``sat``, each clause once (``clause`` returns its step).

    ``lemma(k, steps)`` appends the steps of carried lemma ``k`` and returns the last index.
    """

    def __init__(self, sat: Saturation, sig: Signature, lemma: Lemma | None = None) -> None:
        self.sat, self.sig, self.lemma = sat, sig, lemma
        self.steps: list[Step] = []
        self.done: dict[int, int] = {}

    def add(self, rule: str, premises: tuple[int, ...], lhs: Term, rhs: Term,
            **kw: object) -> int:
        """Append a step; its index."""
        self.steps.append(Step(rule, premises, kw.pop("terms", ()), lhs, rhs, **kw))
        return len(self.steps) - 1

    def clause(self, cid: int) -> int:
        """The index of the step stating clause ``cid`` (its ``lhs = rhs``)."""
        if cid not in self.done:
            self.done[cid] = self._prove(self.sat.clauses[cid])
        return self.done[cid]

    def _prove(self, c: Clause) -> int:
        term = _Namer(self.sig, c.rename)
        s0, t0 = c.start
        cur = self._source(c, term)
        cur, s = self._chain(cur, s0, c.left, term, left=True)
        cur, t = self._chain(cur, t0, c.right, term, left=False)
        if (term(s), term(t)) != (term(c.lhs, canon=True), term(c.rhs, canon=True)):
            cur = self.add("sym", (cur,), term(t), term(s))
        return cur

    def _source(self, c: Clause, term: _Namer) -> int:
        kind, s0, t0 = c.source[0], *c.start
        if kind == "axiom":
            return self.add("axiom", (), term(s0), term(t0), axiom=c.source[1])
        if kind == "lemma":
            k = self.lemma(c.source[1], self.steps)
            return self.add("rw", (k,), term(s0), term(t0))
        if kind == "back":
            return self.add("rw", (self.clause(c.source[1]),), term(s0), term(t0))
        _, i, j, peak = c.source
        a = self.add("rw", (self.clause(i),), term(peak), term(s0))
        b = self.add("rw", (self.clause(j),), term(peak), term(t0))
        a = self.add("sym", (a,), term(s0), term(peak))
        return self.add("trans", (a, b), term(s0), term(t0))

    def _chain(self, cur: int, start: Flat, record: Record, term: _Namer,
               left: bool) -> tuple[int, Flat]:
        """Extend step ``cur`` (``s = t``) by the rewrites of one side; returns the new step and
        that side's last term."""
        other = self.steps[cur].rhs if left else self.steps[cur].lhs
        prev = start
        for new, cid in replay(start, record):
            link = self.add("rw", (self.clause(cid),), term(prev), term(new))
            if left:
                back = self.add("sym", (link,), term(new), term(prev))
                cur = self.add("trans", (back, cur), term(new), other)
            else:
                cur = self.add("trans", (cur, link), other, term(new))
            prev = new
        return cur, prev

    def goal(self, goal: tuple[Term, Term], flat: tuple[Flat, Flat],
             records: tuple[Record, Record], nf: tuple[Flat, Flat]) -> list[Step]:
        """Steps ending in ``goal``: both sides rewritten to normal forms that meet, or that an
        unorientable equation joins."""
        term = _Namer(self.sig, {})
        cur = self.add("refl", (), term(flat[0]), term(flat[0]), terms=(term(flat[0]),))
        cur, s = self._chain(cur, flat[0], records[0], term, left=False)   # s0 = ŝ
        other = self.add("refl", (), term(flat[1]), term(flat[1]), terms=(term(flat[1]),))
        other, t = self._chain(other, flat[1], records[1], term, left=False)  # t0 = t̂
        if s != t:
            join = self.sat.subsumer(s, t)
            link = self.add("rw", (self.clause(join),), term(s), term(t))
            cur = self.add("trans", (cur, link), term(flat[0]), term(t))
        back = self.add("sym", (other,), term(t), term(flat[1]))
        self.add("trans", (cur, back), *goal)
        return self.steps


class _Namer:
    """Flat terms of one clause as ``Term``s, variables renumbered by ``rename`` (extended with
    fresh numbers for variables met later, such as a peak's)."""

    def __init__(self, sig: Signature, rename: dict[int, int]) -> None:
        self.sig, self.rename = sig, dict(rename)

    def __call__(self, t: Flat, canon: bool = False) -> Term:
        if canon:
            return self.sig.term(t, "?")
        for v in variables(t):
            self.rename.setdefault(v, len(self.rename) + 10_000)
        return self.sig.term(_apply(t, self.rename), "?")


def _apply(t: Flat, ren: dict[int, int]) -> Flat:
    return ren[t] if isinstance(t, int) else (t[0], *(_apply(a, ren) for a in t[1:]))
