"""User text is read, never run: payloads planted in targets and stored runs do not execute."""

from pathlib import Path

import pytest
import sympy
from click.testing import CliRunner

from automath import Domain, ExpressionError, RunStore
from automath.cli.main import main
from automath.core.parsing import MAX_DEPTH, parse_equation, parse_sympy


def payloads(marker: Path) -> list[str]:
    """Texts that create ``marker`` if anything evaluates them as Python."""
    m = str(marker)
    return [f"__import__('os').system('touch {m}')",
            f"open('{m}', 'w').write('x')",
            f"exec(\"open('{m}', 'w')\")",
            f"eval(\"open('{m}', 'w')\")",
            f"x + (lambda: open('{m}', 'w'))()",
            f"().__class__.__bases__[0].__subclasses__() or open('{m}', 'w')",
            f"sin(x) + [open('{m}', 'w')][0]",
            f"Symbol('{m}').__reduce__()"]


def test_parser_refuses_every_payload_and_runs_none(tmp_path: Path):
    marker = tmp_path / "MARKER"
    for text in payloads(marker):
        with pytest.raises(ExpressionError):
            parse_sympy(text)
    assert not marker.exists()


def test_target_payload_is_an_error_not_a_run(tmp_path: Path):
    marker = tmp_path / "MARKER"
    d = Domain.create("arith", atoms="x,1", k=4)
    for text in payloads(marker):
        with pytest.raises(ExpressionError, match="target"):
            d.target_values(text)
    result = CliRunner().invoke(main, ["run", "arith", "--target", payloads(marker)[0],
                                       "--steps", "1", "--db", str(tmp_path / "r.db")])
    assert result.exit_code != 0 and "Traceback" not in result.output
    assert not marker.exists()


def test_a_stored_target_payload_does_not_run_on_query(tmp_path: Path):
    marker, db = tmp_path / "MARKER", str(tmp_path / "r.db")
    RunStore(db).create({"grammar": "arith", "atoms": "x,1"},
                        {"steps": 1, "target": payloads(marker)[0]})
    for args in (["query", "1"], ["run", "--resume", "1"]):
        result = CliRunner().invoke(main, [*args, "--db", db])
        assert result.exit_code != 0 and "Traceback" not in result.output
    assert not marker.exists()


def test_parsed_expressions_equal_sympy_built_by_hand():
    x, y = sympy.symbols("x y")
    cases = {"x**3 + 2*x": x**3 + 2 * x, "sin(x)^2 - cos(y)/3": sympy.sin(x)**2 - sympy.cos(y) / 3,
             "log(x, 2) + exp(-x)": sympy.log(x) / sympy.log(2) + sympy.exp(-x),
             "Max(x, y, 1) % 3": sympy.Mod(sympy.Max(x, y, 1), 3), "pi*E": sympy.pi * sympy.E,
             "0.5*x": sympy.Float(0.5) * x, "-(-(x))": x}
    for text, want in cases.items():
        assert sympy.simplify(parse_sympy(text) - want) == 0, text
    assert parse_equation("x*(y + 1) == x*y + x") == (x * (y + 1), x * y + x)


def test_long_chains_parse_and_deep_nesting_is_refused_with_the_limit_named():
    x = sympy.Symbol("x")
    assert parse_sympy(" + ".join(["x"] * 1000)) == 1000 * x
    assert parse_sympy(" * ".join(["x"] * 1000)) == x**1000
    with pytest.raises(ExpressionError, match="MAX_DEPTH"):
        parse_sympy("sin(" * (MAX_DEPTH + 1) + "x" + ")" * (MAX_DEPTH + 1))
    with pytest.raises(ExpressionError, match="MAX_DEPTH"):
        parse_sympy("**".join(["x"] * (MAX_DEPTH + 2)))
    with pytest.raises(ExpressionError, match="MAX_POWER_BITS"):
        parse_sympy("9**9**9")
