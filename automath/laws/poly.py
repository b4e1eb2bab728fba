"""Polymorphic constants of typed signatures (issue 15.3): ``k = "'a -> 'b -> 'a"`` has one
instance per way of filling its type variables with the signature's declared sorts (those of
``[sorts]``, ``[vars]`` and the monomorphic types) whose function tables have at most
``MAX_INSTANCE_TABLE`` entries (or its narrowest instance, where none has); each instance is
a constant of its own (``k``, ``k@1``, ``k@2``, ...: ``VARIANT`` joins the alias and the
instance's number) that laws print as the alias. ``resolve`` gives a parsed term the instances
its places need, by type inference (unification), so laws can be checked from their text.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import replace

from automath.core.errors import SemanticsError
from automath.core.models import parse_sort, sort_text
from automath.core.semantics import Semantics
from automath.core.term import Term

VARIANT = "@"
MAX_INSTANCE_TABLE = 128
"""Entries of a polymorphic constant's instance table, at most (every value of a typed
signature is stored as wide as its widest sort: wider instances cost memory and time for all)."""


def leaves(tree) -> list[str]:
    """The names in a sort tree, in order.

    >>> leaves(parse_sort("('a -> 'b) -> 'a"))
    ["'a", "'b", "'a"]
    """
    return [tree] if isinstance(tree, str) else [x for t in tree for x in leaves(t)]


def substitute(tree, fill: Mapping[str, object]):
    """A sort tree with names replaced by the trees ``fill`` gives them.

    >>> sort_text(substitute(parse_sort("'a -> 'b -> 'a"), {"'a": "o", "'b": ("o", "o")}))
    'o -> (o -> o) -> o'
    """
    if isinstance(tree, str):
        return fill.get(tree, tree)
    return tuple(substitute(t, fill) for t in tree)


def fillings(text: str, have: Sequence[str]) -> list[str]:
    """A sort's text with its type variables filled by sorts of ``have`` in every way.

    >>> fillings("'a -> 'a", ["o", "o -> o"])
    ['o -> o', '(o -> o) -> o -> o']
    """
    tree = parse_sort(text)
    tvars = sorted({leaf for leaf in leaves(tree) if leaf.startswith("'")})
    return [sort_text(substitute(tree, dict(zip(tvars, map(parse_sort, combo), strict=True))))
            for combo in itertools.product(have, repeat=len(tvars))]


def constant_sorts(types: Mapping[str, tuple], have: Sequence[str],
                   width: Callable[[str], int | None]) -> list[str]:
    """The sorts of the polymorphic constants' instances over ``have``: those whose table
    ``width`` (entries; None: the sort cannot be made) is at most ``MAX_INSTANCE_TABLE``,
    or a constant's narrowest one where none is.

    >>> constant_sorts({"i": ((), "'a -> 'a"), "n": ((), "o")}, ["o", "o -> o", "e"],
    ...                {"o -> o": 2, "(o -> o) -> o -> o": 400}.get)  # e -> e cannot be made
    ['o -> o']
    """
    out = []
    for args, result in types.values():
        if args or "'" not in result:
            continue
        made = {s: w for s in fillings(result, have) if (w := width(s)) is not None}
        small = [s for s, w in made.items() if w <= MAX_INSTANCE_TABLE]
        out += small or sorted(made, key=made.get)[:1]
    return list(dict.fromkeys(out))


def instances(alias: str, typ: tuple, sorts: Iterable[str]) -> list[tuple]:
    """An alias's type with its type variables (``'a``) filled by sorts in every way that
    gives sorts of the signature (a type without them: itself).

    >>> instances("app", (("'a -> 'b", "'a"), "'b"), ["e", "e -> e", "u"])
    [(('e -> e', 'e'), 'e')]
    """
    args, result = typ
    have = list(dict.fromkeys(sorts))
    tvars = sorted({leaf for t in (*args, result) for leaf in leaves(parse_sort(t))
                    if leaf.startswith("'")})
    if not tvars:
        return [typ]
    out = []
    for combo in itertools.product(have, repeat=len(tvars)):
        fill = dict(zip(tvars, (parse_sort(c) for c in combo), strict=True))
        inst = tuple(sort_text(substitute(parse_sort(t), fill)) for t in (*args, result))
        if all(t in have for t in inst):
            out.append((inst[:-1], inst[-1]))
    if not out:
        raise SemanticsError(f"alias {alias!r}: no sorts of the signature fit its type "
                             f"{', '.join(args)} -> {result}", token=alias)
    return out


def base(term: Term) -> Term:
    """A term with each constant instance named by its alias again.

    >>> str(base(Term("apply", (Term("k@2"), Term("var", token="x")))))
    'apply(k, x)'
    """
    op = term.op.split(VARIANT)[0]
    return replace(term, op=op, args=tuple(base(a) for a in term.args))


def resolve(lhs: Term, rhs: Term, sem: Semantics,
            var_sorts: Mapping[str, str]) -> tuple[Term, Term]:
    """A law's sides with each polymorphic constant replaced by an instance, chosen so both
    sides type alike with the variables' sorts (the first such choice); a law that does not
    type stays as it is.

    >>> ap, x = (lambda f, a: Term("apply", (f, a))), Term("var", token="x")
    >>> [str(t) for t in resolve(ap(ap(Term("i"), Term("i")), x), x, _example(), {"x": "o"})]
    ['apply(apply(i@1, i), x)', 'x']
    """
    many = (sem.typing or {}).get("variants")
    if not many:
        return lhs, rhs
    subst, slots, types, fresh = {}, [], sem.typing["types"], itertools.count()
    sides = [_infer(base(t), types, var_sorts, subst, fresh, slots) for t in (lhs, rhs)]
    choices = [many.get(op, [op]) for op, _ in slots]
    if not unify(*sides, subst):
        return lhs, rhs
    chosen = next(_assign(slots, choices, sem, subst, [MAX_STEPS]), None)
    if chosen is None:
        return lhs, rhs
    it = iter(chosen)
    return _rebuild(base(lhs), it), _rebuild(base(rhs), it)


def _infer(t: Term, types: Mapping, var_sorts: Mapping[str, str], subst: dict,
           fresh: Iterator[int], slots: list):
    """The type of ``t`` (unifying its arguments' types into ``subst``); each constant's
    (alias, type) is appended to ``slots`` in the order ``_rebuild`` meets them."""
    if t.op == "var":
        return parse_sort(var_sorts.get(str(t.token), f"'?{t.token}"))
    args, result = types.get("num" if t.op == "num" else t.op, ((), f"'?{t.op}"))
    rename = {v: f"'_{next(fresh)}" for v in leaves(parse_sort(result))
              + [x for a in args for x in leaves(parse_sort(a))] if v.startswith("'")}
    for a, want in zip(t.args, args, strict=False):
        unify(_infer(a, types, var_sorts, subst, fresh, slots),
              substitute(parse_sort(want), rename), subst)
    out = substitute(parse_sort(result), rename)
    if not t.args and t.op not in ("var", "num"):
        slots.append((t.op, out))
    return out


def _rebuild(t: Term, chosen: Iterator[str]) -> Term:
    if t.op in ("var", "num"):
        return t
    if not t.args:
        return replace(t, op=next(chosen))
    return replace(t, args=tuple(_rebuild(a, chosen) for a in t.args))


def _walk(t, subst: Mapping):
    while isinstance(t, str) and t in subst:
        t = subst[t]
    return t


def unify(a, b, subst: dict) -> bool:
    """Unify two sort trees (names starting with ``'`` are variables), extending ``subst``.

    >>> s = {}; unify(parse_sort("'a -> o"), parse_sort("(o -> o) -> 'b"), s), s
    (True, {"'a": ('o', 'o'), "'b": 'o'})
    """
    a, b = _walk(a, subst), _walk(b, subst)
    if a == b:
        return True
    for v, other in ((a, b), (b, a)):
        if isinstance(v, str) and v.startswith("'"):
            subst[v] = other
            return True
    if isinstance(a, tuple) and isinstance(b, tuple):
        return unify(a[0], b[0], subst) and unify(a[1], b[1], subst)
    return False


MAX_STEPS = 20_000  # instance choices tried for one law's constants (a depth-first search)


def variants(lhs: Term, rhs: Term, sem: Semantics) -> list[tuple[Term, Term]]:
    """The law at every well-typed choice of instances for its polymorphic constants (its
    variables' sorts left free), the law itself first: the prover applies a law found at one
    instance at the others too (a law true at one instance only can then prune a true law
    away, never add a false one: every reported law is verified at its own instance).

    >>> x = Term("var", token="x")
    >>> [str(lhs) for lhs, _ in variants(Term("apply", (Term("i"), x)), x, _example())]
    ['apply(i, x)', 'apply(i@1, x)']
    """
    many = (sem.typing or {}).get("variants")
    if not many:
        return [(lhs, rhs)]
    free = _FreeSorts()
    subst, slots, fresh = {}, [], itertools.count()
    types = sem.typing["types"]
    sides = [_infer(base(t), types, free, subst, fresh, slots) for t in (lhs, rhs)]
    choices = [many.get(op, [op]) for op, _ in slots]
    if not unify(*sides, subst):
        return [(lhs, rhs)]
    out = [(lhs, rhs)]
    for chosen in _assign(slots, choices, sem, subst, [MAX_STEPS]):
        it = iter(chosen)
        law = (_rebuild(base(lhs), it), _rebuild(base(rhs), it))
        out += [law] if law not in out else []
    return out


class _FreeSorts(dict):
    """Variable sorts as type variables, one per name (``_infer``'s ``var_sorts``)."""

    def get(self, name: str, default: str | None = None) -> str:
        return f"'{name}_"


def _assign(slots: Sequence[tuple], choices: Sequence[Sequence[str]], sem: Semantics,
            subst: dict, budget: list[int], i: int = 0,
            chosen: tuple = ()) -> Iterator[tuple[str, ...]]:
    """Each choice of one instance per slot whose sorts unify with the slots' types, depth
    first, until ``budget[0]`` tries are spent."""
    if i == len(slots):
        yield chosen
        return
    for name in choices[i]:
        budget[0] -= 1
        if budget[0] < 0:
            return
        trial = dict(subst)
        if unify(parse_sort(sem.typing["instances"][name][0][1]), slots[i][1], trial):
            yield from _assign(slots, choices, sem, trial, budget, i + 1, (*chosen, name))


def _example() -> Semantics:
    """The typing of I : 'a -> 'a at o -> o and (o -> o) -> o -> o, for the doctests."""
    types = {"i": ((), "'a -> 'a"), "apply": (("('a -> 'b)", "'a"), "'b")}
    found = {"i": [((), "o -> o")], "i@1": [((), "(o -> o) -> o -> o")]}
    return Semantics(typing={"types": types, "variants": {"i": ["i", "i@1"]},
                             "instances": found})
