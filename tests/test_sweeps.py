"""Sweeps: plans read from TOML, jobs on a process pool (and Ray when installed), runs merged."""

from __future__ import annotations

import sqlite3

import pytest
from click.testing import CliRunner

from automath.cli.sweep import sweep_cmd
from automath.core.errors import AutomathError
from automath.runs.merge import merge_into
from automath.runs.store import RunStore
from automath.sweeps import Job, ProcessPool, execute, load_plan, run_sweep

PLAN = """command = "run"
args = ["arith"]
[options]
steps = 2
atoms = "x,1"
[grid]
target = ["x + 1", "x * x"]
seed = [0, 1]
"""


def _rows(path: str, table: str) -> list[tuple]:
    """Every row of a table (run ids dropped), read with plain sqlite3."""
    with sqlite3.connect(path) as conn:
        cols = [r[1] for r in conn.execute(f"PRAGMA table_info({table})")]
        keep = [c for c in cols if c not in ("run_id", "id")]
        return sorted(conn.execute(f"SELECT {', '.join(keep)} FROM {table}").fetchall())


def test_plan_is_the_grid_of_command_lines(tmp_path):
    f = tmp_path / "s.toml"
    f.write_text(PLAN)
    argv = [" ".join(j.argv) for j in load_plan(f)]
    assert len(argv) == 4 and len(set(argv)) == 4
    assert "run arith --steps 2 --atoms x,1 --target x * x --seed 1" in argv


@pytest.mark.parametrize("text, words", [
    ('command = "rm"\n', "'command' must be one of"),
    ('command = "run"\n[grid]\nseed = 3\n', "needs a non-empty list"),
    ('command = "run"\nargs = ["{problem}"]\n', "name a setting the grid lacks"),
    ('command = "run"\nargs = [\n', "cannot read the sweep file"),
    ('command = "run"\n[[run]]\nseed = 1\n', "unknown key 'run'"),  # [[runs]] misspelt
])
def test_bad_plans_are_clear_errors(tmp_path, text, words):
    f = tmp_path / "bad.toml"
    f.write_text(text)
    with pytest.raises(AutomathError, match=words) as err:
        load_plan(f)
    assert str(err.value).count(str(f)) == 1  # the file is named once


def test_a_merged_run_is_the_run_its_job_wrote(tmp_path):
    """Every table's rows of a job's own database reappear in the main one."""
    out = execute(Job("one", ("run", "arith", "--steps", "3", "--atoms", "x,1")))
    assert out.ok, out.output
    task = tmp_path / "task.db"
    task.write_bytes(out.database)
    main = RunStore(tmp_path / "main.db")
    main.create({"grammar": "logic"}, {})  # the main file already holds a run
    assert merge_into(main, task) == [2]
    main.conn.close()
    for table in ("runs", "steps", "weights", "state", "rows"):
        theirs = _rows(str(task), table)
        mine = _rows(str(tmp_path / "main.db"), table)
        assert theirs and set(theirs) <= set(mine), table


def test_four_runs_on_two_workers_are_merged_intact(tmp_path):
    f = tmp_path / "s.toml"
    f.write_text(PLAN)
    db = str(tmp_path / "runs.db")
    out = CliRunner().invoke(sweep_cmd, [str(f), "--workers", "2", "--db", db])
    assert out.exit_code == 0, out.output
    assert "4 jobs: 4 ok, 0 failed, 0 killed; 4 runs merged" in out.output
    runs = RunStore(db).runs()
    assert sorted((r["config"]["target"], r["status"], r["step"]) for r in runs) == sorted(
        [("x + 1", "finished", 2), ("x * x", "finished", 2)] * 2)
    assert len({r["id"] for r in runs}) == 4


def test_a_job_past_its_time_is_killed_retried_once_and_reported(tmp_path):
    jobs = [Job("long", ("run", "arith", "--steps", "100000"))]
    (row,) = run_sweep(jobs, tmp_path / "runs.db", pool=ProcessPool(1), timeout=4)
    assert (row["status"], row["tries"]) == ("killed", 2)


def test_a_failing_job_is_reported_with_its_exit_code(tmp_path):
    (row,) = run_sweep([Job("bad", ("run", "no-such-grammar"))], tmp_path / "runs.db",
                       pool=ProcessPool(1))
    assert row["status"] == "failed (exit 1)" and row["runs"] == [] and row["tries"] == 2


def test_ray_pool_runs_the_same_jobs(tmp_path):
    pytest.importorskip("ray")
    from automath.sweeps import RayPool
    jobs = [Job(f"seed={s}", ("run", "arith", "--steps", "1", "--seed", str(s)))
            for s in (0, 1)]
    rows = list(run_sweep(jobs, tmp_path / "runs.db", pool=RayPool()))
    assert sorted(r["status"] for r in rows) == ["ok", "ok"]
    assert len(RunStore(tmp_path / "runs.db").runs()) == 2


def test_the_shipped_example_plan_reads():
    from pathlib import Path
    plan = Path(__file__).resolve().parent.parent / "examples" / "sweep.toml"
    jobs = load_plan(plan)
    assert len(jobs) == 4 and all(j.argv[:2] == ("run", "arith") for j in jobs)


def test_bench_sr_on_two_workers_finds_what_one_worker_finds():
    """Same runs in the same order; only the seconds may differ."""
    from benchmarks.sr import bench_sr
    keep = ("method", "problem", "seed", "exact", "found")
    one, two = (bench_sr("1,8", seeds=1, peers=(), budget=10, workers=w)["runs"] for w in (1, 2))
    assert [{k: r[k] for k in keep} for r in two] == [{k: r[k] for k in keep} for r in one]
    assert all(r["exact"] for r in one)
