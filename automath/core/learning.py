"""Learning: one gradient step on the initial weights ``p0`` and the rule logits, for every task.

``p0`` lives on the whole generated support and moves on the simplex (``simplex_step``): a
gradient step centred on the weighted mean, clipped at 0 and renormalized, its size halved
until it does not raise the loss — not through softmax logits, so an element whose weight is
still 0 can acquire weight. The persistence ``a`` and the rule weights ``b`` are softmax logits
(``rule_logits``) trained with Adam. A step evolves a copy of ``p0`` with autograd, scores it,
and steps both (``WeightLearner.step``). The support grows
as elements arrive (``grow``), pruning keeps the recorded derivations of what it keeps
(``provenance_closure``), and the evolution runs on the edges whose elements are all alive
(``LiveEdges``).
"""

from __future__ import annotations

from collections.abc import Callable

import torch

from automath.core.errors import DistributionError
from automath.core.evolve import evolve, rule_weights
from automath.core.generate import Hyperedges
from automath.core.optim import Adam

Loss = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]
"""A loss of the initial weights ``p0`` and the evolved weights ``p_T``."""


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


def rule_logits(n_rules: int, persistence: float, *, device: str | torch.device = "cpu",
                dtype: torch.dtype = torch.float64) -> torch.Tensor:
    """Float64 logits whose softmax puts ``persistence`` on the identity and splits the rest
    evenly over the rules; ``dtype`` is the precision the identity's logit is computed in.

    >>> a, b = rule_weights(rule_logits(4, 0.6)); round(float(a), 9), round(float(b[0]), 9)
    (0.6, 0.1)
    """
    logits = torch.zeros(1 + n_rules, dtype=torch.float64, device=device)
    odds = persistence * n_rules / max(1e-9, 1 - persistence)
    logits[0] = torch.log(torch.tensor(odds, dtype=dtype))
    return logits


class WeightLearner:
    """Rule logits with their Adam optimizer, and the one learning step on ``p0`` and them.

    With ``natural_floor`` the gradient on ``p0`` is preconditioned by the weights
    ``max(p0, p_T)``, floored there (a natural-gradient step). With ``spread`` a one-point
    support first gets that share of the uniform weight on the alive elements. The step on
    ``p0`` starts at the size ``rate`` (at most ``lr``), halved up to ``backtracks`` times
    until it does not raise the loss (``_search``); ``state_dict`` keeps ``rate`` for resumes,
    and ``after`` holds the true loss just after the last step (the loss ``step`` returns is the
    one before it, so a rise between the two comes from outside the learner).

    Raising the evolved weight of element 1, which rule 0 derives from element 0:

    >>> e = Hyperedges(*(torch.tensor([v]) for v in (0, 0, -1, 1)))
    >>> learner, p0, losses = WeightLearner(rule_logits(1, 0.5)), torch.tensor([.5, .5]), []
    >>> for _ in range(5):
    ...     p0, loss = learner.step(p0, e, lambda p, p_t: -p_t[1]); losses.append(round(loss, 3))
    >>> losses, int(p0.argmax()), round(float(learner.rules()[0]), 3)
    ([-0.75, -0.788, -0.823, -0.861, -0.905], 1, 0.384)
    """

    def __init__(self, logits: torch.Tensor, *, lr: float = 0.1, rule_lr: float = 0.05,
                 depth: int = 2, natural_floor: float | None = None, spread: float = 0.0,
                 opt_state: dict | None = None, backtracks: int = 4) -> None:
        self.logits = logits.requires_grad_(True)
        self.opt = Adam(self.logits, lr=rule_lr)
        if opt_state:
            self.opt.load_state_dict(opt_state)
        self.lr, self.depth, self.natural_floor, self.spread = lr, depth, natural_floor, spread
        self.rate = float((opt_state or {}).get("rate", lr))
        self.backtracks = backtracks
        self.after = float("nan")  # the true loss just after the last step on p0

    def state_dict(self) -> dict:
        """What a resumed learner needs: the Adam moments and the current step size ``rate``.

        >>> sorted(WeightLearner(rule_logits(1, .5)).state_dict())
        ['m', 'rate', 'steps', 'v']
        """
        return {**self.opt.state_dict(), "rate": self.rate}

    def rules(self) -> tuple[torch.Tensor, torch.Tensor]:
        """Persistence ``a`` and rule weights ``b`` (detached).

        >>> [round(float(w), 3) for w in WeightLearner(rule_logits(1, .7)).rules()]
        [0.7, 0.3]
        """
        return rule_weights(self.logits.detach())

    def evolved(self, p0: torch.Tensor, edges: Hyperedges,
                depth: int | None = None) -> torch.Tensor:
        """``p_T``: ``depth`` (default: the learner's) evolution steps under ``rules()``.

        >>> e = Hyperedges(*(torch.tensor([v]) for v in (0, 0, -1, 1)))
        >>> WeightLearner(rule_logits(1, .5)).evolved(torch.tensor([1., 0.]), e, 1).tolist()
        [0.5, 0.5]
        """
        a, b = self.rules()
        return evolve(p0, edges, a, b, self.depth if depth is None else depth)

    def step(self, p0: torch.Tensor, edges: Hyperedges, loss: Loss,
             alive: torch.Tensor | None = None,
             measure: Loss | None = None) -> tuple[torch.Tensor, float]:
        """One step lowering ``loss(p0, p_T)``: ``p0`` on the simplex over ``alive`` (default:
        all), the rule logits by Adam; returns the new ``p0`` and the loss before the step.
        Steps are judged by ``measure`` (default: ``loss``) — the true value where ``loss`` is
        a surrogate whose value means nothing (evolution strategies')."""
        alive = torch.ones_like(p0, dtype=torch.bool) if alive is None else alive
        p = p0.clone().requires_grad_(True)
        a, b = rule_weights(self.logits)
        p_t = evolve(p, edges, a, b, self.depth)
        value = loss(p, p_t)
        self.opt.zero_grad()
        value.backward()
        grad = self._ascent(p.grad, p0, p_t.detach())
        a, b = a.detach(), b.detach()
        judge = loss if measure is None else measure
        start = self._spread(p0, alive)
        with torch.no_grad():
            def trial(q: torch.Tensor) -> float:
                return float(judge(q, evolve(q, edges, a, b, self.depth)))
            base = float(value.detach()) if judge is loss and start is p0 else trial(start)
            p0 = self._search(start, grad, alive, base, trial)
        self.opt.step()
        return p0, float(value.detach())

    def _search(self, p0: torch.Tensor, grad: torch.Tensor, alive: torch.Tensor, value: float,
                trial_loss: Callable[[torch.Tensor], float]) -> torch.Tensor:
        """Step-size control: halve ``rate`` until the step does not raise the loss (at most
        ``backtracks`` times, else stay); a step taken at the first try doubles it, up to ``lr``."""
        rate, self.after = self.rate, value
        for tries in range(self.backtracks):
            trial = simplex_step(p0, grad, rate, alive)
            if (after := trial_loss(trial)) <= value:
                self.rate, self.after = min(self.lr, 2 * rate) if tries == 0 else rate, after
                return trial
            rate /= 2
        self.rate = rate
        return p0

    def _ascent(self, grad: torch.Tensor, p0: torch.Tensor, p_t: torch.Tensor) -> torch.Tensor:
        """The direction that lowers the loss, preconditioned where asked."""
        if self.natural_floor is None:
            return -grad
        return -grad * torch.maximum(p0, p_t).clamp_min(self.natural_floor)

    def _spread(self, p0: torch.Tensor, alive: torch.Tensor) -> torch.Tensor:
        if not self.spread or int(((p0 > 0) & alive).sum()) >= 2:
            return p0
        return (1 - self.spread) * p0 + self.spread * alive.to(p0.dtype) / alive.sum()


def pad(t: torch.Tensor, n: int, fill: float | bool) -> torch.Tensor:
    """``t`` extended to ``n`` entries with ``fill`` (``t`` itself when that long already).

    >>> pad(torch.tensor([True]), 3, False).tolist()
    [True, False, False]
    """
    extra = n - t.shape[0]
    return torch.cat([t, t.new_full((extra,), fill)]) if extra > 0 else t


def grow(p0: torch.Tensor, alive: torch.Tensor, n: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Weights and alive mask extended to ``n`` elements: newcomers weigh 0 and are alive.

    >>> p0, alive = grow(torch.tensor([1.]), torch.tensor([False]), 2)
    >>> p0.tolist(), alive.tolist()
    ([1.0, 0.0], [False, True])
    """
    return pad(p0, n, 0), pad(alive, n, True)


def all_alive(edges: Hyperedges, alive: torch.Tensor) -> torch.Tensor:
    """Which edges have every element (parents and child) alive.

    >>> e = Hyperedges(*(torch.tensor(v) for v in ([0, 0], [0, 1], [-1, 2], [1, 3])))
    >>> all_alive(e, torch.tensor([True, True, False, True])).tolist()
    [True, False]
    """
    j_ok = torch.where(edges.j >= 0, alive[edges.j.clamp(min=0)], True)
    return alive[edges.i] & alive[edges.c] & j_ok


def provenance_closure(alive: torch.Tensor, left: torch.Tensor,
                       right: torch.Tensor) -> torch.Tensor:
    """``alive`` plus every element on the recorded derivation (``left``, ``right``; -1 for
    none) of an alive one, transitively down to the leaves.

    Element 3 = op(1, 2), 1 = op(0), 0 and 2 leaves: keeping 3 keeps 1, 2 and 0:

    >>> left, right = torch.tensor([-1, 0, -1, 1, -1]), torch.tensor([-1, -1, -1, 2, -1])
    >>> provenance_closure(torch.tensor([0, 0, 0, 1, 1], dtype=bool), left, right).tolist()
    [True, True, True, True, True]
    """
    alive, frontier = alive.clone(), alive.nonzero().squeeze(1)
    while frontier.numel():  # each round walks one level down: as many rounds as the depth
        kids = torch.cat([left[frontier], right[frontier]])
        kids = kids[kids >= 0]
        frontier = torch.unique(kids[~alive[kids]])
        alive[frontier] = True
    return alive


class LiveEdges:
    """The live edges (``all_alive``) of an edge list that only grows by appending.

    Elements die only when pruned, so the previous answer is extended by the new edges while
    the mask it used is unchanged; any change to that mask (a death or a revival) starts afresh.
    The owner makes a new one for a new edge list.

    >>> live, e = LiveEdges(), Hyperedges(*(torch.tensor([v]) for v in (0, 0, -1, 1)))
    >>> len(live(e, torch.tensor([True, True]))), len(live(e.cat(e), torch.tensor([True, True])))
    (1, 2)
    >>> len(live(e.cat(e), torch.tensor([False, True])))
    0
    """

    def __init__(self) -> None:
        self.alive: torch.Tensor | None = None
        self.done = 0
        self.edges = Hyperedges.empty()

    def __call__(self, edges: Hyperedges, alive: torch.Tensor) -> Hyperedges:
        """The edges among ``edges`` whose elements are all alive under ``alive``."""
        old = self.alive
        if old is None or len(edges) < self.done or not torch.equal(alive[:len(old)], old):
            self.done, self.edges = 0, Hyperedges.empty(alive.device)
        new = Hyperedges(*(f[self.done:] for f in edges.fields()))
        self.edges = self.edges.cat(new.select(all_alive(new, alive)))
        self.alive, self.done = alive.clone(), len(edges)
        return self.edges
