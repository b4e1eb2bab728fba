"""Saturation proofs: textbook problems proved with checked proofs, judged by finite models.

Oracles: the independent checker replays every proof; every step of a proof, and every active
equation left at the end, holds in a finite model of the axioms (the symmetric group S3, the
ring Z/4) under every assignment of its variables; a goal false in such a model is never
reported proved, and a tampered proof is rejected.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from automath.core.term import Term
from automath.proofs.checker import ProofCheckError, Step, check_proof
from automath.proofs.problem import Problem
from automath.proofs.prove import prove

UEQ = Path(__file__).resolve().parent.parent / "automath" / "problems" / "ueq"

S3 = list(itertools.permutations(range(3)))
GROUP = {"mul": lambda p, q: tuple(p[q[i]] for i in range(3)),
         "inv": lambda p: tuple(sorted(range(3), key=lambda i: p[i])),
         "unit": lambda: (0, 1, 2)}
Z4 = list(range(4))
RING = {"add": lambda a, b: (a + b) % 4, "mul": lambda a, b: (a * b) % 4,
        "neg": lambda a: -a % 4, "zero": lambda: 0, "one": lambda: 1}


def value(t: Term, ops: dict, env: dict[str, object]) -> object:
    """``t`` in the model ``ops``; a ``var`` leaf reads ``env``."""
    if t.op == "var":
        return env[str(t.token)]
    return ops[t.op](*(value(a, ops, env) for a in t.args))


def holds(lhs: Term, rhs: Term, ops: dict, carrier: list, consts: dict) -> bool:
    """``lhs = rhs`` under every assignment of its variables (constants fixed by ``consts``)."""
    names = sorted({v for side in (lhs, rhs) for v in side.variables()} - set(consts))
    for vals in itertools.product(carrier, repeat=len(names)):
        env = {**consts, **dict(zip(names, vals, strict=True))}
        if value(lhs, ops, env) != value(rhs, ops, env):
            return False
    return True


def models(problem: Problem, ops: dict, carrier: list) -> list[dict]:
    """Assignments of the problem's named constants under which every axiom holds."""
    names = [str(c.token) for c in problem.constants if c.op == "var"]
    out = []
    for vals in itertools.product(carrier, repeat=len(names)):
        consts = dict(zip(names, vals, strict=True))
        if all(holds(*ax, ops, carrier, consts) for ax in problem.axioms):
            out.append(consts)
    return out


GROUP_PROBLEMS = ["group-right-inverse", "group-right-identity", "group-inverse-product",
                  "group-inverse-unit", "group-left-cancel", "group-unique-identity"]


@pytest.mark.parametrize("name", GROUP_PROBLEMS)
def test_group_problems_are_proved_and_every_step_holds_in_s3(name):
    problem = Problem.load(UEQ / f"{name}.toml")
    res = prove(problem, timeout=30)
    assert res.proved and res.checked, res.stats["verdict"]
    check_proof(problem, res.proof)  # raises if it does not replay
    assert (res.proof[-1].lhs, res.proof[-1].rhs) == problem.goal
    for consts in models(problem, GROUP, S3):
        for s in res.proof:
            assert holds(s.lhs, s.rhs, GROUP, S3, consts), s


@pytest.mark.parametrize("name", ["ring-double-neg", "lattice-meet-idempotent", "comb-skk",
                                  "czech-slovak", "monoid-identities", "group-cancel-unit"])
def test_more_suite_problems_are_proved_with_checked_proofs(name):
    res = prove(UEQ / f"{name}.toml", timeout=30)
    assert res.proved and res.checked, res.stats["verdict"]
    check_proof(res.problem, res.proof)


def test_ring_steps_hold_in_z4():
    res = prove(UEQ / "ring-double-neg.toml", timeout=30)
    consts = models(res.problem, RING, Z4)
    assert consts
    for c in consts:
        assert all(holds(s.lhs, s.rhs, RING, Z4, c) for s in res.proof)


def test_a_false_goal_is_never_reported_proved():
    group = Problem.load(UEQ / "group-right-inverse.toml")
    false = Problem.from_dict({"grammar": str(UEQ / "group.lark"), "constants": ["a", "b"],
                               "axioms": list(group.axiom_texts), "goal": "a * b = b * a"})
    assert not all(holds(*false.goal, GROUP, S3, c) for c in models(false, GROUP, S3))
    res = prove(false, timeout=5)
    assert not res.proved and res.proof is None
    assert res.stats["status"] in {"saturated", "budget"}
    for m in res.lemmas(20):  # what it did derive holds in S3
        lhs, rhs = (false.grammar.parse(x) for x in m.statement.split(" = "))
        assert holds(lhs, rhs, GROUP, S3, {"a": S3[1], "b": S3[3]}), m.statement


def test_a_tampered_or_invented_proof_is_rejected():
    res = prove(UEQ / "group-inverse-product.toml", timeout=30)
    p, ok = res.problem, list(res.proof)
    k = next(n for n, s in enumerate(ok) if s.rule == "rw" and s.lhs != s.rhs)
    unit = p.grammar.parse("e")
    bad = ok[:k] + [Step("rw", ok[k].premises, (), ok[k].lhs, unit)] + ok[k + 1:]
    with pytest.raises(ProofCheckError, match=f"step {k + 1}"):
        check_proof(p, bad)
    g = p.grammar
    a, b = g.parse("a * b"), g.parse("b * a")
    invent = [Step("axiom", (), (), *p.axioms[0], axiom=0), Step("rw", (0,), (), a, b)]
    with pytest.raises(ProofCheckError, match="step 2"):
        check_proof(p, invent)


def test_a_problem_without_constants_loads_and_proves():
    problem = Problem.load(UEQ / "group-inverse-unit.toml")
    assert [c.op for c in problem.constants] == ["unit"]  # e only, from the grammar
    res = prove(problem)
    assert res.proved and res.checked


def test_past_the_memory_budget_the_run_ends_with_the_clear_message():
    res = prove(UEQ / "ring-neg-times.toml", max_memory=0.05, timeout=60)
    assert not res.proved
    assert res.stats["verdict"].startswith("not proved within budget (memory:")
    assert res.stats["memory_mb"] <= 0.1 and res.lemmas(3)


def test_a_time_budget_ends_the_run_with_the_best_lemmas():
    res = prove(UEQ / "ring-neg-times.toml", timeout=0.05)
    assert not res.proved and "not proved within budget (time:" in res.stats["verdict"]
    assert res.lemmas(5)


def test_a_ternary_operator_and_ground_axioms(tmp_path):
    (tmp_path / "maj.lark").write_text(
        '?start: term\n?term: "maj" "(" term "," term "," term ")" -> maj\n'
        '     | NAME -> var\nNAME: /[a-z_][a-z_0-9]*/\n%import common.WS\n%ignore WS\n')
    (tmp_path / "p.toml").write_text(
        'grammar = "maj.lark"\nconstants = ["a", "b", "c"]\n'
        'axioms = ["maj(x, x, y) = x", "maj(x, y, z) = maj(y, x, z)", "a = b"]\n'
        'goal = "maj(a, b, c) = a"\n')
    res = prove(tmp_path / "p.toml")
    assert res.proved and res.checked
    assert any(len(s.lhs.args) == 3 for s in res.proof if s.lhs.args)
