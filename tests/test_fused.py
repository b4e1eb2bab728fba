"""The compiled (fused) insert (issue 18.1): it serves every shipped kind, gives the stores of
the eager hash table and the sorted-run reference (same classes, same ids, same columns) on
random workloads, undoes its work on a hash clash, and quantizes reals bit for bit as
RealKind does."""

from __future__ import annotations

import pytest
import torch

import automath.core.store as store_module
from automath.core.catalog import kind_names
from automath.core.generate import expand
from automath.core.hashtable import FUSED, fused_insert
from automath.core.kinds import RealKind
from automath.core.semantics import Semantics
from automath.core.store import FUSED_KINDS, Store
from automath.core.term import Term
from tests.test_store_hash import (
    DERIVED,
    Oracle,
    assert_same_stores,
    make,
    pool,
    random_provenance,
    rows_of,
    two_rules,
)

needs_numba = pytest.mark.skipif(not FUSED, reason="numba is not installed: the eager path serves")


@pytest.mark.parametrize("name", [n.replace(":n", ":5") for n in kind_names()])
def test_every_shipped_kind_takes_the_compiled_insert(name):
    kind = make(name)
    assert (type(kind).quantize, kind.dtype) in FUSED_KINDS


@needs_numba
@pytest.mark.parametrize("name", sorted(DERIVED))
def test_the_compiled_insert_never_falls_back_on_random_derived_workloads(name, monkeypatch):
    kind, g = make(name), torch.Generator().manual_seed(5)
    fused = Store(kind, Semantics(), DERIVED[name], dedup="fused")
    ref = Store(kind, Semantics(), DERIVED[name], dedup="sort")
    z = torch.zeros(40, dtype=torch.int64)
    start = pool(kind, 40, g)
    for s in (fused, ref):
        s.insert(start, z - 1, z - 1, z - 1, z + 1)
    monkeypatch.setattr(Store, "_insert_hashed", lambda *a: pytest.fail("eager fallback"))
    for rule in range(len(DERIVED[name])):
        n, arity = len(ref), ref.semantics[DERIVED[name][rule]].arity
        left = torch.randint(0, n, (5000,), generator=g)
        right = torch.randint(0, n, (5000,), generator=g) if arity == 2 \
            else torch.full((5000,), -1)
        size = 1 + ref.size[left] + torch.where(right >= 0, ref.size[right], 0)
        assert fused.insert_derived(rule, left, right, size).tolist() == \
            ref.insert_derived(rule, left, right, size).tolist()
        assert_same_stores(fused, ref)


@needs_numba
def test_a_grammar_expansion_gives_the_reference_store():
    """Sizes differ within a group here, so representatives are not first occurrences."""
    stores = [Store(RealKind(k=8), Semantics(), ["add", "mul"], dedup=d)
              for d in ("fused", "sort")]
    for s in stores:
        s.add_atoms([Term("var", token=v) for v in "xy"])
    for _ in range(3):
        ids = torch.arange(len(stores[0]))
        left, right = ids.repeat_interleave(len(ids)), ids.repeat(len(ids))
        edges = [[f.tolist() for f in expand(s, r, left, right, chunk=997).fields()]
                 for r in (0, 1) for s in stores]
        assert edges[0] == edges[1] and edges[2] == edges[3]
        assert_same_stores(*stores)
    assert len(stores[0]) > 1000


def test_a_clash_undoes_the_compiled_pass_and_the_eager_path_gives_the_ids(monkeypatch):
    """A hash of 0 for every row: each second distinct row clashes with a claimed group or an
    old element. The store is the eager hash table's (clashes resolved one by one, in its
    order) and merges exactly the equal rows."""
    monkeypatch.setattr(store_module, "fingerprint_hash", lambda q: q.sum(dim=1) * 0)
    passes = []
    monkeypatch.setattr(store_module, "fused_insert",
                        lambda *a: passes.append(fused_insert(*a)) or passes[-1])
    kind, g, seen = make("mod:5"), torch.Generator().manual_seed(9), {}
    stores = [Store(kind, two_rules(kind), ["f", "g"], dedup=d) for d in ("fused", "hash")]
    for _ in range(3):
        values = pool(kind, 60, g)
        prov = random_provenance(60, len(stores[1]), g)
        got = [s.insert(values, *prov).tolist() for s in stores]
        assert got[0] == got[1]
        for row, i in zip(rows_of(kind, values), got[0], strict=True):
            assert seen.setdefault(row, i) == i  # equal rows: one id
        assert len(set(seen.values())) == len(seen) == len(stores[0])  # distinct: distinct ids
        assert_same_stores(*stores)
        tables = [s._index for s in stores]  # no slot left claimed by the undo
        assert len(tables[0]) == len(tables[1]) == 1
        assert tables[0].get(torch.tensor([0])).tolist() == \
            tables[1].get(torch.tensor([0])).tolist()
    assert passes == [None] * 3 or not FUSED  # each compiled pass met a clash and stepped back


EDGES = [0.0, -0.0, 1e-9, -1e-9, 1.0000000000000002e-09, 2e-9, 1.0, 1.0 + 2**-27, 1.0 + 2**-26,
         1.0 + 3 * 2**-27, -3.5, 1e300, 5e-324, 0.5 - 2**-60]


def test_reals_quantize_bit_for_bit_as_the_kind_at_rounding_edges():
    kind, g = RealKind(k=4), torch.Generator().manual_seed(2)
    edges = torch.tensor(EDGES, dtype=torch.float64)
    values = edges[torch.randint(0, len(EDGES), (3000, 4), generator=g)]
    values[::7, 0] = float("nan")  # invalid rows: id -1
    stores = [Store(kind, two_rules(kind), ["f", "g"], dedup=d) for d in ("fused", "sort")]
    prov = random_provenance(3000, 0, g)
    got = [s.insert(values, *prov).tolist() for s in stores]
    assert got[0] == got[1] == Oracle().insert(rows_of(kind, values), prov[3].tolist())
    assert_same_stores(*stores)
    assert got[0].count(-1) == 429 and len(stores[0]) > 100


def test_without_numba_a_fused_store_is_the_eager_one(monkeypatch):
    monkeypatch.setattr(store_module, "FUSED", False)
    monkeypatch.setattr(store_module, "fused_insert", lambda *a: pytest.fail("compiled pass"))
    kind, g = make("real"), torch.Generator().manual_seed(4)
    stores = [Store(kind, two_rules(kind), ["f", "g"], dedup=d) for d in ("fused", "hash")]
    values = pool(kind, 500, g)
    prov = random_provenance(500, 0, g)
    assert stores[0].insert(values, *prov).tolist() == stores[1].insert(values, *prov).tolist()
    assert_same_stores(*stores)
