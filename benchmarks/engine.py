"""Benchmarks of the engine's hot paths, each beside a plain-torch baseline in the same run."""

from __future__ import annotations

import time
from collections.abc import Callable

import torch

from automath.core.evolve import evolve
from automath.core.generate import Hyperedges, expand
from automath.core.kinds import RealKind, fingerprint_hash
from automath.core.semantics import Semantics
from automath.core.store import COLUMNS, DEDUP, Store
from automath.core.term import Term

Echo = Callable[[dict], None]


def _over(max_time: float | None) -> Callable[[], bool]:
    """A clock started now: whether ``max_time`` seconds (None: no limit) have passed."""
    start = time.perf_counter()
    return lambda: max_time is not None and time.perf_counter() - start > max_time


def _rows(jobs: list[Callable[[], dict]], echo: Echo | None, max_time: float | None,
          ) -> list[dict]:
    """Run the jobs in turn, each row echoed as it comes, until ``max_time`` has passed
    (checked between jobs, after the first)."""
    rows, over = [], _over(max_time)
    for job in jobs:
        if rows and over():
            break
        rows.append(job())
        if echo:
            echo(rows[-1])
    return rows


def generate_jobs(sizes: tuple[int, ...]) -> int:
    """How many rows ``bench_generate`` gives for ``sizes`` (two workloads per size).

    >>> generate_jobs((100, 1000))
    4
    """
    return 2 * len(sizes)


def _timed(f: Callable[[], object], repeat: int = 3) -> float:
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        f()
        best = min(best, time.perf_counter() - t)
    return best


def _parents(n: int, k: int, device: str, dedup: str = DEDUP) -> Store:
    store = Store(RealKind(k=k, device=device), Semantics(), ["add", "mul"], dedup=dedup)
    vals = torch.rand(n, k, dtype=torch.float64, generator=torch.Generator().manual_seed(n))
    z = torch.zeros(n, dtype=torch.int64)
    store.insert(vals.to(device), z - 1, z - 1, z - 1, z + 1)
    return store


def _quantized_products(store: Store, left: torch.Tensor, right: torch.Tensor) -> torch.Tensor:
    """The plain torch way to the rows to deduplicate: multiply, drop non-finite, quantize."""
    vals = store.values[left] * store.values[right]
    return store.kind.quantize(vals[torch.isfinite(vals).all(dim=1)])


def _naive_dedup(store: Store, left: torch.Tensor, right: torch.Tensor) -> None:
    torch.unique(_quantized_products(store, left, right), dim=0, return_inverse=True)


def _hash_unique(store: Store, left: torch.Tensor, right: torch.Tensor) -> None:
    """Hash every row, ``torch.unique`` the hashes (no exact check)."""
    torch.unique(fingerprint_hash(_quantized_products(store, left, right)), return_inverse=True)


def _grammar_parents(n: int, k: int, device: str) -> dict[str, torch.Tensor]:
    """Columns of a store holding the first ``n`` elements that ``+`` and ``*`` build from
    x, y, 1, 2 (all pairs, level by level): structured values, unlike random rows."""
    store = Store(RealKind(k=k, device=device), Semantics(), ["add", "mul"])
    store.add_atoms([Term("var", token="x"), Term("var", token="y"), Term("num", token="1"),
                     Term("num", token="2")])
    while len(store) < n:
        ids = torch.arange(len(store), device=device)
        left, right = ids.repeat_interleave(len(ids)), ids.repeat(len(ids))
        for rule in (0, 1):
            expand(store, rule, left, right)
    keep = torch.arange(n, device=device)
    return {c: getattr(store, c)[keep] for c in COLUMNS}


def _reopened(cols: dict[str, torch.Tensor], k: int, device: str, dedup: str = DEDUP,
              ) -> Store:
    store = Store(RealKind(k=k, device=device), Semantics(), ["add", "mul"], dedup=dedup)
    store.load_columns(cols)
    return store


def _pairs(n: int, cap: int, device: str) -> tuple[torch.Tensor, torch.Tensor]:
    """All N² ordered pairs, or ``cap`` random ones when N² is larger."""
    if n * n <= cap:
        return (torch.arange(n, device=device).repeat_interleave(n),
                torch.arange(n, device=device).repeat(n))
    g = torch.Generator().manual_seed(n)
    return tuple(torch.randint(0, n, (cap,), generator=g).to(device) for _ in range(2))


def bench_generate(sizes: tuple[int, ...] = (100, 1000, 3000, 10000), k: int = 16,
                   device: str = "cpu", cap: int = 4_000_000, echo: Echo | None = None,
                   max_time: float | None = None) -> list[dict]:
    """Candidates fingerprinted and deduplicated per second for N parents (N² pairs, capped).

    Two workloads: random parents (nearly every candidate is new, so the store grows by each)
    and the first elements that ``+``, ``*`` build from x, y, 1, 2; ``new`` counts the
    candidates stored (``*`` commutes, so about half are found instead). Ours is the store's
    default dedup (the compiled hash-table insert where numba is installed; the column
    ``hash_table_M_per_s`` repeats it); beside it the eager torch hash table (``vs_eager``:
    its time over ours), sorted runs, ``torch.unique(dim=0)`` on the quantized rows, and
    hashing the rows then ``torch.unique`` on the hashes (neither keeps a store nor confirms a
    hash match). Each
    row goes to ``echo`` as it is measured; past ``max_time`` seconds no further row starts.
    """
    return _rows([job for n in sizes for job in _generate_jobs(n, k, device, cap)], echo,
                 max_time)


def _generate_jobs(n: int, k: int, device: str, cap: int) -> list[Callable[[], dict]]:
    """The two rows of size ``n`` (random and grammar parents), each built when it runs."""
    def random_row() -> dict:
        return _generate_row(n, "random", lambda d: _parents(n, k, device, d),
                             *_pairs(n, cap, device))

    def grammar_row() -> dict:
        cols = _grammar_parents(n, k, device)
        return _generate_row(n, "grammar", lambda d: _reopened(cols, k, device, d),
                             *_pairs(n, cap, device))

    return [random_row, grammar_row]


def _generate_row(n: int, workload: str, make: Callable[[str], Store], left: torch.Tensor,
                  right: torch.Tensor) -> dict:
    """One row: each dedup of the store (``make(dedup)``) and the two baselines, timed in
    turns; ``ours`` is the store's default dedup."""
    new = len(make(DEDUP))
    store = make(DEDUP)
    expand(store, 1, left, right)
    dedups = dict.fromkeys((DEDUP, "hash", "sort"))  # ours first
    jobs = {d: lambda d=d: expand(make(d), 1, left, right) for d in dedups} | {
        "unique_rows": lambda: _naive_dedup(make(DEDUP), left, right),
        "hash_unique": lambda: _hash_unique(make(DEDUP), left, right)}
    best, m = _alternating(jobs, repeat=2), left.shape[0]
    rate = {name: m / s / 1e6 for name, s in best.items()}
    return {"N": n, "parents": workload, "candidates": m, "new": len(store) - new,
            "ours_M_per_s": rate[DEDUP], "hash_table_M_per_s": rate[DEDUP],
            "eager_hash_M_per_s": rate["hash"], "sorted_runs_M_per_s": rate["sort"],
            "unique_rows_M_per_s": rate["unique_rows"],
            "hash_unique_M_per_s": rate["hash_unique"], "vs_eager": best["hash"] / best[DEDUP],
            "vs_unique_rows": best["unique_rows"] / best[DEDUP],
            "vs_hash_unique": best["hash_unique"] / best[DEDUP]}


def bench_evolve(edge_counts: tuple[int, ...] = (10**5, 10**6, 4 * 10**6), depth: int = 2,
                 device: str = "cpu", echo: Echo | None = None,
                 max_time: float | None = None) -> list[dict]:
    """Forward+backward hyperedges per second of the evolution (``ours``: sorted by child
    from ``SORT_FROM`` edges on, the sort timed apart), beside the edges always sorted by
    child, in their given order, the eager torch path (``evolve(..., fused=False)``, the
    reference; ``ours`` is the compiled flow where numba is installed) and a sparse-matrix
    form, all taking turns in one run. Rows
    go to ``echo`` as measured; past ``max_time`` seconds no further row starts."""
    jobs = [lambda m=m: _evolve_row(m, depth, device) for m in edge_counts]
    return _rows(jobs, echo, max_time)


def _random_edges(m: int, device: str) -> tuple[Hyperedges, int]:
    n = max(10, m // 10)
    g = torch.Generator().manual_seed(m)
    e = Hyperedges(*(torch.randint(0, k, (m,), generator=g).to(device) for k in (4, n, n, n)))
    return e, n


def _in_given_order(e: Hyperedges) -> Hyperedges:
    """The edges with their sorted form set to themselves: the evolution before the sort."""
    given = Hyperedges(*e.fields())
    given.__dict__["by_child"] = given  # what functools.cached_property reads
    return given


def _evolve_row(m: int, depth: int, device: str) -> dict:
    e, n = _random_edges(m, device)
    g = torch.Generator().manual_seed(m + 1)
    p0 = torch.rand(n, dtype=torch.float64, generator=g).to(device)
    b = torch.full((4,), 0.125, dtype=torch.float64, device=device)
    a = torch.tensor(0.5, dtype=torch.float64, device=device)

    def run(edges: Hyperedges, fused: bool | None = None) -> None:
        p = p0.clone().requires_grad_(True)
        evolve(p, edges, a, b, depth, fused=fused).sum().backward()

    given, by_child = _in_given_order(e), _in_given_order(e.by_child)
    sparse = _sparse_baseline(e, n, b)
    sort_s = _timed(lambda: Hyperedges(*e.fields()).by_child)
    best = _alternating({"ours": lambda: run(e), "by_child": lambda: run(by_child),
                         "given": lambda: run(given), "eager": lambda: run(e, False),
                         "sparse": lambda: sparse(p0)})
    rate = {k: m * depth / s / 1e6 for k, s in best.items()}
    return {"edges": m, "elements": n, "ours_M_edges_per_s": rate["ours"],
            "by_child_M_edges_per_s": rate["by_child"],
            "given_order_M_edges_per_s": rate["given"], "eager_M_edges_per_s": rate["eager"],
            "vs_eager": best["eager"] / best["ours"], "sort_ms": sort_s * 1e3,
            "sparse_mm_M_edges_per_s": rate["sparse"], "ratio": best["sparse"] / best["ours"]}


def _alternating(jobs: dict[str, Callable[[], object]], repeat: int = 3) -> dict[str, float]:
    """Best seconds of each job, the jobs taking turns (so machine load hits them alike)."""
    best = dict.fromkeys(jobs, float("inf"))
    for _ in range(repeat):
        for name, f in jobs.items():
            best[name] = min(best[name], _timed(f, repeat=1))
    return best


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
