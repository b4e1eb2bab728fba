"""Conditional laws ``p(x, y) => lhs = rhs`` over a semantics file's predicates (QuickSpec's
conditional equations), found after the equations.

For each predicate of arity m (1 or 2) over the first m variables, the enumerated classes are
grouped by their fingerprint restricted to the samples where the predicate holds: two classes
of one group are equal wherever the condition holds, though not everywhere (they are distinct
classes). A condition that holds on fewer than ``MIN_FRACTION`` of the samples, or on all of
them, is skipped (vacuous or no condition at all), and a law must use every variable of its
condition. Candidates are taken smallest first; one already derived by congruence from the
laws kept under that condition (the condition's variables held fixed, so it is a ground
congruence closure over the enumerated classes) is dropped; the others are verified:
exhaustively in a finite model, over every weak ordering for min/max under an order
predicate, else ``tested only (N samples)`` where the condition holds.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import numpy as np
import torch

from automath.core.interpret import evaluate
from automath.core.kinds import Kind
from automath.core.term import Term
from automath.laws.signature import Signature
from automath.laws.universe import Law, Universe
from automath.laws.verify import ORDER_KINDS, ORDER_OPS, OrderIntKind, Verifier, _ops_in

MIN_FRACTION = 0.1  # a condition must hold on at least this share of the samples
MIN_SAMPLES = 8  # ... and at this many of the verifier's samples
MAX_CANDIDATES = 5000  # candidate pairs per condition


def conditional_laws(sig: Signature, u: Universe, size: int, verifier: Verifier) -> list[Law]:
    """The conditional laws of a signature's predicates with sides up to ``size``.

    >>> from automath.laws.explore import signature, enumerate_terms
    >>> sig = signature("minmax")  # the built-in semantics declare no predicate
    >>> conditional_laws(sig, Universe(*enumerate_terms(sig, 3), 3), 3, Verifier(sig))
    []
    """
    laws = []
    for pred in sig.semantics.predicates.values():
        names = tuple(str(v.token) for v in sig.variables[:pred.arity])
        if len(names) == pred.arity:
            laws += _for_condition(sig, u, size, verifier, pred, names)
    return laws


def _for_condition(sig: Signature, u: Universe, size: int, verifier: Verifier, pred,
                   names: tuple[str, ...]) -> list[Law]:
    kind = sig.kind
    mask = pred.holds(kind, [kind.variable(v) for v in names])
    if not MIN_FRACTION <= float(mask.float().mean()) < 1.0:
        return []
    closure, laws = _Closure(u), []
    check = _Check(sig, verifier, pred, names)
    for a, b in _candidates(u, mask, size, names):
        if closure.same(a, b):
            continue
        lhs, rhs = u.store.term(a), u.store.term(b)
        if lhs.size == rhs.size and len(lhs.variables()) < len(rhs.variables()):
            lhs, rhs = rhs, lhs  # x = 0 rather than 0 = x
        verdict = check(lhs, rhs)
        if verdict is None:
            continue
        closure.union(a, b)
        laws.append(_law(sig, lhs, rhs, verdict, pred, names))
    return laws


def _candidates(u: Universe, mask: torch.Tensor, size: int,
                names: Sequence[str]) -> Iterator[tuple[int, int]]:
    """Pairs (class, its group's smallest class) equal on the masked samples, smallest
    first; both sides together use every variable of the condition."""
    store = u.store
    ids = (store.size <= size).nonzero().squeeze(1)
    rows = store.kind.quantize(store.values[ids][:, mask])
    _, group = torch.unique(rows, dim=0, return_inverse=True)
    order = torch.argsort(store.size[ids] * len(store) + ids, stable=True)
    first: dict[int, int] = {}
    pairs = []
    for pos in order.tolist():
        g, c = int(group[pos]), int(ids[pos])
        if g in first:
            pairs.append((c, first[g]))
        else:
            first[g] = c
    need = set(names)
    pairs = [(a, b) for a, b in pairs
             if need <= set(store.term(a).variables() + store.term(b).variables())]
    pairs.sort(key=lambda p: (max(int(store.size[p[0]]), int(store.size[p[1]])),
                              int(store.size[p[0]] + store.size[p[1]])))
    return iter(pairs[:MAX_CANDIDATES])


class _Closure:
    """A ground congruence closure over the universe's classes: union-find on class ids,
    closed under the hyperedges (f(a, b) ~ f(a', b') when a ~ a' and b ~ b')."""

    def __init__(self, u: Universe) -> None:
        e = u.edges
        self.parent = np.arange(len(u.store))
        self.rule, self.i, self.j, self.c = (t.numpy() for t in (e.rule, e.i, e.j, e.c))

    def find(self, x: np.ndarray) -> np.ndarray:
        p = self.parent
        while (p[p] != p).any():
            p = p[p]
        self.parent = p
        return p[x]

    def same(self, a: int, b: int) -> bool:
        return bool(self.find(np.array(a)) == self.find(np.array(b)))

    def union(self, a: int, b: int) -> None:
        ra, rb = int(self.find(np.array(a))), int(self.find(np.array(b)))
        self.parent[max(ra, rb)] = min(ra, rb)
        while True:
            fj = np.where(self.j >= 0, self.find(np.maximum(self.j, 0)), -1)
            keys = np.stack([self.rule, self.find(self.i), fj])
            _, inv = np.unique(keys, axis=1, return_inverse=True)
            inv = inv.reshape(-1)
            fc = self.find(self.c)
            low = np.full(int(inv.max()) + 1 if inv.size else 0, len(self.parent))
            np.minimum.at(low, inv, fc)
            moved = low[inv] != fc
            if not moved.any():
                return
            np.minimum.at(self.parent, fc[moved], low[inv][moved])


class _Check:
    """Decides ``condition => lhs = rhs``: exhaustively in a finite model or over every weak
    ordering (min/max under an order condition), else at many samples; None: refuted."""

    def __init__(self, sig: Signature, verifier: Verifier, pred, names: tuple[str, ...]) -> None:
        self.sig, self.v, self.pred, self.names = sig, verifier, pred, names
        self.ordered = all(t.op == "var" for t in _sides(pred.tree))

    def __call__(self, lhs: Term, rhs: Term) -> str | None:
        used = tuple(dict.fromkeys(self.names + tuple(lhs.variables() + rhs.variables())))
        model = self.v._model(used)
        ops = _ops_in(lhs, self.sig) | _ops_in(rhs, self.sig)
        if model is None and self.sig.kind.name in ORDER_KINDS and ops <= ORDER_OPS \
                and self.ordered:
            model = OrderIntKind(k=0, variables=self.v.names)
        if model is not None:
            return "proved: exhaustive" if self._agree(lhs, rhs, model) else None
        n = self._agree(lhs, rhs, self.v.random)
        return f"tested only ({n} samples)" if n >= MIN_SAMPLES else None

    def _agree(self, lhs: Term, rhs: Term, kind: Kind) -> int:
        """Samples where the condition holds and both sides are defined, when the sides
        agree at all of them; 0 otherwise."""
        sem = self.sig.semantics
        a, b = (evaluate(t, kind, sem).expand(kind.shape).unsqueeze(1) for t in (lhs, rhs))
        ok = kind.valid(a) & kind.valid(b)
        ok &= self.pred.holds(kind, [kind.variable(v) for v in self.names])
        same = bool((kind.quantize(a[ok]) == kind.quantize(b[ok])).all())
        return int(ok.sum()) if same and bool(ok.any()) else 0


def condition_text(pred: str, args: Sequence[str]) -> str:
    """A condition as ``check_law`` reads it.

    >>> condition_text("le", ["x", "y"])
    'le(x, y)'
    """
    return f"{pred}({', '.join(args)})"


def _sides(tree: tuple) -> list[Term]:
    if tree[0] == "cmp":
        return list(tree[2:])
    return [t for n in tree[1:] for t in _sides(n)]


def _law(sig: Signature, lhs: Term, rhs: Term, verdict: str, pred,
         names: tuple[str, ...]) -> Law:
    g = sig.grammar
    return Law(lhs, rhs, g.format(lhs), g.format(rhs), verdict, 0.0, 0, sig.semantics,
               condition=pred.render(names), check=condition_text(pred.name, names))

