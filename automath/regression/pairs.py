"""Pair look-ups: three-part formulas, the first part chosen by the weighted loop.

A formula ``y = (P op1 Q) op2 R`` — ``exp(x*y)*cos(x - y) + sin(x*x)``: ``P = sin(x*x)``,
``Q = exp(x*y)``, ``R = cos(x - y)`` — is a two-step goal through two elements (``(y - P) / Q``)
met by a third. The enumeration's two-step goals go through every element and then the
variables only, so such a formula of three 4-node parts stays out of reach; every pair of
small elements is too many to try in a fit's budget (267 × 267 pairs of 2-variable elements
up to 4 nodes: about 7 s on this machine). ``PairLookups`` tries them in the order the weighted
loop gives: the first parts ``P`` (elements up to 4 nodes, then up to 6: ``FIRST_SIZES``) by the
ascent of the
loop's objective on ``p0`` (the gradient pushed onto every generated element, weighted or not:
``GuidedLoop.ascent``), a few per loop step, each with every second part ``Q`` (the smallest
elements, up to ``SECOND_SIZE`` nodes, at most ``SECONDS``).
"""

from __future__ import annotations

from collections.abc import Iterator

import torch
from torch import Tensor

from automath.core.store import Store
from automath.regression.goals import Goals, ProjIndex

FIRST_SIZES, SECOND_SIZE, SECONDS = (4, 6), 4, 512
"""First parts in tiers of at most 4 nodes, then at most 6 (each tier by the loop's ascent);
the largest second part (nodes), and how many second parts at most."""


def small_ids(store: Store, max_size: int, limit: int | None = None) -> Tensor:
    """Elements of at most ``max_size`` nodes, smallest first (then by id), at most ``limit``.

    >>> from automath.regression.data import data_domain
    >>> d = data_domain("nguyen", {"x": [0.5, 1.5]}); st = d.new_store()
    >>> _ = st.add_term(d.parse("x + x")); _ = st.add_term(d.parse("sin(x)"))
    >>> small_ids(st, 2).tolist(), small_ids(st, 3, limit=2).tolist()
    ([0, 2], [0, 2])
    """
    ids = (store.size <= max_size).nonzero().squeeze(1)
    ids = ids[torch.argsort(store.size[ids], stable=True)]
    return ids if limit is None else ids[:limit]


class PairLookups:
    """First parts in the loop's order, each tried once with every second part.

    >>> from automath.regression.data import data_domain
    >>> d = data_domain("nguyen", {"x": [0.5, 1.5, 2.5]}); st = d.new_store()
    >>> ids = [st.add_term(d.parse(t)) for t in ("sin(x)", "exp(x)", "cos(x)")]
    >>> y = st.values[ids[0]] * st.values[ids[1]] + st.values[ids[2]]  # sin(x)*exp(x) + cos(x)
    >>> goals, index = Goals(y, st), ProjIndex(3); index.add(st.values.double(), torch.arange(4))
    >>> pairs = PairLookups(goals, index)
    >>> first = pairs.next_parts(st, torch.tensor([0., 0., 0., 1.]), 1); first.tolist()
    [3]
    >>> g, e = next(pairs.hits(st, first)); st.sympy(goals.build(st, g[0], e[0]))
    exp(x)*sin(x) + cos(x)
    """

    def __init__(self, goals: Goals, index: ProjIndex,
                 first_sizes: tuple[int, ...] = FIRST_SIZES, second_size: int = SECOND_SIZE,
                 seconds: int = SECONDS) -> None:
        self.goals, self.index = goals, index
        self.first_sizes, self.second_size, self.seconds = first_sizes, second_size, seconds
        self.done = torch.zeros(0, dtype=torch.bool)
        self.tried = 0  # first parts tried so far

    def next_parts(self, store: Store, ascent: Tensor, k: int) -> Tensor:
        """The ``k`` untried first parts of highest ``ascent`` (one value per element) in the
        first tier of ``first_sizes`` that has any left."""
        n = len(store)
        self.done = torch.cat([self.done, torch.zeros(n - len(self.done), dtype=torch.bool)])
        fresh = ~self.done & torch.isfinite(ascent[:n])
        for size in self.first_sizes:
            cand = (fresh & (store.size[:n] <= size)).nonzero().squeeze(1)
            if len(cand):
                pick = cand[torch.topk(ascent[cand], min(k, len(cand))).indices]
                self.done[pick] = True
                self.tried += len(pick)
                return pick
        return cand

    def hits(self, store: Store, parts: Tensor) -> Iterator[tuple[Tensor, Tensor]]:
        """(goal, element) hits of the two-step goals through ``parts`` and every second part."""
        second = small_ids(store, self.second_size, self.seconds)
        if len(parts):
            yield from self.goals.deep(self.index, parts, second, chunk=len(parts))
