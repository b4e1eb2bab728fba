"""Flat terms for saturation: a variable is an ``int``, an application a tuple ``(symbol, *args)``.

Symbols are small ints indexing a ``Signature`` (name, arity and the ``Term`` each maps back
to). Tuples hash and compare fast in Python, so sets, dicts and the rewriting index work on them
directly. Matching, unification, substitution and positions live here.

>>> sig = Signature()
>>> f, a = sig.add("f", 2), sig.add("a", 0)
>>> t = (f, 0, (a,))
>>> size(t), variables(t), subst(t, {0: (a,)})
(3, [0], (0, (1,), (1,)))
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from automath.core.term import Term

Flat = int | tuple
"""A flat term: a variable number, or ``(symbol, *args)``."""


@dataclass
class Signature:
    """Function symbols by number: name, arity, and how each becomes a ``Term`` again.

    >>> sig = Signature(); sig.add("mul", 2), sig.add("mul", 2), sig.arity[0]
    (0, 0, 2)
    """

    names: list[str] = field(default_factory=list)
    arity: list[int] = field(default_factory=list)
    terms: list[tuple[str, str | None]] = field(default_factory=list)  # (op, token) of a Term
    index: dict[tuple[str, str | None], int] = field(default_factory=dict)

    def add(self, name: str, arity: int, op: str | None = None, token: str | None = None) -> int:
        """The number of symbol ``(op, token)`` (default ``(name, None)``), added if new."""
        key = (op or name, token)
        if key not in self.index:
            self.index[key] = len(self.names)
            self.names.append(name)
            self.arity.append(arity)
            self.terms.append(key)
        return self.index[key]

    def flat(self, term: Term, constants: set[Term], names: dict[str, int]) -> Flat:
        """``term`` as a flat term; a ``var`` leaf not in ``constants`` is a variable, numbered
        in ``names`` (filled as met)."""
        if term.op == "var" and not term.args and term not in constants:
            return names.setdefault(str(term.token), len(names))
        key = (term.op, term.token if not term.args else None)
        sym = self.add(str(term.token if not term.args else term.op), len(term.args), *key)
        return (sym, *(self.flat(a, constants, names) for a in term.args))

    def term(self, t: Flat, prefix: str = "_") -> Term:
        """A flat term as a ``Term``; variable ``k`` becomes ``var`` ``{prefix}{k}``."""
        if isinstance(t, int):
            return Term("var", token=f"{prefix}{t}")
        op, token = self.terms[t[0]]
        return Term(op, tuple(self.term(a, prefix) for a in t[1:]), token)


def size(t: Flat) -> int:
    """Number of symbol and variable occurrences.

    >>> size((0, 1, (1,)))
    3
    """
    return 1 if type(t) is int else 1 + sum([size(a) for a in t[1:]])


def variables(t: Flat, out: list[int] | None = None) -> list[int]:
    """Variables in order of first appearance.

    >>> variables((0, 3, (0, 1, 3)))
    [3, 1]
    """
    out = [] if out is None else out
    if type(t) is int:
        if t not in out:
            out.append(t)
    else:
        for a in t[1:]:
            variables(a, out)
    return out


def is_ground(t: Flat) -> bool:
    """Whether ``t`` has no variables.

    >>> is_ground((0, (1,))), is_ground((0, 2))
    (True, False)
    """
    return not isinstance(t, int) and all(is_ground(a) for a in t[1:])


def subst(t: Flat, s: dict[int, Flat]) -> Flat:
    """``t`` with each variable replaced by its binding in ``s``, once (a matcher's answer).

    >>> subst((0, 0, 1), {0: 1, 1: (2,)})
    (0, 1, (2,))
    """
    if type(t) is int:
        return s.get(t, t)
    return (t[0], *[subst(a, s) for a in t[1:]])


def resolve(t: Flat, s: dict[int, Flat]) -> Flat:
    """``t`` under a triangular unifier ``s``: bindings are followed until none applies.

    >>> resolve((0, 0, 1), {0: 1, 1: (2,)})
    (0, (2,), (2,))
    """
    if type(t) is int:
        return resolve(s[t], s) if t in s else t
    return (t[0], *[resolve(a, s) for a in t[1:]])


def offset(t: Flat, k: int) -> Flat:
    """``t`` with every variable number raised by ``k``.

    >>> offset((0, 0, 1), 5)
    (0, 5, 6)
    """
    return t + k if type(t) is int else (t[0], *[offset(a, k) for a in t[1:]])


def match(pattern: Flat, t: Flat, s: dict[int, Flat]) -> dict[int, Flat] | None:
    """Extend ``s`` so that ``pattern`` under it is ``t`` (variables of ``t`` are rigid).

    >>> match((0, 0, 0), (0, (1,), (1,)), {}), match((0, 0, 0), (0, (1,), 2), {})
    ({0: (1,)}, None)
    """
    if type(pattern) is int:  # the hot path of rewriting: `type` and indices, no zip
        bound = s.get(pattern)
        if bound is None:
            s[pattern] = t
            return s
        return s if bound == t else None
    if type(t) is int or t[0] != pattern[0]:
        return None
    for k in range(1, len(pattern)):
        if match(pattern[k], t[k], s) is None:
            return None
    return s


def unify(a: Flat, b: Flat) -> dict[int, Flat] | None:
    """A most general unifier of ``a`` and ``b`` (triangular; resolve with ``subst``).

    >>> s = unify((0, 0, (1,)), (0, (2,), 1)); resolve((0, 0, 1), s)
    (0, (2,), (1,))
    """
    s: dict[int, Flat] = {}
    stack = [(a, b)]
    while stack:
        x, y = stack.pop()
        x, y = _walk(x, s), _walk(y, s)
        if x == y:
            continue
        if isinstance(x, int) or isinstance(y, int):
            v, t = (x, y) if isinstance(x, int) else (y, x)
            if _occurs(v, t, s):
                return None
            s[v] = t
        elif x[0] != y[0]:
            return None
        else:
            stack.extend(zip(x[1:], y[1:], strict=True))
    return s


def _walk(t: Flat, s: dict[int, Flat]) -> Flat:
    while type(t) is int and t in s:
        t = s[t]
    return t


def _occurs(v: int, t: Flat, s: dict[int, Flat]) -> bool:
    t = _walk(t, s)
    if isinstance(t, int):
        return t == v
    return any(_occurs(v, a, s) for a in t[1:])


def positions(t: Flat, here: tuple[int, ...] = ()) -> Iterator[tuple[tuple[int, ...], Flat]]:
    """Every non-variable subterm with its position (argument indices from 1), outermost first.

    >>> [p for p, _ in positions((0, (1,), 2))]
    [(), (1,)]
    """
    if type(t) is int:
        return
    yield here, t
    for k, a in enumerate(t[1:], 1):
        yield from positions(a, (*here, k))


def at(t: Flat, pos: tuple[int, ...]) -> Flat:
    """The subterm at ``pos``.

    >>> at((0, (1,), 2), (2,))
    2
    """
    for k in pos:
        t = t[k]
    return t


def replace(t: Flat, pos: tuple[int, ...], new: Flat) -> Flat:
    """``t`` with the subterm at ``pos`` replaced by ``new``.

    >>> replace((0, (1,), 2), (1,), 7)
    (0, 7, 2)
    """
    if not pos:
        return new
    k = pos[0]
    return (*t[:k], replace(t[k], pos[1:], new), *t[k + 1:])


def canonical(lhs: Flat, rhs: Flat, *more: Flat) -> tuple[Flat, ...]:
    """The terms with variables renumbered 0, 1, ... in order of first appearance.

    >>> canonical((0, 5, 3), 3)
    ((0, 0, 1), 1)
    """
    order: list[int] = []
    for t in (lhs, rhs, *more):
        variables(t, order)
    ren = {v: k for k, v in enumerate(order)}
    return tuple(_rename(t, ren) for t in (lhs, rhs, *more))


def _rename(t: Flat, ren: dict[int, int]) -> Flat:
    return ren[t] if type(t) is int else (t[0], *[_rename(a, ren) for a in t[1:]])
