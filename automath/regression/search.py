"""Search: symbolic regression on the weighted-distribution engine (issue 5).

The search runs on a store whose fingerprints *are* predictions: ``DataKind``
(``automath.regression.data``) evaluates every element at the training points, so dedup merges
expressions that agree on the data and an element's score is its normalized MSE. Three parts
work together:

1. **Base**: every expression up to a size cap, enumerated by size with dedup (fast, exhaustive).
2. **Goals** (``automath.regression.goals.Goals``): residuals of the target against small and heavy
   elements, looked up by value in the store; a hit closes an exact formula.
3. **Guided growth**: the engine's ``Loop`` with an ``ExpectedScore`` objective (score
   ``1/(1+scaled nmse)``, i.e. ``1/(2-r²)``, minus a size penalty): weight flows to good
   elements and to their parents, the loop generates children of heavy pairs beyond the base,
   each step's heaviest new elements become siblings of fresh goals, and the ascent of its
   objective on ``p0`` orders the pair look-ups (``automath.regression.pairs``): three-part
   formulas ``(y - P) / Q = R`` whose parts are each a few nodes, beyond the two-step goals.

The search runs in phases (``PHASES``: atoms, base and goals, deep goals, the raised cap, deep
goals again, start weights, loop steps); a phase stopped by the budget pauses (its enumerations
yield ``PAUSED``), and ``Search.resume`` continues it under a new budget without redoing work.
Under a time budget the loop takes turns (``loop_share``) with the phases after base and goals.
Under the default budget base and goals recover every Nguyen problem the benchmark runs, so
there the loop closes none; on ``benchmarks.datasets.HARD`` its pair look-ups close the
three-part ones (``found_by_ == "step: pair goals"``), with learning on or off alike: the parts
rank as high under the frozen start weights (see ``automath bench ablate``).
"""

from __future__ import annotations

import dataclasses
import hashlib
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import torch
from torch import Tensor

from automath.core.domain import Domain
from automath.core.objective import ExpectedScore
from automath.core.store import Store
from automath.core.term import Term
from automath.regression.budget import Budget
from automath.regression.data import SCORES, nmse, scaled_nmse
from automath.regression.dims import DimTable
from automath.regression.enumeration import goal_classes, size_levels
from automath.regression.goals import PAUSED, Goals, ProjIndex
from automath.regression.guided import GuidedLoop
from automath.regression.pairs import PairLookups
from automath.regression.probe import Probe
from automath.regression.units import Dim


@dataclass(frozen=True)
class SearchConfig:
    """Budget and knobs of one search (plain values).

    >>> SearchConfig(steps=0).max_goals
    300000
    """

    base_elements: int | None = None
    base_floats: int = 60_000_000
    max_goals: int = 300_000
    max_elements: int = 2_000_000
    deep: int = 1
    sibling_size: int = 3
    beam: int = 32
    steps: int = 40
    max_time: float | None = None
    max_memory: int | None = None
    cutoff: float = 1e-4
    lr: float = 0.1
    rule_lr: float = 0.05
    depth: int = 2
    size_penalty: float = 1e-3
    tol: float = 1e-12
    score: str = "scaled"
    seed: int = 0
    loop_share: float = 0.25
    turns: int = 8


@dataclass
class SearchResult:
    """What a search leaves: the store, weights, losses, the best id and a log.

    ``weights`` is the loop's learned initial distribution ``p0`` over the store (0 for
    elements it never weighted, such as goal hits added in its last step), or None when the
    loop took no step (base and goals closed the search first); ``loop_steps`` counts its steps.
    ``stopped`` says why it ended: ``exact``, ``time`` or ``memory`` (a budget ran out), or
    ``exhausted`` (every part ran to its own end).

    >>> from automath.regression.data import data_domain
    >>> d = data_domain("nguyen", {"x": [0.5, 1.5, 2.5]})
    >>> res = Search(d, torch.tensor([1.0, 9.0, 25.0]), SearchConfig(steps=0)).run()
    >>> res.store.sympy(res.best), res.exact, res.weights, res.loop_steps, res.stopped
    (4*x**2, True, None, 0, 'exact')
    """

    store: Store
    y: Tensor
    weights: Tensor | None
    nmse: Tensor
    best: int
    exact: bool
    seconds: float
    log: list[dict] = field(default_factory=list)
    loop_steps: int = 0
    stopped: str = "exhausted"
    evaluations: int = 0


class Search:
    """One symbolic-regression search on a data domain: base and goal lookups first, the
    weighted loop as the fallback when they fail within the budget (see the module docstring).

    >>> from automath.regression.data import data_domain
    >>> d = data_domain("nguyen", {"x": [0.5, 1.5, 2.5], "y": [1.0, 2.0, 0.5]})
    >>> res = Search(d, torch.tensor([1.5, 3.5, 3.0]), SearchConfig(steps=0)).run()
    >>> res.store.sympy(res.best)
    x + y
    """

    def __init__(self, domain: Domain, y: Tensor, config: SearchConfig,
                 on_step: Callable[[dict], None] | None = None,
                 accept: Callable[[Term], bool] | None = None,
                 units: Mapping[str, Dim] | None = None, probe: Probe | None = None) -> None:
        self.domain, self.config, self.on_step, self.probe = domain, config, on_step, probe
        self.accept = accept  # an exact fit counts only if accept(term) (e.g. units agree)
        self.units = units  # each variable's dimension: the enumeration builds consistent ones
        self.y = torch.as_tensor(y, dtype=torch.float64).to(domain.kind.device)
        self.log: list[dict] = []

    def score(self, store: Store, ids: Tensor) -> Tensor:
        """``1 / (1 + loss)`` at the data points: ``scaled`` (default) is the NMSE after the
        best ``a·f + b``, ``nmse`` the raw NMSE, ``goals`` the closeness to cheap goals."""
        if self.config.score == "goals":
            return self._goal_score(store.values[ids].to(torch.float64))
        loss = SCORES[self.config.score](store.values[ids].to(torch.float64), self.y)
        return 1.0 / (1.0 + loss)

    def _goal_score(self, vals: Tensor, k: int = 128, decay: float = 0.9) -> Tensor:
        g = self.goals
        order = torch.argsort(g.cost, stable=True)[:k]
        disc = decay ** g.cost[order].to(torch.float64)
        out = []
        for v in vals.split(8192):
            loss = torch.stack([nmse(v, g.values[j]) for j in order.tolist()], 1)
            out.append((disc / (1.0 + torch.nan_to_num(loss, nan=torch.inf))).amax(1))
        return torch.cat(out) if out else vals.new_zeros(0)

    def run(self, seeds: tuple[Term, ...] = (), budget: Budget | None = None) -> SearchResult:
        """Base and goals in step, then guided loop steps, until an exact fit or the budget.

        ``seeds`` (e.g. a previous fit's front) join the atoms as starting elements; ``budget``
        replaces the config's time and memory limits.
        """
        self.start(seeds)
        return self.resume(budget)

    def start(self, seeds: tuple[Term, ...] = ()) -> None:
        """A fresh store (atoms and ``seeds``), goals, index and loop; no search yet."""
        cfg = self.config
        store = self.domain.new_store()
        for term in seeds:
            store.add_term(term)
        self.objective = ExpectedScore(self.score, cfg.size_penalty)
        self.index = ProjIndex(store.values.shape[1], device=store.keys.device)
        self.goals, self.used, self.seen, self.loop_steps = Goals(self.y, store), set(), 0, 0
        self.loop = GuidedLoop(self.domain, self.objective, store, self._uniform(store),
                               cutoff=cfg.cutoff, lr=cfg.lr,
                               rule_lr=cfg.rule_lr, depth=cfg.depth, seed=cfg.seed,
                               steps=cfg.steps, max_elements=cfg.max_elements)
        self._full = cfg.base_elements or cfg.base_floats // max(1, self.y.numel())
        self._cap, self.counts = self._full // 5, {}
        self.phase, self.best, self._meet_state, self._deep_its = "atoms", None, None, {}
        self.pairs = PairLookups(self.goals, self.index)
        self._weighted, self._in_turn, self._turn_stop = False, False, None
        if self.probe is not None:  # e.g. the estimator's constant fits (regression.probe)
            self.probe.start()

    def _turn_lengths(self) -> tuple[float, float] | None:
        """Seconds of one enumeration turn and one loop turn, after the base and goals met
        (``loop_share`` of the time budget to the loop, in ``turns`` turns); None without a
        time budget or a loop share (then the loop runs only after the enumeration)."""
        cfg, span = self.config, self._budget.max_time
        if span is None or cfg.loop_share <= 0 or cfg.steps <= 0:
            return None
        return span * (1 - cfg.loop_share) / cfg.turns, span * cfg.loop_share / cfg.turns

    def resume(self, budget: Budget | None = None) -> SearchResult:
        """Continue from where the last ``run``/``resume`` stopped (its phase, its paused
        enumerations, store and goals) under a new budget (default: the config's); nothing
        done before is done again."""
        cfg, t0 = self.config, time.perf_counter()
        self._budget = budget or Budget(cfg.max_time, cfg.max_memory)
        self._turns, self._turn_end = self._turn_lengths(), None
        while self.best is None and self.phase != "done" and not self._budget.spent():
            if self._turns and self.phase in TURN_PHASES and self._turn_end is None:
                self._turn_end = time.perf_counter() + self._turns[0]
            if self.probe is not None and self.probe.due() and self.probe(self._snapshot(t0)):
                self._event("probe met", t0)
                break
            if self._turn_due():
                self.best = self._loop_turn(t0)
                continue
            self.best, finished = PHASES[self.phase](self, t0)
            if finished:
                self.phase = NEXT_PHASE[self.phase]
        return self._result(self.best, t0)

    def _turn_due(self) -> bool:
        """Whether the enumeration's turn is over and the weighted loop's turn has come."""
        return (self._turn_end is not None and not self._in_turn
                and self.phase in TURN_PHASES and self.loop_steps < self.config.steps
                and time.perf_counter() >= self._turn_end)

    def _loop_turn(self, t0: float) -> int | None:
        """Loop steps for one turn (at least one), then the enumeration's next turn."""
        self._in_turn = True
        try:
            if not self._weighted:
                self._weights(t0)
            self.loop.grow()
            end = self._turn_stop = time.perf_counter() + self._turns[1]
            best, _ = self._steps(t0, until=lambda: time.perf_counter() >= end)
        finally:
            self._in_turn = False
        self._turn_end = time.perf_counter() + self._turns[0]
        return best

    @property
    def evaluations(self) -> int:
        """Candidates evaluated so far: base expressions built and goal residuals computed."""
        return sum(self.counts.values()) + self.goals.evaluated

    def _atoms(self, t0: float) -> tuple[int | None, bool]:
        return self._check(self._new_elements(), torch.tensor([0]), t0, "atoms"), True

    def _raise_cap(self, t0: float) -> tuple[None, bool]:
        self._cap = self._full
        return None, True

    def _weights(self, t0: float) -> tuple[None, bool]:
        """The loop's start: the ``beam`` best-scoring elements, equal weights (once); the
        loop may add ``max_elements`` beyond the store it starts on."""
        if not self._weighted:
            store = self.loop.state.store
            self.loop.state.p0 = self._start_weights(store, self.objective)
            self.loop.config = dataclasses.replace(
                self.loop.config, max_elements=len(store) + self.config.max_elements)
            self._weighted = True
        return None, True

    def _steps(self, t0: float, until: Callable[[], bool] = lambda: False,
               ) -> tuple[int | None, bool]:
        """Weighted-loop steps up to the config's count (or until ``until()``, checked after
        each step); each step's heavy elements feed goals."""
        while self.loop_steps < self.config.steps:
            if self._out_of_time():
                return None, False
            self.loop.step()
            self.loop_steps += 1
            heavy = self._heavy()
            level1 = self.goals.expand(torch.tensor([0]), heavy, unary=False)
            best = self._check(self._new_elements(), level1, t0, "step")
            best = best if best is not None else self._through(heavy, t0)
            if best is None:
                best = self._pairs(t0)
            if best is not None:
                return best, True
            if until():
                return None, False
        return None, True

    def _out_of_time(self) -> bool:
        """Whether the time or memory budget has run out (the budget remembers which), or
        the enumeration's turn is over (it pauses for the weighted loop's turn)."""
        return self._budget.spent() or self._turn_due()

    def _meet(self, t0: float) -> tuple[int | None, bool]:
        """Grow the base (by size) and the goals (by cost) in step; check each new part.
        Returns (exact id or None, whether both ran to their end)."""
        st, cfg = self.loop.state.store, self.config
        if self._meet_state is None:
            sizes = self._sizes = {1: (st.size == 1).nonzero().squeeze(1)}
            allowed = None if self.units is None else DimTable(st, self.units).allowed
            self._base = size_levels(st, lambda: self._cap, stop=self._out_of_time,
                                     counts=self.counts, allowed=allowed)
            self._goal_it = goal_classes(self.goals, sizes.get, cfg.max_goals,
                                         stop=self._out_of_time)
            self._meet_state = {"base": False, "goals": False, "cost": 0}
        m, sizes = self._meet_state, self._sizes
        while not (m["base"] and m["goals"]):
            if self._out_of_time():
                return None, False
            grow_base = not m["base"] and (m["goals"] or m["cost"] + 1 > max(sizes)
                                           or len(st) <= len(self.goals))
            try:
                if grow_base:
                    s, ids = next(self._base)
                    if ids is PAUSED:
                        return None, False
                    if ids is None:
                        raise StopIteration
                    sizes[s] = ids
                    best = self._check(self._new_elements(), None, t0, f"base size {s}")
                else:
                    cost, ids = next(self._goal_it)
                    if ids is PAUSED:
                        return None, False
                    m["cost"] = cost
                    best = self._check(None, ids, t0, f"goals cost {cost}")
            except StopIteration:
                m["base" if grow_base else "goals"] = True
                continue
            if best is not None:
                return best, True
        return None, True

    def _grow(self, t0: float) -> tuple[int | None, bool]:
        """Build the base's size levels that fit under the raised cap; check them."""
        for s, ids in self._base:
            if ids is PAUSED:
                return None, False
            if ids is None:
                return None, True
            self._sizes[s] = ids
            best = self._check(self._new_elements(), None, t0, f"base size {s}")
            if best is not None:
                return best, True
        return None, True

    def _deep(self, t0: float) -> tuple[int | None, bool]:
        """Two-step goals through every element, then through the smallest ones (a paused
        pass continues; the second pass, after the base grew, starts a new one)."""
        st = self.loop.state.store
        if self.phase not in self._deep_its:
            second = (st.size <= self.config.deep).nonzero().squeeze(1)
            close = scaled_nmse(st.values.to(torch.float64), self.y)
            first = torch.argsort(close + 1e-3 * st.size, stable=True)
            self._deep_its[self.phase] = [self.goals.deep(self.index, first, second,
                                                          stop=self._out_of_time), 0]
        it, best = self._deep_its[self.phase], None
        for g, e in it[0]:
            if g is PAUSED:
                return None, False
            best, it[1] = self._build(g, e), it[1] + len(g)
            if best is not None:
                break
        self._event("deep goals", t0, elements=len(st), goals=len(self.goals), hits=it[1],
                    exact=best is not None)
        return best, True

    def _through(self, heavy: Tensor, t0: float) -> int | None:
        """Two-step goals through the heavy elements, then the small ones (not kept)."""
        st = self.loop.state.store
        small = (st.size <= self.config.sibling_size).nonzero().squeeze(1)[:64]
        for g, e in self.goals.deep(self.index, heavy, small, chunk=8):
            best = self._build(g, e)
            if best is not None:
                self._event("step: heavy goals", t0, elements=len(st), hits=len(g), exact=True)
                return best
        return None

    def _pairs(self, t0: float, k: int = 4, batches: int = 2) -> int | None:
        """Pair look-ups through the parts the loop's ascent ranks highest, ``k`` at a time:
        in a loop's turn (a time budget) at least ``k`` per step, then until the turn ends or
        the budget; otherwise ``batches`` times ``k`` per step (the same search every run)."""
        st, ascent, n = self.loop.state.store, self.loop.ascent(), 0
        while self._pair_batch_due(n, batches):
            n += 1
            parts = self.pairs.next_parts(st, ascent, k)
            if not len(parts):
                return None
            for g, e in self.pairs.hits(st, parts):
                best = self._build(g, e)
                if best is not None:
                    self._event("step: pair goals", t0, elements=len(st), hits=len(g),
                                parts=self.pairs.tried, exact=True)
                    return best
        return None

    def _pair_batch_due(self, n: int, batches: int) -> bool:
        """Whether a step that ran ``n`` batches of pair look-ups runs another."""
        if not self._in_turn:
            return n < batches
        return n == 0 or (time.perf_counter() < self._turn_stop and not self._budget.spent())

    def _uniform(self, store: Store) -> Tensor:
        return torch.full((len(store),), 1.0 / len(store), dtype=torch.float64,
                          device=store.keys.device)

    def _start_weights(self, store: Store, objective: ExpectedScore) -> Tensor:
        scores = objective.scores(store)
        top = torch.topk(scores, min(self.config.beam, len(store))).indices
        p0 = torch.zeros(len(store), dtype=torch.float64, device=scores.device)
        p0[top] = 1.0 / len(top)
        self.loop.grow()
        return p0

    def _new_elements(self) -> Tensor:
        st = self.loop.state.store
        new = torch.arange(self.seen, len(st), device=st.keys.device)
        self.seen = len(st)
        self.index.add(st.values[new].to(torch.float64), new)
        return new

    def _check(self, elements: Tensor | None, goal_ids: Tensor | None, t0: float,
               what: str) -> int | None:
        """New elements against all goals, new goals against all elements; build the hits."""
        st, goals = self.loop.state.store, self.goals
        hits = [goals.match(st, elements)] if elements is not None else []
        if goal_ids is not None and len(goal_ids):
            hits.append(goals.lookup(self.index, goal_ids))
        g = torch.cat([h[0] for h in hits]) if hits else torch.empty(0, dtype=torch.int64)
        e = torch.cat([h[1] for h in hits]) if hits else torch.empty(0, dtype=torch.int64)
        best = self._build(g, e)
        self._event(what, t0, elements=len(st), goals=len(goals), hits=len(g),
                    exact=best is not None)
        return best

    def _heavy(self) -> Tensor:
        p = self.loop.state.p0
        top = torch.topk(p, min(self.config.beam, int((p > 0).sum()))).indices.tolist()
        fresh = [i for i in top if i not in self.used]
        self.used.update(fresh)
        return torch.tensor(fresh, dtype=torch.int64)

    def _build(self, goal_ids: Tensor, element_ids: Tensor, limit: int = 256) -> int | None:
        st = self.loop.state.store
        cost = self.goals.cost[goal_ids] + st.size[element_ids]
        order = torch.argsort(cost, stable=True)[:limit]
        found = []
        for g, e in zip(goal_ids[order].tolist(), element_ids[order].tolist(), strict=True):
            ident = self.goals.build(st, g, e)
            if ident >= 0 and float(nmse(st.values[ident][None], self.y)) <= self.config.tol \
                    and (self.accept is None or self.accept(st.term(ident))):
                found.append(ident)
        self.loop.grow()
        return min(found, key=lambda i: int(st.size[i])) if found else None

    def _event(self, what: str, t0: float, **info: object) -> None:
        rec = {"event": what, "seconds": round(time.perf_counter() - t0, 4), **info}
        self.log.append(rec)
        if self.on_step is not None:
            try:
                self.on_step(rec)
            except KeyboardInterrupt:  # a callback that stops the fit: pause as at a budget
                self._budget.interrupt()

    def _result(self, best: int | None, t0: float) -> SearchResult:
        res = self._snapshot(t0, best)
        self._event("stopped", t0, elements=len(res.store), reason=res.stopped)
        return dataclasses.replace(res, log=list(self.log))

    def _snapshot(self, t0: float, best: int | None = None) -> SearchResult:
        """What the search holds now, as a result (``exact`` also when the probe was met)."""
        st = self.loop.state.store
        losses = nmse(st.values.to(torch.float64), self.y)
        exact = best is not None
        if best is None:
            best = int(torch.argmin(losses + self.config.size_penalty * st.size))
        weights = self.loop.state.p0.detach().clone() if self.loop_steps else None
        met = self.probe is not None and self.probe.met
        stopped = "exact" if exact or met else self._budget.reason or "exhausted"
        return SearchResult(st, self.y, weights, losses, best, exact, time.perf_counter() - t0,
                            list(self.log), self.loop_steps, stopped, self.evaluations)


# The search's phases in order (deep goals, the raised cap and the second deep pass only with
# ``deep``); each returns (exact id or None, finished) and is resumed while unfinished.
PHASES: dict[str, Callable[[Search, float], tuple[int | None, bool]]] = {
    "atoms": Search._atoms, "meet": Search._meet,
    "deep": lambda s, t0: s._deep(t0) if s.config.deep else (None, True),
    "cap": lambda s, t0: s._raise_cap(t0) if s.config.deep else (None, True),
    "grow": lambda s, t0: s._grow(t0) if s.config.deep else (None, True),
    "deep again": lambda s, t0: s._deep(t0) if s.config.deep else (None, True),
    "weights": Search._weights, "loop": Search._steps,
}
NEXT_PHASE = dict(zip(PHASES, [*list(PHASES)[1:], "done"], strict=True))
TURN_PHASES = frozenset({"deep", "cap", "grow", "deep again"})
"""Phases that take turns with the weighted loop under a time budget (after base and goals)."""


def data_digest(domain: Domain, y: Tensor) -> str:
    """A digest of a search's data: its columns, atoms and target (same data, same digest).

    >>> from automath.regression.data import data_domain
    >>> d = data_domain("nguyen", {"x": [1.0, 2.0]})
    >>> a, b, c = (data_digest(d, y) for y in (torch.ones(2), torch.ones(2), torch.zeros(2)))
    >>> a == b != c
    True
    """
    h = hashlib.sha256(repr((domain.grammar.name, domain.atoms, domain.rules)).encode())
    for name, col in domain.kind.columns.items():
        h.update(name.encode() + col.cpu().numpy().tobytes())
    h.update(y.cpu().numpy().tobytes())
    return h.hexdigest()
