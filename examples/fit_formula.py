"""Find the exact formula behind data: Nguyen-5, sin(x²)·cos(x) − 1, from 20 points.

Run it: ``python examples/fit_formula.py``. The estimator enumerates small expressions
(deduplicated by their values at the data points), looks the residuals of the target up among
them, and runs the weighted loop only when that is not enough (not needed here); it stops at
an exact fit. The ``weight`` column is the loop's learned weight, NaN when the loop did not run.
"""

from __future__ import annotations

import numpy as np

from automath import SymbolicRegressor, is_exact


def main(seed: int = 0) -> dict:
    """Fit, print the accuracy/size front, and check the formula against the truth."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1, 1, (20, 1))
    y = np.sin(x[:, 0] ** 2) * np.cos(x[:, 0]) - 1
    model = SymbolicRegressor(grammar="nguyen", variable_names=("x",), seed=seed).fit(x, y)
    rows = model.equations_
    rows = rows.to_dict("records") if hasattr(rows, "to_dict") else rows
    for r in rows:
        print(f"{r['size']:3d}  {r['loss']:10.3g}  {r['weight']:8.3g}  "
              f"{'*' if r['selected'] else ' '} {r['expression']}")
    exact = is_exact(model.sympy(), "sin(x**2)*cos(x) - 1", ["x"], {"x": (-1.0, 1.0)})
    print(f"selected: {model.sympy()}   exact: {exact}   LaTeX: {model.latex()}")
    print(f"found by: {model.found_by_}")
    return {"formula": model.sympy(), "exact": exact, "seconds": model.seconds_,
            "found_by": model.found_by_}


if __name__ == "__main__":
    main()
