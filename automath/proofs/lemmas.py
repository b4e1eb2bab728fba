"""Lemma discovery by learning alone: the ProvingGround-style loop over a space of proof terms.

The earlier prover (``prove_lemmas``); ``automath.proofs.prove`` now runs saturation.

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
generator. The objective and learner live in ``automath.proofs.learner`` (the learner is the core
``WeightLearner``), the checker in ``automath.proofs.checker``, the settings in
``automath.proofs.config``.
"""

from __future__ import annotations

import time
from dataclasses import fields
from pathlib import Path

import torch

from automath.core.errors import AutomathError
from automath.core.evolve import evolve
from automath.core.generate import Hyperedges
from automath.core.learning import LiveEdges, grow, pad
from automath.core.threads import torch_threads
from automath.proofs.checker import Step
from automath.proofs.config import SATURATION_KEYS, ProveConfig
from automath.proofs.learner import Learner, LemmaObjective, lemma_scores
from automath.proofs.problem import Problem, check_arity
from automath.proofs.result import LemmaTable, ProofResult, verdict
from automath.proofs.space import PROOF, TERM, ProofSpace, _Derivation


class LemmaLoop:
    """Generation, learning, pruning and lemma promotion until the goal is proved.

    >>> res = LemmaLoop(Problem.load("monoid-identities"), steps=40).run()
    >>> res.proved, res.checked
    (True, True)
    """

    def __init__(self, problem: Problem, **config: object) -> None:
        check_arity(problem)
        self.problem, self.config = problem, _settings(problem, config)
        with torch_threads(self.config.threads):  # tiny ops: thread wake-ups dominate
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
        self.edges, self._live = Hyperedges.empty(), LiveEdges()
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
        with torch_threads(self.config.threads):
            self._start = time.perf_counter()
            self._check_goal()
            while self.step_no < end and not (self.config.stop_at_goal and self.goal_elem >= 0):
                self.step()
            self._elapsed, self._start = self.seconds(), 0.0
            return self.result()

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
        return self._live(self.edges, self.alive)

    def evolved(self, p0: torch.Tensor | None = None, depth: int | None = None) -> torch.Tensor:
        """The evolved distribution ``p_T`` (detached rule weights)."""
        return self.learner.evolved(self.p0 if p0 is None else p0, self.live_edges(), depth)

    def _generate(self) -> None:
        sp, cfg = self.space, self.config
        if len(sp.elems) >= cfg.max_elements:
            return
        a, b = self.rules()
        weights = self.evolved(depth=cfg.depth - 1)
        new = sp.generate(weights, b, self.cutoff, self.alive)
        self.edges = self.edges.cat(new)
        n = len(sp.elems)
        if n == self.p0.shape[0]:  # nothing new passes: look further next time
            self.cutoff = max(cfg.min_cutoff, self.cutoff * cfg.cutoff_decay)
        self.p0, self.alive = grow(self.p0, self.alive, n)
        self.protected = pad(self.protected, n, False)
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
        checked, error = verdict(self.problem, proof)
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


def _settings(problem: Problem, config: dict) -> ProveConfig:
    """The problem's ``[search]`` settings overridden by ``config``; unknown names raise."""
    allowed = {f.name for f in fields(ProveConfig)}
    unknown = set(config) - allowed
    if unknown:
        raise AutomathError(f"unknown prove setting(s): {', '.join(sorted(unknown))}")
    bad = set(problem.search) - allowed - SATURATION_KEYS
    if bad:
        raise AutomathError(f"problem {problem.name!r}: unknown [search] setting(s) "
                            f"{', '.join(sorted(bad))}")
    mine = {k: v for k, v in problem.search.items() if k in allowed}
    return ProveConfig(**{**mine, **config})


def prove_lemmas(problem: str | Path | Problem, *, steps: int | None = None, seed: int = 0,
                 **config: object) -> ProofResult:
    """Run the lemma loop on a shipped problem name, a ``.toml`` file or a ``Problem``.

    >>> res = prove_lemmas("monoid-identities")
    >>> res.proved, res.proof[-1].rule
    (True, 'trans')
    """
    prob = problem if isinstance(problem, Problem) else Problem.load(problem)
    extra = {} if steps is None else {"steps": steps}
    return LemmaLoop(prob, seed=seed, **extra, **config).run()
