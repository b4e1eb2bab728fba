"""Pair look-ups: three-part formulas through a part the weighted loop ranks."""

from __future__ import annotations

import numpy as np
import pytest
import sympy
import torch

from automath.regression.data import data_domain
from automath.regression.enumeration import size_levels
from automath.regression.goals import Goals, ProjIndex
from automath.regression.pairs import PairLookups, small_ids
from automath.regression.search import Search, SearchConfig

pytestmark = pytest.mark.usefixtures("one_thread")

X, Y = sympy.symbols("x y")
TARGET = sympy.exp(X * Y) * sympy.cos(X - Y) + sympy.sin(X * X)  # three parts of 4 nodes


def _data(points: int = 20) -> tuple[dict, torch.Tensor]:
    rng = np.random.default_rng(1)
    x, y = rng.uniform(0.1, 1.5, (2, points))
    f = sympy.lambdify((X, Y), TARGET, "numpy")
    return {"x": x, "y": y}, torch.tensor(f(x, y))


def _store_to(size: int):
    cols, y = _data()
    st = data_domain("nguyen", cols).new_store()
    for _level in size_levels(st, 10**7, max_size=size):
        pass
    index = ProjIndex(st.values.shape[1])
    index.add(st.values.double(), torch.arange(len(st)))
    return st, y, index


def _exact(term_sympy) -> bool:
    real = {s: sympy.Symbol(s.name, real=True) for s in (X, Y)}
    return sympy.simplify((term_sympy - TARGET).subs(real)) == 0


def test_each_part_once_in_the_order_of_the_ascent_smaller_tier_first():
    """The oracle: the ids sorted by hand (tier of at most 1 node, then at most 3, each by
    ascent descending) — what next_parts hands out k at a time, none twice."""
    st, y, index = _store_to(3)
    ascent = torch.rand(len(st), dtype=torch.float64, generator=torch.Generator().manual_seed(0))
    pairs = PairLookups(Goals(y, st), index, tiers=(1, 3))
    got = []
    while len(part := pairs.next_parts(st, ascent, 3)):
        got += part.tolist()
    size = st.size.tolist()
    expected = sorted((i for i in range(len(st)) if size[i] <= 3),
                      key=lambda i: (size[i] > 1, -float(ascent[i])))
    assert got == expected and pairs.tried == len(expected)


def _value(st, f) -> int:
    """The id of the element of the store whose values are ``f`` of the columns x, y."""
    x, y = st.values[0].double(), st.values[1].double()
    return int((st.values.double() - f(x, y)).abs().amax(1).argmin())


def test_a_three_part_formula_is_met_through_its_part():
    """(y - sin(x*x)) / exp(x*y) is cos(x - y): a two-step goal through two 4-node elements,
    met in a store of every element up to 4 nodes; the formula built is the target (sympy)."""
    st, y, index = _store_to(4)
    goals = Goals(y, st)
    ascent = torch.zeros(len(st), dtype=torch.float64)
    ascent[_value(st, lambda x, y: torch.exp(x * y))] = 1.0  # the loop ranks exp(x*y) first
    pairs = PairLookups(goals, index)
    found = [goals.build(st, g, e) for gs, es in pairs.hits(st, pairs.next_parts(st, ascent, 1))
             for g, e in zip(gs.tolist(), es.tolist(), strict=True)]
    assert any(_exact(st.sympy(i)) for i in found if i >= 0)


def test_without_the_part_nothing_of_the_kind_is_met():
    """The same look-ups through 40 other small elements (not exp(x*y), not cos(x - y), not
    sin(x*x)) build no exact formula of the target: the hit above is the part's."""
    st, y, index = _store_to(4)
    goals = Goals(y, st)
    parts = {_value(st, f) for f in (lambda x, y: torch.exp(x * y), lambda x, y: torch.cos(x - y),
                                     lambda x, y: torch.sin(x * x))}
    vals = st.values.double()
    others = [i for i in small_ids(st, 4).tolist()
              if not any(torch.allclose(vals[i], vals[j]) for j in parts)][:40]
    pairs = PairLookups(goals, index)
    built = [goals.build(st, g, e) for gs, es in pairs.hits(st, torch.tensor(others))
             for g, e in zip(gs.tolist(), es.tolist(), strict=True)]
    assert not any(_exact(st.sympy(i)) for i in built if i >= 0)


def test_the_search_closes_a_three_part_target_by_pair_goals():
    """Without a time budget the loop's steps follow the enumeration, and each step's pair
    look-ups go through 8 parts in the loop's order (no time budget: the same every run):
    the target is found exactly (sympy), by the pair goals."""
    cols, y = _data()
    res = Search(data_domain("nguyen", cols), y,
                 SearchConfig(base_elements=50_000, max_goals=20_000, steps=80)).run()
    assert res.exact and _exact(res.store.sympy(res.best))
    assert next(e["event"] for e in res.log if e.get("exact")) == "step: pair goals"


def test_elements_stored_after_the_ascent_wait_for_the_next_one():
    """An ascent taken before the last elements were stored (look-ups build formulas between
    batches) ranks the elements it covers; the newer ones are handed out by a later ascent."""
    st, y, index = _store_to(3)
    n = len(st)
    ascent = torch.arange(n - 2, dtype=torch.float64)  # the last two elements are not covered
    pairs = PairLookups(Goals(y, st), index, tiers=(3,))
    first = pairs.next_parts(st, ascent, n).tolist()
    assert sorted(first) == list(range(n - 2)) and first[0] == n - 3
    assert sorted(pairs.next_parts(st, torch.zeros(n, dtype=torch.float64), n).tolist()) == [
        n - 2, n - 1]
