"""Clause selection: which passive equation the given-clause loop processes next.

``selector_for`` picks the selector a run's settings ask for (``SaturationConfig.selection``):
``"size"`` is the plain ``SizeAge`` (size of both sides, every ``age_every``-th pick the
oldest); ``"goal"`` (the default) is ``GoalWeight``, the same two queues with E-style weights:
a variable weighs ``var_weight`` (default 0.5), a symbol of the goal 1 and any other symbol
``symbol_weight``; the greater side of an oriented equation counts ``max_side`` times and an
unorientable equation ``unorientable * max_side`` times; a pair one of whose sides matches a
subterm of the goal's current normal form counts ``goal_match`` times.

Measured on automath/problems/ueq and benchmarks/problems (timeout 60 s, at most 400 given):
``var_weight=0.5`` alone proves all 37 (boole-assoc in 329 given clauses, size/age gives up at
400), 4030 equations generated on ueq (size/age 4100) and 43570 on the 19 other benchmarks
(44188); the other weights, off by default, each lost a problem or generated more.
"""

from __future__ import annotations

import heapq
import math

from automath.core.errors import AutomathError
from automath.proofs.config import SaturationConfig
from automath.proofs.features import equation_features
from automath.proofs.guide import Guide
from automath.proofs.saturation import Clause, Saturation, SizeAge
from automath.proofs.terms import Flat, match, positions


class GoalWeight(SizeAge):
    """Size/age with goal-directed symbol weights and a penalty on unorientable equations.

    >>> sel = GoalWeight(6, var_weight=1.0, symbol_weight=2.0, unorientable=1.0)
    >>> sel.goal_symbols = {0}
    >>> sel.term_weight((0, 1, (1, 2)))   # goal symbol, variable, other symbol, variable
    5.0
    """

    def __init__(self, age_every: int = 6, var_weight: float = 1.0, symbol_weight: float = 1.0,
                 unorientable: float = 1.0, max_side: float = 1.0,
                 goal_match: float = 1.0) -> None:
        super().__init__(age_every)
        self.var_weight, self.symbol_weight, self.unorientable = (var_weight, symbol_weight,
                                                                  unorientable)
        self.max_side, self.goal_match = max_side, goal_match
        self.goal_terms: list[Flat] = []
        self.at_given = -1
        self.goal_symbols: set[int] | None = None

    def term_weight(self, t: Flat) -> float:
        """Weight of a term: variables, goal symbols and other symbols summed."""
        if type(t) is int:
            return self.var_weight
        w = 1.0 if t[0] in self.goal_symbols else self.symbol_weight
        return w + sum([self.term_weight(a) for a in t[1:]])

    def weight(self, sat: Saturation, ci: Clause, cj: Clause, s: Flat, t: Flat) -> float:
        """Priority of a new pair (lower first)."""
        return self.base_weight(sat, s, t)

    def base_weight(self, sat: Saturation, s: Flat, t: Flat) -> float:
        """The weight of ``s = t`` by the symbol weights, before anything learned."""
        if self.goal_symbols is None:
            self.goal_symbols = set()
            for side in sat.goal or ():
                _symbols(side, self.goal_symbols)
        ws, wt = self.term_weight(s), self.term_weight(t)
        if self.goal_match != 1.0 and self._matches_goal(sat, s, t):
            ws, wt = ws * self.goal_match, wt * self.goal_match
        if self.unorientable == 1.0 and self.max_side == 1.0:
            return ws + wt
        if sat.kbo.greater(s, t):
            return self.max_side * ws + wt
        if sat.kbo.greater(t, s):
            return ws + self.max_side * wt
        return self.unorientable * self.max_side * (ws + wt)


    def _matches_goal(self, sat: Saturation, s: Flat, t: Flat) -> bool:
        """Whether a side of ``s = t`` matches a subterm of the goal's current normal form."""
        if sat.goal is None:
            return False
        if self.at_given != sat.given:
            self.at_given = sat.given
            self.goal_terms = [u for side in sat.goal for _, u in positions(sat.rw.normal(side))]
        return any(match(x, u, {}) is not None for x in (s, t) if type(x) is not int
                   for u in self.goal_terms if u[0] == x[0])


class Guided(GoalWeight):
    """``GoalWeight`` with a third queue ordered by a learned ``Guide``: its priority is
    ``log w - θ·φ`` (``w`` the goal weight, ``φ`` the equation's features); of the picks that
    are not the oldest's, every ``every``-th comes from the learned queue (1: all of them).

    >>> from automath.proofs.guide import Guide
    >>> Guided(Guide(), every=2).every
    2
    """

    def __init__(self, guide: Guide, every: int = 1, age_every: int = 6, trust: float = 1.0,
                 **weights: float) -> None:
        super().__init__(age_every, **weights)
        self.guide, self.every, self.trust = guide, max(1, every), trust
        self.learned: list[tuple] = []
        self.score, self.from_learned = 0.0, False

    def weight(self, sat: Saturation, ci: Clause, cj: Clause, s: Flat, t: Flat) -> float:
        """Priority of a new pair in the goal queue; its learned priority is kept for ``push``."""
        w = super().weight(sat, ci, cj, s, t)
        phi = equation_features(s, t, self.goal_symbols)
        shift = min(max(self.guide.score(phi), -self.trust), self.trust)
        self.score = math.log(max(w, 1e-9)) - shift
        return w

    def push(self, sat: Saturation, weight: float, seq: int, entry: tuple) -> None:
        """Queue ``entry`` in the goal, age and learned queues (axioms and lemmas first)."""
        super().push(sat, weight, seq, entry)
        key = self.score if entry[0] in ("cp", "cpr") else -math.inf
        heapq.heappush(self.learned, (key, seq, entry))

    def leads(self, sat: Saturation, weight: float) -> bool:
        """Whether the equation just weighed goes first in the queue it was picked from."""
        if not self.from_learned:
            return super().leads(sat, weight)
        return not self.learned or self.score <= self.learned[0][0]

    def pop(self, sat: Saturation) -> tuple | None:
        """The next entry: the oldest, the learned queue's front, or the goal queue's."""
        self.picks += 1
        age = bool(self.age_every) and self.picks % self.age_every == 0
        self.from_learned = not age and self.picks % self.every == 0
        if self.from_learned:
            return self.first(self.learned) or self.first(sat.heap)
        self.picks -= 1
        return super().pop(sat)


def _symbols(t: Flat, out: set[int]) -> None:
    if type(t) is not int:
        out.add(t[0])
        for a in t[1:]:
            _symbols(a, out)


def _size_age(config: SaturationConfig) -> SizeAge:
    return SizeAge(config.age_every)


def _goal_weight(config: SaturationConfig) -> SizeAge:
    return GoalWeight(config.age_every, config.var_weight, config.symbol_weight,
                      config.unorientable, config.max_side, config.goal_match)


SELECTORS = {"size": _size_age, "goal": _goal_weight}
"""Selectors by the name ``SaturationConfig.selection`` gives."""


def selector_for(config: SaturationConfig, guide: Guide | None = None) -> SizeAge:
    """The selector for a run's settings; with learning on and a fitted ``guide``, the goal
    weights guided by it (``Guided``, every ``config.guided_every``-th pick).

    >>> selector_for(SaturationConfig(age_every=4)).age_every
    4
    >>> type(selector_for(SaturationConfig(selection="size"))).__name__
    'SizeAge'
    """
    make = SELECTORS.get(config.selection)
    if make is None:
        raise AutomathError(f"unknown selection {config.selection!r} "
                            f"(known: {', '.join(SELECTORS)})")
    if not (config.learning and guide is not None and guide.runs):
        return make(config)
    return Guided(guide, config.guided_every, config.age_every, config.guide_trust,
                  var_weight=config.var_weight,
                  symbol_weight=config.symbol_weight, unorientable=config.unorientable,
                  max_side=config.max_side, goal_match=config.goal_match)
