"""Unfailing Knuth–Bendix completion: a given-clause loop over unit equations.

The loop (as in Waldmeister, E and Twee, see Bachmair, Dershowitz and Plaisted, "Completion
without failure", 1989): take the best passive equation, simplify it by the active ones
(demodulation, ordered rewriting), drop it when trivial or subsumed, orient it by KBO, move the
active equations it simplifies back to passive (interreduction), and add the critical pairs it
forms with every active equation, including ordered ones (an overlap is kept only where each
rewrite may decrease). The goal, with its variables read as constants, is proved when the
normal forms of its two sides meet. Passive entries keep only their parents and position; the
pair is rebuilt when chosen, so memory grows with the entries, not with their terms.

A critical pair is normalized when formed only if it is small — at most ``eager_factor`` times
the size of the largest equation processed so far; a larger one is queued by its raw size and
normalized when it reaches the front, then processed if its normalized weight still leads, or
queued again by that weight (Twee and Waldmeister normalize every pair when formed; on the
textbook suites most large pairs are never chosen, so their normalization is wasted work).

Which passive equation comes next is its ``Selector``'s choice (``automath.proofs.selection``):
size and age, mixed with learned weights when learning is on.
"""

from __future__ import annotations

import heapq
import math
import time
from collections import deque
from dataclasses import dataclass, field

from automath.proofs.ordering import KBO
from automath.proofs.rewrite import Entry, Record, Rewriter
from automath.proofs.terms import (
    Flat,
    at,
    canonical,
    match,
    offset,
    positions,
    replace,
    resolve,
    size,
    unify,
    variables,
)

ENTRY_BYTES = 160
"""Estimated bytes per passive entry (a tuple of ids and a position, in a heap)."""
NODE_BYTES = 120
"""Estimated bytes per stored term node of an active clause and its record."""


@dataclass
class Clause:
    """An equation the loop derived: sides, orientation, origin and how it was simplified.

    ``source``: ``("axiom", k)``, ``("cp", i, j, peak)``, ``("back", d)`` or ``("lemma", k)``;
    ``start``: the equation the source proves; ``left``/``right``: rewrite steps from each side
    of ``start`` to ``lhs``/``rhs`` (in the variables before renumbering, see ``rename``).
    """

    id: int
    lhs: Flat
    rhs: Flat
    oriented: bool
    source: tuple
    start: tuple[Flat, Flat]
    left: Record
    right: Record
    rename: dict[int, int]
    alive: bool = True
    nvars: int = 0

    def entries(self) -> list[Entry]:
        """Its rewrite directions: one when oriented, both otherwise."""
        first = Entry(self.lhs, self.rhs, self.id, self.oriented)
        return [first] if self.oriented else [first, Entry(self.rhs, self.lhs, self.id, False)]


@dataclass
class Budget:
    """Limits of a run: seconds, estimated megabytes, and given clauses.

    >>> Budget(seconds=1.0).exceeded(0.5, 10, 10) is None
    True
    >>> Budget(max_memory=1).exceeded(0.0, 10_000, 0)
    'memory: about 1.5 MB of 1 MB'
    """

    seconds: float = 10.0
    max_memory: float = 1024.0
    max_given: int = 1_000_000

    def exceeded(self, elapsed: float, entries: int, nodes: int, given: int = 0) -> str | None:
        """Why the run must stop before growing further, or None."""
        mb = (entries * ENTRY_BYTES + nodes * NODE_BYTES) / 2**20
        if mb >= self.max_memory:
            return f"memory: about {mb:.1f} MB of {self.max_memory:g} MB"
        if elapsed >= self.seconds:
            return f"time: {elapsed:.1f} s of {self.seconds:g} s"
        if given >= self.max_given:
            return f"given clauses: {given} of {self.max_given}"
        return None


@dataclass
class Outcome:
    """How a run ended: ``proved``, ``saturated`` (the goal does not follow) or ``budget``."""

    status: str
    reason: str = ""
    goal_nf: tuple[Flat, Flat] | None = None
    steps: dict = field(default_factory=dict)


class Saturation:
    """The given-clause loop over flat equations; ``run`` until proved, saturated or budget."""

    def __init__(self, axioms: list[tuple[Flat, Flat]], goal: tuple[Flat, Flat] | None,
                 kbo: KBO, selector: object, budget: Budget, fill: Flat | None = None,
                 lemmas: list[tuple[Flat, Flat]] = (), eager_factor: float = math.inf) -> None:
        self.axioms, self.goal, self.kbo, self.selector = axioms, goal, kbo, selector
        self.eager_factor, self.deferred = eager_factor, 0
        self.eager_size = math.inf if eager_factor == math.inf else 0.0  # the size bound
        self.budget, self.rw = budget, Rewriter(kbo, fill)
        self.clauses: list[Clause] = []
        self.active: list[int] = []
        self.heap: list[tuple] = []
        self.seq, self.generated, self.given, self.nodes, self.dropped = 0, 0, 0, 0, 0
        self.seen: set[tuple[Flat, Flat]] = set()
        self.lemmas = list(lemmas)
        self.elapsed, self.outcome, self.full, self._start = 0.0, Outcome("budget"), None, 0.0
        for k in range(len(axioms)):
            self._push(0.0, ("axiom", k))
        for k in range(len(self.lemmas)):
            self._push(0.0, ("lemma", k))

    # ---- the loop -------------------------------------------------------------------------

    def run(self) -> Outcome:
        """Run until the goal is proved, the passive set is empty, or the budget is spent."""
        start = time.perf_counter()
        if self._goal_met():
            return self.outcome
        self._start = start
        while self.heap:
            why = self.full or self.budget.exceeded(time.perf_counter() - start, len(self.heap),
                                                    self.nodes, self.given)
            if why:
                self.outcome = Outcome("budget", why)
                break
            built = self._settle(self.selector.pop(self))
            if built is not None and self._process(built) and self._goal_met():
                break
        else:
            self.outcome = Outcome("budget", self.full) if self.full else \
                Outcome("saturated", "the passive set is empty")
        self.elapsed = time.perf_counter() - start
        return self.outcome

    def _check(self) -> None:
        """Note a spent budget (time, or memory for 256 more entries) in ``full``."""
        if self._start:
            self.full = self.full or self.budget.exceeded(
                time.perf_counter() - self._start, len(self.heap) + 256, self.nodes)

    def _push(self, weight: float, entry: tuple) -> None:
        if self.seq % 256 == 0:  # checked before the heap grows
            self._check()
        if self.full:
            return
        self.seq += 1
        self.selector.push(self, weight, self.seq, entry)

    def _settle(self, entry: tuple | None) -> tuple[tuple[Flat, Flat], tuple] | None:
        """The equation of a queue entry, built, to process now; or None for nothing: a raw
        pair (``"cpr"``) is normalized first, and queued again by its normalized weight when
        that no longer leads, or dropped when trivial."""
        if entry is None or entry[0] != "cpr":
            return None if entry is None else self._build(entry)
        pair = ("cp", *entry[1:])
        built = self._build(pair)
        if built is None:
            return None
        (s, t), _ = built
        s, t = self.rw.normal(s), self.rw.normal(t)
        if s == t:
            return None
        c = self.clauses
        weight = self.selector.weight(self, c[entry[1]], c[entry[3]], s, t)
        if self.selector.leads(self, weight):
            return built
        self._push(weight, pair)
        return None

    def _process(self, built: tuple[tuple[Flat, Flat], tuple]) -> bool:
        (s0, t0), source = built
        left, right = [], []
        lhs, rhs = self.rw.normal(s0, left), self.rw.normal(t0, right)
        if lhs == rhs:
            return False
        order: list[int] = []
        for t in (lhs, rhs, s0, t0):
            variables(t, order)
        ren = {v: k for k, v in enumerate(order)}
        lhs, rhs = canonical(lhs, rhs)
        if self.subsumer(lhs, rhs) is not None:
            return False
        c = self._add(lhs, rhs, source, (s0, t0), left, right, ren)
        self._interreduce(c)
        self._pairs(c)  # its pairs are judged by the equations processed before it
        self.eager_size = max(self.eager_size, self.eager_factor * (size(lhs) + size(rhs)))
        self.given += 1
        return True

    def built(self, entry: tuple) -> tuple[tuple[Flat, Flat], tuple] | None:
        """The equation a queue entry stands for, as its overlap builds it (a raw pair not yet
        normalized), with its source; None when the overlap no longer exists."""
        return self._build(("cp", *entry[1:]) if entry[0] == "cpr" else entry)

    def _build(self, entry: tuple) -> tuple[tuple[Flat, Flat], tuple] | None:
        kind = entry[0]
        if kind == "axiom":
            return self.axioms[entry[1]], entry
        if kind == "lemma":
            return self.lemmas[entry[1]], entry
        if kind == "back":
            c = self.clauses[entry[1]]
            return (c.lhs, c.rhs), entry
        _, i, di, j, dj, pos = entry
        ci, cj = self.clauses[i], self.clauses[j]  # parents may have died since; the pair
        # still follows from them (and dropping it would leave its key in seen)
        pair = self._overlap(ci.entries()[di], cj.entries()[dj], ci.nvars, pos)
        if pair is None:
            return None
        peak, a, b = pair
        return (a, b), ("cp", i, j, peak)

    def _add(self, lhs: Flat, rhs: Flat, source: tuple, start: tuple[Flat, Flat],
             left: Record, right: Record, ren: dict[int, int]) -> Clause:
        rel = self.kbo.compare(lhs, rhs)
        if rel == "<":
            lhs, rhs = rhs, lhs
        c = Clause(len(self.clauses), lhs, rhs, rel is not None, source, start, left, right, ren,
                   nvars=len(variables(lhs, variables(rhs))))
        self.clauses.append(c)
        self.active.append(c.id)
        for e in c.entries():
            self.rw.add(e)
        self.nodes += size(lhs) + size(rhs) + 2 * (len(left) + len(right))
        return c

    def subsumer(self, lhs: Flat, rhs: Flat) -> int | None:
        """The active unorientable equation ``lhs = rhs`` is an instance of, maybe inside a
        common context, or None."""
        while True:
            for e in self.rw.candidates(lhs):
                if not e.oriented and (s := match(e.lhs, lhs, {})) is not None \
                        and match(e.rhs, rhs, s) is not None:
                    return e.clause
            if isinstance(lhs, int) or isinstance(rhs, int) or lhs[0] != rhs[0]:
                return None
            diff = [k for k in range(1, len(lhs)) if lhs[k] != rhs[k]]
            if len(diff) != 1:
                return None
            lhs, rhs = lhs[diff[0]], rhs[diff[0]]

    def _interreduce(self, new: Clause) -> None:
        """Active clauses the new one rewrites go back to passive, to be simplified again."""
        for cid in list(self.active):
            c = self.clauses[cid]
            if cid == new.id or not (self.rw.reducible(c.lhs, new.id)
                                     or self.rw.reducible(c.rhs, new.id)):
                continue
            c.alive = False
            self.active.remove(cid)
            self.rw.remove(cid)
            self._push(-1.0, ("back", cid))

    # ---- critical pairs ---------------------------------------------------------------------

    def _pairs(self, new: Clause) -> None:
        for cid in list(self.active):
            if self.full:  # the budget is spent: stop forming pairs nobody will take
                return
            old = self.clauses[cid]
            for di, a in enumerate(new.entries()):
                for dj, b in enumerate(old.entries()):
                    self._overlaps(new, di, a, old, dj, b)
                    if cid != new.id:
                        self._overlaps(old, dj, b, new, di, a)

    def _overlaps(self, ci: Clause, di: int, a: Entry, cj: Clause, dj: int, b: Entry) -> None:
        """Critical pairs of ``b`` rewriting inside ``a``'s left-hand side."""
        if isinstance(b.lhs, int):
            return
        top = b.lhs[0]
        for pos, sub in positions(a.lhs):
            if sub[0] != top or (not pos and ci.id == cj.id and di == dj):
                continue
            pair = self._overlap(a, b, ci.nvars, pos)
            if pair is None:
                continue
            self.generated += 1
            if self.generated % 256 == 0:
                self._check()
            _, s, t = pair
            kind = "cpr" if size(s) + size(t) > self.eager_size else "cp"
            if kind == "cp":
                s, t = self.rw.normal(s), self.rw.normal(t)
            else:
                self.deferred += 1
            if s == t:
                continue
            key = canonical(s, t) if self.kbo.greater(s, t) else canonical(t, s)
            if key in self.seen:
                self.dropped += 1
                continue
            self.seen.add(key)
            self._push(self.selector.weight(self, ci, cj, s, t), (kind, ci.id, di, cj.id, dj, pos))

    def _overlap(self, a: Entry, b: Entry, shift: int,
                 pos: tuple[int, ...]) -> tuple[Flat, Flat, Flat] | None:
        """Peak ``l1σ`` and the pair ``(r1σ, l1σ[r2σ]_pos)``, or None where an ordered rewrite
        of the peak would increase."""
        l2, r2 = offset(b.lhs, shift), offset(b.rhs, shift)
        s = unify(at(a.lhs, pos), l2)
        if s is None:
            return None
        peak, r1, r2 = resolve(a.lhs, s), resolve(a.rhs, s), resolve(r2, s)
        inner = resolve(l2, s)
        for lhs, rhs, ok in ((peak, r1, a.oriented), (inner, r2, b.oriented)):
            if not ok and (lhs == rhs or self.kbo.greater(rhs, lhs)):
                return None
        return peak, r1, replace(peak, pos, r2)

    # ---- the goal -----------------------------------------------------------------------

    def _goal_met(self) -> bool:
        if self.goal is None:
            return False
        s, t = (self.rw.normal(x) for x in self.goal)
        if s == t or self.subsumer(s, t) is not None:
            self.outcome = Outcome("proved", goal_nf=(s, t))
            return True
        return False

    def goal_records(self) -> tuple[Record, Record]:
        """Rewrite steps from each side of the goal to its normal form."""
        left, right = [], []
        self.rw.normal(self.goal[0], left)
        self.rw.normal(self.goal[1], right)
        return left, right

    def stats(self) -> dict:
        """Figures of the run so far."""
        return {"seconds": self.elapsed, "generated": self.generated, "given": self.given,
                "active": len(self.active), "passive": len(self.heap),
                "clauses": len(self.clauses), "duplicates": self.dropped,
                "deferred": self.deferred,
                "memory_mb": round((len(self.heap) * ENTRY_BYTES + self.nodes * NODE_BYTES)
                                   / 2**20, 2)}


class SizeAge:
    """The standard choice: the lightest passive equation (size of both sides), and every
    ``age_every``-th pick the oldest.

    >>> SizeAge(age_every=5).age_every
    5
    """

    def __init__(self, age_every: int = 6) -> None:
        self.age_every, self.picks, self.old, self.taken = age_every, 0, deque(), set()

    def weight(self, sat: Saturation, ci: Clause, cj: Clause, s: Flat, t: Flat) -> float:
        """Priority of a new pair (lower first)."""
        return self.base_weight(sat, s, t)

    def base_weight(self, sat: Saturation, s: Flat, t: Flat) -> float:
        """The weight of ``s = t`` before anything learned: the size of both sides."""
        return float(size(s) + size(t))

    def lemma_weight(self, c: Clause) -> float:
        """How much a clause counts as a lemma: here, smaller is heavier."""
        return 1.0 / (size(c.lhs) + size(c.rhs))

    def push(self, sat: Saturation, weight: float, seq: int, entry: tuple) -> None:
        """Queue ``entry``."""
        heapq.heappush(sat.heap, (weight, seq, entry))
        self.old.append((seq, entry))

    def lead(self, sat: Saturation) -> float:
        """The weight at the front of the queue (inf when it is empty)."""
        return sat.heap[0][0] if sat.heap else math.inf

    def leads(self, sat: Saturation, weight: float) -> bool:
        """Whether an equation of this weight, just weighed, goes before the queue's front."""
        return weight <= self.lead(sat)

    def pop(self, sat: Saturation) -> tuple | None:
        """The next entry to process."""
        self.picks += 1
        if self.age_every and self.picks % self.age_every == 0:
            while self.old:
                seq, entry = self.old.popleft()
                if seq not in self.taken:
                    self.taken.add(seq)
                    return entry
        return self.first(sat.heap)

    def first(self, heap: list[tuple]) -> tuple | None:
        """The front entry of ``heap`` not taken yet, taken."""
        while heap:
            _, seq, entry = heapq.heappop(heap)
            if seq not in self.taken:
                self.taken.add(seq)
                return entry
        return None
