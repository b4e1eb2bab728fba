"""Laws print as QuickSpec prints them (issue 15.3): an application by juxtaposition keeps the
space before a parenthesized argument (``f x (g x)``); call syntax stays glued (``map(f, xs)``).

Oracles: QuickSpec's own texts of the same laws (examples/tests/Combinators.output and
Composition.output of nick8325/quickspec), written out here; and a reader of the test's own
that puts the parentheses of a juxtaposed term back (left-nested application)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from automath.core.grammar import Grammar
from automath.core.term import Term
from automath.laws.explore import explore

EXAMPLES = Path(__file__).resolve().parent.parent / "examples" / "signatures"
SKI, COMPOSITION, MAP = (str(EXAMPLES / f"{n}.lark") for n in ("ski", "composition", "map"))


def _read(text: str) -> Term:
    """An applicative term from text: juxtaposition nests to the left, parentheses group;
    capitals are the constants S, K, I."""
    tokens = re.findall(r"[()]|[A-Za-z]+", text)

    def atom(i: int):
        if tokens[i] == "(":
            t, i = seq(i + 1)
            return t, i + 1
        name = tokens[i]
        return (Term(name.lower()) if name.isupper() else Term("var", token=name)), i + 1

    def seq(i: int):
        t, i = atom(i)
        while i < len(tokens) and tokens[i] != ")":
            arg, i = atom(i)
            t = Term("apply", (t, arg))
        return t, i
    return seq(0)[0]


@pytest.fixture(scope="module")
def ski_laws():
    return explore(SKI, size=7, weights=False)


def test_combinator_laws_print_as_quickspec_prints_them(ski_laws) -> None:
    texts = {str(law) for law in ski_laws}
    # Combinators.output's laws 1, 2, 7 (sides swapped there) and 5, capitalized
    assert {"I x = x", "K x y = x", "S f g x = f x (g x)", "S (K g) I = g"} <= texts
    assert {"S (K I) = I", "S (K (K x)) = K (K x)"} <= texts  # its 6 and 9, eta-reduced


def test_every_printed_law_reads_back_to_its_terms(ski_laws) -> None:
    for law in ski_laws:
        assert not re.search(r"[\w)]\(", str(law)), str(law)
        assert (_read(law.lhs_text), _read(law.rhs_text)) == (law.lhs, law.rhs), str(law)


def test_composition_laws_keep_their_spaces() -> None:
    texts = {str(law) for law in explore(COMPOSITION, size=7, weights=False)}
    assert "(f . g) x = f (g x)" in texts  # Composition.output's law 4, as QuickSpec prints it


@pytest.mark.parametrize("text", ["map(f, xs ++ ys)", "reverse(map(f . g, xs))",
                                  "length(reverse(xs))"])
def test_call_syntax_stays_glued(text: str) -> None:
    g = Grammar.load(MAP)
    assert g.format(g.parse(text)) == text
