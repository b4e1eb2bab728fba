"""Failures of a run database as ``RunStoreError``s: SQLite's errors with what the user can
do, and stored JSON that no longer reads."""

from __future__ import annotations

import functools
import json
import sqlite3
from collections.abc import Callable

from automath.core.errors import RunStoreError


def stored_json(text: object, run_id: int, column: str, shape: type = object) -> object:
    """A stored JSON column, or a RunStoreError naming the run and the column.

    >>> stored_json('{"a": 1}', 3, "config", dict), stored_json("[1]", 3, "metrics")
    ({'a': 1}, [1])
    >>> stored_json('{"a": 1', 3, "config")
    Traceback (most recent call last):
    ...
    automath.core.errors.RunStoreError: run 3: its stored config is not valid JSON \
(Expecting ',' delimiter: line 1 column 8 (char 7)); was the database edited?
    """
    try:
        value = json.loads(text)
    except (TypeError, ValueError) as e:
        raise RunStoreError(f"run {run_id}: its stored {column} is not valid JSON ({e}); was "
                            "the database edited?") from None
    if not isinstance(value, shape):
        raise RunStoreError(f"run {run_id}: its stored {column} is a JSON "
                            f"{type(value).__name__}, expected {shape.__name__}")
    return value


HINTS = {  # SQLite's message → what the user can do
    "readonly": "the file is read-only: copy it somewhere writable or use another --db",
    "disk is full": "the disk is full: free some space, then resume the run with --resume ID",
    "malformed": "the file is damaged: recover what it holds with `sqlite3 FILE .recover`",
    "not a database": "the file is not a SQLite database",
    "locked": "another process is writing it: wait, or use another --db",
    "unable to open": "the file cannot be opened: check the path and its permissions",
    "no such table": "the file is a SQLite database but not a run database",
}


def database_error(path: str, e: sqlite3.Error) -> RunStoreError:
    """A SQLite failure as a RunStoreError naming the file, with what the user can do.

    >>> str(database_error("r.db", sqlite3.OperationalError("database or disk is full")))
    'r.db: run database: database or disk is full (the disk is full: free some space, then \
resume the run with --resume ID)'
    """
    hint = next((h for key, h in HINTS.items() if key in str(e).lower()), None)
    return RunStoreError(f"run database: {e}" + (f" ({hint})" if hint else ""), file=path)


def check_writable(path: str) -> None:
    """Refuse a run database SQLite may only read (a read-only file, a read-only mount) before a
    command works on it: a table is created and rolled back, so the file is left as it was.

    >>> import os, tempfile
    >>> check_writable(os.path.join(tempfile.mkdtemp(), "new.db"))  # a new file is writable
    """
    conn = sqlite3.connect(path, timeout=30, isolation_level=None)
    try:
        conn.execute("BEGIN")
        conn.execute("CREATE TABLE automath_write_probe (x)")
        conn.execute("ROLLBACK")
    except sqlite3.Error as e:
        raise database_error(path, e) from None
    finally:
        conn.close()


def guard_sqlite(cls: type) -> type:
    """A class decorator: every method's SQLite failure becomes a ``database_error`` naming
    ``self.path`` (the transaction in flight is rolled back by ``with self.conn``), and a
    ``RunStoreError`` that names no file (stored JSON, a saved state) names ``self.path``.

    >>> @guard_sqlite
    ... class Db:
    ...     path = "x.db"
    ...     def read(self):
    ...         raise sqlite3.DatabaseError("database disk image is malformed")
    >>> Db().read()  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    automath.core.errors.RunStoreError: x.db: run database: database disk image is malformed \
(the file is damaged: ...)
    """
    for name, method in list(vars(cls).items()):
        if callable(method) and not name.startswith("__"):
            setattr(cls, name, _guarded(method))
    return cls


def _guarded(method: Callable) -> Callable:
    @functools.wraps(method)
    def guarded(self, *args, **kwargs):
        try:
            return method(self, *args, **kwargs)
        except sqlite3.Error as e:
            raise database_error(self.path, e) from None
        except RunStoreError as e:
            if e.file is not None:
                raise
            raise RunStoreError(e.message, file=self.path, line=e.line, token=e.token) from None
    return guarded


NUMBER = (int, float)
DOMAIN_TYPES = {"grammar": str, "atoms": (str, type(None)), "kind": (str, type(None)),
                "k": int, "seed": int, "device": str, "semantics": str, "command": str}
CONFIG_TYPES = {"target": (str, type(None)), "score": (str, type(None)), "entropy": NUMBER}


def check_stored(row: dict, loop_fields: dict[str, type | tuple], path: str) -> None:
    """Refuse a run row whose stored domain or config has a key a run never stores or a value
    of the wrong type (an edited database), naming the file, run, column and key;
    ``loop_fields``: the loop's own settings and their types.

    >>> check_stored({"id": 1, "domain": {"grammar": "arith"}, "config": {"steps": 3}},
    ...              {"steps": int}, "r.db")
    >>> check_stored({"id": 1, "domain": {"grammar": "arith", "k": "a"}, "config": {}}, {}, "r.db")
    Traceback (most recent call last):
    ...
    automath.core.errors.RunStoreError: r.db: run 1: its stored domain has k = 'a', expected \
int; was the database edited? (at token 'k')
    """
    for column, types in (("domain", DOMAIN_TYPES),
                          ("config", {**CONFIG_TYPES, **loop_fields})):
        for key, value in row[column].items():
            why = _misfit(key, value, types)
            if why:
                raise RunStoreError(f"run {row['id']}: its stored {column} {why}; was the "
                                    "database edited?", file=path, token=key)


def _misfit(key: str, value: object, types: dict[str, type | tuple]) -> str | None:
    """What is wrong with a stored ``key = value`` (``None``: nothing).

    >>> _misfit("k", 1, {"k": int}), _misfit("k", True, {"k": int}), _misfit("j", 1, {})
    ('has k = 1, expected at least 2', 'has k = True, expected int', "has a key 'j' no run stores")
    """
    expected = types.get(key)
    if expected is None:
        return f"has a key {key!r} no run stores"
    if isinstance(value, bool) or not isinstance(value, expected):
        return f"has {key} = {value!r:.60}, expected {_names(expected)}"
    if key == "k" and value < 2:
        return f"has k = {value}, expected at least 2"
    return None


def _names(expected: type | tuple) -> str:
    """The names of the expected types.

    >>> _names((str, type(None)))
    'str or NoneType'
    """
    return " or ".join(t.__name__ for t in (expected if isinstance(expected, tuple)
                                            else (expected,)))
