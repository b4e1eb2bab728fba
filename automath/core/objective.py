"""Objectives: losses on the evolved distribution ``p_T`` that compose with weights.

Every objective is a loss to *minimize*: ``ExpectedScore`` is ``-Σ p·score``, ``Entropy`` is
``H(p)``, ``KL`` is ``KL(pushforward(p) ‖ target)``. Combine them with ``+`` and scalars:
``ExpectedScore(s) + 0.1 * Entropy()``. An objective marked ``differentiable = False``
(``EsObjective``, ``TopMatch``) gets its gradient from evolution strategies in ``loss``.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable

import torch

from automath.core.store import Store

ScoreFn = Callable[[Store, torch.Tensor], torch.Tensor]  # (store, ids) -> score per id


def _no_store() -> None:
    """The cache owner of an objective that has scored nothing yet."""


class Objective:
    """A loss on the evolved distribution; ``+`` and ``*`` build weighted sums.

    >>> (2 * Entropy() + Entropy()).terms[0][0], (Entropy() - 3 * Entropy()).terms[1][0]
    (2.0, -3.0)
    """

    differentiable = True

    def __call__(self, p: torch.Tensor, store: Store) -> torch.Tensor:
        raise NotImplementedError

    @property
    def terms(self) -> list[tuple[float, Objective]]:
        return [(1.0, self)]

    def __repr__(self) -> str:
        """The objective as written: a class with its plain settings, or a weighted sum.

        >>> 2 * Entropy() - Size(), ExpectedScore(len, size_penalty=0.5)
        (2*Entropy() - Size(), ExpectedScore(score=len, size_penalty=0.5))
        """
        if self.terms != [(1.0, self)]:
            return _sum_repr(self.terms)
        plain = {k: getattr(v, "__name__", v) for k, v in vars(self).items()
                 if not k.startswith("_") and (callable(v) or isinstance(v, PLAIN))}
        return f"{type(self).__name__}({', '.join(f'{k}={v}' for k, v in plain.items())})"

    def __add__(self, other: Objective) -> Objective:
        return Sum(self.terms + other.terms)

    def __mul__(self, c: float) -> Objective:
        return Sum([(float(c) * w, o) for w, o in self.terms])

    __rmul__ = __mul__

    def __neg__(self) -> Objective:
        return self * -1.0

    def __sub__(self, other: Objective) -> Objective:
        return self + -other

    def scores(self, store: Store) -> torch.Tensor | None:
        """Per-element scores, where the objective has them (for tables)."""
        found = [o.scores(store) for _, o in self.terms if o is not self]
        return next((s for s in found if s is not None), None)

    def batch(self, ps: torch.Tensor, store: Store) -> torch.Tensor:
        """The loss of each row of ``ps`` (distributions, one per row); override to vectorize.

        >>> Entropy().batch(torch.tensor([[1., 0.], [.5, .5]]), None).tolist()
        [-0.0, 0.6931471805599453]
        """
        return torch.stack([self(row, store) for row in ps])

    def loss(self, p: torch.Tensor, store: Store) -> torch.Tensor:
        """What the loop backpropagates: each differentiable term as it is, each term marked
        non-differentiable (``differentiable = False``) through its ES estimate.

        >>> p = torch.tensor([.5, .5, 0.], requires_grad=True)
        >>> top = EsObjective(lambda q, store: -(q.argmax() == 1).double(), seed=0)
        >>> from automath.core.domain import Domain
        >>> store = Domain.create("arith", atoms="x,1,2").new_store()  # 3 elements
        >>> loss = (Entropy() + top).loss(p, store); loss.backward()
        >>> round(loss.item(), 4), bool(p.grad[1] < p.grad[0])
        (0.6931, True)
        """
        return sum(w * (o(p, store) if o.differentiable else o.surrogate(p, store))
                   for w, o in self.terms)


PLAIN = (bool, int, float, str)  # the settings an objective's repr shows (and callables' names)


def _sum_repr(terms: list[tuple[float, Objective]]) -> str:
    """``w1*o1 + w2*o2 - ...`` with weights 1 left out.

    >>> _sum_repr([(1.0, Entropy()), (-0.5, Entropy())])
    'Entropy() - 0.5*Entropy()'
    """
    out = ""
    for n, (w, o) in enumerate(terms):
        sign = ("-" if n == 0 else " - ") if w < 0 else ("" if n == 0 else " + ")
        out += sign + (repr(o) if abs(w) == 1 else f"{abs(w):g}*{o!r}")
    return out


class Sum(Objective):
    """A weighted sum of objectives."""

    def __init__(self, terms: list[tuple[float, Objective]]) -> None:
        self._terms = terms
        self.differentiable = all(o.differentiable for _, o in terms)

    @property
    def terms(self) -> list[tuple[float, Objective]]:
        return list(self._terms)

    def __call__(self, p: torch.Tensor, store: Store) -> torch.Tensor:
        return sum(w * o(p, store) for w, o in self._terms)


class ExpectedScore(Objective):
    """``-Σ p(v)·(score(v) - size_penalty·size(v))``; scores are cached per element.

    >>> from automath import Domain
    >>> store = Domain.create("arith", atoms="x,1").new_store()
    >>> obj = ExpectedScore(lambda store, ids: ids.double() + 1, size_penalty=0.5)
    >>> obj.scores(store).tolist(), float(obj(torch.tensor([.25, .75]), store))
    ([0.5, 1.5], -1.25)
    """

    def __init__(self, score: ScoreFn, size_penalty: float = 0.0) -> None:
        self.score, self.size_penalty = score, size_penalty
        self._cache, self._cached_for = torch.empty(0), _no_store

    def scores(self, store: Store) -> torch.Tensor:
        """Per-element scores of ``store``; cached for the last store scored, extended as it grows.

        >>> from automath import Domain
        >>> obj = ExpectedScore(lambda store, ids: store.size[ids].double())
        >>> d = Domain.create("arith", atoms="x,1"); a, b = d.new_store(), d.new_store()
        >>> _ = b.add_term(d.parse("x + 1"))
        >>> obj.scores(a).tolist(), obj.scores(b).tolist()
        ([1.0, 1.0], [1.0, 1.0, 3.0])
        """
        if self._cached_for() is not store or self._cache.shape[0] > len(store):
            self._cache, self._cached_for = torch.empty(0), weakref.ref(store)
        n, done = len(store), self._cache.shape[0]
        if done < n:
            ids = torch.arange(done, n, device=store.keys.device)
            new = self.score(store, ids).to(torch.float64)
            new = torch.nan_to_num(new, nan=0.0, posinf=0.0, neginf=0.0)
            self._cache = torch.cat([self._cache.to(new.device), new])
        return self._cache[:n] - self.size_penalty * store.size.to(torch.float64)

    def __call__(self, p: torch.Tensor, store: Store) -> torch.Tensor:
        return -(p * self.scores(store)).sum()


class Size(Objective):
    """The expected size ``Σ p(v)·size(v)`` (nodes of each element's smallest derivation): a
    small weight on it makes the smaller of two near-equal elements win.

    >>> from automath import Domain
    >>> d = Domain.create("arith", atoms="x,1"); store = d.new_store()
    >>> _ = store.add_term(d.parse("x + 1"))
    >>> float(Size()(torch.tensor([.5, 0., .5]), store))
    2.0
    """

    def __call__(self, p: torch.Tensor, store: Store) -> torch.Tensor:
        return (p * store.size[: p.shape[0]].to(p.dtype)).sum()


class Entropy(Objective):
    """Shannon entropy ``-Σ p log p`` (nats) of the evolved distribution."""

    def __call__(self, p: torch.Tensor, store: Store) -> torch.Tensor:
        return -(p * p.clamp_min(1e-300).log()).sum()  # finite gradient where p = 0


class EsObjective(Objective):
    """An objective marked non-differentiable: ``loss(p, store)`` is any function of the
    evolved distribution (argmax, exact match, a count), and the loop estimates its gradient.

    The estimate is taken with respect to the logits ``log p`` of the support by evolution
    strategies (``automath.core.es``: ``n`` Gaussian perturbations of scale ``sigma``, a mean
    baseline): each perturbed logit vector is turned back into a distribution (softmax) and
    scored; the estimate is pushed back through the evolution by autograd. The logits enter
    straight-through (``d logit / d p = 1``, i.e. the logit gradient is preconditioned by
    ``p``): the plain chain rule ``g / p`` would let ES noise on nearly-zero weights swamp the
    signal.

    >>> obj = EsObjective(lambda p, store: -(p.argmax() == 2).double(), n=64)
    >>> p = torch.tensor([.5, .3, .2], requires_grad=True)
    >>> from automath.core.domain import Domain
    >>> store = Domain.create("arith", atoms="x,1,2").new_store()  # 3 elements
    >>> loss = obj.loss(p, store); loss.backward()
    >>> float(loss.detach()) + 0.0, bool(p.grad[2] < 0)
    (0.0, True)
    """

    differentiable = False

    def __init__(self, loss: Callable[[torch.Tensor, Store], torch.Tensor] | None = None, *,
                 n: int = 128, sigma: float = 1.0, seed: int = 0) -> None:
        self._loss, self.n, self.sigma = loss, n, sigma
        self._gen = torch.Generator().manual_seed(seed)

    def __call__(self, p: torch.Tensor, store: Store) -> torch.Tensor:
        return torch.as_tensor(self._loss(p, store), dtype=torch.float64)

    def surrogate(self, p: torch.Tensor, store: Store) -> torch.Tensor:
        """The loss at ``p``, whose gradient (by autograd) is the ES estimate."""
        from automath.core.es import es_apply
        support = (p > 0).nonzero().squeeze(1)
        q = p[support]
        logits = (q + (q.log() - q).detach())[None]  # value log q, gradient straight through

        def fitness(z: torch.Tensor) -> torch.Tensor:  # (n, 1, S) -> (n, 1)
            ps = p.detach().new_zeros((z.shape[0], p.shape[0]))
            ps[:, support] = torch.softmax(z[:, 0].to(p.dtype), dim=-1)
            return -self.batch(ps, store).to(z.dtype)[:, None]

        return -es_apply(fitness, logits, n=self.n, sigma=self.sigma, generator=self._gen).sum()


class TopMatch(EsObjective):
    """A non-differentiable objective: the score of the distribution's *top* element.

    ``score(store, ids)`` is any per-element fitness (e.g. the fraction of a sequence's terms
    an element reproduces); the loss is ``-score[argmax p]``, which autograd cannot cross, so
    the loop estimates its gradient by ES (see ``EsObjective``).

    >>> obj = TopMatch(lambda store, ids: (ids == 2).double(), n=64, sigma=1.0)
    >>> p = torch.tensor([.5, .3, .2], requires_grad=True)
    >>> from automath.core.domain import Domain
    >>> store = Domain.create("arith", atoms="x,1,2").new_store()  # 3 elements
    >>> loss = obj.loss(p, store); loss.backward()
    >>> float(loss.detach()) + 0.0, bool(p.grad[2] < 0)
    (0.0, True)
    """

    def __init__(self, score: ScoreFn, *, n: int = 128, sigma: float = 1.0,
                 seed: int = 0) -> None:
        super().__init__(n=n, sigma=sigma, seed=seed)
        self._scores = ExpectedScore(score)

    def scores(self, store: Store) -> torch.Tensor:
        return self._scores.scores(store)

    def __call__(self, p: torch.Tensor, store: Store) -> torch.Tensor:
        return -self.scores(store).to(p.device)[p.argmax()]

    def batch(self, ps: torch.Tensor, store: Store) -> torch.Tensor:
        return -self.scores(store).to(ps.device)[ps.argmax(dim=-1)]


class KL(Objective):
    """``KL(q ‖ target)**power`` where ``q`` is ``p`` pushed forward by ``key(store)``.

    ``key`` maps every element id to a coarser id (e.g. a proof to its statement); keeping
    ``p`` normalized matters, or raising every weight would lower the KL. The gradient stays
    finite where ``q`` is 0 (a class with no weight yet can gain some).

    >>> kl = KL(lambda store: torch.tensor([0, 0, 1]), torch.tensor([.5, .5]))
    >>> p = torch.tensor([1., 0., 0.], requires_grad=True)
    >>> loss = kl(p, None); loss.backward()
    >>> round(loss.item(), 4), bool(torch.isfinite(p.grad).all()), bool(p.grad[2] < p.grad[0])
    (0.6931, True, True)
    """

    def __init__(self, key: Callable[[Store], torch.Tensor], target: torch.Tensor,
                 power: float = 1.0) -> None:
        self.key, self.target, self.power = key, target, power

    def __call__(self, p: torch.Tensor, store: Store) -> torch.Tensor:
        q = torch.zeros_like(self.target, dtype=p.dtype).index_add(0, self.key(store), p)
        t = self.target.to(p)
        log_ratio = q.clamp_min(1e-300).log() - t.clamp_min(1e-300).log()  # finite at q = 0
        kl = (q * log_ratio).sum().clamp_min(0)
        return kl**self.power
