"""The learning loop: generate → evolve → objective → gradient → update on the simplex → prune.

The initial weights ``p0`` live on the whole generated support and are updated directly on the
simplex — a gradient step centred on the weighted mean, clipped at 0 and renormalized — not
through softmax logits, so a generated element whose weight is still 0 can acquire weight.
Rule weights and the persistence ``a`` are softmax logits trained with Adam.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field

import torch

from automath.core.distribution import Distribution
from automath.core.domain import Domain, closeness
from automath.core.errors import DistributionError
from automath.core.evolve import evolve, rule_weights
from automath.core.generate import Hyperedges, generate
from automath.core.objective import Objective
from automath.core.optim import Adam
from automath.core.result import Result
from automath.core.store import Store


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
    seed: int = 0


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


def simplex_step(p: torch.Tensor, grad: torch.Tensor, lr: float,
                 alive: torch.Tensor) -> torch.Tensor:
    """Ascend ``grad`` on the simplex: centre on the weighted mean, clip at 0, renormalize.

    An entry with zero weight moves only if its gradient beats the weighted mean; steps are
    scaled by the largest gradient on the support (off-support extremes are clipped), or, when
    that is 0 (a single element holds all weight), by the largest gradient anywhere:

    >>> p = torch.tensor([.5, .5, 0.]); g = torch.tensor([1., 0., 2.])
    >>> [round(v, 3) for v in simplex_step(p, g, .1, torch.ones(3, dtype=bool)).tolist()]
    [0.545, 0.364, 0.091]
    >>> [round(v, 3) for v in simplex_step(torch.tensor([1., 0.]), torch.tensor([0., 2.]), .1,
    ...                                    torch.ones(2, dtype=bool)).tolist()]
    [0.909, 0.091]
    """
    grad = torch.nan_to_num(grad, nan=0.0, posinf=1e300, neginf=-1e300)
    g = torch.where(alive, grad - (grad * p).sum(), 0)
    on = alive & (p > 0)
    scale = g[on].abs().max() if on.any() else g.new_zeros(())
    if scale == 0:  # e.g. one element holds all weight: let the best newcomers in
        scale = g.abs().max()
    g = g.clamp(-scale, scale)
    if scale > 0:
        p = (p + lr * g / scale).clamp_min(0)
    p = torch.where(alive, p, 0)
    total = p.sum()
    if total <= 0:
        raise DistributionError("the distribution became empty")
    return p / total


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
        from automath.core.domain import PRESETS
        self.target = target or PRESETS.get(domain.grammar.name, {}).get("target")
        if objective is None and self.target is None:
            raise DistributionError("give an objective or a target")
        self.objective = objective or closeness(domain, self.target)
        self.state = self._initial_state()
        self._live: _LiveEdges | None = None

    def _initial_state(self) -> LoopState:
        torch.manual_seed(self.config.seed)
        store = self.domain.new_store()
        n, dev = len(store), store.keys.device
        p0 = torch.full((n,), 1.0 / n, dtype=torch.float64, device=dev)
        logits = torch.zeros(1 + len(store.rules), dtype=torch.float64, device=dev)
        c = self.config.persistence
        logits[0] = torch.log(torch.tensor(c * len(store.rules) / max(1e-9, 1 - c)))
        empty = torch.empty(0, dtype=torch.int64, device=dev)
        return LoopState(store, p0, torch.ones(n, dtype=torch.bool, device=dev),
                         Hyperedges.empty(dev), empty, logits)

    def run(self, steps: int | None = None,
            on_step: Callable[[LoopState], None] | None = None) -> Result:
        """Run ``steps`` more steps (default: up to ``config.steps``); returns the result."""
        end = self.state.step + steps if steps is not None else self.config.steps
        logits = self.state.logits.requires_grad_(True)
        opt = Adam(logits, lr=self.config.rule_lr)
        if self.state.opt_state:
            opt.load_state_dict(self.state.opt_state)
        while self.state.step < end:
            self.step(opt)
            if on_step is not None:
                on_step(self.state)
        return self.result()

    def step(self, opt: Adam) -> None:
        """One step: generate, evolve, score, update weights, maybe prune."""
        st, cfg = self.state, self.config
        self._generate()
        edges = self._live_edges()
        p = st.p0.clone().requires_grad_(True)
        a, b = rule_weights(st.logits)
        p_t = evolve(p, edges, a, b, cfg.depth)
        loss = self.objective.loss(p_t, st.store)
        opt.zero_grad()
        loss.backward()
        st.p0 = simplex_step(st.p0, -p.grad, cfg.lr, st.alive)
        opt.step()
        st.opt_state = opt.state_dict()
        st.step += 1
        if st.step % cfg.prune_every == 0:
            self._prune()
        st.history.append(self._record(float(loss.detach()), p_t.detach(), len(edges)))

    def _generate(self) -> None:
        st, cfg = self.state, self.config
        if len(st.store) >= cfg.max_elements:
            return
        a, b = rule_weights(st.logits.detach())
        weights = evolve(st.p0, self._live_edges(), a, b, cfg.depth)
        new, st.seen = generate(st.store, weights, cfg.cutoff, st.seen)
        st.edges = st.edges.cat(new)
        grow = len(st.store) - st.p0.shape[0]
        if grow > 0:
            st.p0 = torch.cat([st.p0, st.p0.new_zeros(grow)])
            st.alive = torch.cat([st.alive, st.alive.new_ones(grow)])

    def _live_edges(self) -> Hyperedges:
        """The edges whose elements are all alive. Edges are only appended and elements only
        die when pruned, so the previous answer is extended while no element it used died."""
        st, c = self.state, self._live
        if c is None or c.state is not st or not torch.equal(st.alive[:len(c.alive)], c.alive):
            c = _LiveEdges(st, st.alive[:0], 0, Hyperedges.empty(st.alive.device))
        e = Hyperedges(*(f[c.done:] for f in st.edges.fields()))
        live = c.edges.cat(e.select(_alive(e, st.alive)))
        self._live = _LiveEdges(st, st.alive.clone(), len(st.edges), live)
        return live

    def _prune(self) -> None:
        st = self.state
        atoms = torch.zeros_like(st.alive)
        atoms[list(st.store.leaves)] = True
        st.alive = st.alive & ((st.p0 >= self.config.prune_below) | atoms)
        st.p0 = torch.where(st.alive, st.p0, 0)
        st.p0 = st.p0 / st.p0.sum()

    def _record(self, loss: float, p_t: torch.Tensor, n_edges: int) -> dict:
        a, _ = rule_weights(self.state.logits.detach())
        return {"step": self.state.step, "loss": loss,
                "entropy": Distribution(self.state.p0).entropy(),
                "persistence": float(a), "elements": len(self.state.store),
                "support": int((self.state.p0 > 0).sum()), "edges": n_edges}

    def result(self) -> Result:
        """The current result: weights, scores and history."""
        st = self.state
        return Result(self.domain, st.store, st.p0.detach().clone(),
                      self.objective.scores(st.store), list(st.history), asdict(self.config))


@dataclass(frozen=True)
class _LiveEdges:
    """The live edges of ``state`` among its first ``done`` edges, under the mask ``alive``."""

    state: LoopState
    alive: torch.Tensor
    done: int
    edges: Hyperedges


def _alive(e: Hyperedges, alive: torch.Tensor) -> torch.Tensor:
    """Which edges have every element (parents and child) alive."""
    j_ok = torch.where(e.j >= 0, alive[e.j.clamp(min=0)], True)
    return alive[e.i] & alive[e.c] & j_ok
