"""An int64 → int64 hash table in two tensors: open addressing, linear probing, vectorized.

Every operation works on a batch of keys at once: each key probes its own sequence of slots,
and the keys still probing take the next slot together, so a batch costs a few passes over
it (the table stays at most half full, and a quarter full after it grows).
An empty slot holds the key ``EMPTY`` (2**63 - 1), so a probe reads one tensor; a key equal
to ``EMPTY`` is stored as ``EMPTY - 1`` (the two share an entry: a store confirms every match
by value). Inserting a batch claims empty slots by an ``amin`` scatter of the keys standing on
them (the least key wins, whatever the batch order), after which every key checks the slot
it stands on: its own key there resolves it, another key sends it one slot on.
"""

from __future__ import annotations

import torch
from torch import Tensor

EMPTY = (1 << 63) - 1
MISSING = -1
_FIB = -7046029254386353131  # 2**64 / golden ratio, as a signed int64: Fibonacci hashing
_MIN_BITS = 10


def table_keys(keys: Tensor) -> Tensor:
    """The keys as the table stores them (``EMPTY`` becomes ``EMPTY - 1``).

    >>> table_keys(torch.tensor([EMPTY, 5])).tolist() == [EMPTY - 1, 5]
    True
    """
    return torch.where(keys == EMPTY, EMPTY - 1, keys)


class HashTable:
    """Int64 keys (``EMPTY`` counted as ``EMPTY - 1``), each with an int64 value.

    >>> t = HashTable(); t.put(torch.tensor([7, -3, 7]), torch.tensor([1, 2, 3])).tolist()
    [True, True, False]
    >>> t.get(torch.tensor([-3, 7, 5])).tolist(), len(t)
    ([2, 1, -1], 2)
    """

    def __init__(self, device: str | torch.device = "cpu", bits: int = _MIN_BITS) -> None:
        self.bits, self.used = bits, 0  # used: an upper bound, exact after each growth
        self.keys = torch.full((1 << bits,), EMPTY, dtype=torch.int64, device=device)
        self.values = torch.full((1 << bits,), MISSING, dtype=torch.int64, device=device)

    def __len__(self) -> int:
        return int((self.keys != EMPTY).sum())

    def _home(self, keys: Tensor) -> Tensor:
        """Each key's first slot: the top ``bits`` bits of ``key * _FIB``."""
        return ((keys * _FIB) >> (64 - self.bits)) & ((1 << self.bits) - 1)

    def find(self, keys: Tensor) -> tuple[Tensor, Tensor]:
        """Per key (as ``table_keys`` gives): the slot holding it, or the empty slot that ends
        its probe; and whether it was found.

        >>> t = HashTable(); _ = t.put(torch.tensor([4]), torch.tensor([0]))
        >>> slot, hit = t.find(torch.tensor([4, 5])); hit.tolist()
        [True, False]
        """
        slot = self._home(keys)
        stored = self.keys.index_select(0, slot)
        hit = stored == keys
        todo = ((stored != EMPTY) & ~hit).nonzero().squeeze(1)
        mask = (1 << self.bits) - 1
        while todo.numel():
            s = (slot.index_select(0, todo) + 1) & mask
            slot[todo] = s
            stored = self.keys.index_select(0, s)
            same = stored == keys.index_select(0, todo)
            hit[todo[same]] = True
            todo = todo[(stored != EMPTY) & ~same]
        return slot, hit

    def get(self, keys: Tensor) -> Tensor:
        """The value of each key, or -1 where it is absent.

        >>> HashTable().get(torch.tensor([3])).tolist()
        [-1]
        """
        return self.probe(keys)[0]

    def probe(self, keys: Tensor) -> tuple[Tensor, Tensor]:
        """The value of each key (or -1), and the slot :meth:`find` ends on, which
        :meth:`claim` may start from while the table is unchanged.

        >>> t = HashTable(); value, slot = t.probe(torch.tensor([3]))
        >>> bool(t.claim(torch.tensor([3]), slot)[0] == slot)
        True
        """
        slot, hit = self.find(table_keys(keys))
        return torch.where(hit, self.values.index_select(0, slot), MISSING), slot

    def claim(self, keys: Tensor, start: Tensor | None = None) -> tuple[Tensor, Tensor]:
        """Insert the absent keys (equal keys share one slot; their values are left to the
        caller); returns each key's slot and whether the key was absent. ``start``: the
        slots :meth:`probe` gave for these keys, all absent, on the table as it is now.

        >>> t = HashTable(); slot, new = t.claim(torch.tensor([9, 8, 9]))
        >>> bool(slot[0] == slot[2]), bool(slot[0] != slot[1]), new.tolist(), len(t)
        (True, True, [True, True, True], 2)
        """
        keys = table_keys(keys)
        if start is None:
            slot, hit = self.find(keys)
        else:
            slot, hit = start.clone(), torch.zeros_like(keys, dtype=torch.bool)
        if self._reserve(self.used + int((~hit).sum())):
            slot, hit = self.find(keys)
        todo = (~hit).nonzero().squeeze(1)
        self.used += todo.shape[0]
        while todo.numel():
            todo = self._claim_round(keys, slot, todo)
        return slot, ~hit

    def _claim_round(self, keys: Tensor, slot: Tensor, todo: Tensor) -> Tensor:
        """One round: the keys ``todo`` claim the empty slots they stand on (the least key
        wins), then each key resolves where its own key now stands, or moves one slot on."""
        s, k = slot.index_select(0, todo), keys.index_select(0, todo)
        free = self.keys.index_select(0, s) == EMPTY
        self.keys.scatter_reduce_(0, s[free], k[free], "amin")
        moved = todo[self.keys.index_select(0, s) != k]
        slot[moved] = (slot.index_select(0, moved) + 1) & ((1 << self.bits) - 1)
        return moved

    def least(self, slot: Tensor, score: Tensor) -> Tensor:
        """Whether each entry's ``score`` is the least of the entries at its slot (scores
        below ``EMPTY``); the slots' values are overwritten, for the caller to :meth:`set`.

        >>> t = HashTable(); slot, _ = t.claim(torch.tensor([9, 8, 9]))
        >>> t.least(slot, torch.tensor([5, 7, 2])).tolist()
        [False, True, True]
        """
        self.values.index_fill_(0, slot, EMPTY)
        self.values.scatter_reduce_(0, slot, score, "amin")
        return self.values.index_select(0, slot) == score

    def set(self, slots: Tensor, values: Tensor) -> None:
        """Write values into slots that :meth:`find` or :meth:`claim` gave.

        >>> t = HashTable(); slot, _ = t.claim(torch.tensor([5]))
        >>> t.set(slot, torch.tensor([3])); t.get(torch.tensor([5])).tolist()
        [3]
        """
        self.values[slots] = values

    def put(self, keys: Tensor, values: Tensor) -> Tensor:
        """Insert keys absent so far with their values (a repeated new key: its first
        value); returns which keys were inserted with their own value.

        >>> t = HashTable(); t.put(torch.tensor([1, 1]), torch.tensor([5, 6])).tolist()
        [True, False]
        """
        slot, new = self.claim(keys)
        pos = new.nonzero().squeeze(1)
        mine = torch.zeros_like(new)
        mine[pos[self.least(slot.index_select(0, pos), pos)]] = True
        self.set(slot[mine], values[mine])
        return mine

    def add(self, keys: Tensor, values: Tensor, presorted: bool = False) -> None:
        """:meth:`put`, as a store's index is called (``presorted`` is not needed here).

        >>> t = HashTable(); t.add(torch.tensor([2]), torch.tensor([0])); len(t)
        1
        """
        self.put(keys, values)

    def _reserve(self, total: int) -> bool:
        """Where ``total`` keys would fill more than half the table, grow it (re-inserting
        every entry) until they fill at most a quarter; returns whether it grew. Growing
        fourfold re-inserts a third as often as doubling would."""
        if total <= (1 << self.bits) // 2:
            return False
        bits = self.bits
        while total > (1 << bits) // 4:
            bits += 1
        full = (self.keys != EMPTY).nonzero().squeeze(1)
        keys, values = self.keys[full], self.values[full]
        self.__init__(self.keys.device, bits)
        slot, _ = self.claim(keys)  # distinct keys: each takes its own slot
        self.set(slot, values)
        return True
