"""Run store: a SQLite file of runs, their per-step metrics, top weights and resumable state.

Each finished step is written in one transaction (metrics, top weights, the loop state's
changing part and the fingerprints of the elements new in that step), so a run killed mid-way
keeps every finished step and resumes from the last one. Saved states are tensor files (no
pickle, see ``runs.snapshot``); every SQLite failure (a damaged page, a read-only file, a full
disk) and every unreadable stored JSON is a ``RunStoreError`` that names the file, and the step
in flight is rolled back, so nothing already saved is lost.
"""

from __future__ import annotations

import json
import sqlite3
import time
from pathlib import Path
from typing import TYPE_CHECKING

from automath.core.errors import RunStoreError
from automath.runs.failures import database_error, guard_sqlite, stored_json

if TYPE_CHECKING:  # torch is loaded only by the methods that save or load a loop's state
    from automath.core.engine import LoopState
    from automath.core.store import Store

SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (id INTEGER PRIMARY KEY, created TEXT, domain TEXT,
    config TEXT, status TEXT, step INTEGER DEFAULT 0);
CREATE TABLE IF NOT EXISTS steps (run_id INTEGER, step INTEGER, metrics TEXT,
    PRIMARY KEY (run_id, step));
CREATE TABLE IF NOT EXISTS weights (run_id INTEGER, step INTEGER, elem INTEGER, text TEXT,
    weight REAL, PRIMARY KEY (run_id, step, elem));
CREATE TABLE IF NOT EXISTS state (run_id INTEGER PRIMARY KEY, step INTEGER, blob BLOB);
CREATE TABLE IF NOT EXISTS rows (run_id INTEGER, start INTEGER, count INTEGER, blob BLOB,
    PRIMARY KEY (run_id, start));
CREATE TABLE IF NOT EXISTS laws (run_id INTEGER, rank INTEGER, lhs TEXT, rhs TEXT,
    size INTEGER, weight REAL, verified TEXT, generates INTEGER, PRIMARY KEY (run_id, rank));
CREATE TABLE IF NOT EXISTS lemmas (run_id INTEGER, rank INTEGER, statement TEXT, score REAL,
    p REAL, q REAL, weight REAL, promoted INTEGER, PRIMARY KEY (run_id, rank));
CREATE TABLE IF NOT EXISTS proofs (run_id INTEGER PRIMARY KEY, proved INTEGER, text TEXT,
    stats TEXT);
CREATE TABLE IF NOT EXISTS fronts (run_id INTEGER, rank INTEGER, expression TEXT, size INTEGER,
    loss REAL, weight REAL, exact INTEGER, selected INTEGER, PRIMARY KEY (run_id, rank));
"""

_DEMO_PROOF = {  # a proving run's records, for the examples below
    "problem": "demo", "grammar": "monoid", "goal": "x * e = x", "config": {}, "proved": True,
    "proof": "x * e = x  [ax]", "stats": {"steps": 4},
    "lemmas": [{"rank": 1, "statement": "e * e = e", "score": .9, "p": .1, "q": .2,
                "weight": .3, "promoted": True}]}


def _scratch() -> RunStore:
    """A run database in a fresh temporary directory (for the examples)."""
    import tempfile
    return RunStore(Path(tempfile.mkdtemp()) / "runs.db")


LAW_KEYS = ("lhs", "rhs", "size", "weight", "verified", "generates")
LEMMA_KEYS = ("statement", "score", "p", "q", "weight", "promoted")
FRONT_KEYS = ("expression", "size", "loss", "weight", "exact", "selected")
BUDGET = "stopped-at-budget"  # a loop run that ended at --max-time; --resume continues it


@guard_sqlite
class RunStore:
    """A SQLite run database (default ``runs.db``); ``create=False``: the file must exist;
    ``readonly``: it must exist and is opened read-only (for ``query`` and ``runs``).

    >>> import tempfile, os
    >>> db = RunStore(os.path.join(tempfile.mkdtemp(), "r.db"))
    >>> rid = db.create({"grammar": "arith"}, {"steps": 3}); db.runs()[0]["id"] == rid
    True
    """

    def __init__(self, path: str | Path = "runs.db", *, create: bool = True,
                 readonly: bool = False) -> None:
        self.path = str(path)
        if not (create and not readonly) and not Path(path).is_file():
            raise RunStoreError("no run database here (run, explore, prove and fit create one; "
                                "choose another with --db)", file=self.path)
        try:
            if not readonly:
                self.conn = sqlite3.connect(self.path, timeout=30)
                self.conn.executescript(SCHEMA)
            else:  # read commands never write, nor create a file or a table
                uri = f"{Path(path).resolve().as_uri()}?mode=ro"
                self.conn = sqlite3.connect(uri, uri=True, timeout=30)
                self.conn.execute("SELECT count(*) FROM runs").fetchone()
        except sqlite3.Error as e:
            raise database_error(self.path, e) from None

    def create(self, domain: dict, config: dict) -> int:
        """Record a new run; returns its id.

        >>> db = _scratch()
        >>> db.create({"grammar": "arith"}, {"steps": 3}), db.create({"grammar": "logic"}, {})
        (1, 2)
        """
        with self.conn:
            cur = self.conn.execute(
                "INSERT INTO runs (created, domain, config, status) VALUES (?, ?, ?, 'running')",
                (time.strftime("%Y-%m-%d %H:%M:%S"), json.dumps(domain), json.dumps(config)))
        return int(cur.lastrowid)

    def run(self, run_id: int) -> dict:
        """One run's row; a missing run is an error.

        >>> db = _scratch()
        >>> row = db.run(db.create({"grammar": "arith"}, {"steps": 3}))
        >>> row["domain"], row["config"], row["status"], row["step"]
        ({'grammar': 'arith'}, {'steps': 3}, 'running', 0)
        >>> try:
        ...     db.run(7)
        ... except RunStoreError as e:
        ...     print(e.message)
        no run 7 in this database
        """
        row = self.conn.execute("SELECT id, created, domain, config, status, step FROM runs "
                                "WHERE id = ?", (run_id,)).fetchone()
        if row is None:
            raise RunStoreError(f"no run {run_id} in this database", file=self.path)
        return _row(row)

    def runs(self) -> list[dict]:
        """All runs, oldest first.

        >>> db = _scratch()
        >>> db.runs()
        []
        >>> for g in ("arith", "logic"):
        ...     _ = db.create({"grammar": g}, {})
        >>> [(r["id"], r["domain"]["grammar"]) for r in db.runs()]
        [(1, 'arith'), (2, 'logic')]
        """
        rows = self.conn.execute("SELECT id, created, domain, config, status, step FROM runs "
                                 "ORDER BY id").fetchall()
        return [_row(r) for r in rows]

    def save_step(self, run_id: int, state: LoopState, top: list[tuple[int, str, float]],
                  status: str = "running") -> None:
        """Write one finished step: metrics, top weights and the loop state, atomically.

        >>> db = _scratch()
        >>> from automath.core.domain import Domain
        >>> from automath.core.engine import Loop
        >>> loop = Loop(Domain.create("arith", atoms="x,1"), target="x + 1", steps=1)
        >>> _ = loop.run()
        >>> rid = db.create({"grammar": "arith", "atoms": "x,1"}, {"steps": 1})
        >>> db.save_step(rid, loop.state, [(0, "x", .6), (1, "1", .4)], "finished")
        >>> row = db.run(rid); row["step"], row["status"], len(db.steps(rid))
        (1, 'finished', 1)
        """
        from automath.runs.snapshot import pack_rows, pack_state
        blob, n = pack_state(state), len(state.store)
        with self.conn:
            saved = self._saved_rows(run_id)
            if saved < n:
                self.conn.execute("INSERT INTO rows VALUES (?, ?, ?, ?)",
                                  (run_id, saved, n - saved, pack_rows(state.store, saved)))
            self.conn.execute("INSERT OR REPLACE INTO steps VALUES (?, ?, ?)",
                              (run_id, state.step, json.dumps(state.history[-1])))
            self.conn.executemany("INSERT OR REPLACE INTO weights VALUES (?, ?, ?, ?, ?)",
                                  [(run_id, state.step, i, t, w) for i, t, w in top])
            self.conn.execute("INSERT OR REPLACE INTO state VALUES (?, ?, ?)",
                              (run_id, state.step, blob))
            self.conn.execute("UPDATE runs SET step = ?, status = ? WHERE id = ?",
                              (state.step, status, run_id))

    def _saved_rows(self, run_id: int) -> int:
        """How many elements of a run have their fingerprints saved (in ``rows`` chunks)."""
        row = self.conn.execute("SELECT MAX(start + count) FROM rows WHERE run_id = ?",
                                (run_id,)).fetchone()
        return int(row[0] or 0)

    def save_laws(self, run_id: int, records: list[dict]) -> None:
        """Store an exploration's laws (``Law.to_dict`` records) and mark the run finished.

        Missing fields are stored as 0:

        >>> db = _scratch()
        >>> rid = db.create({"command": "explore", "grammar": "semiring"}, {})
        >>> db.save_laws(rid, [
        ...     {"lhs": "x + 0", "rhs": "x", "size": 3, "weight": .2, "verified": "proved: sympy"},
        ...     {"lhs": "x * 1", "rhs": "x", "size": 3, "weight": .5, "generates": 5}])
        >>> db.run(rid)["status"], [(law["lhs"], law["generates"]) for law in db.laws(rid)]
        ('finished', [('x * 1', 5), ('x + 0', 0)])
        """
        rows = [(run_id, n, *(r.get(k, 0) for k in LAW_KEYS)) for n, r in enumerate(records, 1)]
        with self.conn:
            self.conn.executemany("INSERT OR REPLACE INTO laws VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                                  rows)
            self.conn.execute("UPDATE runs SET status = 'finished' WHERE id = ?", (run_id,))

    def laws(self, run_id: int, top: int | None = None) -> list[dict]:
        """A run's laws, highest weight first (ties: smallest first).

        >>> db = _scratch()
        >>> rid = db.create({"command": "explore", "grammar": "semiring"}, {})
        >>> db.save_laws(rid, [
        ...     {"lhs": "x + 0", "rhs": "x", "size": 3, "weight": .2, "verified": "proved: sympy"},
        ...     {"lhs": "x * 1", "rhs": "x", "size": 3, "weight": .5, "generates": 5}])
        >>> [f"{law['lhs']} = {law['rhs']}" for law in db.laws(rid)], len(db.laws(rid, top=1))
        (['x * 1 = x', 'x + 0 = x'], 1)
        >>> try:
        ...     db.laws(db.create({"grammar": "arith"}, {}))
        ... except RunStoreError as e:
        ...     print(e.message)
        run 2 is a 'run' run; only 'explore' runs have laws
        """
        self._kind(run_id, "explore", "laws")
        rows = self.conn.execute(f"SELECT {', '.join(LAW_KEYS)} FROM laws WHERE run_id = ? "
                                 "ORDER BY weight DESC, rank LIMIT ?", (run_id, top or -1))
        return [dict(zip(LAW_KEYS, r, strict=True)) for r in rows.fetchall()]

    def save_proof_run(self, records: dict) -> int:
        """Store a proving run (``ProofResult.to_records``) as a finished run; returns its id.

        >>> db = _scratch()
        >>> rid = db.save_proof_run(_DEMO_PROOF)
        >>> row = db.run(rid); row["status"], row["step"], row["domain"]["command"]
        ('finished', 4, 'prove')
        """
        rid = self.create({"command": "prove", "problem": records["problem"],
                           "grammar": records["grammar"], "goal": records["goal"]},
                          records["config"])
        lemmas = [(rid, m["rank"], *(m[k] for k in LEMMA_KEYS)) for m in records["lemmas"]]
        stats = json.dumps(records["stats"])
        with self.conn:
            self.conn.executemany("INSERT INTO lemmas VALUES (?, ?, ?, ?, ?, ?, ?, ?)", lemmas)
            self.conn.execute("INSERT INTO proofs VALUES (?, ?, ?, ?)",
                              (rid, records["proved"], records["proof"], stats))
            self.conn.execute("UPDATE runs SET status = 'finished', step = ? WHERE id = ?",
                              (records["stats"].get("steps", 0), rid))
        return rid

    def lemmas(self, run_id: int, top: int | None = None) -> list[dict]:
        """A proving run's lemmas, best score first.

        >>> db = _scratch()
        >>> rid = db.save_proof_run(_DEMO_PROOF)
        >>> [(m["rank"], m["statement"], m["promoted"]) for m in db.lemmas(rid)]
        [(1, 'e * e = e', True)]
        """
        self._kind(run_id, "prove", "lemmas")
        rows = self.conn.execute(f"SELECT rank, {', '.join(LEMMA_KEYS)} FROM lemmas "
                                 "WHERE run_id = ? ORDER BY rank LIMIT ?", (run_id, top or -1))
        out = [dict(zip(("rank", *LEMMA_KEYS), r, strict=True)) for r in rows.fetchall()]
        return [{**r, "promoted": bool(r["promoted"])} for r in out]

    def proof(self, run_id: int) -> dict:
        """A proving run's outcome: proved, the proof text and statistics.

        >>> db = _scratch()
        >>> rid = db.save_proof_run(_DEMO_PROOF)
        >>> db.proof(rid)
        {'proved': True, 'proof': 'x * e = x  [ax]', 'stats': {'steps': 4}}
        """
        self._kind(run_id, "prove", "a proof")
        proved, text, stats = self.conn.execute(
            "SELECT proved, text, stats FROM proofs WHERE run_id = ?", (run_id,)).fetchone()
        return {"proved": bool(proved), "proof": text, "stats": stored_json(stats, run_id, "stats")}

    def save_fit_run(self, domain: dict, config: dict, front: list[dict],
                     status: str = "finished") -> int:
        """Store a fit's accuracy/size front (smallest first) as a run; returns its id.

        >>> db = _scratch()
        >>> rid = db.save_fit_run({"data": "d.csv", "target": "y", "grammar": "nguyen"}, {},
        ...     [{"expression": "x0**2", "size": 3, "loss": 0.0, "weight": None, "exact": True,
        ...       "selected": True}])
        >>> db.run(rid)["status"], db.command(rid), db.front(rid)[0]["expression"]
        ('finished', 'fit', 'x0**2')
        """
        rid = self.create({"command": "fit", **domain}, config)
        self.replace_fit_run(rid, config, front, status)
        return rid

    def replace_fit_run(self, run_id: int, config: dict, front: list[dict],
                        status: str = "finished") -> None:
        """Give fit run ``run_id`` a new config, front and status (a resumed fit), in one
        transaction: a failed write leaves the old front.

        >>> db = _scratch()
        >>> rid = db.save_fit_run({"target": "y"}, {"max_time": 1}, [{"expression": "x"}], "time")
        >>> db.replace_fit_run(rid, {"max_time": 9}, [{"expression": "x**2"}])
        >>> db.run(rid)["status"], db.run(rid)["config"], db.front(rid)[0]["expression"]
        ('finished', {'max_time': 9}, 'x**2')
        """
        self._kind(run_id, "fit", "a front")
        rows = [(run_id, n, *(r.get(k) for k in FRONT_KEYS)) for n, r in enumerate(front, 1)]
        with self.conn:
            self.conn.execute("DELETE FROM fronts WHERE run_id = ?", (run_id,))
            self.conn.executemany("INSERT INTO fronts VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows)
            self.conn.execute("UPDATE runs SET status = ?, config = ? WHERE id = ?",
                              (status, json.dumps(config), run_id))

    def front(self, run_id: int, top: int | None = None) -> list[dict]:
        """A fit run's front, smallest expression first (``exact``, ``selected`` as bools).

        >>> db = _scratch()
        >>> rid = db.save_fit_run({"target": "y"}, {}, [{"expression": "x", "size": 1,
        ...     "loss": 0.5, "weight": 0.1, "exact": False, "selected": True}])
        >>> db.front(rid)
        [{'rank': 1, 'expression': 'x', 'size': 1, 'loss': 0.5, 'weight': 0.1, \
'exact': False, 'selected': True}]
        """
        self._kind(run_id, "fit", "a front")
        rows = self.conn.execute(f"SELECT rank, {', '.join(FRONT_KEYS)} FROM fronts "
                                 "WHERE run_id = ? ORDER BY rank LIMIT ?", (run_id, top or -1))
        out = [dict(zip(("rank", *FRONT_KEYS), r, strict=True)) for r in rows.fetchall()]
        return [{**r, "exact": bool(r["exact"]), "selected": bool(r["selected"])} for r in out]

    def command(self, run_id: int) -> str:
        """What made a run: ``run`` (a generation loop), ``explore``, ``prove`` or ``fit``.

        >>> db = _scratch()
        >>> db.command(db.create({"grammar": "arith"}, {}))
        'run'
        >>> db.command(db.create({"command": "explore", "grammar": "arith"}, {}))
        'explore'
        """
        return self.run(run_id)["domain"].get("command", "run")

    def _kind(self, run_id: int, command: str, what: str) -> None:
        found = self.command(run_id)
        if found != command:
            raise RunStoreError(f"run {run_id} is a '{found}' run; only '{command}' runs have "
                                f"{what}", file=self.path)

    def set_status(self, run_id: int, status: str) -> None:
        """Set a run's status (e.g. ``running``, ``finished``, ``interrupted``).

        >>> db = _scratch()
        >>> rid = db.create({"grammar": "arith"}, {})
        >>> db.set_status(rid, "interrupted"); db.run(rid)["status"]
        'interrupted'
        """
        with self.conn:
            self.conn.execute("UPDATE runs SET status = ? WHERE id = ?", (status, run_id))

    def steps(self, run_id: int) -> list[dict]:
        """Per-step metrics of a run.

        >>> db = _scratch()
        >>> from automath.core.domain import Domain
        >>> from automath.core.engine import Loop
        >>> loop = Loop(Domain.create("arith", atoms="x,1"), target="x + 1", steps=1)
        >>> _ = loop.run()
        >>> rid = db.create({"grammar": "arith", "atoms": "x,1"}, {"steps": 1})
        >>> db.steps(rid)
        []
        >>> db.save_step(rid, loop.state, [])
        >>> m = db.steps(rid); len(m), m[0]["step"], {"loss", "entropy"} <= set(m[0])
        (1, 1, True)
        """
        rows = self.conn.execute("SELECT metrics FROM steps WHERE run_id = ? ORDER BY step",
                                 (run_id,)).fetchall()
        return [stored_json(r[0], run_id, "metrics", dict) for r in rows]

    def weights(self, run_id: int) -> list[tuple[int, int, str, float]]:
        """(step, element, text, weight) rows of the top elements at each step.

        >>> db = _scratch()
        >>> from automath.core.domain import Domain
        >>> from automath.core.engine import Loop
        >>> loop = Loop(Domain.create("arith", atoms="x,1"), target="x + 1", steps=1)
        >>> _ = loop.run()
        >>> rid = db.create({"grammar": "arith", "atoms": "x,1"}, {"steps": 1})
        >>> db.save_step(rid, loop.state, [(0, "x", .3), (1, "1", .7)])
        >>> db.weights(rid)  # heaviest first within a step
        [(1, 1, '1', 0.7), (1, 0, 'x', 0.3)]
        """
        return self.conn.execute("SELECT step, elem, text, weight FROM weights WHERE run_id = ? "
                                 "ORDER BY step, weight DESC", (run_id,)).fetchall()

    def load_state(self, run_id: int, store: Store) -> LoopState | None:
        """The last saved state of a run, rebuilt around an empty ``store`` of its domain.

        >>> db = _scratch()
        >>> from automath.core.domain import Domain
        >>> from automath.core.engine import Loop
        >>> loop = Loop(Domain.create("arith", atoms="x,1"), target="x + 1", steps=1)
        >>> _ = loop.run()
        >>> rid = db.create({"grammar": "arith", "atoms": "x,1"}, {"steps": 1})
        >>> db.load_state(rid, loop.domain.new_store()) is None  # nothing saved yet
        True
        >>> db.save_step(rid, loop.state, [])
        >>> st = db.load_state(rid, loop.domain.new_store())
        >>> st.step, len(st.store) == len(loop.state.store), bool((st.p0 == loop.state.p0).all())
        (1, True, True)
        """
        from automath.runs.snapshot import is_legacy, load_legacy, unpack_state
        row = self.conn.execute("SELECT blob FROM state WHERE run_id = ?", (run_id,)).fetchone()
        if row is None:
            return None
        try:
            if is_legacy(row[0]):
                return load_legacy(row[0], store)
            chunks = self.conn.execute("SELECT blob FROM rows WHERE run_id = ? ORDER BY start",
                                       (run_id,)).fetchall()
            return unpack_state(row[0], [c for (c,) in chunks], store, self.steps(run_id))
        except sqlite3.Error:
            raise
        except Exception as e:  # a damaged blob, or torch's restricted reader refusing one
            why = e.message if isinstance(e, RunStoreError) else f"{type(e).__name__}: {e}"
            raise RunStoreError(f"run {run_id}: its saved state cannot be read: "
                                f"{why.splitlines()[0][:200]}", file=self.path) from None


def _row(r: tuple) -> dict:
    return {"id": r[0], "created": r[1], "domain": stored_json(r[2], r[0], "domain", dict),
            "config": stored_json(r[3], r[0], "config", dict), "status": r[4], "step": r[5]}
