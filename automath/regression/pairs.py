"""Pair look-ups: three-part formulas, one part chosen by the weighted loop.

A formula ``y = (P op1 Q) op2 R`` — ``exp(x*y)*cos(x - y) + sin(x*x)``: ``P = sin(x*x)``,
``Q = exp(x*y)``, ``R = cos(x - y)`` — is a two-step goal through two elements (``(y - P) / Q``)
met by a third. The enumeration's two-step goals go through every element and then the
variables only, so such a formula of three 4-node parts stays out of reach; every pair of
small elements is too many to try in a fit's budget (267 × 267 pairs of 2-variable elements
up to 4 nodes: about 7 s on this machine). ``PairLookups`` tries the parts ``Q`` in the order
the weighted loop gives — the ascent of its objective on ``p0``, the gradient pushed onto every
generated element, weighted or not (``GuidedLoop.ascent``); elements up to 4 nodes, then up to
6 (``TIERS``) — a few per loop step, each with every partner ``P`` (the smallest elements, up
to ``PARTNER_SIZE`` nodes, at most ``PARTNERS``). The part that multiplies (or adds to) the
rest of the formula is close to the target, so the ascent ranks it high: on Hard-4 to -7 of
``benchmarks.datasets.HARD`` one such part is among the 10 of highest ascent of 267 or 828.
"""

from __future__ import annotations

from collections.abc import Iterator

import torch
from torch import Tensor

from automath.core.store import Store
from automath.regression.goals import Goals, ProjIndex

TIERS, PARTNER_SIZE, PARTNERS = (4, 6), 4, 512
"""Parts in tiers of at most 4 nodes, then at most 6 (each tier by the loop's ascent); the
largest partner (nodes), and how many partners at most."""


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
    """Parts in the loop's order, each tried once with every partner.

    >>> from automath.regression.data import data_domain
    >>> d = data_domain("nguyen", {"x": [0.5, 1.5, 2.5]}); st = d.new_store()
    >>> ids = [st.add_term(d.parse(t)) for t in ("sin(x)", "exp(x)", "cos(x)")]
    >>> y = st.values[ids[0]] * st.values[ids[1]] + st.values[ids[2]]  # sin(x)*exp(x) + cos(x)
    >>> goals, index = Goals(y, st), ProjIndex(3); index.add(st.values.double(), torch.arange(4))
    >>> pairs = PairLookups(goals, index)
    >>> part = pairs.next_parts(st, torch.tensor([0., 0., 1., 0.]), 1); part.tolist()  # exp(x)
    [2]
    >>> g, e = next(pairs.hits(st, part)); st.sympy(goals.build(st, g[0], e[0]))
    exp(x)*sin(x) + cos(x)
    """

    def __init__(self, goals: Goals, index: ProjIndex, tiers: tuple[int, ...] = TIERS,
                 partner_size: int = PARTNER_SIZE, partners: int = PARTNERS) -> None:
        self.goals, self.index = goals, index
        self.tiers, self.partner_size, self.partners = tiers, partner_size, partners
        self.done = torch.zeros(0, dtype=torch.bool)
        self.tried = 0  # parts tried so far

    def next_parts(self, store: Store, ascent: Tensor, k: int) -> Tensor:
        """The ``k`` untried parts of highest ``ascent`` (one value per element) in the first
        of ``tiers`` that has any left."""
        n = len(store)
        self.done = torch.cat([self.done, torch.zeros(n - len(self.done), dtype=torch.bool)])
        if len(ascent) < n:  # elements stored since the ascent was taken: ranked next time
            ascent = torch.cat([ascent, ascent.new_full((n - len(ascent),), torch.nan)])
        fresh = ~self.done & torch.isfinite(ascent[:n])
        for size in self.tiers:
            cand = (fresh & (store.size[:n] <= size)).nonzero().squeeze(1)
            if len(cand):
                pick = cand[torch.topk(ascent[cand], min(k, len(cand))).indices]
                self.done[pick] = True
                self.tried += len(pick)
                return pick
        return cand

    def hits(self, store: Store, parts: Tensor) -> Iterator[tuple[Tensor, Tensor]]:
        """(goal, element) hits of the two-step goals through every partner, then ``parts``."""
        partners = small_ids(store, self.partner_size, self.partners)
        if len(parts):
            yield from self.goals.deep(self.index, partners, parts, chunk=len(partners))
