"""The learner's after-step loss: recomputed independently, and never above the loss before."""

from __future__ import annotations

import pytest
import torch

from automath.core.domain import Domain
from automath.core.engine import Loop
from automath.core.evolve import evolve
from automath.core.learning import rule_weights

pytestmark = pytest.mark.usefixtures("one_thread")


def test_after_is_the_true_loss_at_the_new_weights_and_never_above_the_loss_before():
    loop = Loop(Domain.create("arith", atoms="x,1"), target="x*x + x", steps=12)
    for _ in range(12):
        loop._generate()
        edges, st = loop._live_edges(), loop.state
        a, b = (w.clone() for w in rule_weights(loop.learner.logits.detach()))
        p0, before = loop.learner.step(st.p0, edges, loop._loss, st.alive, loop._measure)
        with torch.no_grad():  # the objective at the new p0 under the rules the step used
            again = float(loop._measure(p0, evolve(p0, edges, a, b, loop.config.depth)))
        assert loop.learner.after == pytest.approx(again, rel=1e-9, abs=1e-12)
        assert loop.learner.after <= before + 1e-12
        st.p0, st.step = p0, st.step + 1


def test_history_records_the_loss_after_each_step():
    res = Loop(Domain.create("arith", atoms="x,1"), target="x + 1", steps=5).run()
    assert [h["step"] for h in res.history] == [1, 2, 3, 4, 5]
    assert all(h["after"] <= h["loss"] + 1e-12 for h in res.history)
