"""Checkpoints (issue 16.6): a fit stopped by Ctrl-C, a callback's KeyboardInterrupt or its time
budget keeps its search; a warm start continues it to the formula without evaluating again what
the first fit evaluated (counted: the two fits together evaluate what one uninterrupted fit
does). Oracles: sympy equivalence with the true formula, the fresh fit's own count."""

from __future__ import annotations

import os
import pickle
import signal

import numpy as np
import sympy

from automath.cli.fit import STOPPED
from automath.regression.estimator import SymbolicRegressor
from benchmarks.datasets import NGUYEN

PROBLEM = NGUYEN["Nguyen-5"]  # sin(x**2)*cos(x) - 1: about 15k evaluations to find


def _model(**kw) -> SymbolicRegressor:
    return SymbolicRegressor(grammar="nguyen", variable_names=("x",), max_time=None, **kw)


def _is_truth(expr: sympy.Expr) -> bool:
    x = sympy.Symbol("x")
    return sympy.simplify(expr - (sympy.sin(x**2) * sympy.cos(x) - 1)) == 0


def _stop_at(event: int):
    seen = []

    def callback(rec: dict) -> None:
        seen.append(rec)
        if len(seen) == event:
            raise KeyboardInterrupt

    return callback


def test_an_interrupted_fit_continues_where_it_stopped():
    x, y = PROBLEM.sample(0)
    fresh = _model().fit(x, y)
    assert _is_truth(fresh.sympy())
    model = _model(callback=_stop_at(6)).fit(x, y)
    assert model.stopped_ == "interrupted" and not model.exact_
    assert "Ctrl-C" in STOPPED[model.stopped_]  # what automath fit prints
    first = model.n_evaluations_
    assert 0 < first < fresh.n_evaluations_
    model.set_params(warm_start=True, callback=None).fit(x, y)
    assert model.stopped_ == "exact" and _is_truth(model.sympy())
    assert 0 < model.n_evaluations_ < fresh.n_evaluations_
    assert first + model.n_evaluations_ <= fresh.n_evaluations_


def test_a_fit_stopped_by_its_time_budget_continues_with_warm_start():
    x, y = PROBLEM.sample(1)
    fresh = _model().fit(x, y)
    model = _model(warm_start=True).set_params(max_time=0.02).fit(x, y)
    assert model.stopped_ == "time"
    first = model.n_evaluations_
    model.set_params(max_time=None).fit(x, y)
    assert _is_truth(model.sympy())
    assert first + model.n_evaluations_ <= fresh.n_evaluations_
    again = model.fit(x, y)  # continuing an exact fit does nothing more
    assert again.n_evaluations_ == 0 and _is_truth(again.sympy())


def test_ctrl_c_stops_the_fit_and_the_handler_is_restored():
    x, y = PROBLEM.sample(0)

    def press_ctrl_c(rec: dict) -> None:
        if rec["event"].startswith("base size"):
            os.kill(os.getpid(), signal.SIGINT)

    before = signal.getsignal(signal.SIGINT)
    model = _model(callback=press_ctrl_c).fit(x, y)
    assert model.stopped_ == "interrupted"
    assert signal.getsignal(signal.SIGINT) is before
    clone = pickle.loads(pickle.dumps(model.set_params(callback=None)))  # the paused search
    np.testing.assert_array_equal(clone.predict(x), model.predict(x))  # is not pickled


def test_warm_start_on_other_data_starts_a_new_search():
    x, y = PROBLEM.sample(0)
    model = _model(warm_start=True, callback=_stop_at(6)).fit(x, y)
    x2, y2 = PROBLEM.sample(1)
    fresh = _model().fit(x2, y2)
    model.set_params(callback=None).fit(x2, y2)
    assert _is_truth(model.sympy())
    assert model.n_evaluations_ >= fresh.n_evaluations_ * 0.5  # nothing of the first reused


def test_a_saved_fit_loads_without_pickle_and_predicts_the_same(tmp_path):
    rng = np.random.default_rng(4)
    x = rng.uniform(-2, 2, (40, 2))
    y = 2.5 * x[:, 1] * np.sin(x[:, 0]) + 0.5
    model = SymbolicRegressor(grammar="trig", variable_names=("a", "b"), max_time=10).fit(x, y)
    path = tmp_path / "fit.json"
    model.save(str(path))
    text = path.read_text()
    assert text.lstrip().startswith("{")  # plain JSON, not a pickle
    clone = SymbolicRegressor.load(str(path))
    assert sympy.simplify(clone.sympy() - model.sympy()) == 0
    xt = rng.uniform(-2, 2, (10, 2))
    np.testing.assert_allclose(clone.predict(xt), 2.5 * xt[:, 1] * np.sin(xt[:, 0]) + 0.5)
    assert len(clone._front) == len(model._front) and clone.stopped_ == model.stopped_
