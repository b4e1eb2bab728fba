"""Benchmark of ``explore`` beside QuickSpec 2.2's published wall times, and the run-store table.

Each case runs in a fresh Python process (so its peak resident memory is its own), timed from
the call to ``explore`` (defaults: learned weights included) to its return; the import of
torch/sympy is not counted. ``weights_s`` is the part spent weighing the laws, which QuickSpec
does not do; ``ours_s`` and the speed-up include it.

The signatures of issue 15 (a semantics file, the model kinds, staged and conditional
exploration) run from grammar and semantics files written to a temporary folder
(``FILES``). QuickSpec publishes no times for them: its repository's ``examples/`` has
GCD.hs (staged, like ours), MinMax.hs, Conditionals.hs, Lists.hs (of which the typed
lists case is a first-order part), Composition.hs, Combinators.hs and ListHOF.hs (of which
the map case is a part) but no timings; where its
``examples/tests/*.output`` lists the laws, ``quickspec_laws`` gives their count.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from automath.core.errors import AutomathError

# Published QuickSpec 2.2 wall times (seconds; MB where given) on a 2-core machine.
QUICKSPEC = {
    "{0,1,+,*} size 7": (2.19, None), "{0,1,+,*} size 8": (5.41, None),
    "{0,1,+,*} size 9": (165.7, 408.0), "{0,1,+,*,negate} size 7": (3.21, None),
    "Booleans size 7": (1.31, None), "{min,max} size 7": (0.60, None),
}
CASES = {
    "{0,1,+,*} size 7": ("semiring", 7, {}), "{0,1,+,*} size 8": ("semiring", 8, {}),
    "{0,1,+,*} size 9": ("semiring", 9, {}), "{0,1,+,*,negate} size 7": ("ring", 7, {}),
    "Booleans size 7": ("logic", 7, {"ops": ["and", "or", "not"]}),
    "{min,max} size 7": ("minmax", 7, {}),
}
SIGNATURE_FILES = Path(__file__).resolve().parent.parent / "examples" / "signatures"
"""The example signatures a user can explore from the CLI (grammar and semantics file)."""


def _example(name: str) -> tuple[str, str]:
    """The grammar and semantics texts of ``examples/signatures/<name>``."""
    return tuple((SIGNATURE_FILES / f"{name}{ext}").read_text(encoding="utf-8")
                 for ext in (".lark", ".semantics.toml"))


SETS, GCD, LISTS = _example("sets"), _example("gcd"), _example("lists")
MAP, SKI, COMPOSITION = _example("map"), _example("ski"), _example("composition")
PARTIAL = _example("lists-partial")
MINMAX_LE = (None, 'kind = "int"\n[predicates]\nle = "a <= b"\n')  # the shipped minmax grammar
FILES = {"sets": SETS, "gcd": GCD, "minmax_le": MINMAX_LE, "lists": LISTS, "map": MAP,
         "ski": SKI, "composition": COMPOSITION, "lists_partial": PARTIAL}
"""Grammar (None: the shipped one of that name minus the suffix) and semantics texts."""
SIGNATURES = {
    "sets (semantics file) size 7": ("sets", 7, {}),
    "ring in Z/6 (mod:6) size 5": ("ring", 5, {"kind": "mod:6"}),
    "monoid in S3 (perm:3) size 7": ("monoid", 7, {"kind": "perm:3", "vars": "xy"}),
    "GCD.hs: nat gcd over {0,1,+,*} background size 7": (
        "gcd", 7, {"background": "add,mul"}),
    "{min,max} with x <= y (conditional) size 7": ("minmax_le", 7, {}),
    "typed lists ++ reverse nil length + size 7": ("lists", 7, {}),
    "Composition.hs: id, ., application on mod:3 size 7": ("composition", 7, {}),
    "ListHOF.hs part: map, ., id, ++, reverse, length size 7": ("map", 7, {}),
    "Combinators.hs: polymorphic S, K, I over mod:2 size 7": ("ski", 7, {}),
    "ListHOF.hs part: (++) xs, map f, reverse as functions, . size 7": (
        "lists_partial", 7, {}),
}
CASES.update(SIGNATURES)
QUICKSPEC_LAWS = {"GCD.hs: nat gcd over {0,1,+,*} background size 7": 13,
                  "Composition.hs: id, ., application on mod:3 size 7": 5,
                  "Combinators.hs: polymorphic S, K, I over mod:2 size 7": 10}
"""Laws QuickSpec prints for the same example (examples/tests/GCD.output: laws 11-23, the
gcd stage after {0,1,+,*}; Composition.output: the same signature, its five laws are ours;
Combinators.output: polymorphic S, K, I, as ours (one instance per sort of the two-element
model whose table fits): at size 7, where application nodes count (4 atoms), QuickSpec's laws
1, 2, 5, 7 print as they are, 3, 6, 9 eta-reduced (S K = K I, S (K I) = I,
S (K (K x)) = K (K x)), 4 follows from 7 and 1; its 8 needs size 9 and its 10 size 13 (7 atoms,
QuickSpec's own bound); one law, g (g (g x)) = g x, is true of the two-element model only).
ListHOF.output (20 laws) has fold and (:), which the map and lists-partial signatures do not,
so no count is given beside them (lists-partial prints its laws 1, 2, 6, 7 and 8: map f [] = [],
(f . g) x = f (g x) over random functions on lists, map (f . g) xs = map f (map g xs) derived,
(f . g) . h = f . (g . h) over item functions, map f . map g = map (f . g))."""
_CHILD = """
import json, resource, sys, time
from automath.laws.explore import Stats, explore
grammar, size, options = json.loads(sys.argv[1])
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
stats, t, cpu = Stats(), time.perf_counter(), time.process_time()
laws = explore(grammar, size=size, stats=stats, **options)
seconds, cpu = time.perf_counter() - t, time.process_time() - cpu
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"seconds": seconds, "cpu_seconds": cpu, "laws": len(laws), "peak_MB": peak / 1024,
                  "added_MB": (peak - base) / 1024, "stats": stats.__dict__}))
"""


def run_case(grammar: str, size: int, options: dict | None = None,
             timeout: float | None = None) -> dict:
    """Explore one signature in a fresh process: seconds, law count, peak memory, stats; past
    ``timeout`` seconds the process is killed (``subprocess.TimeoutExpired``)."""
    with tempfile.TemporaryDirectory() as tmp:
        path = _materialize(grammar, Path(tmp))
        out = subprocess.run([sys.executable, "-c", _CHILD,
                              json.dumps([path, size, options or {}])],
                             capture_output=True, text=True, check=False, timeout=timeout)
    if out.returncode != 0:
        raise AutomathError(f"benchmark case {grammar} size {size} failed: "
                            f"{out.stderr.strip().splitlines()[-1:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def _materialize(grammar: str, folder: Path) -> str:
    """A ``FILES`` signature written as ``<name>.lark`` and its semantics file in ``folder``
    (its path); any other grammar name unchanged."""
    if grammar not in FILES:
        return grammar
    from automath.core.grammar import Grammar
    text, semantics = FILES[grammar]
    text = text if text is not None else Grammar.load(grammar.split("_")[0]).text
    (folder / f"{grammar}.lark").write_text(text, encoding="utf-8")
    (folder / f"{grammar}.semantics.toml").write_text(semantics, encoding="utf-8")
    return str(folder / f"{grammar}.lark")


Echo = Callable[[dict], None] | None
"""Called with each row as it is finished (``automath.cli.common.Printer.stream``)."""


def bench_explore(cases: Sequence[str] | None = None, repeat: int = 3, echo: Echo = None,
                  deadline: float | None = None) -> list[dict]:
    """Each acceptance signature, best of ``repeat`` runs, beside QuickSpec 2.2's times
    (blank where QuickSpec publishes none: the issue-15 signatures); ``echo(row)`` as each
    row is finished. Past ``deadline`` (a ``time.perf_counter()`` value) no row starts and a
    run still going is killed: the rows finished so far are returned.

    ``speedup`` is QuickSpec's published wall time over our best wall time (different
    machines of the same kind: 2 cores); ``ours_cpu_s`` is the best CPU time, steadier on a
    shared machine. Memory is the child process's peak resident set (torch included) and the
    part added by the call.
    """
    rows: list[dict] = []
    for name in cases or CASES:
        runs = _runs(CASES[name], repeat, deadline)
        if runs is None:
            break
        rows.append(_explore_row(name, runs))
        _echo(echo, rows)
    return rows


def _runs(case: tuple, repeat: int, deadline: float | None) -> list[dict] | None:
    """``repeat`` runs of a case (grammar, size, options), or None once ``deadline`` passed."""
    try:
        return [run_case(*case, **_timeout(deadline)) for _ in range(repeat)]
    except subprocess.TimeoutExpired:
        return None


def _timeout(deadline: float | None) -> dict:
    """``run_case``'s timeout: the seconds left before ``deadline`` (none without one); past
    it, ``subprocess.TimeoutExpired`` before a run starts.

    >>> _timeout(None), 0 < _timeout(time.perf_counter() + 60)["timeout"] <= 60
    ({}, True)
    """
    if deadline is None:
        return {}
    left = deadline - time.perf_counter()
    if left <= 0:
        raise subprocess.TimeoutExpired("bench explore", 0)
    return {"timeout": left}


def _explore_row(name: str, runs: list[dict]) -> dict:
    """The table's row of a signature from its runs: the best wall time, QuickSpec's."""
    best = min(runs, key=lambda r: r["seconds"])
    qs_s, qs_mb = QUICKSPEC.get(name, (None, None))
    return {"signature": name, "laws": best["laws"], "ours_s": best["seconds"],
            "ours_cpu_s": min(r["cpu_seconds"] for r in runs),
            "weights_s": best["stats"]["seconds"]["weights"],
            "quickspec_s": qs_s if qs_s is not None else "",
            "speedup": qs_s / best["seconds"] if qs_s is not None else "",
            "quickspec_laws": QUICKSPEC_LAWS.get(name, ""),
            "peak_MB": max(r["peak_MB"] for r in runs),
            "added_MB": max(r["added_MB"] for r in runs),
            "quickspec_MB": qs_mb if qs_mb is not None else "",
            "classes": best["stats"]["classes"], "nodes": best["stats"]["candidates"]}


def _echo(echo: Echo, rows: list[dict]) -> None:
    """Pass the newest row on (no ``echo``: nothing)."""
    if echo is not None:
        echo(rows[-1])


def bench_growth(grammar: str = "semiring", sizes: Sequence[int] = (5, 7, 9, 11),
                 options: dict | None = None, echo: Echo = None,
                 deadline: float | None = None) -> list[dict]:
    """How time and memory grow with the size bound (one fresh process per size); ``echo(row)``
    as each row is finished; ``deadline`` as in ``bench_explore``."""
    rows: list[dict] = []
    for size in sizes:
        runs = _runs((grammar, size, options), 1, deadline)
        if runs is None:
            break
        r = runs[0]
        rows.append({"grammar": grammar, "size": size, "laws": r["laws"],
                     "seconds": r["seconds"], "cpu_s": r["cpu_seconds"], "peak_MB": r["peak_MB"],
                     "added_MB": r["added_MB"], "nodes": r["stats"]["candidates"],
                     **{f"{k}_s": v for k, v in r["stats"]["seconds"].items()}})
        _echo(echo, rows)
    return rows
