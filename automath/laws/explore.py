"""Law discovery: enumerate terms by size, conjecture laws from fingerprint merges, verify, prune.

Terms over the grammar's constructors, with variables and constants as atoms, are built size by
size from class representatives (``expand`` on all pairs whose sizes add up), deduplicated by
fingerprint in a ``Store``. Every candidate that merges into an existing class is a conjectured
law ``candidate = representative``. Laws are verified exactly where a decision procedure exists
(sympy for ring and field laws, truth tables for Booleans, all weak orderings of the variables
for min/max) and pruned to a minimal set with the congruence closure of ``automath.laws.prover``.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import torch

from automath.core.errors import SemanticsError
from automath.core.generate import Hyperedges, expand
from automath.core.grammar import Grammar
from automath.core.semantics import Semantics
from automath.core.sidecar import semantics_for
from automath.core.store import Store
from automath.core.term import Term
from automath.core.threads import torch_threads
from automath.laws.poly import base
from automath.laws.prover import law_coverage, minimize, prune
from automath.laws.signature import Signature
from automath.laws.universe import Law, Universe
from automath.laws.verify import ExploreError, Verifier, sample_kind
from automath.laws.weights import learn_weights

KIND_PREFERENCE = ("modp", "int", "bool", "perm", "real")  # the first kind with every kernel
DEFAULT_MEMORY = 2 * 2**30
DEFAULT_VARS = ("x", "y", "z")


def explore(grammar: str | Path | Grammar, *, vars: Sequence[str] | None = None,
            size: int = 7, kind: str | None = None, constants: Sequence[str] | None = None,
            ops: Sequence[str] | None = None, semantics: Semantics | str | Path | None = None,
            timeout: float = 5.0, weights: bool = True, k: int = 16, seed: int = 0,
            max_memory: int = DEFAULT_MEMORY, slack: int = 2, reach: int = 2,
            background: Sequence[str] | None = None, conditions: bool = True,
            max_time: float | None = None, stats: Stats | None = None) -> list[Law]:
    """The equational laws of a grammar's operators up to ``size``: verified, pruned, weighted.

    ``kind`` is a name ``make_kind`` knows (``real``, ``nat``, ``mod:6``, ``perm:3``,
    ``bits:8``, …); it defaults to the semantics file's ``kind``, else to the first of
    modp, int, bool, perm, real with a kernel for every operator. ``semantics`` is a table,
    a semantics file (``automath.core.sidecar``), or None: the file beside the grammar
    (``<grammar>.semantics.toml``) if there is one, else the built-in table. ``constants``
    to the grammar's nullary constructors plus 0 and 1 where it has numerals; ``ops`` to
    every constructor. ``timeout`` bounds each sympy proof (seconds).
    With ``weights`` (the default) each law counts the enumerated equations that depend on it
    (``generates``, from ``law_coverage``) and gets a weight, summing to 1 over the laws, learned
    by the differentiable evolution with laws and those equations as elements so that the laws
    cover the theory evenly (``automath.laws.weights``); ``weights=False`` leaves weights 0
    (it saves the ``law_coverage`` saturations). The prover works on terms up to ``size + slack``,
    matching inner patterns up to ``reach`` larger than a class's smallest term; ``k``, ``seed``
    set the fingerprint samples; a size whose terms would need more than ``max_memory`` bytes
    is refused. Smallest laws first; a law's sides print in the grammar's syntax.
    ``background`` names operators whose laws are known (staged exploration): a law using
    only them (variables and numerals aside) is not returned, but still prunes the others.
    With ``conditions`` (the default) and predicates in the semantics file, conditional laws
    ``p(x, y) => lhs = rhs`` follow the equations (``automath.laws.conditional``).
    ``max_time`` (seconds, None: no limit) is checked between enumeration levels and between
    the laws being verified: past it the search stops with the laws verified so far, over
    the sizes fully enumerated (``stats.stopped`` says so); every law returned is still
    verified, some may be redundant.

    >>> for law in explore("semiring", vars="xy", size=3):
    ...     print(law, "|", law.verified, "|", law.generates, f"{law.weight:.3f}")
    x + 0 = x | proved: sympy | 7 0.264
    x * 1 = x | proved: sympy | 5 0.203
    x * 0 = 0 | proved: sympy | 5 0.203
    x + y = y + x | proved: sympy | 6 0.212
    x * y = y * x | proved: sympy | 5 0.117
    """
    if size < 1:
        raise ExploreError(f"size must be at least 1, got {size}")
    sig = signature(grammar, vars=vars, kind=kind, constants=constants, ops=ops,
                    semantics=semantics, k=k, seed=seed)
    return run(sig, size, timeout=timeout, weights=weights, max_memory=max_memory,
               slack=slack, reach=reach, background=background, conditions=conditions,
               max_time=max_time, stats=stats)


def run(sig: Signature, size: int, *, timeout: float = 5.0, weights: bool = True,
        max_memory: int = DEFAULT_MEMORY, slack: int = 2, reach: int = 2,
        background: Sequence[str] | None = None, conditions: bool = True,
        max_time: float | None = None, stats: Stats | None = None) -> list[Law]:
    """Explore a resolved signature (see ``explore``); fills ``stats`` when given.

    Laws have sides of size at most ``size``; the prover works on terms up to ``size + slack``.
    """
    stats = stats if stats is not None else Stats()
    known = background_ops(sig, background)
    deadline = Deadline(max_time)
    with torch_threads(1):  # small tensor ops run fastest on one thread
        return _run(sig, size, timeout, weights, max_memory, slack, reach, stats, known,
                    conditions, deadline)


def _run(sig: Signature, size: int, timeout: float, weights: bool, max_memory: int,
         slack: int, reach: int, stats: Stats, known: frozenset[str] | None,
         conditions: bool, deadline: Deadline) -> list[Law]:
    clock, names = _Clock(), tuple(str(v.token) for v in sig.variables)
    store, atoms, edges, done = enumerate_within(sig, size + slack, max_memory,
                                                 deadline.share(0.4))
    if done < size + slack:  # stopped at the budget: the sizes fully enumerated
        stats.stopped = f"time: enumerated up to size {done}"
        size = max(1, done - slack)
    u = Universe(store, atoms, edges, done, reach)
    cands = u.candidates()
    cands = cands[u.size[cands] <= size]
    order, tier = law_order(u, cands, _law_masks(u, names))
    clock.lap("enumerate")
    kept, refuted = prune(u, order, tier, Verifier(sig, timeout), deadline=deadline)
    clock.lap("prune")
    if deadline.passed():
        stats.stopped = stats.stopped or "time: while verifying laws"
    else:
        kept = minimize(u, _staged(kept, known), u.size <= size)
    clock.lap("minimize")
    w, gen = [0.0] * len(kept), [0] * len(kept)
    if weights and not deadline.passed():
        cover = law_coverage(u, [k[:2] for k in kept], u.size <= size)
        w, gen = learn_weights(cover).tolist(), [int(c.numel()) for c in cover]
    clock.lap("weights")
    stats.classes, stats.candidates, stats.conjectures = len(store), len(u), int(order.shape[0])
    stats.kept, stats.refuted, stats.seconds = len(kept), len(refuted), clock.laps
    laws = [_present(sig, lhs, rhs, v, wi, gi)
            for (lhs, rhs, v), wi, gi in zip(kept, w, gen, strict=True)
            if not _is_known(lhs, rhs, known)]
    stats.background = len(kept) - len(laws)
    laws = sorted(laws, key=lambda law: (law.size, law.lhs.size + law.rhs.size))
    if conditions and sig.semantics.predicates and not deadline.passed():
        from automath.laws.conditional import conditional_laws
        laws += conditional_laws(sig, u, size, Verifier(sig, timeout))
        clock.lap("conditional")
    return laws


def background_ops(sig: Signature, background: Sequence[str] | None) -> frozenset[str] | None:
    """The background operators, checked against the signature (None: no background).

    >>> sorted(background_ops(signature("ring"), "add,neg"))
    ['add', 'neg']
    """
    if background is None:
        return None
    have = set(sig.ops) | {c.op for c in sig.constants}
    ops = frozenset(o.strip() for o in _split(background) if o.strip())
    for op in sorted(ops - have):
        raise ExploreError(f"background operator {op!r} is not in the signature (it has: "
                           f"{', '.join(sorted(have))})", token=op)
    return ops


def _uses_only(term: Term, ops: frozenset[str]) -> bool:
    """True when every operator of ``term`` is in ``ops`` (variables and numerals are)."""
    return term.op in ("var", "num") or (
        base(term).op in ops and all(_uses_only(a, ops) for a in term.args))


def _is_known(lhs: Term, rhs: Term, known: frozenset[str] | None) -> bool:
    return known is not None and _uses_only(lhs, known) and _uses_only(rhs, known)


def _staged(kept: list, known: frozenset[str] | None) -> list:
    """Kept laws with the background ones last, so ``minimize`` drops a new law that the
    background (and the other new laws) derive before it drops a background law."""
    if known is None:
        return kept
    return ([k for k in kept if not _is_known(*k[:2], known)]
            + [k for k in kept if _is_known(*k[:2], known)])


class _Clock:
    def __init__(self) -> None:
        self.t, self.laps = time.perf_counter(), {}

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.laps[name], self.t = now - self.t, now


def _law_masks(u: Universe, names: Sequence[str]) -> torch.Tensor:
    """Per node: the variables of its law (node term and class representative)."""
    cm = _var_masks(u.store, names)
    e = u.edges
    apps = cm[e.i] | torch.where(e.j >= 0, cm[e.j.clamp(min=0)], 0)
    return torch.cat([cm[u.atoms], apps]) | cm[u.cls]


def _present(sig: Signature, lhs: Term, rhs: Term, verified: str, weight: float,
             generates: int) -> Law:
    """A law with variables renamed in order of appearance, printed in the grammar's syntax."""
    names = [str(v.token) for v in sig.variables]
    seen = list(dict.fromkeys(lhs.variables() + rhs.variables()))
    sort = getattr(sig.kind, "var_sorts", dict.fromkeys(names, ""))
    free = {s: [v for v in names if sort[v] == s] for s in set(sort.values())}
    mapping = {v: free[sort[v]].pop(0) for v in seen}  # in order of appearance, per sort
    lhs, rhs = base(rename(lhs, mapping)), base(rename(rhs, mapping))
    g = sig.grammar
    return Law(lhs, rhs, g.format(lhs), g.format(rhs), verified, weight, generates,
               sig.semantics)


def rename(term: Term, mapping: dict[str, str]) -> Term:
    """Rename variables of a term.

    >>> str(rename(Term("add", (Term("var", token="y"), Term("var", token="x"))),
    ...            {"x": "y", "y": "x"}))
    'add(x, y)'
    """
    if term.op == "var":
        return replace(term, token=mapping.get(str(term.token), term.token))
    return replace(term, args=tuple(rename(a, mapping) for a in term.args))


def signature(grammar: str | Path | Grammar, *, vars: Sequence[str] | None = None,
              kind: str | None = None, constants: Sequence[str] | None = None,
              ops: Sequence[str] | None = None, semantics: Semantics | str | Path | None = None,
              k: int = 16, seed: int = 0) -> Signature:
    """Resolve a grammar, operators, variables and constants into a checked signature.

    >>> s = signature("semiring")
    >>> s.ops, s.kind.name, [str(c) for c in s.constants]
    (('add', 'mul'), 'modp', ['0', '1'])
    """
    g = grammar if isinstance(grammar, Grammar) else Grammar.load(grammar)
    sem = semantics_for(g, semantics)
    ops = _ops(g, ops)
    consts = tuple(_constants(g, constants))
    need = ops + tuple(c.op for c in consts if c.op not in g.atoms)
    if sem.typing is not None:
        from automath.laws.typed import typed_parts
        kobj, sem, names = typed_parts(sem, need, vars, kind, k, seed)
        names = _variables(g, names)
        many = sem.typing["variants"]  # a polymorphic constant: one atom per instance
        consts = tuple(replace(c, op=v) for c in consts for v in many.get(c.op, [c.op]))
    else:
        kname = kind or sem.kind or _default_kind(need, sem, g)
        names = _variables(g, DEFAULT_VARS if vars is None else vars)
        kobj = sample_kind(kname, k, seed, names)
    for op in need:
        sem.kernel(op, kobj.family)  # an operator with no kernel for the kind: a clear error
    return Signature(g, ops, tuple(Term("var", token=v) for v in names), consts, kobj, sem)


def _ops(g: Grammar, ops: Sequence[str] | None) -> tuple[str, ...]:
    have = {a: c.arity for a, c in g.constructors.items()}
    chosen = tuple(a for a, n in have.items() if n > 0) if ops is None else tuple(
        o.strip() for o in _split(ops) if o.strip())
    for op in chosen:
        if op not in have:
            raise ExploreError(f"grammar {g.name!r} has no constructor {op!r} "
                               f"(it has: {', '.join(have)})", token=op)
        if have[op] > 2:
            raise ExploreError(f"constructor {op!r} takes {have[op]} arguments; explore "
                               "handles arities 1 and 2", token=op)
    return tuple(op for op in chosen if have[op] > 0)


def _constants(g: Grammar, constants: Sequence[str] | None) -> Iterator[Term]:
    if constants is None:
        yield from (Term(a) for a, c in g.constructors.items() if c.arity == 0)
        if "num" in g.atoms:
            yield from (Term("num", token=t) for t in ("0", "1"))
        return
    for text in (c for c in _split(constants) if str(c).strip()):
        t = g.parse(str(text))
        if t.args or t.op == "var":
            raise ExploreError(f"constant {text!r} is not a constant of grammar {g.name!r}",
                               token=str(text))
        yield t


def _split(items: str | Sequence[str], chars: bool = False) -> list[str]:
    """A list from a sequence, or from comma-separated text (``chars``: "xyz" is x, y, z)."""
    if isinstance(items, str):
        return list(items) if chars and "," not in items else items.split(",")
    return list(items)


def _variables(g: Grammar, names: Sequence[str]) -> tuple[str, ...]:
    names = tuple(str(v).strip() for v in _split(names, chars=True) if str(v).strip())
    if len(set(names)) != len(names):
        raise ExploreError(f"variables {list(names)} repeat a name")
    for v in names:
        t = g.parse(v)
        if t.op != "var":
            raise ExploreError(f"{v!r} is not a variable name in grammar {g.name!r}", token=v)
    return names


def _default_kind(ops: Sequence[str], sem: Semantics, g: Grammar) -> str:
    for kname in KIND_PREFERENCE:
        if all(op in sem and kname in sem[op].kernels for op in ops):
            return kname
    bad = [op for op in ops if op not in sem]
    if bad:
        sem.kernel(bad[0], "real")  # raises: no semantics at all
    raise SemanticsError(f"no value kind has kernels for all of {list(ops)} in grammar "
                         f"{g.name!r}; choose one with kind=...")


@dataclass
class Stats:
    """Counts and timings of one exploration."""

    classes: int = 0
    candidates: int = 0
    conjectures: int = 0
    kept: int = 0
    refuted: int = 0
    background: int = 0  # laws among the background operators, not returned
    seconds: dict | None = None
    stopped: str | None = None  # why the search stopped early (None: it did not)


def enumerate_terms(sig: Signature, size: int, max_memory: int = DEFAULT_MEMORY,
                    ) -> tuple[Store, torch.Tensor, Hyperedges]:
    """Every term up to ``size`` built from class representatives; returns (store, atoms, edges).

    >>> store, atoms, edges = enumerate_terms(signature("semiring"), 3)
    >>> len(atoms), len(store), len(edges)  # x+0 = x, x*1 = x, ... merge into old classes
    (5, 21, 50)
    """
    return enumerate_within(sig, size, max_memory)[:3]


def enumerate_within(sig: Signature, size: int, max_memory: int = DEFAULT_MEMORY,
                     deadline: Deadline | None = None,
                     ) -> tuple[Store, torch.Tensor, Hyperedges, int]:
    """``enumerate_terms`` that stops before a level it expects to end past ``deadline``
    (a level is guessed to take the last one's time times the last growth, at least 2×); the
    fourth value is the size reached.

    >>> enumerate_within(signature("semiring"), 3, deadline=Deadline(0))[3]
    1
    """
    store = Store(sig.kind, sig.semantics, sig.ops)
    atoms = torch.unique(store.add_atoms(list(sig.atoms)))
    if bool((atoms < 0).any()):
        raise ExploreError("an atom has no valid value in this kind (NaN, inf or overflow)")
    by_size, edges, took = {1: atoms}, Hyperedges.empty(), [0.0, 0.0]
    for s in range(2, size + 1):
        growth = took[-1] / took[-2] if took[-2] > 0.05 else 2.0  # tiny levels: no trend
        guess = took[-1] * max(2.0, growth)
        if deadline is not None and not deadline.affords(guess):
            return store, atoms, edges, s - 1
        begin = time.monotonic()
        plans = [_plan(_of_sorts(by_size, store, sig, r), s, int(store.arity[r]))
                 for r in range(len(sig.ops))]
        _check_memory(sig, s, sum(p[0].shape[0] for p in plans), len(edges), max_memory)
        start = len(store)
        for r, (left, right) in enumerate(plans):
            new = expand(store, r, left, right)
            if left.shape[0] > len(new):  # some terms were dropped: overflow or undefined?
                _check_overflow(store, sig, s, r, left, right)
            edges = edges.cat(new)
        by_size[s] = torch.arange(start, len(store))
        took.append(time.monotonic() - begin)
    return store, atoms, edges, size


class Deadline:
    """A wall-clock limit (``None`` seconds: none), asked between units of work.

    >>> Deadline(None).passed(), Deadline(0).passed()
    (False, True)
    """

    def __init__(self, seconds: float | None) -> None:
        self.start, self.seconds = time.monotonic(), seconds
        self.at = None if seconds is None else self.start + seconds

    def passed(self) -> bool:
        """Whether the limit has passed."""
        return self.at is not None and time.monotonic() >= self.at

    def share(self, fraction: float) -> Deadline:
        """The deadline at ``fraction`` of this one's budget (from the same start).

        >>> Deadline(None).share(0.5).at is None
        True
        """
        part = Deadline(None)
        part.start = self.start
        if self.at is not None:
            part.seconds, part.at = fraction * self.seconds, self.start + fraction * self.seconds
        return part

    def affords(self, seconds: float) -> bool:
        """Whether ``seconds`` more work would end before the limit."""
        return self.at is None or time.monotonic() + seconds < self.at


def _of_sorts(by_size: dict[int, torch.Tensor], store: Store, sig: Signature,
              rule: int) -> list[tuple[dict, dict]]:
    """The classes by size that may fill each argument of ``rule``: all of them, or in a
    typed signature those of the argument's sort, one pair per instance of a polymorphic
    alias (so only well-typed terms are built)."""
    if sig.semantics.typing is None:
        return [(by_size, by_size)]
    from automath.laws.typed import arg_tags
    tags = store.values[:, 0, 0] if len(store) else torch.zeros(0, dtype=torch.int64)
    return [tuple({n: ids[tags[ids] == t] for n, ids in by_size.items()}
                  for t in (*inst, *inst[:1]))[:2]
            for inst in arg_tags(sig.kind, sig.semantics, sig.ops[rule])]


def _plan(choices: list[tuple[dict, dict]], s: int, arity: int):
    """The argument pairs of one rule at size ``s``, over every instance's classes."""
    plans = [_pairs(c, s, arity) for c in choices]
    left = torch.cat([p[0] for p in plans])
    return left, None if arity == 1 else torch.cat([p[1] for p in plans])


def _pairs(by_size: tuple[dict, dict], s: int, arity: int):
    empty = torch.zeros(0, dtype=torch.int64)
    first, second = by_size
    if arity == 1:
        return first.get(s - 1, empty), None
    left, right = [empty], [empty]
    for a in range(1, s - 1):
        xs, ys = first.get(a, empty), second.get(s - 1 - a, empty)
        left.append(xs.repeat_interleave(ys.shape[0]))
        right.append(ys.repeat(xs.shape[0]))
    return torch.cat(left), torch.cat(right)


def _check_memory(sig: Signature, s: int, pairs: int, have: int, limit: int) -> None:
    row = sig.kind.k * max(1, torch.empty((), dtype=sig.kind.dtype).element_size())
    row *= int(torch.Size(sig.kind.shape).numel() // sig.kind.k)
    need = (have + pairs) * (row + 1500)  # edges, store, universe, and the prover's instance
    # tables (measured: about 1.3 kB per node for {0,1,+,*} at 575k nodes)
    if need > limit:
        raise ExploreError(f"size {s} needs about {need / 2**30:.1f} GiB for {pairs} candidate "
                           f"terms (limit {limit / 2**30:.1f} GiB); use a smaller size or "
                           "fewer variables, operators or constants")


def _check_overflow(store: Store, sig: Signature, s: int, rule: int, left: torch.Tensor,
                    right: torch.Tensor | None) -> None:
    """Refuse an enumeration that lost terms to the kind's bound (its laws would be
    incomplete); terms without a value (``x / 0``) are dropped silently."""
    over = 0
    for start in range(0, left.shape[0], 1 << 16):
        parts = [p[start:start + (1 << 16)] for p in (left, right) if p is not None]
        vals = sig.kind.apply(store.kernel(rule), [store.values[p] for p in parts])
        over += int(sig.kind.overflow(vals).sum())
    if over:
        raise ExploreError(f"{over} terms of size {s} overflow the {sig.kind.spec!r} kind's "
                           "bound; use kind='modp' for ring laws (exact residues), or a "
                           "smaller size")


def law_order(u: Universe, nodes: torch.Tensor,
              var_mask: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Candidate nodes smallest first, then with more variables, then with a smaller rhs.

    Returns (nodes in order, tier per node): nodes of one tier tie on all three keys.
    """
    nvars = _popcount(var_mask[nodes])
    rep_size = u.store.size[u.cls[nodes]]
    tier = (u.size[nodes] * 64 + (63 - nvars)) * (u.bound + 1) + rep_size
    order = torch.argsort(tier, stable=True)
    return nodes[order], tier[order]


def _popcount(x: torch.Tensor) -> torch.Tensor:
    out = torch.zeros_like(x)
    while bool((x > 0).any()):
        out, x = out + (x & 1), x >> 1
    return out


def _var_masks(store: Store, names: Sequence[str]) -> torch.Tensor:
    """Per class: bit v set when its representative uses variable ``names[v]``."""
    mask = torch.zeros(len(store), dtype=torch.int64)
    for ident, leaf in store.leaves.items():
        if leaf.op == "var":
            mask[ident] = 1 << names.index(str(leaf.token))
    for s in sorted(set(store.size.tolist()))[1:]:
        ids = (store.size == s).nonzero().squeeze(1)
        right = store.right[ids]
        mask[ids] = mask[store.left[ids]] | torch.where(right >= 0, mask[right.clamp(min=0)], 0)
    return mask
