"""Runs say what happened: a signal marks the run interrupted and prints how to resume it;
read commands never create a database."""

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from automath.cli.main import main

RUN = [sys.executable, "-c", "from automath.cli.main import main; main()"]


def stored(db: Path) -> tuple[str, int] | None:
    """(status, step) of run 1 read with plain sqlite3, or None while there is none."""
    if not db.exists():
        return None
    with sqlite3.connect(f"{db.as_uri()}?mode=ro", uri=True) as conn:
        try:
            return conn.execute("SELECT status, step FROM runs WHERE id = 1").fetchone()
        except sqlite3.OperationalError:  # the schema is not there yet
            return None


def start_and_signal(db: Path, signum: int) -> subprocess.CompletedProcess:
    """Start a long ``automath run``, wait for its first saved step, send ``signum``."""
    proc = subprocess.Popen([*RUN, "run", "arith", "--atoms", "x,1", "--steps", "100000",
                             "--db", str(db)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env={**os.environ, "COLUMNS": "200"})
    deadline = time.monotonic() + 120
    while (stored(db) or ("", 0))[1] < 1 and proc.poll() is None:
        assert time.monotonic() < deadline, "no step saved within 120 s"
        time.sleep(0.2)
    proc.send_signal(signum)
    out, err = proc.communicate(timeout=120)
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_signal_marks_the_run_interrupted_and_prints_resume(tmp_path: Path, signum: int):
    db = tmp_path / "r.db"
    done = start_and_signal(db, signum)
    status, step = stored(db)
    assert done.returncode == 128 + signum, done.stderr
    assert status == "interrupted" and step >= 1
    assert f"saved at step {step}" in done.stderr
    assert f"automath run --resume 1 --db {db}" in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize("args", [["runs"], ["query", "1"], ["query", "1", "--laws"]])
def test_read_commands_do_not_create_a_database(tmp_path: Path, args: list[str]):
    db = tmp_path / "nosuch.db"
    out = CliRunner().invoke(main, [*args, "--db", str(db)])
    assert out.exit_code == 1 and "no run database" in out.stderr
    assert str(db) in " ".join(out.stderr.split()) and not db.exists()
