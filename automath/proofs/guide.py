"""A learned clause-selection guide: weights on anonymous equation features, fitted to proofs.

After a proof, every equation the given-clause loop processed from a critical pair is an
example: positive when the proof uses it, negative otherwise (ENIGMA's scheme, Jakubův and
Urban 2017). The guide's score ``θ·φ`` turns the selector's weight ``w`` of an equation into the
learned priority ``log w - θ·φ`` (lower first; ``θ = 0`` is the plain order). ``fit`` moves
the weight of a softmax over each run's processed equations onto the ones its proof used:
the loss is ``-log Σ_proof softmax(θ·φ - log w)`` averaged over runs, plus an L2 penalty, by
Adam in torch. Features are scaled by their spread in the examples, so one step size fits all.

>>> pos = Example(((1.0,) * len(FEATURES), (9.0,) * len(FEATURES)), (4.0, 4.0), (True, False))
>>> guide = Guide.fit([pos])
>>> guide.score((1.0,) * len(FEATURES)) > guide.score((9.0,) * len(FEATURES))
True
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path

from automath.core.errors import AutomathError
from automath.proofs.features import FEATURES, equation_features


@dataclass(frozen=True)
class Example:
    """One proved run's processed equations: features, selector weights, used by the proof."""

    features: tuple[tuple[float, ...], ...]
    weights: tuple[float, ...]
    used: tuple[bool, ...]


@dataclass(frozen=True)
class Guide:
    """Weights ``theta`` on ``FEATURES``; ``runs``: how many proofs it was fitted to.

    >>> Guide().score((1.0,) * len(FEATURES))
    0.0
    """

    theta: tuple[float, ...] = (0.0,) * len(FEATURES)
    runs: int = 0
    offset: float = 0.0

    def score(self, features: tuple[float, ...] | list[float]) -> float:
        """``θ·φ - offset``: higher means likelier to be used by a proof (0: as likely as
        the examples' average equation)."""
        return math.fsum(a * b for a, b in zip(self.theta, features, strict=True)) - self.offset

    @staticmethod
    def fit(examples: list[Example], steps: int = 200, lr: float = 0.1,
            l2: float = 0.01) -> Guide:
        """The guide fitted to ``examples`` (runs without a used equation are skipped)."""
        import torch
        runs = [e for e in examples if any(e.used) and not all(e.used)]
        if not runs:
            return Guide(runs=0)
        phi = [torch.tensor(e.features, dtype=torch.float64) for e in runs]
        every = torch.cat(phi)
        scale, mean = every.std(dim=0).clamp_min(1e-6), every.mean(dim=0)
        theta = torch.zeros(len(FEATURES), dtype=torch.float64, requires_grad=True)
        opt = torch.optim.Adam([theta], lr=lr)
        for _ in range(steps):
            opt.zero_grad()
            loss = sum(_run_loss(theta / scale, f, e) for f, e in zip(phi, runs, strict=True))
            loss = loss / len(runs)
            (loss + l2 * theta.pow(2).sum()).backward()
            opt.step()
        theta = (theta / scale).detach()
        return Guide(tuple(theta.tolist()), len(runs), float(theta @ mean))

    def save(self, path: str | Path) -> None:
        """Write the guide as JSON."""
        text = json.dumps({"features": list(FEATURES), "theta": self.theta, "runs": self.runs,
                           "offset": self.offset}, indent=1)
        try:
            Path(path).write_text(text + "\n")
        except OSError as e:
            raise AutomathError(f"{path}: cannot write the guide ({e.strerror})") from None

    @staticmethod
    def load(path: str | Path) -> Guide:
        """A guide saved by ``save``; a clear error for anything else."""
        try:
            data = json.loads(Path(path).read_text())
            names, theta, runs = data["features"], data["theta"], int(data["runs"])
            offset = float(data["offset"])
        except (OSError, ValueError, KeyError, TypeError) as e:
            raise AutomathError(f"{path}: not a clause-selection guide ({e})") from None
        if tuple(names) != FEATURES or len(theta) != len(FEATURES) or not math.isfinite(offset) \
                or not all(isinstance(v, (int, float)) and math.isfinite(v) for v in theta):
            raise AutomathError(f"{path}: the guide's features or weights do not match "
                                f"this version ({len(FEATURES)} features)")
        return Guide(tuple(float(v) for v in theta), runs, offset)


def _run_loss(theta: object, phi: object, ex: Example) -> object:
    import torch
    logits = phi @ theta - torch.tensor(ex.weights, dtype=torch.float64).clamp_min(1e-9).log()
    used = torch.tensor(ex.used)
    return torch.logsumexp(logits, 0) - torch.logsumexp(logits[used], 0)


def example_of(prover: object) -> Example | None:
    """The example a proved run gives (a ``prove.Prover`` after ``run``), or None.

    >>> from automath.proofs.prove import Prover, load, settings
    >>> prover = Prover(load("czech-slovak"), settings(load("czech-slovak"), {}))
    >>> ex = (prover.run(), example_of(prover))[1]
    >>> len(ex.used) == len(ex.features) and any(ex.used)
    True
    """
    used = getattr(prover, "used", None)
    if not used:
        return None
    sat, sel = prover.sat, prover.selector
    goal = sel.goal_symbols or set()
    picked = [c for c in sat.clauses if c.source[0] == "cp"]
    return Example(tuple(tuple(equation_features(c.lhs, c.rhs, goal)) for c in picked),
                   tuple(sel.base_weight(sat, c.lhs, c.rhs) for c in picked),
                   tuple(c.id in used for c in picked))
