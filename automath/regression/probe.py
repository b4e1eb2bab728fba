"""A check that a search runs on what it holds so far, at doubling intervals: the estimator's
constant fits on the best shapes, so a formula whose numerals only a fit can find (``1.5*a**2/b
+ 0.3``) ends the search when it is found instead of when the budget runs out."""

from __future__ import annotations

import time
from collections.abc import Callable

FIRST = 1.0
"""Seconds of search before the first check (and the first interval between checks)."""
SHARE = 0.1
"""The most of the search's time the checks may take (the next waits ``spent / SHARE``)."""


class Probe:
    """``check(result)`` run when :meth:`due`, the intervals doubling; ``met`` once it holds.

    >>> p = Probe(lambda result: result > 2, first=0.0)
    >>> p.start(); [p(r) for r in (1, 3)], p.met
    ([False, True], True)
    """

    def __init__(self, check: Callable[[object], bool], first: float = FIRST,
                 share: float = SHARE) -> None:
        self.check, self.first, self.share = check, first, share
        self.start()

    def start(self) -> None:
        """A fresh search: the first check ``first`` seconds from now."""
        self.gap, self.met, self.runs = self.first, False, 0
        self.at = time.perf_counter() + self.first

    def due(self) -> bool:
        """Whether the next check's time has come (never again once met)."""
        return not self.met and time.perf_counter() >= self.at

    def __call__(self, result: object) -> bool:
        """Run the check on ``result``; schedule the next one so checks keep to ``share``."""
        t0 = time.perf_counter()
        self.met = bool(self.check(result))
        spent, self.runs = time.perf_counter() - t0, self.runs + 1
        self.gap *= 2
        self.at = time.perf_counter() + max(self.gap, spent / self.share)
        return self.met
