"""A sweep: every job of a plan run on a pool, each job's runs merged into one run database."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path

from automath.runs.merge import merge_into
from automath.runs.store import RunStore
from automath.sweeps.executor import Outcome, ProcessPool, RayPool
from automath.sweeps.plan import Job

Row = dict[str, object]


def run_sweep(jobs: Sequence[Job], db: str | Path = "runs.db", *,
              pool: ProcessPool | RayPool | None = None, timeout: float | None = None
              ) -> Iterator[Row]:
    """Run ``jobs`` on ``pool`` (default: two local processes), merging each finished job's
    runs into ``db``; one row per job, as it finishes (failed jobs were tried twice).

    >>> import os, tempfile
    >>> db = os.path.join(tempfile.mkdtemp(), "runs.db")
    >>> jobs = [Job("seed=0", ("run", "arith", "--steps", "1"))]
    >>> [(r["job"], r["status"], len(r["runs"])) for r in run_sweep(jobs, db)]
    [('seed=0', 'ok', 1)]
    """
    store = RunStore(db)
    for out in (pool or ProcessPool()).run(jobs, timeout):
        yield _row(out, _merged(store, out))


def _merged(store: RunStore, out: Outcome) -> list[int]:
    """Merge the job's database into ``store``: the new run ids (none for an empty job)."""
    if not out.database:
        return []
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "task.db"
        path.write_bytes(out.database)
        return merge_into(store, path)


def _row(out: Outcome, runs: list[int]) -> Row:
    status = "ok" if out.ok else ("killed" if out.returncode is None else
                                  f"failed (exit {out.returncode})")
    lines = [ln for ln in out.output.strip().splitlines() if ln.strip()]
    return {"job": out.job.name, "status": status, "tries": out.tries,
            "seconds": round(out.seconds, 2), "runs": runs,
            "last line": lines[-1][:120] if lines else ""}


def summary(rows: list[Row]) -> str:
    """One line: jobs ok, failed and killed, and the runs merged.

    >>> summary([{"status": "ok", "runs": [1, 2]}, {"status": "killed", "runs": []}])
    '2 jobs: 1 ok, 0 failed, 1 killed; 2 runs merged'
    """
    ok = sum(r["status"] == "ok" for r in rows)
    killed = sum(r["status"] == "killed" for r in rows)
    merged = sum(len(r["runs"]) for r in rows)
    return (f"{len(rows)} jobs: {ok} ok, {len(rows) - ok - killed} failed, {killed} killed; "
            f"{merged} runs merged")

