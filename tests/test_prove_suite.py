"""Suites of problems and carried lemmas: which files run, rows and stored runs, lemmas offered
only where their proofs' axioms hold, and their proofs replayed by the checker."""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

from click.testing import CliRunner

from automath.cli.main import main
from automath.proofs.carry import Carried
from automath.proofs.checker import Step, check_proof
from automath.proofs.problem import Problem
from automath.proofs.prove import load
from automath.proofs.suite import prove_suite, run_one, suite_files
from automath.runs.store import RunStore

UEQ = Path(__file__).resolve().parent.parent / "automath" / "problems" / "ueq"
SMALL = ("comb-skk", "group-inverse-unit", "group-right-identity", "monoid-identities")


def folder(tmp_path: Path, stems: tuple[str, ...], suffixes: tuple[str, ...] = (".toml", ".p")) \
        -> Path:
    for stem in stems:
        for suffix in suffixes:
            shutil.copy(UEQ / f"{stem}{suffix}", tmp_path / f"{stem}{suffix}")
    for lark in UEQ.glob("*.lark"):
        shutil.copy(lark, tmp_path / lark.name)
    return tmp_path


def test_suite_prefers_toml_twins_and_keeps_lone_tptp(tmp_path: Path):
    folder(tmp_path, ("comb-skk",))
    folder(tmp_path, ("czech-slovak",), (".p",))
    (tmp_path / "notes.txt").write_text("not a problem")
    assert [p.name for p in suite_files(tmp_path)] == ["comb-skk.toml", "czech-slovak.p"]


def test_suite_rows_and_stored_runs(tmp_path: Path):
    src = tmp_path / "suite"
    src.mkdir()
    folder(src, SMALL[:2])
    (src / "broken.p").write_text("cnf(a, axiom, f(X) = X | g(X) = X).\n")
    store = RunStore(str(tmp_path / "runs.db"))
    rows = prove_suite(src, store=store)
    by = {r["problem"]: r for r in rows}
    assert sorted(by) == ["broken", "comb-skk", "group-inverse-unit"]
    assert by["broken"]["status"] == "error" and "broken.p:1" in by["broken"]["error"]
    for stem in SMALL[:2]:
        r = by[stem]
        assert r["proved"] and r["proof_steps"] > 0 and r["generated"] >= 0 and r["top_lemmas"]
        assert store.proof(r["run"])["proved"]


def offered_steps(lemma) -> list[Step]:
    return [dataclasses.replace(s, axiom=None if s.axiom is None else lemma.axioms[s.axiom])
            for s in lemma.steps]


def learned_from(stems: tuple[str, ...]) -> Carried:
    carried = Carried()
    for stem in stems:
        prover, res = run_one(UEQ / f"{stem}.toml", carried, {})
        assert res.proved
        carried.learn(prover)
    return carried


def test_carried_lemmas_replay_in_the_later_problem_and_its_proof_checks():
    carried = learned_from(("group-inverse-product", "group-right-inverse"))
    target = load(UEQ / "group-right-identity.toml")
    offered = carried.offer(target)
    assert offered
    statement_only = dataclasses.replace(target, goal=None, goal_text=None)
    for lemma in offered:  # each lemma's own proof, renumbered, checks against the target
        steps = offered_steps(lemma)
        check_proof(statement_only, steps)
        assert (steps[-1].lhs, steps[-1].rhs) == lemma.equation
    prover, res = run_one(target, carried, {})
    assert res.proved and res.stats["carried"] == len(offered)
    check_proof(target, res.proof)


def test_lemmas_are_not_offered_where_an_axiom_they_used_is_missing():
    carried = learned_from(("group-right-inverse",))
    full = load(UEQ / "group-right-inverse.toml")
    # the same signature, but the inverse axiom stated the other way round: x * x' = e
    changed = Problem.from_dict({"grammar": str(UEQ / "group.lark"), "constants": ["a"],
                                 "axioms": ["x * (y * z) = (x * y) * z", "e * x = x",
                                            "x * x' = e"], "goal": "a' * a = e"})
    used_inverse = [m for m in carried.lemmas if 2 in m.uses]
    assert used_inverse and len(carried.offer(full)) > len(carried.offer(changed))
    for lemma in carried.offer(changed):
        assert 2 not in lemma.axioms
        check_proof(dataclasses.replace(changed, goal=None, goal_text=None),
                    offered_steps(lemma))


def test_other_signatures_get_no_lemmas():
    carried = learned_from(("group-right-inverse",))
    assert carried.lemmas and not carried.offer(load(UEQ / "lattice-meet-idempotent.toml"))


def test_cli_suite_with_carry_prints_a_row_per_problem(tmp_path: Path):
    src = folder(tmp_path, SMALL)
    db = str(tmp_path / "runs.db")
    out = CliRunner().invoke(main, ["prove", "--suite", str(src), "--carry", "--db", db],
                             catch_exceptions=False)
    assert out.exit_code == 0
    for stem in SMALL:
        assert stem in out.output
    assert f"{len(SMALL)}/{len(SMALL)} proved" in " ".join(out.output.split())
    assert len(RunStore(db).runs()) == len(SMALL)
