"""The benchmark problems: the Nguyen symbolic-regression targets with their sampling ranges."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import sympy

from automath.core.errors import AutomathError


@dataclass(frozen=True)
class Problem:
    """A benchmark target: a formula over named variables, each with its sampling range."""

    formula: str
    ranges: dict[str, tuple[float, float]]
    points: int = 20

    @property
    def variables(self) -> list[str]:
        return list(self.ranges)

    def sample(self, seed: int) -> tuple[np.ndarray, np.ndarray]:
        """``points`` uniform training points and the target's values there.

        >>> x, y = NGUYEN["Nguyen-1"].sample(0); x.shape, bool(np.allclose(y, x[:, 0]**3 +
        ...     x[:, 0]**2 + x[:, 0]))
        ((20, 1), True)
        """
        rng = np.random.default_rng([seed, sum(map(ord, self.formula))])
        x = np.stack([rng.uniform(*self.ranges[v], self.points) for v in self.variables], 1)
        f = sympy.lambdify(sympy.symbols(self.variables), sympy.sympify(self.formula), "numpy")
        return x, np.asarray(f(*x.T), dtype=np.float64)


_X, _XY, _P, _Q = {"x": (-1.0, 1.0)}, {"x": (0.0, 1.0), "y": (0.0, 1.0)}, (0.0, 2.0), (0.0, 4.0)
NGUYEN: dict[str, Problem] = {
    "Nguyen-1": Problem("x**3 + x**2 + x", _X),
    "Nguyen-2": Problem("x**4 + x**3 + x**2 + x", _X),
    "Nguyen-3": Problem("x**5 + x**4 + x**3 + x**2 + x", _X),
    "Nguyen-4": Problem("x**6 + x**5 + x**4 + x**3 + x**2 + x", _X),
    "Nguyen-5": Problem("sin(x**2)*cos(x) - 1", _X),
    "Nguyen-6": Problem("sin(x) + sin(x + x**2)", _X),
    "Nguyen-7": Problem("log(x + 1) + log(x**2 + 1)", {"x": _P}),
    "Nguyen-8": Problem("sqrt(x)", {"x": _Q}),
    "Nguyen-9": Problem("sin(x) + sin(y**2)", _XY),
    "Nguyen-10": Problem("2*sin(x)*cos(y)", _XY),
    "Nguyen-11": Problem("x**y", _XY),
    "Nguyen-12": Problem("x**4 - x**3 + y**2/2 - y", _XY),
}

OWN: dict[str, Problem] = {  # our own, in the Nguyen grammar (no numerals)
    "Own-1": Problem("x*sin(y) + y", {"x": (-2.0, 2.0), "y": (-2.0, 2.0)}),
    "Own-2": Problem("cos(x)*exp(x)", {"x": (-1.0, 1.0)}),
    "Own-3": Problem("sin(x*y)/y", {"x": (-1.0, 1.0), "y": (0.5, 2.0)}),
}
PROBLEMS = {**NGUYEN, **OWN}


def select(problems: str | Sequence[str]) -> dict[str, Problem]:
    """Problems by name: ``"nguyen"`` (all 12), or names/numbers such as ``"1,8,own-2"``.

    >>> list(select("1, Nguyen-8, own-2"))
    ['Nguyen-1', 'Nguyen-8', 'Own-2']
    """
    names = problems.split(",") if isinstance(problems, str) else list(problems)
    names = [n.strip() for n in names if n.strip()]
    if [n.lower() for n in names] == ["nguyen"]:
        return dict(NGUYEN)
    out = {}
    for n in names:
        key = f"Nguyen-{n}" if n.isdigit() else n[:1].upper() + n[1:]
        if key not in PROBLEMS:
            raise AutomathError(f"unknown problem {n!r}; known: nguyen, {', '.join(PROBLEMS)}")
        out[key] = PROBLEMS[key]
    return out
