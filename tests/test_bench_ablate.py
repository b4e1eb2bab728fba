"""``automath bench ablate``: the learning-on and learning-off twins of each job, in one table."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from automath.cli.main import main
from benchmarks.ablate import TARGETS, Settings, bench_ablate, summary

pytestmark = pytest.mark.usefixtures("one_thread")


def test_frozen_learner_leaves_the_weights_where_they_start():
    """Learning off: p0 stays uniform on the atoms x and 1, so the heaviest element is an atom
    at weight 1/2; learning on moves weight off the atoms."""
    rows = bench_ablate(["run"], Settings(steps=10))
    assert [r["item"] for r in rows] == list(TARGETS)
    assert all(r["off"].startswith("heaviest x (0.5)") or r["off"].startswith("heaviest 1 (0.5)")
               for r in rows)
    assert not any(r["on"].endswith("(0.5)") for r in rows)


def test_summary_counts_the_rows():
    rows = [{"task": "prove", "solved on": True, "solved off": True, "s on": 2.0, "s off": 1.0},
            {"task": "prove", "solved on": False, "solved off": True, "s on": 2.0, "s off": 3.0}]
    (row,) = summary(rows)
    assert (row["jobs"], row["solved on"], row["solved off"], row["time off/on"]) == (2, 1, 2, 1.0)


def test_cli_prints_both_tables():
    out = CliRunner().invoke(main, ["bench", "ablate", "--tasks", "run", "--steps", "2"])
    assert out.exit_code == 0, out.output
    assert "ablate: per task" in out.output and out.output.count("| run |") >= len(TARGETS)


def test_two_workers_give_the_rows_one_worker_gives():
    one = bench_ablate(["run"], Settings(steps=3))
    two = bench_ablate(["run"], Settings(steps=3), workers=2)
    drop = ("s on", "s off")
    assert [{k: v for k, v in r.items() if k not in drop} for r in two] == \
        [{k: v for k, v in r.items() if k not in drop} for r in one]


def test_fit_hard_jobs_are_the_hard_problems_by_seed():
    """``--tasks fit-hard`` runs every problem of benchmarks.datasets.HARD for each seed, and
    those targets are formulas over their own ranges' variables."""
    import sympy

    from benchmarks.ablate import jobs
    from benchmarks.datasets import HARD
    items = [item for _, item in jobs(["fit-hard"], Settings(seeds=2))]
    assert items == [(n, s) for n in HARD for s in (0, 1)]
    for problem in HARD.values():
        names = {str(v) for v in sympy.sympify(problem.formula).free_symbols}
        assert names == set(problem.variables)
