"""Sizes follow the smallest derivation, descendants included (issue 13, defect 4)."""

from __future__ import annotations

from automath.core.domain import Domain
from automath.core.store import Store
from automath.core.term import Term


def _nodes(t: Term) -> int:
    """Node count of a term, counted by hand (independent of Store.size and Term.size)."""
    return 1 + sum(_nodes(a) for a in t.args)


def _store(kind: str) -> tuple[Domain, Store]:
    d = Domain.create("arith", atoms="x,y,z", kind=kind)
    return d, d.new_store()


def _assert_sizes_match_terms(store: Store) -> None:
    sizes = store.size.tolist()
    for i in range(len(store)):
        assert sizes[i] == _nodes(store.term(i)), (i, str(store.term(i)), sizes[i])


def test_descendant_size_drops_after_smaller_derivation() -> None:
    for kind in ("real", "modp"):
        d, store = _store(kind)
        big = store.add_term(d.parse("(x*x + x*y)*z"))
        assert int(store.size[big]) == 9
        store.add_term(d.parse("x*(x + y)"))  # same element as x*x + x*y, size 5 < 7
        assert int(store.size[big]) == 7  # (x*(x+y))*z, counted by hand
        _assert_sizes_match_terms(store)


def test_improvement_propagates_through_several_levels() -> None:
    d, store = _store("modp")
    top = store.add_term(d.parse("((x*x + x*y)*z + z)*(y + z)"))
    assert int(store.size[top]) == 15
    store.add_term(d.parse("x*(x + y)"))
    assert int(store.size[top]) == 13  # ((x*(x+y))*z + z)*(y+z), counted by hand
    _assert_sizes_match_terms(store)
