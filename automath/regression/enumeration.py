"""Enumeration: the base by size levels and the goals by cost classes, cheapest first.

``size_levels`` builds every expression of a store by size (deduplicated), ``goal_classes``
grows the goals of ``automath.regression.goals.Goals`` by cost; the search interleaves the two.
Both pause instead of ending when ``stop()`` turns true: they yield ``PAUSED`` between units of
work (a rule of a size level, a chunk of goals) until ``stop()`` is false again, so a search
stopped at its budget continues where it was (a warm start) without redoing any of it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import torch
from torch import Tensor

from automath.core.generate import expand
from automath.core.store import Store
from automath.regression.goals import PAUSED, Goals


def tally(counts: dict[str, int] | None, what: str, n: int) -> None:
    """Add ``n`` evaluations of ``what`` to ``counts`` (if given).

    >>> c = {}; tally(c, "base", 3); tally(c, "base", 2); tally(None, "base", 1); c
    {'base': 5}
    """
    if counts is not None:
        counts[what] = counts.get(what, 0) + n


def commutes(kernel: Callable[..., Tensor]) -> bool:
    """Whether a binary kernel gives the same values with its arguments swapped.

    >>> commutes(torch.add), commutes(torch.sub)
    (True, False)
    """
    a, b = torch.rand(2, 8, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
    return bool(torch.equal(kernel(a, b), kernel(b, a)))


Allowed = Callable[[int, Tensor, Tensor | None], Tensor]  # (rule, left, right) -> keep mask


def size_levels(store: Store, cap: int | Callable[[], int], max_size: int = 64,
                stop: Callable[[], bool] = lambda: False, counts: dict[str, int] | None = None,
                allowed: Allowed | None = None) -> Iterator[tuple[int, Tensor | None]]:
    """Every expression by size, deduplicated: yields (size, new ids) while under ``cap``.

    A size level is built only if its estimated count (growth of the last level) fits under
    ``cap`` (a number, or a callable read each time): until it does, the generator yields
    ``(size, None)``; while ``stop()`` is true it yields ``(size, PAUSED)`` after the rule in
    progress. ``counts["base"]`` adds up the candidates evaluated. Elements in the store before
    a level is built (seeds of a warm start, elements the weighted loop added between two
    levels) join the level of their size. ``allowed`` (e.g. ``DimTable.allowed``: units)
    drops candidates before they are built or counted.

    >>> from automath.regression.data import DataKind
    >>> from automath.core.semantics import Semantics
    >>> from automath.core.term import Term
    >>> st = Store(DataKind({"x": [0.5, 2.0]}), Semantics(), ["add", "mul"])
    >>> _ = st.add_atoms([Term("var", token="x")])
    >>> [(s, len(ids)) for s, ids in size_levels(st, 100, max_size=5)]
    [(3, 2), (5, 4)]
    """
    limit = cap if callable(cap) else (lambda: cap)
    levels = {1: (store.size == 1).nonzero().squeeze(1)}
    comm = [int(a) == 2 and commutes(store.kernel(r)) for r, a in enumerate(store.arity)]
    sizes = [len(levels[1])]
    for s in range(2, max_size + 1):
        grow = sizes[-1] / max(sizes[-2], 1) if len(sizes) > 1 else 8.0
        if not callable(cap) and len(store) + sizes[-1] * grow > cap:
            return
        while len(store) + sizes[-1] * grow > limit():
            yield s, None
        before = len(store)
        for r, arity in enumerate(store.arity.tolist()):
            while stop():
                yield s, PAUSED
            tally(counts, "base", _level(store, levels, s, r, arity, comm[r], allowed))
        new = torch.arange(before, len(store))
        # of this size but in the store before the level: seeds of a warm start, and what
        # the weighted loop (its turns interleave with the enumeration) or look-ups added
        known = (store.size[:before] == s).nonzero().squeeze(1)
        levels[s] = torch.cat([known, new[store.size[new] == s]])
        sizes.append(max(len(levels[s]), 1))
        if len(levels[s]):
            yield s, levels[s]


def _level(store: Store, levels: dict[int, Tensor], s: int, r: int, arity: int,
           comm: bool, allowed: Allowed | None = None) -> int:
    """Build the part of size level ``s`` that rule ``r`` makes; returns the candidates."""
    n = 0
    if arity == 1 and s - 1 in levels:
        ids = levels[s - 1]
        ids = ids if allowed is None else ids[allowed(r, ids, None)]
        expand(store, r, ids)
        n += len(ids)
    for s1 in range(1, s - 1) if arity == 2 else ():
        a, b = levels.get(s1), levels.get(s - 1 - s1)
        if a is None or b is None or (comm and s1 > s - 1 - s1):
            continue
        left, right = a.repeat_interleave(len(b)), b.repeat(len(a))
        if allowed is not None:
            keep = allowed(r, left, right)
            left, right = left[keep], right[keep]
        expand(store, r, left, right)
        n += len(left)
    return n


def goal_classes(goals: Goals, siblings: Callable[[int], Tensor | None], cap: int,
                 chunk: int = 1 << 22, stop: Callable[[], bool] = lambda: False,
                 ) -> Iterator[tuple[int, Tensor]]:
    """Goals by cost (nodes outside the hole), cheapest first: yields (cost, new goal ids).

    ``siblings(s)`` gives the store's elements of size ``s`` (None: not enumerated yet); while
    ``stop()`` is true it yields ``(cost, PAUSED)`` between chunks.

    >>> from automath.regression.data import data_domain
    >>> st = data_domain("nguyen", {"x": [0.5, 1.5, 2.5]}).new_store()
    >>> goals = Goals(st.values[0] * 2, st)                       # the target x + x
    >>> [(c, len(ids)) for c, ids in goal_classes(goals, {1: torch.tensor([0])}.get, 20)][:2]
    [(1, 2), (2, 7)]
    """
    by_cost, none = {0: torch.tensor([0])}, torch.tensor([], dtype=torch.int64)
    for cost in range(1, 64):
        jobs = [(by_cost.get(cost - 1, none), None)]
        jobs += [(by_cost.get(c, none), siblings(cost - 1 - c)) for c in range(cost - 1)]
        parts = [none]
        for frontier, sib in jobs:
            if sib is not None and len(sib) == 0:
                continue
            width = 8 if sib is None else 6 * len(sib)
            step = max(1, chunk // (width * goals.values.shape[1]))
            for i in range(0, len(frontier), step):
                while stop():
                    yield cost, PAUSED
                if len(goals) >= cap:
                    break
                part = frontier[i:i + step]
                parts.append(goals.expand(part, none, limit=cap - len(goals)) if sib is None
                             else goals.expand(part, sib, unary=False, limit=cap - len(goals)))
        by_cost[cost] = torch.cat(parts)
        yield cost, by_cost[cost]
        if len(goals) >= cap:
            return
