"""The examples run (the README example among them)."""

import importlib.util
from pathlib import Path

import sympy

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def load(name: str):
    spec = importlib.util.spec_from_file_location(name, EXAMPLES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_quickstart_finds_the_target_first():
    rows = load("quickstart").main(steps=60)
    assert sympy.expand(sympy.sympify(rows[0]["sympy"])) == sympy.sympify("x**3 + 2*x")
    assert rows[0]["weight"] > rows[1]["weight"]


def test_sequence_demo_recovers_two_formulas_through_the_es_objective():
    from automath import Domain
    from automath.core.interpret import to_sympy
    from automath.core.semantics import DEFAULT_SEMANTICS

    found = load("sequences").main(["--only", "triangular", "cubes"])
    n = sympy.Symbol("n")
    d = Domain.create("sequence", atoms="n")
    for name, want in (("triangular", n * (n + 1) / 2), ("cubes", n**3)):
        step, text = found[name]
        assert step is not None, name
        assert sympy.simplify(to_sympy(d.parse(text), DEFAULT_SEMANTICS) - want) == 0
