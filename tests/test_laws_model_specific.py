"""Laws true of the model a signature declares, not of every model (issue 15, the SKI example):
ski.semantics.toml declares o = mod:2, so g (g (g x)) = g x is a law of that model (each of
the four functions on two elements satisfies it) and automath proves it there, while it is
false on three elements. Oracle: every function on {0, 1} and {0, 1, 2}, by itertools."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from automath.laws.explore import signature
from automath.laws.verify import Verifier

pytestmark = pytest.mark.usefixtures("one_thread")

SKI = str(Path(__file__).resolve().parent.parent / "examples" / "signatures" / "ski.lark")


def _cubed_is_itself(n: int) -> bool:
    """Whether g(g(g(x))) = g(x) for every function g on n elements and every x."""
    return all(g[g[g[x]]] == g[x] for g in itertools.product(range(n), repeat=n)
               for x in range(n))


def test_the_two_element_law_is_true_of_the_declared_model_only() -> None:
    assert _cubed_is_itself(2) and not _cubed_is_itself(3)
    sig = signature(SKI)
    g = sig.grammar
    assert Verifier(sig)(g.parse("g (g (g x))"), g.parse("g x")) == "proved: exhaustive"
    assert Verifier(sig)(g.parse("g (g x)"), g.parse("g x")) is None  # not: g = not
