"""Results: the weighted elements of a loop, as tables, records and sympy."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import sympy
import torch

from automath.core.distribution import Distribution
from automath.core.query import pattern_mask, where_mask
from automath.core.store import Store

if TYPE_CHECKING:
    from automath.core.domain import Domain


@dataclass(frozen=True)
class Entry:
    """One element of a result: id, expression, weight, size, score and provenance."""

    id: int
    text: str
    expr: sympy.Basic
    weight: float
    size: int
    score: float | None
    provenance: str

    def latex(self) -> str:
        """The expression in LaTeX.

        >>> x = sympy.Symbol("x")
        >>> Entry(2, "x * x", x * x, 0.5, 3, None, "mul(#0, #0)").latex()
        'x^{2}'
        """
        return sympy.latex(self.expr)

    def _repr_latex_(self) -> str:
        """A notebook formula: the expression in LaTeX math."""
        return f"${self.latex()}$"


class Result:
    """Weights over a store's elements, with the loop's history.

    ``top(k)`` lists the heaviest elements; ``to_sympy()`` and ``to_records()`` export them.

    >>> from automath.core.domain import Domain
    >>> d = Domain.create("arith", atoms="x,1"); s = d.new_store()
    >>> x2 = s.add_term(d.parse("x * x"))
    >>> res = Result(d, s, torch.tensor([.2, .3, .5]), None, [], {})
    >>> [(e.text, e.weight) for e in res.top(2)], res.to_sympy(1)
    ([('x * x', 0.5), ('1', 0.3)], [x**2])
    """

    def __init__(self, domain: Domain | None, store: Store, weights: torch.Tensor,
                 scores: torch.Tensor | None, history: list[dict], config: dict) -> None:
        self.domain, self.store, self.history, self.config = domain, store, history, config
        self.distribution = Distribution(weights)
        self.scores = scores

    def __repr__(self) -> str:
        """One line: how many elements and steps, and the three heaviest with their weights.

        >>> from automath.core.domain import Domain
        >>> d = Domain.create("arith", atoms="x,1"); s = d.new_store()
        >>> x2 = s.add_term(d.parse("x * x"))
        >>> Result(d, s, torch.tensor([.2, .3, .5]), None, [], {})
        Result(3 elements, 0 steps; top: x * x 0.5, 1 0.3, x 0.2)
        """
        top = ", ".join(f"{_short(e.text)} {e.weight:.3g}" for e in self.top(3))
        steps = len(self.history)
        return f"Result({len(self.distribution)} elements, {steps} steps; top: {top})"

    def _repr_html_(self) -> str:
        """A notebook table of the ten heaviest elements."""
        from html import escape
        cols = ("rank", "expression", "weight", "size", "score")
        head = "".join(f"<th>{c}</th>" for c in cols)
        rows = "".join("<tr>" + "".join(f"<td>{escape(_cell(r[c]))}</td>" for c in cols)
                       + "</tr>" for r in self.to_records(10))
        return (f"<table><caption>{escape(repr(self))}</caption><tr>{head}</tr>{rows}"
                "</table>")

    def _repr_latex_(self) -> str:
        """The ten heaviest elements as a LaTeX array of weight and formula.

        >>> from automath.core.domain import Domain
        >>> d = Domain.create("arith", atoms="x,1"); s = d.new_store()
        >>> x2 = s.add_term(d.parse("x * x"))
        >>> print(Result(d, s, torch.tensor([.2, .3, .5]), None, [], {})._repr_latex_())
        $\\begin{array}{rl}0.5 & x^{2} \\\\ 0.3 & 1 \\\\ 0.2 & x\\end{array}$
        """
        rows = " \\\\ ".join(f"{e.weight:.3g} & {e.latex()}" for e in self.top(10))
        return f"$\\begin{{array}}{{rl}}{rows}\\end{{array}}$"

    def top(self, k: int = 10, where: str | None = None,
            pattern: str | None = None) -> list[Entry]:
        """The ``k`` heaviest elements, filtered by ``where`` (e.g. ``"size<=7"``) and by a
        regular expression ``pattern`` searched in the printed expression.

        >>> from automath.core.domain import Domain
        >>> d = Domain.create("arith", atoms="x,1"); s = d.new_store()
        >>> x2 = s.add_term(d.parse("x * x"))
        >>> res = Result(d, s, torch.tensor([.2, .3, .5]), None, [], {})
        >>> [e.text for e in res.top(2)], [e.text for e in res.top(where="size<=1")]
        (['x * x', '1'], ['1', 'x'])
        >>> [e.text for e in res.top(pattern="x")]
        ['x * x', 'x']
        """
        dist, n = self.distribution, len(self.distribution)
        if where:
            dist = dist.filter(where_mask(where, self._columns(), n))
        if pattern:
            support = self.distribution.support().tolist()
            dist = dist.filter(pattern_mask(pattern, ((i, self.text(i)) for i in support), n))
        return [self.entry(i, w) for i, w in dist.top(k)]

    def best(self) -> Entry | None:
        """The best-scoring element (the heaviest of those tied); ``None`` without scores.

        >>> from automath.core.domain import Domain
        >>> d = Domain.create("arith", atoms="x,1"); s = d.new_store()
        >>> res = Result(d, s, torch.tensor([.9, .1]), torch.tensor([.5, .7]), [], {})
        >>> res.best().text, res.best().score
        ('1', 0.7)
        """
        if self.scores is None or len(self.scores) == 0:
            return None
        scores, weights = self.scores[: len(self.distribution)], self.distribution.weights
        tied = scores >= scores.max() - 1e-12
        return self.entry(int(torch.where(tied, weights, weights.new_tensor(-1.0)).argmax()))

    def verdict(self, tol: float = 1e-9) -> tuple[Entry | None, bool]:
        """The best-scoring entry and whether its score reaches 1 (for ``closeness``: the
        target itself, at every sample).

        >>> from automath.core.domain import Domain, closeness
        >>> d = Domain.create("arith", atoms="x,1"); s = d.new_store()
        >>> _ = s.add_term(d.parse("x + 1"))
        >>> res = Result(d, s, torch.tensor([.5, .4, .1]), closeness(d, "x + 1").scores(s), [], {})
        >>> best, reached = res.verdict(); best.text, reached
        ('x + 1', True)
        """
        best = self.best()
        return best, best is not None and best.score >= 1.0 - tol

    def _columns(self) -> dict[str, torch.Tensor]:
        """The fields a ``where`` filter reads, one value per element id."""
        n = len(self.distribution)
        scores = self.scores if self.scores is not None else torch.zeros(n)
        return {"size": self.store.size[:n].double(), "weight": self.distribution.weights,
                "score": scores, "id": torch.arange(n).double()}

    def entry(self, ident: int, weight: float | None = None) -> Entry:
        """The table row of one element.

        >>> from automath.core.domain import Domain
        >>> d = Domain.create("arith", atoms="x,1"); s = d.new_store()
        >>> x2 = s.add_term(d.parse("x * x"))
        >>> res = Result(d, s, torch.tensor([.2, .3, .5]), None, [], {})
        >>> e = res.entry(2); e.text, e.weight, e.size, e.provenance
        ('x * x', 0.5, 3, 'mul(#0, #0)')
        """
        st = self.store
        w = float(self.distribution.weights[ident]) if weight is None else weight
        score = None if self.scores is None else float(self.scores[ident])
        return Entry(ident, self.text(ident), st.sympy(ident), w, int(st.size[ident]), score,
                     self.provenance(ident))

    def text(self, ident: int) -> str:
        """The element printed in its grammar's syntax.

        >>> from automath.core.domain import Domain
        >>> d = Domain.create("arith", atoms="x,1"); s = d.new_store()
        >>> x2 = s.add_term(d.parse("x * x"))
        >>> res = Result(d, s, torch.tensor([.2, .3, .5]), None, [], {})
        >>> [res.text(i) for i in range(3)]
        ['x', '1', 'x * x']
        >>> Result(None, s, torch.ones(3), None, [], {}).text(2)  # no domain: the term tree
        'mul(x, x)'
        """
        term = self.store.term(ident)
        return self.domain.grammar.format(term) if self.domain else str(term)

    def provenance(self, ident: int) -> str:
        """How the element was first built: ``atom`` or ``rule(#i, #j)``.

        >>> from automath.core.domain import Domain
        >>> d = Domain.create("arith", atoms="x,1"); s = d.new_store()
        >>> x2 = s.add_term(d.parse("x * x"))
        >>> res = Result(d, s, torch.tensor([.2, .3, .5]), None, [], {})
        >>> res.provenance(0), res.provenance(2)
        ('atom', 'mul(#0, #0)')
        """
        st = self.store
        if ident in st.leaves:
            return "atom"
        rule = int(st.rule[ident])
        kids = [int(st.left[ident]), int(st.right[ident])][: int(st.arity[rule])]
        return f"{st.rules[rule]}({', '.join(f'#{k}' for k in kids)})"

    def to_sympy(self, k: int = 10) -> list[sympy.Basic]:
        """The sympy expressions of the ``k`` heaviest elements.

        >>> from automath.core.domain import Domain
        >>> d = Domain.create("arith", atoms="x,1"); s = d.new_store()
        >>> x2 = s.add_term(d.parse("x * x"))
        >>> res = Result(d, s, torch.tensor([.2, .3, .5]), None, [], {})
        >>> res.to_sympy(3)
        [x**2, 1, x]
        """
        return [e.expr for e in self.top(k)]

    def to_records(self, k: int = 10) -> list[dict]:
        """The ``k`` heaviest elements as plain dicts.

        >>> from automath.core.domain import Domain
        >>> d = Domain.create("arith", atoms="x,1"); s = d.new_store()
        >>> x2 = s.add_term(d.parse("x * x"))
        >>> res = Result(d, s, torch.tensor([.2, .3, .5]), None, [], {})
        >>> rec = res.to_records(2)[0]; rec["rank"], rec["expression"], rec["sympy"], rec["size"]
        (1, 'x * x', 'x**2', 3)
        """
        return [{"rank": n, "id": e.id, "expression": e.text, "sympy": str(e.expr),
                 "weight": e.weight, "size": e.size, "score": e.score,
                 "provenance": e.provenance} for n, e in enumerate(self.top(k), 1)]

    def to_frame(self, k: int = 10):
        """The ``k`` heaviest elements as a pandas DataFrame (needs pandas).

        >>> from automath.core.domain import Domain
        >>> d = Domain.create("arith", atoms="x,1"); s = d.new_store()
        >>> x2 = s.add_term(d.parse("x * x"))
        >>> res = Result(d, s, torch.tensor([.2, .3, .5]), None, [], {})
        >>> import pytest; _ = pytest.importorskip("pandas")  # pandas is optional
        >>> df = res.to_frame(2); df.shape, df["expression"].tolist()
        ((2, 8), ['x * x', '1'])
        """
        import pandas as pd
        return pd.DataFrame(self.to_records(k))


def _short(text: str, width: int = 40) -> str:
    """Text cut to ``width`` characters with an ellipsis.

    >>> _short("x" * 50, 10)
    'xxxxxxxxx…'
    """
    return text if len(text) <= width else text[: width - 1] + "…"


def _cell(value: object) -> str:
    return "" if value is None else f"{value:.4g}" if isinstance(value, float) else str(value)
