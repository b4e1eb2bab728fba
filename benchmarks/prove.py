"""Benchmark of the saturation prover beside the E prover, problem by problem, in one run.

For each problem of a suite (``proofs.suite.suite_files``), interleaved: automath with
learning on and with learning off (``prove(..., learning=False)``; which goes first alternates
from one problem to the next, as the first pays for loading the problem), then each peer on
PATH (E: ``eprover --auto -s --cpu-limit=T FILE.p``; a ``.toml`` problem without a TPTP twin
is printed to TPTP first), all with the same wall-clock budget ``T``. automath's seconds are
wall time in this process (loading and the checker included, the interpreter's start not);
E's are the wall time of its process (start included); ``search_s`` is automath's search,
proof and check alone (no loading: a ``.toml`` problem builds its grammar's parser).
Figures, never pass/fail; on a shared machine they are noisy.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import click

from automath.cli.common import Printer, err_console, escape, format_option, split

UEQ = Path(__file__).resolve().parent.parent / "automath" / "problems" / "ueq"
"""The textbook suite shipped with automath (``proofs.suite.UEQ``)."""

SOLVED = frozenset({"Theorem", "Unsatisfiable"})
"""SZS statuses that mean E found a proof."""
VARIANTS = {"automath": {"learning": True}, "automath (learning off)": {"learning": False}}


def run_automath(path: Path, budget: float, learner: object = None, **config: object) -> dict:
    """One automath run within ``budget`` seconds; its row. ``learner``: a suite's
    ``Learning``, whose guide steers the run when learning is on and learns from its proof
    (``learn_s``, counted in ``seconds``: learning's cost is part of its time).

    >>> row = run_automath(UEQ / "comb-skk.toml", 5.0)
    >>> row["solved"], row["status"]
    (True, 'proved')
    """
    from automath.proofs.suite import run_one
    start = time.perf_counter()
    guide = learner.guide if learner is not None and config.get("learning", True) else None
    prover, res = run_one(path, None, {"timeout": budget, **config}, guide)
    learned = time.perf_counter()
    if guide is not None:
        learner.learn(prover)
    end, s = time.perf_counter(), res.stats
    return {"solved": res.proved, "seconds": end - start, "learn_s": end - learned,
            "status": s["status"],
            "search_s": s["seconds"], "generated": s["generated"], "given": s["given"],
            "guided": s["guided"], "proof_steps": s["proof_steps"]}


def run_eprover(path: Path, budget: float) -> dict:
    """E on a TPTP file (``--auto -s --cpu-limit``), killed after the budget plus 2 s."""
    cmd = ["eprover", "--auto", "-s", f"--cpu-limit={max(1, round(budget))}", str(path)]
    start = time.perf_counter()
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=budget + 2).stdout
    except subprocess.TimeoutExpired:
        out = "# SZS status Timeout"
    seconds = time.perf_counter() - start
    status = next((ln.split()[3] for ln in out.splitlines()
                   if ln.startswith("# SZS status ") and len(ln.split()) > 3), "Unknown")
    return {"solved": status in SOLVED, "seconds": seconds, "status": status}


PEERS = {"eprover": run_eprover}


def missing_peers(peers: tuple[str, ...]) -> list[str]:
    """The peers that cannot run here (unknown, or not on PATH).

    >>> missing_peers(("nosuchprover",))
    ['nosuchprover']
    """
    return [p for p in peers if p not in PEERS or shutil.which(p) is None]


def bench_prove(suite: str | Path = UEQ, *, problems: tuple[str, ...] | None = None,
                peers: tuple[str, ...] = ("eprover",), budget: float = 10.0,
                threads: int | None = 1, train: str | Path | None = None,
                echo: Callable[[dict], None] | None = None) -> list[dict]:
    """Rows per problem and variant (automath on, off, each available peer), interleaved
    problem by problem, each given to ``echo`` once its problem is done; ``vs_E``: seconds
    over E's on that problem (> 1: slower than E).
    Learning on starts from a guide fitted to the learning-off proofs of the ``train`` suite
    (none: from no guide) and learns from each proof it finds, problem by problem."""
    from automath.core.threads import torch_threads
    from automath.proofs.suite import Learning, suite_files
    run_peers = [p for p in peers if p not in missing_peers(peers)]
    rows: list[dict] = []
    files = [p for p in suite_files(suite) if problems is None or p.stem in problems]
    with torch_threads(threads), tempfile.TemporaryDirectory() as tmp:
        learner = trained(train, budget)
        if files:  # warm-up, untimed: imports and first-call costs
            run_automath(files[0], budget, Learning(learner.guide))
        for k, path in enumerate(files):
            rows += _problem_rows(path, budget, run_peers, Path(tmp), learner, flip=k % 2 == 1)
            for row in rows[-len(VARIANTS) - len(run_peers):] if echo else ():
                echo(row)
    return rows


def trained(train: str | Path | None, budget: float) -> object:
    """A suite's ``Learning`` whose guide was fitted to the proofs of ``train`` (learning off).

    >>> trained(None, 1.0).guide.runs
    0
    """
    from automath.proofs.suite import Learning, run_one, suite_files
    learner = Learning()
    for path in suite_files(train) if train else []:
        prover, _ = run_one(path, None, {"timeout": budget, "learning": False})
        learner.learn(prover)
    return Learning(learner.guide)


def _problem_rows(path: Path, budget: float, peers: list[str], tmp: Path,
                  learner: object, flip: bool = False) -> list[dict]:
    """The rows of one problem; automath's variants run in reverse order when ``flip`` (so
    no variant is always the first to load a grammar), listed in ``VARIANTS`` order."""
    order = list(VARIANTS.items())[::-1 if flip else 1]
    runs = {name: run_automath(path, budget, learner, **config) for name, config in order}
    rows = [{"problem": path.stem, "variant": name, **runs[name]} for name in VARIANTS]
    for peer in peers:
        rows.append({"problem": path.stem, "variant": peer,
                     **PEERS[peer](tptp_file(path, tmp), budget)})
    ref = next((r["seconds"] for r in rows if r["variant"] == "eprover" and r["solved"]), None)
    for r in rows:
        r["vs_E"] = r["seconds"] / ref if ref and r["solved"] else None
    return rows


def tptp_file(path: Path, tmp: Path) -> Path:
    """The problem as a TPTP file: its ``.p`` twin, or the problem printed to ``tmp``."""
    if path.suffix in (".p", ".tptp"):
        return path
    if path.with_suffix(".p").is_file():
        return path.with_suffix(".p")
    from automath.proofs.prove import load
    from automath.proofs.tstp import problem_tptp
    out = tmp / f"{path.stem}.p"
    out.write_text(problem_tptp(load(path)) + "\n")
    return out


def summary(rows: list[dict]) -> list[dict]:
    """Per variant: problems solved, total seconds, and total seconds over E's on the problems
    both solved (``vs_E``).

    >>> rows = [{"problem": "p", "variant": v, "solved": True, "seconds": t}
    ...         for v, t in (("a", 2.0), ("eprover", 0.5))]
    >>> summary(rows)[0]
    {'variant': 'a', 'solved': '1/1', 'seconds': 2.0, 'vs_E': 4.0, 'generated': None}
    """
    out = []
    for name in dict.fromkeys(r["variant"] for r in rows):
        mine = [r for r in rows if r["variant"] == name]
        e = {r["problem"]: r["seconds"] for r in rows if r["variant"] == "eprover" and r["solved"]}
        both = [r for r in mine if r["solved"] and r["problem"] in e]
        ratio = sum(r["seconds"] for r in both) / sum(e[r["problem"]] for r in both) \
            if both else None
        out.append({"variant": name, "solved": f"{sum(r['solved'] for r in mine)}/{len(mine)}",
                    "seconds": sum(r["seconds"] for r in mine), "vs_E": ratio,
                    "generated": sum(r["generated"] for r in mine)
                    if all("generated" in r for r in mine) else None})
    return out


@click.command("prove")
@click.option("--suite", type=click.Path(exists=True, file_okay=False), default=str(UEQ),
              help="Folder of problems (default: the shipped textbook suite, problems/ueq).")
@click.option("--problems", help="Only these problem names (comma-separated).")
@click.option("--peers", default="eprover", show_default=True,
              help="Peers to run beside automath (comma-separated; '' for none).")
@click.option("--budget", type=float, default=10.0, show_default=True,
              help="Wall-clock seconds per run, the same for every prover.")
@click.option("--threads", type=int, default=1, show_default=True)
@click.option("--train", type=click.Path(exists=True, file_okay=False),
              help="Fit learning-on's first guide to this suite's proofs (default: none; "
                   "it learns from the benchmarked suite's earlier problems only).")
@format_option
def bench_prove_cmd(suite: str, problems: str | None, peers: str, budget: float,
                    threads: int, train: str | None, fmt: str) -> None:
    """The saturation prover (learning on and off) beside E, problem by problem (rows as
    each problem is done; JSON: {"rows": [...], "summary": [...]})."""
    wanted = tuple(split(peers) or ())
    for peer in missing_peers(wanted):
        err_console.print(f"{escape(peer)} is not on PATH (or not a known peer): automath's "
                          "figures only")
    with Printer(fmt) as out:
        with out.stream("rows", f"prove: {suite}, {budget:g} s each (vs_E > 1: slower than E)",
                        ROW_COLUMNS) as add:
            rows = bench_prove(suite, problems=tuple(split(problems)) if problems else None,
                               peers=wanted, budget=budget, threads=threads, train=train,
                               echo=add)
        out.table("summary", summary(rows), "prove: totals (vs_E over the problems both solved)",
                  ["variant", "solved", "seconds", "vs_E", "generated"])


ROW_COLUMNS = ["problem", "variant", "solved", "seconds", "vs_E", "search_s", "learn_s", "status",
               "given", "generated", "guided"]
