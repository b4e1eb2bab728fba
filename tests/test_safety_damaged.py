"""Damaged run databases (issue 17.3): bit-flipped pages, a file that is not SQLite, edited
JSON and a full disk give one clear error naming the file, never a traceback; read commands
leave the file as it was, and a run whose write fails keeps its finished steps."""

import hashlib
import shutil
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from automath.cli.main import main

COMMANDS = [["runs"], ["query", "1"], ["run", "--resume", "1", "--steps", "4"]]


def invoke(*args: str):
    return CliRunner().invoke(main, list(args))


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def made(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("damaged") / "runs.db"
    out = invoke("run", "arith", "--steps", "3", "--db", str(path))
    assert out.exit_code == 0, out.output
    return path


def copy(made: Path, tmp_path: Path) -> Path:
    path = tmp_path / "runs.db"
    shutil.copy(made, path)
    return path


def assert_clear(out, path: Path, *, must_fail: bool) -> None:
    """Exit 0, or exit 1 with exactly one 'error:' line that names the file; no traceback."""
    assert out.exception is None or isinstance(out.exception, SystemExit), repr(out.exception)
    assert out.exit_code in ((1,) if must_fail else (0, 1)), out.output
    assert "Traceback" not in out.output
    if out.exit_code == 1:
        errors = [line for line in out.stderr.splitlines() if line.startswith("error:")]
        assert len(errors) == 1 and str(path.name) in errors[0], out.stderr


def check_commands(path: Path, must_fail: tuple[str, ...]) -> None:
    for args in COMMANDS:
        before = digest(path)
        out = invoke(*args, "--db", str(path))
        assert_clear(out, path, must_fail=args[0] in must_fail)
        if args[0] != "run":
            assert digest(path) == before, f"{args} modified the file"


def flip_pages(path: Path) -> None:
    """Every 97th byte of the middle third of the file inverted."""
    b = bytearray(path.read_bytes())
    for i in range(len(b) // 3, 2 * len(b) // 3, 97):
        b[i] ^= 0xFF
    path.write_bytes(bytes(b))


def flip_saved_weights(path: Path) -> None:
    """The bytes of the saved weights (found in the file by their stored value) set to 0xFF:
    NaNs where the weights were, in a file SQLite still reads."""
    blob = sqlite3.connect(path).execute("SELECT blob FROM state").fetchone()[0]
    import json
    import struct
    n = struct.unpack("<Q", blob[:8])[0]
    header = json.loads(blob[8:8 + n])
    start, end = header["p0"]["data_offsets"]
    data = blob[8 + n + start:8 + n + end]
    b = bytearray(path.read_bytes())
    at = b.find(data[:64])
    assert at > 0
    b[at:at + 64] = b"\xff" * 64
    path.write_bytes(bytes(b))


def test_bit_flipped_pages_are_a_clear_error(made: Path, tmp_path: Path):
    path = copy(made, tmp_path)
    flip_pages(path)
    check_commands(path, must_fail=("query", "run"))


def test_flipped_saved_weights_are_a_clear_error_naming_the_file(made: Path, tmp_path: Path):
    path = copy(made, tmp_path)
    flip_saved_weights(path)
    check_commands(path, must_fail=("query", "run"))


def test_a_file_that_is_not_sqlite_is_a_clear_error(tmp_path: Path):
    path = tmp_path / "runs.db"
    path.write_bytes(b"this is not a SQLite database\n" * 200)
    check_commands(path, must_fail=("runs", "query", "run"))


@pytest.mark.parametrize(("column", "value"), [
    ("config", '{"steps": 3, oops'), ("config", '{"steps": "abc"}'), ("config", '{"bogus": 1}'),
    ("config", '{"target": 5}'), ("config", "[]"), ("domain", '{"grammar": 5}'),
    ("domain", '{"grammar": "arith", "k": "a"}'), ("domain", '{"grammar": "arith", "atoms": 7}'),
])
def test_edited_json_is_a_clear_error_naming_the_file(made: Path, tmp_path: Path, column: str,
                                                     value: str):
    path = copy(made, tmp_path)
    with sqlite3.connect(path) as conn:
        conn.execute(f"UPDATE runs SET {column} = ?", (value,))
    conn.close()
    check_commands(path, must_fail=("query", "run"))


def test_a_full_disk_is_a_clear_error_and_the_run_resumes(made: Path, tmp_path: Path,
                                                         monkeypatch):
    one = tmp_path / "one.db"  # how many pages a run of one step takes
    assert invoke("run", "arith", "--steps", "1", "--db", str(one)).exit_code == 0
    conn = sqlite3.connect(one)
    pages = conn.execute("PRAGMA page_count").fetchone()[0]
    conn.close()
    import automath.runs.store as store_module
    real = sqlite3.connect

    def full(*args, **kwargs):  # SQLite's own limit: one page more than step 1 needs
        c = real(*args, **kwargs)
        c.execute(f"PRAGMA max_page_count = {pages + 1}")
        return c
    monkeypatch.setattr(store_module.sqlite3, "connect", full)
    path = tmp_path / "runs.db"
    out = invoke("run", "arith", "--steps", "3", "--db", str(path))
    assert_clear(out, path, must_fail=True)
    assert "full" in out.stderr
    monkeypatch.setattr(store_module.sqlite3, "connect", real)
    conn = sqlite3.connect(path)
    assert conn.execute("SELECT step FROM runs").fetchone()[0] == 1
    assert conn.execute("SELECT count(*) FROM steps").fetchone()[0] == 1
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    conn.close()
    assert invoke("run", "--resume", "1", "--db", str(path)).exit_code == 0
    resumed = sqlite3.connect(path).execute("SELECT step, elem, text, weight FROM weights "
                                            "WHERE step = 3 ORDER BY elem").fetchall()
    whole = sqlite3.connect(made).execute("SELECT step, elem, text, weight FROM weights "
                                          "WHERE step = 3 ORDER BY elem").fetchall()
    assert resumed and [r[:3] for r in resumed] == [r[:3] for r in whole]
    assert all(abs(a[3] - b[3]) < 1e-9 for a, b in zip(resumed, whole, strict=True))
