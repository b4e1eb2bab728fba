"""explore's time budget: it stops with verified laws only, and says that it stopped.

Oracle: sympy expands both sides of every returned semiring law (no timing is asserted).
"""

from __future__ import annotations

import pytest
import sympy
from click.testing import CliRunner

from automath.cli.explore import explore_cmd
from automath.laws.explore import Deadline, Stats, enumerate_within, explore, signature

pytestmark = pytest.mark.usefixtures("one_thread")


def _true(law) -> bool:
    eq = law.eq
    return sympy.expand(eq.lhs - eq.rhs) == 0


@pytest.mark.parametrize("max_time", [0.0, 0.3, None])
def test_every_law_within_a_budget_is_true_and_a_stop_is_said(max_time):
    stats = Stats()
    laws = explore("semiring", vars="xy", size=6, max_time=max_time, stats=stats)
    assert all(_true(law) for law in laws)
    if max_time is None:
        assert stats.stopped is None and len(laws) >= 5
    if max_time == 0.0:
        assert stats.stopped and stats.stopped.startswith("time")


def test_enumeration_stops_before_a_level_once_the_deadline_passed():
    store, atoms, edges, done = enumerate_within(signature("semiring"), 5, deadline=Deadline(0))
    assert done == 1 and len(store) == len(atoms)
    full = enumerate_within(signature("semiring"), 5)
    assert full[3] == 5 and len(full[0]) > len(store)


def test_cli_says_it_stopped_at_the_budget(tmp_path):
    out = CliRunner().invoke(explore_cmd, ["semiring", "--size", "6", "--max-time", "0.000001",
                                           "--db", str(tmp_path / "r.db")])
    assert out.exit_code == 0, out.output
    assert "stopped at budget" in out.output
