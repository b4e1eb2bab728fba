"""Physics-style formulas with π, √2 and e (``benchmarks.datasets.PHYSICS``) recovered exactly
by a fit without a time limit (so the result does not depend on the machine's load): the
returned formula minus the truth simplifies to 0 in sympy, over real symbols."""

from __future__ import annotations

import pytest
import sympy

from automath.regression.estimator import SymbolicRegressor
from benchmarks.datasets import PHYSICS

QUICK = {"base_elements": 2_000_000, "max_goals": 20000, "deep": 0, "steps": 0,
         "max_time": None}


@pytest.mark.parametrize("name", list(PHYSICS))
def test_physics_formula_is_recovered_exactly(name):
    problem = PHYSICS[name]
    x, y = problem.sample(0)
    model = SymbolicRegressor(grammar=problem.grammar, variable_names=tuple(problem.variables),
                              **QUICK).fit(x, y)
    syms = {v: sympy.Symbol(v, real=True) for v in problem.variables}
    found = model.sympy().subs({s: syms[s.name] for s in model.sympy().free_symbols})
    truth = sympy.sympify(problem.formula, locals=syms)
    assert sympy.simplify(found - truth) == 0, found
    assert {sympy.pi, sympy.E} & truth.atoms(sympy.NumberSymbol) <= found.atoms(
        sympy.NumberSymbol)
