"""Hash-consed terms for proofs: packed int64 keys, subterm index, batched rewriting.

Terms and statements are rows of growable int64/float64 columns, interned by a packed key
(constructor code, left and right child); each term carries its size, its largest variable
``?k`` and its log weight ``log ρ`` under a fixed model of terms (each constant its share of
the generator weights, each operator a factor ``op_weight``).
"""

from __future__ import annotations

import math

import torch

from automath.core.buffers import Columns
from automath.core.errors import AutomathError
from automath.core.index import SortedRuns, first_occurrences
from automath.core.term import Term

_BITS = 24
_MAX = (1 << _BITS) - 2
_OFF = 1 << 13  # codes (ops >= 0, leaves < 0) shifted to be non-negative


class CapacityError(AutomathError):
    """More terms or statements than the packed keys can hold.

    >>> isinstance(CapacityError("too many"), AutomathError)
    True
    """


class _Rows:
    """Growable int64/float64 column buffers with a packed-key index (hash-consing)."""

    def __init__(self, ints: tuple[str, ...], floats: tuple[str, ...] = ()) -> None:
        empty = {c: torch.empty(0, dtype=torch.int64) for c in ints}
        empty.update({c: torch.empty(0, dtype=torch.float64) for c in floats})
        self._cols, self._index = Columns(empty), SortedRuns()

    def __len__(self) -> int:
        return len(self._cols)

    def __getitem__(self, col: str) -> torch.Tensor:
        return self._cols[col]

    def lookup(self, keys: torch.Tensor) -> torch.Tensor:
        """Ids of rows with these keys, or -1."""
        found = torch.full_like(keys, -1)
        for hit, ids in self._index.hits(keys):
            found[hit] = ids
        return found

    def intern(self, keys: torch.Tensor, rows: dict[str, torch.Tensor]) -> torch.Tensor:
        """Ids of rows with these keys, appending the missing ones (first occurrence wins)."""
        found = self.lookup(keys)
        miss = (found < 0).nonzero().squeeze(1)
        if miss.numel():
            uniq, inv, first = first_occurrences(keys[miss])
            start = self.append({c: v[miss[first]] for c, v in rows.items()}, len(uniq))
            self._index.add(uniq, torch.arange(start, start + len(uniq)))
            found[miss] = start + inv
        return found

    def append(self, rows: dict[str, torch.Tensor], m: int) -> int:
        """Append ``m`` rows (missing columns: zeros); returns the first new row."""
        start = self._cols.append(rows, m)
        if len(self) > _MAX:
            raise CapacityError(f"more than {_MAX} rows; lower max_size or the budget")
        return start


def _pack(a: torch.Tensor, b: torch.Tensor, c: torch.Tensor) -> torch.Tensor:
    return ((a + _OFF) << 2 * _BITS) | ((b + 1) << _BITS) | (c + 1)


class Terms:
    """Hash-consed terms: constructor codes >= 0, leaves ``-1 - symbol``; variables ``?k``.

    >>> t = Terms(["mul"], [2], {"x": 0.5})
    >>> x = t.leaf(Term("var", token="x")); xx = t.make(0, x, x)
    >>> t.to_term(xx), int(t.rows["size"][xx])
    (Term(op='mul', args=(Term(op='var', args=(), token='x'), \
Term(op='var', args=(), token='x')), token=None), 3)
    """

    def __init__(self, ops: list[str], arity: list[int], logw: dict[str, float],
                 op_weight: float = 0.5) -> None:
        self.ops, self.arity, self.symbols = ops, arity, []
        self._sym: dict[Term, int] = {}
        self._logw, self._logop = logw, math.log(op_weight)
        self.rows = _Rows(("code", "left", "right", "size", "vmax"), ("logrho",))
        self._memo: dict[int, Term] = {}
        self._subs = torch.empty(0, dtype=torch.int64)
        self._sub_start, self._sub_count = self._subs.clone(), self._subs.clone()

    def leaf(self, term: Term) -> int:
        """The id of a leaf term (a constant, or a variable ``?k``)."""
        if term not in self._sym:
            self._sym[term] = len(self.symbols)
            self.symbols.append(term)
        s = self._sym[term]
        var = term.op == "var" and str(term.token).startswith("?")
        vmax = int(str(term.token)[1:]) + 1 if var else 0
        w = self._logw.get(str(term.token if term.op == "var" else term.op), 0.0)
        rows = {"code": _t(-1 - s), "left": _t(-1), "right": _t(-1), "size": _t(1),
                "vmax": _t(vmax), "logrho": torch.tensor([w], dtype=torch.float64)}
        before = len(self.rows)
        tid = int(self.rows.intern(_pack(rows["code"], rows["left"], rows["right"]), rows)[0])
        if len(self.rows) > before:
            self._index_subterms(torch.tensor([tid]))
        return tid

    def make(self, code: int | torch.Tensor, left: int | torch.Tensor,
             right: int | torch.Tensor) -> torch.Tensor | int:
        """Ids of ``op(left, right)`` (right = -1 for unary ops), vectorized."""
        scalar = isinstance(left, int)
        left, right = torch.as_tensor(left).reshape(-1), torch.as_tensor(right).reshape(-1)
        right, code = right.expand_as(left), torch.as_tensor(code).expand_as(left)
        r = self.rows
        has = right >= 0
        rr = right.clamp(min=0)
        rows = {"code": code, "left": left, "right": right,
                "size": self.size_of(code, left, right),
                "vmax": torch.maximum(r["vmax"][left], torch.where(has, r["vmax"][rr], 0)),
                "logrho": self._logop + r["logrho"][left]
                + torch.where(has, r["logrho"][rr], 0.0)}
        before = len(r)
        ids = r.intern(_pack(code, left, right), rows)
        if len(r) > before:
            self._index_subterms(torch.arange(before, len(r)))
        return int(ids[0]) if scalar else ids

    def _index_subterms(self, new: torch.Tensor) -> None:
        """Record the distinct subterms of new terms (children are indexed before parents)."""
        r = self.rows
        kids = torch.stack([r["left"][new], r["right"][new]], 1).reshape(-1)
        start, count, has = torch.zeros_like(kids), torch.zeros_like(kids), kids >= 0
        start[has], count[has] = self._sub_start[kids[has]], self._sub_count[kids[has]]
        g, pos = _ranges(start, count)
        group = torch.cat([torch.arange(len(new)), g // 2])
        subs = torch.cat([new, self._subs[pos]])
        keys = torch.unique(group * (len(r) + 1) + subs)
        group, subs = keys // (len(r) + 1), keys % (len(r) + 1)
        counts = torch.bincount(group, minlength=len(new))
        n = self._subs.shape[0]
        self._subs = torch.cat([self._subs, subs])
        self._sub_start = torch.cat([self._sub_start, n + torch.cumsum(counts, 0) - counts])
        self._sub_count = torch.cat([self._sub_count, counts])

    def subterms(self, tids: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(row, subterm) pairs: every distinct subterm of each ``tids[row]``."""
        row, pos = _ranges(self._sub_start[tids], self._sub_count[tids])
        return row, self._subs[pos]

    def replace(self, t: torch.Tensor, c: torch.Tensor, d: torch.Tensor) -> torch.Tensor:
        """Each ``t`` with every occurrence of ``c`` replaced by ``d`` (rowwise, batched)."""
        out, r = torch.where(t == c, d, t), self.rows
        inner = ((t != c) & (r["code"][t] >= 0)).nonzero().squeeze(1)
        if inner.numel():
            ti, ci, di = t[inner], c[inner], d[inner]
            kids = [self.replace(r[s][ti].clamp(min=0), ci, di) for s in ("left", "right")]
            right = torch.where(r["right"][ti] >= 0, kids[1], -1)
            out[inner] = self.make(r["code"][ti], kids[0], right)
        return out

    def occurrences(self, t: torch.Tensor, c: torch.Tensor) -> torch.Tensor:
        """How often ``c`` occurs in ``t`` (rowwise, batched)."""
        out, r = (t == c).long(), self.rows
        inner = ((t != c) & (r["code"][t] >= 0)).nonzero().squeeze(1)
        if inner.numel():
            ti, ci = t[inner], c[inner]
            sub = [torch.where(r[s][ti] >= 0, self.occurrences(r[s][ti].clamp(min=0), ci), 0)
                   for s in ("left", "right")]
            out[inner] = sub[0] + sub[1]
        return out

    def size_of(self, code: int, left: torch.Tensor, right: torch.Tensor) -> torch.Tensor:
        """Sizes ``op(left, right)`` would have, without building it."""
        s = self.rows["size"]
        return 1 + s[left] + torch.where(right >= 0, s[right.clamp(min=0)], 0)

    def from_term(self, term: Term, var_index: dict[str, int] | None = None) -> int:
        """Intern a term; names in ``var_index`` become variables ``?k``."""
        var_index = var_index or {}
        if not term.args:
            if term.op == "var" and term.token in var_index:
                return self.leaf(Term("var", token=f"?{var_index[term.token]}"))
            return self.leaf(term)
        kids = [self.from_term(a, var_index) for a in term.args] + [-1]
        return self.make(self.ops.index(term.op), kids[0], kids[1])

    def to_term(self, tid: int) -> Term:
        """The term with id ``tid``."""
        if tid not in self._memo:
            code = int(self.rows["code"][tid])
            if code < 0:
                self._memo[tid] = self.symbols[-1 - code]
            else:
                kids = (int(self.rows["left"][tid]), int(self.rows["right"][tid]))
                args = tuple(self.to_term(k) for k in kids[: self.arity[code]])
                self._memo[tid] = Term(self.ops[code], args)
        return self._memo[tid]

    def substitute(self, tid: int, ts: torch.Tensor, memo: dict) -> torch.Tensor:
        """``tid`` with ``?0 := ts`` (a batch of closed terms) and ``?k -> ?(k-1)``."""
        if tid in memo:
            return memo[tid]
        r = self.rows
        code, vmax = int(r["code"][tid]), int(r["vmax"][tid])
        if vmax == 0:
            out = torch.full_like(ts, tid)
        elif code < 0:
            k = vmax - 1
            out = ts if k == 0 else torch.full_like(ts, self.leaf(Term("var", token=f"?{k-1}")))
        else:
            kids = [self.substitute(int(r[s][tid]), ts, memo) if int(r[s][tid]) >= 0
                    else torch.full_like(ts, -1) for s in ("left", "right")]
            out = self.make(code, kids[0], kids[1])
        memo[tid] = out
        return out

    def count_var0(self, tid: int) -> int:
        """Occurrences of ``?0`` in term ``tid``."""
        code = int(self.rows["code"][tid])
        if code < 0:
            return int(self.symbols[-1 - code] == Term("var", token="?0"))
        kids = (int(self.rows["left"][tid]), int(self.rows["right"][tid]))
        return sum(self.count_var0(k) for k in kids if k >= 0)


def _t(v: int) -> torch.Tensor:
    return torch.tensor([v], dtype=torch.int64)


def _ranges(start: torch.Tensor, count: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """(row, position) for every position in ``[start[row], start[row] + count[row])``."""
    row = torch.repeat_interleave(torch.arange(len(count)), count)
    first = torch.repeat_interleave(start - (torch.cumsum(count, 0) - count), count)
    return row, first + torch.arange(row.shape[0])


def canonical(lhs: Term, rhs: Term, constants: set[Term]) -> tuple[Term, Term, dict[str, int]]:
    """Both sides with variables (leaves not in ``constants``) renamed ``?0, ?1, ...``.

    >>> a, b = Term("var", token="a"), Term("var", token="b")
    >>> canonical(Term("mul", (b, a)), a, set())[2]
    {'b': 0, 'a': 1}
    """
    names: dict[str, int] = {}
    for side in (lhs, rhs):
        for v in side.variables():
            if Term("var", token=v) not in constants:
                names.setdefault(v, len(names))
    return lhs, rhs, names

