"""E-matching and saturation: a set of laws compiled against the term universe and closed.

A law's instances are found by e-matching one side (inner patterns match nodes at most
``reach`` larger than their class's representative) and looking up the other side: static
tables, built once per law; an instance is merged in the union-find once the inner nodes it
went through are proved, in NumPy rounds until nothing changes. Sound (every merge is an
equational consequence, variables acting as constants); complete for proofs that stay inside
the universe through near-minimal subterms, in the spirit of QuickSpec's bounded pruner, which
``prune``, ``minimize``, ``derives`` and ``law_coverage`` build on.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import torch

from automath.core.errors import AutomathError
from automath.core.kinds import fingerprint_hash
from automath.core.term import Term
from automath.laws.poly import variants
from automath.laws.universe import Universe

MAX_MATCHES = 30_000_000  # rows of one e-matching join

def _var_order(*terms: Term) -> dict[str, int]:
    return {v: n for n, v in enumerate(dict.fromkeys(v for t in terms for v in t.variables()))}


@dataclass(frozen=True)
class _Axiom:
    """A law compiled for a universe: its instances as static node tables.

    Each side with every variable is matched against the universe (e-matching: an inner
    pattern matches a node of the argument's class whose size is at most the class's smallest
    size plus ``reach``); the other side is then looked up under the match's bindings. An
    instance becomes usable once all its inner nodes are proved equal to their class's
    representative; then its two nodes are merged.
    """

    rows: torch.Tensor  # per instance: key node, other node, inner nodes to be proved first

    @staticmethod
    def compile(u: Universe, lhs: Term, rhs: Term) -> _Axiom:
        order = _var_order(lhs, rhs)
        sides = [(lhs, rhs), (rhs, lhs)]
        full = [d for d in sides if d[0].args and set(d[0].variables()) == set(order)]
        found = []
        for key, oth in full or [d for d in sides if d[0].args]:
            prog = _program(key, order, u)
            if prog[0] == "a":
                nodes, binds, inner = _free(u, *_table(u, prog, len(order), None))
                other, more = _structure(u, _program(oth, order, u), binds)
                found.append(torch.cat([nodes[:, None], other[:, None], inner, more], dim=1))
        rows = _stack(found)
        keep = (rows[:, 1] >= 0) & (rows[:, 1] != rows[:, 0])  # outside the universe, trivial
        return _Axiom(_distinct(rows[keep]))


def _axiom(u: Universe, lhs: Term, rhs: Term) -> _Axiom:
    """A law compiled for a universe (cached in the universe)."""
    if (lhs, rhs) not in u.axioms:
        u.axioms[(lhs, rhs)] = _Axiom.compile(u, lhs, rhs)
    return u.axioms[(lhs, rhs)]


def _stack(tables: Sequence[torch.Tensor]) -> torch.Tensor:
    """Concatenate instance rows, padding the inner columns with node 0 (an atom)."""
    width = max((t.shape[1] for t in tables), default=2)
    return torch.cat([torch.zeros((0, width), dtype=torch.int64)] + [
        torch.nn.functional.pad(t, (0, width - t.shape[1])) for t in tables])


def _columns(tables: Sequence[torch.Tensor]) -> np.ndarray:
    """Instance rows as the columns of one array (inner nodes padded with node 0, an atom)."""
    width = max((t.shape[1] for t in tables), default=2)
    out = np.zeros((width, sum(t.shape[0] for t in tables)), dtype=np.int64)
    start = 0
    for t in tables:
        out[: t.shape[1], start: start + t.shape[0]] = t.numpy().T
        start += t.shape[0]
    return out


def _distinct(rows: torch.Tensor) -> torch.Tensor:
    """One row per distinct (unordered pair, set of inner nodes), by a 64-bit row hash."""
    a, b = torch.minimum(rows[:, 0], rows[:, 1]), torch.maximum(rows[:, 0], rows[:, 1])
    rows = torch.cat([a[:, None], b[:, None], torch.sort(rows[:, 2:], dim=1).values], dim=1)
    _, inv = torch.unique(fingerprint_hash(rows), return_inverse=True)
    first = torch.full((int(inv.max()) + 1 if inv.numel() else 0,), rows.shape[0])
    return rows[first.scatter_reduce(0, inv, torch.arange(rows.shape[0]), "amin")]


def _table(u: Universe, prog: tuple, nv: int, pool: torch.Tensor | None):
    """Nodes matching a compound pattern (among ``pool``; all nodes if None), with variable
    bindings (class ids, -1 if unbound) and the inner nodes the match went through (gathers
    by ``index_select``, several times faster than indexing on the CPU)."""
    nodes = u.by_rule[prog[1]] if pool is None else pool[u.node_rule.index_select(0, pool)
                                                         == prog[1]]
    rows = torch.arange(nodes.shape[0])
    binds = torch.full((rows.shape[0], nv), -1, dtype=torch.int64)
    inner = torch.zeros((rows.shape[0], 0), dtype=torch.int64)
    for k, sub in enumerate(prog[2]):
        child = u.child(nodes.index_select(0, rows), k)
        if sub[0] == "v":
            col = binds[:, sub[1]]
            keep = (col < 0) | (col == child)
            binds[:, sub[1]] = torch.where(col < 0, child, col)
        elif sub[0] == "n":
            keep = child == (int(u.cls[sub[1]]) if sub[1] >= 0 else -2)
        else:
            sn, sb, si = _table(u, sub, nv, u.near)
            li, ri = _join(child, u.cls.index_select(0, sn))
            if li.shape[0] > MAX_MATCHES:
                raise AutomathError(f"a law matches more than {MAX_MATCHES} ways within size "
                                    f"{u.bound}; use a smaller size, slack or reach")
            binds, keep = _merge(_take(binds, li), _take(sb, ri))
            rows = _take(rows, li)
            inner = torch.cat([_take(inner, li), _take(si, ri), _take(sn, ri)[:, None]], dim=1)
        idx = keep.nonzero().squeeze(1)
        rows, binds, inner = _take(rows, idx), _take(binds, idx), _take(inner, idx)
    return _take(nodes, rows), binds, inner


def _take(t: torch.Tensor, idx: torch.Tensor) -> torch.Tensor:
    return t.index_select(0, idx)


def _free(u: Universe, nodes: torch.Tensor, binds: torch.Tensor, inner: torch.Tensor):
    """Bind each variable the matched side lacks to every atom (a rare case)."""
    for v in range(binds.shape[1]):
        if bool((binds[:, v] < 0).any()):
            atoms = u.cls[: len(u.atoms)]
            rows, cols = _join(torch.zeros_like(nodes), torch.zeros_like(atoms))
            nodes, binds, inner = nodes[rows], binds[rows].clone(), inner[rows]
            binds[:, v] = torch.where(binds[:, v] < 0, atoms[cols], binds[:, v])
    return nodes, binds, inner


def _structure(u: Universe, prog: tuple, sigma: torch.Tensor):
    """The node of each instance of a program (-1: not in the universe) and its inner
    application nodes, which must be proved equal to their class's representative."""
    if prog[0] == "v":
        return u.rep[sigma[:, prog[1]]], torch.zeros((sigma.shape[0], 0), dtype=torch.int64)
    if prog[0] == "n":
        node = torch.full((sigma.shape[0],), prog[1], dtype=torch.int64)
        return node, torch.zeros((sigma.shape[0], 0), dtype=torch.int64)
    kids = [_structure(u, k, sigma) for k in prog[2]]
    ok = torch.stack([k[0] >= 0 for k in kids]).all(dim=0)
    cls = [u.cls[k[0].clamp(min=0)] for k in kids]
    found = u.lookup(prog[1], cls[0], cls[1] if len(cls) > 1 else None)
    apps = [k[0][:, None] for k, p in zip(kids, prog[2], strict=True) if p[0] == "a"]
    inner = torch.cat([k[1] for k in kids] + apps, dim=1).clamp(min=0)
    return torch.where(ok, found, -1), inner


def _program(term: Term, order: dict[str, int], u: Universe) -> tuple:
    if term.op == "var":
        return ("v", order[term.token])
    if not term.args:
        return ("n", u.atom_node.get(term, -1))
    if term.op not in u.rule_index:
        return ("n", -1)  # an operator outside the universe: never located
    return ("a", u.rule_index[term.op], tuple(_program(a, order, u) for a in term.args))


def _join(left: torch.Tensor, right: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """All index pairs (i, j) with ``left[i] == right[j]`` (a vectorized equi-join)."""
    order = torch.argsort(right)
    rs = right[order]
    lo, hi = torch.searchsorted(rs, left), torch.searchsorted(rs, left, right=True)
    count = hi - lo
    li = torch.repeat_interleave(torch.arange(left.shape[0]), count)
    start = torch.cumsum(count, 0) - count
    offset = torch.arange(li.shape[0]) - torch.repeat_interleave(start, count)
    return li, order[lo[li] + offset]


def _merge(a: torch.Tensor, b: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Combine variable bindings (-1 = unbound); returns (merged, consistent rows)."""
    ok = ((a < 0) | (b < 0) | (a == b)).all(dim=1)
    return torch.where(a >= 0, a, b), ok


def _compress(parent: np.ndarray) -> np.ndarray:
    while True:
        up = parent[parent]
        if np.array_equal(up, parent):
            return parent
        parent = up


def _union(parent: np.ndarray, u: np.ndarray, v: np.ndarray) -> tuple[np.ndarray, bool]:
    """Merge the components of each pair (u, v); parents always point to smaller ids (a new
    array where anything merges: the given one may be shared)."""
    changed = False
    while True:
        ru, rv = parent[u], parent[v]
        diff = ru != rv
        if not diff.any():
            return parent, changed
        changed, ru, rv, parent = True, ru[diff], rv[diff], parent.copy()
        np.minimum.at(parent, np.maximum(ru, rv), np.minimum(ru, rv))
        parent = _compress(parent)


def _rounds(parent: np.ndarray, rows: np.ndarray, rep: np.ndarray,
            until: tuple[torch.Tensor, int] | None) -> tuple[np.ndarray, np.ndarray, bool]:
    """Merge each instance (a column of ``rows``) once its inner nodes are proved, in rounds;
    returns (parent, instances merged, reached a fixpoint rather than ``until``). NumPy: these
    small gathers and masks run several times faster than in torch on the CPU."""
    mask, count = (None, 0) if until is None else (until[0].numpy(), until[1])
    done, changed = np.zeros(rows.shape[1], dtype=bool), True
    while changed and rows.shape[1]:
        proved = parent == parent[rep]
        if mask is not None and np.count_nonzero(proved & mask) >= count:
            return parent, done, False
        now = proved[rows[2:]].all(axis=0)
        new, done = now & ~done, now
        parent, changed = _union(parent, rows[0, new], rows[1, new])
    return parent, done, True


class Prover:
    """Saturates the universe under a set of laws and tells which nodes and laws it proves.

    >>> from automath.core.kinds import ModpKind
    >>> from automath.core.semantics import Semantics
    >>> from automath.core.generate import expand
    >>> from automath.core.store import Store
    >>> s = Store(ModpKind(k=4), Semantics(), ["mul"])
    >>> atoms = s.add_atoms([Term("var", token=v) for v in "xy"])
    >>> u = Universe(s, atoms, expand(s, 0, atoms.repeat(2), atoms.repeat_interleave(2)), 3)
    >>> x, y = Term("var", token="x"), Term("var", token="y")
    >>> p = Prover(u, [(Term("mul", (x, y)), Term("mul", (y, x)))]).saturate()
    >>> p.equal(Term("mul", (y, x)), Term("mul", (x, y))), int(p.proved().sum())
    (True, 6)
    """

    def __init__(self, universe: Universe, laws: Sequence[tuple[Term, Term]] = ()) -> None:
        self.u, self.laws = universe, frozenset()
        self.parent = torch.arange(len(universe))  # never changed in place (closures share it)
        self._todo: list[torch.Tensor] = []  # instance rows not merged yet
        for lhs, rhs in laws:
            self.add(lhs, rhs)

    def add(self, lhs: Term, rhs: Term) -> Prover:
        """Take ``lhs = rhs`` as an axiom (call ``saturate`` to draw its consequences)."""
        if (lhs, rhs) not in self.laws:  # a polymorphic law: at each of its instances
            for law in variants(lhs, rhs, self.u.store.semantics):
                self._todo.append(_axiom(self.u, *law).rows)
            self.laws = self.laws | {(lhs, rhs)}
        return self

    def copy(self) -> Prover:
        """An independent prover in the same state."""
        twin = Prover(self.u)
        twin.parent, twin._todo, twin.laws = self.parent, list(self._todo), self.laws
        return twin

    def reaches(self, within: torch.Tensor, count: int) -> bool:
        """Are at least ``count`` nodes of the mask ``within`` proved?"""
        return int((self.proved() & within).sum()) >= count

    def saturate(self, until: tuple[torch.Tensor, int] | None = None) -> Prover:
        """Merge located instances of every axiom, in rounds, until nothing changes (or, with
        ``until=(mask, count)``, until that many nodes of the mask are proved).

        An instance is located once its inner nodes are proved; it is merged then and never
        looked at again. All axioms' instances are handled together, one round at a time.
        The closure of a law set is unique (a parent is its component's smallest node), so the
        universe keeps each one reached and a later saturation of the same set reuses it.
        """
        if self.laws in self.u.closures:
            return self._adopt(*self.u.closures[self.laws])
        rows = _columns(self._todo)  # one instance per column
        parent, done, fixpoint = _rounds(self.parent.numpy(), rows, self.u.rep_node.numpy(),
                                         until)
        left = ~done & (parent[rows[0]] != parent[rows[1]])  # one component: never needed
        state = (torch.from_numpy(parent), torch.from_numpy(rows[:, left].T.copy()))
        if fixpoint:
            self.u.closures[self.laws] = state
        return self._adopt(*state)

    def _adopt(self, parent: torch.Tensor, rows: torch.Tensor) -> Prover:
        self.parent, self._todo = parent, [rows] if rows.shape[0] else []
        return self

    def proved(self) -> torch.Tensor:
        """Per node: is it proved equal to its class representative?"""
        return self.parent == self.parent[self.u.rep_node]

    def equal(self, lhs: Term, rhs: Term) -> bool:
        """Are both sides (variables as constants) located and in one component?"""
        order = _var_order(lhs, rhs)
        var_atoms = [self.u.atom_node.get(Term("var", token=v), -1) for v in order]
        if min(var_atoms, default=0) < 0:
            return False
        sigma = self.u.cls[torch.tensor(var_atoms, dtype=torch.int64)].reshape(1, len(order))
        (a, ia), (b, ib) = (_structure(self.u, _program(t, order, self.u), sigma)
                            for t in (lhs, rhs))
        proved = self.proved()
        located = bool(a[0] >= 0) and bool(b[0] >= 0) and bool(proved[ia].all()) and bool(
            proved[ib].all())
        return located and bool(self.parent[a[0]] == self.parent[b[0]])


Verify = Callable[[Term, Term], "str | None"]


def _plainness(lhs: Term, rhs: Term) -> tuple[int, int]:
    """Prefer laws whose sides use the variables in the same order (associativity over
    left-commutativity): 0 where the orders of first use agree, then where all uses agree."""
    return (int(lhs.variables() != rhs.variables()), int(_leaves(lhs) != _leaves(rhs)))


def _leaves(t: Term) -> list[str]:
    return [str(t.token)] if t.op == "var" else [v for a in t.args for v in _leaves(a)]


def prune(u: Universe, order: torch.Tensor, tier: torch.Tensor, verify: Verify,
          block: int = 64, deadline: object = None) -> tuple[list, list]:
    """Walk candidate nodes in ``order``; keep each one the kept laws do not prove yet.

    Within a tier the plainest open candidate goes first. Each law is verified before it
    becomes an axiom; a false one (a fingerprint collision) is set aside, never used.
    ``deadline`` (anything with ``passed()``) stops the walk between laws.
    Returns (kept [(lhs, rhs, verdict)], refuted [(lhs, rhs)]).
    """
    prover, kept, refuted = Prover(u), [], []
    live = torch.ones(order.shape[0], dtype=torch.bool)
    while True:
        todo = (live & ~prover.proved()[order]).nonzero().squeeze(1)
        if todo.numel() == 0 or (deadline is not None and deadline.passed()):
            return kept, refuted
        first = todo[tier[todo] == tier[todo[0]]][:block].tolist()
        laws = {p: (u.term(int(order[p])), u.store.term(int(u.cls[order[p]]))) for p in first}
        pos = min(first, key=lambda p: (_plainness(*laws[p]), p))
        lhs, rhs = laws[pos]
        verdict = verify(lhs, rhs)
        if verdict is None:
            live[pos] = False
            refuted.append((lhs, rhs))
            continue
        kept.append((lhs, rhs, verdict))
        prover.add(lhs, rhs).saturate()


def minimize(u: Universe, kept: list, within: torch.Tensor | None = None) -> list:
    """Drop each kept law whose removal leaves the proved nodes (``within`` a mask) unchanged.

    Laws are tried first to last; the laws kept before the one on trial stay saturated in
    one prover, copied for each trial (saturation only grows with the axioms).
    """
    within = torch.ones(len(u), dtype=torch.bool) if within is None else within
    full = int((Prover(u, [k[:2] for k in kept]).saturate().proved() & within).sum())
    before, out = Prover(u), []
    for n, law in enumerate(kept):
        trial = before.copy()
        for later in kept[n + 1:]:
            trial.add(*later[:2])
        if not trial.saturate(until=(within, full)).reaches(within, full):
            out.append(law)
            before.add(*law[:2]).saturate()
    return out


def derives(u: Universe, axioms: Sequence[tuple[Term, Term]],
            laws: Sequence[tuple[Term, Term]]) -> list[bool]:
    """For each law: does saturating the universe under ``axioms`` prove it?

    >>> from automath.laws.explore import enumerate_terms, signature
    >>> g = signature("semiring").grammar
    >>> u = Universe(*enumerate_terms(signature("semiring"), 5), 5)
    >>> comm = [(g.parse("x + y"), g.parse("y + x"))]
    >>> derives(u, comm, [(g.parse("(x + y) + z"), g.parse("z + (y + x)"))])
    [True]
    """
    prover = Prover(u, axioms).saturate()
    return [prover.equal(lhs, rhs) for lhs, rhs in laws]


def law_coverage(u: Universe, laws: Sequence[tuple[Term, Term]],
                 within: torch.Tensor | None = None) -> list[torch.Tensor]:
    """Per law: the enumerated equations that depend on it — proved by all the laws, not by
    the others (indices into ``u.candidates()`` restricted to the mask ``within``).

    >>> from automath.laws.explore import enumerate_terms, signature
    >>> g = signature("semiring", vars="xy").grammar
    >>> u = Universe(*enumerate_terms(signature("semiring", vars="xy"), 3), 3)
    >>> laws = [(g.parse("x + y"), g.parse("y + x")), (g.parse("x * 1"), g.parse("x"))]
    >>> [c.numel() for c in law_coverage(u, laws)]  # y+x, 1+x, 1+y; x*1, y*1, 0*1, 1*1
    [3, 4]
    """
    eqs = u.candidates()
    eqs = eqs if within is None else eqs[within[eqs]]
    prefix = [Prover(u)]  # saturated under the first n laws (saturation is order-free)
    for lhs, rhs in laws:
        prefix.append(prefix[-1].copy().add(lhs, rhs).saturate())
    proved, out = prefix[-1].proved()[eqs], []
    for n in range(len(laws)):
        trial = prefix[n].copy()
        for later in laws[n + 1:]:
            trial.add(*later)
        out.append((proved & ~trial.saturate().proved()[eqs]).nonzero().squeeze(1))
    return out

