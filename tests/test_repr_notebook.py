"""Reprs of the public values (issue 17.8): one line, no term trees, no default object reprs;
LaTeX and HTML where a notebook shows a formula or a table. Each is checked against text
written by hand or built independently (sympy's own LaTeX of the expected formula, the HTML
read back with html.parser)."""

from __future__ import annotations

import operator
from html.parser import HTMLParser

import sympy
import torch

from automath import Domain, Loop, Op, ProofResult, Result, Semantics
from automath.proofs.prove import prove


def test_a_domain_shows_grammar_atoms_kind_and_rules():
    assert repr(Domain.create("arith", atoms="x,1")) == (
        "Domain('arith': atoms x, 1; kind real(k=16, seed=0); rules add, sub, mul, div, neg)")
    logic = repr(Domain.create("logic"))
    assert logic.startswith("Domain('logic': atoms p, q, r, True, False; kind bool")
    assert "Term(" not in logic and "object at" not in logic and "\n" not in logic


def test_semantics_names_its_operators_and_their_count():
    two = Semantics({"max": Op(2, sympy.Max, {"real": torch.maximum}),
                     "add": Op(2, operator.add, {"real": torch.add})})
    assert repr(two) == "Semantics(2 ops: add, max)"
    every = repr(Semantics())
    assert every.startswith("Semantics(20 ops: add, and, ") and every.endswith(" 12 more)")


def test_a_loop_shows_its_target_and_progress():
    loop = Loop(Domain.create("arith", atoms="x,1"), target="x*x + 1", steps=2)
    assert repr(loop) == "Loop('arith', target 'x*x + 1', step 0 of 2, 2 elements)"
    loop.run()
    assert repr(loop).startswith("Loop('arith', target 'x*x + 1', step 2 of 2, ")


def weighted() -> Result:
    """x + 1, x * x and x - 1 with weights .4, .3, .2; the atoms x, 1 at .05 each."""
    d = Domain.create("arith", atoms="x,1")
    store = d.new_store()
    for text in ("x + 1", "x * x", "x - 1"):
        store.add_term(d.parse(text))
    return Result(d, store, torch.tensor([.05, .05, .4, .3, .2], dtype=torch.float64), None,
                  [], {})


def test_entries_and_results_show_formulas_as_latex():
    x = sympy.Symbol("x")
    expected = [("0.4", x + 1), ("0.3", x**2), ("0.2", x - 1), ("0.05", x), ("0.05", 1)]
    res = weighted()
    assert res.top(1)[0]._repr_latex_() == f"${sympy.latex(x + 1)}$"
    tex = res._repr_latex_()
    assert tex.startswith(r"$\begin{array}{rl}") and tex.endswith(r"\end{array}$")
    rows = tex[len(r"$\begin{array}{rl}"): -len(r"\end{array}$")].split(r" \\ ")
    weights = [w for w, _ in expected]
    assert rows[:3] == [f"{w} & {sympy.latex(e)}" for w, e in expected[:3]]
    assert sorted(rows[3:]) == sorted(f"{w} & {sympy.latex(e)}" for w, e in expected[3:])
    assert [r.split(" & ")[0] for r in rows] == weights


class Cells(HTMLParser):
    """The text of each <th>/<td> pair and of <pre>."""

    def __init__(self) -> None:
        super().__init__()
        self.rows, self.pre, self._tag, self._key = {}, "", None, None

    def handle_starttag(self, tag, attrs):
        self._tag = tag

    def handle_data(self, data):
        if self._tag == "th":
            self._key = data
        elif self._tag == "td":
            self.rows[self._key] = data
        elif self._tag == "pre":
            self.pre += data


def test_a_proof_result_is_a_line_and_a_notebook_table():
    res = prove("monoid-identities")
    assert isinstance(res, ProofResult)
    assert repr(res).startswith("ProofResult('monoid-identities', proved=True, ")
    assert "Term(" not in repr(res) and "\n" not in repr(res)
    cells = Cells()
    cells.feed(res._repr_html_())
    assert cells.rows["problem"] == "monoid-identities" and cells.rows["goal"] == "e_l = e_r"
    assert cells.rows["verdict"] == "proved"
    assert cells.rows["proof_steps"] == str(res.stats["proof_steps"])
    steps = cells.pre.splitlines()
    assert len(steps) == res.stats["proof_steps"]  # one numbered line per step, in order
    assert [s.split(".")[0].strip() for s in steps] == [str(n) for n in range(1, len(steps) + 1)]
    assert steps[-1].split("    ")[0].split(". ", 1)[1] == "e_l = e_r"  # it ends at the goal


def test_objectives_read_as_the_sums_they_are():
    from automath import Entropy, ExpectedScore
    from automath.core.objective import Size
    assert repr(2 * Entropy() - Size()) == "2*Entropy() - Size()"
    assert repr(ExpectedScore(len, size_penalty=0.5) + 0.25 * Size()) == (
        "ExpectedScore(score=len, size_penalty=0.5) + 0.25*Size()")
    default = repr(Loop(Domain.create("arith", atoms="x,1"), target="x + 1").objective)
    assert default.startswith("ExpectedScore(") and "*Size()" in default
    assert "object at" not in default
