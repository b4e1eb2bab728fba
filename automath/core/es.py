"""Evolution-strategies (ES) gradients through non-differentiable functions of logits.

Some objectives have no useful derivative: ``f(z) = [argmax(z) == y]`` is piecewise
constant, so autograd sees zero almost everywhere.  ES replaces ``f`` by its Gaussian
smoothing ``F(z) = E[f(z + sigma*q)]``, ``q ~ N(0, I)``, whose gradient is

    grad F(z) = E[f(z + sigma*q) q] / sigma      (Stein's lemma),

estimated from ``n`` samples: ``g = 1/(sigma n) sum_i f(z + sigma q_i) q_i``.  With the
noise written as ``q' = sigma q`` of variance ``t = sigma**2`` this is the textbook
``g = 1/(t n) sum_i f(z + q'_i) q'_i``.  The estimate is pushed back through the
differentiable part of a model with autograd (:class:`EsFunction`, :func:`es_apply`).

Variance reduction (per-example fitness and the baseline are on by default):

* **per-example fitness** -- every example of a batch gets its own noise and its own
  value, so its logits are not drowned by the noise of the other ``B - 1`` examples;
* **mean baseline** -- subtract the mean fitness over the samples, scaled by
  ``n/(n-1)`` so that it is the unbiased leave-one-out baseline;
* **antithetic pairs** ``(q, -q)`` (``antithetic=True``) -- the estimate becomes
  ``sum (f(+q) - f(-q)) q`` over ``n/2`` pairs, which cancels any baseline.  For the
  argmax-accuracy fitness, ``n`` independent samples with the baseline measured better
  (mean cosine to the exact gradient 0.963 against 0.950 at ``n = 256``), hence the default;
* **centered ranks** (``rank=True``) -- replace the fitness by its rank in
  ``[-0.5, 0.5]``; robust to outliers but it estimates a direction, not ``grad F``.

Small noise gives exactly-zero estimates.  When ``sigma`` is small next to the margins
of the logits, no perturbation changes ``argmax``, so ``f`` is constant over the
samples: the antithetic differences ``f(+q) - f(-q)`` and the baseline-subtracted
values ``f - mean(f)`` are then exactly ``0`` and so is the estimate.  That is correct
for the smoothed objective (it really is flat there) but useless for learning;
:class:`AdaptiveSigma` keeps ``sigma`` at the scale of the margins.

When labels exist, the perturbed Fenchel--Young loss (:func:`perturbed_fenchel_young_loss`,
Berthet et al. 2020) is the recommended alternative: its gradient ``E[onehot(argmax(z +
sigma q))] - onehot(y)`` is never zero while the label is not certain.
:func:`smoothed_argmax_accuracy_grad` computes ``grad F`` for the argmax-accuracy fitness
exactly, by one-dimensional quadrature, as an oracle.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import torch
from torch import Tensor

from automath.core.errors import AutomathError

Fitness = Callable[[Tensor], Tensor]
"""Maps perturbed logits ``(n, B, K)`` to a fitness per sample and example, ``(n, B)``."""

__all__ = [
    "AdaptiveSigma",
    "EsFunction",
    "argmax_accuracy",
    "es_apply",
    "es_gradient",
    "perturbed_fenchel_young_loss",
    "smoothed_argmax_accuracy",
    "smoothed_argmax_accuracy_grad",
]


class AdaptiveSigma:
    """Noise scale steered so that a target fraction of perturbations changes the fitness.

    Rule: after each estimate, with ``c`` the fraction of perturbed samples whose fitness
    differs from the unperturbed fitness ``f(z)``,
    ``log sigma += rate * (target - c)``, then ``sigma`` is clipped to ``[lo, hi]``.
    Too few changes (flat, all-zero estimates) grow ``sigma``; too many (the smoothing
    washes out the objective) shrink it.  Meant for piecewise-constant fitness such as
    accuracy; a continuous fitness changes under every perturbation and would drive
    ``sigma`` down to ``lo``.

    >>> s = AdaptiveSigma(1.0, target=0.25, rate=1.0)
    >>> round(s.update(0.0), 4), round(s.update(0.25), 4)
    (1.284, 1.284)
    """

    def __init__(self, sigma: float = 1.0, *, target: float = 0.25, rate: float = 0.2,
                 lo: float = 1e-3, hi: float = 1e3) -> None:
        if not 0.0 < lo <= sigma <= hi:
            raise AutomathError(f"need 0 < lo <= sigma <= hi, got {lo}, {sigma}, {hi}")
        if not 0.0 < target < 1.0 or rate <= 0.0:
            raise AutomathError(f"need 0 < target < 1 and rate > 0, got {target}, {rate}")
        self.sigma, self.target, self.rate, self.lo, self.hi = sigma, target, rate, lo, hi
        self.history: list[float] = []

    def update(self, changed: float) -> float:
        """Apply the rule for an observed fraction ``changed``; return the new sigma."""
        self.sigma *= math.exp(self.rate * (self.target - changed))
        self.sigma = min(max(self.sigma, self.lo), self.hi)
        self.history.append(self.sigma)
        return self.sigma

    def observe(self, fitness: Tensor, base: Tensor) -> float:
        """Update from perturbed fitness ``(n, B)`` and unperturbed fitness ``(B,)``."""
        return self.update((fitness != base).double().mean().item())

    def __repr__(self) -> str:
        return f"AdaptiveSigma(sigma={self.sigma:.4g}, target={self.target}, rate={self.rate})"


def argmax_accuracy(y: Tensor) -> Fitness:
    """Return the fitness ``[argmax(z) == y]`` per example, for logits of shape ``(..., B, K)``.

    >>> f = argmax_accuracy(torch.tensor([0, 2]))
    >>> f(torch.tensor([[[3.0, 1.0, 2.0], [0.0, 1.0, 0.5]]]))
    tensor([[1., 0.]])
    """
    def fitness(z: Tensor) -> Tensor:
        return (z.argmax(dim=-1) == y).to(z.dtype)

    return fitness


def _check(logits: Tensor, n: int, sigma: float, antithetic: bool) -> None:
    if logits.dim() != 2 or not logits.is_floating_point():
        raise AutomathError(f"logits must be a floating (B, K) tensor, got {tuple(logits.shape)}")
    if n < 2 or (antithetic and n % 2):
        raise AutomathError(f"n must be >= 2 (and even with antithetic pairs), got n={n}")
    if not sigma > 0.0 or not math.isfinite(sigma):
        raise AutomathError(f"sigma must be a positive finite number, got {sigma}")


def _evaluate(f: Fitness, z: Tensor) -> Tensor:
    out = f(z)
    if not isinstance(out, Tensor) or tuple(out.shape) != tuple(z.shape[:-1]):
        got = tuple(out.shape) if isinstance(out, Tensor) else type(out).__name__
        raise AutomathError(f"fitness must map {tuple(z.shape)} to {tuple(z.shape[:-1])}, "
                            f"got {got}")
    return out.to(z.dtype)


def _noise(n: int, like: Tensor, antithetic: bool, generator: torch.Generator | None) -> Tensor:
    half = n // 2 if antithetic else n
    q = torch.randn((half, *like.shape), generator=generator, dtype=like.dtype,
                    device=like.device)
    return torch.cat([q, -q]) if antithetic else q


def _centered_ranks(x: Tensor) -> Tensor:
    """Average ranks along dim 0 (ties share their mean rank), scaled to [-0.5, 0.5]."""
    cols = x.movedim(0, -1).contiguous()
    ordered = cols.sort(dim=-1).values
    below = torch.searchsorted(ordered, cols)
    upto = torch.searchsorted(ordered, cols, right=True)
    ranks = (below + upto - 1).to(x.dtype) / 2
    return (ranks / (x.shape[0] - 1) - 0.5).movedim(-1, 0)


def _weights(fit: Tensor, antithetic: bool, baseline: bool, rank: bool) -> Tensor:
    """Shaped fitness: ranks, leave-one-out baseline, or antithetic differences."""
    w = _centered_ranks(fit) if rank else fit
    if antithetic:  # f(+q) - f(-q): cancels any baseline exactly
        half = w.shape[0] // 2
        return w[:half] - w[half:]
    if baseline:  # mean taken relative to w[0] so that constant columns give exact zeros
        n = w.shape[0]
        return (w - w[0] - (w - w[0]).mean(0)) * (n / (n - 1))
    return w


def es_gradient(f: Fitness, logits: Tensor, *, n: int = 256,
                sigma: float | AdaptiveSigma = 1.0, antithetic: bool = False,
                baseline: bool = True, rank: bool = False, per_example: bool = True,
                generator: torch.Generator | None = None) -> Tensor:
    """ES estimate of ``d/dz E[f(z + sigma q)]``, per example, for logits ``z`` of shape (B, K).

    ``f`` maps perturbed logits ``(n, B, K)`` to fitness ``(n, B)``.  With
    ``per_example=False`` the fitness is summed over the batch first (one scalar per
    perturbation, as in the textbook algorithm; far noisier).  An :class:`AdaptiveSigma`
    passed as ``sigma`` is used and then updated.

    >>> g = torch.Generator().manual_seed(0)
    >>> z, y = torch.tensor([[2.0, 0.0, 0.0]]), torch.tensor([1])
    >>> est = es_gradient(argmax_accuracy(y), z, n=4096, generator=g)
    >>> exact = smoothed_argmax_accuracy_grad(z, y, 1.0)
    >>> bool(torch.allclose(est.double(), exact, atol=0.03))
    True
    """
    s = sigma.sigma if isinstance(sigma, AdaptiveSigma) else float(sigma)
    _check(logits, n, s, antithetic)
    z = logits.detach()
    q = _noise(n, z, antithetic, generator)
    fit = _evaluate(f, z + s * q)
    if isinstance(sigma, AdaptiveSigma):
        sigma.observe(fit, _evaluate(f, z.unsqueeze(0))[0])
    if not per_example:
        fit = fit.sum(1, keepdim=True)
    w = _weights(fit, antithetic, baseline, rank)
    q = q[: w.shape[0]]
    return (w.unsqueeze(-1) * q).sum(0) / (s * n)


class EsFunction(torch.autograd.Function):
    """Autograd op: forward is the fitness ``f(z)`` per example, backward the ES estimate.

    Call through :func:`es_apply`.  The gradient is that of the *smoothed* fitness
    ``E[f(z + sigma q)]``; the forward value is the plain, unsmoothed ``f(z)``.

    >>> z = torch.tensor([[0.5, 0.0]], requires_grad=True)
    >>> EsFunction.apply(z, argmax_accuracy(torch.tensor([0])), {"n": 64})
    tensor([1.], grad_fn=<EsFunctionBackward>)
    """

    @staticmethod
    def forward(ctx: Any, logits: Tensor, f: Fitness, options: dict) -> Tensor:
        """Run ``f`` on the unperturbed logits; keep what backward needs."""
        ctx.save_for_backward(logits)
        ctx.f, ctx.options = f, options
        return _evaluate(f, logits.detach().unsqueeze(0))[0]

    @staticmethod
    @torch.autograd.function.once_differentiable
    def backward(ctx: Any, grad_out: Tensor) -> tuple[Tensor, None, None]:
        """Chain the upstream gradient with the per-example ES estimate."""
        (logits,) = ctx.saved_tensors
        g = es_gradient(ctx.f, logits, **ctx.options)
        return grad_out.unsqueeze(-1) * g, None, None


def es_apply(f: Fitness, logits: Tensor, **options: Any) -> Tensor:
    """Fitness ``f(logits)`` per example, ``(B,)``, whose backward is :func:`es_gradient`.

    ``options`` are those of :func:`es_gradient`; they are checked at once.

    >>> g = torch.Generator().manual_seed(0)
    >>> z = torch.tensor([[0.0, 0.3, 0.0]], requires_grad=True)
    >>> acc = es_apply(argmax_accuracy(torch.tensor([0])), z, n=2048, generator=g)
    >>> acc.sum().backward()
    >>> acc.tolist(), z.grad.argmax().item()
    ([0.0], 0)
    """
    sigma = options.get("sigma", 1.0)
    s = sigma.sigma if isinstance(sigma, AdaptiveSigma) else float(sigma)
    _check(logits, options.get("n", 256), s, options.get("antithetic", False))
    return EsFunction.apply(logits, f, options)


def perturbed_fenchel_young_loss(logits: Tensor, y: Tensor, *, n: int = 64,
                                 sigma: float = 1.0,
                                 generator: torch.Generator | None = None) -> Tensor:
    """Perturbed Fenchel--Young loss of Berthet et al. (2020) for argmax, batch mean.

    ``L(z, y) = E[max(z + sigma q)] - z_y`` (up to a constant in ``z``), estimated with
    ``n`` antithetic samples.  Autograd through ``max`` gives the unbiased gradient
    ``E[onehot(argmax(z + sigma q))] - onehot(y)``.

    >>> z = torch.tensor([[4.0, 0.0, 0.0]], requires_grad=True)
    >>> perturbed_fenchel_young_loss(z, torch.tensor([0]), sigma=0.01).backward()
    >>> z.grad
    tensor([[0., 0., 0.]])
    """
    _check(logits, n, sigma, True)
    if y.shape != logits.shape[:1]:
        raise AutomathError(f"labels must have shape {tuple(logits.shape[:1])}, "
                            f"got {tuple(y.shape)}")
    q = _noise(n, logits.detach(), True, generator)
    top = (logits.unsqueeze(0) + sigma * q).max(dim=-1).values.mean(0)
    return (top - logits.gather(1, y.view(-1, 1)).squeeze(1)).mean()


def _margins(z: Tensor, y: Tensor, sigma: float) -> Tensor:
    """Scaled margins ``(z_y - z_k)/sigma`` in float64, shape (B, K)."""
    if z.dim() != 2 or y.shape != z.shape[:1]:
        raise AutomathError(f"need z of shape (B, K) and y of shape (B,), got "
                            f"{tuple(z.shape)} and {tuple(y.shape)}")
    if not sigma > 0.0:
        raise AutomathError(f"sigma must be positive, got {sigma}")
    z = z.detach().double()
    return (z.gather(1, y.view(-1, 1)) - z) / sigma


def _log_cdfs(z: Tensor, y: Tensor, sigma: float, points: int) -> tuple[Tensor, Tensor, Tensor]:
    """Grid ``u``, trapezoid weights times ``phi(u)``, and ``log Phi(u + d_k)`` (0 at k = y)."""
    d = _margins(z, y, sigma)
    u = torch.linspace(-14.0, 14.0, points, dtype=torch.float64)
    w = torch.full_like(u, float(u[1] - u[0]))
    w[0] = w[-1] = w[0] / 2
    w = w * torch.exp(-u * u / 2) / math.sqrt(2 * math.pi)
    log_cdf = torch.special.log_ndtr(u.view(1, -1, 1) + d.unsqueeze(1))  # (B, M, K)
    log_cdf = log_cdf.scatter(2, y.view(-1, 1, 1).expand(-1, u.numel(), 1), 0.0)
    return u, w, log_cdf


def smoothed_argmax_accuracy(z: Tensor, y: Tensor, sigma: float, *,
                             points: int = 1201) -> Tensor:
    """Exact ``P(argmax(z + sigma q) = y)`` per example, by quadrature, in float64.

    ``P = int phi(u) prod_{k != y} Phi(u + (z_y - z_k)/sigma) du``; a trapezoid rule on
    ``[-14, 14]`` (spectrally accurate for these smooth, Gaussian-tailed integrands).

    >>> p = smoothed_argmax_accuracy(torch.zeros(1, 4), torch.tensor([2]), 1.0)
    >>> p.dtype, round(p.item(), 12)
    (torch.float64, 0.25)
    """
    _, w, log_cdf = _log_cdfs(z, y, sigma, points)
    return (w * log_cdf.sum(-1).exp()).sum(-1)


def smoothed_argmax_accuracy_grad(z: Tensor, y: Tensor, sigma: float, *,
                                  points: int = 1201) -> Tensor:
    """Exact gradient of :func:`smoothed_argmax_accuracy` w.r.t. ``z``, shape (B, K), float64.

    For ``j != y``, differentiating under the integral,
    ``dP/dz_j = -(1/sigma) int phi(u) phi(u + d_j) prod_{k != y, j} Phi(u + d_k) du`` with
    ``d_k = (z_y - z_k)/sigma``; and ``dP/dz_y = -sum_{j != y} dP/dz_j`` since ``P`` is
    unchanged by adding a constant to every logit.  Computed in log space.

    >>> g = smoothed_argmax_accuracy_grad(torch.zeros(1, 2), torch.tensor([0]), 1.0)
    >>> [round(v, 4) for v in g[0].tolist()]  # +-1/(2 sqrt(pi)): Phi((z_0 - z_1)/sqrt(2))
    [0.2821, -0.2821]
    """
    u, w, log_cdf = _log_cdfs(z, y, sigma, points)
    d = _margins(z, y, sigma)
    shifted = u.view(1, -1, 1) + d.unsqueeze(1)
    log_pdf = -shifted * shifted / 2 - 0.5 * math.log(2 * math.pi)
    rest = log_cdf.sum(-1, keepdim=True) - log_cdf  # log prod over k != y, j
    grad = -(w.view(1, -1, 1) * (log_pdf + rest).exp()).sum(1) / sigma  # (B, K)
    grad = grad.scatter(1, y.view(-1, 1), 0.0)
    return grad.scatter(1, y.view(-1, 1), -grad.sum(1, keepdim=True))
