"""Saved-state checksums (issue 17.3): every tensor file a run stores (its state and its row
chunks) carries a sha256 of its header and data; one flipped bit is a clear error naming the
database and the run on query and resume, never wrong numbers; a state saved before checksums
(none in its header) still loads."""

import json
import shutil
import sqlite3
import struct
from pathlib import Path

import pytest
from click.testing import CliRunner

from automath.cli.main import main
from automath.runs.tensorfile import CHECKSUM


def invoke(*args: str):
    return CliRunner().invoke(main, list(args))


@pytest.fixture(scope="module")
def made(tmp_path_factory) -> Path:
    db = tmp_path_factory.mktemp("made") / "runs.db"
    out = invoke("run", "arith", "--atoms", "x,1", "--steps", "3", "--db", str(db))
    assert out.exit_code == 0, out.output
    return db


def copy(db: Path, tmp_path: Path) -> Path:
    return Path(shutil.copy(db, tmp_path / "copy.db"))


def split(blob: bytes) -> tuple[dict, int]:
    """A stored tensor file's header and where its data starts."""
    (n,) = struct.unpack("<Q", blob[:8])
    return json.loads(blob[8:8 + n]), 8 + n


def rewrite(db: Path, table: str, change) -> None:
    """Replace the first blob of ``table`` by ``change(blob)``."""
    with sqlite3.connect(db) as conn:
        rowid, blob = conn.execute(f"SELECT rowid, blob FROM {table} LIMIT 1").fetchone()
        conn.execute(f"UPDATE {table} SET blob = ? WHERE rowid = ?", (change(bytes(blob)), rowid))


def flip(at) -> callable:
    """A change that inverts the lowest bit of the byte ``at(blob)``."""
    def change(blob: bytes) -> bytes:
        b = bytearray(blob)
        b[at(blob)] ^= 1
        return bytes(b)
    return change


def weight_byte(blob: bytes) -> int:
    header, data = split(blob)
    return data + header["p0"]["data_offsets"][0] + 3  # inside the first saved weight


def step_digit(blob: bytes) -> int:
    """The digit of the saved step in the header's JSON: 3 -> 2 is still valid JSON."""
    return blob.index(b'\\"step\\": 3') + len(b'\\"step\\": ')


def fingerprint_byte(blob: bytes) -> int:
    header, data = split(blob)
    return data + header["values"]["data_offsets"][0] + 13


CASES = [("state", weight_byte), ("state", step_digit), ("rows", fingerprint_byte)]


@pytest.mark.parametrize(("table", "at"), CASES, ids=["weight", "step", "fingerprint"])
def test_a_flipped_bit_is_a_clear_error_naming_the_database_and_the_run(made, tmp_path, table,
                                                                        at):
    db = copy(made, tmp_path)
    rewrite(db, table, flip(at))
    for args in (["query", "1"], ["run", "--resume", "1"]):
        out = invoke(*args, "--db", str(db))
        assert out.exit_code == 1 and out.stdout == "", out.output
        said = " ".join(out.stderr.split())
        assert said.count("error:") == 1 and "Traceback" not in said
        assert str(db) in said and "run 1: its saved state cannot be read" in said
        assert "sha256 checksum" in said


def test_the_flips_hit_the_bytes_they_aim_at(made):
    """The oracle of the cases above: each flip changes a number (a weight, the step, a
    fingerprint value) while the file still has its layout."""
    with sqlite3.connect(made) as conn:
        state = bytes(conn.execute("SELECT blob FROM state").fetchone()[0])
    header, _ = split(flip(step_digit)(state))
    assert json.loads(header["__metadata__"]["automath"])["step"] == 2


def without_checksum(blob: bytes) -> bytes:
    """The same tensor file as automath wrote it before checksums: no sha256 in its header."""
    header, data = split(blob)
    assert header["__metadata__"].pop(CHECKSUM)
    head = json.dumps(header, separators=(",", ":")).encode()
    head += b" " * (-len(head) % 8)
    return struct.pack("<Q", len(head)) + head + blob[data:]


def test_a_state_saved_before_checksums_still_loads_and_resumes(made, tmp_path):
    db = copy(made, tmp_path)
    before = invoke("query", "1", "--format", "json", "--db", str(db))
    for table in ("state", "rows"):
        rewrite(db, table, without_checksum)
    after = invoke("query", "1", "--format", "json", "--db", str(db))
    assert after.exit_code == 0 and json.loads(after.stdout) == json.loads(before.stdout)
    resumed = invoke("run", "--resume", "1", "--db", str(db))
    assert resumed.exit_code == 0, resumed.output
