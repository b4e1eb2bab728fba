"""bench sr's gplearn runs one generation at a time (warm_start) so that it stops at the
budget (issue 16): without a binding budget the program is the one a single gplearn fit
returns (gplearn itself is the oracle); with a tiny budget it stops after fewer generations."""

from __future__ import annotations

import numpy as np
import pytest

from benchmarks.sr import generations

gplearn = pytest.importorskip("gplearn.genetic")


def small_model(seed: int = 0):
    return gplearn.SymbolicRegressor(population_size=200, generations=5, random_state=seed,
                                     function_set=("add", "sub", "mul", "sin"), n_jobs=1)


def data():
    x = np.linspace(-1, 1, 30)[:, None]
    return x, np.sin(x[:, 0]) * x[:, 0] + x[:, 0] ** 3


def test_generation_by_generation_is_one_fit_when_the_budget_does_not_bind():
    x, y = data()
    stepped = small_model()
    assert generations(stepped, x, y, budget=1e9) == "generations"
    whole = small_model().fit(x, y)
    assert str(stepped._program) == str(whole._program)
    assert len(stepped._programs) == 5


def test_a_tiny_budget_stops_after_the_first_generation():
    x, y = data()
    model = small_model()
    assert generations(model, x, y, budget=0.0) == "budget"
    assert len(model._programs) == 1
