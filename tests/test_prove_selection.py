"""Clause selection (automath.proofs.selection): the goal-weighted selector proves problems
with proofs that replay and hold in finite models, leaves a false goal unproved, and the old
size/age selector stays available."""

from __future__ import annotations

import pytest

from automath.core.errors import AutomathError
from automath.proofs.checker import check_proof
from automath.proofs.problem import Problem
from automath.proofs.prove import prove
from tests.test_prove_saturation import GROUP, S3, UEQ, holds, models

B2 = [0, 1]
BOOLE = {"or": lambda a, b: a | b, "and": lambda a, b: a & b, "not": lambda a: 1 - a,
         "zero": lambda: 0, "one": lambda: 1}
# the Boolean algebra of subsets of {0, 1}: a model with four elements
P2 = [frozenset(s) for s in ([], [0], [1], [0, 1])]
SETS = {"or": lambda a, b: a | b, "and": lambda a, b: a & b,
        "not": lambda a: frozenset({0, 1}) - a, "zero": frozenset, "one": lambda: P2[3]}


@pytest.mark.parametrize("ops,carrier", [(BOOLE, B2), (SETS, P2)])
def test_goal_selection_proves_boolean_idempotence_with_steps_true_in_models(ops, carrier):
    res = prove(UEQ / "boole-idempotent.toml", timeout=30, selection="goal", var_weight=0.5)
    assert res.proved and res.checked, res.stats["verdict"]
    check_proof(res.problem, res.proof)
    consts = models(res.problem, ops, carrier)
    assert len(consts) == len(carrier)
    for c in consts:
        assert all(holds(s.lhs, s.rhs, ops, carrier, c) for s in res.proof)


@pytest.mark.parametrize("settings", [{"selection": "goal", "var_weight": 0.5},
                                      {"selection": "goal", "max_side": 1.5,
                                       "unorientable": 1.5, "symbol_weight": 2.0},
                                      {"selection": "size"}])
def test_each_selection_proves_a_group_problem_with_steps_true_in_s3(settings):
    res = prove(UEQ / "group-inverse-product.toml", timeout=30, **settings)
    assert res.proved and res.checked, res.stats["verdict"]
    for c in models(res.problem, GROUP, S3):
        assert all(holds(s.lhs, s.rhs, GROUP, S3, c) for s in res.proof)


def test_goal_selection_leaves_a_false_goal_unproved():
    group = Problem.load(UEQ / "group-right-inverse.toml")
    false = Problem.from_dict({"grammar": str(UEQ / "group.lark"), "constants": ["a", "b"],
                               "axioms": list(group.axiom_texts), "goal": "a * b = b * a"})
    assert not all(holds(*false.goal, GROUP, S3, c) for c in models(false, GROUP, S3))
    res = prove(false, timeout=5, max_given=300, selection="goal", goal_match=0.5)
    assert not res.proved and res.proof is None


def test_an_unknown_selection_is_refused_by_name():
    with pytest.raises(AutomathError, match="bogus"):
        prove(UEQ / "monoid-identities.toml", selection="bogus")


def test_the_four_element_model_is_a_boolean_algebra():
    """The oracle itself: the subset algebra satisfies the axioms (checked by brute force)."""
    problem = Problem.load(UEQ / "boole-idempotent.toml")
    for lhs, rhs in problem.axioms:
        assert holds(lhs, rhs, SETS, P2, {})
