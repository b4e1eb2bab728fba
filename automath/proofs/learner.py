"""Learning for lemma discovery: ProvingGround's objective on proofs and its gradient steps.

The loss is ``entropy·H(p0) + kl·KL(P ‖ Q)**power``: ``P`` the statements' own weights, ``Q``
the evolved proof weight pushed forward to statements. The ``Learner`` is the core
``WeightLearner`` with the proofs' settings: simplex steps on the generating weights ``p0``,
preconditioned by the weights, and Adam steps on rule logits.
"""

from __future__ import annotations

import torch

from automath.core.learning import WeightLearner, rule_logits


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


class Learner(WeightLearner):
    """The weight learner with the proofs' settings: rule logits from the persistence, and with
    ``natural`` the gradient preconditioned by the current weights (floored), so a new statement
    gains weight in proportion to its statement weight rather than to ``p/q``, which is
    unbounded; a one-point support is first spread a little (0.1 %) over the alive elements.

    >>> from automath.core.generate import Hyperedges
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
        super().__init__(rule_logits(n_rules, persistence), lr=lr, rule_lr=rule_lr, depth=depth,
                         natural_floor=natural_floor if natural else None, spread=0.001)
