"""A time budget on the loop (issue 17.4): `run --max-time` ends between steps with what was
found, stores the run as stopped-at-budget, and `--resume` continues it to the same run an
uninterrupted loop makes."""

import sqlite3
from pathlib import Path

from click.testing import CliRunner

from automath import Domain, Loop, RunStore
from automath.cli.main import main
from automath.runs.resume import open_run

ARGS = ["run", "arith", "--atoms", "x,1", "--target", "x*x + 1", "--format", "json"]
TINY = "0.000001"  # past after any step: each command makes exactly one step


def cli(*args: str):
    out = CliRunner().invoke(main, list(args))
    assert out.exit_code == 0, out.stderr or out.output
    return out


def stored(db: Path) -> tuple[str, int, list[tuple[int, str]]]:
    """(status, step, [(step, metrics)]) of run 1, read with plain sqlite3."""
    with sqlite3.connect(f"{db.as_uri()}?mode=ro", uri=True) as conn:
        status, step = conn.execute("SELECT status, step FROM runs WHERE id = 1").fetchone()
        rows = conn.execute("SELECT step, metrics FROM steps ORDER BY step").fetchall()
    return status, step, rows


def top_weights(db: Path, step: int) -> list[tuple[str, float]]:
    return [(t, w) for s, _, t, w in RunStore(db, readonly=True).weights(1) if s == step]


def test_a_long_run_stops_at_its_budget_with_its_steps_saved(tmp_path: Path):
    db = tmp_path / "r.db"
    out = cli(*ARGS, "--steps", "100000", "--max-time", "0.5", "--db", str(db))
    status, step, rows = stored(db)
    assert status == "stopped-at-budget" and 1 <= step < 100000
    assert [s for s, _ in rows] == list(range(1, step + 1))  # every finished step is there
    said = " ".join(out.stderr.split())
    assert f"stopped at budget (0.5 s): run 1 is saved at step {step} of 100000" in said
    assert f"automath run --resume 1 --db {db}" in said
    assert '"status": "stopped-at-budget"' in out.stdout


def test_resumed_budget_runs_equal_an_uninterrupted_run(tmp_path: Path):
    cut, whole = tmp_path / "cut.db", tmp_path / "whole.db"
    cli(*ARGS, "--steps", "5", "--max-time", TINY, "--db", str(cut))
    assert stored(cut)[:2] == ("stopped-at-budget", 1)
    first = stored(cut)[2]
    cli("run", "--resume", "1", "--max-time", TINY, "--db", str(cut))
    status, step, rows = stored(cut)
    assert (status, step) == ("stopped-at-budget", 2) and rows[:1] == first  # step 1 intact
    cli("run", "--resume", "1", "--max-time", "0", "--db", str(cut))  # 0: no limit
    cli(*ARGS, "--steps", "5", "--max-time", "0", "--db", str(whole))
    assert stored(cut)[:2] == stored(whole)[:2] == ("finished", 5)
    assert stored(cut)[2] == stored(whole)[2]  # the same metrics at every step
    assert top_weights(cut, 5) == top_weights(whole, 5) and top_weights(cut, 5)


def test_the_library_loop_takes_a_budget_and_continues(tmp_path: Path):
    domain = Domain.create("arith", atoms="x,1")
    whole = Loop(domain, target="x*x + 1", steps=4)
    whole.run()
    cut = Loop(domain, target="x*x + 1", steps=4, max_time=0)
    cut.run()
    assert (cut.state.step, cut.stopped) == (1, "time")
    cut.run(steps=1)
    assert (cut.state.step, cut.stopped) == (2, None)  # one step asked, one made: no budget
    cut.run()
    assert (cut.state.step, cut.stopped) == (3, "time")
    cut.run()
    assert (cut.state.step, cut.stopped) == (4, None)  # the last step ends it, not the budget
    assert cut.state.history == whole.state.history
    assert whole.stopped is None and Loop(domain, target="x", steps=2, max_time=1e9).run()


def test_a_stored_budget_is_read_back_and_checked(tmp_path: Path):
    db = tmp_path / "r.db"
    cli(*ARGS, "--steps", "3", "--max-time", "7", "--db", str(db))
    assert RunStore(db).run(1)["config"]["max_time"] == 7
    assert open_run(RunStore(db), 1).config.max_time == 7
    with sqlite3.connect(db) as conn:  # an old run stores no budget: it has none
        conn.execute("UPDATE runs SET config = json_remove(config, '$.max_time')")
    assert open_run(RunStore(db), 1).config.max_time is None
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE runs SET config = json_set(config, '$.max_time', 'soon')")
    out = CliRunner().invoke(main, ["query", "1", "--db", str(db)])
    assert out.exit_code == 1 and "max_time = 'soon'" in out.stderr
