"""Equational proofs as weighted elements: statements, proof constructors, derivations.

A problem (see ``_problem``) names a grammar, constants, axioms and an optional goal; its terms
live in ``_terms``.

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
sorted weights and key joins. Provenance unfolds into primitive proof steps (``_Derivation``)
for the checker.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

from automath.core.generate import Hyperedges, check_key_range, edge_keys
from automath.core.index import smallest_per_target
from automath.core.term import Term
from automath.proofs.checker import Step
from automath.proofs.hashcons import Terms, _pack, _Rows, canonical
from automath.proofs.problem import Problem

TERM, PROOF = 0, 1
_Applied = tuple[int, torch.Tensor, torch.Tensor]  # element kind, refs, which are valid


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

    def _add(self, kind: int, ref: torch.Tensor, rule: int, left: int, right: int) -> torch.Tensor:
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
        s["cls"][sids[closed]] = sids[closed]  # placeholder, fixed below
        flip = closed & (lhs != lo)
        if flip.any():
            s["cls"][sids[flip]] = self.add_statements(lo[flip], hi[flip])
        for sid in sids[~closed].tolist():
            back = self.statement(self.terms.to_term(int(s["rhs"][sid])),
                                  self.terms.to_term(int(s["lhs"][sid])))
            s["cls"][sid] = min(sid, back)
        s["logp"][sids] += torch.where(lhs != rhs, math.log(2.0), 0.0)

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
        check_key_range(len(self.elems), len(self.rules))
        masks = self.masks(alive)
        edges = Hyperedges.empty()
        for r, rule in enumerate(self.rules):
            i, j = self._candidates(rule, weights, masks, cutoff / float(rule_w[r]))
            keys = edge_keys(r, i, j)
            fresh = self.seen.lookup(keys) < 0
            edges = edges.cat(self.expand(r, i[fresh], j[fresh]))
            self.seen.intern(keys[fresh], {})
        return edges

    def _candidates(self, rule: Rule, w: torch.Tensor, masks: dict,
                    cutoff: float) -> tuple[torch.Tensor, torch.Tensor]:
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
        idx = idx[smallest_per_target(c[idx], rows["size"][idx])]  # one write per element
        for col in ("rule", "left", "right", "size"):
            e[col][c[idx]] = rows[col][idx]

    def _sides(self, elems: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        ref = self.elems["ref"][elems]
        return self.stmts["lhs"][ref], self.stmts["rhs"][ref]

    def _proofs(self, lhs: torch.Tensor, rhs: torch.Tensor, ok: torch.Tensor) -> _Applied:
        ok = ok & (self.terms.rows["size"][lhs] <= self.max_size) \
            & (self.terms.rows["size"][rhs] <= self.max_size) if lhs.numel() else ok
        sid = torch.full_like(lhs, -1)
        sid[ok] = self.add_statements(lhs[ok], rhs[ok])
        return PROOF, sid, ok

    def _wrap(self, code: int, a: torch.Tensor,
              b: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
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


def _apply_term(sp: ProofSpace, rule: Rule, i: torch.Tensor, j: torch.Tensor) -> _Applied:
    ref = sp.elems["ref"]
    b = ref[j.clamp(min=0)] if rule.arity == 2 else torch.full_like(i, -1)
    tid, ok = sp._wrap(rule.code, ref[i], b)
    return TERM, tid, ok


def _apply_inst(sp: ProofSpace, rule: Rule, i: torch.Tensor, j: torch.Tensor) -> _Applied:
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


def _apply_sym(sp: ProofSpace, rule: Rule, i: torch.Tensor, j: torch.Tensor) -> _Applied:
    lhs, rhs = sp._sides(i)
    return sp._proofs(rhs, lhs, torch.ones_like(i, dtype=bool))


def _apply_trans(sp: ProofSpace, rule: Rule, i: torch.Tensor, j: torch.Tensor) -> _Applied:
    (a, b1), (b2, c) = sp._sides(i), sp._sides(j)
    return sp._proofs(a, c, b1 == b2)


def _apply_refl(sp: ProofSpace, rule: Rule, i: torch.Tensor, j: torch.Tensor) -> _Applied:
    t = sp.elems["ref"][i]
    return sp._proofs(t, t, torch.ones_like(i, dtype=bool))


def _apply_cong(sp: ProofSpace, rule: Rule, i: torch.Tensor, j: torch.Tensor) -> _Applied:
    lhs, rhs = sp._sides(i)
    other = sp.elems["ref"][j.clamp(min=0)] if rule.arity == 2 else torch.full_like(i, -1)
    pairs = [(lhs, other), (rhs, other)] if rule.slot == 0 else [(other, lhs), (other, rhs)]
    (nl, ok1), (nr, ok2) = (sp._wrap(rule.code, a, b) for a, b in pairs)
    return sp._proofs(nl.clamp(min=0), nr.clamp(min=0), ok1 & ok2)


def _apply_rewrite(sp: ProofSpace, rule: Rule, i: torch.Tensor, j: torch.Tensor) -> _Applied:
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


class _Derivation:
    """Unfolds provenance into steps; ``rewrite`` becomes congruence, symmetry, transitivity."""

    def __init__(self, space: ProofSpace, problem: Problem) -> None:
        self.sp, self.steps, self.index = space, [], {}
        n = len(problem.constants)
        self.axiom_of = {g: k for k, g in enumerate(space.generators.tolist()[n:])}

    def steps_for(self, elem: int) -> list[Step]:
        self.visit(elem)
        return self.steps

    def add(self, step: Step) -> int:
        self.steps.append(step)
        return len(self.steps) - 1

    def visit(self, e: int) -> int:
        if e not in self.index:
            sp = self.sp
            rule = int(sp.elems["rule"][e])
            if rule < 0:
                self.index[e] = self.add(Step("axiom", (), (), *sp.sides(e),
                                              axiom=self.axiom_of[e]))
                return self.index[e]
            r = sp.rules[rule]
            kids = [int(sp.elems[c][e]) for c in ("left", "right")][: r.arity]
            prem = tuple(self.visit(k) for k, kind in zip(kids, r.inputs, strict=True)
                         if kind != "term")
            terms = tuple(sp.terms.to_term(int(sp.elems["ref"][k]))
                          for k, kind in zip(kids, r.inputs, strict=True) if kind == "term")
            self.index[e] = (self.rewrite(*prem) if r.kind == "rewrite"
                             else self.add(Step(r.name, prem, terms, *sp.sides(e))))
        return self.index[e]

    def rewrite(self, p: int, q: int) -> int:
        """``a = b`` and ``c = d`` give ``a' = b'`` (``c`` replaced by ``d``)."""
        (a, b), (c, d) = ((self.steps[k].lhs, self.steps[k].rhs) for k in (p, q))
        at, bt = self.chain(a, c, d, q), self.chain(b, c, d, q)
        cur = p
        if at is not None:
            back = self.add(Step("sym", (at,), (), self.steps[at].rhs, a))
            cur = self.add(Step("trans", (back, cur), (), self.steps[back].lhs, b))
        if bt is not None:
            cur = self.add(Step("trans", (cur, bt), (), self.steps[cur].lhs,
                                self.steps[bt].rhs))
        return cur

    def chain(self, t: Term, c: Term, d: Term, q: int) -> int | None:
        """A step proving ``t = t[c := d]`` by congruence, or None if ``c`` is not in ``t``."""
        if t == c:
            return q
        parts = [self.chain(a, c, d, q) for a in t.args]
        args, cur = list(t.args), None
        for k, part in enumerate(parts):
            if part is None:
                continue
            before = Term(t.op, tuple(args))
            args[k] = self.steps[part].rhs
            other = tuple(args[:k] + args[k + 1:])
            step = self.add(Step(f"cong{k}:{t.op}", (part,), other, before,
                                 Term(t.op, tuple(args))))
            cur = step if cur is None else self.add(
                Step("trans", (cur, step), (), self.steps[cur].lhs, self.steps[step].rhs))
        return cur
