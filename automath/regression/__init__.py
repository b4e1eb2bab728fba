"""Symbolic regression: formulas fitted to data by enumeration, residual look-ups and the
engine's weighted search, with exactness checked against a known target.

The estimator (``SymbolicRegressor``, ``fit_csv``) needs scikit-learn and loads on first use.

>>> from automath.regression import Formula
>>> Formula.__name__
'Formula'
"""

from automath.core.lazy import lazy_names
from automath.regression.formula import Formula
from automath.regression.recovery import check_exact, is_exact

__getattr__, __dir__ = lazy_names(globals(), {
    "SymbolicRegressor": "automath.regression.estimator",
    "fit_csv": "automath.regression.estimator",
})

__all__ = ["Formula", "SymbolicRegressor", "check_exact", "fit_csv", "is_exact"]
