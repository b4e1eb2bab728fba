"""Equational proofs as weighted elements: problems, terms, statements, proof constructors.

A problem (``problems/*.toml``) names a grammar, constants, axioms (equations whose other names
are universally quantified variables) and an optional goal over the constants.

Elements are closed terms and proofs. A proof element stands for one oriented statement
``lhs = rhs`` (variables renamed ``?0, ?1, ...`` by first appearance) and keeps its smallest
derivation as provenance, while the hyperedges record every derivation. Each constructor's
validity depends only on the statements it combines, so the evolution over these elements is
exactly the evolution over proof trees pushed forward to oriented statements; a statement's
class then forgets orientation (and renames variables again) for the distribution over
theorems. A statement's own weight is ``ρ(lhs)·ρ(rhs)`` (twice that when the sides differ),
``ρ`` a fixed model of terms: each constant its share of the generator weights, each operator
a factor ``op_weight``.

Constructors: term formation with each grammar operator; ``inst`` (a quantified proof applied
to a closed term fills its first variable); ``sym``; ``trans`` (``a = b``, ``b = c``); ``refl``;
congruence ``cong0:op`` / ``cong1:op`` (both sides into argument 0 / 1 of ``op``, the other
argument a term); and ``rewrite`` (``c = d`` replaces ``c`` by ``d`` on both sides of a proof),
a macro of congruence and transitivity that proofs expand. Hot paths are batched torch ops:
terms, statements and elements are hash-consed by packed int64 keys, candidate pairs come from
sorted weights and key joins.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import torch

from automath._errors import AutomathError, ExpressionError
from automath._generate import Hyperedges
from automath._grammar import Grammar
from automath._store import _KeyIndex
from automath._term import Term

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

TERM, PROOF = 0, 1
_BITS = 24
_MAX = (1 << _BITS) - 2
_OFF = 1 << 13  # codes (ops >= 0, leaves < 0) shifted to be non-negative


SHIPPED = resources.files("automath") / "problems"


class ProblemError(AutomathError):
    """A problem file that does not load: bad TOML, an axiom that does not parse, ...

    >>> str(ProblemError("bad", file="p.toml", line=3))
    'p.toml:3: bad'
    """


@dataclass(frozen=True)
class Problem:
    """Axioms (equations over a grammar), constants, an optional goal and search settings.

    >>> p = Problem.load("monoid-identities")
    >>> p.grammar.name, [c.token for c in p.constants], p.goal_text
    ('monoid', ['e_l', 'e_r'], 'e_l = e_r')
    """

    name: str
    grammar: Grammar
    constants: tuple[Term, ...]
    axioms: tuple[tuple[Term, Term], ...]
    axiom_texts: tuple[str, ...]
    goal: tuple[Term, Term] | None = None
    goal_text: str | None = None
    weights: tuple[float, ...] = ()
    search: dict = field(default_factory=dict)

    @classmethod
    def load(cls, spec: str | Path) -> Problem:
        """A shipped problem by name (see ``shipped_problems()``) or a ``.toml`` file."""
        spec = str(spec)
        path = SHIPPED / f"{spec}.toml" if spec in shipped_problems() else Path(spec)
        if not path.is_file():
            raise ProblemError(f"no problem file {spec!r} and no shipped problem of that name "
                               f"(shipped: {', '.join(shipped_problems())})")
        text = path.read_text()
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as e:
            raise ProblemError(f"bad TOML: {e}", file=str(path)) from None
        return cls.from_dict(data, source=str(path), text=text)

    @classmethod
    def from_dict(cls, data: dict, *, source: str = "<problem>", text: str = "") -> Problem:
        """Build a problem from the fields of a problem file.

        >>> Problem.from_dict({"constants": ["m"], "axioms": ["m*m = m"], "goal": "m = k"})
        Traceback (most recent call last):
        ...
        automath._prove.ProblemError: <problem>: goal 'm = k' uses unknown symbol 'k' \
(constants: m) (at token 'k')
        """
        where = _Where(source, text)
        g = data.get("grammar", "monoid")
        grammar = g if isinstance(g, Grammar) else Grammar.load(where.relative(g))
        _check_arity(grammar, where)
        consts = tuple(_constant(grammar, c, where) for c in where.require(data, "constants"))
        axioms = [_equation(grammar, a, f"axiom {n}", where)
                  for n, a in enumerate(where.require(data, "axioms"), 1)]
        nullary = {t for eq in axioms for side in eq for t in _leaves(side) if t.op != "var"}
        consts += tuple(sorted(nullary - set(consts), key=str))
        goal = data.get("goal")
        goal_eq = _equation(grammar, goal, "goal", where) if goal else None
        if goal_eq:
            _check_known(goal_eq, consts, goal, where)
        weights = _weights(data.get("weights", []), len(consts) + len(axioms), where)
        return cls(str(data.get("name", Path(source).stem)), grammar, consts, tuple(axioms),
                   tuple(data["axioms"]), goal_eq, goal, weights, dict(data.get("search", {})))

    def generator_weights(self) -> list[float]:
        """Initial weights of the generators (constants, then axioms): the file's ``weights``
        or half the mass on constants and half on axioms, each half uniform."""
        if self.weights:
            return list(self.weights)
        nc, na = len(self.constants), len(self.axioms)
        return [0.5 / nc] * nc + [0.5 / na] * na if na else [1.0 / nc] * nc

    def log_constant_weights(self) -> dict[str, float]:
        """Log weight of each constant in the statement model (normalized generator weights)."""
        w = torch.tensor(self.generator_weights()[: len(self.constants)], dtype=torch.float64)
        w = (w / w.sum()).log().tolist()
        names = [str(c.token if c.op == "var" else c.op) for c in self.constants]
        return dict(zip(names, w, strict=True))


def shipped_problems() -> list[str]:
    """Names of the problems shipped with automath.

    >>> shipped_problems()
    ['czech-slovak', 'monoid-identities']
    """
    return sorted(p.name[:-5] for p in SHIPPED.iterdir() if p.name.endswith(".toml"))


class _Where:
    """A problem source: names the file and the line of an offending entry."""

    def __init__(self, source: str, text: str) -> None:
        self.source, self.text = source, text

    def line(self, snippet: str) -> int | None:
        found = [n for n, s in enumerate(self.text.splitlines(), 1) if snippet in s]
        return found[0] if found else None

    def error(self, message: str, snippet: str = "", offset: int | None = None,
              **kw: object) -> ProblemError:
        """An error at ``snippet``'s line (and ``offset`` columns into it) when it is found."""
        line = self.line(snippet) if snippet else None
        if line is None:
            return ProblemError(f"{self.source}: {message}", **kw)
        col = None if offset is None else self.text.splitlines()[line - 1].index(snippet) + offset
        return ProblemError(message, file=self.source, line=line, column=col, **kw)

    def require(self, data: dict, key: str) -> list:
        if not isinstance(data.get(key), list) or not data[key]:
            raise self.error(f"the problem needs a non-empty list {key!r}")
        return data[key]

    def relative(self, spec: str) -> str:
        near = Path(self.source).parent / spec
        return str(near) if spec.endswith(".lark") and near.exists() else spec


def _equation(grammar: Grammar, text: str, what: str, where: _Where) -> tuple[Term, Term]:
    parts = str(text).split("=")
    if len(parts) != 2:
        raise where.error(f"{what} {text!r} is not an equation 'lhs = rhs'", str(text))
    sides = []
    for k, part in enumerate(parts):
        try:
            sides.append(grammar.parse(part))
        except ExpressionError as e:
            col = (e.column or 1) + (len(parts[0]) + 1 if k else 0)
            raise where.error(f"{what} {text!r} does not parse at column {col}: {e.message}",
                              str(text), offset=col, token=e.token) from None
    return sides[0], sides[1]


def _check_arity(grammar: Grammar, where: _Where) -> None:
    for alias, con in grammar.constructors.items():
        if con.arity > 2:
            raise where.error(f"operator {alias!r} of grammar {grammar.name!r} takes "
                              f"{con.arity} arguments; proofs handle at most 2")


def _weights(raw: object, n: int, where: _Where) -> tuple[float, ...]:
    try:
        w = tuple(float(x) for x in raw)  # type: ignore[union-attr]
    except (TypeError, ValueError):
        w = ()
    ok = (not raw) or (len(w) == n and all(x >= 0 and x < float("inf") for x in w) and sum(w))
    if not ok:
        raise where.error(f"weights must be {n} non-negative numbers (constants, then axioms)",
                          "weights")
    return w


def _constant(grammar: Grammar, name: str, where: _Where) -> Term:
    try:
        term = grammar.parse(str(name))
    except ExpressionError:
        term = None
    if term is None or term.args:
        raise where.error(f"constant {name!r} is not a symbol of grammar {grammar.name!r}",
                          str(name))
    return term


def _leaves(term: Term) -> list[Term]:
    return [term] if not term.args else [t for a in term.args for t in _leaves(a)]


def _check_known(eq: tuple[Term, Term], consts: tuple[Term, ...], text: str,
                 where: _Where) -> None:
    for t in _leaves(eq[0]) + _leaves(eq[1]):
        if t not in consts:
            names = ", ".join(str(c.token or c.op) for c in consts)
            raise where.error(f"goal {text!r} uses unknown symbol {t.token or t.op!r} "
                              f"(constants: {names})", text, token=str(t.token or t.op))


class CapacityError(AutomathError):
    """More terms or statements than the packed keys can hold.

    >>> isinstance(CapacityError("too many"), AutomathError)
    True
    """


class _Rows:
    """Growable int64/float64 column buffers with a packed-key index (hash-consing)."""

    def __init__(self, ints: tuple[str, ...], floats: tuple[str, ...] = ()) -> None:
        self._cols = {c: torch.empty(0, dtype=torch.int64) for c in ints}
        self._cols.update({c: torch.empty(0, dtype=torch.float64) for c in floats})
        self.n, self._index = 0, _KeyIndex()

    def __len__(self) -> int:
        return self.n

    def __getitem__(self, col: str) -> torch.Tensor:
        return self._cols[col][: self.n]

    def lookup(self, keys: torch.Tensor) -> torch.Tensor:
        """Ids of rows with these keys, or -1."""
        found = torch.full_like(keys, -1)
        for hit, ids in self._index.candidates(keys):
            found[hit] = ids
        return found

    def intern(self, keys: torch.Tensor, rows: dict[str, torch.Tensor]) -> torch.Tensor:
        """Ids of rows with these keys, appending the missing ones (first occurrence wins)."""
        found = self.lookup(keys)
        miss = (found < 0).nonzero().squeeze(1)
        if miss.numel():
            uniq, inv = torch.unique(keys[miss], return_inverse=True)
            first = torch.full_like(uniq, miss.numel()).scatter_reduce(
                0, inv, torch.arange(miss.numel()), "amin")
            self.append({c: v[miss[first]] for c, v in rows.items()}, len(uniq))
            self._index.add(uniq, torch.arange(self.n - len(uniq), self.n))
            found[miss] = self.n - len(uniq) + inv
        return found

    def append(self, rows: dict[str, torch.Tensor], m: int | None = None) -> None:
        m = next(iter(rows.values())).shape[0] if m is None else m
        for c, col in self._cols.items():
            if col.shape[0] < self.n + m:
                grown = col.new_zeros(max(2 * col.shape[0], self.n + m, 64))
                grown[: self.n] = col[: self.n]
                self._cols[c] = col = grown
            col[self.n:self.n + m] = rows[c] if c in rows else 0
        self.n += m
        if self.n > _MAX:
            raise CapacityError(f"more than {_MAX} rows; lower max_size or the budget")


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

    def make(self, code: int | torch.Tensor, left, right) -> torch.Tensor | int:  # noqa: ANN001
        """Ids of ``op(left, right)`` (right = -1 for unary ops), vectorized."""
        scalar = isinstance(left, int)
        left, right = torch.as_tensor(left).reshape(-1), torch.as_tensor(right).reshape(-1)
        right, code = right.expand_as(left), torch.as_tensor(code).expand_as(left)
        r = self.rows
        has = right >= 0
        rr = right.clamp(min=0)
        rows = {"code": code, "left": left, "right": right,
                "size": 1 + r["size"][left] + torch.where(has, r["size"][rr], 0),
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


@dataclass(frozen=True)
class Rule:
    """A constructor: name, kind (term, inst, sym, trans, refl, cong), input kinds, operator
    code and, for congruence, the argument slot that receives both sides.

    >>> Rule("trans", "trans", ("closed", "closed")).arity
    2
    """

    name: str
    kind: str
    inputs: tuple[str, ...]  # "term", "closed" (closed proof) or "quant" (quantified proof)
    code: int = -1
    slot: int = 0

    @property
    def arity(self) -> int:
        return len(self.inputs)


def make_rules(ops: list[str], arity: list[int], rewrite: bool = True) -> list[Rule]:
    """Term formation per operator, inst, sym, trans, refl, rewrite, and congruence per slot.

    ``rewrite`` (``a = b`` and ``c = d`` give both sides with ``c`` replaced by ``d``) is
    congruence and transitivity in one step; proofs expand it into those steps.

    >>> [r.name for r in make_rules(["mul"], [2])]
    ['mul', 'inst', 'sym', 'trans', 'refl', 'rewrite', 'cong0:mul', 'cong1:mul']
    """
    pairs = list(enumerate(zip(ops, arity, strict=True)))
    rules = [Rule(op, "term", ("term",) * n, c) for c, (op, n) in pairs]
    rules += [Rule("inst", "inst", ("quant", "term")), Rule("sym", "sym", ("closed",)),
              Rule("trans", "trans", ("closed", "closed")), Rule("refl", "refl", ("term",))]
    rules += [Rule("rewrite", "rewrite", ("closed", "closed"))] if rewrite else []
    return rules + [Rule(f"cong{k}:{op}", "cong", ("closed",) + ("term",) * (n - 1), c, k)
                    for c, (op, n) in pairs for k in range(n)]


class ProofSpace:
    """Terms, statements and elements of one problem, with batched generation.

    >>> sp = ProofSpace(Problem.load("monoid-identities"))
    >>> [sp.text(i) for i in sp.generators.tolist()]
    ['e_l', 'e_r', 'e_l * ?0 = ?0', '?0 * e_r = ?0']
    """

    def __init__(self, problem: Problem, *, max_size: int = 7, op_weight: float = 0.5,
                 rewrite: bool = True) -> None:
        self.problem, self.max_size = problem, max_size
        ops = [a for a, c in problem.grammar.constructors.items() if c.arity > 0]
        arity = [problem.grammar.constructors[a].arity for a in ops]
        self.terms = Terms(ops, arity, problem.log_constant_weights(), op_weight)
        self.rules = make_rules(ops, arity, rewrite)
        self.stmts = _Rows(("lhs", "rhs", "vmax", "cls"), ("logp",))
        self.elems = _Rows(("kind", "ref", "rule", "left", "right", "size"))
        self.seen = _Rows(())  # (rule, i, j) already expanded
        self.generators = self._add_generators()

    def _add_generators(self) -> torch.Tensor:
        consts = [self.terms.leaf(c) for c in self.problem.constants]
        ids = self._add(TERM, torch.tensor(consts), -1, -1, -1)
        sids = torch.tensor([self.statement(lhs, rhs) for lhs, rhs in self.problem.axioms],
                            dtype=torch.int64)
        return torch.cat([ids, self._add(PROOF, sids, -1, -1, -1)])

    def _add(self, kind: int, ref: torch.Tensor, rule, left, right) -> torch.Tensor:  # noqa: ANN001
        z = torch.zeros_like(ref)
        rows = {"kind": z + kind, "ref": ref, "rule": z + rule, "left": z + left,
                "right": z + right, "size": z + 1}
        return self.elems.intern((rows["kind"] << 40) | ref, rows)

    def statement(self, lhs: Term, rhs: Term) -> int:
        """The id of the statement ``lhs = rhs`` (non-constant leaves are variables)."""
        lhs, rhs, names = canonical(lhs, rhs, set(self.problem.constants))
        ids = [self.terms.from_term(s, names) for s in (lhs, rhs)]
        return int(self.add_statements(torch.tensor(ids[:1]), torch.tensor(ids[1:]))[0])

    def add_statements(self, lhs: torch.Tensor, rhs: torch.Tensor) -> torch.Tensor:
        """Ids of oriented statements, interned with their class and log statement weight."""
        t = self.terms.rows
        rows = {"lhs": lhs, "rhs": rhs, "vmax": torch.maximum(t["vmax"][lhs], t["vmax"][rhs]),
                "cls": torch.full_like(lhs, -1),
                "logp": t["logrho"][lhs] + t["logrho"][rhs]}
        before = len(self.stmts)
        ids = self.stmts.intern(_pack(torch.zeros_like(lhs), lhs, rhs), rows)
        if len(self.stmts) > before:
            self._classify(torch.arange(before, len(self.stmts)))
        return ids

    def _classify(self, sids: torch.Tensor) -> None:
        """Class of each new statement: its closed orientation ``min = max``, or for a
        quantified one the smaller id of its two canonical orientations."""
        s = self.stmts
        lhs, rhs, vmax = s["lhs"][sids], s["rhs"][sids], s["vmax"][sids]
        lo, hi = torch.minimum(lhs, rhs), torch.maximum(lhs, rhs)
        closed = vmax == 0
        s._cols["cls"][sids[closed]] = sids[closed]  # placeholder, fixed below
        flip = closed & (lhs != lo)
        if flip.any():
            s._cols["cls"][sids[flip]] = self.add_statements(lo[flip], hi[flip])
        for sid in sids[~closed].tolist():
            back = self.statement(self.terms.to_term(int(s["rhs"][sid])),
                                  self.terms.to_term(int(s["lhs"][sid])))
            s._cols["cls"][sid] = min(sid, back)
        s._cols["logp"][sids] += torch.where(lhs != rhs, math.log(2.0), 0.0)

    # ---- generation -------------------------------------------------------------------

    def masks(self, alive: torch.Tensor) -> dict[str, torch.Tensor]:
        """Alive elements of each input kind."""
        e, n = self.elems, len(alive)
        proof = (e["kind"][:n] == PROOF) & alive
        quant = torch.zeros_like(proof)
        quant[proof] = self.stmts["vmax"][e["ref"][:n][proof]] > 0
        return {"term": (e["kind"][:n] == TERM) & alive, "closed": proof & ~quant, "quant": quant}

    def generate(self, weights: torch.Tensor, rule_w: torch.Tensor, cutoff: float,
                 alive: torch.Tensor) -> Hyperedges:
        """Apply every rule to alive parents whose flow ``b_r·w_i·w_j`` passes ``cutoff``,
        skipping (rule, i, j) expanded before; returns the new edges."""
        masks = self.masks(alive)
        edges = Hyperedges.empty()
        for r, rule in enumerate(self.rules):
            i, j = self._candidates(rule, weights, masks, cutoff / float(rule_w[r]))
            keys = Hyperedges(torch.full_like(i, r), i, j, i).keys()
            fresh = self.seen.lookup(keys) < 0
            edges = edges.cat(self.expand(r, i[fresh], j[fresh]))
            self.seen.intern(keys[fresh], {})
        return edges

    def _candidates(self, rule: Rule, w: torch.Tensor, masks: dict, cutoff: float):  # noqa: ANN202
        if rule.kind in ("trans", "rewrite"):
            wc = w * masks["closed"]
            rows = (wc > 0).nonzero().squeeze(1)
            ref = torch.where(masks["closed"], self.elems["ref"][: len(w)], 0)
            lhs, rhs = self.stmts["lhs"][ref], self.stmts["rhs"][ref]
            if rule.kind == "trans":
                return join_pairs(rows, rhs[rows], wc, lhs, wc, cutoff)
            both = torch.cat([lhs[rows], rhs[rows]])
            k, sub = self.terms.subterms(both)
            keys = torch.unique((rows.repeat(2)[k] << 32) | sub)  # (proof, subterm) pairs
            return join_pairs(keys >> 32, keys & 0xFFFFFFFF, wc, lhs, wc * (lhs != rhs), cutoff)
        if rule.arity == 1:
            i = ((w * masks[rule.inputs[0]]) >= cutoff).nonzero().squeeze(1)
            return i, torch.full_like(i, -1)
        return typed_pairs(w * masks[rule.inputs[0]], w * masks[rule.inputs[1]], cutoff)

    def expand(self, r: int, i: torch.Tensor, j: torch.Tensor) -> Hyperedges:
        """Apply rule ``r`` to parent elements ``i`` (and ``j``); record elements and edges."""
        rule = self.rules[r]
        kind, ref, ok = _APPLY[rule.kind](self, rule, i, j)
        i, j, ref = i[ok], j[ok], ref[ok]
        sz = self.elems["size"]
        size = 1 + sz[i] + torch.where(j >= 0, sz[j.clamp(min=0)], 0)
        rows = {"kind": torch.full_like(ref, kind), "ref": ref, "rule": torch.full_like(ref, r),
                "left": i, "right": j, "size": size}
        c = self.elems.intern((rows["kind"] << 40) | ref, rows)
        self._improve(c, rows)
        return Hyperedges(torch.full_like(c, r), i, j, c)

    def _improve(self, c: torch.Tensor, rows: dict[str, torch.Tensor]) -> None:
        """Adopt smaller derivations as provenance (never one that uses the element itself)."""
        e = self.elems
        better = (rows["size"] < e["size"][c]) & (rows["left"] != c) & (rows["right"] != c)
        idx = better.nonzero().squeeze(1)
        idx = idx[torch.argsort(rows["size"][idx], stable=True)]
        idx = idx[torch.argsort(c[idx], stable=True)]  # per element, smallest first
        first = torch.ones_like(idx, dtype=torch.bool)
        first[1:] = c[idx][1:] != c[idx][:-1]
        idx = idx[first]
        for col in ("rule", "left", "right", "size"):
            e._cols[col][c[idx]] = rows[col][idx]

    def _sides(self, elems: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        ref = self.elems["ref"][elems]
        return self.stmts["lhs"][ref], self.stmts["rhs"][ref]

    def _proofs(self, lhs: torch.Tensor, rhs: torch.Tensor, ok: torch.Tensor):  # noqa: ANN202
        ok = ok & (self.terms.rows["size"][lhs] <= self.max_size) \
            & (self.terms.rows["size"][rhs] <= self.max_size) if lhs.numel() else ok
        sid = torch.full_like(lhs, -1)
        sid[ok] = self.add_statements(lhs[ok], rhs[ok])
        return PROOF, sid, ok

    def _wrap(self, code: int, a: torch.Tensor, b: torch.Tensor):  # noqa: ANN202
        """``op(a, b)`` where it fits in ``max_size`` (else -1), and the fit mask."""
        ok = self.terms.size_of(code, a, b) <= self.max_size
        out = torch.full_like(a, -1)
        out[ok] = self.terms.make(code, a[ok], b[ok])
        return out, ok

    # ---- reading back -----------------------------------------------------------------

    def find(self, lhs: Term, rhs: Term) -> int:
        """The proof element of ``lhs = rhs`` (this orientation), or -1."""
        sid = self.statement(lhs, rhs)
        return int(self.elems.lookup(torch.tensor([(PROOF << 40) | sid]))[0])

    def sides(self, elem: int) -> tuple[Term, Term]:
        """The two sides of proof element ``elem`` as terms (variables ``?k``)."""
        sid = int(self.elems["ref"][elem])
        return tuple(self.terms.to_term(int(self.stmts[s][sid])) for s in ("lhs", "rhs"))

    def text(self, elem: int) -> str:
        """An element printed in the problem's grammar."""
        fmt = self.problem.grammar.format
        if int(self.elems["kind"][elem]) == TERM:
            return fmt(self.terms.to_term(int(self.elems["ref"][elem])))
        return " = ".join(fmt(s) for s in self.sides(elem))

    def statement_classes(self) -> torch.Tensor:
        """For each element: its statement class if it proves a closed statement, else -1."""
        e, s = self.elems, self.stmts
        ref = e["ref"]
        cls = s["cls"][ref.clamp(max=len(s) - 1)]
        closed = (e["kind"] == PROOF) & (s["vmax"][ref.clamp(max=len(s) - 1)] == 0)
        return torch.where(closed, cls, -1)


def _apply_term(sp: ProofSpace, rule: Rule, i, j):  # noqa: ANN001, ANN202
    ref = sp.elems["ref"]
    b = ref[j.clamp(min=0)] if rule.arity == 2 else torch.full_like(i, -1)
    tid, ok = sp._wrap(rule.code, ref[i], b)
    return TERM, tid, ok


def _apply_inst(sp: ProofSpace, rule: Rule, i, j):  # noqa: ANN001, ANN202
    sid, t = sp.elems["ref"][i], sp.elems["ref"][j]
    lhs, rhs, ok = torch.full_like(i, -1), torch.full_like(i, -1), torch.zeros_like(i, dtype=bool)
    for s in torch.unique(sid).tolist():
        at = (sid == s).nonzero().squeeze(1)
        sides = [int(sp.stmts[c][s]) for c in ("lhs", "rhs")]
        tsz = sp.terms.rows["size"][t[at]]
        fits = torch.ones_like(at, dtype=bool)
        for side in sides:
            base = int(sp.terms.rows["size"][side])
            fits &= base + sp.terms.count_var0(side) * (tsz - 1) <= sp.max_size
        at, memo = at[fits], {}
        lhs[at], rhs[at] = (sp.terms.substitute(side, t[at], memo) for side in sides)
        ok[at] = True
    return sp._proofs(lhs, rhs, ok)


def _apply_sym(sp: ProofSpace, rule: Rule, i, j):  # noqa: ANN001, ANN202
    lhs, rhs = sp._sides(i)
    return sp._proofs(rhs, lhs, torch.ones_like(i, dtype=bool))


def _apply_trans(sp: ProofSpace, rule: Rule, i, j):  # noqa: ANN001, ANN202
    (a, b1), (b2, c) = sp._sides(i), sp._sides(j)
    return sp._proofs(a, c, b1 == b2)


def _apply_refl(sp: ProofSpace, rule: Rule, i, j):  # noqa: ANN001, ANN202
    t = sp.elems["ref"][i]
    return sp._proofs(t, t, torch.ones_like(i, dtype=bool))


def _apply_cong(sp: ProofSpace, rule: Rule, i, j):  # noqa: ANN001, ANN202
    lhs, rhs = sp._sides(i)
    other = sp.elems["ref"][j.clamp(min=0)] if rule.arity == 2 else torch.full_like(i, -1)
    pairs = [(lhs, other), (rhs, other)] if rule.slot == 0 else [(other, lhs), (other, rhs)]
    (nl, ok1), (nr, ok2) = (sp._wrap(rule.code, a, b) for a, b in pairs)
    return sp._proofs(nl.clamp(min=0), nr.clamp(min=0), ok1 & ok2)


def _apply_rewrite(sp: ProofSpace, rule: Rule, i, j):  # noqa: ANN001, ANN202
    (a, b), (c, d) = sp._sides(i), sp._sides(j)
    size = sp.terms.rows["size"]
    grow = size[d] - size[c]
    ok = (size[a] + sp.terms.occurrences(a, c) * grow <= sp.max_size) \
        & (size[b] + sp.terms.occurrences(b, c) * grow <= sp.max_size)
    lhs, rhs = torch.full_like(a, -1), torch.full_like(b, -1)
    lhs[ok], rhs[ok] = (sp.terms.replace(t[ok], c[ok], d[ok]) for t in (a, b))
    return sp._proofs(lhs.clamp(min=0), rhs.clamp(min=0), ok)


_APPLY = {"term": _apply_term, "rewrite": _apply_rewrite, "inst": _apply_inst, "sym": _apply_sym,
          "trans": _apply_trans, "refl": _apply_refl, "cong": _apply_cong}


def typed_pairs(wl: torch.Tensor, wr: torch.Tensor,
                cutoff: float) -> tuple[torch.Tensor, torch.Tensor]:
    """All (i, j) with ``wl[i]·wr[j] >= cutoff`` (both positive), vectorized.

    >>> i, j = typed_pairs(torch.tensor([.5, 0, .1]), torch.tensor([0, .4, .2]), .04)
    >>> sorted(zip(i.tolist(), j.tolist()))
    [(0, 1), (0, 2), (2, 1)]
    """
    li = (wl > 0).nonzero().squeeze(1)
    ws, order = torch.sort(wr, descending=True)
    order = order[ws > 0]
    ws = ws[ws > 0]
    counts = torch.searchsorted(-ws, -(cutoff / wl[li]), right=True)
    return _expand_counts(li, counts, order, torch.zeros_like(counts))


def join_pairs(rows: torch.Tensor, row_keys: torch.Tensor, wl: torch.Tensor,
               keys: torch.Tensor, wr: torch.Tensor,
               cutoff: float) -> tuple[torch.Tensor, torch.Tensor]:
    """All (rows[k], j) with ``row_keys[k] == keys[j]`` and ``wl[rows[k]]·wr[j] >= cutoff``.

    >>> w, lhs, rhs = torch.tensor([.5, .5, .01]), torch.tensor([0, 1, 1]), torch.tensor([1, 2, 0])
    >>> [t.tolist() for t in join_pairs(torch.arange(3), rhs, w, lhs, w, .1)]
    [[0], [1]]
    """
    ids = (wr > 0).nonzero().squeeze(1)
    comp, order = torch.sort(keys[ids].double() + (1 - wr[ids]))  # by key, heavier first
    order = ids[order]
    need = (cutoff / wl[rows]).clamp(max=2.0)
    start = torch.searchsorted(comp, row_keys.double(), right=False)
    end = torch.searchsorted(comp, row_keys.double() + (1 - need), right=True)
    return _expand_counts(rows, (end - start).clamp(min=0), order, start)


def _expand_counts(rows: torch.Tensor, counts: torch.Tensor, order: torch.Tensor,
                   start: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    r = torch.repeat_interleave(rows, counts)
    offset = torch.arange(r.shape[0]) - torch.repeat_interleave(torch.cumsum(counts, 0) - counts,
                                                               counts)
    return r, order[torch.repeat_interleave(start, counts) + offset]
