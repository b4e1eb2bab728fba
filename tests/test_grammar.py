"""Grammars: round trips, shipped semantics, %import/%extend, errors naming file:line."""

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from automath import (
    Domain,
    ExpressionError,
    Grammar,
    GrammarError,
    Op,
    Semantics,
    Term,
    shipped_grammars,
)
from automath.core.semantics import DEFAULT_SEMANTICS

LEAVES = {"num": ["0", "1"], "var": ["x", "y", "zeta"]}  # valid in every shipped grammar


def terms(g: Grammar, depth: int = 4):
    """Random terms over a grammar's constructors and atoms."""
    leaves = st.one_of(*[st.builds(Term, st.just(a), st.just(()), st.sampled_from(LEAVES[a]))
                         for a in g.atoms],
                       *[st.just(Term(a)) for a, c in g.constructors.items() if c.arity == 0])
    ops = [(a, c.arity) for a, c in g.constructors.items() if c.arity > 0]

    def extend(children):
        return st.one_of(*[st.builds(lambda *xs, a=a: Term(a, tuple(xs)), *[children] * n)
                           for a, n in ops])
    return st.recursive(leaves, extend, max_leaves=12)


@pytest.mark.parametrize("name", shipped_grammars())
def test_print_then_parse_is_the_identity(name):
    g = Grammar.load(name)

    @settings(max_examples=150, deadline=None)
    @given(terms(g))
    def roundtrip(t):
        assert g.parse(g.format(t)) == t

    roundtrip()


@pytest.mark.parametrize("name", shipped_grammars())
def test_every_shipped_alias_has_semantics(name):
    g = Grammar.load(name)
    assert set(g.constructors) <= set(DEFAULT_SEMANTICS)


def test_import_and_extend_a_shipped_grammar(tmp_path: Path):
    path = tmp_path / "maxplus.lark"
    path.write_text('%import arith (start, expr, term, factor, atom, NAME, NUMBER, WS)\n'
                    '%extend atom: "max" "(" expr "," expr ")" -> max\n%ignore WS\n')
    g = Grammar.load(path)
    assert g.constructors["max"].arity == 2
    t = g.parse("max(x, 1) * 2")
    assert g.format(t) == "max(x, 1) * 2" and t.args[0].op == "max"
    d = Domain.create(path, atoms="x,1", kind="real")
    assert "max" in d.rules


def test_alias_without_semantics_names_file_line_and_token(tmp_path: Path):
    path = tmp_path / "odd.lark"
    path.write_text('?start: e\n?e: a\n   | e "#" a -> hash\n?a: NAME -> var\n'
                    'NAME: /[a-z]+/\n%ignore " "\n')
    with pytest.raises(GrammarError) as err:
        Domain.create(path, atoms="x")
    msg = str(err.value)
    assert f"{path}:3" in msg and "'hash'" in msg
    hash_op = Op(2, lambda a, b: a + 2 * b, {"real": lambda a, b: a + 2 * b})
    sem = Semantics().with_op("hash", hash_op)
    assert Domain.create(path, atoms="x", semantics=sem).rules == ("hash",)


def test_broken_grammar_names_file_and_line(tmp_path: Path):
    path = tmp_path / "broken.lark"
    path.write_text('?start: e\n?e: e "+" f -> add\n   | NAME -> var\nNAME: /[a-z]+/\n')
    with pytest.raises(GrammarError) as err:
        Grammar.load(path)
    assert str(path) in str(err.value) and err.value.line == 2 and err.value.token == "f"


def test_syntax_error_in_grammar_names_line_and_token(tmp_path: Path):
    path = tmp_path / "syntax.lark"
    path.write_text('?start: e\n?e: NAME -> var\n  | e ++ -> bad\nNAME: /[a-z]+/\n')
    with pytest.raises(GrammarError) as err:
        Grammar.load(path)
    assert err.value.line == 3 and err.value.file == str(path)


def test_bad_expression_names_line_column_and_token():
    with pytest.raises(ExpressionError) as err:
        Grammar.load("arith").parse("x + * 2")
    assert (err.value.line, err.value.column, err.value.token) == (1, 5, "*")


def test_unknown_grammar_lists_the_shipped_ones():
    with pytest.raises(GrammarError, match="shipped: arith"):
        Grammar.load("nonesuch")


BAD_GRAMMARS = {  # text, (line, token) the error must name
    "missing import": ("?start: e\n%import nosuch (e)\n", (2, "%import")),
    "bad terminal regex": ("?start: NAME -> var\n\nNAME: /[a-z/\n", (3, "NAME")),
    "rule defined twice": ("?start: e\ne: NAME -> var\ne: NAME -> v2\nNAME: /[a-z]+/\n",
                           (3, "e")),
    "alternative without alias": ('?start: e\ne: NAME -> var\n | e "+" e\nNAME: /[a-z]+/\n',
                                  (2, "e")),
}


@pytest.mark.parametrize("case", sorted(BAD_GRAMMARS))
def test_every_bad_grammar_is_a_grammar_error_at_its_line(tmp_path: Path, case: str):
    text, (line, token) = BAD_GRAMMARS[case]
    path = tmp_path / "bad.lark"
    path.write_text(text)
    with pytest.raises(GrammarError) as err:
        Grammar.load(path)
    assert (err.value.file, err.value.line, err.value.token) == (str(path), line, token)
