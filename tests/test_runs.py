"""Run store: a real SQLite file; a killed run keeps its finished steps and resumes."""

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from automath import RunStore, RunStoreError
from automath.runs.resume import open_run

CLI = [sys.executable, "-c", "from automath.cli.main import main; main()"]


def automath(*args: str, **kw) -> subprocess.CompletedProcess:
    return subprocess.run([*CLI, *args], capture_output=True, text=True, timeout=300, **kw)


def steps_in(db: Path) -> list[tuple[int, str]]:
    try:
        with sqlite3.connect(db) as conn:
            return conn.execute("SELECT step, metrics FROM steps ORDER BY step").fetchall()
    except sqlite3.OperationalError:
        return []


@pytest.mark.slow
def test_killed_run_keeps_finished_steps_and_resumes(tmp_path: Path):
    db = tmp_path / "runs.db"
    proc = subprocess.Popen([*CLI, "run", "arith", "--steps", "40", "--db", str(db)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 120
    while len(steps_in(db)) < 5 and time.time() < deadline:
        time.sleep(0.2)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    before = steps_in(db)
    assert 5 <= len(before) < 40
    assert [s for s, _ in before] == list(range(1, len(before) + 1))
    assert RunStore(db).run(1)["status"] == "running"

    out = automath("run", "--resume", "1", "--db", str(db))
    assert out.returncode == 0, out.stderr
    after = steps_in(db)
    assert [s for s, _ in after] == list(range(1, 41))
    assert after[: len(before)] == before  # finished steps are intact
    assert RunStore(db).run(1)["status"] == "finished"
    assert json.loads(after[-1][1])["step"] == 40


def test_query_reads_a_stored_run(tmp_path: Path):
    db = tmp_path / "runs.db"
    assert automath("run", "arith", "--steps", "12", "--db", str(db)).returncode == 0
    out = automath("query", "1", "--top", "5", "--where", "size<=9", "--format", "json",
                   "--db", str(db))
    rows = json.loads(out.stdout)
    assert 1 <= len(rows) <= 5 and all(r["size"] <= 9 for r in rows)
    assert [r["weight"] for r in rows] == sorted((r["weight"] for r in rows), reverse=True)
    loop = open_run(RunStore(db), 1)
    assert loop.state.step == 12 and loop.result().top(1, where="size<=9")[0].id == rows[0]["id"]


def test_missing_run_and_corrupt_file_are_clear_errors(tmp_path: Path):
    db = tmp_path / "runs.db"
    with pytest.raises(RunStoreError, match="no run 7"):
        RunStore(db).run(7)
    bad = tmp_path / "bad.db"
    bad.write_bytes(b"this is not a database" * 100)
    with pytest.raises(RunStoreError, match="bad.db"):
        RunStore(bad)
    out = automath("query", "3", "--db", str(db))
    assert out.returncode == 1 and "no run 3" in out.stderr and not out.stdout


def test_journal_entry_has_config_top_elements_and_a_png(tmp_path: Path):
    out = automath("run", "arith", "--steps", "8", "--journal", "--db", str(tmp_path / "r.db"),
                   cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    (md,) = (tmp_path / "journal").glob("*-run1.md")
    text = md.read_text()
    assert '"target": "x*x*x + 2*x"' in text and "| 1 | `" in text
    png = tmp_path / "journal" / md.name.replace(".md", ".png")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and f"({png.name})" in text


def legacy_blob(state, seen) -> bytes:
    """A state as automath 0.1 saved it: ``torch.save`` of plain tensors and containers."""
    import io

    import torch
    s = state.store
    data = {f: getattr(s, f).clone() for f in ("values", "keys", "rule", "left", "right", "size")}
    data["leaves"] = {i: (t.op, t.token) for i, t in s.leaves.items()}
    data.update(p0=state.p0, alive=state.alive, edges=list(state.edges.fields()), seen=seen,
                logits=state.logits.detach(), opt=state.opt_state, step=state.step,
                history=state.history)
    buf = io.BytesIO()
    torch.save(data, buf)
    return buf.getvalue()


def test_run_saved_by_0_1_with_24_bit_seen_keys_resumes_with_the_same_pairs(tmp_path: Path):
    """A state saved by 0.1 (torch.save, no format marker, seen keys packed rule << 48 |
    i << 24 | j + 1) resumes with the pairs it had tried: the old layout by hand is the oracle."""
    import torch

    from automath.core.generate import split_keys
    from automath.runs.resume import record

    db = RunStore(tmp_path / "runs.db")
    rid = db.create({"grammar": "arith", "atoms": "x,1"}, {"steps": 3, "target": "x + 1"})
    loop = open_run(db, rid)
    loop.run(3, on_step=record(db, rid, loop))
    triples = [t.tolist() for t in split_keys(loop.state.seen)]
    assert len(triples[0]) > 0
    rule, i, j = (torch.tensor(t) for t in triples)
    with db.conn:
        db.conn.execute("DELETE FROM rows")
        db.conn.execute("UPDATE state SET blob = ? WHERE run_id = ?",
                        (legacy_blob(loop.state, rule << 48 | i << 24 | (j + 1)), rid))
    resumed = open_run(db, rid)
    assert [t.tolist() for t in split_keys(resumed.state.seen)] == triples
    assert torch.equal(resumed.state.store.values, loop.state.store.values)
    resumed.run(1, on_step=record(db, rid, resumed))  # saved again, in the new format
    assert open_run(db, rid).state.step == 4 and db.run(rid)["status"] == "finished"
