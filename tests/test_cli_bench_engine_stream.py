"""bench generate and bench evolve stream their rows and stop at --max-time (issue 18): each
row is on stdout before the next job starts (fake jobs read stdout when called), and past
the budget no further job starts: the rows so far are printed and stderr says so."""

from __future__ import annotations

import json
import sys
import time

import pytest
from click.testing import CliRunner

import benchmarks.engine as engine
from automath.cli.main import main


def stdout_so_far() -> str:
    sys.stdout.flush()
    return sys.stdout.buffer.getvalue().decode()


class Recorder:
    """A fake row job: remembers stdout at each call, sleeps ``pause`` seconds, gives a row."""

    def __init__(self, make, pause: float = 0.0) -> None:
        self.make, self.pause, self.seen = make, pause, []

    def __call__(self, *args) -> dict:
        self.seen.append(stdout_so_far())
        time.sleep(self.pause)
        return self.make(len(self.seen), *args)


def generate_row(n: int, size, workload, make, left, right) -> dict:
    return {"N": size, "parents": workload, "ours_M_per_s": 1000 + n}


def evolve_row(n: int, m, depth, device) -> dict:
    return {"edges": m, "ours_M_edges_per_s": 1000 + n}


COMMANDS = {"generate": (["--sizes", "10,20,30"], "_generate_row", generate_row, 6),
            "evolve": (["--edges", "100,200,300"], "_evolve_row", evolve_row, 3)}


def run(monkeypatch, command: str, *extra: str, pause: float = 0.0):
    args, target, make, _ = COMMANDS[command]
    fake = Recorder(make, pause)
    monkeypatch.setattr(engine, target, fake)
    monkeypatch.setattr(engine, "_grammar_parents", lambda n, k, device: {})
    return CliRunner().invoke(main, ["bench", command, *args, *extra]), fake


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_rows_are_printed_before_the_next_job_runs(monkeypatch, command):
    out, fake = run(monkeypatch, command)
    total = COMMANDS[command][3]
    assert out.exit_code == 0, out.output
    assert len(fake.seen) == total
    for k, seen in enumerate(fake.seen):  # at call k, rows 1..k are out, row k+1 is not
        assert [f"| {1001 + i} |" in seen for i in range(total)] == [i < k for i in range(total)]
    assert "stopped at budget" not in out.output


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_max_time_stops_with_the_rows_so_far_and_says_so(monkeypatch, command):
    out, fake = run(monkeypatch, command, "--max-time", "0.2", pause=0.3)
    total = COMMANDS[command][3]
    assert out.exit_code == 0, out.output
    assert len(fake.seen) == 1  # the first job ran past the budget: no second one started
    assert "| 1001 |" in out.stdout and "| 1002 |" not in out.stdout
    assert f"stopped at budget (0.2 s): 1 of {total} rows" in out.stderr


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_json_holds_the_rows(monkeypatch, command):
    out, _ = run(monkeypatch, command, "--json")
    rows = json.loads(out.stdout)[command]
    assert [r["ours_M_per_s" if command == "generate" else "ours_M_edges_per_s"] for r in rows] \
        == [1001 + i for i in range(COMMANDS[command][3])]


def test_real_generate_rows_count_the_new_elements_an_independent_dedup_finds():
    rows = engine.bench_generate((12,), k=4, cap=10_000)
    assert [r["parents"] for r in rows] == ["random", "grammar"]
    for row, store in zip(rows, (engine._parents(12, 4, "cpu"),
                                 engine._reopened(engine._grammar_parents(12, 4, "cpu"), 4,
                                                  "cpu")), strict=True):
        left, right = engine._pairs(12, 10_000, "cpu")
        q = store.kind.quantize(store.values[left] * store.values[right])
        known = {tuple(r) for r in store.kind.quantize(store.values).tolist()}
        assert row["new"] == len({tuple(r) for r in q.tolist()} - known)
        assert row["candidates"] == 144 and row["ours_M_per_s"] == row["hash_table_M_per_s"]


def test_a_real_evolve_row_gives_every_rate():
    (row,) = engine.bench_evolve((1000,))
    assert row["edges"] == 1000 and row["elements"] == 100
    assert all(row[c] > 0 for c in ("ours_M_edges_per_s", "by_child_M_edges_per_s",
                                    "given_order_M_edges_per_s", "sparse_mm_M_edges_per_s"))
