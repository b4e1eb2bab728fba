"""``bench sr`` streams its rows (issue 17.7 request): each run's row is on stdout before the
next run starts (slow fake runs that read stdout when called), JSON is one document
{"runs": [...], "rows": [...]}, and ``--scale`` streams its rows the same way."""

from __future__ import annotations

import json
import sys

from click.testing import CliRunner

import benchmarks.sr as sr
from automath.cli.main import main


def stdout_so_far() -> str:
    """What the command has written to stdout until now (CliRunner's buffer)."""
    sys.stdout.flush()
    return sys.stdout.buffer.getvalue().decode()


class Recorder:
    """A fake run: a row whose formula names its call number; remembers stdout at each call."""

    def __init__(self) -> None:
        self.seen: list[str] = []

    def __call__(self, method, name, seed, budget, noise=0.0) -> dict:
        self.seen.append(stdout_so_far())
        n = len(self.seen)
        return {"method": method, "problem": name, "seed": seed, "noise": noise,
                "exact": n % 2 == 1, "proof": "proved" if n % 2 else "", "seconds": 0.5,
                "found": f"formula{n}", "r2": 1.0, "phase": "base size 3"}


def run_sr(monkeypatch, *args: str):
    fake = Recorder()
    monkeypatch.setattr(sr, "run_one", fake)
    monkeypatch.setattr(sr, "_warm_up", lambda budget: None)
    argv = ["bench", "sr", "--problems", "1,2,3", "--seeds", "1", "--peers", "", *args]
    return CliRunner().invoke(main, argv), fake


def test_each_run_is_printed_before_the_next_run_starts(monkeypatch):
    out, fake = run_sr(monkeypatch)
    assert out.exit_code == 0, out.output
    assert len(fake.seen) == 3
    for k, seen in enumerate(fake.seen):  # at call k, runs 1..k are out, run k+1 is not
        assert [f"formula{i + 1}" in seen for i in range(3)] == [i < k for i in range(3)]
    assert "\x1b[" not in out.output
    assert out.output.index("formula3") < out.output.index("exact recovery")
    summary = out.output[out.output.index("exact recovery"):]
    assert "| all | 0 | 2/3 |" in summary  # two of the three fake runs are exact


def test_json_is_one_document_of_runs_and_rows(monkeypatch):
    out, _ = run_sr(monkeypatch, "--json")
    doc = json.loads(out.output)
    assert list(doc) == ["runs", "rows"]
    assert [r["found"] for r in doc["runs"]] == ["formula1", "formula2", "formula3"]
    assert [r["problem"] for r in doc["rows"]] == ["Nguyen-1", "Nguyen-2", "Nguyen-3", "all"]
    assert doc["rows"][-1]["found by"] == "enumeration 2"


def test_scale_rows_stream(monkeypatch):
    seen: list[str] = []

    def fake_scale(rows=sr.SCALE_ROWS, seed=0, budget=60.0, echo=None):
        out = []
        for n in rows:
            seen.append(stdout_so_far())
            out.append({"rows": n, "seconds": 1.0, "memory MB": 2.0, "formula": f"f{n}",
                        "exact": True, "stopped": None})
            echo(out[-1])
        return out

    monkeypatch.setattr(sr, "bench_scale", fake_scale)
    out = CliRunner().invoke(main, ["bench", "sr", "--scale"])
    assert out.exit_code == 0, out.output
    assert "f2000" not in seen[0] and "f2000" in seen[1] and "f20000" in seen[2]
    assert out.output.count("| 200000 |") == 1
