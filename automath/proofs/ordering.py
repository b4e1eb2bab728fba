"""The Knuth–Bendix ordering (KBO) on flat terms, and the symbol precedence it uses.

Every symbol weighs 1 and every variable 1, except that a unary symbol may weigh 0 when it is
the greatest in the precedence (Knuth and Bendix's choice for the group inverse), which keeps
the ordering a simplification ordering. With a total precedence the ordering is total on ground
terms, so ordered rewriting of ground goals with unorientable equations always terminates and
is complete (unfailing completion, Bachmair–Dershowitz–Plaisted).

>>> kbo = KBO(prec=[2, 1, 0], weight=[1, 1, 1])   # symbols 0 > 1 > 2
>>> kbo.greater((0, 0, 0), 0), kbo.greater((1,), (2,)), kbo.greater(0, 1)
(True, True, False)
"""

from __future__ import annotations

from dataclasses import dataclass, field

from automath.proofs.terms import Flat


@dataclass(frozen=True)
class KBO:
    """KBO with precedence ``prec[symbol]`` (greater wins) and ``weight[symbol]``.

    Weights and variable counts of the terms compared are memoized (terms are immutable).

    >>> KBO([1, 0], [1, 1]).compare((0, 0, 1), (0, 1, 0))
    """

    prec: list[int]
    weight: list[int]
    memo: dict = field(default_factory=dict, compare=False, repr=False)

    def greater(self, s: Flat, t: Flat) -> bool:
        """Whether ``s > t``."""
        if isinstance(s, int):
            return False
        if isinstance(t, int):
            return _occurs(t, s)
        ws, vs = self._info(s)
        wt, vt = self._info(t)
        if ws < wt or any(vs.get(v, 0) < n for v, n in vt.items()):
            return False
        if ws > wt:
            return True
        if s[0] != t[0]:
            return self.prec[s[0]] > self.prec[t[0]]
        for a, b in zip(s[1:], t[1:], strict=True):
            if a != b:
                return self.greater(a, b)
        return False

    def compare(self, s: Flat, t: Flat) -> str | None:
        """``'>'``, ``'<'``, ``'='`` or ``None`` (incomparable)."""
        if s == t:
            return "="
        if self.greater(s, t):
            return ">"
        return "<" if self.greater(t, s) else None

    def _info(self, t: Flat) -> tuple[int, dict[int, int]]:
        """Weight and variable counts of ``t``."""
        found = self.memo.get(t)
        if found is not None:
            return found
        if isinstance(t, int):
            found = (1, {t: 1})
        else:
            w, vs = self.weight[t[0]], {}
            for a in t[1:]:
                wa, va = self._info(a)
                w += wa
                for v, n in va.items():
                    vs[v] = vs.get(v, 0) + n
            found = (w, vs)
        if len(self.memo) > 500_000:
            self.memo.clear()
        self.memo[t] = found
        return found


def _occurs(v: int, t: Flat) -> bool:
    return t == v if isinstance(t, int) else any(_occurs(v, a) for a in t[1:])


def precedence(arity: list[int], counts: list[int]) -> tuple[list[int], list[int]]:
    """Precedence and weights for symbols of the given arities and occurrence counts.

    Greater arity is greater; among equals the rarer symbol is greater (E's ``invfreq``), ties
    by first appearance (a lower number). One unary symbol, the most frequent, weighs 0 and is
    put above all others.

    >>> precedence([2, 1, 0, 0], [5, 3, 2, 1])
    ([2, 3, 0, 1], [1, 0, 1, 1])
    """
    unary = [s for s, a in enumerate(arity) if a == 1]
    zero = max(unary, key=lambda s: (counts[s], -s)) if unary else None
    order = sorted(range(len(arity)), key=lambda s: (s == zero, arity[s], -counts[s], -s))
    prec = [0] * len(arity)
    for rank, s in enumerate(order):
        prec[s] = rank
    return prec, [0 if s == zero else 1 for s in range(len(arity))]
