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

from typing import NamedTuple

import numpy as np
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


def _slots(n: int, device: str | torch.device) -> Tensor:
    """``n`` empty slots, a key (``EMPTY``) and a value (-1) each; on the CPU in numpy's
    memory, which asks the kernel for huge pages (random probes then miss the TLB less).

    >>> _slots(2, "cpu").tolist() == [[EMPTY, -1]] * 2
    True
    """
    if torch.device(device).type != "cpu":
        return torch.tensor([EMPTY, MISSING], device=device).repeat(n, 1)
    slots = np.empty((n, 2), np.int64)
    slots[:, 0], slots[:, 1] = EMPTY, MISSING
    return torch.from_numpy(slots)


class HashTable:
    """Int64 keys (``EMPTY`` counted as ``EMPTY - 1``), each with an int64 value.

    >>> t = HashTable(); t.put(torch.tensor([7, -3, 7]), torch.tensor([1, 2, 3])).tolist()
    [True, True, False]
    >>> t.get(torch.tensor([-3, 7, 5])).tolist(), len(t)
    ([2, 1, -1], 2)
    """

    def __init__(self, device: str | torch.device = "cpu", bits: int = _MIN_BITS) -> None:
        self.bits, self.used = bits, 0  # used: an upper bound, exact after each growth
        slots = _slots(1 << bits, device)  # key and value side by side: one cache line
        self.keys, self.values = slots[:, 0], slots[:, 1]

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

    def reserve(self, total: int) -> None:
        """Grow the table so that ``total`` keys would fill at most half of it.

        >>> t = HashTable(); t.reserve(5000); t.keys.shape[0] >= 10000
        True
        """
        self._reserve(total)

    def _reserve(self, total: int) -> bool:
        """Where ``total`` keys would fill more than half the table, grow it (re-inserting
        every entry) until they fill at most a quarter; returns whether it grew. Growing
        fourfold re-inserts a third as often as doubling would."""
        if total <= (1 << self.bits) // 2:
            return False
        bits = self.bits
        while total > (1 << bits) // 4:
            bits += 1
        old = (self.keys, self.values)
        self.__init__(self.keys.device, bits)
        if FUSED and self.keys.device.type == "cpu":
            self.used = int(_rehash(*(t.numpy() for t in old), self.keys.numpy(),
                                    self.values.numpy(), bits))
            return True
        full = (old[0] != EMPTY).nonzero().squeeze(1)
        slot, _ = self.claim(old[0][full])  # distinct keys: each takes its own slot
        self.set(slot, old[1][full])
        return True


# The fused insert: one compiled pass per block of candidates (numba), the eager methods above
# its reference. Without numba it is plain Python (``FUSED`` is False and stores use the eager
# path); the algorithm is the same either way.

try:
    import numba
except ImportError:  # pragma: no cover - the eager torch path then serves every insert
    numba = None

FUSED = numba is not None
"""Whether the compiled insert is available (numba is installed)."""
_jit = numba.njit(cache=True, nogil=True, inline="always") if FUSED else (lambda f: f)
_ABS = (1 << 63) - 1
_TINY = 4472406533629990549  # the float64 bits of 1e-9: a smaller magnitude quantizes to 0
_HALF = 1 << 25
ID, HASH, BETTER = 0, 1, 2  # rows of the per-candidate array
POS, SIZE, SLOT = 0, 1, 2  # rows of the per-group array
GROUPS, CLASH, BETTERS, TOUCHED = 0, 1, 2, 3  # entries of the state array
_TOUCH = 256  # candidates read ahead at a time


@_jit
def _quantum(x, real):
    """One value quantized: itself (an integer kind), or float64 bits as RealKind rounds them
    (``hardshrink`` at 1e-9, then 26 mantissa bits rounded off)."""
    if not real:
        return np.int64(x)
    return np.int64(0) if (x & _ABS) <= _TINY else (x + _HALF) >> 26


@_jit
def _hash(vals, r, real, mult):
    """``fingerprint_hash`` of row ``r`` quantized (wrapping int64). Rows are passed as
    (array, index) throughout: a row view would cost two atomic reference counts; each loop
    is taken with ``real`` fixed, so that it vectorizes."""
    h = np.int64(0)
    if real:
        for d in range(vals.shape[1]):
            h += _quantum(vals[r, d], True) * mult[d]
    else:
        for d in range(vals.shape[1]):
            h += _quantum(vals[r, d], False) * mult[d]
    return h


@_jit
def _same_row(vals, r, values, i, real):
    """Whether ``vals[r]`` and ``values[i]`` quantize alike (equal values need no quantizing)."""
    same = True
    for d in range(vals.shape[1]):
        a, b = vals[r, d], values[i, d]
        same &= a == b or (real and _quantum(a, True) == _quantum(b, True))
    return same


@_jit
def _copy_row(dst, i, src, r):
    """``dst[i] = src[r]``, element by element (numba's slice assignment is far slower)."""
    for d in range(src.shape[1]):
        dst[i, d] = src[r, d]


@_jit
def _join(t, vals, r, size, ident, real, values, sizes, base, cand, groups, state):
    """Candidate ``t`` joins element ``ident``, whose hash it has: a new group's smaller
    candidate becomes its representative (its values stored), an old element's is noted for
    ``Store._improve``. False on a clash (same hash, another value)."""
    if not _same_row(vals, r, values, ident, real):
        state[CLASH] = 1
        return False
    cand[ID, t], g = ident, ident - base
    if g >= 0 and size < groups[SIZE, g]:
        groups[POS, g], groups[SIZE, g] = t, size
        _copy_row(values, ident, vals, r)
    elif g < 0 and size < sizes[ident]:
        cand[BETTER, state[BETTERS]] = t
        state[BETTERS] += 1
    return True


@_jit
def _claim(t, vals, r, size, slot, tvals, values, base, cand, groups, state):
    """Candidate ``t`` starts a new group in ``slot`` (its key written), with the temporary
    id ``base + group``."""
    g = state[GROUPS]
    tvals[slot] = base + g
    groups[POS, g], groups[SIZE, g], groups[SLOT, g] = t, size, slot
    _copy_row(values, base + g, vals, r)
    cand[ID, t] = base + g
    state[GROUPS] = g + 1


@_jit
def _touch(hashes, valid, lo, hi, tkeys, tvals, bits, values):
    """Read the table slots and stored rows that candidates ``lo:hi`` will probe, in a loop of
    independent loads (their memory waits overlap; the insert then finds them cached).
    Returns a sum of what it read, so that the reads stay."""
    mask, seen = (1 << bits) - 1, np.int64(0)
    for r in range(lo, hi):
        key = hashes[r] if hashes[r] != EMPTY else EMPTY - 1
        slot = ((key * _FIB) >> (64 - bits)) & mask
        while valid[r] and tkeys[slot] != EMPTY and tkeys[slot] != key:
            slot = (slot + 1) & mask
        if valid[r] and tkeys[slot] == key:
            seen += values[tvals[slot], 0] + values[tvals[slot], values.shape[1] - 1]
    return seen


@_jit
def _insert_block(vals, valid, size, t0, real, mult, tkeys, tvals, bits, values, sizes, base,
                  cand, groups, state):
    """Hash each valid candidate of a block (candidates ``t0`` on), probe from its home slot
    (as ``HashTable._home``): join the element there, or claim the empty slot that ends the
    probe. False on a clash, where the block stops. Runs of ``_TOUCH`` candidates are read
    ahead by ``_touch``."""
    mask, hashes = (1 << bits) - 1, cand[HASH, t0:t0 + vals.shape[0]]
    for r in range(vals.shape[0]):
        hashes[r] = _hash(vals, r, real, mult) if valid[r] else 0
    for r in range(vals.shape[0]):
        if r % _TOUCH == 0:
            state[TOUCHED] += _touch(hashes, valid, r, min(r + _TOUCH, vals.shape[0]), tkeys,
                                     tvals, bits, values)
        cand[ID, t0 + r] = MISSING
        if not valid[r]:
            continue
        key = hashes[r] if hashes[r] != EMPTY else EMPTY - 1
        slot = ((key * _FIB) >> (64 - bits)) & mask
        while tkeys[slot] != EMPTY and tkeys[slot] != key:
            slot = (slot + 1) & mask
        if tkeys[slot] == EMPTY:
            tkeys[slot] = key
            _claim(t0 + r, vals, r, size[r], slot, tvals, values, base, cand, groups, state)
        elif not _join(t0 + r, vals, r, size[r], tvals[slot], real, values, sizes, base,
                       cand, groups, state):
            return False
    return True


@_jit
def _ranks(m, groups, n):
    """Each new group's rank by its representative's position (``m`` candidates)."""
    mark = np.full(m, -1, np.int64)
    for g in range(n):
        mark[groups[POS, g]] = g
    rank, r = np.empty(n, np.int64), 0
    for t in range(m):
        if mark[t] >= 0:
            rank[mark[t]], r = r, r + 1
    return rank


@_jit
def _finish(m, n, base, cand, groups, tvals, values, columns, prov):
    """Give the ``n`` new groups their ids in their representatives' order: move their rows,
    write their columns (``prov``: hash, rule, left, right, size per candidate) and table
    values, and rename the candidates' temporary ids."""
    in_order = True  # representatives in group order: each id is its temporary one
    for g in range(1, n):
        in_order &= groups[POS, g - 1] < groups[POS, g]
    rank = np.arange(n) if in_order else _ranks(m, groups, n)
    if not in_order:  # a representative other than its group's first
        moved = values[base:base + n].copy()
        for g in range(n):
            _copy_row(values, base + rank[g], moved, g)
    for c in range(len(columns)):
        for g in range(n):
            columns[c][base + rank[g]] = prov[c][groups[POS, g]]
    if in_order:
        return
    for g in range(n):
        tvals[groups[SLOT, g]] = base + rank[g]
    for t in range(m):
        if cand[ID, t] >= base:
            cand[ID, t] = base + rank[cand[ID, t] - base]


class Buffers(NamedTuple):
    """A store's buffers as the fused insert writes them, each with room for the new rows."""

    values: np.ndarray  # (capacity, width): int64 bits for a real kind
    columns: tuple[np.ndarray, ...]  # keys, rule, left, right, size
    base: int  # the first new id


def fused_insert(table: HashTable, blocks, buffers: Buffers, prov: tuple[np.ndarray, ...],
                 real: bool, mult: np.ndarray) -> tuple[np.ndarray, np.ndarray, int] | None:
    """Insert candidates with provenance ``prov`` (rule, left, right, size per candidate),
    their values given as ``blocks`` of (first candidate, values, valid) or by a callable that
    inserts them all (``fused.Derivation``), into a store's
    ``table`` (with room for them all) and ``buffers``; ``real``: quantize float64 bits as
    RealKind, ``mult``: the hash's multipliers. Ids follow ``Store.insert``'s rules. Returns
    each candidate's id, the candidates that are smaller derivations of old elements, and
    the number of new elements; on a hash clash, None, the table as it was.

    >>> cols = tuple(np.zeros(8, np.int64) for _ in range(5))
    >>> buf, one = Buffers(np.zeros((8, 2), np.int64), cols, 0), np.ones(3, np.int64)
    >>> vals, t = np.array([[1, 2], [1, 2], [3, 4]]), HashTable()
    >>> ids, better, new = fused_insert(t, [(0, vals, one > 0)], buf, (one,) * 4, False,
    ...                                 np.array([3, 5])); ids.tolist(), new, len(t)
    ([0, 0, 1], 2, 2)
    """
    m = prov[0].shape[0]
    cand, groups, state = (np.empty((3, m), np.int64), np.empty((3, m), np.int64),
                           np.zeros(4, np.int64))
    keys = (table.keys.numpy(), table.values.numpy())
    run = blocks if callable(blocks) else _each_block(blocks)
    with np.errstate(over="ignore"):  # hashing wraps (numpy warns where numba is missing)
        if not run(table, buffers, prov, real, mult, cand, groups, state):
            _undo(keys, groups, int(state[GROUPS]))
            return None
    n = int(state[GROUPS])
    _finish(m, n, buffers.base, cand, groups, keys[1], buffers.values, buffers.columns,
            (cand[HASH], *prov))
    table.used += n
    return cand[ID], cand[BETTER, :state[BETTERS]], n


def _each_block(blocks):
    """The insert of ``blocks`` of (first candidate, values, valid) one compiled call each, as
    ``fused_insert`` runs a callable source (``fused.Derivation``: one call for them all)."""
    def run(table, buffers, prov, real, mult, cand, groups, state) -> bool:
        keys = (table.keys.numpy(), table.values.numpy())
        return all(_insert_block(vals, valid, prov[3][t0:], t0, real, mult, *keys, table.bits,
                                 buffers.values, buffers.columns[4], buffers.base, cand,
                                 groups, state) for t0, vals, valid in blocks)
    return run


@_jit
def _rehash(keys, values, new_keys, new_values, bits):
    """Every entry of a table (``keys``, ``values``) into an empty one of ``bits`` bits;
    returns how many."""
    mask, n = (1 << bits) - 1, 0
    for s in range(keys.shape[0]):
        if keys[s] != EMPTY:
            slot = ((keys[s] * _FIB) >> (64 - bits)) & mask
            while new_keys[slot] != EMPTY:
                slot = (slot + 1) & mask
            new_keys[slot], new_values[slot], n = keys[s], values[s], n + 1
    return n


@_jit
def _undo(table, groups, n):
    """Empty the slots that the first ``n`` new groups claimed."""
    for g in range(n):
        table[0][groups[SLOT, g]], table[1][groups[SLOT, g]] = EMPTY, MISSING
