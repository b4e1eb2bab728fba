"""Evolution-strategies gradients, checked against an exact quadrature oracle."""

from __future__ import annotations

import importlib.util
import math
from pathlib import Path

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from automath.core.errors import AutomathError
from automath.core.es import (
    AdaptiveSigma,
    EsFunction,
    argmax_accuracy,
    es_apply,
    es_gradient,
    perturbed_fenchel_young_loss,
    smoothed_argmax_accuracy,
    smoothed_argmax_accuracy_grad,
)

SEEDS = range(5)


@pytest.fixture(autouse=True)
def one_thread():
    """Tiny tensors: one thread is several times faster than two on a busy machine."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def problem(seed: int, b: int = 32, k: int = 10) -> tuple[torch.Tensor, torch.Tensor,
                                                          torch.Generator]:
    """Logits of scale 2; half the labels are the argmax (confident), half uniform."""
    g = torch.Generator().manual_seed(seed)
    z = 2.0 * torch.randn(b, k, generator=g, dtype=torch.float64)
    y = torch.randint(0, k, (b,), generator=g)
    y = torch.where(torch.rand(b, generator=g, dtype=torch.float64) < 0.5, z.argmax(1), y)
    return z, y, g


def cosine(a: torch.Tensor, b: torch.Tensor) -> float:
    return torch.nn.functional.cosine_similarity(a.flatten(), b.flatten(), dim=0).item()


def es_cosines(n: int, **options) -> list[float]:
    """Cosine of the ES estimate to the exact smoothed gradient (sigma = 1), per seed."""
    out = []
    for seed in SEEDS:
        z, y, g = problem(seed)
        est = es_gradient(argmax_accuracy(y), z, n=n, generator=g, **options)
        out.append(cosine(est, smoothed_argmax_accuracy_grad(z, y, 1.0)))
    return out


def mean(xs: list[float]) -> float:
    return sum(xs) / len(xs)


# --- the oracle ---------------------------------------------------------------------------

def test_oracle_two_classes_closed_form():
    # K = 2: P(z0 + s q0 > z1 + s q1) = Phi((z0 - z1) / (s sqrt 2)).
    z, y, s = torch.tensor([[0.7, -0.4]], dtype=torch.float64), torch.tensor([0]), 0.8
    t = (0.7 + 0.4) / (s * math.sqrt(2))
    phi = math.exp(-t * t / 2) / math.sqrt(2 * math.pi) / (s * math.sqrt(2))
    assert smoothed_argmax_accuracy(z, y, s).item() == pytest.approx(
        0.5 * math.erfc(-t / math.sqrt(2)), abs=1e-12)
    assert smoothed_argmax_accuracy_grad(z, y, s)[0].tolist() == pytest.approx(
        [phi, -phi], abs=1e-12)


def test_oracle_probability_matches_monte_carlo():
    z, y, g = problem(0, b=4)
    q = torch.randn(400_000, *z.shape, generator=g, dtype=torch.float64)
    mc = ((z + q).argmax(-1) == y).double().mean(0)
    exact = smoothed_argmax_accuracy(z, y, 1.0)
    assert torch.all((mc - exact).abs() <= 5 * (exact * (1 - exact) / 400_000).sqrt() + 1e-9)


@pytest.mark.parametrize("sigma", [0.3, 1.0, 3.0])
def test_oracle_gradient_matches_finite_differences(sigma):
    z, y, _ = problem(1, b=3)
    h, fd = 1e-5, torch.zeros_like(z)
    for k in range(z.shape[1]):
        e = torch.zeros_like(z)
        e[:, k] = h
        up, down = (smoothed_argmax_accuracy(z + s * e, y, sigma) for s in (1, -1))
        fd[:, k] = (up - down) / (2 * h)
    exact = smoothed_argmax_accuracy_grad(z, y, sigma)
    assert torch.allclose(exact, fd, atol=1e-8)
    assert torch.allclose(exact.sum(1), torch.zeros(3, dtype=torch.float64), atol=1e-12)


# --- the estimator against the oracle ----------------------------------------------------

def test_cosine_to_exact_gradient_at_256_and_1024():
    # Measured over 30 seeds: min 0.957 at N = 256 and 0.988 at N = 1024.
    assert min(es_cosines(256)) >= 0.90
    assert min(es_cosines(1024)) >= 0.97


def test_cosine_rises_with_n():
    means = [mean(es_cosines(n)) for n in (16, 64, 256, 1024)]
    assert means == sorted(means)
    assert means[-1] - means[0] > 0.2


def test_baseline_no_worse_than_plain():
    # Measured means over 30 seeds at N = 256: 0.963 with the baseline, 0.903 without.
    with_baseline, plain = es_cosines(256), es_cosines(256, baseline=False)
    assert all(b >= p for b, p in zip(with_baseline, plain, strict=True))
    assert mean(with_baseline) >= mean(plain) + 0.03


def test_per_example_beats_one_scalar_per_batch():
    # Measured means over 30 seeds at N = 256: 0.963 per example, 0.533 per batch.
    gaps = [a - b for a, b in zip(es_cosines(256), es_cosines(256, per_example=False),
                                  strict=True)]
    assert min(gaps) >= 0.3


@pytest.mark.parametrize("options", [{}, {"baseline": False}, {"antithetic": True},
                                     {"antithetic": True, "baseline": False}])
def test_average_of_many_estimates_is_the_exact_gradient(options):
    z, y, g = problem(2)
    runs = [es_gradient(argmax_accuracy(y), z, n=256, generator=g, **options)
            for _ in range(500)]
    exact = smoothed_argmax_accuracy_grad(z, y, 1.0)
    assert (torch.stack(runs).mean(0) - exact).norm() / exact.norm() < 0.05


def test_leave_one_out_baseline_is_unbiased_at_tiny_n():
    # With the plain mean baseline the estimate would shrink by (n - 1)/n = 3/4 here.
    z, y, g = problem(3, b=4)
    reps = 20_000
    est = es_gradient(argmax_accuracy(y.repeat(reps)), z.repeat(reps, 1), n=4, generator=g)
    avg = est.view(reps, *z.shape).mean(0)
    exact = smoothed_argmax_accuracy_grad(z, y, 1.0)
    assert (avg - exact).norm() / exact.norm() < 0.05


def test_small_sigma_gives_exactly_zero_estimates():
    # At sigma = 0.1 almost no perturbation moves the argmax across y, so f is constant
    # over the samples and the baseline-subtracted (or antithetic) terms cancel exactly.
    g = torch.Generator().manual_seed(0)
    z = torch.randn(256, 10, generator=g, dtype=torch.float64)
    y = torch.randint(0, 10, (256,), generator=g)
    for antithetic in (False, True):
        est = es_gradient(argmax_accuracy(y), z, sigma=0.1, antithetic=antithetic, generator=g)
        zero = (est == 0).all(1)
        assert zero.double().mean() > 0.7
        exact = smoothed_argmax_accuracy_grad(z, y, 0.1).norm(dim=1)
        assert exact[zero].median() < 1e-3 * exact.max()


def test_adaptive_sigma_escapes_the_flat_regime():
    z, y, g = problem(4)
    sigma = AdaptiveSigma(0.01, target=0.25, rate=0.5)
    first = es_gradient(argmax_accuracy(y), z, sigma=sigma, generator=g)
    for _ in range(200):
        es_gradient(argmax_accuracy(y), z, sigma=sigma, generator=g)
    assert (first == 0).all()
    assert 0.3 < sigma.sigma < 30
    recent = sigma.history[-50:]
    assert max(recent) / min(recent) < 1.5  # settled


def test_adaptive_sigma_rule():
    s = AdaptiveSigma(1.0, target=0.2, rate=1.0, lo=0.5, hi=2.0)
    assert s.update(0.0) == pytest.approx(math.exp(0.2))
    assert s.update(0.2) == pytest.approx(math.exp(0.2))
    assert s.update(1.0) == pytest.approx(math.exp(0.2 - 0.8))
    assert s.update(1.0) == 0.5 and s.update(0.0) < 2.0


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 2**31 - 1), st.sampled_from([1.0, 3.0, 10.0]))
def test_rank_shaping_ignores_monotone_transforms(seed, power):
    z = torch.randn(3, 5, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)

    def f(p: torch.Tensor) -> torch.Tensor:
        return torch.sigmoid(p[..., 0] - p[..., 1:].sum(-1))

    a, b = (es_gradient(fit, z, n=32, rank=True, generator=torch.Generator().manual_seed(seed))
            for fit in (f, lambda p: 3 * f(p) ** power))
    assert torch.equal(a, b)


def test_centered_ranks_share_ties():
    from automath.core.es import _centered_ranks

    x = torch.tensor([[1.0, 5.0], [3.0, 5.0], [3.0, 5.0], [0.0, 1.0]])
    expected = torch.tensor([[1.0, 2.0], [2.5, 2.0], [2.5, 2.0], [0.0, 0.0]]) / 3 - 0.5
    assert torch.allclose(_centered_ranks(x), expected)


def test_one_example_per_example_equals_per_batch():
    z, y, _ = problem(5, b=1)
    a, b = (es_gradient(argmax_accuracy(y), z, n=64, per_example=pe,
                        generator=torch.Generator().manual_seed(0)) for pe in (True, False))
    assert torch.equal(a, b)


# --- autograd ----------------------------------------------------------------------------

def test_es_apply_chains_the_estimate_through_autograd():
    z, y, _ = problem(6, b=8)
    w = torch.randn(10, 10, dtype=torch.float64, generator=torch.Generator().manual_seed(1))
    x = (z @ torch.linalg.inv(w)).requires_grad_()
    weights = torch.linspace(-1.0, 2.0, 8, dtype=torch.float64)
    acc = es_apply(argmax_accuracy(y), x @ w, n=64, generator=torch.Generator().manual_seed(3))
    (weights * acc).sum().backward()
    est = es_gradient(argmax_accuracy(y), (x @ w).detach(), n=64,
                      generator=torch.Generator().manual_seed(3))
    assert torch.equal(acc, argmax_accuracy(y)((x @ w).detach().unsqueeze(0))[0])
    assert torch.allclose(x.grad, (weights.unsqueeze(1) * est) @ w.T)


def test_es_function_passes_an_adaptive_sigma_through():
    z, y, g = problem(7)
    sigma = AdaptiveSigma(1.0)
    z.requires_grad_()
    EsFunction.apply(z, argmax_accuracy(y), {"sigma": sigma, "generator": g}).sum().backward()
    assert len(sigma.history) == 1 and z.grad.abs().sum() > 0


# --- perturbed Fenchel-Young -------------------------------------------------------------

def test_fenchel_young_gradient_is_perturbed_argmax_minus_label():
    z, y, g = problem(8, b=4)
    z.requires_grad_()
    perturbed_fenchel_young_loss(z, y, n=100_000, sigma=1.0, generator=g).backward()
    probs = torch.stack([smoothed_argmax_accuracy(z, torch.full_like(y, k), 1.0)
                         for k in range(10)], dim=1)
    expected = (probs - torch.nn.functional.one_hot(y, 10)) / 4
    assert torch.allclose(z.grad, expected, atol=4 * 0.5 / math.sqrt(50_000) / 4)


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 2**31 - 1), st.floats(0.01, 5.0))
def test_fenchel_young_loss_is_nonnegative(seed, sigma):
    z, y, g = problem(seed % 1000, b=6)
    assert perturbed_fenchel_young_loss(z, y, n=8, sigma=sigma, generator=g).item() >= 0


# --- bad input ----------------------------------------------------------------------------

@pytest.mark.parametrize("options", [{"sigma": 0.0}, {"sigma": -1.0}, {"sigma": math.inf},
                                     {"n": 1}, {"n": 7, "antithetic": True}])
def test_bad_options_raise(options):
    z, y, _ = problem(0, b=2)
    with pytest.raises(AutomathError):
        es_gradient(argmax_accuracy(y), z, **options)
    with pytest.raises(AutomathError):
        es_apply(argmax_accuracy(y), z, **options)


def test_bad_shapes_raise():
    z, y, _ = problem(0, b=2)
    with pytest.raises(AutomathError, match="logits"):
        es_gradient(argmax_accuracy(y), z[0])
    with pytest.raises(AutomathError, match="fitness"):
        es_gradient(lambda p: p.sum(-1).sum(-1), z)
    with pytest.raises(AutomathError, match="labels"):
        perturbed_fenchel_young_loss(z, y[:1])
    with pytest.raises(AutomathError):
        smoothed_argmax_accuracy_grad(z, y, 0.0)
    with pytest.raises(AutomathError):
        AdaptiveSigma(1.0, target=1.5)


# --- the digits example -------------------------------------------------------------------

def load_example():
    path = Path(__file__).resolve().parents[1] / "examples" / "es_digits.py"
    spec = importlib.util.spec_from_file_location("es_digits", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_digits_through_the_hard_argmax_layer(tmp_path):
    # Measured over seeds 0-11: ES 0.969-0.989, FY 0.964-0.986, CE 0.958-0.986,
    # the textbook estimator (one scalar per batch, no baseline) 0.29-0.38.
    plot = tmp_path / "digits.png"
    results = load_example().main(["--methods", "ce,fy,es,es-textbook", "--plot", str(plot)])
    assert results["es"]["acc"] >= 0.94
    assert results["fy"]["acc"] >= 0.95
    assert results["ce"]["acc"] >= 0.95
    assert results["es"]["acc"] - results["es-textbook"]["acc"] >= 0.3
    assert plot.stat().st_size > 0
