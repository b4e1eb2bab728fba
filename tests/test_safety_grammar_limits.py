"""Grammar size limits checked before lark compiles (issue 17.3): rules that expand to more
than MAX_GRAMMAR_ALTERNATIVES alternatives or MAX_GRAMMAR_SYMBOLS symbols are refused naming
the file, the rule and the limit; every shipped grammar and example signature is accepted; the
count is lark's own expansion of the rules."""

from pathlib import Path

import pytest
from lark.load_grammar import load_grammar

import automath.core.grammar as grammar
from automath.core.errors import GrammarError
from automath.core.grammar import (
    MAX_GRAMMAR_ALTERNATIVES,
    MAX_GRAMMAR_SYMBOLS,
    SHIPPED,
    Grammar,
    _expanded,
    shipped_grammars,
)

ROOT = Path(__file__).resolve().parents[1]
FILES = [SHIPPED / f"{name}.lark" for name in shipped_grammars()]
FILES += sorted((ROOT / "examples" / "signatures").glob("*.lark"))


def chain(n: int) -> str:
    """The fuzzed shape that compiled for ~27 s: a0: a1 | "x", a1: a2 | "x", ..."""
    return "start: a0\n" + "".join(f'a{i}: a{i + 1} | "x"\n' for i in range(n)) + f'a{n}: "y"\n'


def binary_ops(n: int) -> str:
    """n binary operators on one rule (100 of them: 2.3 s in lark, 150: 8.5 s, measured)."""
    ops = " | ".join(f'e "o{i}" e -> o{i}' for i in range(n))
    return f'?start: e\n?e: {ops} | "x" -> x\n'


PLUSES = 'start: ' + ' '.join(f'"t{i}"+' for i in range(60))  # 60 helper rules


def counted(text: str, dirs: list[str]) -> tuple[int, int]:
    rules = load_grammar(text, "<t>", [*dirs, str(SHIPPED)], False)[0].rule_defs
    costs = [_expanded(tree) for _, _, tree, _ in rules]
    return sum(a for a, _ in costs), sum(s for _, s in costs)


def lark_expands(text: str, dirs: list[str]) -> tuple[int, int]:
    """The oracle: lark's own BNF rules (what its parser tables are built from)."""
    g = load_grammar(text, "<t>", [*dirs, str(SHIPPED)], False)[0]
    _, rules, _ = g.compile(["start"], set())
    return len(rules), sum(len(r.expansion) for r in rules)


@pytest.fixture
def no_compile(monkeypatch):
    """lark.Lark fails the test: a refused grammar must be refused before it is compiled."""
    def refuse(*args, **kwargs):
        raise AssertionError("lark compiled a grammar past the limits")
    monkeypatch.setattr(grammar.lark, "Lark", refuse)
    grammar._compiled.cache_clear()


@pytest.mark.parametrize("text", [chain(200), binary_ops(150), chain(60),
                                  'start: ' + ' '.join(f'"t{i}"?' for i in range(12)),
                                  'start: ("a" | "b" | "c") ~ 6',
                                  PLUSES])
def test_grammars_past_the_limits_are_refused_before_lark_compiles(tmp_path, no_compile, text):
    path = tmp_path / "big.lark"
    path.write_text(text)
    with pytest.raises(GrammarError) as e:
        Grammar.load(path)
    said = str(e.value)
    assert str(path) in said
    assert "MAX_GRAMMAR_ALTERNATIVES" in said and "MAX_GRAMMAR_SYMBOLS" in said
    assert e.value.token and e.value.line  # the largest rule, at its line
    assert text.splitlines()[e.value.line - 1].lstrip("?").startswith(e.value.token)


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_every_shipped_grammar_and_signature_is_within_the_limits(path: Path):
    alternatives, symbols = counted(path.read_text(), [str(path.parent)])
    assert alternatives <= MAX_GRAMMAR_ALTERNATIVES and symbols <= MAX_GRAMMAR_SYMBOLS
    assert Grammar.load(path).constructors


CASES = ['start: a b\na: "x" | "y" "z"\nb: "w"? "v"', 'start: ("x" | "y") ["z" "u"]',
         'start: "x"+ "y"', 'start: "x"* "y"', 'start: "x" ~ 3', 'start: ("a" | "b") ~ 2..3',
         'start: x\n?x: x "+" y -> add | y\ny: "1"', binary_ops(7), chain(9),
         chain(200), PLUSES]


@pytest.mark.parametrize("text", CASES + [p.read_text() for p in FILES])
def test_the_count_is_lark_own_expansion(text: str):
    dirs = [str(p.parent) for p in FILES]
    assert counted(text, dirs) == lark_expands(text, dirs)


def test_grammars_just_inside_the_limits_still_compile():
    assert len(Grammar(binary_ops(MAX_GRAMMAR_ALTERNATIVES - 3)).constructors) == 98
    with pytest.raises(GrammarError, match="101 alternatives"):
        Grammar(binary_ops(MAX_GRAMMAR_ALTERNATIVES - 1))
