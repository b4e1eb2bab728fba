"""Distribution: immutable weights over store ids, with the usual queries."""

from __future__ import annotations

from collections.abc import Callable

import torch

from automath.core.errors import DistributionError


class Distribution:
    """Weights over element ids (a 1-D torch tensor); operations return new distributions.

    >>> d = Distribution(torch.tensor([1., 3., 0., 4.])).normalize()
    >>> d.top(2)
    [(3, 0.5), (1, 0.375)]
    >>> round(d.entropy(), 4)
    0.9743
    """

    def __init__(self, weights: torch.Tensor) -> None:
        if weights.dim() != 1:
            raise DistributionError(f"weights must be 1-D, got shape {tuple(weights.shape)}")
        if not torch.isfinite(weights).all() or (weights < 0).any():
            raise DistributionError("weights must be finite and non-negative")
        self.weights = weights.detach().to(torch.float64).clone()

    def __len__(self) -> int:
        return int(self.weights.shape[0])

    def total(self) -> float:
        """Sum of the weights.

        >>> Distribution(torch.tensor([1., 3., 0.])).total()
        4.0
        """
        return float(self.weights.sum())

    def normalize(self) -> Distribution:
        """Scale to total weight 1; an empty distribution is an error.

        >>> Distribution(torch.zeros(2)).normalize()
        Traceback (most recent call last):
        ...
        automath.core.errors.DistributionError: cannot normalize an empty distribution (total 0)
        """
        t = self.total()
        if t <= 0:
            raise DistributionError("cannot normalize an empty distribution (total 0)")
        return Distribution(self.weights / t)

    def support(self) -> torch.Tensor:
        """Ids with positive weight.

        >>> Distribution(torch.tensor([0., .4, 0., .6])).support().tolist()
        [1, 3]
        """
        return (self.weights > 0).nonzero().squeeze(1)

    def top(self, k: int) -> list[tuple[int, float]]:
        """The ``k`` heaviest (id, weight) pairs, heaviest first (ties by id).

        Zero weights are never listed, so fewer than ``k`` pairs may come back:

        >>> Distribution(torch.tensor([.25, .5, .25, 0.])).top(4)
        [(1, 0.5), (0, 0.25), (2, 0.25)]
        """
        w = self.weights
        order = torch.argsort(-w, stable=True)[: min(k, len(self))]
        return [(int(i), float(w[i])) for i in order if w[i] > 0]

    def entropy(self) -> float:
        """Shannon entropy (nats) of the normalized weights.

        >>> import math; math.isclose(Distribution(torch.ones(4)).entropy(), math.log(4))
        True
        >>> Distribution(torch.tensor([0., 2.])).entropy() == 0  # a point mass
        True
        """
        p = self.normalize().weights
        p = p[p > 0]
        return float(-(p * p.log()).sum())

    def filter(self, keep: torch.Tensor | Callable[[int], bool]) -> Distribution:
        """Keep ids where a mask (or a predicate on the id) is true.

        >>> Distribution(torch.tensor([.2, .3, .5])).filter(lambda i: i != 1).weights.tolist()
        [0.2, 0.0, 0.5]
        """
        if callable(keep):
            keep = torch.tensor([bool(keep(i)) for i in range(len(self))])
        return Distribution(torch.where(keep.to(self.weights.device), self.weights, 0))
