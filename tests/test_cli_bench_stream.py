"""Bench commands stream their rows (issue 17.7): each row is on stdout before the next job
starts (observed by slow fake jobs that read what stdout holds when they are called), piped
output is plain markdown with no ANSI codes, JSON is one document of every table, and on a
terminal a progress bar runs on stderr while the rich table comes at the end."""

from __future__ import annotations

import io
import json
import sys

import pytest
from click.testing import CliRunner
from rich.console import Console

import automath.cli.common as common
import benchmarks.ablate as ablate
import benchmarks.evonet as evonet
import benchmarks.explore as explore
import benchmarks.prove as bprove
from automath.cli.main import main

ANSI = "\x1b["


def stdout_so_far() -> str:
    """What the command has written to stdout until now (CliRunner's buffer)."""
    sys.stdout.flush()
    return sys.stdout.buffer.getvalue().decode()


class Recorder:
    """A fake job: row ``n`` for its ``n``-th call; remembers stdout at each call."""

    def __init__(self, make) -> None:
        self.make, self.seen = make, []

    def __call__(self, *args, **kwargs) -> dict:
        self.seen.append(stdout_so_far())
        return self.make(len(self.seen), *args, **kwargs)


def explore_row(n: int, grammar: str, size: int, options=None) -> dict:
    return {"seconds": 0.1 * n, "cpu_seconds": 0.1, "laws": 100 + n, "peak_MB": 1.0,
            "added_MB": 0.5, "stats": {"seconds": {"weights": 0.0}, "classes": 1,
                                       "candidates": 2}}


def pair_row(n: int, k, job, settings) -> dict:
    return {c: f"cell{n}" for c in ablate.PAIR_COLUMNS} | {
        "task": job[0], "s on": 1.0, "s off": 2.0, "solved on": True, "solved off": False}


CASES = ["{min,max} size 7", "Booleans size 7", "{0,1,+,*} size 7"]


def run_explore(monkeypatch, *args: str):
    fake = Recorder(explore_row)
    monkeypatch.setattr(explore, "run_case", fake)
    argv = ["bench", "explore", "--repeat", "1", "--growth", "", *args]
    for case in CASES:
        argv += ["--case", case]
    return CliRunner().invoke(main, argv), fake


def test_explore_rows_are_printed_before_the_next_case_runs(monkeypatch):
    out, fake = run_explore(monkeypatch)
    assert out.exit_code == 0, out.output
    assert len(fake.seen) == len(CASES)
    for k, seen in enumerate(fake.seen):  # at call k, rows 1..k-1 are out, row k is not
        assert [f"| {case} | {101 + i} |" in seen for i, case in enumerate(CASES)] \
            == [i < k for i in range(len(CASES))]
    assert ANSI not in out.output
    lines = out.output.splitlines()
    assert sum(line.startswith("| {") or line.startswith("| Bool") for line in lines) == 3


def test_piped_output_is_the_markdown_table_print_table_gives(monkeypatch, capsys):
    out, _ = run_explore(monkeypatch)
    monkeypatch.setattr(explore, "run_case", Recorder(explore_row))
    rows = explore.bench_explore(CASES, repeat=1)  # the same fake rows, printed at once
    common.print_table(rows, "explore: best of runs, fresh process each (peak RSS includes "
                             "torch)")
    assert out.output == capsys.readouterr().out


def test_json_is_one_document_of_every_table(monkeypatch):
    out, _ = run_explore(monkeypatch, "--format", "json")
    doc = json.loads(out.output)
    assert list(doc) == ["explore"] and [r["laws"] for r in doc["explore"]] == [101, 102, 103]


def test_ablate_rows_stream_and_json_holds_rows_and_summary(monkeypatch):
    fake = Recorder(pair_row)
    monkeypatch.setattr(ablate, "run_pair", fake)
    out = CliRunner().invoke(main, ["bench", "ablate", "--tasks", "run"])
    assert out.exit_code == 0, out.output
    assert "cell1" not in fake.seen[0] and "cell1" in fake.seen[1] and "cell2" in fake.seen[2]
    assert out.output.index("ablate: per task") > out.output.index("cell6")
    assert ANSI not in out.output
    doc = json.loads(CliRunner().invoke(main, ["bench", "ablate", "--tasks", "run",
                                               "--json"]).output)
    assert len(doc["rows"]) == len(ablate.TARGETS) and doc["summary"][0]["jobs"] == 6


def test_prove_rows_stream_problem_by_problem(monkeypatch):
    fake = Recorder(lambda n, path, budget, *a, **kw: {
        "solved": True, "seconds": float(n), "status": f"proved{n}", "search_s": 0.1,
        "generated": 1, "given": 1, "guided": 0, "proof_steps": 1})
    monkeypatch.setattr(bprove, "run_automath", fake)
    out = CliRunner().invoke(main, ["bench", "prove", "--peers", "", "--problems",
                                    "monoid-identities,comb-skk"])
    assert out.exit_code == 0, out.output
    # calls: warm-up, then (on, off) per problem; the first problem's rows are out before
    # the second problem's first run
    assert "proved2" not in fake.seen[2] and {"proved2", "proved3"} <= set(
        fake.seen[3].replace("|", " ").split())
    assert ANSI not in out.output and out.output.count("| monoid-identities |") == 2


def test_evonet_rows_stream(monkeypatch):
    speed = Recorder(lambda n, *a: {"ops": n, "batched_ms": 1.0})
    recovery = Recorder(lambda n, *a: {"rule": f"rule{n}", "recovered": "1/1"})
    monkeypatch.setattr(evonet, "_speed_row", speed)
    monkeypatch.setattr(evonet, "_recovery_row", recovery)
    monkeypatch.setattr(evonet, "EvonetRegressor", lambda **kw: type(
        "Fit", (), {"fit": lambda self, *a: self})())
    out = CliRunner().invoke(main, ["bench", "evonet", "--quick", "--seeds", "1"])
    assert out.exit_code == 0, out.output
    assert "| 1 | 1 |" in speed.seen[1] and "| 2 | 1 |" not in speed.seen[1]
    assert "| 3 | 1 |" in recovery.seen[0] and ANSI not in out.output


def test_on_a_terminal_a_progress_bar_runs_on_stderr_and_the_table_comes_at_the_end(
        monkeypatch):
    term, err = io.StringIO(), io.StringIO()
    monkeypatch.setattr(common, "console", Console(file=term, force_terminal=True, width=200))
    monkeypatch.setattr(common, "err_console", Console(file=err, force_terminal=True,
                                                       width=200))
    seen = []
    with common.Printer("table") as out, out.stream("rows", "t", ["a"], total=2) as add:
        add({"a": "first"})
        seen.append((term.getvalue(), err.getvalue()))
        add({"a": "second"})
    assert "first" not in seen[0][0] and "first" in seen[0][1]  # the row above the bar
    assert "0/2" in err.getvalue() and "2/2" in err.getvalue() and ANSI in err.getvalue()
    assert "first" in term.getvalue() and "second" in term.getvalue()  # the final table


@pytest.mark.parametrize("fmt", ["markdown", "table"])
def test_a_printer_stream_prints_each_row_as_it_is_added(fmt, capsys):
    with common.Printer(fmt) as out, out.stream("rows", "t", ["a", "b"]) as add:
        add({"a": 1, "b": "x | y"})
        first = capsys.readouterr().out
        add({"a": 2, "b": "z"})
    assert first == "t\n\n| a | b |\n|---|---|\n| 1 | x \\| y |\n"
    assert capsys.readouterr().out == "| 2 | z |\n"


def test_latex_is_a_tabular_per_table(monkeypatch):
    out, _ = run_explore(monkeypatch, "--format", "latex")
    assert out.output.startswith("\\begin{tabular}") and out.output.count("\\hline") == 1
    assert "\\{min,max\\} size 7 & 101" in out.output


def test_an_unknown_case_is_a_usage_error():
    out = CliRunner().invoke(main, ["bench", "explore", "--case", "nosuch"])
    assert out.exit_code == 2 and "nosuch" in out.output
