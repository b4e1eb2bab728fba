"""Find the exact formula behind data: Nguyen-5, sin(x²)·cos(x) − 1, from 20 points.

Run it: ``python examples/fit_formula.py``. The estimator enumerates small expressions
(deduplicated by their values at the data points), looks the residuals of the target up among
them, and runs the weighted loop when that is not enough; it stops at an exact fit.
"""

from __future__ import annotations

import numpy as np

from automath._recovery import is_exact
from automath._regressor import SymbolicRegressor


def main(seed: int = 0) -> dict:
    """Fit, print the accuracy/size front, and check the formula against the truth."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1, 1, (20, 1))
    y = np.sin(x[:, 0] ** 2) * np.cos(x[:, 0]) - 1
    model = SymbolicRegressor(grammar="nguyen", variable_names=("x",), seed=seed).fit(x, y)
    rows = model.equations_
    rows = rows.to_dict("records") if hasattr(rows, "to_dict") else rows
    for r in rows:
        print(f"{r['size']:3d}  {r['loss']:10.3g}  {'*' if r['selected'] else ' '} "
              f"{r['expression']}")
    exact = is_exact(model.sympy(), "sin(x**2)*cos(x) - 1", ["x"], {"x": (-1.0, 1.0)})
    print(f"selected: {model.sympy()}   exact: {exact}   LaTeX: {model.latex()}")
    return {"formula": model.sympy(), "exact": exact, "seconds": model.seconds_}


if __name__ == "__main__":
    main()
