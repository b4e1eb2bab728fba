"""Engine state hygiene: objective caches follow their store; runs leave torch's globals alone."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import torch

from automath.core.domain import Domain, closeness
from automath.core.engine import Loop
from automath.core.objective import ExpectedScore
from automath.laws.explore import explore
from automath.regression.data import data_domain
from automath.regression.search import Search, SearchConfig
from automath.runs.resume import open_run, record
from automath.runs.store import RunStore


def _direct_closeness(domain: Domain, target: str, store) -> torch.Tensor:
    """Closeness ``1 / (1 + mse / var)`` of every element, computed here from the values."""
    want = domain.target_values(target).flatten().double()
    vals = store.values[: len(store)].flatten(1).double()
    mse = ((vals - want) ** 2).mean(dim=1)
    return 1.0 / (1.0 + mse / want.var())


@pytest.mark.parametrize("atoms_b", ["1,x", "x,2", "2,x,1"])
def test_one_objective_scores_a_second_store_as_a_fresh_one_does(atoms_b: str) -> None:
    """Scoring store A first must not leak A's scores into store B's."""
    da, db = Domain.create("arith", atoms="x,1"), Domain.create("arith", atoms=atoms_b)
    obj = closeness(da, "x + 1")
    store_a, store_b = da.new_store(), db.new_store()
    obj.scores(store_a)
    got = obj.scores(store_b)
    assert torch.allclose(got, closeness(da, "x + 1").scores(store_b))
    assert torch.allclose(got, _direct_closeness(da, "x + 1", store_b))
    assert torch.allclose(obj.scores(store_a), _direct_closeness(da, "x + 1", store_a))


def test_one_objective_follows_two_growing_stores() -> None:
    """Alternating between stores that grow gives each store its own scores."""
    d = Domain.create("arith", atoms="x,1")
    obj = ExpectedScore(lambda s, ids: s.values[ids].flatten(1)[:, 0].double())
    a, b = d.new_store(), d.new_store()
    a.add_term(d.parse("x + 1"))
    b.add_term(d.parse("x * x"))
    b.add_term(d.parse("x + x"))
    for s in (a, b, a, b):
        assert obj.scores(s).tolist() == s.values[: len(s)].flatten(1)[:, 0].double().tolist()


def _arith_loop(seed: int = 0, steps: int = 30) -> Loop:
    return Loop(Domain.create("arith", atoms="x,1"), target="x*x*x + 2*x", steps=steps, seed=seed)


def test_loop_leaves_the_global_rng_alone() -> None:
    torch.manual_seed(123)
    before = torch.get_rng_state()
    _arith_loop(seed=0).run()
    assert torch.equal(torch.get_rng_state(), before)


def test_loop_is_reproducible_per_seed() -> None:
    a, b = _arith_loop(seed=3), _arith_loop(seed=3)
    a.run()
    torch.rand(5)  # a global draw in between changes nothing
    b.run()
    assert torch.equal(a.state.p0, b.state.p0)
    assert torch.equal(a.state.store.keys[: len(a.state.store)],
                       b.state.store.keys[: len(b.state.store)])


def test_search_leaves_the_global_rng_alone() -> None:
    x = torch.linspace(-1, 1, 20, dtype=torch.float64)
    cfg = SearchConfig(base_elements=300, max_goals=300, deep=0, steps=3)
    torch.manual_seed(123)
    before = torch.get_rng_state()
    Search(data_domain("nguyen", {"x": x}), x**3 + x, cfg).run()
    assert torch.equal(torch.get_rng_state(), before)


def test_explore_leaves_rng_and_threads_alone() -> None:
    old = torch.get_num_threads()
    want = 3 if old != 3 else 2
    torch.set_num_threads(want)
    try:
        torch.manual_seed(123)
        before = torch.get_rng_state()
        explore("semiring", vars="xy", size=3)
        assert torch.equal(torch.get_rng_state(), before)
        assert torch.get_num_threads() == want
    finally:
        torch.set_num_threads(old)


def test_explore_restores_threads_when_it_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    ex = sys.modules[explore.__module__]

    def boom(*args: object) -> None:
        assert torch.get_num_threads() == 1
        raise RuntimeError("boom")

    monkeypatch.setattr(ex, "_run", boom)
    old = torch.get_num_threads()
    want = 3 if old != 3 else 2
    torch.set_num_threads(want)
    try:
        with pytest.raises(RuntimeError, match="boom"):
            explore("semiring", vars="xy", size=3)
        assert torch.get_num_threads() == want
    finally:
        torch.set_num_threads(old)


def test_resuming_a_stored_run_leaves_the_global_rng_alone(tmp_path: Path) -> None:
    db = RunStore(tmp_path / "runs.db")
    rid = db.create({"grammar": "arith", "atoms": "x,1"}, {"steps": 2, "target": "x + 1"})
    loop = open_run(db, rid)
    loop.run(on_step=record(db, rid, loop))
    torch.manual_seed(123)
    before = torch.get_rng_state()
    again = open_run(db, rid)
    assert again.state.step == 2
    assert torch.equal(torch.get_rng_state(), before)
