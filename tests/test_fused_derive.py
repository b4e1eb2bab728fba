"""The fused derivation (issue 18): a rule whose kernel has a compiled twin is derived, hashed
and inserted in one compiled call; the stores it gives are the eager hash table's and the
sorted-run reference's (same ids, same columns, values bit for bit) on random workloads of every
covered kind and kernel, at the kinds' edges (overflow, division by zero, huge reals, signed
zeros), and the eager paths serve what it does not cover."""

from __future__ import annotations

import pytest
import torch

from automath.core import fused
from automath.core import hashtable as ht
from automath.core.kinds import INT_LIMIT, P
from automath.core.semantics import KERNELS, Semantics
from automath.core.store import Store
from tests.test_store_hash import assert_same_stores, make, pool

needs_numba = pytest.mark.skipif(not ht.FUSED, reason="numba is not installed: eager path")
DEDUPS = ("fused", "hash", "sort")
EDGES = {  # values that reach each kind's edges, mixed into the parents
    "real": [0.0, -0.0, 1e-9, -1e-10, 1.0 + 2**-27, 1e150, -1e155, 1e160, 1e301, 3.0],
    "int": [0, 1, -1, 2**25, -(2**25) - 3, 2**49, INT_LIMIT, -INT_LIMIT, 7],
    "modp": [0, 1, P - 1, P - 2, 2, 12345],
}


def semantics() -> Semantics:
    return Semantics().with_op("xor", KERNELS["xor"])


def stores_with(name: str, n: int, g: torch.Generator, edges: bool = True) -> list[Store]:
    """A store of each dedup holding ``n`` values of kind ``name`` (edge values mixed in)."""
    kind, rules = make(name), fused.COVERED[type(make(name))]
    start = pool(kind, n, g)
    if edges and name in EDGES:
        edges = torch.tensor(EDGES[name], dtype=kind.dtype)
        mix = torch.rand(start.shape, generator=g) < 0.3
        start = torch.where(mix, edges[torch.randint(0, len(edges), start.shape, generator=g)],
                            start)
    stores = [Store(kind, semantics(), rules, dedup=d) for d in DEDUPS]
    z = torch.zeros(n, dtype=torch.int64)
    for s in stores:
        s.insert(start, z - 1, z - 1, z - 1, z + 1)
    return stores


def bits(store: Store) -> torch.Tensor:
    v = store.values
    return v.view(torch.int64) if v.dtype == torch.float64 else v


def assert_same(stores: list[Store]) -> None:
    assert_same_stores(*stores[:2])
    assert_same_stores(*stores[1:])
    assert torch.equal(bits(stores[0]), bits(stores[1]))  # -0.0 and 0.0 told apart


def derive_round(stores: list[Store], g: torch.Generator, m: int = 4000) -> None:
    """Every rule once on random parents, each store alike; the ids agree."""
    ref = stores[2]
    for rule, name in enumerate(ref.rules):
        n, arity = len(ref), ref.semantics[name].arity
        left = torch.randint(0, n, (m,), generator=g)
        right = torch.randint(0, n, (m,), generator=g) if arity == 2 else torch.full((m,), -1)
        size = 1 + ref.size[left] + torch.where(right >= 0, ref.size[right], 0)
        got = [s.insert_derived(rule, left, right, size).tolist() for s in stores]
        assert got[0] == got[1] == got[2], name
        assert_same(stores)


@needs_numba
@pytest.mark.parametrize("name", ["real", "modp", "int", "bool"])
def test_every_covered_kernel_takes_the_compiled_derivation(name, monkeypatch):
    kind = make(name)
    for kernel_name in fused.COVERED[type(kind)]:
        kernel = semantics().kernel(kernel_name, kind.family)
        assert fused.compiled_op(kind, kernel) == fused.OPS[kernel_name]
    g = torch.Generator().manual_seed(3)
    stores = stores_with(name, 40, g, edges=name != "real")  # no real above 1e300 (see below)
    monkeypatch.setattr(Store, "_blocks", lambda *a: pytest.fail("per-block torch path"))
    eager = Store._insert_hashed

    def hashed(store, *args):
        assert store.dedup == "hash"  # the fused store never steps back here
        return eager(store, *args)
    monkeypatch.setattr(Store, "_insert_hashed", hashed)
    for _ in range(3):
        derive_round(stores, g)
    assert len(stores[0]) > (4 if name == "bool" else 1000)


@pytest.mark.parametrize("name", ["real", "modp", "int", "bool"])
def test_random_derivations_give_the_eager_and_reference_stores(name):
    g = torch.Generator().manual_seed(11 + len(name))
    stores = stores_with(name, 30, g)
    for _ in range(3):
        derive_round(stores, g, m=3000)


@needs_numba
def test_the_edges_are_reached():
    """The workloads above reach invalid candidates (-1: division by zero, overflow in the int
    kind, reals beyond float64) beside valid ones."""
    g = torch.Generator().manual_seed(5)
    for name in ("real", "int", "modp"):
        store = stores_with(name, 30, g)[0]
        n = len(store)
        left, right = torch.randint(0, n, (2000,), generator=g), torch.randint(0, n, (2000,),
                                                                               generator=g)
        mul, div = (store.rules.index(r) if r in store.rules else None for r in ("mul", "div"))
        rule = div if div is not None else mul
        ids = store.insert_derived(rule, left, right, torch.full((2000,), 3))
        assert (ids == -1).any() and (ids >= 0).any(), name


@needs_numba
def test_a_huge_real_steps_back_to_the_eager_path(monkeypatch):
    kind = make("real")
    stores = [Store(kind, semantics(), ["mul"], dedup=d) for d in DEDUPS]
    values = torch.tensor([[1e150] * kind.k, [1e155] * kind.k, [2.0] * kind.k])
    z = torch.zeros(3, dtype=torch.int64)
    for s in stores:
        s.insert(values, z - 1, z - 1, z - 1, z + 1)
    calls = []
    eager = Store._insert_hashed
    monkeypatch.setattr(Store, "_insert_hashed", lambda *a: calls.append(1) or eager(*a))
    left, right = torch.tensor([0, 0, 2, 1]), torch.tensor([1, 2, 2, 1])
    got = [s.insert_derived(0, left, right, torch.full((4,), 3)).tolist() for s in stores]
    assert got[0] == got[1] == got[2] and got[0][3] == -1  # 1e310: not finite
    assert calls == [1, 1]  # the fused store stepped back once; the hash store is eager
    assert_same(stores)


def test_a_kernel_without_a_twin_takes_the_per_block_path():
    kind = make("real")
    assert fused.compiled_op(kind, torch.sin) is None
    assert fused.compiled_op(make("nat"), torch.add) is None  # a subclass: not covered
    g = torch.Generator().manual_seed(2)
    stores = [Store(kind, semantics(), ["sin", "mul"], dedup=d) for d in DEDUPS]
    start = pool(kind, 30, g)
    z = torch.zeros(30, dtype=torch.int64)
    for s in stores:
        s.insert(start, z - 1, z - 1, z - 1, z + 1)
    derive_round(stores, g, m=500)


def test_without_numba_there_is_no_compiled_derivation(monkeypatch):
    monkeypatch.setattr(ht, "FUSED", False)
    assert fused.compiled_op(make("real"), torch.mul) is None
