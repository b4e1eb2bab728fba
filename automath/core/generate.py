"""Generation: apply constructors to parents in batched torch ops and record hyperedges."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import torch

from automath.core.errors import KeyRangeError
from automath.core.index import member, merge_sorted
from automath.core.store import NONE, Store

SHIFT = 28  # edge keys pack (rule, i, j) as rule << 56 | i << 28 | (j + 1), all below 2**63
ID_LIMIT = (1 << SHIFT) - 1  # ids 0 .. 2**28 - 2, so that j + 1 fits its 28 bits
RULE_LIMIT = 1 << (63 - 2 * SHIFT)  # 128 rules: keys stay non-negative int64, hence sortable


def check_key_range(n_ids: int, n_rules: int) -> None:
    """Raise ``KeyRangeError`` unless ``n_ids`` ids and ``n_rules`` rules fit edge keys.

    >>> check_key_range(ID_LIMIT, RULE_LIMIT)
    >>> check_key_range(ID_LIMIT + 1, 2)
    Traceback (most recent call last):
    ...
    automath.core.errors.KeyRangeError: 268435456 elements exceed the edge-key limit of \
268435455; lower the size bound or raise the cutoff
    """
    if n_ids > ID_LIMIT:
        raise KeyRangeError(f"{n_ids} elements exceed the edge-key limit of {ID_LIMIT}; "
                            "lower the size bound or raise the cutoff")
    if n_rules > RULE_LIMIT:
        raise KeyRangeError(f"{n_rules} rules exceed the edge-key limit of {RULE_LIMIT}; "
                            "use a grammar with fewer operators")


def edge_keys(rule: torch.Tensor | int, i: torch.Tensor, j: torch.Tensor) -> torch.Tensor:
    """One non-negative int64 per (rule, i, j), ``j = -1`` for unary rules; ids below
    ``ID_LIMIT`` and rules below ``RULE_LIMIT`` (see ``check_key_range``).

    >>> edge_keys(1, torch.tensor([2]), torch.tensor([-1])).tolist() == [1 << 56 | 2 << 28]
    True
    """
    return (torch.as_tensor(rule) << 2 * SHIFT) | (i << SHIFT) | (j + 1)


def split_keys(keys: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """The (rule, i, j) that ``edge_keys`` packed.

    >>> [t.tolist() for t in split_keys(edge_keys(3, torch.tensor([5]), torch.tensor([-1])))]
    [[3], [5], [-1]]
    """
    mask = (1 << SHIFT) - 1
    return keys >> 2 * SHIFT, (keys >> SHIFT) & mask, (keys & mask) - 1


@dataclass(frozen=True)
class Hyperedges:
    """Derivations ``rule(i, j) -> c`` (``j = -1`` for unary rules), as int64 tensors.

    >>> e = Hyperedges.empty().cat(Hyperedges(*(torch.tensor([v]) for v in (0, 1, 2, 3))))
    >>> len(e), e.keys().tolist() == [(1 << 28 | 3)]
    (1, True)
    """

    rule: torch.Tensor
    i: torch.Tensor
    j: torch.Tensor
    c: torch.Tensor

    @staticmethod
    def empty(device: str | torch.device = "cpu") -> Hyperedges:
        """No edges, as four empty int64 tensors on ``device``.

        >>> e = Hyperedges.empty(); len(e), e.c.dtype
        (0, torch.int64)
        """
        z = torch.empty(0, dtype=torch.int64, device=device)
        return Hyperedges(z, z, z, z)

    def __len__(self) -> int:
        return int(self.c.shape[0])

    def cat(self, other: Hyperedges) -> Hyperedges:
        """Both edge sets, one after the other.

        >>> e = Hyperedges(*(torch.tensor(v) for v in ([0, 1], [0, 2], [1, -1], [3, 4])))
        >>> e.cat(e.select(torch.tensor([False, True]))).c.tolist()
        [3, 4, 4]
        """
        if not len(other):  # values are immutable: share rather than copy
            return self
        if not len(self):
            return other
        return Hyperedges(*(torch.cat([a, b]) for a, b in zip(self.fields(), other.fields(),
                                                            strict=True)))

    def fields(self) -> tuple[torch.Tensor, ...]:
        """The four tensors in order: rule, i, j, c.

        >>> e = Hyperedges(*(torch.tensor(v) for v in ([0, 1], [0, 2], [1, -1], [3, 4])))
        >>> [f.tolist() for f in e.fields()]
        [[0, 1], [0, 2], [1, -1], [3, 4]]
        """
        return (self.rule, self.i, self.j, self.c)

    def select(self, mask: torch.Tensor) -> Hyperedges:
        """The edges where ``mask`` is true.

        >>> e = Hyperedges(*(torch.tensor(v) for v in ([0, 1], [0, 2], [1, -1], [3, 4])))
        >>> sel = e.select(e.j < 0); len(sel), sel.rule.tolist(), sel.c.tolist()
        (1, [1], [4])
        """
        return Hyperedges(*(f[mask] for f in self.fields()))

    def keys(self) -> torch.Tensor:
        """One int64 per edge identifying (rule, i, j) (``edge_keys``).

        >>> e = Hyperedges(*(torch.tensor(v) for v in ([0, 1], [0, 2], [1, -1], [3, 4])))
        >>> e.keys().tolist() == [0 << 56 | 0 << 28 | 2, 1 << 56 | 2 << 28 | 0]
        True
        """
        return edge_keys(self.rule, self.i, self.j)

    @cached_property
    def by_child(self) -> Hyperedges:
        """The same edges stably sorted by child, computed once per edge set (the evolution's
        scatter then writes memory in order; each child's edges keep their order).

        >>> cols = ([0, 1, 2], [5, 6, 7], [-1, 0, 1], [4, 3, 4])
        >>> e = Hyperedges(*(torch.tensor(v) for v in cols))
        >>> [f.tolist() for f in e.by_child.fields()], e.by_child is e.by_child
        ([[1, 0, 2], [6, 5, 7], [0, -1, 1], [3, 4, 4]], True)
        """
        c, order = torch.sort(self.c, stable=True)
        return Hyperedges(*(f.index_select(0, order) for f in (self.rule, self.i, self.j)), c)

    def to(self, device: str | torch.device) -> Hyperedges:
        """The same edges on another device.

        >>> e = Hyperedges(*(torch.tensor(v) for v in ([0, 1], [0, 2], [1, -1], [3, 4])))
        >>> m = e.to("meta"); m.c.device.type, len(m)
        ('meta', 2)
        """
        return Hyperedges(*(f.to(device) for f in self.fields()))


def expand(store: Store, rule: int, left: torch.Tensor, right: torch.Tensor | None = None,
           *, chunk: int = 1 << 18) -> Hyperedges:
    """Apply rule number ``rule`` to parent ids (pairs for binary rules), in chunks.

    >>> from automath.core.kinds import ModpKind
    >>> from automath.core.semantics import Semantics
    >>> from automath.core.term import Term
    >>> s = Store(ModpKind(k=4), Semantics(), rules=["add"])
    >>> ids = s.add_atoms([Term("var", token="x"), Term("var", token="y")])
    >>> e = expand(s, 0, ids.repeat(2), ids.repeat_interleave(2))
    >>> e.c.tolist()  # x+x, y+x, x+y (same as y+x), y+y
    [2, 3, 3, 4]
    """
    right = torch.full_like(left, NONE) if right is None else right
    c = torch.cat([left[:0]] + [_expand_chunk(store, rule, left[s:s + chunk], right[s:s + chunk])
                                for s in range(0, left.shape[0], chunk)])
    if not bool((c == NONE).any()):  # every candidate valid: share the parents' tensors
        return Hyperedges(torch.full_like(c, rule), left, right, c)
    ok = (c != NONE).nonzero().squeeze(1)  # index_select: faster than boolean masks
    return Hyperedges(torch.full_like(ok, rule), *(t.index_select(0, ok) for t in (left, right, c)))


def _expand_chunk(store: Store, rule: int, left: torch.Tensor,
                  right: torch.Tensor) -> torch.Tensor:
    """The ids of ``rule(left, right)`` inserted (-1: invalid), one chunk."""
    sizes = store.size
    size = 1 + sizes.index_select(0, left) + torch.where(
        right >= 0, sizes.index_select(0, right.clamp(min=0)), 0)
    return store.insert_derived(rule, left, right, size)


def weighted_pairs(weights: torch.Tensor, cutoff: float) -> tuple[torch.Tensor, torch.Tensor]:
    """All ordered pairs (i, j) with ``weights[i] * weights[j] >= cutoff``, vectorized.

    >>> i, j = weighted_pairs(torch.tensor([0.5, 0.3, 0.2]), 0.1)
    >>> sorted(zip(i.tolist(), j.tolist()))
    [(0, 0), (0, 1), (0, 2), (1, 0), (2, 0)]
    """
    w, order = torch.sort(weights, descending=True)
    pos = w > 0
    w, order = w[pos], order[pos]
    need = cutoff / w  # partner weight needed by each row
    counts = torch.searchsorted(-w, -need, right=True)
    rows = torch.repeat_interleave(torch.arange(w.shape[0], device=w.device), counts)
    starts = torch.cumsum(counts, 0) - counts
    cols = torch.arange(rows.shape[0], device=w.device) - starts[rows]
    return order[rows], order[cols]


def generate(store: Store, weights: torch.Tensor, cutoff: float, seen: torch.Tensor,
             *, chunk: int = 1 << 18) -> tuple[Hyperedges, torch.Tensor]:
    """Apply every rule to parents whose weight (product) passes ``cutoff``, skipping
    (rule, i, j) already in the sorted key tensor ``seen``; returns new edges and new ``seen``.

    >>> from automath.core.kinds import ModpKind
    >>> from automath.core.semantics import Semantics
    >>> from automath.core.term import Term
    >>> s = Store(ModpKind(k=4), Semantics(), rules=["add", "neg"])
    >>> _ = s.add_atoms([Term("var", token="x"), Term("var", token="y")])
    >>> e, seen = generate(s, torch.tensor([.5, .5]), .2, torch.empty(0, dtype=torch.int64))
    >>> e.rule.tolist(), e.c.tolist()  # x+x, x+y, y+x (= x+y), y+y, -x, -y
    ([0, 0, 0, 0, 1, 1], [2, 3, 3, 4, 5, 6])
    >>> len(generate(s, torch.tensor([.5, .5]), .2, seen)[0])  # every pair already seen
    0
    >>> e, _ = generate(s, torch.tensor([.9, .1]), .2, torch.empty(0, dtype=torch.int64))
    >>> [(r, i, j) for r, i, j, c in zip(*(f.tolist() for f in e.fields()))]  # x+x, -x
    [(0, 0, 0), (1, 0, -1)]
    """
    check_key_range(len(store), len(store.rules))
    edges, added = Hyperedges.empty(store.keys.device), []
    arities = store.arity.tolist()
    pairs = {a: _candidates(weights, cutoff, a) for a in set(arities) - {0}}  # once per arity
    for rule, arity in enumerate(arities):
        if arity not in pairs:  # a nullary rule has no parents to apply it to
            continue
        left, right = pairs[arity]
        keys = edge_keys(rule, left, right)
        fresh = ~member(seen, keys)  # keys hold the rule: other rules' new keys never match
        r = None if arity == 1 else right[fresh]
        edges = edges.cat(expand(store, rule, left[fresh], r, chunk=chunk))
        added.append(keys[fresh])
    new = torch.cat(added) if added else seen[:0]
    return edges, merge_sorted(seen, torch.sort(new).values) if new.numel() else seen


def _candidates(weights: torch.Tensor, cutoff: float,
                arity: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Parents of a rule of ``arity`` 1 or 2 (a store holds no larger) passing ``cutoff``."""
    if arity == 1:
        left = (weights >= cutoff).nonzero().squeeze(1)
        return left, torch.full_like(left, NONE)
    return weighted_pairs(weights, cutoff)

