"""Running a sweep's jobs: each in its own process, writing its own run database.

A job is an ``automath`` command line run by ``execute`` in a fresh Python process with a
wall-clock limit; its outcome carries the database's bytes back (so it works the same on a
Ray cluster, whose workers share no disk with the caller). ``ProcessPool`` runs jobs on local
processes; ``RayPool`` as Ray tasks (a local Ray unless an address is given; Ray is the
optional extra ``automath[ray]``). Both yield outcomes as jobs finish; a failed job is run
once more before it is reported.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path

from automath.core.errors import AutomathError
from automath.sweeps.plan import Job
from automath.sweeps.workers import thread_env

TAIL = 2000
"""Characters of a job's output kept in its outcome."""


@dataclass(frozen=True)
class Outcome:
    """What a finished job left: exit code (None: killed at its time limit), seconds, the tail
    of its output, its run database's bytes, and how many tries it took."""

    job: Job
    returncode: int | None
    seconds: float
    output: str
    database: bytes
    tries: int = 1

    @property
    def ok(self) -> bool:
        """Whether the job ended with exit code 0."""
        return self.returncode == 0


def execute(job: Job, timeout: float | None = None,
            env: dict[str, str] | None = None) -> Outcome:
    """Run one job in a fresh process, its runs saved to a private database (``env``: its
    environment, default this process's).

    >>> out = execute(Job("help", ("runs", "--help")))
    >>> out.ok, "Usage" in out.output
    (True, True)
    """
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "runs.db"
        argv = [sys.executable, "-m", "automath", *job.argv, "--db", str(db)]
        start = time.perf_counter()
        try:
            done = subprocess.run(argv, capture_output=True, text=True, timeout=timeout,
                                  env={**(os.environ if env is None else env),
                                       "PYTHONUNBUFFERED": "1"})
            code, text = done.returncode, done.stdout + done.stderr
        except subprocess.TimeoutExpired as e:
            code, text = None, _text(e.stdout) + _text(e.stderr) + f"\nkilled after {timeout} s"
        data = db.read_bytes() if db.is_file() else b""
        return Outcome(job, code, time.perf_counter() - start, text[-TAIL:], data)


def _text(b: bytes | str | None) -> str:
    return b.decode(errors="replace") if isinstance(b, bytes) else (b or "")


def _retry(job: Job, timeout: float | None, env: dict[str, str] | None = None) -> Outcome:
    """``execute``, and once more when the first try fails."""
    first = execute(job, timeout, env)
    if first.ok:
        return first
    second = execute(job, timeout, env)
    return Outcome(job, second.returncode, first.seconds + second.seconds, second.output,
                   second.database, 2)


class ProcessPool:
    """Jobs on ``workers`` local processes, outcomes in the order they finish; each job's
    process gets its share of the cores (``thread_env``: torch, numba, OpenMP threads)."""

    def __init__(self, workers: int = 2) -> None:
        if workers < 1:
            raise AutomathError(f"--workers must be at least 1 (got {workers})")
        self.workers = workers

    def run(self, jobs: Sequence[Job], timeout: float | None = None) -> Iterator[Outcome]:
        """Each job's outcome as it finishes."""
        with ProcessPoolExecutor(self.workers) as pool:
            env = thread_env(self.workers)
            pending = {pool.submit(_retry, j, timeout, env) for j in jobs}
            while pending:
                done, pending = wait(pending, return_when=FIRST_COMPLETED)
                yield from (f.result() for f in done)


class RayPool:
    """Jobs as Ray tasks, on a local Ray or the cluster at ``address``."""

    def __init__(self, address: str | None = None) -> None:
        try:
            import ray
        except ImportError:
            raise AutomathError("--ray needs Ray: pip install 'automath[ray]' (or use "
                                "--workers N for a local process pool)") from None
        self.ray = ray
        if not ray.is_initialized():
            ray.init(address=address, include_dashboard=False, log_to_driver=False)

    def run(self, jobs: Sequence[Job], timeout: float | None = None) -> Iterator[Outcome]:
        """Each job's outcome as it finishes."""
        task = self.ray.remote(_retry)
        pending = [task.remote(j, timeout) for j in jobs]
        while pending:
            done, pending = self.ray.wait(pending, num_returns=1)
            yield self.ray.get(done[0])
