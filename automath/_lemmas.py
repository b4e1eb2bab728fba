"""Lemma discovery: ProvingGround's objective on proofs, the proving loop, and a proof checker.

The loss is ``entropy·H(p0) + kl·KL(P ‖ Q)**power``. ``p0`` are the generating weights, on the
whole generated support and updated on the simplex; ``Q`` is the evolved distribution on proof
elements pushed forward to closed statements, and ``P`` the statements' own weights (each side
weighted by a fixed generative model of terms, see ``ProofSpace``). Reflexivities are left out
of the KL (refl proves them from the term alone) and ``Q`` is not renormalized over the rest,
so proof mass spent on reflexivities or terms counts as lost; ``p_T`` itself is normalized, so
raising every weight cannot lower the KL (ProvingGround #262).

A statement likely as a statement but unlikely to be reached by proofs scores high as a lemma,
``-P/(Q·log Q)``; the loop promotes it to a generator when the directional derivative of the
loss towards it — a Jacobian-vector product through the evolution — is negative. The simplex
step is preconditioned by the weights (floored), so a new statement gains weight in proportion
to ``P`` rather than to the unbounded ``P/Q``; the axioms and constants keep a floor weight.

Proofs are unfolded from provenance into primitive steps (``rewrite`` expands into congruence,
symmetry and transitivity) and replayed by ``check_proof``, which shares no code with the
generator.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

import torch

from automath._errors import AutomathError
from automath._evolve import evolve, rule_weights
from automath._generate import Hyperedges
from automath._loop import simplex_step
from automath._prove import PROOF, TERM, Problem, ProofSpace
from automath._term import Term


class ProofCheckError(AutomathError):
    """A proof step that does not follow from its premises and the axioms.

    >>> str(ProofCheckError("step 3 (sym): does not follow from its premises"))
    'step 3 (sym): does not follow from its premises'
    """


@dataclass(frozen=True)
class ProveConfig:
    """Settings of the proving loop (plain values, so a run can store them).

    ``depth``: evolution steps T; generation uses the weights after T - 1 steps, so every new
    element has weight after T. ``cutoff``: least flow ``b_r·w_i·w_j`` for a derivation to be
    generated, halved (``cutoff_decay``) down to ``min_cutoff`` whenever nothing new appears.
    ``max_size``: largest term in a statement. ``op_weight``: per-operator factor of the
    statement weights. ``lr``, ``natural``: simplex step on ``p0`` (preconditioned by the
    weights, floored at ``natural_floor``); ``rule_lr``: Adam on rule logits. ``entropy``,
    ``kl``, ``power``: the loss; ``normalize_q``: renormalize the proof weight over non-trivial
    statements (default off: proof mass on reflexivities then counts as lost).
    ``generator_floor``: least weight of each axiom and constant. ``promote_every``,
    ``promote_eps``: lemma promotion. ``prune_every``, ``prune_ratio``: pruning of elements
    far below the cutoff. ``seed``: 0 runs the problem's weights exactly, another seed jitters
    them. ``stop_at_goal``: stop once the goal is proved. ``threads``: torch threads while
    running (0: leave as is); the tensors are small, so one thread is usually fastest.

    >>> ProveConfig(depth=4).depth, ProveConfig().stop_at_goal
    (4, True)
    """

    steps: int = 200
    depth: int = 6
    cutoff: float = 1e-3
    cutoff_decay: float = 0.5
    min_cutoff: float = 1e-16
    max_size: int = 7
    rewrite: bool = True
    op_weight: float = 0.5
    lr: float = 0.1
    rule_lr: float = 0.05
    natural: bool = True
    natural_floor: float = 1e-6
    generator_floor: float = 0.01
    persistence: float = 0.5
    entropy: float = 0.05
    kl: float = 1.0
    power: float = 1.0
    normalize_q: bool = False
    promote_every: int = 5
    promote_eps: float = 0.1
    prune_every: int = 10
    prune_ratio: float = 1e-2
    max_elements: int = 200_000
    seed: int = 0
    stop_at_goal: bool = True
    threads: int = 1


class LemmaObjective:
    """``entropy·H(p0) + kl·KL(P ‖ Q)**power`` with ``Q`` the statements' proof weight.

    ``classes[e]`` is element ``e``'s statement (-1: not a proof); ``log_p`` the log statement
    weight of each statement. Both sides are normalized over the proved statements.

    >>> obj = LemmaObjective(torch.tensor([0, 1]), torch.tensor([.5, .5]).log(), entropy=0)
    >>> round(float(obj(torch.tensor([.5, .5]), torch.tensor([.9, .1]))), 4)
    0.5108
    """

    def __init__(self, classes: torch.Tensor, log_p: torch.Tensor, *, entropy: float = 0.05,
                 kl: float = 1.0, power: float = 1.0, floor: float = 1e-12,
                 normalize: bool = True) -> None:
        self.classes, self.log_p, self.normalize = classes, log_p, normalize
        self.entropy, self.kl, self.power, self.floor = entropy, kl, power, floor
        proofs = classes >= 0
        self.proofs = proofs.nonzero().squeeze(1)
        self.stmts, self.inv = torch.unique(classes[proofs], return_inverse=True)

    def pq(self, p_t: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Statement weight ``P`` and proof weight ``Q`` over ``self.stmts``, normalized."""
        q = torch.zeros(len(self.stmts), dtype=p_t.dtype).index_add(0, self.inv,
                                                                    p_t[self.proofs])
        p = torch.softmax(self.log_p[self.stmts].to(p_t.dtype), 0)
        return p, (q / q.sum().clamp_min(self.floor) if self.normalize else q)

    def __call__(self, p0: torch.Tensor, p_t: torch.Tensor) -> torch.Tensor:
        p, q = self.pq(p_t)
        kl = (torch.xlogy(p, p) - torch.xlogy(p, q + self.floor)).sum()  # smooth at q = 0
        h = -(p0 * p0.clamp_min(self.floor).log()).sum()
        return self.entropy * h + self.kl * kl.clamp_min(self.floor) ** self.power


def lemma_scores(p: torch.Tensor, q: torch.Tensor, floor: float = 1e-12) -> torch.Tensor:
    """ProvingGround's lemma score ``-p / (q·log q)``: likely statements with unlikely proofs.

    >>> [round(v, 2) for v in lemma_scores(torch.tensor([.5, .5]), torch.tensor([.9, .1])).tolist()]
    [5.27, 2.17]
    """
    q = q.clamp(floor, 1 - 1e-9)
    return -p / (q * q.log())


class Learner:
    """Generating weights ``p0`` on the simplex plus rule weights (softmax logits, Adam).

    The weights live on the whole generated support; with ``natural`` the gradient is
    preconditioned by the current weights (floored), so a new statement gains weight in
    proportion to its statement weight rather than to ``p/q``, which is unbounded.

    >>> e = Hyperedges(*(torch.tensor([v]) for v in (0, 1, 0, 2)))  # app(f, a) -> f(a)
    >>> obj = LemmaObjective(torch.tensor([0, 2, 1]), torch.tensor([.01, .99, 0]).log(),
    ...                      entropy=0, kl=10)
    >>> learner, p0 = Learner(1), torch.full((3,), 1 / 3)
    >>> for _ in range(30):
    ...     p0, _ = learner.step(p0, e, obj)
    >>> int(p0.argmax())  # f(a), the only proof of B
    2
    """

    def __init__(self, n_rules: int, *, persistence: float = 0.5, lr: float = 0.1,
                 rule_lr: float = 0.05, depth: int = 2, natural: bool = True,
                 natural_floor: float = 1e-6) -> None:
        self.lr, self.depth, self.natural, self.natural_floor = lr, depth, natural, natural_floor
        self.logits = torch.zeros(1 + n_rules, dtype=torch.float64)
        self.logits[0] = math.log(persistence * n_rules / max(1e-9, 1 - persistence))
        self.logits.requires_grad_(True)
        self.opt = torch.optim.Adam([self.logits], lr=rule_lr)

    def rules(self) -> tuple[torch.Tensor, torch.Tensor]:
        """Persistence ``a`` and rule weights ``b`` (detached)."""
        return rule_weights(self.logits.detach())

    def step(self, p0: torch.Tensor, edges: Hyperedges, objective: LemmaObjective,
             alive: torch.Tensor | None = None) -> tuple[torch.Tensor, float]:
        """One gradient step on ``p0`` (simplex) and the rule logits; returns new ``p0``, loss."""
        alive = torch.ones_like(p0, dtype=torch.bool) if alive is None else alive
        p = p0.clone().requires_grad_(True)
        a, b = rule_weights(self.logits)
        p_t = evolve(p, edges, a, b, self.depth)
        loss = objective(p, p_t)
        self.opt.zero_grad()
        loss.backward()
        grad = -p.grad
        if self.natural:
            grad = grad * torch.maximum(p0, p_t.detach()).clamp_min(self.natural_floor)
        if int(((p0 > 0) & alive).sum()) < 2:  # simplex_step cannot leave a one-point support
            p0 = 0.999 * p0 + 0.001 * alive.to(p0.dtype) / alive.sum()
        p0 = simplex_step(p0, grad, self.lr, alive)
        self.opt.step()
        return p0, float(loss.detach())


@dataclass(frozen=True)
class Step:
    """One proof step: rule, premise step numbers, term arguments and the statement proved.

    Variables of quantified statements are ``?0, ?1, ...`` in order of first appearance.

    >>> m = Term("var", token="m")
    >>> Step("refl", (), (m,), m, m).rule
    'refl'
    """

    rule: str
    premises: tuple[int, ...]
    terms: tuple[Term, ...]
    lhs: Term
    rhs: Term
    axiom: int | None = None


@dataclass(frozen=True)
class Lemma:
    """A proved statement with its lemma score, statement weight ``p`` and proof weight ``q``;
    ``weight`` is the learned generating weight of its proofs (``p0``).

    >>> Lemma("e_l = e_l * e_r", 0.7, 0.07, 0.05, 0.02).promoted
    False
    """

    statement: str
    score: float
    p: float
    q: float
    weight: float
    promoted: bool = False


class LemmaLoop:
    """Generation, learning, pruning and lemma promotion until the goal is proved.

    >>> res = LemmaLoop(Problem.load("monoid-identities"), steps=40).run()
    >>> res.proved, res.checked
    (True, True)
    """

    def __init__(self, problem: Problem, **config: object) -> None:
        allowed = {f.name for f in fields(ProveConfig)}
        unknown = set(config) - allowed
        if unknown:
            raise AutomathError(f"unknown prove setting(s): {', '.join(sorted(unknown))}")
        bad = set(problem.search) - allowed
        if bad:
            raise AutomathError(f"problem {problem.name!r}: unknown [search] setting(s) "
                                f"{', '.join(sorted(bad))}")
        self.problem, self.config = problem, ProveConfig(**{**problem.search, **config})
        self.space = ProofSpace(problem, max_size=self.config.max_size,
                                op_weight=self.config.op_weight, rewrite=self.config.rewrite)
        self._init_state()

    def _init_state(self) -> None:
        sp, cfg = self.space, self.config
        n = len(sp.elems)
        self.p0 = torch.zeros(n, dtype=torch.float64)
        w = torch.tensor(self.problem.generator_weights(), dtype=torch.float64)
        if cfg.seed:  # another run: the generator weights jittered by about 10 %
            g = torch.Generator().manual_seed(cfg.seed)
            w = w * torch.exp(0.1 * torch.randn(len(w), generator=g, dtype=torch.float64))
        self.p0[sp.generators] = w
        self.p0 /= self.p0.sum()
        self.alive = torch.ones(n, dtype=torch.bool)
        self.protected = self.alive.clone()
        self.edges = Hyperedges.empty()
        self.learner = Learner(len(sp.rules), persistence=cfg.persistence, lr=cfg.lr,
                               rule_lr=cfg.rule_lr, depth=cfg.depth, natural=cfg.natural,
                               natural_floor=cfg.natural_floor)
        self.step_no, self.history, self.promoted, self.cutoff = 0, [], [], cfg.cutoff
        self.goal_elem, self.goal_step, self._t0, self._elapsed = -1, None, 0.0, 0.0
        self._start = 0.0

    # ---- one step ---------------------------------------------------------------------

    def run(self, steps: int | None = None) -> ProofResult:
        """Run ``steps`` more steps (default: up to the configured budget)."""
        end = self.step_no + steps if steps is not None else self.config.steps
        threads = torch.get_num_threads()
        torch.set_num_threads(self.config.threads or threads)  # small tensors: 1 is fastest
        try:
            self._start = time.perf_counter()
            self._check_goal()
            while self.step_no < end and not (self.config.stop_at_goal and self.goal_elem >= 0):
                self.step()
            self._elapsed, self._start = self.seconds(), 0.0
            return self.result()
        finally:
            torch.set_num_threads(threads)

    def seconds(self) -> float:
        """Seconds spent in ``run`` so far."""
        return self._elapsed + (time.perf_counter() - self._start if self._start else 0.0)

    def step(self) -> None:
        """Generate, check the goal, learn, and now and then promote a lemma and prune."""
        cfg = self.config
        self._generate()
        self._check_goal()
        loss = self._learn()
        self.step_no += 1
        if cfg.promote_every and self.step_no % cfg.promote_every == 0:
            self._promote()
        if cfg.prune_every and self.step_no % cfg.prune_every == 0:
            self._prune()
        self.history.append({"step": self.step_no, "loss": loss, "elements": len(self.space.elems),
                             "alive": int(self.alive.sum()), "edges": len(self.edges),
                             "cutoff": self.cutoff})

    def rules(self) -> tuple[torch.Tensor, torch.Tensor]:
        """Persistence ``a`` and rule weights ``b`` (detached)."""
        return self.learner.rules()

    def live_edges(self) -> Hyperedges:
        """The recorded edges whose parents and child are all alive."""
        e, alive = self.edges, self.alive
        ok = alive[e.i] & alive[e.c] & torch.where(e.j >= 0, alive[e.j.clamp(min=0)], True)
        return e.select(ok)

    def evolved(self, p0: torch.Tensor | None = None, depth: int | None = None) -> torch.Tensor:
        """The evolved distribution ``p_T`` (detached rule weights)."""
        a, b = self.rules()
        depth = self.config.depth if depth is None else depth
        return evolve(self.p0 if p0 is None else p0, self.live_edges(), a, b, depth)

    def _generate(self) -> None:
        sp, cfg = self.space, self.config
        if len(sp.elems) >= cfg.max_elements:
            return
        a, b = self.rules()
        weights = self.evolved(depth=cfg.depth - 1)
        new = sp.generate(weights, b, self.cutoff, self.alive)
        self.edges = self.edges.cat(new)
        grow = len(sp.elems) - self.p0.shape[0]
        if grow == 0:  # nothing new passes: look further next time
            self.cutoff = max(cfg.min_cutoff, self.cutoff * cfg.cutoff_decay)
        self.p0 = torch.cat([self.p0, self.p0.new_zeros(grow)])
        self.alive = torch.cat([self.alive, self.alive.new_ones(grow)])
        self.protected = torch.cat([self.protected, self.protected.new_zeros(grow)])
        self.alive[new.c] = True  # a pruned element derived again comes back

    def objective(self, trivial: bool = False) -> LemmaObjective:
        """The loss on the current support: dead elements count as no statement, and so do
        reflexivities ``t = t`` unless ``trivial`` (refl proves them from the term alone)."""
        sp, cfg = self.space, self.config
        classes = torch.where(self.alive, sp.statement_classes(), -1)
        if not trivial:
            s = sp.stmts
            classes = torch.where(s["lhs"][classes] == s["rhs"][classes], -1, classes)
        return LemmaObjective(classes, sp.stmts["logp"], entropy=cfg.entropy, kl=cfg.kl,
                              power=cfg.power, normalize=trivial or cfg.normalize_q)

    def _learn(self) -> float:
        self.p0, loss = self.learner.step(self.p0, self.live_edges(), self.objective(),
                                          self.alive)
        floor = torch.zeros_like(self.p0)  # the axioms and constants stay available
        floor[self.space.generators] = self.config.generator_floor
        self.p0 = torch.maximum(self.p0, floor)
        self.p0 = self.p0 / self.p0.sum()
        return loss

    def _check_goal(self) -> None:
        goal = self.problem.goal
        if goal is None or self.goal_elem >= 0:
            return
        for lhs, rhs in (goal, goal[::-1]):
            found = self.space.find(lhs, rhs)
            if found >= 0:
                self.goal_elem, self.goal_step, self._t0 = found, self.step_no, self.seconds()
                return

    # ---- lemmas, promotion, pruning -------------------------------------------------

    def lemma_table(self) -> tuple[LemmaObjective, torch.Tensor, torch.Tensor, torch.Tensor]:
        """Objective, statement weight ``p``, proof weight ``q`` and lemma score per statement
        (0 for reflexivities ``t = t``, which cost nothing beyond their term, and for
        statements no proof currently reaches)."""
        obj = self.objective(trivial=True)
        p, q = obj.pq(self.evolved())
        s = self.space.stmts
        trivial = s["lhs"][obj.stmts] == s["rhs"][obj.stmts]  # refl proves t = t from t
        return obj, p, q, torch.where(trivial | (q <= 0), 0.0, lemma_scores(p, q))

    def directional(self, elem: int) -> tuple[float, torch.Tensor]:
        """Derivative of the loss, and tangent of ``p_T``, moving ``p0`` towards ``elem``."""
        obj, a, b, edges, depth = self.objective(), *self.rules(), self.live_edges(), \
            self.config.depth
        v = -self.p0.clone()
        v[elem] += 1

        def f(p0: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
            p_t = evolve(p0, edges, a, b, depth)
            return obj(p0, p_t), p_t

        _, (dloss, dpt) = torch.func.jvp(f, (self.p0,), (v,))
        return float(dloss), dpt

    def _promote(self) -> None:
        """Promote the best-scoring lemma whose directional derivative lowers the loss."""
        obj, _, _, score = self.lemma_table()
        p_t = self.evolved()
        for k in torch.argsort(score, descending=True)[:5].tolist():
            members = obj.proofs[obj.inv == k]
            elem = int(members[torch.argmax(p_t[members])])
            if self.protected[elem] or score[k] <= 0:
                continue
            d, _ = self.directional(elem)
            if d < 0:
                eps = self.config.promote_eps
                self.p0 = (1 - eps) * self.p0
                self.p0[elem] += eps
                self.protected[elem] = True
                self.promoted.append({"step": self.step_no, "elem": elem,
                                      "statement": self.space.text(elem),
                                      "score": float(score[k]), "derivative": d})
                return

    def _prune(self) -> None:
        floor = self.config.prune_ratio * self.cutoff  # far below the generation frontier
        keep = (self.p0 >= floor) | (self.evolved() >= floor)
        self.alive &= keep | self.protected
        self.p0 = torch.where(self.alive, self.p0, 0)
        self.p0 = self.p0 / self.p0.sum()

    # ---- results ----------------------------------------------------------------------

    def derivation(self, elem: int) -> list[Step]:
        """The steps proving element ``elem``, premises first, in primitive constructors."""
        return _Derivation(self.space, self.problem).steps_for(elem)

    def goal_proof(self) -> list[Step] | None:
        """The goal's proof, oriented as stated (a final ``sym`` where needed)."""
        if self.goal_elem < 0:
            return None
        steps = self.derivation(self.goal_elem)
        last = steps[-1]
        if (last.lhs, last.rhs) != self.problem.goal:
            steps.append(Step("sym", (len(steps) - 1,), (), last.rhs, last.lhs))
        return steps

    def result(self) -> ProofResult:
        """The current result: proof (checked), lemmas, theorems and statistics."""
        obj, p, q, score = self.lemma_table()
        members, inv = obj.proofs, obj.inv
        order = torch.argsort(self.evolved()[members], descending=True, stable=True)
        order = order[torch.argsort(inv[order], stable=True)]  # per statement, heaviest first
        first = torch.ones_like(order, dtype=torch.bool)
        first[1:] = inv[order][1:] != inv[order][:-1]
        per = torch.zeros_like(q)
        table = LemmaTable(self.space.text, members[order[first]], score, p, q,
                           per.index_add(0, inv, self.p0[members]),
                           per.index_add(0, inv, self.protected[members].double()) > 0)
        proof = self.goal_proof()
        checked, error = _verdict(self.problem, proof)
        return ProofResult(self.problem, self.config, proof, checked, error, table,
                           list(self.history), list(self.promoted), self._stats(obj, q))

    def _stats(self, obj: LemmaObjective, q: torch.Tensor) -> dict:
        sp, goal = self.space, self.goal_elem
        kinds = sp.elems["kind"]
        q_goal = None
        if goal >= 0:
            hit = (obj.stmts == int(sp.statement_classes()[goal])).nonzero().squeeze(1)
            q_goal = float(q[hit[0]]) if hit.numel() else 0.0
        return {"steps": self.step_no, "seconds": self.seconds(), "goal_step": self.goal_step,
                "seconds_to_goal": self._t0 if goal >= 0 else None,
                "proofs": int((kinds == PROOF).sum()), "terms": int((kinds == TERM).sum()),
                "statements": len(sp.stmts), "edges": len(self.edges),
                "alive": int(self.alive.sum()), "goal_weight": q_goal,
                "goal_generating_weight": float(self.p0[goal]) if goal >= 0 else None}


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


def _verdict(problem: Problem, proof: list[Step] | None) -> tuple[bool, str | None]:
    if proof is None:
        return False, None
    try:
        check_proof(problem, proof)
    except ProofCheckError as e:
        return False, str(e)
    return True, None


@dataclass
class LemmaTable:
    """Per proved statement: its heaviest proof element, score, ``p``, ``q``, generating
    weight and whether it was promoted; printed lazily, only for the rows asked for.

    >>> t = LemmaTable(str, *(torch.tensor(v) for v in ([7, 8], [.5, 2.], [.1, .2], [.3, .1],
    ...                [0., 0.], [False, True])))
    >>> [(m.statement, m.promoted) for m in t.top("score", 1)]
    [('8', True)]
    """

    text: Callable[[int], str]
    elem: torch.Tensor
    score: torch.Tensor
    p: torch.Tensor
    q: torch.Tensor
    weight: torch.Tensor
    promoted: torch.Tensor

    def __len__(self) -> int:
        return int(self.elem.shape[0])

    def top(self, key: str, k: int) -> list[Lemma]:
        """The ``k`` rows with the largest ``key`` (``score`` or ``q``)."""
        order = torch.argsort(-getattr(self, key), stable=True)[:k].tolist()
        return [Lemma(self.text(int(self.elem[i])), float(self.score[i]), float(self.p[i]),
                      float(self.q[i]), float(self.weight[i]), bool(self.promoted[i]))
                for i in order]


@dataclass
class ProofResult:
    """What a proving run found: the goal's proof (checked), lemmas, history, statistics.

    >>> res = prove("monoid-identities")
    >>> res.proved, res.theorems(1)[0].q > 0, res.stats["proofs"] > 0
    (True, True, True)
    """

    problem: Problem
    config: ProveConfig
    proof: list[Step] | None
    checked: bool
    check_error: str | None
    table: LemmaTable = field(repr=False)
    history: list[dict] = field(repr=False)
    promoted: list[dict] = field(repr=False)
    stats: dict = field(default_factory=dict)

    @property
    def proved(self) -> bool:
        """Whether the goal was proved and the proof passed the checker."""
        return self.proof is not None and self.checked

    def lemmas(self, k: int = 10) -> list[Lemma]:
        """The ``k`` best lemmas by score ``-p/(q·log q)`` (reflexivities score 0)."""
        return self.table.top("score", k)

    def theorems(self, k: int = 10) -> list[Lemma]:
        """The ``k`` proved statements with the highest proof weight ``q``."""
        return self.table.top("q", k)

    def format_proof(self) -> str:
        """The proof as a numbered chain of steps."""
        return format_steps(self.problem, self.proof or [])

    def to_records(self, k: int = 20) -> dict:
        """Plain data for a run store: proof text, lemmas, statistics and config."""
        p = self.problem
        return {"problem": p.name, "grammar": p.grammar.name, "goal": p.goal_text,
                "constants": [p.grammar.format(c) for c in p.constants],
                "proved": self.proved, "proof": self.format_proof() if self.proof else None,
                "lemmas": [{"rank": n, **asdict(m)} for n, m in enumerate(self.lemmas(k), 1)],
                "promoted": self.promoted, "stats": self.stats, "config": asdict(self.config)}


_PARSERS = {"int": int, "float": float, "bool": lambda s: {"true": True, "false": False,
                                                           "1": True, "0": False}[s.lower()]}


def parse_settings(pairs: list[str] | tuple[str, ...]) -> dict:
    """``KEY=VALUE`` strings as typed ``ProveConfig`` settings (for the command line).

    >>> parse_settings(["depth=4", "rewrite=false", "lr=0.05"])
    {'depth': 4, 'rewrite': False, 'lr': 0.05}
    """
    types = {f.name: str(f.type) for f in fields(ProveConfig)}
    out = {}
    for pair in pairs:
        key, _, value = pair.partition("=")
        key = key.strip().replace("-", "_")
        if key not in types:
            raise AutomathError(f"unknown prove setting {key!r} (known: {', '.join(types)})")
        try:
            out[key] = _PARSERS[types[key]](value.strip())
        except (KeyError, ValueError):
            raise AutomathError(f"setting {key!r} needs a {types[key]}, got {value!r}") from None
    return out


def prove(problem: str | Path | Problem, *, steps: int | None = None, seed: int = 0,
          **config: object) -> ProofResult:
    """Run the proving loop on a shipped problem name, a ``.toml`` file or a ``Problem``.

    >>> res = prove("monoid-identities")
    >>> res.proved, res.proof[-1].rule
    (True, 'trans')
    """
    prob = problem if isinstance(problem, Problem) else Problem.load(problem)
    extra = {} if steps is None else {"steps": steps}
    return LemmaLoop(prob, seed=seed, **extra, **config).run()


# ---- independent checker: replays steps against the axioms with its own term code -----------

def check_proof(problem: Problem, steps: list[Step]) -> None:
    """Replay ``steps`` against the problem's axioms; the last must state the goal.

    Shares no code with the generator: substitution, variable order and alpha-equivalence are
    recomputed here on plain terms. Raises ``ProofCheckError`` naming the failing step.

    >>> from automath._prove import Problem
    >>> p = Problem.load("monoid-identities")
    >>> ax = Step("axiom", (), (), *p.axioms[0], axiom=0)
    >>> check_proof(p, [ax, Step("sym", (0,), (), p.axioms[0][0], p.axioms[0][0])])
    Traceback (most recent call last):
    ...
    automath._lemmas.ProofCheckError: step 2 (sym): does not follow from its premises
    """
    consts = set(problem.constants)
    done: list[tuple[Term, Term]] = []
    for n, s in enumerate(steps, 1):
        if any(not 0 <= k < len(done) for k in s.premises):
            raise ProofCheckError(f"step {n} ({s.rule}): refers to a later or missing step")
        for t in s.terms:
            _well_formed(problem, t, consts, n)
        want = _conclusion(problem, s, [done[k] for k in s.premises], consts)
        if want is None or _alpha(want, consts) != _alpha((s.lhs, s.rhs), consts):
            raise ProofCheckError(f"step {n} ({s.rule}): does not follow from its premises")
        done.append((s.lhs, s.rhs))
    if problem.goal is not None and (not done or done[-1] != problem.goal):
        raise ProofCheckError("the last step does not state the goal")


def _conclusion(problem: Problem, s: Step, prem: list[tuple[Term, Term]],
                consts: set[Term]) -> tuple[Term, Term] | None:
    closed = all(not _vars(side, consts) for eq in prem for side in eq)
    if s.rule == "axiom":
        ok = s.axiom is not None and 0 <= s.axiom < len(problem.axioms) and not prem
        return problem.axioms[s.axiom] if ok else None
    if s.rule == "inst" and len(prem) == 1 and len(s.terms) == 1:
        names = _vars(prem[0][0], consts) + _vars(prem[0][1], consts)
        return tuple(_subst(t, names[0], s.terms[0]) for t in prem[0]) if names else None
    if not closed:
        return None
    if s.rule == "sym" and len(prem) == 1:
        return prem[0][1], prem[0][0]
    if s.rule == "trans" and len(prem) == 2 and prem[0][1] == prem[1][0]:
        return prem[0][0], prem[1][1]
    if s.rule == "refl" and len(s.terms) == 1 and not prem:
        return s.terms[0], s.terms[0]
    if s.rule.startswith("cong") and len(prem) == 1:
        return _congruence(problem, s, prem[0])
    return None


def _congruence(problem: Problem, s: Step, eq: tuple[Term, Term]) -> tuple[Term, Term] | None:
    slot, _, op = s.rule[4:].partition(":")
    con = problem.grammar.constructors.get(op)
    if con is None or not slot.isdigit() or len(s.terms) != con.arity - 1 \
            or int(slot) >= con.arity:
        return None
    k = int(slot)

    def put(side: Term) -> Term:
        return Term(op, s.terms[:k] + (side,) + s.terms[k:])

    return put(eq[0]), put(eq[1])


def _vars(term: Term, consts: set[Term]) -> list[str]:
    seen: list[str] = []
    stack = [term]
    while stack:
        t = stack.pop()
        if not t.args and t not in consts and t.op == "var" and t.token not in seen:
            seen.append(str(t.token))
        stack.extend(reversed(t.args))
    return seen


def _subst(term: Term, name: str, value: Term) -> Term:
    if not term.args:
        return value if term.op == "var" and term.token == name else term
    return Term(term.op, tuple(_subst(a, name, value) for a in term.args), term.token)


def _alpha(eq: tuple[Term, Term], consts: set[Term]) -> tuple[Term, Term]:
    names = _vars(eq[0], consts)
    names += [v for v in _vars(eq[1], consts) if v not in names]
    out = eq
    for k, v in enumerate(names):  # two passes avoid clashes with existing names
        out = tuple(_subst(t, v, Term("var", token=f"#tmp{k}")) for t in out)
    for k in range(len(names)):
        out = tuple(_subst(t, f"#tmp{k}", Term("var", token=f"#{k}")) for t in out)
    return out


def _well_formed(problem: Problem, t: Term, consts: set[Term], n: int) -> None:
    if not t.args:
        if t not in consts:
            raise ProofCheckError(f"step {n}: term argument uses {t.token or t.op!r}, "
                                  f"not a constant")
        return
    con = problem.grammar.constructors.get(t.op)
    if con is None or con.arity != len(t.args):
        raise ProofCheckError(f"step {n}: {t.op!r} is not an operator of arity {len(t.args)}")
    for a in t.args:
        _well_formed(problem, a, consts, n)


def format_steps(problem: Problem, steps: list[Step]) -> str:
    """Steps as numbered lines: statement, then rule, premises and term arguments.

    >>> p = Problem.load("monoid-identities")
    >>> print(format_steps(p, [Step("axiom", (), (), *p.axioms[0], axiom=0)]))
     1. ∀ a. e_l * a = a    axiom 1
    """
    fmt, consts = problem.grammar.format, set(problem.constants)
    names = [c for c in "abcdefghijklpqrstuvwxyz" if Term("var", token=c) not in consts]
    lines = []
    for n, s in enumerate(steps, 1):
        vs = _vars(s.lhs, consts) + [v for v in _vars(s.rhs, consts) if v not in _vars(s.lhs,
                                                                                       consts)]
        lhs, rhs = s.lhs, s.rhs
        for k, v in enumerate(vs):
            lhs, rhs = (_subst(t, v, Term("var", token=f"#{k}")) for t in (lhs, rhs))
        for k in range(len(vs)):
            lhs, rhs = (_subst(t, f"#{k}", Term("var", token=names[k])) for t in (lhs, rhs))
        head = f"∀ {' '.join(names[: len(vs)])}. " if vs else ""
        why = f"axiom {s.axiom + 1}" if s.rule == "axiom" else s.rule
        why += "".join(f" {k + 1}" for k in s.premises)
        why += "".join(f" [{fmt(t)}]" for t in s.terms)
        lines.append(f"{n:>2}. {head}{fmt(lhs)} = {fmt(rhs)}    {why}")
    return "\n".join(lines)
