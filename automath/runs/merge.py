"""Merging run databases: a sweep's tasks each write their own SQLite file, merged at the end.

One transaction per merged file: its runs get new ids in the main database and every row that
names a run follows, so the main file holds all of a task's runs or none of them (no two
writers ever share a SQLite file).
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from automath.runs.failures import database_error
from automath.runs.store import RunStore

RUN_COLUMNS = ("created", "domain", "config", "status", "step")


def merge_into(main: RunStore, other: str | Path) -> list[int]:
    """Copy every run of the database ``other`` into ``main``; returns the new run ids.

    >>> import tempfile, os
    >>> d = tempfile.mkdtemp()
    >>> a, b = RunStore(os.path.join(d, "a.db")), RunStore(os.path.join(d, "b.db"))
    >>> _ = a.create({"grammar": "arith"}, {}); rid = b.create({"grammar": "logic"}, {})
    >>> merge_into(a, b.path), a.run(2)["domain"]
    ([2], {'grammar': 'logic'})
    """
    conn = main.conn
    try:
        conn.execute("ATTACH DATABASE ? AS other", (f"{Path(other).resolve().as_uri()}?mode=ro",))
    except sqlite3.Error as e:
        raise database_error(str(other), e) from None
    try:
        with conn:
            return [_copy_run(conn, old) for (old,) in
                    conn.execute("SELECT id FROM other.runs ORDER BY id").fetchall()]
    except sqlite3.Error as e:
        raise database_error(str(other), e) from None
    finally:
        conn.execute("DETACH DATABASE other")


def _copy_run(conn: sqlite3.Connection, old: int) -> int:
    cols = ", ".join(RUN_COLUMNS)
    new = conn.execute(f"INSERT INTO main.runs ({cols}) SELECT {cols} FROM other.runs "
                       "WHERE id = ?", (old,)).lastrowid
    for table in _run_tables(conn):
        rest = [c for c in _columns(conn, table) if c != "run_id"]
        names = ", ".join(rest)
        conn.execute(f"INSERT INTO main.{table} (run_id, {names}) SELECT ?, {names} "
                     f"FROM other.{table} WHERE run_id = ?", (new, old))
    return int(new)


def _run_tables(conn: sqlite3.Connection) -> list[str]:
    """The tables of both files whose rows belong to a run (a ``run_id`` column)."""
    mine = {r[0] for r in conn.execute("SELECT name FROM main.sqlite_master WHERE type='table'")}
    theirs = [r[0] for r in conn.execute("SELECT name FROM other.sqlite_master "
                                         "WHERE type='table' ORDER BY name")]
    return [t for t in theirs if t in mine and "run_id" in _columns(conn, t)]


def _columns(conn: sqlite3.Connection, table: str) -> list[str]:
    return [r[1] for r in conn.execute(f"PRAGMA main.table_info({table})")]
