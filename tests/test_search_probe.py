"""A search's probe (``regression.probe``): a check run on what the search holds so far, at
doubling intervals, which ends the search once it holds — how the estimator's constant fits
stop a fit whose numerals only a fit can find (issue 16: budgets, found early)."""

from __future__ import annotations

import numpy as np
import torch

from automath.core.threads import torch_threads
from automath.regression.data import data_domain
from automath.regression.probe import Probe
from automath.regression.search import Search, SearchConfig


def affine_exact(res) -> bool:
    """Oracle: some stored element v has a*v + b equal to the target (numpy least squares)."""
    y = res.y.numpy()
    for v in res.store.values.to(torch.float64).numpy():
        if not np.all(np.isfinite(v)):
            continue
        a = np.stack([v, np.ones_like(v)], 1)
        coef = np.linalg.lstsq(a, y, rcond=None)[0]
        if np.max(np.abs(a @ coef - y)) < 1e-9 * np.max(np.abs(y)):
            return True
    return False


def search(probe: Probe | None, max_time: float):
    x = np.linspace(0.5, 2.0, 20)
    y = 1.37 * x**3 + 0.291  # x**3 is an element; 1.37 and 0.291 are far from the grammar
    cfg = SearchConfig(max_time=max_time, steps=3)
    with torch_threads(1):
        return Search(data_domain("nguyen", {"x": x}), torch.tensor(y), cfg,
                      probe=probe).run()


def test_a_met_probe_ends_the_search_as_exact():
    probe = Probe(affine_exact, first=0.01)
    res = search(probe, max_time=120)
    assert probe.met and res.stopped == "exact" and not res.exact  # no element is the target
    assert affine_exact(res)
    assert any(e["event"] == "probe met" for e in res.log)


def test_without_a_probe_the_same_search_runs_on():
    res = search(None, max_time=3)
    assert res.stopped == "time" and not res.exact
    assert affine_exact(res)  # the shape was there all along: only the budget ended it


def test_checks_keep_to_their_share_of_the_time():
    seen = []
    probe = Probe(lambda res: seen.append(1) or False, first=0.01, share=1.0)
    probe.start()
    while len(seen) < 3:
        if probe.due():
            probe(None)
    assert probe.gap == 8 * probe.first and not probe.met and probe.runs == 3
