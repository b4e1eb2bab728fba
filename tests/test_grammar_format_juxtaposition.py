"""Grammar.format prints an application by juxtaposition with a space before an added
parenthesis, as written by hand (``f x (g x)``, ``S (K I)``; it printed ``f x(g x)``), while
a call's own parenthesis stays on its name (``gcd(x, y)``). Requested by helper-34 (15.3)."""

from __future__ import annotations

from pathlib import Path

import pytest

from automath.core.grammar import Grammar, shipped_grammars

SIGNATURES = Path(__file__).resolve().parents[1] / "examples" / "signatures"
CASES = [("ski", "f x (g x)"), ("ski", "S (K I)"), ("ski", "S (K (S I)) x"), ("ski", "S K I"),
         ("composition", "f (g x)"), ("gcd", "gcd(x, y + 1)"), ("arith", "x * (y + 1) - -(2 + x)")]


def load(name: str) -> Grammar:
    return Grammar.load(name if name in shipped_grammars() else SIGNATURES / f"{name}.lark")


@pytest.mark.parametrize("name, text", CASES)
def test_an_expression_prints_as_written_by_hand(name: str, text: str):
    g = load(name)
    assert g.format(g.parse(text)) == text


@pytest.mark.parametrize("name", ["ski", "composition", *shipped_grammars()])
def test_every_example_prints_back_to_its_term_without_markers(name: str):
    g = load(name)
    for alias in g.constructors:
        text = g.example(alias)
        assert "\x00" not in text and g.format(g.parse(text)) == text
