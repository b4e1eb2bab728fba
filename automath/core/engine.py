"""The learning loop: generate → evolve → objective → gradient → update on the simplex → prune.

Each step generates children of the heavy pairs (the support grows with weight 0), takes one
``WeightLearner`` step — ``p0`` on the simplex over the whole generated support, rule logits by
Adam (see ``automath.core.learning``) — and every ``prune_every`` steps drops light elements,
keeping the recorded derivations of what it keeps. The pairs whose child was dropped are
forgotten (edges and ``seen`` keys): parents heavy again derive that child again, and it
comes back (same fingerprint, same id).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field

import torch

from automath.core.distribution import Distribution
from automath.core.domain import Domain, closeness, preset_target
from automath.core.errors import DistributionError
from automath.core.generate import Hyperedges, generate
from automath.core.index import member
from automath.core.learning import LiveEdges, WeightLearner, grow, provenance_closure, rule_logits
from automath.core.objective import Entropy, Objective, Size
from automath.core.result import Result
from automath.core.store import Store

SIZE_PENALTY = 1e-3
"""The default objective's cost per node: of two near-equal elements the smaller one wins."""
SPREAD = 1e-4
"""The default objective's entropy reward: runners-up keep some weight."""


def default_objective(domain: Domain, target: str) -> Objective:
    """The loop's objective when none is given: closeness to ``target`` (``closeness``), less
    ``SIZE_PENALTY`` per node of expected size, plus ``SPREAD`` times the entropy of ``p_T``.

    >>> [(w, type(o).__name__) for w, o in default_objective(Domain.create("arith"), "x").terms]
    [(1.0, 'ExpectedScore'), (0.001, 'Size'), (-0.0001, 'Entropy')]
    """
    return closeness(domain, target) + SIZE_PENALTY * Size() - SPREAD * Entropy()


@dataclass(frozen=True)
class LoopConfig:
    """Settings of a loop (all plain values, so a run can store them)."""

    steps: int = 200
    depth: int = 2
    cutoff: float = 1e-4
    lr: float = 0.1
    rule_lr: float = 0.05
    persistence: float = 0.5
    prune_every: int = 10
    prune_below: float = 1e-6
    max_elements: int = 200_000
    seed: int = 0  # the loop draws no random numbers (same run for every seed); kept for configs
    max_time: float | None = None  # seconds per run() call, checked between steps (None: none)


@dataclass
class LoopState:
    """Everything a loop needs to continue: store, weights, edges, optimizer."""

    store: Store
    p0: torch.Tensor
    alive: torch.Tensor
    edges: Hyperedges
    seen: torch.Tensor
    logits: torch.Tensor
    opt_state: dict = field(default_factory=dict)
    step: int = 0
    history: list[dict] = field(default_factory=list)


class Loop:
    """A generation-and-learning loop on a domain.

    >>> d = Domain.create("arith", atoms="x,1")
    >>> res = Loop(d, target="x*x + 1", steps=3).run()
    >>> len(res.top(3))
    3
    """

    def __init__(self, domain: Domain, objective: Objective | None = None, *,
                 target: str | None = None, **config: object) -> None:
        self.domain = domain
        self.config = LoopConfig(**config)
        self.target = preset_target(domain, target)
        if objective is None and self.target is None:
            raise DistributionError("give an objective or a target")
        self.objective = objective or default_objective(domain, self.target)
        self.state = self._initial_state()
        self._live, self._live_of = LiveEdges(), self.state
        self._learner: WeightLearner | None = None
        self.stopped: str | None = None  # "time": the last run() ended at config.max_time

    def __repr__(self) -> str:
        """One line: the grammar, the target, the step reached and the elements stored.

        >>> Loop(Domain.create("arith", atoms="x,1"), target="x*x + 1", steps=3)
        Loop('arith', target 'x*x + 1', step 0 of 3, 2 elements)
        """
        target = f", target {self.target!r}" if getattr(self, "target", None) is not None else ""
        state = getattr(self, "state", None)  # None while __init__ builds it
        at = f"step {state.step} of {self.config.steps}, {len(state.store)} elements" if state \
            else "not started"
        return f"Loop({self.domain.grammar.name!r}{target}, {at})"

    def _initial_state(self) -> LoopState:
        store = self.domain.new_store()
        n = len(store)
        if n == 0:
            raise DistributionError("the domain has no atoms: a loop needs at least one to "
                                    "start from (give --atoms, e.g. 'x,1')", token="--atoms")
        return self._fresh_state(store, torch.full((n,), 1.0 / n, dtype=torch.float64,
                                                   device=store.keys.device))

    def _fresh_state(self, store: Store, p0: torch.Tensor) -> LoopState:
        """A state at step 0 on ``store`` with weights ``p0``: all alive, no edges yet."""
        dev = store.keys.device
        logits = rule_logits(len(store.rules), self.config.persistence, device=dev,
                             dtype=torch.get_default_dtype())  # as it always was: same runs
        empty = torch.empty(0, dtype=torch.int64, device=dev)
        return LoopState(store, p0, torch.ones(len(store), dtype=torch.bool, device=dev),
                         Hyperedges.empty(dev), empty, logits)

    @property
    def learner(self) -> WeightLearner:
        """The weight learner on the state's rule logits, resumed from its Adam moments.

        >>> loop = Loop(Domain.create("arith", atoms="x,1"), target="x + 1")
        >>> round(float(loop.learner.rules()[0]), 6)  # the persistence a
        0.5
        """
        st, cfg = self.state, self.config
        if self._learner is None or self._learner.logits is not st.logits:
            self._learner = WeightLearner(st.logits, lr=cfg.lr, rule_lr=cfg.rule_lr,
                                          depth=cfg.depth, opt_state=st.opt_state)
        return self._learner

    def run(self, steps: int | None = None,
            on_step: Callable[[LoopState], None] | None = None) -> Result:
        """Run ``steps`` more steps (default: up to ``config.steps``); returns the result.

        Past ``config.max_time`` seconds the loop ends between steps (after at least one, so
        each call makes progress) with ``stopped = "time"``, set before ``on_step`` sees the
        last step; ``run`` again continues it.

        >>> loop = Loop(Domain.create("arith", atoms="x,1"), target="x + 1", steps=5,
        ...             max_time=0)
        >>> _ = loop.run(); loop.state.step, loop.stopped
        (1, 'time')
        >>> _ = loop.run(); loop.state.step, loop.stopped
        (2, 'time')
        """
        end = self.state.step + steps if steps is not None else self.config.steps
        limit = self.config.max_time
        deadline = None if limit is None else time.monotonic() + limit
        self.stopped = None
        while self.state.step < end and self.stopped is None:
            self.step()
            if self.state.step < end and deadline is not None and time.monotonic() >= deadline:
                self.stopped = "time"
            if on_step is not None:
                on_step(self.state)
        return self.result()

    def step(self) -> None:
        """One step: generate, evolve, score, update weights, maybe prune.

        >>> loop = Loop(Domain.create("arith", atoms="x,1"), target="x + 1"); loop.step()
        >>> loop.state.step, len(loop.state.store) > 2, loop.state.history[-1]["step"]
        (1, True, 1)
        """
        st, cfg = self.state, self.config
        self._generate()
        edges = self._live_edges()
        st.p0, loss = self.learner.step(st.p0, edges, self._loss, st.alive, self._measure)
        st.opt_state = self.learner.state_dict()
        st.step += 1
        if st.step % cfg.prune_every == 0:
            self._prune()
        st.history.append(self._record(loss, len(edges)))

    def _loss(self, p0: torch.Tensor, p_t: torch.Tensor) -> torch.Tensor:
        return self.objective.loss(p_t, self.state.store)

    def _measure(self, p0: torch.Tensor, p_t: torch.Tensor) -> torch.Tensor:
        """The objective's true value (not its ES surrogate), to judge a step by."""
        return self.objective(p_t, self.state.store)

    def evolved(self) -> torch.Tensor:
        """The evolved weights ``p_T`` of the current state (detached rule weights).

        >>> loop = Loop(Domain.create("arith", atoms="x,1"), target="x + 1")
        >>> loop.evolved().tolist()  # no edges yet: the atoms keep their weights
        [0.5, 0.5]
        """
        return self.learner.evolved(self.state.p0, self._live_edges())

    def _generate(self) -> None:
        st, cfg = self.state, self.config
        if len(st.store) >= cfg.max_elements:
            return
        new, st.seen = generate(st.store, self.evolved(), cfg.cutoff, st.seen)
        st.edges = st.edges.cat(new)
        st.p0, st.alive = grow(st.p0, st.alive, len(st.store))
        self._revive(new.c)

    def _revive(self, children: torch.Tensor) -> None:
        """Bring back the pruned ``children`` of new edges (a pair forgotten at a prune and
        derived again gives the same fingerprint, so the same id), with their derivations."""
        st = self.state
        back = children[~st.alive[children]]
        if back.numel():
            alive = st.alive.clone()
            alive[back] = True
            st.alive = provenance_closure(alive, st.store.left, st.store.right)

    def _live_edges(self) -> Hyperedges:
        """The edges whose elements are all alive, kept up to date as edges are appended."""
        if self._live_of is not self.state:  # a replaced state (a resumed run): start afresh
            self._live, self._live_of = LiveEdges(), self.state
        return self._live(self.state.edges, self.state.alive)

    def _prune(self) -> None:
        """Kill light non-atoms, except the recorded derivations of what is kept; forget the
        pairs whose child died, so that they can be derived again.

        >>> loop = Loop(Domain.create("arith", atoms="x,1"), target="x*x + 1", prune_every=5)
        >>> _ = loop.run(steps=5); st = loop.state
        >>> kept = st.alive & (st.store.left >= 0)  # the parents of every kept element live
        >>> bool(st.alive[st.store.left[kept]].all()), bool(st.alive[st.edges.c].all())
        (True, True)
        """
        st = self.state
        atoms = torch.zeros_like(st.alive)
        atoms[list(st.store.leaves)] = True
        keep = st.alive & ((st.p0 >= self.config.prune_below) | atoms)
        st.alive = provenance_closure(keep, st.store.left, st.store.right)
        st.p0 = torch.where(st.alive, st.p0, 0)
        st.p0 = st.p0 / st.p0.sum()
        self._forget_dead_children()

    def _forget_dead_children(self) -> None:
        """Drop the edges into dead elements and their keys from ``seen``, so that parents that
        are heavy again derive those children again."""
        st = self.state
        dead = ~st.alive[st.edges.c]
        if dead.any():
            gone = torch.sort(st.edges.select(dead).keys()).values
            st.seen = st.seen[~member(gone, st.seen)]
            st.edges = st.edges.select(~dead)
            self._live = LiveEdges()

    def _record(self, loss: float, n_edges: int) -> dict:
        a, _ = self.learner.rules()
        return {"step": self.state.step, "loss": loss, "after": self.learner.after,
                "entropy": Distribution(self.state.p0).entropy(),
                "persistence": float(a), "elements": len(self.state.store),
                "support": int((self.state.p0 > 0).sum()), "edges": n_edges}

    def result(self) -> Result:
        """The current result: weights, scores and history."""
        st = self.state
        return Result(self.domain, st.store, st.p0.detach().clone(),
                      self.objective.scores(st.store), list(st.history), asdict(self.config))
