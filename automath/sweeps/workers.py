"""Worker processes that share the machine's cores: each worker (and each job process it
starts) gets ``cores // workers`` threads for torch, numba and OpenMP/BLAS, so two workers on
two cores run two threads, not four that wait on each other; and a pool map that starts the
longest-expected jobs of each window first while results still come back in job order.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Executor

THREAD_VARS = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS",
               "NUMBA_NUM_THREADS")
"""The variables that set the thread pools of OpenMP (torch's intra-op pool), BLAS and numba."""


def threads_per_worker(workers: int, cores: int | None = None) -> int:
    """Each worker's share of ``cores`` (default: this machine's), at least 1.

    >>> threads_per_worker(2, cores=2), threads_per_worker(1, cores=2), threads_per_worker(3, 2)
    (1, 2, 1)
    """
    return max(1, (cores or os.cpu_count() or 1) // max(1, workers))


def thread_env(workers: int, cores: int | None = None,
               environ: dict[str, str] | None = None) -> dict[str, str]:
    """``environ`` (default: this process's) with each of ``THREAD_VARS`` set to a worker's
    share of the cores, unless it is set there already (a user's explicit choice wins).

    >>> env = thread_env(2, cores=2, environ={"OMP_NUM_THREADS": "3"})
    >>> env["OMP_NUM_THREADS"], env["NUMBA_NUM_THREADS"]
    ('3', '1')
    """
    share = str(threads_per_worker(workers, cores))
    return {var: share for var in THREAD_VARS} | dict(os.environ if environ is None else environ)


def limit_threads(workers: int, cores: int | None = None) -> int:
    """In a worker process: set ``THREAD_VARS`` (for the processes it starts), torch's threads
    and numba's (where loaded) to the worker's share; returns the torch thread count.

    >>> import torch; from concurrent.futures import ProcessPoolExecutor
    >>> with ProcessPoolExecutor(1, initializer=limit_threads, initargs=(1, 1)) as pool:
    ...     pool.submit(torch.get_num_threads).result() == int(os.environ.get(THREAD_VARS[0], 1))
    True
    """
    os.environ.update(thread_env(workers, cores))
    threads = max(1, int(os.environ["OMP_NUM_THREADS"]))
    numba = sys.modules.get("numba")
    if numba is not None:  # first: launching numba's OpenMP layer resets OpenMP's count
        numba.set_num_threads(min(threads, numba.config.NUMBA_NUM_THREADS))
    import torch
    torch.set_num_threads(threads)
    return threads


def ordered_map(pool: Executor, fn: Callable, calls: Sequence[tuple],
                cost: Callable[[tuple], float] | None = None, window: int = 8) -> Iterator:
    """``fn(*call)`` for each call on ``pool``, results in the order of ``calls``; within each
    window of ``window`` calls the most costly (``cost``) is submitted first, so a long job
    does not start last while the other workers wait, and rows still stream.

    >>> from concurrent.futures import ThreadPoolExecutor
    >>> with ThreadPoolExecutor(2) as pool:
    ...     list(ordered_map(pool, pow, [(2, 1), (2, 5), (3, 2)], cost=lambda c: c[1]))
    [2, 32, 9]
    """
    start = range(len(calls))
    if cost is not None:
        start = sorted(start, key=lambda k: (k // window, -cost(calls[k])))  # stable per window
    futures = {k: pool.submit(fn, *calls[k]) for k in start}
    return (futures[k].result() for k in range(len(calls)))
