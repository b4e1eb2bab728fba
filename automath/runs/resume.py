"""Reopening a stored run: its objective, its loop at the last finished step, and the
callback that saves each further step (the run store itself is ``runs.store``)."""

from __future__ import annotations

import importlib
import os
import sys
from dataclasses import fields
from typing import TYPE_CHECKING

from automath.core.errors import RunStoreError
from automath.runs.failures import NUMBER, check_stored
from automath.runs.spec import build_domain, unread_score
from automath.runs.store import (
    BUDGET,
    RunStore,
    _scratch,  # noqa: F401  (the examples' database)
)

if TYPE_CHECKING:
    from automath.core.engine import LoopState

_TYPES = {"int": int, "float": NUMBER, "float | None": (*NUMBER, type(None))}  # LoopConfig


def load_score(spec: str):
    """The user score function named ``module:function`` (``f(store, ids) -> tensor``).

    >>> load_score("automath.core.store:Store").__name__
    'Store'
    >>> load_score("nocolon")
    Traceback (most recent call last):
    automath.core.errors.RunStoreError: --score 'nocolon': expected module:function
    """
    module, _, name = spec.partition(":")
    if not module or not name:
        raise RunStoreError(f"--score {spec!r}: expected module:function")
    if "" not in sys.path and os.getcwd() not in sys.path:
        sys.path.append(os.getcwd())  # a module beside the user, as `python -m` would find it
    try:
        fn = getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError) as e:
        raise RunStoreError(f"--score {spec!r}: {e}") from None
    if not callable(fn):
        raise RunStoreError(f"--score {spec!r}: {name} is not callable")
    return fn


def run_objective(domain, target: str | None, entropy: float = 0.0, score: str | None = None,
                  *, allow_code: bool = True):
    """A run's objective from its stored config: the loop's default objective for ``target``
    (or the user score ``score``, imported only with ``allow_code``, else scores are 0)
    plus ``entropy * Entropy()``; ``None`` for the default itself.

    >>> from automath.core.domain import Domain
    >>> obj = run_objective(Domain.create("arith", atoms="x,1"), "x + 1", 0.5)
    >>> [(w, type(o).__name__) for w, o in obj.terms]
    [(1.0, 'ExpectedScore'), (0.001, 'Size'), (-0.0001, 'Entropy'), (0.5, 'Entropy')]
    """
    from automath.core.domain import preset_target
    from automath.core.engine import default_objective
    from automath.core.objective import Entropy, ExpectedScore
    target = preset_target(domain, target)
    if score is None and target is None:
        raise RunStoreError(f"grammar {domain.grammar.name!r} has no preset target: give a "
                            "target (--target) or a score (--score module:function)")
    if score is None and not entropy:
        return None
    fn = (load_score if allow_code else unread_score)(score) if score else None
    base = ExpectedScore(fn) if score else default_objective(domain, target)
    return base + entropy * Entropy() if entropy else base


def open_run(db: RunStore, run_id: int, *, allow_code: bool = False):
    """Rebuild the loop of a stored run at its last finished step; ``allow_code`` (resume):
    import the ``--score`` module and the semantics file's ``module:Op`` entries it names.

    >>> db = _scratch()
    >>> rid = db.create({"grammar": "arith", "atoms": "x,1"}, {"steps": 2, "target": "x + 1"})
    >>> loop = open_run(db, rid); loop.state.step, loop.target  # nothing saved: a fresh loop
    (0, 'x + 1')
    >>> _ = loop.run(1, on_step=record(db, rid, loop))
    >>> again = open_run(db, rid); again.state.step, len(again.state.store) == len(loop.state.store)
    (1, True)
    """
    from automath.core.engine import Loop, LoopConfig
    db._kind(run_id, "run", "expressions to query or resume (try --laws or --lemmas)")
    row = db.run(run_id)
    check_stored(row, {f.name: _TYPES[f.type] for f in fields(LoopConfig)}, db.path)
    spec, cfg = dict(row["domain"]), dict(row["config"])
    target, score = cfg.pop("target", None), cfg.pop("score", None)
    entropy = cfg.pop("entropy", 0.0)
    domain = build_domain(spec, allow_code=allow_code)
    objective = run_objective(domain, target, entropy, score, allow_code=allow_code)
    loop = Loop(domain, objective, target=target, **cfg)
    state = db.load_state(run_id, loop.state.store)
    if state is not None:
        loop.state = state
    return loop


def record(db: RunStore, run_id: int, loop, k: int = 20):
    """An ``on_step`` callback that saves each finished step of ``loop`` to ``db``.

    The run is marked ``finished`` once the loop reaches its configured number of steps
    (``BUDGET`` when its time budget ended it first):

    >>> db = _scratch()
    >>> rid = db.create({"grammar": "arith", "atoms": "x,1"}, {"steps": 1, "target": "x + 1"})
    >>> loop = open_run(db, rid); _ = loop.run(on_step=record(db, rid, loop, k=2))
    >>> db.run(rid)["status"], [(s, e) for s, e, _, _ in db.weights(rid)]
    ('finished', [(1, 0), (1, 1)])
    """
    def save(state: LoopState) -> None:
        res = loop.result()
        top = [(i, res.text(i), w) for i, w in res.distribution.top(k)]
        done = state.step >= loop.config.steps
        status = "finished" if done else BUDGET if loop.stopped else "running"
        db.save_step(run_id, state, top, status)
    return save
