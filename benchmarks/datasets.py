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
    grammar: str = "nguyen"  # "trig": numerals and sqrt (constants to fit and snap)

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
_U2 = {v: (0.1, 1.5) for v in "xy"}
_U4 = {v: (0.1, 1.5) for v in "xyzw"}
HARD: dict[str, Problem] = {  # beyond the default enumeration and look-ups in 20 s (2026-12-02)
    "Hard-1": Problem("x*y*z*w + x + y + z + w", _U4),
    "Hard-2": Problem("x*y*z + x*w + sin(y*z)*w", _U4),
    "Hard-3": Problem("sin(x*y + z)*cos(w*x) + y*z*w", _U4),
    "Hard-4": Problem("exp(x)*y + exp(z)*w + x*z", _U4),
    "Hard-5": Problem("exp(x*y)*cos(x - y) + sin(x*x)", _U2),
    "Hard-6": Problem("sin(x)*sin(y)*sin(x*y) + cos(x + y)", _U2),
    "Hard-7": Problem("sin(x + y*y)*exp(x - y) + cos(x*y)", _U2),
    "Hard-8": Problem("sin(x*x*x) + cos(y*y*y) + x*y", _U2),
}
"""Harder targets of our own (Nguyen grammar): four variables, products of unary functions of
sums, and A·B + C shapes whose three parts are each 4–6 nodes. Since 2026-12-03 the weighted
loop's pair look-ups (``automath.regression.pairs``) close Hard-4 to -7 in a 20 s fit; Hard-3 and
Hard-8 stay out of its reach (``automath bench ablate --tasks fit-hard``)."""
_G, _H = (5.0, 15.0), (0.1, 3.0)
PHYSICS: dict[str, Problem] = {  # closed-form constants π, √π, √2, e (trig grammar, 40 points)
    "Phys-1": Problem("2*pi*sqrt(L/g)", {"L": (0.1, 2.0), "g": _G}, 40, "trig"),  # pendulum
    "Phys-2": Problem("sqrt(2*g*h)", {"g": _G, "h": _H}, 40, "trig"),             # Torricelli
    "Phys-3": Problem("x*exp(1 - x)", {"x": (0.0, 5.0)}, 40, "trig"),            # peak at 1
    "Phys-4": Problem("4*pi*r**3/3", {"r": (0.2, 2.0)}, 40, "trig"),              # ball
    "Phys-5": Problem("m*v**2/2 + m*g*h", {"m": (0.5, 2.0), "v": (-2.0, 2.0), "g": _G,
                                           "h": (0.0, 2.0)}, 40, "trig"),       # energy
    "Phys-6": Problem("sqrt(2)*V*cos(w*t)", {"V": (0.5, 2.0), "w": (0.5, 2.0),
                                            "t": (0.0, 3.0)}, 40, "trig"),     # RMS V
    "Phys-7": Problem("P/(4*pi*r**2)", {"P": (1.0, 5.0), "r": (0.5, 3.0)}, 40, "trig"),
    "Phys-8": Problem("exp(-x**2/2)/sqrt(2*pi)", {"x": (-3.0, 3.0)}, 40, "trig"),  # Gaussian
    "Phys-9": Problem("q1*q2/(4*pi*r**2)", {"q1": (1.0, 5.0), "q2": (1.0, 5.0),
                                           "r": (0.5, 3.0)}, 40, "trig"),      # Coulomb
}
"""Physics-style formulas whose constants are closed forms (π, half powers of π such as
1/√(2π), √2, e): fitted as floats and snapped (``core.constants``)."""
PROBLEMS = {**NGUYEN, **OWN, **HARD, **PHYSICS}
GROUPS = {"nguyen": NGUYEN, "own": OWN, "hard": HARD, "physics": PHYSICS}


def select(problems: str | Sequence[str]) -> dict[str, Problem]:
    """Problems by name: a group (``"nguyen"``: all 12, ``"own"``, ``"hard"``, ``"physics"``), or
    names/numbers such as ``"1,8,own-2"``, or both.

    >>> list(select("1, Nguyen-8, own-2")), len(select("hard")), len(select("own,hard-1"))
    (['Nguyen-1', 'Nguyen-8', 'Own-2'], 8, 4)
    """
    names = problems.split(",") if isinstance(problems, str) else list(problems)
    names = [n.strip() for n in names if n.strip()]
    out: dict[str, Problem] = {}
    for n in names:
        if n.lower() in GROUPS:
            out.update(GROUPS[n.lower()])
            continue
        key = f"Nguyen-{n}" if n.isdigit() else n[:1].upper() + n[1:]
        if key not in PROBLEMS:
            raise AutomathError(f"unknown problem {n!r}; known: {', '.join(GROUPS)}, "
                                f"{', '.join(PROBLEMS)}")
        out[key] = PROBLEMS[key]
    return out
