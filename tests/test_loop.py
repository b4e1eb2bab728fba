"""The learning loop end to end."""

import pytest
import sympy
import torch

from automath import KL, Domain, Entropy, EsObjective, ExpressionError, Loop, closeness


@pytest.mark.slow
def test_arith_finds_x_cubed_plus_2x_in_the_top_3_within_the_default_budget():
    d = Domain.create("arith", atoms="x,1")
    result = Loop(d, target="x**3 + 2*x").run()
    target = d.evaluate("x*x*x + 2*x")
    top = result.top(3)
    assert any(
        bool((result.store.values[e.id] - target).abs().max() < 1e-9) for e in top
    ), [e.text for e in top]
    assert any(str(e.expr.expand()) == "x**3 + 2*x" for e in top)


def test_learning_moves_weight_onto_generated_elements():
    d = Domain.create("arith", atoms="x,1")
    loop = Loop(d, closeness(d, "x*x + x"), steps=15)  # closeness alone: no size or spread term
    res = loop.run()
    atoms = set(res.store.leaves)
    assert sum(w for i, w in res.distribution.top(50) if i not in atoms) > 0.5
    assert res.history[-1]["loss"] < res.history[0]["loss"]


def test_objectives_compose_and_prune_keeps_a_distribution():
    d = Domain.create("logic", atoms="p,q")
    obj = closeness(d, "p -> q") + 0.01 * Entropy()
    res = Loop(d, obj, steps=12, prune_every=4).run()
    assert abs(res.distribution.total() - 1) < 1e-9
    assert res.top(1)[0].score == 1.0


def test_resume_in_python_continues_the_same_loop():
    d = Domain.create("arith", atoms="x,1")
    loop = Loop(d, target="x*x", steps=10)
    loop.run(steps=4)
    res = loop.run()
    assert [h["step"] for h in res.history] == list(range(1, 11))


def test_top_filters_by_size_and_by_pattern():
    import re

    d = Domain.create("arith", atoms="x,1")
    res = Loop(d, target="x*x + 1", steps=6).run()
    small = res.top(50, where="size<=3 and weight>0")
    assert small and all(e.size <= 3 and e.weight > 0 for e in small)
    products = res.top(10**6, pattern=r"\*")
    assert products and all("*" in e.text for e in products)
    everything = res.top(10**6)
    assert {e.id for e in products} == {e.id for e in everything if re.search(r"\*", e.text)}


def test_same_seed_same_run_and_different_seed_different_samples():
    runs = [Loop(Domain.create("arith", atoms="x,1", seed=s), target="x*x", steps=5, seed=s)
            .run() for s in (3, 3, 4)]
    assert runs[0].history == runs[1].history
    assert torch.equal(runs[0].distribution.weights, runs[1].distribution.weights)
    assert not torch.equal(runs[0].store.values[0], runs[2].store.values[0])


def test_bad_target_and_bad_filter_are_clear_errors():
    d = Domain.create("arith", atoms="x,1")
    with pytest.raises(ExpressionError, match="target"):
        Loop(d, target="x +* 1")
    res = Loop(d, target="x", steps=1).run()
    with pytest.raises(ExpressionError, match="filter clause"):
        res.top(3, where="size <== 3")


def test_kl_objective_keeps_every_weight_and_logit_finite():
    d = Domain.create("arith", atoms="x,1")
    parity = KL(lambda s: s.size[: len(s)] % 2, torch.tensor([0.1, 0.9]))
    loop = Loop(d, parity, steps=25)  # crosses a prune (step 10) with classes at weight 0
    res = loop.run()
    assert all(torch.isfinite(torch.tensor(h["loss"])) for h in res.history)
    assert torch.isfinite(loop.state.logits).all() and torch.isfinite(loop.state.p0).all()


def test_a_user_function_marked_non_differentiable_learns_through_es():
    cubes = torch.tensor([n**3 for n in range(10)])
    d = Domain.create("sequence", atoms="n,1,2", k=10)

    def top_misses(p, store):  # terms the top element gets wrong: an argmax, no gradient
        return (store.values[p.argmax()] != cubes).double().mean()

    def run(sigma: float):
        loop = Loop(d, EsObjective(top_misses, n=128, sigma=sigma, seed=0), steps=15, seed=0)
        return loop.run()

    res = run(1.0)
    assert res.history[-1]["loss"] == 0.0 and res.history[0]["loss"] > 0.5
    assert (res.top(1)[0].expr - sympy.Symbol("n") ** 3).expand() == 0
    flat = run(1e-6)  # perturbations too small to change the argmax: no signal, no progress
    assert flat.history[-1]["loss"] > 0.5
