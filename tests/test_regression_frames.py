"""Frames and names (issue 16): ``equations_`` is a DataFrame when pandas is installed (a list
of records otherwise), and a DataFrame's column names become the formula's symbols."""

from __future__ import annotations

import numpy as np
import pytest
import sympy

from automath.regression import front
from automath.regression.estimator import SymbolicRegressor

QUICK = {"grammar": "nguyen", "max_time": None, "base_elements": 20000, "max_goals": 20000}


def test_column_names_of_a_dataframe_become_the_symbols():
    pd = pytest.importorskip("pandas")
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"mass": rng.uniform(1, 2, 30), "speed": rng.uniform(-1, 1, 30)})
    y = frame["mass"] * frame["speed"] ** 2
    model = SymbolicRegressor(**QUICK).fit(frame, y)
    assert list(model.feature_names_in_) == ["mass", "speed"]
    m, v = sympy.symbols("mass speed")
    assert sympy.simplify(model.sympy() - m * v ** 2) == 0
    assert isinstance(model.equations_, pd.DataFrame)
    assert model.equations_["selected"].sum() == 1
    np.testing.assert_allclose(model.predict(frame), y, rtol=1e-12)


def test_without_pandas_the_front_is_a_list_of_records(monkeypatch):
    import builtins
    real = builtins.__import__

    def no_pandas(name, *args, **kwargs):
        if name == "pandas" or name.startswith("pandas."):
            raise ImportError("no pandas here")
        return real(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_pandas)
    rows = front.table([{"size": 1, "loss": 0.5, "weight": 0.0, "exact": False,
                         "selected": True, "score": 0.0}], ["x"])
    assert isinstance(rows, list) and rows[0]["expression"] == "x"
    x = np.linspace(1, 2, 10)[:, None]
    model = SymbolicRegressor(**QUICK).fit(x, x[:, 0] ** 2)
    assert isinstance(model.equations_, list) and sum(r["selected"] for r in model.equations_) == 1
