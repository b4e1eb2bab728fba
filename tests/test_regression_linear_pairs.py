"""Two-term linear shapes (``regression.linear``): every pair's loss against numpy's least
squares, and the best pair of a target that is a combination of two rows."""

from __future__ import annotations

import numpy as np
import torch

from automath.regression.linear import best_pairs, pair_losses


def _lstsq_loss(u: np.ndarray, v: np.ndarray, y: np.ndarray) -> float:
    a = np.stack([u, v, np.ones_like(u)], 1)
    coef, *_ = np.linalg.lstsq(a, y, rcond=None)
    r = y - a @ coef
    return float(r @ r / ((y - y.mean()) @ (y - y.mean())))


def test_every_pair_loss_is_numpys_least_squares_loss():
    rng = np.random.default_rng(0)
    vals, y = rng.normal(size=(12, 30)), rng.normal(size=30)
    got = pair_losses(torch.tensor(vals), torch.tensor(y)).numpy()
    for i in range(12):
        for j in range(12):
            if i != j:
                assert abs(got[i, j] - _lstsq_loss(vals[i], vals[j], y)) < 1e-9
    assert np.isinf(np.diag(got)).all()


def test_collinear_and_non_finite_rows_pair_with_nothing():
    rng = np.random.default_rng(1)
    vals = rng.normal(size=(4, 20))
    vals[1] = 3 * vals[0] + 2  # collinear with row 0 (after centring)
    vals[2, 5] = np.nan
    got = pair_losses(torch.tensor(vals), torch.tensor(rng.normal(size=20))).numpy()
    assert np.isinf(got[0, 1]) and np.isinf(got[2]).all() and np.isfinite(got[0, 3])


def test_the_best_pair_is_the_two_rows_behind_a_noisy_target():
    rng = np.random.default_rng(2)
    x, t = rng.uniform(0, 10, 100), rng.uniform(0, 3, 100)
    rows = np.stack([x, t, x * t, t * t, np.sin(x), np.exp(t), x + t, np.sqrt(x)])
    y = x * t - 4.9 * t * t + 0.02 * rng.normal(size=100)
    sizes = torch.tensor([1, 1, 3, 3, 2, 2, 3, 2])
    (pair, *_) = best_pairs(torch.tensor(rows), torch.tensor(y), sizes, k=3)
    assert pair == (2, 3)
    oracle = min((_lstsq_loss(rows[i], rows[j], y), (i, j))
                 for i in range(8) for j in range(i + 1, 8))
    assert oracle[1] == (2, 3)
