"""A learned clause-selection guide: weights on anonymous equation features, fitted to proofs.

After a proof, every equation the given-clause loop processed from a critical pair is an
example: positive when the proof uses it, negative otherwise (ENIGMA's scheme, Jakubův and
Urban 2017); so is a sample of the equations still queued, never processed (negatives).
The guide's score ``θ·φ`` turns the selector's weight ``w`` of an equation into the
learned priority ``log w - θ·φ`` (lower first; ``θ = 0`` is the plain order). ``fit`` moves
the weight of a softmax over each run's equations onto the ones its proof used:
the loss is ``-log Σ_proof softmax(θ·φ - log w)`` averaged over runs, plus an L2 penalty, by
Adam (``core.optim``) on a gradient computed in numpy. Features are scaled by their spread in
the examples, so one step size fits all.

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
            l2: float = 0.01, start: Guide | None = None) -> Guide:
        """The guide fitted to ``examples`` (runs without a used equation are skipped),
        from ``start``'s weights (None: from zero)."""
        from automath.core.threads import torch_threads
        with torch_threads(1):  # tiny tensors: thread wake-ups would dominate
            return Guide._fit(examples, steps, lr, l2, start)

    @staticmethod
    def _fit(examples: list[Example], steps: int, lr: float, l2: float,
             start: Guide | None) -> Guide:
        import torch

        from automath.core.optim import Adam
        runs = [e for e in examples if any(e.used) and not all(e.used)]
        if not runs:
            return Guide(runs=0)
        batch = _Batch(runs)
        theta = torch.tensor((start or Guide()).theta, dtype=torch.float64) * torch.from_numpy(
            batch.scale)
        adam = Adam(theta, lr)
        for _ in range(steps):  # the loss and its gradient in numpy, the step by core.optim
            _, grad = batch.loss_grad(theta.numpy() / batch.scale)
            theta.grad = torch.from_numpy(grad / batch.scale) + 2 * l2 * theta
            adam.step()
        theta = theta.numpy() / batch.scale
        return Guide(tuple(theta.tolist()), len(runs), float(theta @ batch.mean))

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


class _Batch:
    """Every run's equations in flat arrays, one run after another (``starts``: where each
    begins), and its used equations likewise, so a fitting step is one pass."""

    def __init__(self, runs: list[Example]) -> None:
        import numpy as np
        self.phi = np.concatenate([np.asarray(e.features, dtype=float) for e in runs])
        weights = np.concatenate([np.asarray(e.weights, dtype=float) for e in runs])
        self.base = -np.log(np.maximum(weights, 1e-9))
        used = np.concatenate([np.asarray(e.used, dtype=bool) for e in runs])
        self.used = np.flatnonzero(used)
        self.starts = np.cumsum([0] + [len(e.used) for e in runs[:-1]])
        self.used_starts = np.cumsum([0] + [sum(e.used) for e in runs[:-1]])
        self.scale = np.maximum(self.phi.std(axis=0, ddof=1), 1e-6)  # >= 2 rows: one used,
        # one not
        self.mean = self.phi.mean(axis=0)

    def loss_grad(self, theta: object) -> tuple[float, object]:
        """The runs' mean of ``-log Σ_used softmax(θ·φ - log w)``, and its gradient in θ."""
        logits = self.phi @ theta + self.base
        every, p_every = _softmax(logits, self.starts)
        used, p_used = _softmax(logits[self.used], self.used_starts)
        grad = p_every @ self.phi - p_used @ self.phi[self.used]
        return float((every - used).mean()), grad / len(self.starts)


def _softmax(x: object, starts: object) -> tuple[object, object]:
    """Per segment (``starts``) of ``x``: its log-sum-exp, and the softmax of each entry."""
    import numpy as np
    top = np.maximum.reduceat(x, starts)
    seg = np.repeat(np.arange(len(starts)), np.diff(np.append(starts, len(x))))
    e = np.exp(x - top[seg])
    total = np.add.reduceat(e, starts)
    return np.log(total) + top, e / total[seg]


PASSIVE_SAMPLE = 500
"""How many critical pairs still queued when the proof was found join a run's example as
negatives. The guide's queue picks from every queued equation, so it must learn that these,
which the proof did not need, do not go first. Without them, on the textbook suite, it lifted
equations no run had processed: ring-neg-times generated 4 228 equations guided against
1 075 plain (with them: 857)."""


def example_of(prover: object, negatives: int = PASSIVE_SAMPLE) -> Example | None:
    """The example a proved run gives (a ``prove.Prover`` after ``run``), or None: its
    processed equations, and up to ``negatives`` of those still queued, evenly spread.

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
    sides = [(c.lhs, c.rhs) for c in picked] + _queued(sat, negatives)
    return Example(tuple(tuple(equation_features(s, t, goal)) for s, t in sides),
                   tuple(sel.base_weight(sat, s, t) for s, t in sides),
                   tuple(c.id in used for c in picked) + (False,) * (len(sides) - len(picked)))


def _queued(sat: object, n: int) -> list[tuple]:
    """Up to ``n`` critical pairs still queued, evenly spread over the queue, as their overlap
    builds them (not rewritten: normalizing them by the final rules left none in group
    problems, and measured worse on the textbook suite, 4 183 equations generated against
    3 687); trivial ones left out."""
    pairs = [entry for _, _, entry in sat.heap if entry[0] in ("cp", "cpr")]
    out = []
    for entry in pairs[:: max(1, len(pairs) // max(n, 1))][:n]:
        built = sat.built(entry)
        if built is not None:
            (lhs, rhs), _ = built
            out += [(lhs, rhs)] if lhs != rhs else []
    return out
