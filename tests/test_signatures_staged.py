"""Staged exploration (issue 15.5): ``--background OPS`` hides the laws among the background
operators but still prunes with them, so a signature extending arithmetic prints only new
laws. Oracles: Python integers, and the text of the laws (which operators they use)."""

from __future__ import annotations

import json
import random

import pytest
from click.testing import CliRunner

from automath.cli.main import main as cli
from automath.core.errors import AutomathError
from automath.laws.explore import Stats, explore

pytestmark = pytest.mark.usefixtures("one_thread")


def _holds_for_integers(lhs: str, rhs: str) -> bool:
    rng = random.Random(1)
    envs = ({v: rng.randint(-40, 40) for v in "xyz"} for _ in range(200))
    return all(eval(lhs, env) == eval(rhs, env) for env in envs)


def test_background_arithmetic_prints_only_the_laws_of_negation() -> None:
    full = explore("ring", size=5, weights=False)
    stats = Stats()
    staged = explore("ring", size=5, weights=False, background="add,mul", stats=stats)
    new = {str(law) for law in full if "-" in str(law)}  # the laws that use negation
    assert {str(law) for law in staged} == new
    assert stats.background == len(full) - len(new) > 0  # x + 0 = x, x * y = y * x, ...
    assert all(_holds_for_integers(law.lhs_text, law.rhs_text) for law in staged)


def test_background_laws_still_prune_the_new_ones() -> None:
    staged = {str(law) for law in explore("ring", size=5, weights=False, background="add,mul")}
    # each follows from x * -y = -(x * y) and commutativity, a background law: not printed
    assert staged.isdisjoint({"-x * y = -(x * y)", "-(x * y) = -x * y", "-y + -x = -(x + y)"})
    assert "-(x * y) = x * -y" in staged


def test_background_from_the_cli_and_a_bad_operator() -> None:
    out = CliRunner().invoke(cli, ["explore", "ring", "--size", "4", "--background", "add,mul",
                                   "--format", "json", "--no-save"])
    assert out.exit_code == 0, out.output
    laws = json.loads(out.output)["laws"]
    assert laws and all("-" in r["lhs"] + r["rhs"] for r in laws)
    with pytest.raises(AutomathError, match="'pow' is not in the signature"):
        explore("ring", size=3, background="add,pow")
