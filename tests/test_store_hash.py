"""Dedup by a hash table (issue 18.1): the hash table against a Python dict, and a store
deduplicating by it against the sorted-run reference store and a Python oracle of the id
rules (equal quantized rows share an id; a new group is represented by its smallest size,
then its first candidate; new ids follow the representatives' order), on random workloads of
every shipped kind."""

from __future__ import annotations

import pytest
import torch

import automath.core.store as store_module
from automath.core.catalog import kind_names, make_kind
from automath.core.errors import SemanticsError
from automath.core.hashtable import EMPTY, HashTable
from automath.core.semantics import Op, Semantics
from automath.core.store import COLUMNS, Store

DEDUPS = ("fused", "hash", "sort")  # the compiled insert, the eager hash table, the reference
VARIABLES = {"seq": ("n",)}  # every other kind: x, y, z


def test_hash_table_agrees_with_a_dict_over_growing_batches():
    g, table, ref = torch.Generator().manual_seed(0), HashTable(), {}
    extremes = torch.tensor([0, -1, 1, -2**63, 2**63 - 2, -2**63 + 1])
    for step in range(12):
        keys = torch.cat([torch.randint(-2**62, 2**62, (300,), generator=g),
                          torch.randint(-40, 40, (300,), generator=g), extremes])
        keys = keys[torch.randperm(keys.shape[0], generator=g)]
        values = torch.arange(keys.shape[0]) + 1000 * step
        mine = table.put(keys, values)
        expect = [k not in ref and k not in keys.tolist()[:t] for t, k in enumerate(keys.tolist())]
        assert mine.tolist() == expect
        for k, v, new in zip(keys.tolist(), values.tolist(), expect, strict=True):
            if new:
                ref[k] = v
        probe = torch.cat([keys, torch.randint(-2**62, 2**62, (200,), generator=g)])
        assert table.get(probe).tolist() == [ref.get(k, -1) for k in probe.tolist()]
        assert len(table) == len(ref) <= table.keys.shape[0] // 2


def test_the_empty_marker_key_shares_an_entry_with_its_neighbour():
    """2**63 - 1 marks empty slots, so as a key it counts as 2**63 - 2 (documented; a store
    confirms every match by value, so for it the two are a clash)."""
    table = HashTable()
    assert table.put(torch.tensor([EMPTY, EMPTY - 1]), torch.tensor([4, 5])).tolist() \
        == [True, False]
    assert table.get(torch.tensor([EMPTY - 1, EMPTY])).tolist() == [4, 4]


def kinds() -> list[str]:
    return [n.replace(":n", ":5") for n in kind_names()]


def make(name: str):
    return make_kind(name, k=8, variables=VARIABLES.get(name, ("x", "y", "z")))


def pool(kind, n: int, g: torch.Generator) -> torch.Tensor:
    """``n`` values of the kind: its variables' (and constants 0, 1, 2's) values mixed sample
    by sample (each sample of a mix is a sample of an atom, so a value of the kind)."""
    atoms = torch.stack([kind.variable(v) for v in kind.variables] + constants(kind))
    base = atoms[torch.randint(0, atoms.shape[0], (n, kind.k), generator=g)]  # (n, k, a, ...)
    pick = torch.arange(kind.k)[None, :].expand(n, -1)
    return base[torch.arange(n)[:, None], pick, torch.arange(kind.k)[None, :]]


def constants(kind) -> list[torch.Tensor]:
    out = []
    for c in "012":
        try:
            out.append(kind.constant(c).expand(kind.shape))
        except (SemanticsError, ValueError, TypeError):  # a kind without numerals
            pass
    return out


class Oracle:
    """The id rules in plain Python, over rows as tuples of their quantized values."""

    def __init__(self) -> None:
        self.ids: dict[tuple, int] = {}

    def insert(self, rows: list[tuple | None], sizes: list[int]) -> list[int]:
        groups: dict[tuple, list[int]] = {}
        for t, row in enumerate(rows):
            if row is not None and row not in self.ids:
                groups.setdefault(row, []).append(t)
        reps = sorted(min(ts, key=lambda t: (sizes[t], t)) for ts in groups.values())
        for rep in reps:
            self.ids[rows[rep]] = len(self.ids)
        return [-1 if row is None else self.ids[row] for row in rows]


def rows_of(kind, values: torch.Tensor) -> list[tuple | None]:
    valid, q = kind.valid(values), kind.quantize(values)
    return [tuple(r.flatten().tolist()) if v else None for r, v in zip(q, valid, strict=True)]


def two_rules(kind) -> Semantics:
    """Rules ``f`` and ``g`` for any kind (their kernels are never run by ``insert``)."""
    op = Op(2, lambda a, b: a, {kind.family: lambda a, b: a})
    return Semantics().with_op("f", op).with_op("g", op)


def assert_same_stores(a: Store, b: Store) -> None:
    assert len(a) == len(b)
    for c in COLUMNS:
        assert torch.equal(getattr(a, c), getattr(b, c)), c


def random_provenance(m: int, n: int, g: torch.Generator):
    rule = torch.randint(0, 2, (m,), generator=g)
    left = torch.randint(0, max(n, 1), (m,), generator=g) if n else torch.full((m,), -1)
    right = torch.randint(-1, max(n, 1), (m,), generator=g) if n else torch.full((m,), -1)
    return rule, left, right, torch.randint(1, 7, (m,), generator=g)


@pytest.mark.parametrize("name", kinds())
def test_hash_store_equals_the_sorted_store_and_the_oracle_on_every_kind(name):
    kind, g, oracle = make(name), torch.Generator().manual_seed(len(name)), Oracle()
    stores = [Store(kind, two_rules(kind), ["f", "g"], dedup=d) for d in DEDUPS]
    for _ in range(6):
        fresh = pool(kind, 400, g)
        old = stores[1].values[torch.randint(0, max(len(stores[1]), 1), (100,), generator=g)] \
            if len(stores[1]) else fresh[:0]
        values = torch.cat([fresh, old])[torch.randperm(fresh.shape[0] + old.shape[0],
                                                        generator=g)]
        prov = random_provenance(values.shape[0], len(stores[1]), g)
        got = [s.insert(values, *prov).tolist() for s in stores]
        assert got[0] == got[1] == got[2] == oracle.insert(rows_of(kind, values), prov[3].tolist())
        assert_same_stores(*stores[:2])
        assert_same_stores(*stores[1:])
    assert len(stores[0]) > 50


DERIVED = {"real": ["add", "mul", "sub", "div", "neg", "log", "sqrt"], "int": ["mul", "sub"],
           "modp": ["add", "mul", "div"], "nat": ["sub", "pow"], "bool": ["and", "not"],
           "bits:5": ["add", "not"], "mod:5": ["mul", "neg"], "perm": ["mul"],
           "perm:5": ["mul"]}


@pytest.mark.parametrize("name", sorted(DERIVED))
def test_derived_candidates_give_the_same_stores_and_the_oracles_ids(name):
    kind, g, oracle = make(name), torch.Generator().manual_seed(7), Oracle()
    rules = DERIVED[name]
    stores = [Store(kind, Semantics(), rules, dedup=d) for d in DEDUPS]
    start = pool(kind, 30, g)
    z = torch.zeros(30, dtype=torch.int64)
    for s in stores:
        s.insert(start, z - 1, z - 1, z - 1, z + 1)
    oracle.insert(rows_of(kind, start), [1] * 30)
    for rnd in range(3):
        for r, rule in enumerate(rules):
            n, arity = len(stores[0]), stores[0].semantics[rule].arity
            left = torch.randint(0, n, (3000,), generator=g)
            right = torch.randint(0, n, (3000,), generator=g) if arity == 2 \
                else torch.full((3000,), -1)
            size = 1 + stores[0].size[left] + torch.where(right >= 0, stores[0].size[right], 0)
            parents = [stores[1].values[left]] + ([stores[1].values[right]] if arity == 2 else [])
            values = kind.apply(stores[1].kernel(r), parents)  # the candidates, computed here
            expect = oracle.insert(rows_of(kind, values), size.tolist())
            got = [s.insert_derived(r, left, right, size).tolist() for s in stores]
            assert got[0] == got[1] == got[2] == expect, (rnd, rule)
            assert_same_stores(*stores[:2])
            assert_same_stores(*stores[1:])


def test_a_weak_hash_still_merges_exactly_the_equal_rows(monkeypatch):
    """Three hash values for every row: nearly every match is a clash, resolved one by one."""
    monkeypatch.setattr(store_module, "fingerprint_hash", lambda q: q.sum(dim=1) % 3)
    kind, g = make("mod:5"), torch.Generator().manual_seed(3)
    store = Store(kind, two_rules(kind), ["f", "g"])
    seen: dict[tuple, int] = {}
    for _ in range(3):
        values = pool(kind, 200, g)
        ids = store.insert(values, *random_provenance(200, len(store), g)).tolist()
        for row, i in zip(rows_of(kind, values), ids, strict=True):
            assert seen.setdefault(row, i) == i  # equal rows: one id
        assert len(set(seen.values())) == len(seen)  # distinct rows: distinct ids
    assert len(store) == len(seen) > 50


def test_a_reopened_hash_store_continues_like_the_sorted_one():
    kind, g = make("modp"), torch.Generator().manual_seed(11)
    first = Store(kind, two_rules(kind), ["f", "g"], dedup="hash")
    values = pool(kind, 300, g)
    first.insert(values, *random_provenance(300, 0, g))
    cols = {c: getattr(first, c).clone() for c in COLUMNS}
    stores = [Store(kind, two_rules(kind), ["f", "g"], dedup=d) for d in DEDUPS]
    for s in stores:
        s.load_columns(cols)
    more = torch.cat([pool(kind, 300, g), values[:100]])
    prov = random_provenance(400, len(first), g)
    got = [s.insert(more, *prov).tolist() for s in stores]
    assert got[0] == got[1] == got[2] and min(got[0][300:]) >= 0 and max(got[0][300:]) < len(first)
    assert_same_stores(*stores[:2])
    assert_same_stores(*stores[1:])
