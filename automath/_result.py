"""Results: the weighted elements of a loop, as tables, records and sympy."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import sympy
import torch

from automath._distribution import Distribution
from automath._store import Store

if TYPE_CHECKING:
    from automath._domain import Domain


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
        """The expression in LaTeX."""
        return sympy.latex(self.expr)


class Result:
    """Weights over a store's elements, with the loop's history.

    ``top(k)`` lists the heaviest elements; ``to_sympy()`` and ``to_records()`` export them.
    """

    def __init__(self, domain: Domain | None, store: Store, weights: torch.Tensor,
                 scores: torch.Tensor | None, history: list[dict], config: dict) -> None:
        self.domain, self.store, self.history, self.config = domain, store, history, config
        self.distribution = Distribution(weights)
        self.scores = scores

    def top(self, k: int = 10, where: str | None = None,
            pattern: str | None = None) -> list[Entry]:
        """The ``k`` heaviest elements, filtered by ``where`` (e.g. ``"size<=7"``) and by a
        regular expression ``pattern`` searched in the printed expression."""
        dist = self.distribution
        if where:
            from automath._query import where_mask
            dist = dist.filter(where_mask(where, self))
        if pattern:
            from automath._query import pattern_mask
            dist = dist.filter(pattern_mask(pattern, self))
        return [self.entry(i, w) for i, w in dist.top(k)]

    def entry(self, ident: int, weight: float | None = None) -> Entry:
        """The table row of one element."""
        st = self.store
        w = float(self.distribution.weights[ident]) if weight is None else weight
        score = None if self.scores is None else float(self.scores[ident])
        return Entry(ident, self.text(ident), st.sympy(ident), w, int(st.size[ident]), score,
                     self.provenance(ident))

    def text(self, ident: int) -> str:
        """The element printed in its grammar's syntax."""
        term = self.store.term(ident)
        return self.domain.grammar.format(term) if self.domain else str(term)

    def provenance(self, ident: int) -> str:
        """How the element was first built: ``atom`` or ``rule(#i, #j)``."""
        st = self.store
        if ident in st.leaves:
            return "atom"
        rule = int(st.rule[ident])
        kids = [int(st.left[ident]), int(st.right[ident])][: int(st.arity[rule])]
        return f"{st.rules[rule]}({', '.join(f'#{k}' for k in kids)})"

    def to_sympy(self, k: int = 10) -> list[sympy.Basic]:
        """The sympy expressions of the ``k`` heaviest elements."""
        return [e.expr for e in self.top(k)]

    def to_records(self, k: int = 10) -> list[dict]:
        """The ``k`` heaviest elements as plain dicts."""
        return [{"rank": n, "id": e.id, "expression": e.text, "sympy": str(e.expr),
                 "weight": e.weight, "size": e.size, "score": e.score,
                 "provenance": e.provenance} for n, e in enumerate(self.top(k), 1)]

    def to_frame(self, k: int = 10):  # noqa: ANN201
        """The ``k`` heaviest elements as a pandas DataFrame (needs pandas)."""
        import pandas as pd
        return pd.DataFrame(self.to_records(k))
