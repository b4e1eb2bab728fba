"""Weights on laws, learned by the differentiable evolution with laws and equations as elements.

The elements are the laws, then the enumerated equations that depend on them (``law_coverage``:
proved by all the laws, not without this one). Law ``l`` has a unary hyperedge to each of the
``n_l`` equations it is needed for, under its own rule of weight ``(1 - a) / n_l``: one
evolution step with persistence ``a`` keeps ``a`` of a law's weight on the law and spreads the
rest evenly over its consequences. The objective is the coverage of the theory: the KL
divergence from the uniform distribution on the dependent equations to the evolved weights on
the equations (renormalized), which is 0 only when every equation gets an equal share. The
weights ``p0`` on the laws start at the one-step shares (``theory_shares``) and take a few
gradient steps on the simplex (``simplex_step``); a step is kept only if it lowers the loss,
otherwise the rate is halved.

A law whose consequences are its own ends with weight proportional to their number; one whose
consequences other laws also reach gives way to those laws (it is not what covers them).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import torch

from automath.core.evolve import evolve
from automath.core.generate import Hyperedges
from automath.core.learning import pad, simplex_step


@dataclass(frozen=True)
class Theory:
    """Laws and their dependent equations as elements of an evolution (see the module doc).

    >>> t = Theory.build([torch.tensor([0, 1, 2, 3]), torch.tensor([3, 4])])
    >>> t.laws, t.equations, len(t.edges)
    (2, 5, 6)
    >>> q = t.evolve(torch.tensor([.5, .5], dtype=torch.float64))  # a = 0.5 stays on the laws
    >>> [round(v, 4) for v in q.tolist()]
    [0.25, 0.25, 0.0625, 0.0625, 0.0625, 0.1875, 0.125]
    >>> round(t.loss(torch.tensor([.5, .5], dtype=torch.float64)).item(), 4)
    0.1117
    """

    edges: Hyperedges
    persistence: torch.Tensor
    rates: torch.Tensor
    laws: int
    equations: int

    @staticmethod
    def build(coverage: Sequence[torch.Tensor], persistence: float = 0.5) -> Theory:
        """Elements: laws ``0..m-1``, then each equation some law's coverage holds."""
        m = len(coverage)
        sizes = torch.tensor([c.numel() for c in coverage], dtype=torch.int64)
        eqs, local = torch.unique(torch.cat([torch.zeros(0, dtype=torch.int64), *coverage]),
                                  return_inverse=True)
        law = torch.repeat_interleave(torch.arange(m), sizes)
        edges = Hyperedges(law, law, torch.full_like(law, -1), m + local)
        rates = (1 - persistence) / sizes.clamp_min(1).double()
        return Theory(edges, torch.tensor(persistence, dtype=torch.float64), rates, m,
                      int(eqs.numel()))

    def evolve(self, p0: torch.Tensor) -> torch.Tensor:
        """One evolution step from weights ``p0`` on the laws (equations start at 0)."""
        p = pad(p0, self.laws + self.equations, 0.0)
        return evolve(p, self.edges, self.persistence, self.rates, 1)

    def loss(self, p0: torch.Tensor) -> torch.Tensor:
        """KL(uniform on the equations ‖ evolved weights on the equations, renormalized)."""
        q = self.evolve(p0)[self.laws:]
        q = q / q.sum().clamp_min(torch.finfo(q.dtype).tiny)
        return -torch.log(q.clamp_min(torch.finfo(q.dtype).tiny)).mean() - \
            torch.log(torch.tensor(float(self.equations), dtype=q.dtype))

    def gradient(self, p0: torch.Tensor) -> tuple[float, torch.Tensor]:
        """The loss at ``p0`` and its gradient with respect to ``p0``."""
        p = p0.detach().clone().requires_grad_(True)
        loss = self.loss(p)
        loss.backward()
        return float(loss.detach()), p.grad


def learn_weights(coverage: Sequence[torch.Tensor], steps: int = 20, lr: float = 0.1,
                  persistence: float = 0.5) -> torch.Tensor:
    """Weights on laws that minimize ``Theory.loss``: from the one-step shares, ``steps``
    gradient steps on the simplex over the laws that cover something.

    Equation 3 is shared; the first law, whose other three equations only it covers, takes
    more than its one-step share 0.7 (the optimum is (12 - √24) / 10 = 0.7101):

    >>> cover = [torch.tensor([0, 1, 2, 3]), torch.tensor([3, 4])]
    >>> [round(v, 3) for v in learn_weights(cover).tolist()]
    [0.71, 0.29]
    """
    p = theory_shares(coverage)
    alive = torch.tensor([c.numel() > 0 for c in coverage], dtype=torch.bool)
    if not bool(alive.any()):
        return p
    theory = Theory.build(coverage, persistence)
    loss, grad = theory.gradient(p)
    for _ in range(steps):
        trial = simplex_step(p, -grad, lr, alive)
        trial_loss, trial_grad = theory.gradient(trial)
        if trial_loss < loss:
            p, loss, grad = trial, trial_loss, trial_grad
        else:
            lr /= 2
    return p


def theory_shares(coverage: Sequence[torch.Tensor]) -> torch.Tensor:
    """Weights on laws: each dependent equation's unit of weight split evenly among the laws
    it depends on, pushed from the equations to the laws by one ``evolve`` step.

    Elements are the equations, then the laws; equation ``e`` has a hyperedge to each law it
    depends on, under the rule "degree k" of weight ``1/k``, so the step conserves weight.

    >>> w = theory_shares([torch.tensor([0, 1, 2]), torch.tensor([2, 3])])
    >>> [round(v, 3) for v in w.tolist()]  # equation 2 is shared
    [0.625, 0.375]
    """
    m, sizes = len(coverage), torch.tensor([c.numel() for c in coverage], dtype=torch.int64)
    eq = torch.cat([torch.zeros(0, dtype=torch.int64), *coverage])
    if eq.numel() == 0:
        return torch.full((m,), 1.0 / max(m, 1), dtype=torch.float64)
    n_eq = int(eq.max()) + 1
    degree = torch.bincount(eq, minlength=n_eq)
    edges = Hyperedges(degree[eq] - 1, eq, torch.full_like(eq, -1),
                       n_eq + torch.repeat_interleave(torch.arange(m), sizes))
    p0 = torch.cat([(degree > 0).double(), torch.zeros(m, dtype=torch.float64)])
    rate = 1.0 / torch.arange(1, int(degree.max()) + 1, dtype=torch.float64)
    return evolve(p0 / p0.sum(), edges, torch.zeros((), dtype=torch.float64), rate, 1)[n_eq:]
