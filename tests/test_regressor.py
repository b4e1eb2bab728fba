"""Tests of symbolic regression (issue 5): recovery helper, goals, estimator, bad input."""

from __future__ import annotations

import pickle
import warnings

import numpy as np
import pytest
import sympy
import torch

from automath.core.errors import AutomathError, DataError
from automath.core.grammar import Grammar
from automath.core.semantics import Semantics
from automath.core.store import Store
from automath.core.term import Term
from automath.core.threads import torch_threads
from automath.regression.data import DataKind, data_domain
from automath.regression.enumeration import size_levels
from automath.regression.estimator import SymbolicRegressor
from automath.regression.formula import Formula, sympy_term, term_sympy
from automath.regression.goals import Goals, ProjIndex
from automath.regression.recovery import is_exact, prove_zero
from automath.regression.search import Search, SearchConfig
from benchmarks.datasets import NGUYEN
from benchmarks.sr import snap_floats

X1 = {"x": (-1.0, 1.0)}


# ---- the recovery helper never calls a wrong formula exact --------------------------------

NEAR_MISSES = [
    ("x**3 + x**2 + 1.0001*x", "x**3 + x**2 + x", X1),
    ("x**3 + x**2 + x + 1e-12", "x**3 + x**2 + x", X1),
    ("x**3 + x**2 + x*(1 + 1e-13)", "x**3 + x**2 + x", X1),
    ("sin(x) + sin(x + x**2 + 1e-10)", "sin(x) + sin(x + x**2)", X1),
    ("sqrt(x**2)", "x", X1),                              # equal on half the domain only
    ("x**2*(1 - x**2/12 + x**4/360)", "2 - 2*cos(x)", X1),  # Taylor: agrees to ~1e-7
    ("exp(y*log(x)) + 1e-15", "x**y", {"x": (0.0, 1.0), "y": (0.0, 1.0)}),
]
EXACT = [
    ("x*(x*x + x) + x", "x**3 + x**2 + x", X1),
    ("exp(log(x)*(x/(x + x)))", "sqrt(x)", {"x": (0.0, 4.0)}),
    ("log((x + x/x)*(x*x + x/x))", "log(x + 1) + log(x**2 + 1)", {"x": (0.0, 2.0)}),
    ("sin(x + y) + sin(x - y)", "2*sin(x)*cos(y)", {"x": (0.0, 1.0), "y": (0.0, 1.0)}),
    ("sqrt(x**2)", "x", {"x": (0.0, 1.0)}),
]


@pytest.mark.parametrize(("found", "target", "ranges"), NEAR_MISSES)
def test_near_misses_are_not_exact(found, target, ranges):
    assert not is_exact(found, target, list(ranges), ranges)


@pytest.mark.parametrize(("found", "target", "ranges"), EXACT)
def test_equal_formulas_are_exact(found, target, ranges):
    assert is_exact(found, target, list(ranges), ranges)


def test_proof_attempts_return_under_a_time_limit():
    x = sympy.Symbol("x")
    hard = sympy.expand((x + 1) ** 60) - sympy.expand((1 + x) ** 30 * (x + 1) ** 30) + \
        sympy.sin(x) ** 2 + sympy.cos(x) ** 2 - 1
    assert prove_zero(hard, timeout=0.05) in (True, None)


# ---- fingerprints are predictions; goals find what brute force finds ----------------------


def test_store_values_are_the_predictions_at_the_data():
    rng = np.random.default_rng(0)
    cols = {"x": rng.uniform(-1, 1, 12), "y": rng.uniform(0, 2, 12)}
    domain = data_domain("nguyen", cols)
    store = domain.new_store()
    for _ in size_levels(store, 3000):
        pass
    syms = sympy.symbols("x y")
    for i in torch.randint(0, len(store), (40,), generator=torch.Generator().manual_seed(0)):
        f = sympy.lambdify(syms, store.sympy(int(i)), "numpy")
        want = np.broadcast_to(f(cols["x"], cols["y"]), (12,))
        np.testing.assert_allclose(store.values[int(i)].numpy(), want, rtol=1e-9, atol=1e-12)


def test_goals_find_every_one_step_combination():
    """Brute force: every op(a, b) over a small store is rebuilt exactly from a goal lookup.

    Excluded (documented limitation): a sibling or target that vanishes at a data point, where
    the residual ``t / a`` is undefined and the goal is dropped.
    """
    kind = DataKind({"x": np.linspace(0.3, 1.7, 9)})
    rules = ["add", "sub", "mul", "div"]
    store = Store(kind, Semantics(), rules)
    store.add_atoms([Term("var", token="x")])
    for _ in size_levels(store, 200):
        pass
    n = len(store)
    index = ProjIndex(kind.k)
    index.add(store.values, torch.arange(n))
    small = torch.arange(min(n, 12))
    ops = {"add": torch.add, "sub": torch.sub, "mul": torch.mul, "div": torch.div}
    for r, op in enumerate(rules):
        for a in small.tolist():
            b = (a * 7 + r * 3) % n
            target = ops[op](store.values[a], store.values[b])
            if (store.values[[a, b]].abs() < 1e-12).any() or (target.abs() < 1e-12).any():
                continue
            goals = Goals(target, store)
            new = goals.expand(torch.tensor([0]), small, unary=False)
            g, e = goals.lookup(index, torch.cat([torch.tensor([0]), new]))
            built = [goals.build(store, int(gi), int(ei)) for gi, ei in zip(g, e, strict=True)]
            assert built, f"{op}({a}, {b}) not found"
            assert any(torch.allclose(store.values[i], target, rtol=1e-12) for i in built)


# ---- the estimator ------------------------------------------------------------------------


def _fit(name: str, seed: int, **kw) -> tuple[SymbolicRegressor, bool]:
    problem = NGUYEN[name]
    x, y = problem.sample(seed)
    model = SymbolicRegressor(grammar="nguyen", variable_names=tuple(problem.variables),
                              seed=seed, **kw).fit(x, y)
    return model, is_exact(model.sympy(), problem.formula, problem.variables, problem.ranges)


@pytest.mark.parametrize("name", ["Nguyen-1", "Nguyen-8"])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_acceptance_nguyen_recovered_exactly(name, seed):
    model, exact = _fit(name, seed)
    assert exact, f"{name} seed {seed}: {model.sympy()}"
    assert model.exact_


def test_predict_sympy_latex_and_torch_module_agree():
    model, _ = _fit("Nguyen-6", 0)
    x = np.random.default_rng(5).uniform(-1, 1, (30, 1))
    f = sympy.lambdify(sympy.Symbol("x"), model.sympy(), "numpy")
    np.testing.assert_allclose(model.predict(x), f(x[:, 0]), rtol=1e-12)
    module = model.torch_module()
    np.testing.assert_allclose(module(torch.tensor(x)).detach().numpy(), f(x[:, 0]), rtol=1e-12)
    assert "\\sin" in model.latex()


def test_equations_front_is_a_table_with_the_selected_row():
    model, _ = _fit("Nguyen-1", 0)
    rows = model.equations_
    rows = rows.to_dict("records") if hasattr(rows, "to_dict") else rows
    sizes = [r["size"] for r in rows]
    losses = [r["loss"] for r in rows]
    assert sizes == sorted(sizes) and losses == sorted(losses, reverse=True)
    chosen = [r for r in rows if r["selected"]]
    assert len(chosen) == 1 and sympy.simplify(chosen[0]["sympy"] - model.sympy()) == 0


def test_pickle_round_trip_keeps_predictions():
    model, _ = _fit("Nguyen-9", 1)
    clone = pickle.loads(pickle.dumps(model))
    x = np.random.default_rng(1).uniform(0, 1, (10, 2))
    np.testing.assert_array_equal(clone.predict(x), model.predict(x))
    assert clone.sympy() == model.sympy()


def test_warm_start_seeds_the_next_fit_with_the_front():
    problem = NGUYEN["Nguyen-5"]
    x, y = problem.sample(0)
    model = SymbolicRegressor(grammar="nguyen", base_elements=2000, max_goals=2000, steps=1,
                              warm_start=True, variable_names=("x",)).fit(x, y)
    first = min(r for r in _losses(model))
    seeds = [e["term"] for e in model._front]
    model.fit(x, y)
    assert min(_losses(model)) <= first
    store = data_domain("nguyen", {"x": x[:, 0]}).new_store()
    assert all(store.add_term(t) >= 0 for t in seeds)


def _losses(model: SymbolicRegressor) -> list[float]:
    rows = model.equations_
    return list(rows["loss"]) if hasattr(rows, "columns") else [r["loss"] for r in rows]


def test_constants_are_fitted_and_snapped():
    rng = np.random.default_rng(0)
    x = rng.uniform(-2, 2, (60, 1))
    y = 2.5 * np.sin(x[:, 0]) + 0.5
    model = SymbolicRegressor(grammar="trig", base_elements=20000, max_goals=20000,
                              steps=2).fit(x, y)
    assert sympy.simplify(model.sympy() - (sympy.Rational(5, 2) * sympy.sin(
        sympy.Symbol("x0")) + sympy.Rational(1, 2))) == 0


def test_snapping_keeps_near_misses_as_floats():
    x = np.linspace(-1, 1, 20)[:, None]
    s = sympy.Symbol("x")
    assert snap_floats(1.0001 * s, x, 1.0001 * x[:, 0], ["x"]) == 1.0001 * s  # loss would grow
    assert snap_floats(1.01 * s, x, x[:, 0], ["x"]) == 1.01 * s  # too far to snap
    assert snap_floats(1.0001 * s, x, x[:, 0], ["x"]) == s


def test_formula_module_trains_its_constants():
    f = Formula(Grammar.load("trig").parse("1*sin(x) + 1"), ["x"])
    x = torch.linspace(-1, 1, 10)[:, None]
    loss = ((f(x) - 3 * torch.sin(x[:, 0])) ** 2).mean()
    loss.backward()
    assert f.constants.grad is not None and f.constants.grad.abs().sum() > 0


# ---- bad input ----------------------------------------------------------------------------

BAD = [
    (np.array([[0.1], [np.nan], [0.3]]), np.array([1.0, 2.0, 3.0]), "NaN"),
    (np.array([[0.1], [0.2], [0.3]]), np.array([1.0, np.inf, 3.0]), "infinit"),
    (np.array([[0.1], [0.2], [0.3]]), np.array([1.0, 2.0]), "rows"),
    (np.array([[0.1, 1.0], [0.2, 1.0], [0.3, 1.0]]), np.array([1.0, 2.0, 3.0]), "constant"),
    (np.array([[0.1]]), np.array([1.0]), "2 samples"),
]


@pytest.mark.parametrize(("x", "y", "words"), BAD)
def test_bad_data_gives_a_clear_data_error(x, y, words):
    with pytest.raises(DataError, match=words):
        SymbolicRegressor(grammar="nguyen").fit(x, y)


def test_an_empty_grammar_and_bad_names_are_clear_errors(tmp_path):
    g = tmp_path / "empty.lark"
    g.write_text('?start: atom\n?atom: NAME -> var\nNAME: /[a-z]+/\n%ignore " "\n')
    x, y = np.linspace(0, 1, 5)[:, None], np.linspace(0, 1, 5)
    with pytest.raises(AutomathError, match="no operators"):
        SymbolicRegressor(grammar=str(g)).fit(x, y)
    with pytest.raises(DataError, match="not a name"):
        SymbolicRegressor(grammar="nguyen", variable_names=("sin",)).fit(x, y)
    with pytest.raises(DataError, match="NaN"):
        SymbolicRegressor(grammar="nguyen").fit(x, y).predict([[np.nan]])


@pytest.mark.slow
def test_scikit_learn_estimator_checks():
    """Every check passes; the one documented exception is the ``poor_score`` tag."""
    from sklearn.utils.estimator_checks import check_estimator
    est = SymbolicRegressor(base_elements=2000, max_goals=2000, deep=0, steps=1,
                            fit_constants=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        results = check_estimator(est, on_fail=None)
    failed = [r["check_name"] for r in results if r["status"] == "failed"]
    assert failed == []
    assert est.__sklearn_tags__().regressor_tags.poor_score


def test_example_recovers_nguyen_5():
    import importlib.util
    from pathlib import Path
    path = Path(__file__).resolve().parent.parent / "examples" / "fit_formula.py"
    spec = importlib.util.spec_from_file_location("fit_formula", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.main()["exact"]


def test_strict_check_never_falls_back_to_numbers():
    from automath.regression.recovery import check_exact
    args = ("x*(x*x + x) + x", "x**3 + x**2 + x", ["x"], X1)
    assert check_exact(*args, timeout=1e-9, strict=True) == ""
    assert check_exact(*args, timeout=1e-9) == "numeric"
    assert check_exact(*args) == "proved"


def test_method_evonet_delegates_to_the_evolving_network():
    x = np.linspace(-1, 1, 20)[:, None]
    model = SymbolicRegressor(method="evonet").fit(x, 3 * x[:, 0])
    assert str(model.sympy()) == "3*x0"
    np.testing.assert_allclose(model.predict(x), 3 * x[:, 0], atol=1e-6)


# ---- weights, the loop's part, clean fits, evonet modules --------------------------------


def _rows(model: SymbolicRegressor) -> list[dict]:
    rows = model.equations_
    return rows.to_dict("records") if hasattr(rows, "to_dict") else list(rows)


def test_weights_are_nan_when_the_loop_did_not_run():
    model, _ = _fit("Nguyen-1", 0)
    assert not any(e["event"].startswith("step") for e in model.search_log_)
    assert all(np.isnan(r["weight"]) for r in _rows(model))


def test_weights_are_the_loops_learned_start_weights():
    """Under a tight budget the loop runs; each row's weight is its element's learned p0."""
    problem = NGUYEN["Nguyen-5"]
    x, y = problem.sample(0)
    # one step: under this budget the pair look-ups close Nguyen-5 at step 2
    kw = {"base_elements": 2000, "max_goals": 2000, "deep": 0, "steps": 1}
    model = SymbolicRegressor(grammar="nguyen", variable_names=("x",), fit_constants=False,
                              **kw).fit(x, y)
    with torch_threads(1):  # as the estimator runs it
        res = Search(data_domain("nguyen", {"x": x[:, 0]}), torch.tensor(y),
                     SearchConfig(**kw)).run()
    assert res.loop_steps == 1 and not res.exact
    elements = [k for k, e in enumerate(model._front)  # not the mean, not a near look-up
                if not e["fitted"] and e.get("source") != "near look-up"]
    ids = [res.store.add_term(model._front[k]["term"]) for k in elements]  # found by value
    assert max(ids) < len(res.weights)
    weights = [r["weight"] for k, r in enumerate(_rows(model)) if k in elements]
    assert weights == [float(res.weights[i]) for i in ids]
    assert all(np.isnan(r["weight"]) for k, r in enumerate(_rows(model)) if k not in elements)
    assert max(weights) > 0 and len(set(weights)) > 1 and 1 / 32 not in weights


LOOP_FINDS = [("Nguyen-6", 2000, 0, 0), ("Nguyen-6", 2000, 0, 1), ("Nguyen-6", 2000, 0, 2),
              ("Nguyen-7", 20000, 1, 0)]


@pytest.mark.parametrize(("name", "budget", "deep", "seed"), LOOP_FINDS)
def test_the_loops_learning_finds_what_base_and_goals_miss(name, budget, deep, seed):
    """Base and goals alone fail; the loop finds the formula after its weights have moved
    (not at its first step); the same loop with learning off (``lr=0``) never does."""
    problem = NGUYEN[name]
    x, y = problem.sample(seed)
    domain = data_domain("nguyen", {"x": x[:, 0]})

    def search(steps: int, lr: float = 0.1):
        cfg = SearchConfig(base_elements=budget, max_goals=budget, deep=deep, steps=steps,
                           lr=lr, seed=seed)
        with torch_threads(1):
            return Search(domain, torch.tensor(y), cfg).run()

    assert not search(0).exact
    found = search(20)
    assert found.exact and found.loop_steps >= 2
    assert is_exact(found.store.sympy(found.best), problem.formula, ["x"], problem.ranges)
    assert next(e["event"] for e in found.log if e.get("exact")).startswith("step")
    assert not search(20, lr=0.0).exact


def test_the_estimator_reports_a_loop_find():
    problem = NGUYEN["Nguyen-6"]
    x, y = problem.sample(0)
    model = SymbolicRegressor(grammar="nguyen", variable_names=("x",), base_elements=2000,
                              max_goals=2000, deep=0).fit(x, y)
    assert model.exact_ and model.found_by_.startswith("step")
    assert all(0 <= r["weight"] <= 1 for r in _rows(model) if not np.isnan(r["weight"]))


def test_fits_leak_no_requires_grad_warning():
    rng = np.random.default_rng(0)
    x = rng.uniform(-2, 2, (40, 2))
    y = np.exp(0.3 * x[:, 0]) * np.sin(1.7 * x[:, 1])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model = SymbolicRegressor(grammar="trig", base_elements=3000, max_goals=3000,
                                  steps=3).fit(x, y)
        model.predict(x)
        model.torch_module()(torch.tensor(x)).sum().backward()
    assert any(e["event"].startswith("step") for e in model.search_log_)
    assert not [w for w in caught if "requires_grad" in str(w.message)]


def test_torch_module_of_an_evonet_fit_is_its_formula():
    x = np.linspace(-1, 1, 20)[:, None]
    model = SymbolicRegressor(method="evonet").fit(x, x[:, 0] ** 2 + np.sin(x[:, 0]))
    module = model.torch_module()
    assert isinstance(module, Formula)
    np.testing.assert_allclose(module(torch.tensor(x)).detach().numpy(), model.predict(x),
                               rtol=1e-12)
    same = sympy.sympify(str(term_sympy(module.term()))) - sympy.sympify(str(model.sympy()))
    assert sympy.simplify(same) == 0  # (evonet's symbols carry assumptions: compare by text)


def test_formulas_outside_the_module_ops_are_clear_errors():
    with pytest.raises(AutomathError, match="tanh"):
        sympy_term(sympy.tanh(sympy.Symbol("x")))
