"""Suites: every problem of a folder proved in turn, one row each; lemmas carried between them.

``suite_files`` lists a folder's ``.toml`` problems and its TPTP files (``.p``, ``.tptp``)
that have no ``.toml`` twin of the same stem. ``prove_suite`` proves them in name order (a
problem that does not load is a row with its error, not a crash), stores each run when given a
``RunStore``, and with ``carry=True`` offers each problem the lemmas of the earlier ones
(``Carried``): same signature, proofs only from axioms it also has.

>>> rows = prove_suite(UEQ, only=("comb-skk", "monoid-identities"))
>>> [(r["problem"], r["proved"]) for r in rows]
[('comb-skk', True), ('monoid-identities', True)]
"""

from __future__ import annotations

import time
from pathlib import Path

from automath.core.errors import AutomathError
from automath.proofs.carry import Carried
from automath.proofs.guide import Example, Guide, example_of
from automath.proofs.prove import Prover, load, settings

UEQ = Path(__file__).resolve().parent.parent / "problems" / "ueq"
"""The textbook unit-equality suite shipped with automath (17 problems)."""
TPTP_SUFFIXES = (".p", ".tptp")
FIRST_STEPS, REFIT_STEPS = 200, 50
"""Fitting steps of a suite's guide: from zero, and from its weights so far after a proof."""


def suite_files(folder: str | Path) -> list[Path]:
    """The problem files of ``folder``: ``.toml`` ones, and TPTP ones without a ``.toml`` twin.

    >>> [p.name for p in suite_files(UEQ)][:2]
    ['boole-idempotent.toml', 'boolean-ring-char2.toml']
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise AutomathError(f"no suite folder {str(folder)!r}")
    toml = {p.stem for p in folder.glob("*.toml")}
    files = [p for p in folder.iterdir() if p.is_file() and (
        p.suffix == ".toml" or p.suffix in TPTP_SUFFIXES and p.stem not in toml)]
    return sorted(files, key=lambda p: (p.stem, p.suffix))


def prove_suite(folder: str | Path, *, carry: bool | Carried = False, store: object = None,
                only: tuple[str, ...] | None = None, top: int = 3,
                learner: Learning | None = None, **config: object) -> list[dict]:
    """One row per problem of ``folder`` (``only``: these stems): proved, seconds, proof
    length, generated equations, lemmas offered (``carried``), proofs the clause-selection
    guide had learned from (``guided``), the run's id and top lemmas. ``config``: ``prove``
    settings (``timeout``, ``steps``, ``learning``, ...); with learning on (the default), each
    proof found teaches the guide the next problems use (``learner``: start from its guide)."""
    carried = carry if isinstance(carry, Carried) else Carried() if carry else None
    learner = learner or Learning()
    rows = []
    for path in suite_files(folder):
        if only is None or path.stem in only:
            rows.append(_row(path, carried, store, top, config, learner))
    return rows


class Learning:
    """The clause-selection guide a suite learns as it goes: refitted after every proof.

    >>> Learning().guide.runs
    0
    """

    def __init__(self, guide: Guide | None = None) -> None:
        self.examples: list[Example] = []
        self.start = guide or Guide()
        self.guide = self.start

    def learn(self, prover: Prover) -> None:
        """Add a finished run's example (when it found a proof) and refit the guide, from
        its weights so far (fewer steps once it has some)."""
        example = example_of(prover)
        if example is not None:
            self.examples.append(example)
            steps = REFIT_STEPS if self.guide.runs else FIRST_STEPS
            fitted = Guide.fit(self.examples, steps=steps, start=self.guide)
            self.guide = fitted if fitted.runs else self.start


def _row(path: Path, carried: Carried | None, store: object, top: int, config: dict,
         learner: Learning) -> dict:
    start = time.perf_counter()
    guide = learner.guide if config.get("learning", True) else None
    try:
        prover, res = run_one(path, carried, config, guide)
    except AutomathError as e:
        return {"problem": path.stem, "file": path.name, "proved": False, "status": "error",
                "seconds": time.perf_counter() - start, "error": str(e)}
    records = res.to_records(top)
    s = res.stats
    row = {"problem": path.stem, "file": path.name, "proved": res.proved, "status": s["status"],
           "seconds": s["seconds"], "proof_steps": s["proof_steps"], "generated": s["generated"],
           "given": s["given"], "carried": s.get("carried", 0), "guided": s.get("guided", 0),
           "top_lemmas": "; ".join(m["statement"] for m in records["lemmas"][:top]),
           "run": store.save_proof_run(records) if store is not None else None}
    if carried is not None:  # active equations are proved, whether or not the goal was
        row["learned"] = carried.learn(prover)
    if guide is not None:
        learner.learn(prover)
    return row


def run_one(problem: object, carried: Carried | None, config: dict,
            guide: Guide | None = None) -> tuple[Prover, object]:
    """``prove``'s run, keeping the ``Prover`` (its saturation gives the lemmas to carry and
    the guide's examples)."""
    prob = load(problem)
    extra = {"max_given": config["steps"]} if config.get("steps") is not None else {}
    cfg = settings(prob, {**{k: v for k, v in config.items() if k != "steps"}, **extra})
    prover = Prover(prob, cfg, carried, guide)
    return prover, prover.run()


def summary(rows: list[dict]) -> dict:
    """Totals of a suite's rows: problems, proved, seconds, generated equations.

    >>> summary([{"proved": True, "seconds": 1.0, "generated": 5}, {"proved": False}])
    {'problems': 2, 'proved': 1, 'seconds': 1.0, 'generated': 5}
    """
    return {"problems": len(rows), "proved": sum(bool(r.get("proved")) for r in rows),
            "seconds": sum(r.get("seconds", 0.0) for r in rows),
            "generated": sum(r.get("generated", 0) for r in rows)}
