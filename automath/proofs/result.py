"""Results of a proving run: the checked proof, lemmas, statistics, and their plain records."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from automath.proofs.checker import ProofCheckError, Step, check_proof, format_steps
from automath.proofs.problem import Problem

if TYPE_CHECKING:
    from automath.proofs.config import ProveConfig


@dataclass(frozen=True)
class Lemma:
    """A proved statement with its lemma score, statement weight ``p`` and proof weight ``q``;
    ``weight`` is the learned generating weight of its proofs (``p0``).

    >>> Lemma("e_l = e_l * e_r", 0.7, 0.07, 0.05, 0.02).promoted
    False
    """

    statement: str
    score: float
    p: float
    q: float
    weight: float
    promoted: bool = False

def verdict(problem: Problem, proof: list[Step] | None) -> tuple[bool, str | None]:
    if proof is None:
        return False, None
    try:
        check_proof(problem, proof)
    except ProofCheckError as e:
        return False, str(e)
    return True, None

Column = Any
"""A column of a ``LemmaTable``: a numpy array or a torch tensor (the lemma loop's)."""


def _numpy(column: Column) -> np.ndarray:
    """A column as a numpy array (a torch tensor is detached and moved to the CPU)."""
    if hasattr(column, "detach"):
        column = column.detach().cpu().numpy()
    return np.asarray(column)


@dataclass
class LemmaTable:
    """Per proved statement: its heaviest proof element, score, ``p``, ``q``, generating
    weight and whether it was promoted; printed lazily, only for the rows asked for.

    >>> t = LemmaTable(str, *(np.array(v) for v in ([7, 8], [.5, 2.], [.1, .2], [.3, .1],
    ...                [0., 0.], [False, True])))
    >>> [(m.statement, m.promoted) for m in t.top("score", 1)]
    [('8', True)]
    """

    text: Callable[[int], str]
    elem: Column
    score: Column
    p: Column
    q: Column
    weight: Column
    promoted: Column

    def __len__(self) -> int:
        return int(self.elem.shape[0])

    def top(self, key: str, k: int) -> list[Lemma]:
        """The ``k`` rows with the largest ``key`` (``score`` or ``q``)."""
        order = np.argsort(-_numpy(getattr(self, key)), kind="stable")[:k].tolist()
        return [Lemma(self.text(int(self.elem[i])), float(self.score[i]), float(self.p[i]),
                      float(self.q[i]), float(self.weight[i]), bool(self.promoted[i]))
                for i in order]


FIGURES = ("status", "proof_steps", "generated", "given")  # the stats a ProofResult shows


@dataclass
class ProofResult:
    """What a proving run found: the goal's proof (checked), lemmas, history, statistics.

    >>> from automath.proofs.prove import prove
    >>> res = prove("monoid-identities")
    >>> res.proved, res.stats["generated"] >= 0
    (True, True)
    """

    problem: Problem
    config: ProveConfig | object
    proof: list[Step] | None
    checked: bool
    check_error: str | None
    table: LemmaTable = field(repr=False)
    history: list[dict] = field(repr=False)
    promoted: list[dict] = field(repr=False)
    stats: dict = field(default_factory=dict)

    def __repr__(self) -> str:
        """The problem, verdict and main figures, not the term trees.

        >>> from automath.proofs.prove import prove
        >>> prove("monoid-identities")  # doctest: +ELLIPSIS
        ProofResult('monoid-identities', proved=True, status='proved', proof_steps=12, \
generated=2, given=3, seconds=...)
        """
        s = self.stats
        figures = "".join(f", {k}={s[k]!r}" for k in FIGURES if k in s)
        secs = f", seconds={s['seconds']:.3g}" if "seconds" in s else ""
        return f"ProofResult({self.problem.name!r}, proved={self.proved}{figures}{secs})"

    def _repr_html_(self) -> str:
        """A notebook table: the problem, its goal, the verdict, the figures and the proof."""
        from html import escape
        rows = [("problem", self.problem.name), ("goal", self.problem.goal_text or ""),
                ("verdict", "proved" if self.proved else self.stats.get("status", "not proved")),
                *((k, self.stats[k]) for k in FIGURES if k in self.stats)]
        cells = "".join(f"<tr><th>{escape(str(k))}</th><td>{escape(str(v))}</td></tr>"
                        for k, v in rows)
        proof = f"<pre>{escape(self.format_proof())}</pre>" if self.proof else ""
        return f"<table>{cells}</table>{proof}"

    @property
    def proved(self) -> bool:
        """Whether the goal was proved and the proof passed the checker."""
        return self.proof is not None and self.checked

    def lemmas(self, k: int = 10) -> list[Lemma]:
        """The ``k`` best lemmas by score ``-p/(q·log q)`` (reflexivities score 0)."""
        return self.table.top("score", k)

    def theorems(self, k: int = 10) -> list[Lemma]:
        """The ``k`` proved statements with the highest proof weight ``q``."""
        return self.table.top("q", k)

    def format_proof(self) -> str:
        """The proof as a numbered chain of steps."""
        return format_steps(self.problem, self.proof or [])

    def to_records(self, k: int = 20) -> dict:
        """Plain data for a run store: proof text, lemmas, statistics and config."""
        p = self.problem
        return {"problem": p.name, "grammar": p.grammar.name, "goal": p.goal_text,
                "constants": [p.grammar.format(c) for c in p.constants],
                "proved": self.proved, "proof": self.format_proof() if self.proof else None,
                "lemmas": [{"rank": n, **asdict(m)} for n, m in enumerate(self.lemmas(k), 1)],
                "promoted": self.promoted, "stats": self.stats, "config": asdict(self.config)}
