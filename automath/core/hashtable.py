"""An int64 → int64 hash table in two tensors: open addressing, linear probing, vectorized.

Every operation works on a batch of keys at once: each key probes its own sequence of slots,
and the keys still probing take the next slot together, so a batch costs a few passes over
it (the table stays at most half full: about 1.5 probes per present key, 2.5 per absent one).
Inserting a batch claims empty slots by a scatter of each key's batch position (the first
wins), after which every key checks the slot it stands on: its own key there resolves it,
another key sends it on. Keys may take any int64 value; a slot is empty where its value is -1.
"""

from __future__ import annotations

import torch
from torch import Tensor

EMPTY = -1
_FIB = -7046029254386353131  # 2**64 / golden ratio, as a signed int64: Fibonacci hashing
_MIN_BITS = 10


class HashTable:
    """Distinct int64 keys, each with an int64 value ≥ 0.

    >>> t = HashTable(); t.put(torch.tensor([7, -3, 7]), torch.tensor([1, 2, 3])).tolist()
    [True, True, False]
    >>> t.get(torch.tensor([-3, 7, 5])).tolist(), len(t)
    ([2, 1, -1], 2)
    """

    def __init__(self, device: str | torch.device = "cpu", bits: int = _MIN_BITS) -> None:
        self.bits, self.used = bits, 0
        self.keys = torch.zeros(1 << bits, dtype=torch.int64, device=device)
        self.values = torch.full((1 << bits,), EMPTY, dtype=torch.int64, device=device)

    def __len__(self) -> int:
        return self.used

    def _home(self, keys: Tensor) -> Tensor:
        """Each key's first slot: the top ``bits`` bits of ``key * _FIB``."""
        return ((keys * _FIB) >> (64 - self.bits)) & ((1 << self.bits) - 1)

    def find(self, keys: Tensor) -> tuple[Tensor, Tensor]:
        """Per key: the slot holding it, or the empty slot that ends its probe; and whether
        it was found.

        >>> t = HashTable(); _ = t.put(torch.tensor([4]), torch.tensor([0]))
        >>> slot, hit = t.find(torch.tensor([4, 5])); hit.tolist()
        [True, False]
        """
        slot, hit = self._home(keys), torch.zeros_like(keys, dtype=torch.bool)
        todo = torch.arange(keys.shape[0], device=keys.device)
        mask = (1 << self.bits) - 1
        while todo.numel():
            s = slot.index_select(0, todo)
            occupied = self.values.index_select(0, s) != EMPTY
            same = occupied & (self.keys.index_select(0, s) == keys.index_select(0, todo))
            hit[todo[same]] = True
            todo = todo[occupied & ~same]
            slot[todo] = (slot.index_select(0, todo) + 1) & mask
        return slot, hit

    def get(self, keys: Tensor) -> Tensor:
        """The value of each key, or -1 where it is absent.

        >>> HashTable().get(torch.tensor([3])).tolist()
        [-1]
        """
        slot, hit = self.find(keys)
        return torch.where(hit, self.values.index_select(0, slot), EMPTY)

    def claim(self, keys: Tensor) -> tuple[Tensor, Tensor, Tensor]:
        """Insert the absent keys (equal keys share one slot); returns each key's slot, the
        slots newly taken and, for each, the first position in ``keys`` of the key it holds.
        New slots hold no value yet: the caller writes theirs with :meth:`set`.

        >>> t = HashTable(); slot, new, first = t.claim(torch.tensor([9, 8, 9]))
        >>> bool(slot[0] == slot[2]), bool(slot[0] != slot[1]), sorted(first.tolist()), len(t)
        (True, True, [0, 1], 2)
        """
        slot, hit = self.find(keys)
        if self._reserve(self.used + int((~hit).sum())):
            slot, hit = self.find(keys)
        todo, taken = (~hit).nonzero().squeeze(1), []
        while todo.numel():
            todo, won = self._claim_round(keys, slot, todo)
            taken.append(won)
        new = torch.cat(taken) if taken else slot[:0]
        self.used += new.shape[0]
        return slot, new, self.values.index_select(0, new) + keys.shape[0] + 1

    def _claim_round(self, keys: Tensor, slot: Tensor, todo: Tensor) -> tuple[Tensor, Tensor]:
        """One round: keys standing on an empty slot claim it (the first in the batch wins:
        bids ``position - n - 1`` are below -1, and the least stays), then each key resolves
        where its own key now stands, or moves one slot on."""
        s = slot.index_select(0, todo)
        free = self.values.index_select(0, s) == EMPTY
        bid, fs = todo[free] - (keys.shape[0] + 1), s[free]
        self.values.scatter_reduce_(0, fs, bid, "amin")
        won = fs[self.values.index_select(0, fs) == bid]
        self.keys[won] = keys.index_select(0, self.values.index_select(0, won) + keys.shape[0]
                                           + 1)
        same = self.keys.index_select(0, s) == keys.index_select(0, todo)
        todo = todo[~same]
        slot[todo] = (slot.index_select(0, todo) + 1) & ((1 << self.bits) - 1)
        return todo, won

    def set(self, slots: Tensor, values: Tensor) -> None:
        """Write values (≥ 0) into slots that :meth:`find` or :meth:`claim` gave.

        >>> t = HashTable(); slot, new, _ = t.claim(torch.tensor([5]))
        >>> t.set(new, torch.tensor([3])); t.get(torch.tensor([5])).tolist()
        [3]
        """
        self.values[slots] = values

    def put(self, keys: Tensor, values: Tensor) -> Tensor:
        """Insert keys absent so far with their values (a repeated new key: its first
        value); returns which keys were inserted with their own value.

        >>> t = HashTable(); t.put(torch.tensor([1, 1]), torch.tensor([5, 6])).tolist()
        [True, False]
        """
        _, new, first = self.claim(keys)
        self.set(new, values.index_select(0, first))
        mine = torch.zeros_like(keys, dtype=torch.bool)
        mine[first] = True
        return mine

    def add(self, keys: Tensor, values: Tensor, presorted: bool = False) -> None:
        """:meth:`put`, as a store's index is called (``presorted`` is not needed here).

        >>> t = HashTable(); t.add(torch.tensor([2]), torch.tensor([0])); len(t)
        1
        """
        self.put(keys, values)

    def _reserve(self, total: int) -> bool:
        """Double the table (re-inserting every entry) until ``total`` keys fill at most
        half of it; returns whether it grew."""
        bits = self.bits
        while total > (1 << bits) // 2:
            bits += 1
        if bits == self.bits:
            return False
        full = (self.values != EMPTY).nonzero().squeeze(1)
        keys, values = self.keys[full], self.values[full]
        self.__init__(self.keys.device, bits)
        _, new, first = self.claim(keys)  # distinct keys: each takes its own slot
        self.set(new, values.index_select(0, first))
        return True
