"""``learning=False`` freezes the weighted loop's learner (issue 16): its start weights p0 and
rule weights stay where they started, while with learning they move."""

from __future__ import annotations

import torch

from automath.core.threads import torch_threads
from automath.regression.data import data_domain
from automath.regression.estimator import FROZEN, SymbolicRegressor
from automath.regression.search import Search, SearchConfig
from benchmarks.datasets import NGUYEN

TIGHT = {"base_elements": 2000, "max_goals": 2000, "deep": 0, "steps": 3}


def _search(learning: bool):
    x, y = NGUYEN["Nguyen-5"].sample(0)
    cfg = SearchConfig(**TIGHT, **({} if learning else FROZEN))
    with torch_threads(1):
        search = Search(data_domain("nguyen", {"x": x[:, 0]}), torch.tensor(y), cfg)
        res = search.run()
    return search.loop, res


def test_without_learning_the_loops_weights_stay_at_their_start():
    loop, res = _search(learning=False)
    assert res.loop_steps >= 1  # the loop stepped (its pair look-ups may close it before step 3)
    start = loop.state.history[0]
    rules = loop.learner.rules()[0]
    assert float(rules) == 0.5  # the persistence the rule logits start from
    p0 = res.weights[res.weights > 0]
    assert torch.allclose(p0, p0[0].expand_as(p0)) and start["step"] == 1


def test_with_learning_the_weights_move():
    _, res = _search(learning=True)
    p0 = res.weights[res.weights > 0]
    assert not torch.allclose(p0, p0[0].expand_as(p0))


def test_the_estimator_passes_learning_through():
    x, y = NGUYEN["Nguyen-5"].sample(0)
    frozen = SymbolicRegressor(grammar="nguyen", learning=False, max_time=None, **TIGHT,
                               fit_constants=False).fit(x, y)
    rows = frozen.equations_
    rows = rows.to_dict("records") if hasattr(rows, "to_dict") else rows
    weights = {r["weight"] for r in rows if r["weight"] > 0}
    assert len(weights) <= 1
