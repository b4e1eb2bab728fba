"""The compiled flow (numba): outputs and gradients equal the eager torch path bit for bit
and a dense einsum oracle to rounding; gradients pass finite differences; bad indices raise
instead of reading out of bounds. Without numba the eager path serves (the same tests then
compare it with itself and the oracle)."""

import pytest
import torch

import automath.core.evolve as evolve_module
from automath.core.evolve import FUSED, apply_rules, evolve, rule_weights
from automath.core.generate import Hyperedges
from tests.test_evolve_by_child import as_given, dense_evolve, outputs_and_grads, random_edges

needs_numba = pytest.mark.skipif(not FUSED, reason="numba is not installed")


def eager(p, edges, a, b, steps):
    return evolve(p, edges, a, b, steps, fused=False)


def problem(n, m, rules, seed, dtype=torch.float64):
    g = torch.Generator().manual_seed(seed + 100)
    p0 = torch.rand(n, dtype=dtype, generator=g)
    return random_edges(n, m, rules, seed), p0 / p0.sum(), torch.tensor(0.3, dtype=dtype), \
        torch.rand(rules, dtype=dtype, generator=g)


@pytest.mark.parametrize("sort_from", [0, 1 << 40])
@pytest.mark.parametrize("n, m, rules, steps, seed", [(7, 40, 2, 1, 0), (12, 150, 3, 2, 1),
                                                      (20, 400, 4, 3, 2), (5, 3, 1, 2, 3)])
def test_fused_equals_eager_and_the_dense_oracle(monkeypatch, sort_from, n, m, rules, steps,
                                                 seed):
    monkeypatch.setattr(evolve_module, "SORT_FROM", sort_from)
    edges, p0, a, b = problem(n, m, rules, seed)
    ours = outputs_and_grads(evolve, p0, edges, a, b, steps)
    ref = outputs_and_grads(eager, p0, edges, a, b, steps)
    oracle = outputs_and_grads(dense_evolve, p0, edges, a, b, steps)
    for x, y, z in zip(ours, ref, oracle, strict=True):
        assert torch.equal(x, y)  # same products and sums in the same order
        torch.testing.assert_close(x, z, rtol=1e-12, atol=1e-15)


def test_float32_matches_the_eager_path():
    edges, p0, a, b = problem(300, 5000, 3, 9, torch.float32)
    ours, ref = (outputs_and_grads(f, p0, edges, a, b, 2) for f in (evolve, eager))
    assert all(torch.equal(x, y) for x, y in zip(ours, ref, strict=True))


@needs_numba
def test_the_fused_flow_serves_cpu_tensors_and_the_eager_path_when_asked():
    edges, p0, _, b = problem(10, 30, 2, 4)
    p = p0.clone().requires_grad_(True)
    assert "FusedFlow" in type(apply_rules(p, edges, b).grad_fn).__name__
    assert "FusedFlow" not in type(evolve_module._Flow(edges, 10, b, False)(p).grad_fn).__name__


@pytest.mark.parametrize("seed", range(3))
def test_fused_gradients_match_finite_differences(seed):
    edges, p0, _, _ = problem(9, 40, 3, seed)
    logits = torch.randn(4, dtype=torch.float64, generator=torch.Generator().manual_seed(seed))
    score = torch.linspace(-1, 1, 9, dtype=torch.float64)

    def f(p, lg):
        a, b = rule_weights(lg)
        return (evolve(p / p.sum(), edges, a, b, 3) * score).sum()

    assert torch.autograd.gradcheck(f, (p0.clone().requires_grad_(), logits.requires_grad_()))


def test_forward_mode_under_torch_func_takes_the_eager_path():
    edges, p0, a, b = problem(8, 30, 2, 5)
    v = torch.linspace(-1, 1, 8, dtype=torch.float64)
    _, ours = torch.func.jvp(lambda p: evolve(p, edges, a, b, 2), (p0,), (v,))
    _, ref = torch.func.jvp(lambda p: eager(p, edges, a, b, 2), (p0,), (v,))
    fd = (eager(p0 + 1e-6 * v, edges, a, b, 2) - eager(p0 - 1e-6 * v, edges, a, b, 2)) / 2e-6
    torch.testing.assert_close(ours, ref)
    torch.testing.assert_close(ours, fd, rtol=1e-6, atol=1e-8)


@needs_numba
@pytest.mark.parametrize("field, value", [("i", 10), ("j", -2), ("c", 99), ("rule", 2)])
def test_an_index_outside_the_distribution_raises(field, value):
    cols = {"rule": [0, 1], "i": [0, 1], "j": [1, -1], "c": [2, 3]} | {field: [0, value]}
    edges = Hyperedges(*(torch.tensor(cols[k]) for k in ("rule", "i", "j", "c")))
    with pytest.raises(IndexError, match="outside|out of range"):
        apply_rules(torch.full((10,), 0.1, dtype=torch.float64), edges,
                    torch.ones(2, dtype=torch.float64))


def test_the_given_order_and_sorted_edges_agree_on_the_fused_path(monkeypatch):
    monkeypatch.setattr(evolve_module, "SORT_FROM", 0)
    edges, p0, a, b = problem(300, 5000, 3, 7)
    assert torch.equal(evolve(p0, edges, a, b, 3), evolve(p0, as_given(edges), a, b, 3))


def test_large_random_edges_give_the_eager_gradients_bit_for_bit():
    edges, p0, a, b = problem(2000, 100_000, 4, 11)
    ours, ref = (outputs_and_grads(f, p0, edges, a, b, 3) for f in (evolve, eager))
    assert all(torch.equal(x, y) for x, y in zip(ours, ref, strict=True))
