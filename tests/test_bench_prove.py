"""The prover benchmark: rows per problem and variant, peers that are not on PATH skipped and
reported, E's SZS line read (no timing asserts)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from benchmarks.prove import bench_prove, missing_peers, run_eprover, summary

UEQ = Path(__file__).resolve().parent.parent / "automath" / "problems" / "ueq"
TWO = ("comb-skk", "monoid-identities")


def test_rows_interleave_learning_on_and_off_without_peers():
    rows = bench_prove(UEQ, problems=TWO, peers=(), budget=5.0)
    assert [(r["problem"], r["variant"]) for r in rows] == [
        (p, v) for p in TWO for v in ("automath", "automath (learning off)")]
    assert all(r["solved"] and r["status"] == "proved" and r["vs_E"] is None for r in rows)
    assert {s["variant"]: s["solved"] for s in summary(rows)} == {
        "automath": "2/2", "automath (learning off)": "2/2"}


def test_a_peer_not_on_path_is_reported_and_skipped(monkeypatch):
    monkeypatch.setenv("PATH", "")
    assert missing_peers(("eprover",)) == ["eprover"]
    rows = bench_prove(UEQ, problems=TWO[:1], peers=("eprover",), budget=5.0)
    assert [r["variant"] for r in rows] == ["automath", "automath (learning off)"]


@pytest.mark.skipif(shutil.which("eprover") is None, reason="eprover not installed")
def test_eprover_szs_status_is_read(tmp_path: Path):
    assert run_eprover(UEQ / "comb-skk.p", 5.0)["solved"]
    false = tmp_path / "false.p"
    false.write_text("cnf(a, axiom, f(X, Y) = f(Y, X)).\ncnf(g, negated_conjecture, a != b).\n")
    row = run_eprover(false, 5.0)
    assert not row["solved"] and row["status"] in ("Satisfiable", "CounterSatisfiable")
