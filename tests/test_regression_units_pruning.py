"""Units prune the enumeration: with X_units the base never builds an inconsistent element."""

from __future__ import annotations

import numpy as np
import pytest
import sympy
import torch

from automath.regression.data import data_domain
from automath.regression.dims import DimTable
from automath.regression.enumeration import size_levels
from automath.regression.search import Search, SearchConfig
from automath.regression.units import consistent, parse_units, unit_check

pytestmark = pytest.mark.usefixtures("one_thread")

UNITS = {"m": "kg", "v": "m/s", "t": "s"}
DIMS = {n: parse_units(u) for n, u in UNITS.items()}


def _columns(n: int = 30) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(0)
    return {"m": rng.uniform(1, 3, n), "v": rng.uniform(0.5, 2, n), "t": rng.uniform(1, 2, n)}


def _enumerate(pruned: bool, max_size: int = 5):
    store = data_domain("trig", _columns(), ("1",)).new_store()
    allowed = DimTable(store, DIMS).allowed if pruned else None
    for _ in size_levels(store, 200_000, max_size=max_size, allowed=allowed):
        pass
    return store


def test_the_pruned_enumeration_builds_only_consistent_elements():
    """Every element of the pruned base is consistent by the term-by-term check (the oracle,
    units.consistent), and the unpruned base has inconsistent ones (d + t kinds)."""
    pruned, full = _enumerate(True), _enumerate(False)
    assert all(consistent(pruned.term(i), DIMS, None) for i in range(len(pruned)))
    assert not all(consistent(full.term(i), DIMS, None) for i in range(len(full)))
    assert len(pruned) < len(full)


def test_the_pruned_enumeration_keeps_every_consistent_value():
    """Each non-constant value of a consistent element of the full base is in the pruned one."""
    pruned, full = _enumerate(True), _enumerate(False)
    have = {tuple(np.round(v, 9)) for v in pruned.values.numpy()}
    for i in range(len(full)):
        v = full.values[i].numpy()
        if np.ptp(v) > 1e-9 and consistent(full.term(i), DIMS, None):
            assert tuple(np.round(v, 9)) in have, full.term(i)


def test_the_table_reads_elements_added_outside_the_enumeration():
    store = data_domain("trig", _columns(), ("1",)).new_store()
    table = DimTable(store, DIMS)
    grammar = data_domain("trig", _columns(), ("1",)).grammar
    for text, bad in (("m*v/t", False), ("v + t", True), ("sin(v*t)", True), ("(1 + 1)*v", False)):
        i = store.add_term(grammar.parse(text))
        table.update()
        assert bool(table.bad[i]) is bad, text


@pytest.mark.parametrize("formula, y_units", [("m*v/t", "N"), ("m*v*v/t", "W"),
                                              ("2*m*v**2", "J")])
def test_units_find_the_consistent_formula_in_fewer_candidates(formula, y_units):
    """Same search with units checked on results only and with the enumeration pruned too:
    both are exact and consistent (sympy and units.consistent as oracles); pruned evaluates
    fewer candidates."""
    cols = _columns()
    y = sympy.lambdify(sympy.symbols("m v t"), sympy.sympify(formula))(*cols.values())
    accept = unit_check(UNITS, y_units, list(UNITS))
    runs = {}
    for pruned in (False, True):
        search = Search(data_domain("trig", cols, ("1",)), torch.tensor(y),
                        SearchConfig(deep=0, steps=0, base_elements=1_000_000,
                                     max_goals=50_000),
                        accept=accept, units=DIMS if pruned else None)
        res = search.run()
        term = res.store.term(res.best)
        assert res.exact and consistent(term, DIMS, parse_units(y_units))
        assert sympy.simplify(res.store.sympy(res.best) - sympy.sympify(formula)) == 0
        runs[pruned] = res.evaluations
    assert runs[True] < runs[False]


def test_a_fit_with_units_returns_no_inconsistent_formula():
    """Without units this data's exact fit is t*(v + log(sqrt(exp(t)))) (exp of a time); with
    them (pruned enumeration, checked results) every row of the front is consistent, and the
    selected one is exact (sympy)."""
    from automath.regression.estimator import SymbolicRegressor
    cols = _columns()
    x = np.stack(list(cols.values()), 1)
    y = cols["v"] * cols["t"] + 0.5 * cols["t"] ** 2
    model = SymbolicRegressor(grammar="trig", variable_names=tuple(cols), max_time=30,
                              X_units=[UNITS[n] for n in cols]).fit(x, y)
    assert all(consistent(e["term"], DIMS, None) for e in model._front)
    m, v, t = sympy.symbols("m v t")
    assert sympy.simplify(model.sympy() - (v * t + t**2 / 2)) == 0
