"""Sorted int64 keys: binary-search membership and lookup, linear merges without a sort, and
sets of keys kept as sorted runs of geometric sizes (amortized O(log N) per insert).
"""

from __future__ import annotations

from collections.abc import Iterator

import torch
from torch import Tensor


def positions(sorted_keys: Tensor, keys: Tensor) -> Tensor:
    """Where each key is, or would go, in non-empty ``sorted_keys``, clamped to an index.

    >>> positions(torch.tensor([1, 4, 9]), torch.tensor([4, 5, 10])).tolist()
    [1, 2, 2]
    """
    return torch.searchsorted(sorted_keys, keys).clamp(max=sorted_keys.shape[0] - 1)


def member(sorted_keys: Tensor, keys: Tensor) -> Tensor:
    """Which keys occur in ``sorted_keys``.

    >>> member(torch.tensor([1, 4, 9]), torch.tensor([4, 5, 10])).tolist()
    [True, False, False]
    >>> member(torch.tensor([], dtype=torch.int64), torch.tensor([1])).tolist()
    [False]
    """
    if sorted_keys.numel() == 0:
        return torch.zeros_like(keys, dtype=torch.bool)
    return sorted_keys[positions(sorted_keys, keys)] == keys


def lookup(sorted_keys: Tensor, values: Tensor, keys: Tensor, missing: int = -1) -> Tensor:
    """The value stored beside each key (``values`` is parallel to ``sorted_keys``), or
    ``missing``.

    >>> lookup(torch.tensor([1, 4]), torch.tensor([10, 40]), torch.tensor([4, 2])).tolist()
    [40, -1]
    """
    if sorted_keys.numel() == 0:
        return torch.full_like(keys, missing)
    pos = positions(sorted_keys, keys)
    return torch.where(sorted_keys[pos] == keys, values[pos], missing)


def merge_positions(a: Tensor, b: Tensor) -> tuple[Tensor, Tensor]:
    """Where each entry of sorted ``a`` and of sorted ``b`` goes in their sorted union (ties:
    ``a``'s first), found by binary search: a linear merge without a sort.

    >>> pa, pb = merge_positions(torch.tensor([1, 4, 9]), torch.tensor([2, 4, 10]))
    >>> pa.tolist(), pb.tolist()
    ([0, 2, 4], [1, 3, 5])
    """
    pa = torch.arange(len(a), device=a.device) + torch.searchsorted(b, a)
    pb = torch.arange(len(b), device=b.device) + torch.searchsorted(a, b, right=True)
    return pa, pb


def merge_sorted(a: Tensor, b: Tensor) -> Tensor:
    """The sorted union (with repeats) of two sorted tensors, in one linear pass.

    >>> merge_sorted(torch.tensor([1, 4, 9]), torch.tensor([2, 4, 10])).tolist()
    [1, 2, 4, 4, 9, 10]
    """
    out, (pa, pb) = a.new_empty(a.shape[0] + b.shape[0]), merge_positions(a, b)
    out[pa], out[pb] = a, b
    return out


def merge_pairs(ka: Tensor, va: Tensor, kb: Tensor, vb: Tensor) -> tuple[Tensor, Tensor]:
    """Merge two key-sorted runs of (key, value) into one (ties: the first run's pairs first).

    >>> k, v = merge_pairs(torch.tensor([1, 3, 3]), torch.tensor([0, 1, 2]),
    ...                    torch.tensor([2, 3]), torch.tensor([3, 4]))
    >>> k.tolist(), v.tolist()
    ([1, 2, 3, 3, 3], [0, 3, 1, 2, 4])
    """
    pa, pb = merge_positions(ka, kb)
    keys, values = ka.new_empty(len(ka) + len(kb)), va.new_empty(len(va) + len(vb))
    keys[pa], keys[pb], values[pa], values[pb] = ka, kb, va, vb
    return keys, values


def first_occurrences(keys: Tensor) -> tuple[Tensor, Tensor, Tensor]:
    """The distinct keys (sorted), each key's index among them, and where each distinct key
    first occurs.

    >>> [t.tolist() for t in first_occurrences(torch.tensor([7, 3, 7, 5, 3]))]
    [[3, 5, 7], [2, 0, 2, 1, 0], [1, 3, 0]]
    """
    uniq, inv = torch.unique(keys, return_inverse=True)
    first = torch.full_like(uniq, len(keys)).scatter_reduce(
        0, inv, torch.arange(len(keys), device=keys.device), "amin")
    return uniq, inv, first


def smallest_per_target(target: Tensor, size: Tensor) -> Tensor:
    """Per distinct target (ascending), the position of its smallest ``size``, ties to the
    first position: one winner each, so that writing ``t[target[w]] = v[w]`` is well defined.

    >>> smallest_per_target(torch.tensor([4, 2, 4, 4, 2]), torch.tensor([5, 3, 1, 1, 3])).tolist()
    [1, 2]
    """
    order = torch.argsort(size, stable=True)
    order = order[torch.argsort(target[order], stable=True)]  # by target, size, position
    t = target[order]
    first = torch.ones_like(t, dtype=torch.bool)
    first[1:] = t[1:] != t[:-1]
    return order[first]


class SortedRuns:
    """Int64 keys, each with an optional int64 value, as sorted runs of geometric sizes.

    A new run merges (linearly) with the runs no larger than twice its size, so there are
    O(log N) runs and every key is merged O(log N) times.

    >>> s = SortedRuns(); s.add(torch.tensor([5, 1])); s.add(torch.tensor([3]))
    >>> s.contains(torch.tensor([1, 2, 3])).tolist()
    [True, False, True]
    >>> ids = SortedRuns(); ids.add(torch.tensor([7, 2]), torch.tensor([0, 1]))
    >>> [(hit.tolist(), v.tolist()) for hit, v in ids.hits(torch.tensor([2, 3, 7]))]
    [([0, 2], [1, 0])]
    """

    def __init__(self) -> None:
        self.runs: list[tuple[Tensor, Tensor | None]] = []

    def add(self, keys: Tensor, values: Tensor | None = None, *, presorted: bool = False,
            ) -> None:
        """Add keys (with ``values``, if any; ``presorted``: already in key order) as a run.

        >>> s = SortedRuns(); s.add(torch.tensor([2, 1])); s.add(torch.tensor([3]))
        >>> [run.tolist() for run, _ in s.runs]
        [[1, 2, 3]]
        """
        if keys.numel() == 0:
            return
        if not presorted:
            order = torch.argsort(keys, stable=True)
            keys, values = keys[order], None if values is None else values[order]
        while self.runs and self.runs[-1][0].shape[0] <= 2 * keys.shape[0]:
            keys, values = _merge(*self.runs.pop(), keys, values)
        self.runs.append((keys, values))

    def hits(self, sorted_keys: Tensor) -> Iterator[tuple[Tensor, Tensor]]:
        """For each run: the positions of the query keys found in it, and the values found.
        Sorted queries make each binary search walk the run in order.

        >>> s = SortedRuns(); s.add(torch.tensor([4]), torch.tensor([9]))
        >>> [(h.tolist(), v.tolist()) for h, v in s.hits(torch.tensor([1, 4]))]
        [([1], [9])]
        """
        for run, values in self.runs:
            pos = positions(run, sorted_keys)
            hit = (run[pos] == sorted_keys).nonzero().squeeze(1)
            yield hit, (run if values is None else values)[pos[hit]]

    def contains(self, keys: Tensor) -> Tensor:
        """Which keys are in the set.

        >>> s = SortedRuns(); s.add(torch.tensor([4, 8]))
        >>> s.contains(torch.tensor([8, 5])).tolist()
        [True, False]
        """
        out = torch.zeros_like(keys, dtype=torch.bool)
        for run, _ in self.runs:
            out |= run[positions(run, keys)] == keys
        return out


def _merge(ka: Tensor, va: Tensor | None, kb: Tensor,
           vb: Tensor | None) -> tuple[Tensor, Tensor | None]:
    if va is None or vb is None:
        return merge_sorted(ka, kb), None
    return merge_pairs(ka, va, kb, vb)
