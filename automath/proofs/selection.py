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

from automath.core.errors import AutomathError
from automath.proofs.config import SaturationConfig
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


def selector_for(config: SaturationConfig) -> SizeAge:
    """The selector for a run's settings.

    >>> selector_for(SaturationConfig(age_every=4)).age_every
    4
    >>> type(selector_for(SaturationConfig(selection="size"))).__name__
    'SizeAge'
    """
    make = SELECTORS.get(config.selection)
    if make is None:
        raise AutomathError(f"unknown selection {config.selection!r} "
                            f"(known: {', '.join(SELECTORS)})")
    return make(config)
