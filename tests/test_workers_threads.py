"""Workers share the cores: each worker process (and each job process a pool starts) gets
cores // workers threads; the pool map returns results in job order whatever it starts first."""

import os
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor

import pytest

import automath.sweeps.executor as executor
from automath.sweeps import Job
from automath.sweeps.workers import THREAD_VARS, limit_threads, ordered_map, thread_env


def _clean(monkeypatch):
    for var in THREAD_VARS:
        monkeypatch.delenv(var, raising=False)


def report() -> tuple[int, dict[str, str]]:
    """What a worker sees: torch's thread count and the thread variables."""
    import torch
    return torch.get_num_threads(), {v: os.environ.get(v) for v in THREAD_VARS}


@pytest.mark.parametrize("workers, cores, share", [(2, 2, "1"), (1, 2, "2"), (3, 2, "1"),
                                                   (2, 8, "4")])
def test_thread_env_gives_each_worker_its_share(monkeypatch, workers, cores, share):
    _clean(monkeypatch)
    env = thread_env(workers, cores)
    assert {env[v] for v in THREAD_VARS} == {share} and env["PATH"] == os.environ["PATH"]


def test_a_users_thread_setting_wins(monkeypatch):
    _clean(monkeypatch)
    monkeypatch.setenv("OMP_NUM_THREADS", "3")
    assert thread_env(2, 2)["OMP_NUM_THREADS"] == "3" and thread_env(2, 2)["MKL_NUM_THREADS"] == "1"


def test_worker_processes_run_their_share_of_threads(monkeypatch):
    _clean(monkeypatch)
    with ProcessPoolExecutor(2, initializer=limit_threads, initargs=(2, 2)) as pool:
        threads, env = pool.submit(report).result()
    assert threads == 1 and set(env.values()) == {"1"}


def test_the_process_pool_hands_its_jobs_the_thread_env(monkeypatch):
    _clean(monkeypatch)
    seen = []

    def fake_run(argv, env, **_):
        seen.append(env)
        return executor.subprocess.CompletedProcess(argv, 0, "", "")

    monkeypatch.setattr(executor.subprocess, "run", fake_run)
    share = str(max(1, (os.cpu_count() or 1) // 2))
    out = executor._retry(Job("a", ("runs",)), None, thread_env(2))
    assert out.ok and seen[0]["OMP_NUM_THREADS"] == share and seen[0]["PYTHONUNBUFFERED"] == "1"
    assert executor.execute(Job("b", ("runs",))).ok and "OMP_NUM_THREADS" not in seen[1]


@pytest.mark.parametrize("window", [1, 2, 8])
def test_ordered_map_returns_job_order_and_starts_costly_jobs_first(window):
    started = []

    def job(k):
        started.append(k)
        return k * k

    calls = [(k,) for k in range(10)]
    with ThreadPoolExecutor(1) as pool:
        out = list(ordered_map(pool, job, calls, cost=lambda c: c[0] % 3, window=window))
    assert out == [k * k for k in range(10)]
    expect = sorted(range(10), key=lambda k: (k // window, -(k % 3)))
    assert started == expect


def test_limit_threads_holds_where_numba_is_loaded(monkeypatch):
    pytest.importorskip("numba")
    _clean(monkeypatch)
    with ProcessPoolExecutor(1, initializer=limit_threads, initargs=(2, 2)) as pool:
        threads, _ = pool.submit(report).result()
    assert threads == 1
