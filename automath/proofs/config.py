"""Settings of the provers: ``SaturationConfig`` (``prove``), ``ProveConfig`` (the lemma loop),
and their ``KEY=VALUE`` parser."""

from __future__ import annotations

from dataclasses import dataclass, fields

from automath.core.errors import AutomathError


@dataclass(frozen=True)
class ProveConfig:
    """Settings of the proving loop (plain values, so a run can store them).

    ``depth``: evolution steps T; generation uses the weights after T - 1 steps, so every new
    element has weight after T. ``cutoff``: least flow ``b_r·w_i·w_j`` for a derivation to be
    generated, halved (``cutoff_decay``) down to ``min_cutoff`` whenever nothing new appears.
    ``max_size``: largest term in a statement. ``op_weight``: per-operator factor of the
    statement weights. ``lr``, ``natural``: simplex step on ``p0`` (preconditioned by the
    weights, floored at ``natural_floor``); ``rule_lr``: Adam on rule logits. ``entropy``,
    ``kl``, ``power``: the loss; ``normalize_q``: renormalize the proof weight over non-trivial
    statements (default off: proof mass on reflexivities then counts as lost).
    ``generator_floor``: least weight of each axiom and constant. ``promote_every``,
    ``promote_eps``: lemma promotion. ``prune_every``, ``prune_ratio``: pruning of elements
    far below the cutoff. ``seed``: 0 runs the problem's weights exactly, another seed jitters
    them. ``stop_at_goal``: stop once the goal is proved. ``threads``: torch threads while
    running (0: leave as is); the tensors are small, so one thread is usually fastest.

    >>> ProveConfig(depth=4).depth, ProveConfig().stop_at_goal
    (4, True)
    """

    steps: int = 200
    depth: int = 6
    cutoff: float = 1e-3
    cutoff_decay: float = 0.5
    min_cutoff: float = 1e-16
    max_size: int = 7
    rewrite: bool = True
    op_weight: float = 0.5
    lr: float = 0.1
    rule_lr: float = 0.05
    natural: bool = True
    natural_floor: float = 1e-6
    generator_floor: float = 0.01
    persistence: float = 0.5
    entropy: float = 0.05
    kl: float = 1.0
    power: float = 1.0
    normalize_q: bool = False
    promote_every: int = 5
    promote_eps: float = 0.1
    prune_every: int = 10
    prune_ratio: float = 1e-2
    max_elements: int = 200_000
    seed: int = 0
    stop_at_goal: bool = True
    threads: int = 1


@dataclass(frozen=True)
class SaturationConfig:
    """Settings of the saturation prover (plain values, so a run can store them).

    ``timeout``: seconds of search; ``max_memory``: megabytes the passive and active sets may
    take (estimated before each growth step); ``max_given``: most given clauses. ``learning``:
    with a fitted ``Guide`` (learned on earlier proofs: a suite's earlier problems, or a
    ``--guide`` file), clause selection is guided by it, every ``guided_every``-th pick that is
    not the oldest's (``automath.proofs.selection.Guided``), shifting an equation's log weight by
    at most ``guide_trust``; off, or with no guide, the plain goal-weighted search.
    ``age_every``: every n-th choice is the oldest passive equation.
    ``eager_factor``: a critical pair is normalized when it is formed if its size is at most
    this factor times the largest processed equation's, else when it reaches the front of the
    queue (``inf``: always when formed). ``selection``: ``"goal"`` (weights ``var_weight``,
    ``symbol_weight``, ``unorientable``, ``max_side``, ``goal_match``, see
    ``automath.proofs.selection``) or ``"size"`` (the plain size/age choice of earlier runs).

    >>> SaturationConfig().timeout, SaturationConfig(learning=False).learning
    (10.0, False)
    """

    timeout: float = 10.0
    max_memory: float = 1024.0
    max_given: int = 100_000
    learning: bool = True
    age_every: int = 6
    eager_factor: float = 1.5
    seed: int = 0
    selection: str = "goal"
    var_weight: float = 0.5
    symbol_weight: float = 1.0
    unorientable: float = 1.0
    max_side: float = 1.0
    goal_match: float = 1.0
    guided_every: int = 2
    guide_trust: float = 2.0


SATURATION_KEYS = frozenset(f.name for f in fields(SaturationConfig))
"""Setting names of the saturation prover (a problem's ``[search]`` may hold both kinds)."""


_PARSERS = {"int": int, "float": float, "str": str, "bool": lambda s: {"true": True, "false": False,
                                                           "1": True, "0": False}[s.lower()]}


def parse_settings(pairs: list[str] | tuple[str, ...], kind: type = SaturationConfig) -> dict:
    """``KEY=VALUE`` strings as typed settings of ``kind`` (for the command line).

    >>> parse_settings(["depth=4", "rewrite=false", "lr=0.05"], ProveConfig)
    {'depth': 4, 'rewrite': False, 'lr': 0.05}
    >>> parse_settings(["timeout=2", "learning=0"])
    {'timeout': 2.0, 'learning': False}
    """
    types = {f.name: str(f.type) for f in fields(kind)}
    out = {}
    for pair in pairs:
        key, _, value = pair.partition("=")
        key = key.strip().replace("-", "_")
        if key not in types:
            raise AutomathError(f"unknown prove setting {key!r} (known: {', '.join(types)})")
        try:
            out[key] = _PARSERS[types[key]](value.strip())
        except (KeyError, ValueError):
            raise AutomathError(f"setting {key!r} needs a {types[key]}, got {value!r}") from None
    return out
