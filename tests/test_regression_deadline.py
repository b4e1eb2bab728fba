"""Every fit ends within its budget (issue 16): the stages after the search (constant fits,
near look-ups) check a deadline passed to them; a fake clock stands in for time (no timing
asserts). Oracles: counts of the constant fits and optimizer evaluations done."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from automath.core.grammar import Grammar
from automath.regression.budget import Budget
from automath.regression.data import split_rows
from automath.regression.estimator import SymbolicRegressor, front_records
from automath.regression.formula import Formula, fit_constants

QUICK = {"base_elements": 20000, "max_goals": 20000, "deep": 0, "steps": 0, "max_time": None}


class Clock:
    """A clock that moves only when told."""

    def __init__(self) -> None:
        self.t = 0.0

    def __call__(self) -> float:
        return self.t


def test_a_fit_on_data_without_a_formula_stops_at_the_budget_with_a_front():
    rng = np.random.default_rng(0)
    model = SymbolicRegressor(max_time=3).fit(rng.normal(size=(200, 4)), rng.normal(size=200))
    rows = front_records(model)
    assert model.stopped_ == "time" and rows
    assert [r["selected"] for r in rows].count(True) == 1


def test_fit_constants_ends_when_its_stop_holds():
    f = Formula(Grammar.load("trig").parse("1*sin(1*x) + 1"), ["x"])
    x = torch.linspace(-2, 2, 50)[:, None]
    y = 2.5 * torch.sin(1.3 * x[:, 0]) + 0.5
    calls = []
    fit_constants(f, x, y, stop=lambda: calls.append(1) or len(calls) > 3)
    assert len(calls) == 4  # the fourth evaluation found the deadline and ended the fit
    free = []
    g = Formula(Grammar.load("trig").parse("1*sin(1*x) + 1"), ["x"])
    fit_constants(g, x, y, stop=lambda: free.append(1) and False)
    assert len(free) > 4


@pytest.fixture(scope="module")
def searched():
    """A model, its search result and its rows (noisy 2.5·sin(1.3x) + 0.5: constants to fit)."""
    rng = np.random.default_rng(1)
    x = rng.uniform(-2, 2, (40, 1))
    y = 2.5 * np.sin(1.3 * x[:, 0]) + 0.5 + 0.05 * rng.normal(size=40)
    model, seen = SymbolicRegressor(grammar="trig", variable_names=("x",), **QUICK), {}
    real = model._candidates

    def keep(res, data, names):
        seen["res"] = res
        return real(res, data, names)

    model._candidates = keep
    model.fit(x, y)
    del model._candidates
    return model, seen["res"], split_rows(x, y, 0.0, 0)


def count_refits(model, monkeypatch) -> list:
    done, real = [], type(model)._refit
    monkeypatch.setattr(type(model), "_refit", lambda self, *a, **k: done.append(1) or
                        real(self, *a, **k))
    return done


@pytest.mark.parametrize("spent", [False, True])
def test_the_constant_fits_after_the_search_honour_the_deadline(searched, monkeypatch, spent):
    model, res, data = searched
    clock = Clock()
    budget = Budget(3.0, clock=clock)
    clock.t = 10.0 if spent else 0.0
    best = model._candidates(res, data, ["x"])[-3:]
    done = count_refits(model, monkeypatch)
    model._fitted(res, data, ["x"], best, budget)
    if spent:  # only the best entries' two fits each (with and without an offset)
        assert len(done) == 2 * len(best)
    else:      # every entry and shape: best entries, 6-9 shapes and their two-summand sums
        assert len(done) >= 2 * (len(best) + 6)


def test_the_near_look_ups_read_nothing_once_the_deadline_passed(searched, monkeypatch):
    model, res, data = searched
    clock = Clock()
    budget = Budget(3.0, clock=clock)
    clock.t = 10.0
    done = count_refits(model, monkeypatch)
    ops = ("add", "sub", "mul", "div")
    assert model._near(res, ops, data, ["x"], budget, True) == []
    assert done == []
    fresh = model._near(res, ops, data, ["x"], Budget(3.0, clock=Clock()), True)
    assert fresh and done  # the same call with time left looks up and fits
