"""Benchmarks of the engine's hot paths, each beside a plain-torch baseline in the same run."""

from __future__ import annotations

import time
from collections.abc import Callable

import torch

from automath._evolve import evolve
from automath._generate import Hyperedges, expand
from automath._kinds import RealKind
from automath._semantics import Semantics
from automath._store import Store


def _timed(f: Callable[[], object], repeat: int = 3) -> float:
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        f()
        best = min(best, time.perf_counter() - t)
    return best


def _parents(n: int, k: int, device: str) -> Store:
    store = Store(RealKind(k=k, device=device), Semantics(), ["add", "mul"])
    vals = torch.rand(n, k, dtype=torch.float64, generator=torch.Generator().manual_seed(n))
    z = torch.zeros(n, dtype=torch.int64)
    store.insert(vals.to(device), z - 1, z - 1, z - 1, z + 1)
    return store


def _naive_dedup(store: Store, left: torch.Tensor, right: torch.Tensor) -> None:
    vals = store.values[left] * store.values[right]
    ok = torch.isfinite(vals).all(dim=1)
    torch.unique(store.kind.quantize(vals[ok]), dim=0, return_inverse=True)


def _pairs(n: int, cap: int, device: str) -> tuple[torch.Tensor, torch.Tensor]:
    """All N² ordered pairs, or ``cap`` random ones when N² is larger."""
    if n * n <= cap:
        return (torch.arange(n, device=device).repeat_interleave(n),
                torch.arange(n, device=device).repeat(n))
    g = torch.Generator().manual_seed(n)
    return tuple(torch.randint(0, n, (cap,), generator=g).to(device) for _ in range(2))


def bench_generate(sizes: tuple[int, ...] = (100, 1000, 3000, 10000), k: int = 16,
                   device: str = "cpu", cap: int = 4_000_000) -> list[dict]:
    """Candidates fingerprinted and deduplicated per second for N parents (N² pairs, capped).

    Parents are random, so nearly every candidate is new: the store grows by each one.
    """
    rows = []
    for n in sizes:
        left, right = _pairs(n, cap, device)

        def ours(n=n, left=left, right=right) -> None:
            expand(_parents(n, k, device), 1, left, right)

        ours_s = _timed(ours, repeat=2)
        naive_s = _timed(lambda n=n, left=left, right=right: _naive_dedup(
            _parents(n, k, device), left, right), repeat=2)
        m = left.shape[0]
        rows.append({"N": n, "candidates": m, "ours_M_per_s": m / ours_s / 1e6,
                     "naive_unique_M_per_s": m / naive_s / 1e6,
                     "ratio": naive_s / ours_s})
    return rows


def bench_evolve(edge_counts: tuple[int, ...] = (10**5, 10**6, 4 * 10**6), depth: int = 2,
                 device: str = "cpu") -> list[dict]:
    """Forward+backward hyperedges per second of the evolution, beside a sparse-matrix form."""
    rows = []
    for m in edge_counts:
        n = max(10, m // 10)
        g = torch.Generator().manual_seed(m)
        e = Hyperedges(*(t.to(device) for t in (
            torch.randint(0, 4, (m,), generator=g), torch.randint(0, n, (m,), generator=g),
            torch.randint(0, n, (m,), generator=g), torch.randint(0, n, (m,), generator=g))))
        p0 = torch.rand(n, dtype=torch.float64, generator=g).to(device)
        b = torch.full((4,), 0.125, dtype=torch.float64, device=device)

        def ours(e=e, p0=p0, b=b) -> None:
            p = p0.clone().requires_grad_(True)
            evolve(p, e, torch.tensor(0.5, dtype=torch.float64, device=device), b,
                   depth).sum().backward()

        sparse = _sparse_baseline(e, n, b)
        ours_s = _timed(ours)
        base_s = _timed(lambda p0=p0, sparse=sparse: sparse(p0))
        rows.append({"edges": m, "elements": n, "ours_M_edges_per_s": m * depth / ours_s / 1e6,
                     "sparse_mm_M_edges_per_s": m * depth / base_s / 1e6,
                     "ratio": base_s / ours_s})
    return rows


def _sparse_baseline(e: Hyperedges, n: int, b: torch.Tensor) -> Callable:
    """The same evolution with the pair products scattered by a sparse matrix product."""
    scatter = torch.sparse_coo_tensor(torch.stack([e.c, torch.arange(len(e), device=e.c.device)]),
                                      b[e.rule], (n, len(e))).coalesce()

    def run(p0: torch.Tensor) -> None:
        p = p0.clone().requires_grad_(True)
        q = p
        for _ in range(2):
            flow = (q[e.i] * q[e.j]).unsqueeze(1)
            q = 0.5 * q + torch.sparse.mm(scatter, flow).squeeze(1)
            q = q / q.sum()
        q.sum().backward()

    return run
