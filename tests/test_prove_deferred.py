"""Deferred normalization: large critical pairs queued raw give proofs as sound as eager ones.

Oracles: the independent checker (``res.proved`` is only true after it replays the proof) and
the ring Z/4, in which every step of each proof must hold under every assignment.
"""

from __future__ import annotations

import pytest

from automath.proofs.prove import prove
from tests.test_prove_saturation import RING, UEQ, Z4, holds, models

pytestmark = pytest.mark.usefixtures("one_thread")


@pytest.mark.parametrize("factor", [1.5, float("inf")])
def test_ring_times_zero_is_proved_with_and_without_deferring(factor):
    res = prove(UEQ / "ring-times-zero.toml", timeout=60, eager_factor=factor)
    assert res.proved and res.stats["status"] == "proved"
    assert (res.stats["deferred"] > 0) == (factor != float("inf"))
    for c in models(res.problem, RING, Z4):
        assert all(holds(s.lhs, s.rhs, RING, Z4, c) for s in res.proof)


def test_a_false_goal_is_not_proved_when_pairs_are_deferred(tmp_path):
    """x * y = y * x does not follow from the ring axioms (matrices): saturation or budget."""
    text = (UEQ / "ring-times-zero.toml").read_text().replace('"0 * a = 0"', '"a * b = b * a"')
    text = text.replace('goal = "a * 0 = 0"', 'goal = "a * b = b * a"')
    text = text.replace('constants = ["a"]', 'constants = ["a", "b"]')
    (tmp_path / "ring.lark").write_text((UEQ / "ring.lark").read_text())
    f = tmp_path / "comm.toml"
    f.write_text(text)
    res = prove(f, timeout=3, eager_factor=1.5)
    assert not res.proved and res.stats["status"] in ("budget", "saturated")
