"""A read-only run database (issue 17.3): read commands work, write commands are one clear
error naming the file before they do any work, and the file is left as it was.

The tests run as root, whom chmod does not stop, so the database is opened the way SQLite opens
a file its user may not write: read-only (a ``?mode=ro`` URI). Checked by hand against the real
case with the system python as ``nobody`` on a 0444 file: CREATE TABLE IF NOT EXISTS and SELECT
succeed and INSERT fails with 'attempt to write a readonly database', exactly as through the URI.
"""

import hashlib
import shutil
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from automath.cli.main import main
from automath.runs.failures import check_writable

CONNECT = sqlite3.connect


def invoke(*args: str):
    return CliRunner().invoke(main, list(args))


@pytest.fixture(scope="module")
def made(tmp_path_factory) -> Path:
    db = tmp_path_factory.mktemp("made") / "runs.db"
    out = invoke("run", "arith", "--atoms", "x,1", "--steps", "3", "--max-time", "0.000001",
                 "--db", str(db))  # one step, stopped at its budget: there is more to resume
    assert out.exit_code == 0, out.output
    return db


@pytest.fixture
def readonly(made, tmp_path, monkeypatch) -> Path:
    """A copy of the run database that every connection opens read-only."""
    db = Path(shutil.copy(made, tmp_path / "ro.db"))

    def connect(path, *args, **kwargs):
        if not kwargs.get("uri") and Path(path).resolve() == db.resolve():
            return CONNECT(f"{db.resolve().as_uri()}?mode=ro", *args, **{**kwargs, "uri": True})
        return CONNECT(path, *args, **kwargs)
    monkeypatch.setattr(sqlite3, "connect", connect)
    return db


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize("args", [["runs"], ["query", "1"], ["query", "1", "--format", "json"]])
def test_read_commands_work_on_a_read_only_database(made, readonly, args):
    got = invoke(*args, "--db", str(readonly))
    want = invoke(*args, "--db", str(made))
    assert got.exit_code == 0 and want.exit_code == 0, got.output
    assert got.output.replace(str(readonly), "DB") == want.output.replace(str(made), "DB")
    assert digest(readonly) == digest(made)


WRITES = [["run", "arith", "--atoms", "x,1", "--steps", "2"], ["run", "--resume", "1"],
          ["explore", "semiring", "--size", "3"], ["prove", "monoid-identities"]]


@pytest.mark.parametrize("args", WRITES, ids=lambda a: " ".join(a[:2]))
def test_write_commands_are_a_clear_error_and_change_nothing(made, readonly, args):
    out = invoke(*args, "--db", str(readonly))
    assert out.exception is None or isinstance(out.exception, SystemExit), repr(out.exception)
    said = " ".join(out.stderr.split())
    assert out.exit_code == 1 and said.count("error:") == 1 and "Traceback" not in said, said
    assert str(readonly) in said and "read-only" in said
    assert out.stdout == "" and "━" not in out.stderr  # refused before it worked: no progress
    assert digest(readonly) == digest(made)
    with CONNECT(readonly) as conn:  # what was saved is still there
        assert conn.execute("SELECT status, step FROM runs").fetchall() == [
            ("stopped-at-budget", 1)]


def test_the_write_probe_leaves_a_writable_database_as_it_was(made, tmp_path):
    db = Path(shutil.copy(made, tmp_path / "w.db"))
    check_writable(str(db))
    assert digest(db) == digest(made)
    with CONNECT(db) as conn:
        tables = {name for (name,) in conn.execute("SELECT name FROM sqlite_master")}
    assert "automath_write_probe" not in tables and "runs" in tables
    assert sorted(p.name for p in tmp_path.iterdir()) == ["w.db"]  # no journal left behind
