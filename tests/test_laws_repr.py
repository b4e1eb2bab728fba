"""Law's notebook views (issue 15): ``repr`` is the law as printed with how it was verified,
``_repr_latex_`` a math-mode string whose ``\\texttt`` parts read back (by a small LaTeX reader
written here) to the law's sides.

Oracles: literal expected strings, and a brace-matching reader of ``\\texttt{...}`` that undoes
the escapes of LaTeX's special characters, sharing no code with automath."""

from __future__ import annotations

from pathlib import Path

import pytest

from automath.core.term import Term
from automath.laws.explore import explore
from automath.laws.universe import Law

LISTS = Path(__file__).resolve().parent.parent / "examples" / "signatures" / "lists.lark"
UNESCAPE = {r"\textbackslash{}": "\\", r"\textasciitilde{}": "~", r"\textasciicircum{}": "^",
            **{"\\" + c: c for c in "&%$#_{}"}}


def _read_texttt(latex: str) -> list[str]:
    """The unescaped contents of each ``\\texttt{...}`` group, in order."""
    out, at = [], 0
    while (start := latex.find(r"\texttt{", at)) >= 0:
        i, depth, text = start + len(r"\texttt{"), 1, ""
        while depth:
            word = next((w for w in UNESCAPE if latex.startswith(w, i)), None)
            if word:
                text, i = text + UNESCAPE[word], i + len(word)
                continue
            depth += {"{": 1, "}": -1}.get(latex[i], 0)
            text, i = (text + latex[i] if depth else text), i + 1
        out.append(text)
        at = i
    return out


def _var(name: str) -> Term:
    return Term("var", token=name)


def test_repr_is_the_printed_law_and_its_verification() -> None:
    xs = _var("xs")
    law = Law(Term("reverse", (Term("reverse", (xs,)),)), xs, "reverse(reverse(xs))", "xs",
              "proved: exhaustive")
    assert repr(law) == "Law('reverse(reverse(xs)) = xs', proved: exhaustive)"
    bare = Law(xs, xs, "it's", "xs")
    assert repr(bare) == 'Law("it\'s = xs")'
    cond = Law(xs, xs, "max(x, y)", "y", "proved: exhaustive", condition="x <= y")
    assert repr(cond) == "Law('x <= y => max(x, y) = y', proved: exhaustive)"


@pytest.mark.parametrize("lhs,rhs,cond", [
    ("x_1 ^ {y}", "y & 50% # $", ""),
    ("a \\ b ~ c", "b", "x <= y"),
    ("reverse(xs ++ ys)", "reverse(ys) ++ reverse(xs)", ""),
])
def test_latex_reads_back_to_the_sides(lhs: str, rhs: str, cond: str) -> None:
    law = Law(_var("x"), _var("y"), lhs, rhs, "tested only (512 samples)", condition=cond)
    latex = law._repr_latex_()
    assert latex.startswith("$") and latex.endswith("$")
    assert latex.replace("\\$", "").count("$") == 2  # math mode once, escaped dollars aside
    assert _read_texttt(latex) == ([cond] if cond else []) + [lhs, rhs]
    assert latex.endswith(r"\quad\text{(tested only (512 samples))}$")
    assert (r"\Rightarrow" in latex) == bool(cond)


def test_explored_laws_show_as_printed() -> None:
    laws = explore(str(LISTS), size=6, weights=False)
    reprs = {repr(law) for law in laws}
    assert "Law('reverse(reverse(xs)) = xs', tested only (512 samples))" in reprs
    for law in laws:
        assert _read_texttt(law._repr_latex_()) == [law.lhs_text, law.rhs_text]
        assert repr(law) == f"Law({str(law)!r}, {law.verified})"
