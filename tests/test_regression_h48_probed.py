"""The rows the probe fitted during the search join the front when no final row is exact and
unit-consistent (issue 16): no fit the search paid for is lost when the budget runs out.
The probe is made due at every turn of the search (so it runs on a short budget); the oracle
is the rows themselves, recorded as the probe made them."""

from __future__ import annotations

import numpy as np

from automath.regression import SymbolicRegressor
from automath.regression.probe import Probe


def test_the_front_is_never_worse_than_what_the_probe_fitted(monkeypatch):
    rng = np.random.default_rng(5)
    x = rng.uniform(0.5, 3, (60, 2))
    clean = 1.7 * np.exp(-0.4 * x[:, 0]) * x[:, 1] ** 2 + 0.3 * np.sin(x[:, 1])
    y = clean + 0.02 * np.std(clean) * rng.standard_normal(60)
    monkeypatch.setattr(Probe, "due", lambda self: not self.met)
    model, seen = SymbolicRegressor(max_time=6, seed=0), []
    real = SymbolicRegressor._met

    def met(self, res, data, names, budget, kept):
        out = real(self, res, data, names, budget, kept)
        seen.append(list(kept))
        return out

    model._met = met.__get__(model)
    model.fit(x, y)
    assert seen and seen[-1], "the probe ran and fitted rows"
    best = min(model._front, key=lambda e: e["loss"])
    assert not best["exact"] and best["loss"] <= min(e["loss"] for e in seen[-1]) * (1 + 1e-9)
