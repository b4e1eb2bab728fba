"""The mean of y is a row of every front (issue 16): a fit never predicts worse than a constant.
Oracle: numpy's mean and variance."""

from __future__ import annotations

import numpy as np

from automath.regression import SymbolicRegressor


def test_the_front_holds_the_mean_of_y():
    rng = np.random.default_rng(2)
    x, y = rng.normal(size=(50, 2)), 3.0 + rng.normal(size=50)
    model = SymbolicRegressor(max_time=2, base_elements=2000, max_goals=2000).fit(x, y)
    ones = [e for e in model._front if e["size"] == 1 and e["term"].op == "num"]
    assert ones and np.isclose(float(ones[0]["term"].token), np.mean(y), rtol=1e-10)
    assert np.isclose(ones[0]["loss"], 1.0, rtol=1e-9)  # NMSE of the mean: var / var
    pred = model.predict(x)
    assert np.mean((pred - y) ** 2) <= np.var(y) * (1 + 1e-9)
