"""The shapes a fit's constant fits start from: the best stored elements after an affine map,
each plus the element that best explains what it leaves, the best two-term least-squares sums
(``regression.linear``), and the wrapped forms ``Σ 1·tᵢ (+ 0)`` whose numerals a fit sets."""

from __future__ import annotations

import functools

import torch
from torch import Tensor

from automath.core.store import Store
from automath.core.term import Term
from automath.regression.data import scaled_nmse
from automath.regression.formula import summands
from automath.regression.linear import pair_terms

ONE, ZERO = Term("num", (), "1"), Term("num", (), "0")


def total(terms: list[Term]) -> Term:
    """The sum of ``terms`` (left to right).

    >>> x = Term("var", token="x")
    >>> str(total([x, x, ONE]))
    'add(add(x, x), 1)'
    """
    return functools.reduce(lambda a, b: Term("add", (a, b)), terms)


def wrapped(term: Term) -> list[Term]:
    """``Σ 1·tᵢ + 0`` and ``Σ 1·tᵢ`` over the summands ``tᵢ`` of ``term``: a numeral on each
    summand, with and without an offset.

    >>> [str(t) for t in wrapped(Term("var", token="x"))]
    ['add(mul(1, x), 0)', 'mul(1, x)']
    """
    scaled = total([Term("mul", (ONE, t)) for t in summands(term)])
    return [Term("add", (scaled, ZERO)), scaled]


def best_elements(store: Store, y: Tensor, max_size: int, k: int = 6) -> list[Term]:
    """The best elements of at most ``max_size`` nodes after an affine map (the ``k // 2`` of
    lowest loss, ties to the smaller, then ``k`` by loss plus 1e-3 per node), and each one plus
    the element that best explains what it leaves (two summands).

    >>> from automath.regression.data import data_domain
    >>> d = data_domain("nguyen", {"x": [0.5 * i for i in range(1, 9)]}); st = d.new_store()
    >>> ids = [st.add_term(d.parse(t)) for t in ("x", "x*x", "sin(x)")]
    >>> str(best_elements(st, 3 * st.values[ids[1]] + 1, 4, k=2)[0])
    'mul(x, x)'
    """
    vals = store.values.to(torch.float64)
    small = store.size <= max_size
    fit = torch.where(small, scaled_nmse(vals, y), torch.inf)
    top = list(dict.fromkeys(torch.cat([torch.topk(-(fit + w * store.size),
                                                   min(n, len(store))).indices
                                        for w, n in ((1e-12, k // 2), (1e-3, k))]).tolist()))
    terms = [store.term(i) for i in top]
    for i in top:
        v = torch.stack([vals[i], torch.ones_like(y)], 1)
        rest = y - v @ torch.linalg.lstsq(v, y[:, None]).solution[:, 0]
        j = int(torch.argmin(torch.where(small, scaled_nmse(vals, rest), torch.inf)
                             + 1e-3 * store.size))
        terms.append(Term("add", (store.term(i), store.term(j))))
    return terms


def shape_terms(store: Store, y: Tensor, max_size: int) -> list[Term]:
    """:func:`best_elements`, with the best two-term sums (``regression.linear.pair_terms``)
    second and last: the first pair is fitted early even when time runs short.

    >>> from automath.regression.data import data_domain
    >>> d = data_domain("nguyen", {"x": [0.5 * i for i in range(1, 9)]}); st = d.new_store()
    >>> ids = [st.add_term(d.parse(t)) for t in ("x", "x*x", "sin(x)")]
    >>> [str(t) for t in shape_terms(st, 2 * st.values[ids[0]] - st.values[ids[1]], 4)[:2]]
    ['mul(x, x)', 'add(x, mul(x, x))']
    """
    best, pairs = best_elements(store, y, max_size), pair_terms(store, y)
    return best[:1] + pairs[:1] + best[1:] + pairs[1:]
