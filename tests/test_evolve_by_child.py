"""Evolution over edges sorted by child (issue 18.4): outputs and gradients equal a dense
oracle (the step written as a sum over a (rule, child, i, j) count tensor with einsum) and
the evolution over the edges in their given order."""

import pytest
import torch

import automath.core.evolve as evolve_module
from automath.core.evolve import evolve
from automath.core.generate import Hyperedges


@pytest.fixture(autouse=True)
def always_sorted(monkeypatch):
    """Sort every edge set, however small (the threshold is a measured speed choice)."""
    monkeypatch.setattr(evolve_module, "SORT_FROM", 0)


def random_edges(n: int, m: int, rules: int, seed: int) -> Hyperedges:
    """Random edges; about a quarter unary (``j = -1``); repeated edges allowed."""
    g = torch.Generator().manual_seed(seed)
    rule, i, j, c = (torch.randint(0, k, (m,), generator=g) for k in (rules, n, n, n))
    j = torch.where(torch.rand(m, generator=g) < 0.25, -1, j)
    return Hyperedges(rule, i, j, c)


def as_given(edges: Hyperedges) -> Hyperedges:
    """The edges with their sorted form set to themselves: the evolution in the old order."""
    e = Hyperedges(*edges.fields())
    e.__dict__["by_child"] = e
    return e


def dense_evolve(p0, edges: Hyperedges, a, b, steps: int):
    """The oracle: counts T[r, c, i, j] (j = n: the constant 1 of unary edges), then
    p' = a·p + Σ_r b_r Σ_ij T[r, c, i, j] p_i p_j, renormalized."""
    n, rules = p0.shape[0], b.shape[0]
    t = torch.zeros(rules, n, n + 1, n + 1, dtype=p0.dtype)
    for r, i, j, c in zip(*(f.tolist() for f in edges.fields()), strict=True):
        t[r, c, i, n if j < 0 else j] += 1
    p = p0
    for _ in range(steps):
        pe = torch.cat([p, p.new_ones(1)])
        out = a * p + torch.einsum("r,rcij,i,j->c", b, t, pe, pe)
        p = out / out.sum()
    return p


def outputs_and_grads(run, p0, edges, a, b, steps):
    p, bb = p0.clone().requires_grad_(True), b.clone().requires_grad_(True)
    out = run(p, edges, a, bb, steps)
    weights = torch.linspace(1, 2, out.shape[0], dtype=out.dtype)
    (out * weights).sum().backward()
    return out.detach(), p.grad, bb.grad


@pytest.mark.parametrize("n, m, rules, steps, seed", [(7, 40, 2, 1, 0), (12, 150, 3, 2, 1),
                                                      (20, 400, 4, 3, 2), (5, 3, 1, 2, 3)])
def test_sorted_evolution_equals_the_dense_oracle_and_the_given_order(n, m, rules, steps, seed):
    edges = random_edges(n, m, rules, seed)
    g = torch.Generator().manual_seed(seed + 100)
    p0 = torch.rand(n, dtype=torch.float64, generator=g)
    p0 /= p0.sum()
    a = torch.tensor(0.3, dtype=torch.float64)
    b = torch.rand(rules, dtype=torch.float64, generator=g)
    ours = outputs_and_grads(evolve, p0, edges, a, b, steps)
    oracle = outputs_and_grads(dense_evolve, p0, edges, a, b, steps)
    old = outputs_and_grads(evolve, p0, as_given(edges), a, b, steps)
    for x, y, z in zip(ours, oracle, old, strict=True):
        torch.testing.assert_close(x, y, rtol=1e-12, atol=1e-15)
        torch.testing.assert_close(x, z, rtol=1e-13, atol=1e-16)


def test_the_forward_pass_is_bit_identical_to_the_given_order():
    edges = random_edges(300, 5000, 3, 7)
    p0 = torch.rand(300, dtype=torch.float64, generator=torch.Generator().manual_seed(7))
    a, b = torch.tensor(0.5, dtype=torch.float64), torch.tensor([.2, .3, .4], dtype=torch.float64)
    assert torch.equal(evolve(p0, edges, a, b, 3), evolve(p0, as_given(edges), a, b, 3))


def test_the_flow_reads_edges_sorted_by_child_from_the_threshold_on(monkeypatch):
    edges = random_edges(10, 30, 2, 4)
    b = torch.ones(2)
    assert torch.equal(evolve_module._Flow(edges, 10, b).c, torch.sort(edges.c).values)
    monkeypatch.setattr(evolve_module, "SORT_FROM", 31)
    assert torch.equal(evolve_module._Flow(edges, 10, b).c, edges.c)


def test_edges_are_sorted_once_per_edge_set_and_keep_each_childs_order():
    edges = random_edges(50, 2000, 2, 5)
    s = edges.by_child
    assert s is edges.by_child
    assert bool((s.c[1:] >= s.c[:-1]).all())
    rows = sorted(zip(*(f.tolist() for f in edges.fields()), strict=True),
                  key=lambda e: e[3])  # sorted() is stable
    assert list(zip(*(f.tolist() for f in s.fields()), strict=True)) == rows
