"""Dimensions of a store's elements, so that the enumeration never builds an inconsistent one.

``DimTable`` keeps, for every element of a store, the exponents of the base units of its
dimension (``units.BASE``), whether it is a wildcard (a numeral, or built on one by ``*``, ``/``
or ``sqrt``) and whether it is inconsistent (an operator met mismatched dimensions: only
elements added outside the enumeration, such as goal builds, can be). Elements are read from
the store's provenance (rule and parents), so the table follows the store as it grows.
``allowed`` says which (rule, left, right) candidates of a size level are consistent; the
rules are those of ``units.RULES`` (``+ - max min`` need equal dimensions, ``* /`` add and
subtract them, ``neg abs`` keep, ``sqrt`` halves; any other operator needs dimensionless
arguments and gives none), on tensors.
"""

from __future__ import annotations

from collections.abc import Mapping

import torch
from torch import Tensor

from automath.core.store import NONE, Store
from automath.regression.units import BASE, Dim

SAME, PRODUCT, QUOTIENT, KEEP, HALF = "same", "product", "quotient", "keep", "half"
KINDS = {"add": SAME, "sub": SAME, "max": SAME, "min": SAME, "mul": PRODUCT,
         "div": QUOTIENT, "neg": KEEP, "abs": KEEP, "sqrt": HALF}
"""How each operator combines dimensions (operators not named need dimensionless arguments)."""


class DimTable:
    """Dimensions of a store's elements, given each variable's (numerals are wildcards).

    >>> from automath.regression.data import data_domain
    >>> from automath.regression.units import parse_units
    >>> st = data_domain("nguyen", {"d": [1.0, 2.0], "t": [3.0, 5.0]}).new_store()
    >>> table = DimTable(st, {"d": parse_units("m"), "t": parse_units("s")})
    >>> add, div = st.rules.index("add"), st.rules.index("div")
    >>> pairs = torch.tensor([0, 0]), torch.tensor([0, 1])         # d + d, d + t
    >>> table.allowed(add, *pairs).tolist(), table.allowed(div, *pairs).tolist()
    ([True, False], [True, True])
    """

    def __init__(self, store: Store, units: Mapping[str, Dim]) -> None:
        self.store, self.units = store, {n: _row(d) for n, d in units.items()}
        self.dim = torch.zeros(0, len(BASE), dtype=torch.float64)
        self.wild = torch.zeros(0, dtype=torch.bool)
        self.bad = torch.zeros(0, dtype=torch.bool)
        self.kinds = [KINDS.get(r) for r in store.rules]

    def update(self) -> None:
        """Read the dimensions of the elements added to the store since the last update."""
        n0, n = len(self.dim), len(self.store)
        if n == n0:
            return
        self.dim = torch.cat([self.dim, torch.zeros(n - n0, len(BASE), dtype=torch.float64)])
        self.wild = torch.cat([self.wild, torch.zeros(n - n0, dtype=torch.bool)])
        self.bad = torch.cat([self.bad, torch.zeros(n - n0, dtype=torch.bool)])
        todo = torch.arange(n0, n)
        done = torch.zeros(n, dtype=torch.bool)
        done[:n0] = True
        while len(todo):
            ready = self._ready(todo, done)
            self._read(todo[ready])
            done[todo[ready]] = True
            todo = todo[~ready]

    def _ready(self, ids: Tensor, done: Tensor) -> Tensor:
        """Which of ``ids`` have their parents read (atoms always do)."""
        left, right = self.store.left[ids], self.store.right[ids]
        ok_l = (left == NONE) | done[left.clamp(min=0)]
        ok_r = (right == NONE) | done[right.clamp(min=0)]
        return ok_l & ok_r

    def _read(self, ids: Tensor) -> None:
        """Dimensions of ``ids`` from their rule and parents (atoms from their tokens)."""
        left, rule = self.store.left[ids], self.store.rule[ids]
        atom = left == NONE
        for i in ids[atom].tolist():
            self._atom(i)
        for r in torch.unique(rule[~atom]).tolist():
            sel = ids[~atom & (rule == r)]
            b = self.store.right[sel]
            dim, wild, bad = self.combine(r, self.store.left[sel], None if (b == NONE).all()
                                          else b)
            self.dim[sel], self.wild[sel], self.bad[sel] = dim, wild, bad

    def _atom(self, i: int) -> None:
        term = self.store.term(i)
        if term.op == "var" and term.token in self.units:
            self.dim[i] = self.units[term.token]
        else:
            self.wild[i] = True  # a numeral: any unit

    def combine(self, rule: int, left: Tensor, right: Tensor | None,
                ) -> tuple[Tensor, Tensor, Tensor]:
        """Dimension, wildcard and inconsistency of ``rule`` applied to ``left`` (and
        ``right``): what those children would be."""
        kind = self.kinds[rule]
        da, wa, ba = self.dim[left], self.wild[left], self.bad[left]
        if right is None:
            return _unary(kind, da, wa, ba)
        db, wb, bb = self.dim[right], self.wild[right], self.bad[right]
        bad = ba | bb
        if kind == SAME:
            bad = bad | (~wa & ~wb & (da != db).any(1))
            return torch.where(wa[:, None], db, da), wa & wb, bad
        if kind in (PRODUCT, QUOTIENT):
            return da + db if kind == PRODUCT else da - db, wa | wb, bad
        bad = bad | (~wa & (da != 0).any(1)) | (~wb & (db != 0).any(1))
        return torch.zeros_like(da), torch.zeros_like(wa), bad

    def allowed(self, rule: int, left: Tensor, right: Tensor | None = None) -> Tensor:
        """Which candidates ``rule(left, right)`` are dimensionally consistent."""
        self.update()
        return ~self.combine(rule, left, right)[2]


def _unary(kind: str | None, d: Tensor, w: Tensor, bad: Tensor) -> tuple[Tensor, Tensor, Tensor]:
    if kind == KEEP:
        return d, w, bad
    if kind == HALF:
        return d / 2, w, bad
    return torch.zeros_like(d), torch.zeros_like(w), bad | (~w & (d != 0).any(1))


def _row(dim: Dim) -> Tensor:
    """A dimension as a float row (halves and other small fractions are exact in binary)."""
    return torch.tensor([float(e) for e in dim], dtype=torch.float64)
