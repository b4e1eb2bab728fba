"""Rewriting with oriented rules and ordered (unorientable) equations, indexed by top symbol.

A rule ``l -> r`` of an oriented equation rewrites every instance; an unorientable equation
``l = r`` gives two entries, ``l -> r`` and ``r -> l``, each applied to an instance only when
the instance decreases in the term ordering (ordered rewriting). Normal forms are innermost;
with a record list, every step is recorded as ``(position, new subterm, clause id)``, replayed
on the whole term by ``replay``.

>>> from automath.proofs.ordering import KBO
>>> rw = Rewriter(KBO([1, 0], [1, 1]))               # symbols: 0 = f (binary), 1 = a
>>> rw.add(Entry((0, 0, 0), 0, 7, True))              # f(x, x) -> x, clause 7
>>> steps = []; rw.normal((0, (0, (1,), (1,)), (1,)), steps), steps
((1,), [((1,), (1,), 7), ((), (1,), 7)])
"""

from __future__ import annotations

from dataclasses import dataclass, field

from automath.proofs.ordering import KBO
from automath.proofs.terms import Flat, is_ground, match, replace, subst, variables

Record = list[tuple[tuple[int, ...], Flat, int]]
"""Rewrite steps: position, the subterm put there, and the clause whose equation was used."""


@dataclass(frozen=True)
class Entry:
    """One rewrite direction of a clause: ``lhs -> rhs``, ordered unless ``oriented``.

    >>> Entry((0, 0), 0, 3, False).clause
    3
    """

    lhs: Flat
    rhs: Flat
    clause: int
    oriented: bool


@dataclass
class Rewriter:
    """Entries indexed by the top symbol of their left-hand side, and normal forms.

    ``fill``: the least constant, bound to a variable of a right-hand side that the left-hand
    side leaves free when a ground term is rewritten (any value is sound; the least keeps the
    result small). None: such entries never rewrite.
    """

    kbo: KBO
    fill: Flat | None = None
    by_top: dict[tuple[int, int | None], list[Entry]] = field(default_factory=dict)
    loose: list[Entry] = field(default_factory=list)  # left-hand side a variable
    cache: dict[Flat, Flat] = field(default_factory=dict)  # normal forms under these entries

    def add(self, entry: Entry) -> None:
        """Index ``entry`` by its top symbol and its first two arguments' (None: a variable)."""
        self.cache.clear()
        lhs = entry.lhs
        if isinstance(lhs, int):
            self.loose.append(entry)
        else:
            self.by_top.setdefault(_key(lhs), []).append(entry)

    def remove(self, clause: int) -> None:
        """Drop every entry of ``clause``."""
        self.cache.clear()
        for top, entries in self.by_top.items():
            if any(e.clause == clause for e in entries):
                self.by_top[top] = [e for e in entries if e.clause != clause]
        self.loose = [e for e in self.loose if e.clause != clause]

    def candidates(self, t: Flat) -> list[Entry]:
        """Entries whose left-hand side may match ``t``: same top symbol, and at each of the
        first two arguments the same symbol or a variable; or a variable left-hand side."""
        if type(t) is int:
            return self.loose
        first, second = (_top(t[k]) if len(t) > k else None for k in (1, 2))
        get, top = self.by_top.get, t[0]
        found = get((top, None, None), [])
        for key in dict.fromkeys([(top, None, second), (top, first, None), (top, first, second)]):
            if key[1:] != (None, None):
                found = found + get(key, [])
        return found + self.loose if self.loose else found

    def step(self, t: Flat, only: int | None = None) -> tuple[Flat, int] | None:
        """One rewrite of ``t`` at its root: the result and the clause used, or None."""
        for e in self.candidates(t):
            if only is not None and e.clause != only:
                continue
            s = match(e.lhs, t, {})
            if s is None:
                continue
            new = self._instance(e, s, t)
            if new is not None and (e.oriented or self.kbo.greater(t, new)):
                return new, e.clause
        return None

    def _instance(self, e: Entry, s: dict[int, Flat], t: Flat) -> Flat | None:
        free = [v for v in variables(e.rhs) if v not in s]
        if free:
            if e.oriented or self.fill is None or not is_ground(t):
                return None
            s = {**s, **dict.fromkeys(free, self.fill)}
        return subst(e.rhs, s)

    def normal(self, t: Flat, record: Record | None = None, here: tuple[int, ...] = ()) -> Flat:
        """The innermost normal form of ``t``; steps appended to ``record`` when given."""
        if record is None:
            found = self.cache.get(t)
            if found is None:
                found = self.cache[t] = self._normal(t, None, here)
            return found
        return self._normal(t, record, here)

    def _normal(self, t: Flat, record: Record | None, here: tuple[int, ...]) -> Flat:
        if isinstance(t, int):
            done = self.step(t) if self.loose else None
            if done is None:
                return t
        else:
            args = tuple(self.normal(a, record, (*here, k)) for k, a in enumerate(t[1:], 1))
            t = (t[0], *args)
            done = self.step(t)
            if done is None:
                return t
        new, clause = done
        if record is not None:
            record.append((here, new, clause))
        return self.normal(new, record, here)

    def reducible(self, t: Flat, clause: int) -> bool:
        """Whether some subterm of ``t`` rewrites with ``clause``'s entries."""
        if self.step(t, only=clause) is not None:
            return True
        return not isinstance(t, int) and any(self.reducible(a, clause) for a in t[1:])


def replay(start: Flat, record: Record) -> list[tuple[Flat, int]]:
    """The whole terms after each recorded step, with the clause used.

    >>> replay((0, 1, 2), [((1,), 5, 9), ((), 5, 8)])
    [((0, 5, 2), 9), (5, 8)]
    """
    out, t = [], start
    for pos, new, clause in record:
        t = replace(t, pos, new)
        out.append((t, clause))
    return out


def _key(lhs: tuple) -> tuple[int, int | None, int | None]:
    """Index key of a left-hand side: its symbol and its first two arguments' (None: a
    variable or no argument)."""
    return lhs[0], *(_top(lhs[k]) if len(lhs) > k else None for k in (1, 2))


def _top(t: Flat) -> int | None:
    return None if type(t) is int else t[0]
