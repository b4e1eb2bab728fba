"""The engine's loop on a search's store: ``GuidedLoop`` (started on given weights, grown by
elements added outside its steps, and the ascent of its objective on every element)."""

from __future__ import annotations

import torch
from torch import Tensor

from automath.core.domain import Domain
from automath.core.engine import Loop, LoopState
from automath.core.evolve import evolve
from automath.core.learning import grow
from automath.core.objective import ExpectedScore
from automath.core.store import Store


class GuidedLoop(Loop):
    """The engine's loop started on a given store and initial weights (no atoms-only start).

    >>> from automath.regression.data import data_domain
    >>> from automath.core.objective import ExpectedScore
    >>> d = data_domain("nguyen", {"x": [0.5, 1.5]}); st = d.new_store()
    >>> loop = GuidedLoop(d, ExpectedScore(lambda s, i: i.double()), st, torch.ones(1))
    >>> loop.run(steps=2).store is st
    True
    """

    def __init__(self, domain: Domain, objective: ExpectedScore, store: Store, p0: Tensor,
                 **config: object) -> None:
        self._start = (store, p0)
        super().__init__(domain, objective, **config)

    def _initial_state(self) -> LoopState:
        store, p0 = self._start
        return self._fresh_state(store, p0)

    def grow(self) -> None:
        """Give elements added outside ``step`` (goal hits) a zero weight slot.

        >>> from automath.regression.data import data_domain
        >>> d = data_domain("nguyen", {"x": [0.5, 1.5]}); st = d.new_store()
        >>> loop = GuidedLoop(d, ExpectedScore(lambda s, i: i.double()), st, torch.ones(1))
        >>> _ = st.add_term(d.parse("x + x")); loop.grow(); loop.state.p0.tolist()
        [1.0, 0.0]
        """
        st = self.state
        st.p0, st.alive = grow(st.p0, st.alive, len(st.store))

    def ascent(self) -> Tensor:
        """``-∂loss/∂p0`` of the objective of ``p_T`` on every element of the store: what
        weight on each element, held or not (pruned elements too), would add.

        >>> from automath.regression.data import data_domain
        >>> d = data_domain("nguyen", {"x": [0.5, 1.5]}); st = d.new_store()
        >>> loop = GuidedLoop(d, ExpectedScore(lambda s, i: i.double() + 1), st, torch.ones(1))
        >>> _ = st.add_term(d.parse("x + x")); loop.grow()
        >>> [v + 0.0 for v in loop.ascent().tolist()]  # x + x scores 1 more than x
        [0.0, 1.0]
        """
        self.grow()
        st = self.state
        p = st.p0.detach().clone().requires_grad_(True)
        a, b = self.learner.rules()
        loss = self._loss(p, evolve(p, self._live_edges(), a, b, self.config.depth))
        (grad,) = torch.autograd.grad(loss, p)
        return -grad
