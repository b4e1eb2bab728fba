"""Learning for lemma discovery: ProvingGround's objective on proofs and its gradient steps.

The loss is ``entropy·H(p0) + kl·KL(P ‖ Q)**power``: ``P`` the statements' own weights, ``Q``
the evolved proof weight pushed forward to statements. The ``Learner`` takes simplex steps on
the generating weights ``p0`` (preconditioned by the weights) and Adam steps on rule logits.
"""

from __future__ import annotations

import math

import torch

from automath.core.engine import simplex_step
from automath.core.evolve import evolve, rule_weights
from automath.core.generate import Hyperedges
from automath.core.optim import Adam


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
        self.opt = Adam(self.logits, lr=rule_lr)

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
        self.logits.grad = None
        loss.backward()
        grad = -p.grad
        if self.natural:
            grad = grad * torch.maximum(p0, p_t.detach()).clamp_min(self.natural_floor)
        if int(((p0 > 0) & alive).sum()) < 2:  # simplex_step cannot leave a one-point support
            p0 = 0.999 * p0 + 0.001 * alive.to(p0.dtype) / alive.sum()
        p0 = simplex_step(p0, grad, self.lr, alive)
        self.opt.step()
        return p0, float(loss.detach())
