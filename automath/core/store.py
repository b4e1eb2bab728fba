"""Store: every element ever generated, deduplicated by fingerprint, with provenance.

An element is a fingerprint (its values at the kind's K samples) plus provenance: the rule
and parent ids that first built it (or a smaller derivation found later), and its size.
Dedup hashes the quantized fingerprint and confirms every hash match by exact comparison;
an element whose fingerprint is invalid (NaN, inf, overflow, division by zero) is dropped
and gets id -1, so it never merges with anything. The hashes are indexed by a hash table,
filled by one compiled pass per block (``dedup="fused"``, the default where numba is installed;
measured 0.9-2.4x the eager table on a loaded machine) or by vectorized torch (``dedup="hash"``),
or by sorted runs (``dedup="sort"``, the reference the tests compare both with); all give the
same ids.
"""

from __future__ import annotations

from collections.abc import Sequence

import sympy
import torch

from automath.core.buffers import Columns
from automath.core.errors import SemanticsError
from automath.core.fused import derivation
from automath.core.hashtable import FUSED, Buffers, HashTable, fused_insert
from automath.core.index import SortedRuns, smallest_per_target
from automath.core.interpret import evaluate, to_sympy
from automath.core.kinds import Kind, RealKind, fingerprint_hash
from automath.core.semantics import Semantics
from automath.core.term import Term

NONE = -1
MAX_ARITY = 2  # provenance holds two parents (left, right)
_BLOCK = 1 << 13  # candidates per fingerprint block: a few hundred KB, so it stays in cache
COLUMNS = ("values", "keys", "rule", "left", "right", "size")
INDEXES = {"fused": HashTable, "hash": HashTable, "sort": lambda device: SortedRuns()}
"""The ways a store indexes its hashes (``Store(dedup=...)``)."""
DEDUP = "fused" if FUSED else "hash"
"""The default of ``Store(dedup=...)``: the compiled insert where numba is installed."""
FUSED_KINDS = {(Kind.quantize, torch.int64): False, (Kind.quantize, torch.bool): False,
               (RealKind.quantize, torch.float64): True}
"""(quantize, dtype) of the kinds the compiled insert quantizes itself, and whether as reals;
other kinds, and devices other than the CPU, take the eager hash path."""


class _Column:
    """A view of the filled part of a growable column buffer."""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, store: Store, owner: type | None = None) -> torch.Tensor:
        return store._cols[self.name]


class Store:
    """Elements with fingerprints, provenance (rule, left, right) and sizes.

    >>> from automath.core.kinds import RealKind
    >>> from automath.core.semantics import Semantics
    >>> s = Store(RealKind(k=8), Semantics(), rules=["add", "mul"])
    >>> x, y = s.add_atoms([Term("var", token="x"), Term("var", token="y")]).tolist()
    >>> s.add_term(Term("add", (Term("var", token="x"), Term("var", token="y")))) == \\
    ...     s.add_term(Term("add", (Term("var", token="y"), Term("var", token="x"))))
    True
    """

    def __init__(self, kind: Kind, semantics: Semantics, rules: Sequence[str],
                 dedup: str = DEDUP) -> None:
        if dedup not in INDEXES:
            raise SemanticsError(f"no dedup {dedup!r}; choose one of {', '.join(INDEXES)}")
        self.kind, self.semantics, self.rules, self.dedup = kind, semantics, tuple(rules), dedup
        self.arity = torch.tensor([semantics[r].arity for r in self.rules], dtype=torch.int64)
        for r, n in zip(self.rules, self.arity.tolist(), strict=True):
            if n > MAX_ARITY:
                raise SemanticsError(f"operator {r!r} takes {n} arguments; a store holds "
                                     "operators of arity 1 and 2", token=r)
        self._kernels = [semantics.kernel(r, kind.family) for r in self.rules]
        dev = kind.device
        empty = {c: torch.empty(0, dtype=torch.int64, device=dev) for c in COLUMNS}
        empty["values"] = torch.empty((0, *kind.shape), dtype=kind.dtype, device=dev)
        self._cols = Columns(empty)
        self._index = INDEXES[dedup](dev)
        self.leaves: dict[int, Term] = {}
        self._terms: dict[int, Term] = {}

    values, keys, rule, left, right, size = (_Column() for _ in COLUMNS)

    def __len__(self) -> int:
        return len(self._cols)

    def load_columns(self, columns: dict[str, torch.Tensor]) -> None:
        """Replace the store's contents (used when a saved run is reopened).

        >>> from automath.core.kinds import ModpKind
        >>> s = Store(ModpKind(k=4), Semantics(), rules=["add", "mul"])
        >>> x2 = s.add_term(Term("mul", (Term("var", token="x"),) * 2))
        >>> t = Store(ModpKind(k=4), Semantics(), rules=["add", "mul"])
        >>> t.load_columns({c: getattr(s, c) for c in COLUMNS}); len(t), t.size.tolist()
        (2, [1, 3])
        >>> t.add_term(Term("mul", (Term("var", token="x"),) * 2)) == x2  # found, not re-added
        True
        """
        dev = self.kind.device
        self._cols = Columns({c: columns[c].to(dev) for c in COLUMNS},
                             n=int(columns["keys"].shape[0]))
        self._index = INDEXES[self.dedup](dev)
        self._index.add(self.keys, torch.arange(len(self), device=dev))
        self._terms.clear()

    def kernel(self, rule: int):
        """The torch kernel of rule number ``rule`` for this store's kind.

        >>> from automath.core.kinds import ModpKind
        >>> s = Store(ModpKind(k=4), Semantics(), rules=["add", "mul"])
        >>> ix = s.add_term(Term("var", token="x")); x = s.values[ix]
        >>> bool((s.kernel(1)(x, x) == x * x % 2147483647).all())
        True
        """
        return self._kernels[rule]

    def add_atoms(self, terms: Sequence[Term]) -> torch.Tensor:
        """Add leaf terms (variables, numerals, constants); returns their ids.

        >>> from automath.core.kinds import ModpKind
        >>> s = Store(ModpKind(k=4), Semantics(), rules=["add", "mul"])
        >>> s.add_atoms([Term("var", token="x"), Term("num", token="2"),
        ...              Term("var", token="x")]).tolist()
        [0, 1, 0]
        """
        return torch.tensor([self.add_term(t) for t in terms], dtype=torch.int64)

    def add_term(self, term: Term) -> int:
        """Add a term and all its subterms; returns its id (or -1 if invalid).

        >>> from automath.core.kinds import ModpKind
        >>> s = Store(ModpKind(k=4), Semantics(), rules=["add", "mul"])
        >>> x = Term("var", token="x")
        >>> s.add_term(Term("add", (x, x))), len(s), s.size.tolist()
        (1, 2, [1, 3])
        >>> s.add_term(Term("mul", (Term("num", token="2"), x)))  # 2*x = x+x: same element
        1
        >>> from automath.core.kinds import RealKind
        >>> r = Store(RealKind(k=4), Semantics(), rules=["div"])
        >>> r.add_term(Term("div", (x, Term("num", token="0"))))  # division by zero
        -1
        """
        if term.args:
            kids = [self.add_term(a) for a in term.args]
            if NONE in kids:
                return NONE
            rule = self._rule_index(term.op)
            if len(kids) != int(self.arity[rule]):
                raise SemanticsError(f"{term.op!r} takes {int(self.arity[rule])} arguments, "
                                     f"got {len(kids)}", token=term.op)
            vals = self.kind.apply(self.kernel(rule), [self.values[k][None] for k in kids])
            kids = (kids + [NONE])[:2]
            size = 1 + int(self.size[[k for k in kids if k != NONE]].sum())
            return int(self.insert(vals, _col(rule), _col(kids[0]), _col(kids[1]),
                                   _col(size))[0])
        vals = evaluate(term, self.kind, self.semantics)[None]
        ident = int(self.insert(vals, _col(NONE), _col(NONE), _col(NONE), _col(1))[0])
        if ident != NONE:
            self.leaves.setdefault(ident, term)
        return ident

    def _rule_index(self, op: str) -> int:
        if op not in self.rules:
            raise SemanticsError(f"operator {op!r} is not a rule of this store", token=op)
        return self.rules.index(op)

    def insert(self, values: torch.Tensor, rule: torch.Tensor, left: torch.Tensor,
               right: torch.Tensor, size: torch.Tensor) -> torch.Tensor:
        """Insert candidate elements; returns each one's id (-1 for an invalid fingerprint).

        Equal candidates share one id; a smaller derivation of a stored element replaces its
        provenance:

        >>> from automath.core.kinds import ModpKind
        >>> s = Store(ModpKind(k=4), Semantics(), rules=["add", "mul"])
        >>> x = s.add_term(Term("var", token="x")); v = s.values[[x]]
        >>> xx = s.kernel(0)(v, v); col = lambda *a: torch.tensor(a)
        >>> s.insert(torch.cat([xx, xx]), col(0, 0), col(0, 0), col(0, 0), col(3, 3)).tolist()
        [1, 1]
        >>> s.insert(xx, col(1), col(0), col(-1), col(2)).tolist(), s.size.tolist()
        ([1], [1, 2])
        >>> s.insert(torch.full((1, 4), -1), col(0), col(0), col(0), col(3)).tolist()
        [-1]
        """
        return self._insert(lambda idx: _pick(values, idx), rule, left, right, size)

    def insert_derived(self, rule: int, left: torch.Tensor, right: torch.Tensor,
                       size: torch.Tensor) -> torch.Tensor:
        """Insert ``rule(left, right)`` for each parent pair (``right = -1``: unary).

        Fingerprints are computed from the parents' values in cache-sized blocks and hashed;
        only stored elements' values are kept, and hash hits are confirmed exactly by
        computing the candidate's values again. Ids as in :meth:`insert`:

        >>> from automath.core.kinds import ModpKind
        >>> s = Store(ModpKind(k=4), Semantics(), rules=["add"])
        >>> ids = s.add_atoms([Term("var", token="x"), Term("var", token="y")])
        >>> col = lambda *a: torch.tensor(a)
        >>> s.insert_derived(0, col(0, 1, 0), col(1, 0, 0), col(3, 3, 3)).tolist()  # x+y = y+x
        [2, 2, 3]
        """
        binary = int(self.arity[rule]) == 2
        rows = _DerivedRows(self.values, self.kind, self.kernel(rule), left,
                            right if binary else None)
        return self._insert(rows, torch.full_like(left, rule), left, right, size)

    def _insert(self, rows, rule, left, right, size) -> torch.Tensor:
        """Insert the candidates whose values ``rows(idx)`` gives (``idx``: candidate rows)."""
        way = {"fused": self._insert_fused, "hash": self._insert_hashed,
               "sort": self._insert_sorted}[self.dedup]
        return way(rows, rule, left, right, size)

    def _insert_fused(self, rows, rule, left, right, size) -> torch.Tensor:
        """:meth:`_insert` by the compiled hash-table insert (``hashtable.fused_insert``): the
        same ids as :meth:`_insert_hashed`, which serves the kinds and devices it does not (and
        a hash clash, after the compiled pass has undone its work)."""
        real = FUSED_KINDS.get((type(self.kind).quantize, self.kind.dtype))
        if not FUSED or real is None or self.kind.device.type != "cpu":
            return self._insert_hashed(rows, rule, left, right, size)
        m, base = rule.shape[0], len(self)
        self._cols.reserve(base + m)
        self._index.reserve(self._index.used + m)
        prov = tuple(t.contiguous().numpy() for t in (rule, left, right, size))
        out = fused_insert(self._index, derivation(rows) or self._blocks(rows, m, real),
                           self._buffers(real), prov, real, self._multipliers())
        if out is None:
            return self._insert_hashed(rows, rule, left, right, size)
        ids, better = (torch.from_numpy(a) for a in out[:2])
        self._cols.extend(out[2])
        self._improve(*_take(better, ids, rule, left, right, size))
        return ids

    def _blocks(self, rows, m: int, real: bool):
        """(first candidate, values, valid) of each cache-sized block, as numpy arrays (a real
        kind's values as their int64 bits)."""
        for s in range(0, m, _BLOCK):
            vals = rows(slice(s, s + _BLOCK))
            flat = vals.reshape(vals.shape[0], -1).contiguous()
            yield s, _bits(flat, real), self.kind.valid(vals).numpy()

    def _buffers(self, real: bool) -> Buffers:
        """The column buffers as the compiled insert writes them."""
        values = self._cols.buffer("values")
        cols = tuple(self._cols.buffer(c).numpy() for c in COLUMNS[1:])
        return Buffers(_bits(values.reshape(values.shape[0], -1), real), cols, len(self))

    def _multipliers(self):
        """The hash's multipliers for this kind's rows (``fingerprint_hash`` is linear: the
        hash of the identity matrix's rows)."""
        width = int(torch.tensor(self.kind.shape).prod())
        return fingerprint_hash(torch.eye(width, dtype=torch.int64)).numpy()

    def _insert_hashed(self, rows, rule, left, right, size) -> torch.Tensor:
        """:meth:`_insert` by the hash table: candidates stay in input order throughout."""
        keys, valid = self._keys(rows, rule.shape[0])
        ids = torch.full_like(keys, NONE)
        ok = valid.nonzero().squeeze(1)
        if ok.numel() == 0:
            return ids
        keys, rule, left, right, size = _take(ok, keys, rule, left, right, size)
        found, clash, slot = self._lookup_hashed(rows, ok, keys)
        new = ((found == NONE) & ~clash).nonzero().squeeze(1)
        if new.numel():
            found[new] = self._append_hashed(rows, *_take(new, ok, keys, rule, left, right,
                                                          size, slot))
        self._resolve(rows, found, clash.nonzero().squeeze(1), ok, keys, rule, left, right, size)
        ids[ok] = found
        self._improve(found, rule, left, right, size)
        return ids

    def _lookup_hashed(self, rows, ok, keys) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Ids of stored elements equal to each candidate, or -1; the candidates whose hash
        is stored under another value (a clash); the table slots the probes ended on."""
        cand, slot = self._index.probe(keys)
        hit = (cand != NONE).nonzero().squeeze(1)
        same = self._same_blocks(rows, *_take(hit, ok, cand))
        clash = torch.zeros_like(keys, dtype=torch.bool)
        clash[hit[~same]] = True
        return cand.masked_fill_(clash, NONE), clash, slot  # cand: a fresh tensor

    def _same_blocks(self, rows, idx: torch.Tensor, ids: torch.Tensor) -> torch.Tensor:
        """Whether candidate rows ``idx`` equal stored elements ``ids``, a block at a time."""
        return torch.cat([torch.ones(0, dtype=torch.bool, device=idx.device)] + [
            self._same(rows(idx[s:s + _BLOCK]), self.values.index_select(0, ids[s:s + _BLOCK]))
            for s in range(0, idx.shape[0], _BLOCK)])

    def _append_hashed(self, rows, ok, keys, rule, left, right, size, start) -> torch.Tensor:
        """:meth:`_append_sorted` for candidates in input order (not in the table; their
        probes ended on ``start``): a group is the table slot its members claim;
        representatives and new ids by the same rules."""
        slot, _ = self._index.claim(keys, start)
        score = size * (int(ok.max()) + 1) + ok  # distinct: ok holds distinct rows
        rep = self._index.least(slot, score).nonzero().squeeze(1)  # in candidate order
        base = len(self)
        self._index.set(slot.index_select(0, rep),
                        torch.arange(base, base + rep.shape[0], device=keys.device))
        self._extend(rows, *_take(rep, ok, keys, rule, left, right, size))
        ids = self._index.values.index_select(0, slot)
        member = torch.ones_like(ids, dtype=torch.bool)
        member[rep] = False  # a group's other members may clash with its representative
        shared = member.nonzero().squeeze(1)
        clash = shared[~self._same_blocks(rows, *_take(shared, ok, ids))]
        self._resolve(rows, ids, clash, ok, keys, rule, left, right, size)
        return ids

    def _resolve(self, rows, ids, clash, ok, keys, rule, left, right, size) -> None:
        """Hash collisions (astronomically rare): each such candidate found or added alone."""
        for c in clash.tolist():
            ids[c] = self._insert_one(rows(ok[c:c + 1])[0], keys[c], rule[c], left[c], right[c],
                                      size[c])

    def _insert_sorted(self, rows, rule, left, right, size) -> torch.Tensor:
        """:meth:`_insert` by sorted runs (the reference the hash table is tested against).

        Valid candidates are put in hash order once: the index search, the grouping of equal
        candidates and the new index run all read that order.
        """
        keys, valid = self._keys(rows, rule.shape[0])
        ids = torch.full_like(keys, NONE)
        ok = valid.nonzero().squeeze(1)
        if ok.numel() == 0:
            return ids
        keys, order = torch.sort(keys.index_select(0, ok), stable=True)  # ties: input order
        ok = ok[order]
        rule, left, right, size = (t.index_select(0, ok) for t in (rule, left, right, size))
        found = self._lookup(rows, ok, keys)
        new = (found == NONE).nonzero().squeeze(1)
        if new.numel():
            found[new] = self._append_sorted(rows, ok[new], keys[new], rule[new], left[new],
                                             right[new], size[new])
        ids[ok] = found
        self._improve(found, rule, left, right, size)
        return ids

    def _keys(self, rows, m: int) -> tuple[torch.Tensor, torch.Tensor]:
        """Hash and validity of every candidate, a cache-sized block at a time."""
        keys = torch.empty(m, dtype=torch.int64, device=self.kind.device)
        valid = torch.empty(m, dtype=torch.bool, device=self.kind.device)
        for s in range(0, m, _BLOCK):
            vals = rows(torch.arange(s, min(s + _BLOCK, m), device=keys.device))
            valid[s:s + _BLOCK] = self.kind.valid(vals)
            keys[s:s + _BLOCK] = fingerprint_hash(self.kind.quantize(vals))
        return keys, valid

    def _lookup(self, rows, ok: torch.Tensor, keys: torch.Tensor) -> torch.Tensor:
        """Ids of stored elements equal to each candidate (rows ``ok``, sorted hashes ``keys``),
        or -1."""
        found = torch.full_like(keys, NONE)
        for hit, cand in self._index.hits(keys):
            same = self._same(rows(ok[hit]), self.values.index_select(0, cand))
            found[hit[same]] = cand[same]
        return found

    def _same(self, a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        return (self.kind.quantize(a) == self.kind.quantize(b)).all(dim=1)

    def _append_sorted(self, rows, ok, keys, rule, left, right, size) -> torch.Tensor:
        """Append candidates (in hash order) not in the store, merging equal ones; returns
        their ids. A group's smallest derivation (then its first candidate) represents it;
        new ids follow the candidates' order."""
        uniq, group, counts = torch.unique_consecutive(keys, return_inverse=True,
                                                       return_counts=True)
        score = size * (int(ok.max()) + 1) + ok  # distinct: ok holds distinct rows
        best = torch.full_like(uniq, torch.iinfo(torch.int64).max).scatter_reduce(
            0, group, score, "amin")
        rep = (score == best[group]).nonzero().squeeze(1)  # one per group, in group order
        by_id = torch.argsort(ok[rep])
        rank = torch.empty_like(by_id)
        rank[by_id] = torch.arange(len(uniq), device=keys.device)
        base, r = len(self), rep[by_id]
        self._extend(rows, ok[r], keys[r], rule[r], left[r], right[r], size[r])
        self._index.add(uniq, base + rank, presorted=True)
        ids = base + rank[group]
        member = counts[group] > 1  # a group's other members may clash with its representative
        member[rep] = False
        shared = member.nonzero().squeeze(1)
        clash = shared[~self._same(rows(ok[shared]), self.values.index_select(0, ids[shared]))]
        self._resolve(rows, ids, clash, ok, keys, rule, left, right, size)
        return ids

    def _insert_one(self, val, key, rule, left, right, size) -> int:
        same = ((self.keys == key) & self._same(self.values, val.expand_as(self.values)))
        hits = same.nonzero().squeeze(1)
        if hits.numel():
            return int(hits[0])
        self._extend(lambda _: val[None], key.new_zeros(1), key[None], rule[None], left[None],
                     right[None], size[None])
        self._index.add(key[None], key.new_full((1,), len(self) - 1))
        return len(self) - 1

    def _extend(self, rows, ok, keys, rule, left, right, size) -> None:
        """Append elements whose values are ``rows(ok)``, written a block at a time (the
        caller indexes their keys)."""
        new = dict(zip(COLUMNS[1:], (keys, rule, left, right, size), strict=True))
        m = keys.shape[0]
        n = self._cols.extend(m)
        for c, col in new.items():
            self._cols[c][n:] = col
        values = self._cols["values"]
        for s in range(0, m, _BLOCK):
            values[n + s:n + min(s + _BLOCK, m)] = rows(ok[s:s + _BLOCK])

    def _improve(self, ids, rule, left, right, size) -> None:
        """Where a candidate is a smaller derivation of a stored element, adopt it: per
        element, its smallest candidate (then the first), each element written once."""
        better = (size < self.size[ids]).nonzero().squeeze(1)
        if better.numel() == 0:
            return
        win = better[smallest_per_target(ids[better], size[better])]
        tgt = ids[win]
        self.size[tgt], self.rule[tgt] = size[win], rule[win]
        self.left[tgt], self.right[tgt] = left[win], right[win]
        self._terms.clear()
        self._propagate_sizes(tgt)

    def _propagate_sizes(self, changed: torch.Tensor) -> None:
        """Lower the sizes of elements built (via their provenance) on ``changed`` elements,
        level by level, until no size changes: a size is always its rebuilt term's size."""
        n = len(self)
        has_r = (self.right >= 0) & (self.right < n)
        derived = (self.rule >= 0) & (self.left >= 0) & (self.left < n)  # real parents only
        left, right = self.left.clamp(0, n - 1), self.right.clamp(0, n - 1)
        while changed.numel():
            mark = torch.zeros(n, dtype=torch.bool, device=changed.device)
            mark[changed] = True
            rows = (derived & (mark[left] | (has_r & mark[right]))).nonzero().squeeze(1)
            cand = 1 + self.size[left[rows]] + torch.where(has_r[rows], self.size[right[rows]], 0)
            lower = cand < self.size[rows]
            changed = rows[lower]
            self.size[changed] = cand[lower]

    def term(self, ident: int) -> Term:
        """The term that built element ``ident`` (rebuilt from provenance).

        >>> from automath.core.kinds import ModpKind
        >>> s = Store(ModpKind(k=4), Semantics(), rules=["mul"])
        >>> s.term(s.add_term(Term("mul", (Term("var", token="x"),) * 2)))
        Term(op='mul', args=(Term(op='var', args=(), token='x'), \
Term(op='var', args=(), token='x')), token=None)
        """
        if ident in self.leaves:
            return self.leaves[ident]
        if ident not in self._terms:
            rule, kids = int(self.rule[ident]), (int(self.left[ident]), int(self.right[ident]))
            args = tuple(self.term(k) for k in kids[: int(self.arity[rule])])
            self._terms[ident] = Term(self.rules[rule], args)
        return self._terms[ident]

    def sympy(self, ident: int) -> sympy.Basic:
        """The sympy expression of element ``ident``.

        >>> from automath.core.kinds import ModpKind
        >>> s = Store(ModpKind(k=4), Semantics(), rules=["add", "mul"])
        >>> x = Term("var", token="x")
        >>> s.sympy(s.add_term(Term("mul", (x, Term("add", (x, Term("num", token="1")))))))
        x*(x + 1)
        """
        return to_sympy(self.term(ident), self.semantics)


class _DerivedRows:
    """The values of ``kernel(values[left], values[right])`` for chosen candidate rows."""

    def __init__(self, values, kind, kernel, left, right) -> None:
        self.values, self.kind, self.kernel = values, kind, kernel
        self.left, self.right = left, right

    def __call__(self, idx: torch.Tensor) -> torch.Tensor:
        parents = [self.left] if self.right is None else [self.left, self.right]
        args = [self.values.index_select(0, _pick(p, idx)) for p in parents]
        return self.kind.apply(self.kernel, args)


def _pick(column: torch.Tensor, idx: torch.Tensor | slice) -> torch.Tensor:
    """Rows ``idx`` of a column: a view for a slice, else ``index_select``."""
    return column[idx] if isinstance(idx, slice) else column.index_select(0, idx)


def _take(idx: torch.Tensor, *columns: torch.Tensor) -> tuple[torch.Tensor, ...]:
    """Each column's rows ``idx`` (``index_select``: faster than ``column[idx]``)."""
    return tuple(c.index_select(0, idx) for c in columns)


def _bits(values: torch.Tensor, real: bool):
    """A numpy view of the values (a real kind's as int64 bits, which the insert rounds)."""
    return values.view(torch.int64).numpy() if real else values.numpy()


def _col(v: int) -> torch.Tensor:
    return torch.tensor([v], dtype=torch.int64)
