"""Semantics as data (issue 15.1): a TOML file beside a grammar, or --semantics FILE, gives
aliases their meaning; the README's set algebra runs from the CLI alone. Oracles: Python
sets and truth values, math.lcm, a Cayley table evaluated by hand."""

from __future__ import annotations

import itertools
import json
import math
import random
from pathlib import Path

import pytest
from click.testing import CliRunner

from automath.cli.main import main as cli
from automath.core.errors import SemanticsError
from automath.core.grammar import Grammar
from automath.core.sidecar import load_semantics
from automath.laws.explore import enumerate_terms, explore, signature
from automath.laws.prover import derives
from automath.laws.universe import Universe

EXAMPLES = Path(__file__).resolve().parent.parent / "examples" / "signatures"
SETS_GRAMMAR = (EXAMPLES / "sets.lark").read_text(encoding="utf-8")
SETS_SEMANTICS = (EXAMPLES / "sets.semantics.toml").read_text(encoding="utf-8")


pytestmark = pytest.mark.usefixtures("one_thread")


def _sets(tmp_path):
    (tmp_path / "sets.lark").write_text(SETS_GRAMMAR)
    (tmp_path / "sets.semantics.toml").write_text(SETS_SEMANTICS)
    return tmp_path / "sets.lark"


def _truth(text: str, env: dict) -> bool:
    py = text.replace("∪", " or ").replace("∩", " and ").replace("~", " not ")
    return bool(eval(py.replace("∅", "False").replace("U", "True"), dict(env)))


def test_set_algebra_from_the_cli_finds_de_morgan_absorption_complement_distributivity(
        tmp_path) -> None:
    path = _sets(tmp_path)
    out = CliRunner().invoke(cli, ["explore", str(path), "--size", "7", "--json", "--no-save"])
    assert out.exit_code == 0, out.output
    records = json.loads(out.output)["laws"]
    assert records and all(r["verified"] == "proved: exhaustive" for r in records)
    for r in records:  # every law is a Boolean identity (Python truth values)
        for bits in itertools.product([False, True], repeat=3):
            env = dict(zip("xyz", bits, strict=True))
            assert _truth(r["lhs"], env) == _truth(r["rhs"], env), r
    sig = signature(str(path))
    u = Universe(*enumerate_terms(sig, 9), 9)
    g = sig.grammar
    laws = [(g.parse(r["lhs"]), g.parse(r["rhs"])) for r in records]
    want = ["~(x ∪ y) = ~x ∩ ~y", "~(x ∩ y) = ~x ∪ ~y", "x ∩ (x ∪ y) = x", "x ∪ x ∩ y = x",
            "x ∪ ~x = U", "x ∩ ~x = ∅", "x ∩ (y ∪ z) = x ∩ y ∪ x ∩ z",
            "x ∪ y ∩ z = (x ∪ y) ∩ (x ∪ z)"]
    pairs = [tuple(g.parse(s) for s in w.split("=")) for w in want]
    assert all(derives(u, laws, pairs)), [w for w, ok in zip(want, derives(u, laws, pairs),
                                                             strict=True) if not ok]


@pytest.mark.parametrize("text,line,match", [
    ('[ops]\nunion = "or"\ninter = "andd"\n', 3, "'andd'.*neither"),
    ('[ops]\nunion = "or"\ninter = = "and"\n', 3, "bad TOML"),
    ('[ops]\nunion = "not"\n', 2, "takes 2 arguments"),
    ('[ops]\nunion = "mod:fn"\n', 2, "would run Python"),
    ('[ops]\nunion = { table = [[0, 1], [1]] }\n', 2, "different lengths|square"),
    ('[ops]\nunion = "inter(a, b)"\ninter = "union(a, b)"\n', 2, "itself"),
    ('[ops]\nunion = "or"\nempty = "empty"\n', 3, "'empty'.*neither.*a numeral"),
    ('kind = "foo"\n[ops]\nunion = "or"\n', 1, "no kind 'foo'"),
    ('[ops]\nunion = "a +* b"\n', 2, "cannot read the expression"),
    ('[ops]\nnosuch = "or"\n', 2, "not a constructor"),
])
def test_a_bad_semantics_file_names_file_and_line(tmp_path, text, line, match) -> None:
    path = _sets(tmp_path)
    (tmp_path / "sets.semantics.toml").write_text(text)
    with pytest.raises(SemanticsError, match=match) as err:
        explore(str(path), size=3)
    assert str(err.value).startswith(f"{tmp_path / 'sets.semantics.toml'}:{line}")


LCM_GRAMMAR = """?start: e
?e: NAME -> var
  | "lcm" "(" e "," e ")" -> lcm
NAME: /(?!lcm\\b)[a-z]+/
%import common.WS
%ignore WS
"""


def test_an_alias_defined_by_an_expression_over_kernels(tmp_path) -> None:
    (tmp_path / "lcm.lark").write_text(LCM_GRAMMAR)
    (tmp_path / "lcm.semantics.toml").write_text(
        'kind = "nat"\n[ops]\nlcm = "a * b / gcd(a, b)"\n')
    laws = explore(str(tmp_path / "lcm.lark"), size=5, weights=False)
    assert "lcm(x, y) = lcm(y, x)" in {str(law) for law in laws}
    rng = random.Random(0)
    for law in laws:
        for _ in range(200):
            env = {"lcm": math.lcm, **{v: rng.randint(1, 40) for v in "xyz"}}
            assert eval(law.lhs_text, env) == eval(law.rhs_text, env), str(law)


def test_a_cayley_table_is_a_finite_model_checked_exhaustively(tmp_path) -> None:
    (tmp_path / "mono.lark").write_text(Grammar.load("monoid").text)
    (tmp_path / "mono.semantics.toml").write_text(  # ℤ/3 written by its table, names e a b
        'elements = ["e", "a", "b"]\n[ops]\n'
        'mul = { table = [["e", "a", "b"], ["a", "b", "e"], ["b", "e", "a"]] }\n'
        'unit = { table = "e" }\n')
    sem = load_semantics(tmp_path / "mono.semantics.toml")
    assert sem.kind == "table:3"
    laws = explore(str(tmp_path / "mono.lark"), vars="xy", size=7, weights=False)
    texts = {str(law) for law in laws}
    assert "x * y = y * x" in texts and texts & {"x * (x * x) = e", "x * (x * (x * y)) = y"}
    z3 = {"e": 0, "a": 1, "b": 2}

    class _E:
        def __init__(self, v):
            self.v = v

        def __mul__(self, o):
            return _E((self.v + o.v) % 3)

        def __eq__(self, o):
            return self.v == o.v
    for law in laws:
        assert law.verified == "proved: exhaustive"
        for x, y in itertools.product(range(3), repeat=2):
            env = {"e": _E(z3["e"]), "x": _E(x), "y": _E(y)}
            assert eval(law.lhs_text, env) == eval(law.rhs_text, env), str(law)


def test_python_escape_hatch_only_from_a_named_file(tmp_path, monkeypatch) -> None:
    path = _sets(tmp_path)
    (tmp_path / "mysets.py").write_text(
        "import sympy, torch\nfrom automath.core.semantics import Op\n"
        "UNION = Op(2, sympy.Or, {'bool': torch.logical_or})\n")
    named = tmp_path / "named.toml"
    named.write_text(SETS_SEMANTICS.replace('union = "or"', 'union = "mysets:UNION"'))
    monkeypatch.syspath_prepend(str(tmp_path))
    laws = explore(str(path), size=5, semantics=str(named), weights=False)
    assert "x ∩ (x ∪ y) = x" in {str(law) for law in laws}
    (tmp_path / "sets.semantics.toml").write_text(named.read_text())
    with pytest.raises(SemanticsError, match="would run Python"):
        explore(str(path), size=3)
