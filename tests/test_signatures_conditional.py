"""Conditional laws (issue 15.4): predicates declared in a semantics file, laws
``p(x, y) => lhs = rhs`` printed as QuickSpec prints them. Oracles: brute force with Python's
max, min, math.gcd and residues, over every assignment where the condition holds."""

from __future__ import annotations

import itertools
import math
import random
from pathlib import Path

import pytest
from click.testing import CliRunner

from automath.cli.main import main as cli
from automath.core.errors import SemanticsError
from automath.core.grammar import Grammar
from automath.laws.explore import explore
from automath.laws.testing import LawFailure, check_law

pytestmark = pytest.mark.usefixtures("one_thread")
MODELS = Path(__file__).parent / "test_signatures_models.py"


def _minmax(tmp_path: Path, predicates: str = 'le = "a <= b"') -> Path:
    (tmp_path / "mm.lark").write_text(Grammar.load("minmax").text)
    (tmp_path / "mm.semantics.toml").write_text(f'kind = "int"\n[predicates]\n{predicates}\n')
    return tmp_path / "mm.lark"


def test_min_max_with_order_finds_the_conditional_law(tmp_path) -> None:
    laws = explore(str(_minmax(tmp_path)), size=5, weights=False)
    cond = [law for law in laws if law.condition]
    assert "x <= y => max(x, y) = y" in {str(law) for law in cond}
    assert all(law.verified == "proved: exhaustive" for law in laws)
    for law in laws:  # every law holds wherever its condition does, for integers -3..3
        for x, y, z in itertools.product(range(-3, 4), repeat=3):
            env = {"max": max, "min": min, "x": x, "y": y, "z": z}
            if not law.condition or eval(law.condition, env):
                assert eval(law.lhs_text, env) == eval(law.rhs_text, env), str(law)
    for law in cond:  # not a law without its condition
        env = {"max": max, "min": min, "x": 2, "y": 1, "z": 0}
        assert eval(law.lhs_text, env) != eval(law.rhs_text, env), str(law)


def test_the_cli_prints_conditional_laws_and_no_conditions_turns_them_off(tmp_path) -> None:
    path = str(_minmax(tmp_path))
    out = CliRunner().invoke(cli, ["explore", path, "--size", "5", "--no-save"])
    assert out.exit_code == 0 and "x <= y => max(x, y) = y" in out.output, out.output
    out = CliRunner().invoke(cli, ["explore", path, "--size", "5", "--no-save",
                                   "--no-conditions"])
    assert out.exit_code == 0 and "=>" not in out.output, out.output


def test_a_condition_that_always_holds_gives_no_conditional_law(tmp_path) -> None:
    laws = explore(str(_minmax(tmp_path, 'same = "a == a"')), size=5, weights=False)
    assert laws and not any(law.condition for law in laws)


def test_tested_only_laws_hold_for_coprime_naturals(tmp_path) -> None:
    grammar = MODELS.read_text().split('GCD_GRAMMAR = """')[1].split('"""')[0]
    (tmp_path / "gcd.lark").write_text(grammar.replace("\\\\", "\\"))
    (tmp_path / "gcd.semantics.toml").write_text(
        'kind = "nat"\n[ops]\ngcd = "gcd"\n[predicates]\ncoprime = "gcd(a, b) == 1"\n')
    cond = [law for law in explore(str(tmp_path / "gcd.lark"), size=5, weights=False)
            if law.condition]
    assert cond
    rng = random.Random(4)
    for law in cond:
        assert law.condition == "gcd(x, y) == 1" and law.verified.startswith("tested only (")
        tried = 0
        while tried < 300:
            env = {"gcd": math.gcd, **{v: rng.randint(0, 80) for v in "xyz"}}
            if eval(law.condition, env):
                tried += 1
                assert eval(law.lhs_text, env) == eval(law.rhs_text, env), str(law)


def test_a_unary_predicate_in_a_finite_model(tmp_path) -> None:
    (tmp_path / "ring.lark").write_text(Grammar.load("ring").text)
    (tmp_path / "ring.semantics.toml").write_text('[predicates]\nzero = "a == 0"\n')
    laws = [law for law in explore(str(tmp_path / "ring.lark"), kind="mod:5", size=5,
                                   weights=False) if law.condition]
    assert [str(law) for law in laws] == ["x == 0 => x = 0"]
    assert laws[0].verified == "proved: exhaustive"


def test_check_law_under_a_condition(tmp_path) -> None:
    path = str(_minmax(tmp_path))
    assert check_law(path, "max(x, y)", "y", kind="int", condition="le(x, y)") > 0
    with pytest.raises(LawFailure, match="fails at"):  # max(1, 2) = 2, not 1
        check_law(path, "max(x, y)", "x", kind="int", condition="le(x, y)")


@pytest.mark.parametrize("text,match", [
    ('le = "a <=> b"', "cannot read the predicate"),
    ('le = "a + b"', "use comparisons"),
    ('le = "a <= c"', "must use argument a, or a and b"),
    ('le = "foo(a) <= b"', "'foo'.*neither"),
    ('le = 3', "must be a string"),
])
def test_a_bad_predicate_names_file_and_line(tmp_path, text, match) -> None:
    path = _minmax(tmp_path, text)
    with pytest.raises(SemanticsError, match=match) as err:
        explore(str(path), size=3)
    assert str(err.value).startswith(f"{tmp_path / 'mm.semantics.toml'}:3")


def test_a_stored_conditional_law_keeps_its_condition(tmp_path) -> None:
    from automath.runs.store import RunStore
    db = str(tmp_path / "runs.db")
    out = CliRunner().invoke(cli, ["explore", str(_minmax(tmp_path)), "--size", "5",
                                   "--db", db])
    assert out.exit_code == 0, out.output
    stored = {(law["lhs"], law["rhs"]) for law in RunStore(db).laws(1)}
    assert ("x <= y => max(x, y)", "y") in stored and ("max(x, y)", "y") not in stored
