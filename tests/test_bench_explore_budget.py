"""``bench explore --max-time`` (issue 17.4): past the budget no further case starts and the
case in progress is killed; the rows finished so far are printed and stderr says 'stopped at
budget'. The cases are fake jobs (fixed rows) except one real child process that is killed."""

from __future__ import annotations

import json
import subprocess
import time

from click.testing import CliRunner

import benchmarks.explore as explore
from automath.cli.main import main

CASES = ["{min,max} size 7", "Booleans size 7", "{0,1,+,*} size 7"]


def row(laws: int) -> dict:
    return {"seconds": 0.1, "cpu_seconds": 0.1, "laws": laws, "peak_MB": 1.0, "added_MB": 0.5,
            "stats": {"seconds": {"weights": 0.0}, "classes": 1, "candidates": 2}}


class SlowCases:
    """Each case sleeps ``seconds``; one given a timeout under ``need`` is killed at once (as
    the real child would be), whatever the machine's load."""

    def __init__(self, seconds: float, need: float = 0.0) -> None:
        self.seconds, self.need, self.timeouts = seconds, need, []

    def __call__(self, grammar, size, options=None, **kwargs) -> dict:
        timeout = kwargs.get("timeout")
        self.timeouts.append(timeout)
        if timeout is not None and timeout < self.need:
            raise subprocess.TimeoutExpired("fake", timeout)
        time.sleep(self.seconds)
        return row(100 + len(self.timeouts))


def bench(monkeypatch, fake, *args: str):
    monkeypatch.setattr(explore, "run_case", fake)
    argv = ["bench", "explore", "--repeat", "1", "--format", "json", *args]
    for case in CASES:
        argv += ["--case", case]
    return CliRunner().invoke(main, argv)


def test_past_the_budget_no_case_starts_and_the_rows_so_far_are_printed(monkeypatch):
    fake = SlowCases(1.0)  # the first case alone spends the 0.5 s budget
    out = bench(monkeypatch, fake, "--growth", "5,7", "--max-time", "0.5")
    assert out.exit_code == 0, out.output
    doc = json.loads(out.stdout)
    assert [r["laws"] for r in doc["explore"]] == [101] and doc["growth"] == []
    assert len(fake.timeouts) == 1 and 0 < fake.timeouts[0] <= 0.5  # none started after it
    assert "stopped at budget (0.5 s): 1 of 5 rows" in out.stderr


def test_a_case_given_less_than_it_needs_is_cut_and_not_a_row(monkeypatch):
    fake = SlowCases(0.2, need=0.2)  # the budget (0.1 s) is shorter than any case
    out = bench(monkeypatch, fake, "--growth", "", "--max-time", "0.1")
    assert out.exit_code == 0, out.output
    assert json.loads(out.stdout) == {"explore": []}
    assert "stopped at budget (0.1 s): 0 of 3 rows" in out.stderr


def test_without_a_budget_every_row_is_printed_and_nothing_is_said(monkeypatch):
    fake = SlowCases(0.0)
    out = bench(monkeypatch, fake, "--growth", "5")
    doc = json.loads(out.stdout)
    assert [r["laws"] for r in doc["explore"]] == [101, 102, 103]
    assert [r["size"] for r in doc["growth"]] == [5]
    assert fake.timeouts == [None] * 4 and "stopped" not in out.stderr


def test_the_real_case_process_is_killed_at_the_deadline():
    started = time.perf_counter()
    rows = explore.bench_explore(["{min,max} size 7"], repeat=1, deadline=started + 0.05)
    assert rows == []  # the child (python importing torch, then exploring) never finished
