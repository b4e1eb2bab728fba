"""``automath bench evonet``: batched evolving network vs per-op loops, and recovery rates.

Speed: forward+backward of random topologies (``add_random_op``) at a few sizes, against a plain
per-op Python loop (one autograd op per op, columns kept in a list) and the seed's style of
loop (``torch.cat`` of the growing table after every op).  Recovery: ``x0*x1 + x2`` with two
distractor inputs, per prune rule and number of scored candidates, with seconds per recovery.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

import numpy as np
import sympy
import torch
from torch import Tensor

from automath.core.threads import torch_threads
from automath.evonet.export import EvonetRegressor
from automath.evonet.network import DEFAULT_OPS, EvolvingNetwork

Echo = Callable[[str], None] | None
RowEcho = Callable[[dict], None] | None
"""Called with each row as it is finished (``automath.cli.common.Printer.stream``)."""


def loop_forward(net: EvolvingNetwork, x: Tensor, *, cat: bool = False) -> Tensor:
    """The network evaluated one op at a time (``cat``: re-concatenate the table per op).

    >>> net = EvolvingNetwork(2, capacity=2); _ = net.add_op("mul", 0, 1)
    >>> x = torch.randn(5, 2); bool(torch.allclose(loop_forward(net, x), net(x)))
    True
    """
    n_in, cap, consts = net.n_inputs, net.capacity, net.consts.reshape(-1)
    order, x = net._get_plan().slot_order.tolist(), x.to(net.weight.dtype)
    cols, table, pos = list(x.unbind(1)), x, {c: c for c in range(n_in)}
    for s in order:
        spec = net.specs[net.op_names[int(net.kind[s])]]
        args = [consts[c - n_in - cap] if c >= n_in + cap else
                (table[:, pos[c]] if cat else cols[pos[c]])
                for c in net.src[s, :spec.arity].tolist()]
        out = spec.kernel(*args)
        pos[n_in + s] = len(cols)
        cols.append(out)
        table = torch.cat([table, out.unsqueeze(1)], 1) if cat else table
    feats = table if cat else torch.stack(cols, 1)
    w = net.weight[:, list(range(n_in)) + [n_in + s for s in order]]
    return torch.nn.functional.linear(feats, w, net.bias)


def _time_all(fns: Sequence[Callable[[], object]], budget: float = 0.6,
              clock: Callable[[], float] = time.perf_counter) -> list[float]:
    """Best mean seconds per call of each function, over rounds that alternate between them
    (so a busy spell on a shared machine hits all of them alike).

    >>> [t > 0 for t in _time_all([lambda: sum(range(100)), lambda: sum(range(10))], 0.01)]
    [True, True]
    """
    for fn in fns:
        fn()
    reps = [max(1, int(0.02 / max(_once(fn), 1e-6))) for fn in fns]
    best, end = [float("inf")] * len(fns), time.perf_counter() + budget
    while time.perf_counter() < end or best[-1] == float("inf"):
        for i, (fn, n) in enumerate(zip(fns, reps, strict=True)):
            t = clock()
            for _ in range(n):
                fn()
            best[i] = min(best[i], (clock() - t) / n)
    return best


def _once(fn: Callable[[], object]) -> float:
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


def bench_speed(sizes: Sequence[int] = (64, 128, 256), threads: Sequence[int] = (1, 2),
                depths: Sequence[int | None] = (4, None), batch: int = 256,
                echo: RowEcho = None) -> list[dict]:
    """Forward+backward milliseconds: batched network vs per-op loops, per size and threads;
    ``echo(row)`` as each row is finished.

    One row per (threads, depth, size); ``levels`` is the depth of the built network's plan:

    >>> rows = bench_speed(sizes=(8,), threads=(1,), depths=(2,)); len(rows)
    1
    >>> {k: v for k, v in rows[0].items() if not isinstance(v, float)}
    {'threads': 1, 'ops': 8, 'depth': 2, 'levels': 2}
    >>> sorted(k for k, v in rows[0].items() if isinstance(v, float))  # timings: not asserted
    ['batched_ms', 'cat_loop/batched', 'cat_loop_ms', 'loop/batched', 'loop_ms']
    """
    rows = []
    for n_threads in threads:
        with torch_threads(n_threads):
            for depth in depths:
                rows += [_passed(echo, _speed_row(n, depth, batch, n_threads)) for n in sizes]
    return rows


def _passed(echo: RowEcho, row: dict) -> dict:
    """``row``, given to ``echo`` first (if any)."""
    if echo is not None:
        echo(row)
    return row


def _speed_row(n_ops: int, depth: int | None, batch: int, n_threads: int) -> dict:
    net = EvolvingNetwork(5, 1, capacity=n_ops, max_depth=depth, seed=0, dtype=torch.float32)
    for _ in range(n_ops):
        net.add_random_op()
    with torch.no_grad():
        net.weight.normal_(0.0, 0.1, generator=torch.Generator().manual_seed(0))
    x = torch.rand(batch, 5, generator=torch.Generator().manual_seed(1), dtype=torch.float32)
    clock = time.process_time if n_threads == 1 else time.perf_counter  # CPU time: 1 thread
    vec, loop = _time_all([lambda: net(x).sum().backward(),  # the aim: these two alternate
                           lambda: loop_forward(net, x).sum().backward()], clock=clock)
    cat = _time_all([lambda: loop_forward(net, x, cat=True).sum().backward()], 0.3, clock)[0]
    return {"threads": n_threads, "ops": n_ops, "depth": depth or "any",
            "levels": len(net._get_plan().levels), "batched_ms": 1e3 * vec,
            "loop_ms": 1e3 * loop, "cat_loop_ms": 1e3 * cat, "loop/batched": loop / vec,
            "cat_loop/batched": cat / vec}


def bench_recovery(seeds: int = 5, rules: Sequence[str] = ("spread", "weight", "refit"),
                   candidates: Sequence[int] = (16, 1), threads: Sequence[int] = (1,),
                   generations: int = 100, echo: RowEcho = None) -> list[dict]:
    """Recovery of x0*x1 + x2 (x3, x4 distractors) per prune rule, candidates and threads;
    ``echo(row)`` as each row is finished.

    >>> bench_recovery(seeds=1, rules=("spread",), candidates=(16,))[0]["recovered"]
    '1/1'
    """
    X = np.random.default_rng(0).uniform(-2, 2, (64, 2))  # warm-up: imports, caches
    EvonetRegressor(generations=2).fit(X, X[:, 0] * X[:, 1])
    rows = []
    for n_threads in threads:
        for rule in rules:
            rows += [_passed(echo, _recovery_row(seeds, rule, c, n_threads, generations))
                     for c in candidates]
    return rows


def _recovery_row(seeds: int, rule: str, cands: int, n_threads: int, generations: int) -> dict:
    target = sympy.sympify("x0*x1 + x2", locals={f"x{i}": sympy.Symbol(f"x{i}", real=True)
                                                  for i in range(3)})
    hits, gens, total = [], [], 0.0
    for seed in range(seeds):
        rng = np.random.default_rng(seed)
        X = rng.uniform(-2, 2, (256, 5))
        t = time.perf_counter()
        model = EvonetRegressor(ops=DEFAULT_OPS, prune=rule, candidates=cands, seed=seed,
                                generations=generations, n_threads=n_threads)
        model.fit(X, X[:, 0] * X[:, 1] + X[:, 2])
        total += time.perf_counter() - t
        hits.append(model.recovered_ and sympy.simplify(model.sympy() - target) == 0)
        gens.append(model.n_generations_)
    found = [g for g, h in zip(gens, hits, strict=True) if h]
    return {"threads": n_threads, "rule": rule, "candidates": cands,
            "recovered": f"{sum(hits)}/{seeds}",
            "per_seed": "".join("+" if h else "-" for h in hits),
            "median_gens": float(np.median(found)) if found else float("nan"),
            "s_per_run": total / seeds, "s_per_recovery": total / max(sum(hits), 1)
            if hits and any(hits) else float("inf")}


def format_table(rows: list[dict]) -> str:
    """Rows of dicts as an aligned text table (floats with 3 significant digits).

    >>> print(format_table([{"a": 1, "b": 0.12345}]))
    a  b
    1  0.123
    """
    cells = [[f"{v:.3g}" if isinstance(v, float) else str(v) for v in r.values()] for r in rows]
    heads = list(rows[0]) if rows else []
    widths = [max(len(h), *(len(c[i]) for c in cells)) for i, h in enumerate(heads)]
    lines = [heads] + cells
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(line, widths, strict=True)).rstrip()
                     for line in lines)


SPEED_TITLE = "evonet forward+backward, batch 256 (ms; ratios = loop time / batched time)"
RECOVERY_TITLE = "recovery of x0*x1 + x2 with two distractor inputs (seeds 0..n-1)"


def plan(quick: bool, seeds: int, sizes: Sequence[int], threads: Sequence[int]
         ) -> dict[str, list[dict]]:
    """The keyword arguments of each ``bench_speed`` and ``bench_recovery`` call of a run.

    >>> [len(v) for v in plan(True, 1, (8,), (1, 2)).values()]
    [1, 1]
    """
    if quick:
        return {"speed": [{"sizes": sizes, "threads": threads[:1], "depths": (4,)}],
                "recovery": [{"seeds": seeds, "rules": ("spread",), "candidates": (16,),
                              "threads": threads[:1]}]}
    return {"speed": [{"sizes": sizes, "threads": threads}],
            "recovery": [{"seeds": seeds, "threads": (threads[0],)},
                         {"seeds": seeds, "rules": ("spread",), "candidates": (16,),
                          "threads": tuple(threads[1:])}]}


BENCHES = {"speed": bench_speed, "recovery": bench_recovery}


def run_plan(calls: list[dict], what: str, echo: RowEcho = None) -> list[dict]:
    """The rows of one table of the plan (``what``: speed or recovery), ``echo``-ed as they
    are finished."""
    return [row for kw in calls for row in BENCHES[what](**kw, echo=echo)]


def bench_evonet(*, quick: bool = False, seeds: int = 5, sizes: Sequence[int] = (64, 128, 256),
                 threads: Sequence[int] = (1, 2), echo: Echo = print) -> dict[str, list[dict]]:
    """Run both benchmarks, print their tables through ``echo`` and return the rows.

    >>> out = bench_evonet(quick=True, seeds=1, sizes=(8,), echo=None)
    >>> sorted(out), out["recovery"][0]["recovered"]
    (['recovery', 'speed'], '1/1')
    """
    out = {what: run_plan(calls, what) for what, calls in plan(quick, seeds, sizes,
                                                               threads).items()}
    if echo is not None:
        echo(SPEED_TITLE)
        echo(format_table(out["speed"]))
        echo("\n" + RECOVERY_TITLE)
        echo(format_table(out["recovery"]))
    return out
