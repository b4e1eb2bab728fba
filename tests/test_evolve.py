"""Evolution: pushforwards, vector-Jacobian products, persistence, finite differences."""

import pytest
import torch

from automath import Domain, ExpectedScore, Op, Semantics
from automath.core.evolve import apply_rules, evolve, rule_weights
from automath.core.generate import Hyperedges, expand
from automath.core.learning import simplex_step
from automath.core.store import Store

DOUBLE = Semantics().with_op("double", Op(1, lambda a: 2 * a, {"real": lambda a: 2 * a}))


def doubling(values: list[int]):
    """A store holding the numerals ``values`` and the edges of doubling applied to each."""
    d = Domain.create("arith", atoms="", semantics=DOUBLE)
    store = Store(d.kind, DOUBLE, ["double"])
    atoms = store.add_atoms([d.parse(str(v)) for v in values])
    edges = expand(store, 0, atoms)
    value_of = {int(store.values[i, 0]): i for i in range(len(store))}
    return store, atoms, edges, value_of


def test_doubling_on_uniform_1_2_gives_2_and_4_at_half():
    store, atoms, edges, ids = doubling([1, 2])
    p = torch.zeros(len(store)).index_fill(0, atoms, 0.5)
    out = apply_rules(p, edges, torch.ones(1))
    assert {v: float(out[i]) for v, i in ids.items() if out[i] > 0} == {2: 0.5, 4: 0.5}


def test_vjp_of_doubling_pulls_feedback_back_to_parents():
    store, atoms, edges, ids = doubling([1, 3, 4])
    p = torch.zeros(len(store)).index_fill(0, atoms, 1 / 3).requires_grad_(True)
    feedback = torch.zeros(len(store))
    for value, w in {2: 0.5, 6: 0.25, 10: 0.25}.items():
        if value in ids:
            feedback[ids[value]] = w
    (grad,) = torch.autograd.grad(apply_rules(p, edges, torch.ones(1)), p, feedback)
    assert {v: float(grad[ids[v]]) for v in (1, 3, 4)} == {1: 0.5, 3: 0.25, 4: 0.0}


@pytest.mark.parametrize("a, expect_weight", [(0.5, True), (0.0, False)])
def test_persistence_gives_a_generated_element_weight(a, expect_weight):
    # parents 0, 1 with weight; child 2 generated this step (weight 0) and scored highest
    edges = Hyperedges(*(torch.tensor([v]) for v in (0, 0, 1, 2)))
    p0 = torch.tensor([0.5, 0.5, 0.0], requires_grad=True)
    score = ExpectedScore(lambda store, ids: torch.tensor([0.1, 0.2, 1.0])[ids])
    p1 = evolve(p0, edges, torch.tensor(a), torch.tensor([1.0 - a]), 1)
    loss = -(p1 * score.score(None, torch.arange(3))).sum()
    loss.backward()
    new = simplex_step(p0.detach(), -p0.grad, 0.1, torch.ones(3, dtype=torch.bool))
    assert (new[2] > 0) == expect_weight
    if not expect_weight:
        assert new[2] == 0


def random_hypergraph(n: int, m: int, rules: int, seed: int) -> Hyperedges:
    g = torch.Generator().manual_seed(seed)
    i, c = torch.randint(0, n, (m,), generator=g), torch.randint(0, n, (m,), generator=g)
    j = torch.randint(-1, n, (m,), generator=g)
    return Hyperedges(torch.randint(0, rules, (m,), generator=g), i, j, c)


@pytest.mark.parametrize("seed", range(4))
def test_evolution_gradients_match_finite_differences(seed):
    edges = random_hypergraph(7, 15, 3, seed)
    p0 = torch.rand(7, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)
    logits = torch.randn(4, dtype=torch.float64, generator=torch.Generator().manual_seed(seed))
    score = torch.linspace(-1, 1, 7, dtype=torch.float64)

    def f(p, lg):
        a, b = rule_weights(lg)
        return (evolve(p / p.sum(), edges, a, b, 3) * score).sum()

    assert torch.autograd.gradcheck(f, (p0.requires_grad_(), logits.requires_grad_()))


def test_simplex_step_keeps_a_distribution():
    p = torch.tensor([0.2, 0.3, 0.5, 0.0])
    new = simplex_step(p, torch.tensor([5.0, -3.0, 0.0, 9.0]), 0.5, torch.tensor([1, 1, 1, 0]) > 0)
    assert torch.isclose(new.sum(), torch.tensor(1.0)) and (new >= 0).all() and new[3] == 0
