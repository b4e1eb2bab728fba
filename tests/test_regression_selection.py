"""Model selection under noise (issue 16): a front without dominated or repeated rows, PySR's
``model_selection`` rules, an optional validation split; the noisy ``2.5·b·sin(a)`` CSV."""

from __future__ import annotations

import math

import numpy as np
import pytest
import sympy

from automath.core.errors import AutomathError
from automath.regression.estimator import SymbolicRegressor, fit_csv, front_records

A, B = sympy.symbols("a b")
QUICK = {"base_elements": 20000, "max_goals": 20000, "deep": 0, "steps": 0, "max_time": None}


def noisy_csv(path, seed: int = 0, noise: float = 0.05, n: int = 200) -> str:
    """A CSV of y = 2.5·b·sin(a) plus Gaussian noise (``noise`` × the signal's std)."""
    rng = np.random.default_rng(seed)
    a, b = rng.uniform(-3, 3, n), rng.uniform(-3, 3, n)
    y = 2.5 * b * np.sin(a)
    y = y + noise * np.std(y) * rng.normal(size=n)
    rows = zip(a, b, y, strict=True)
    lines = ["a,b,y", *(f"{u:.17g},{v:.17g},{w:.17g}" for u, v, w in rows)]
    path.write_text("\n".join(lines) + "\n")
    return str(path)


def true_structure(expr: sympy.Expr) -> bool:
    """``expr`` is c·b·sin(a) with a number c near 2.5 (sympy decides, not the fit)."""
    ratio = sympy.simplify(expr / (B * sympy.sin(A)))
    return not ratio.free_symbols and abs(float(ratio) - 2.5) < 0.1


@pytest.fixture(scope="module")
def noisy_fit(tmp_path_factory):
    path = noisy_csv(tmp_path_factory.mktemp("noisy") / "noisy.csv")
    return fit_csv(path, "y", max_time=2.0)


def test_the_selected_formula_of_noisy_data_has_the_true_structure(noisy_fit):
    assert true_structure(noisy_fit.sympy()), noisy_fit.sympy()
    assert [r["selected"] for r in front_records(noisy_fit)].count(True) == 1


def test_the_front_has_no_dominated_or_repeated_rows(noisy_fit):
    rows = front_records(noisy_fit)
    sizes, losses = [r["size"] for r in rows], [r["loss"] for r in rows]
    assert all(s < t for s, t in zip(sizes, sizes[1:], strict=False))
    assert all(m < k * (1 - 1e-6) for k, m in zip(losses, losses[1:], strict=False))
    exprs = [r["sympy"] for r in rows]
    assert all(sympy.simplify(e - f) != 0 for e, f in zip(exprs, exprs[1:], strict=False))


def test_scores_are_log_loss_drops_per_unit_of_size(noisy_fit):
    rows = front_records(noisy_fit)
    for prev, row in zip(rows, rows[1:], strict=False):
        want = (math.log(prev["loss"]) - math.log(row["loss"])) / (row["size"] - prev["size"])
        assert row["score"] == pytest.approx(want, rel=1e-9)


@pytest.mark.parametrize("how", ["accuracy", "best", "score"])
def test_model_selection_picks_the_row_its_rule_names(tmp_path, how):
    path = noisy_csv(tmp_path / "d.csv", seed=1)
    rows = front_records(fit_csv(path, "y", model_selection=how, **QUICK))
    chosen = next(r for r in rows if r["selected"])
    low = min(r["loss"] for r in rows)
    pick = {"accuracy": lambda: min(rows, key=lambda r: r["loss"]),
            "score": lambda: max(rows, key=lambda r: r["score"]),
            "best": lambda: max((r for r in rows if r["loss"] <= 1.5 * low),
                                key=lambda r: r["score"])}[how]()
    assert chosen["expression"] == pick["expression"]


def test_a_validation_split_scores_on_held_out_rows(tmp_path):
    path = noisy_csv(tmp_path / "d.csv", seed=2)
    model = fit_csv(path, "y", validation_fraction=0.25, **QUICK)
    rows = front_records(model)
    assert all(np.isfinite(r["val_loss"]) for r in rows)
    assert true_structure(model.sympy()), model.sympy()
    plain = front_records(fit_csv(path, "y", **QUICK))
    assert all(math.isnan(r["val_loss"]) for r in plain)


def test_unknown_model_selection_is_a_clear_error():
    x = np.linspace(0, 1, 10)[:, None]
    with pytest.raises(AutomathError, match="model_selection"):
        SymbolicRegressor(model_selection="aic").fit(x, x[:, 0])
