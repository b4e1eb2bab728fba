"""The weighted loop's turns: under a time budget it interleaves with the enumeration."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from automath.core.semantics import Semantics
from automath.core.store import Store
from automath.core.term import Term
from automath.regression.data import DataKind, data_domain
from automath.regression.enumeration import size_levels
from automath.regression.search import Search, SearchConfig

pytestmark = pytest.mark.usefixtures("one_thread")

HARD = "exp(x*y)*cos(x - y) + sin(x*x)"  # A*B + C, beyond the enumeration and look-ups
SMALL = {"base_elements": 50_000, "max_goals": 20_000}  # base and goals meet in a second


def _hard_data(points: int = 20) -> tuple[dict, torch.Tensor]:
    rng = np.random.default_rng(0)
    x, y = rng.uniform(0.1, 1.5, (2, points))
    return {"x": x, "y": y}, torch.tensor(np.exp(x * y) * np.cos(x - y) + np.sin(x * x))


def _levels(store: Store, interfere: bool) -> dict[int, set[int]]:
    """Fingerprint keys of each size level; ``interfere`` adds x*(x*x) after level 3."""
    out = {}
    for s, ids in size_levels(store, 10_000, max_size=7):
        out[s] = set(store.keys[ids].tolist())
        if interfere and s == 3:
            x = Term("var", token="x")
            store.add_term(Term("mul", (x, Term("mul", (x, x)))))
    return out


def test_an_element_added_between_levels_joins_its_level():
    """An element the loop adds between two levels (here x*(x*x), size 5) is part of level 5,
    so the levels hold the same values as an enumeration left alone (the oracle)."""
    def store() -> Store:
        st = Store(DataKind({"x": [0.5, 2.0, 3.0]}), Semantics(), ["add", "mul"])
        st.add_atoms([Term("var", token="x")])
        return st
    assert _levels(store(), interfere=True) == _levels(store(), interfere=False)


def _step_phases(**config: object) -> tuple[object, list[str]]:
    """A search of the hard target; the phase the search was in at each loop step."""
    cols, y = _hard_data()
    phases: list[str] = []
    search = Search(data_domain("nguyen", cols), y, SearchConfig(**SMALL, **config),
                    on_step=lambda e: phases.append(search.phase) if e["event"] == "step"
                    else None)
    return search.run(), phases


def test_under_a_time_budget_the_loop_takes_turns_with_the_enumeration():
    """With a loop share the loop steps while the enumeration is paused in one of its phases
    (two-step goals, the raised cap); the weights stay a distribution."""
    res, phases = _step_phases(max_time=4.0)
    assert res.loop_steps > 0 and any(p != "loop" for p in phases)
    assert res.weights is not None and float(res.weights.sum()) == pytest.approx(1.0)


def test_without_a_loop_share_or_a_time_budget_the_loop_waits_for_the_enumeration():
    for config in ({"max_time": 4.0, "loop_share": 0.0}, {"max_time": None, "steps": 3}):
        res, phases = _step_phases(**config)
        assert set(phases) <= {"loop"}, config


def test_turns_keep_exact_finds_of_the_enumeration():
    """A target the two-step look-ups close is still found exactly with turns (sympy oracle)."""
    import sympy
    x = np.linspace(-1, 1, 20)
    d = data_domain("nguyen", {"x": x})
    target = x**4 + x**3 + x**2 + x
    res = Search(d, torch.tensor(target), SearchConfig(max_time=60.0)).run()
    s = sympy.Symbol("x")
    assert res.exact and sympy.expand(res.store.sympy(res.best) - (s**4 + s**3 + s**2 + s)) == 0
