"""The learned clause-selection guide: features, fitting, the guided search, suites, the CLI.

Oracles: the features are recounted by a plain recursive walk written here; the fitted loss
is recomputed with numpy; a guide of zeros must reproduce the plain search count for count;
every guided proof is replayed by the checker; a false goal is never proved.
"""

from __future__ import annotations

import json
import re

import numpy as np
import pytest
from click.testing import CliRunner

from automath.cli.main import main
from automath.core.errors import AutomathError
from automath.proofs.checker import check_proof
from automath.proofs.features import FEATURES, equation_features
from automath.proofs.guide import Example, Guide, example_of
from automath.proofs.problem import Problem
from automath.proofs.prove import Prover, load, prove, settings
from automath.proofs.suite import UEQ, Learning, prove_suite

NOT_ABELIAN = {"constants": ["a", "b"], "goal": "a * b = b * a",
               "axioms": ["x * (y * z) = (x * y) * z", "e * x = x", "x' * x = e"]}
"""The group axioms do not give commutativity (S3 is a group that is not abelian)."""


def _walk(t: object, out: dict) -> None:
    out["nodes"] += 1
    if isinstance(t, int):
        out.setdefault("vars", []).append(t)
        return
    out["symbols"] += 1
    for a in t[1:]:
        _walk(a, out)


@pytest.mark.parametrize("s, t", [((0, 1, (1, 1)), 1), ((2, (3,), (3,)), (3,)),
                                  ((0, 0, 1), (0, 1, 0))])
def test_features_recount(s: object, t: object) -> None:
    f = dict(zip(FEATURES, equation_features(s, t, {0}), strict=True))
    count = {"nodes": 0, "symbols": 0}
    _walk(s, count)
    _walk(t, count)
    vars_ = count.get("vars", [])
    assert f["nodes"] == count["nodes"]
    assert f["var_occurrences"] == len(vars_)
    assert f["distinct_vars"] == len(set(vars_))
    assert f["goal_symbols"] + f["other_symbols"] == count["symbols"]
    assert f["constants"] + f["unary"] + f["binary"] + f["wider"] == count["symbols"]
    assert f["ground"] == (not vars_)


def _numpy_loss(guide: Guide, ex: Example) -> float:
    phi = np.array(ex.features)
    logits = phi @ np.array(guide.theta) - guide.offset - np.log(np.array(ex.weights))
    used = np.array(ex.used)

    def lse(v: np.ndarray) -> float:
        return float(np.log(np.exp(v - v.max()).sum()) + v.max())
    return lse(logits) - lse(logits[used])


def test_fit_lowers_the_loss_and_ranks_the_used_first() -> None:
    rng = np.random.default_rng(0)
    feats = rng.integers(0, 9, size=(40, len(FEATURES))).astype(float)
    used = feats[:, 0] < 3  # the proof used the small ones
    ex = Example(tuple(map(tuple, feats)), (5.0,) * 40, tuple(bool(u) for u in used))
    guide = Guide.fit([ex])
    assert guide.runs == 1
    assert _numpy_loss(guide, ex) < _numpy_loss(Guide(), ex)
    scores = np.array([guide.score(f) for f in feats])
    assert scores[used].mean() > scores[~used].mean()


def test_fit_skips_runs_with_nothing_to_learn() -> None:
    every = Example(((1.0,) * len(FEATURES),), (1.0,), (True,))
    assert Guide.fit([every]) == Guide() and Guide.fit([]).runs == 0


def test_zero_guide_is_the_plain_search() -> None:
    for name in ("ring-neg-times", "group-squares-commute"):
        path = UEQ / f"{name}.toml"
        plain = prove(path)
        guided = prove(path, guide=Guide(runs=1))
        assert guided.stats["guided"] == 1
        assert (guided.stats["given"], guided.stats["generated"]) == \
            (plain.stats["given"], plain.stats["generated"])


def _fitted() -> Guide:
    learner = Learning()
    for name in ("group-inverse-product", "ring-double-neg", "boole-idempotent"):
        prob = load(UEQ / f"{name}.toml")
        prover = Prover(prob, settings(prob, {"learning": False}))
        assert prover.run().proved
        learner.learn(prover)
    assert learner.guide.runs == 3
    return learner.guide


def test_guided_proofs_are_checked_and_change_the_search() -> None:
    guide = _fitted()
    changed = 0
    for name in ("ring-neg-times", "group-unique-identity", "lattice-meet-idempotent"):
        res = prove(UEQ / f"{name}.toml", guide=guide)
        assert res.proved and res.stats["guided"] == 3
        check_proof(res.problem, res.proof)  # raises when a step does not replay
        off = prove(UEQ / f"{name}.toml", guide=guide, learning=False)
        assert off.stats["guided"] == 0
        changed += off.stats["generated"] != res.stats["generated"]
    assert changed  # the guide reorders the search somewhere


def test_a_false_goal_is_never_proved_with_a_guide() -> None:
    problem = Problem.from_dict({**NOT_ABELIAN, "grammar": str(UEQ / "group.lark")})
    res = prove(problem, guide=_fitted(), timeout=2.0)
    assert not res.proved and res.stats["status"] in ("budget", "saturated")


def test_example_marks_the_proof_clauses() -> None:
    prob = load(UEQ / "group-inverse-product.toml")
    prover = Prover(prob, settings(prob, {}))
    assert prover.run().proved
    ex = example_of(prover, negatives=0)
    picked = [c for c in prover.sat.clauses if c.source[0] == "cp"]
    assert len(ex.used) == len(picked) and 0 < sum(ex.used) < len(ex.used)
    assert {c.id for c, u in zip(picked, ex.used, strict=True) if u} <= prover.used


def test_queued_pairs_join_as_negatives() -> None:
    prob = load(UEQ / "ring-neg-times.toml")
    prover = Prover(prob, settings(prob, {"learning": False}))
    assert prover.run().proved
    plain, full = example_of(prover, negatives=0), example_of(prover, negatives=40)
    queued = sum(e[0] in ("cp", "cpr") for _, _, e in prover.sat.heap)
    assert queued > 40
    extra = len(full.used) - len(plain.used)
    assert 0 < extra <= 40 and not any(full.used[len(plain.used):])
    assert full.features[:len(plain.used)] == plain.features
    guide = Guide.fit([full])  # learned: the proof's equations above the queued ones
    scores = np.array([guide.score(f) for f in full.features])
    used = np.array(full.used)
    assert scores[used].mean() > scores[len(plain.used):].mean()


def test_fit_starts_from_a_guide() -> None:
    rng = np.random.default_rng(2)
    feats = rng.integers(0, 9, size=(30, len(FEATURES))).astype(float)
    ex = Example(tuple(map(tuple, feats)), (5.0,) * 30, tuple(bool(f < 3) for f in feats[:, 1]))
    start = Guide(tuple(rng.normal(size=len(FEATURES))), runs=1)
    assert Guide.fit([ex], steps=0, start=start).theta == pytest.approx(start.theta)
    warm = Guide.fit([ex], steps=20, start=start)
    assert _numpy_loss(warm, ex) < _numpy_loss(start, ex)


def test_fit_gradient_matches_finite_differences() -> None:
    from automath.proofs.guide import _Batch
    rng = np.random.default_rng(1)
    runs = [Example(tuple(map(tuple, rng.normal(size=(n, len(FEATURES))))),
                    tuple(rng.uniform(1, 9, size=n)), tuple(bool(k % 3 == 0) for k in range(n)))
            for n in (7, 12, 30)]
    theta = rng.normal(size=len(FEATURES)) * 0.3
    loss, grad = _Batch(runs).loss_grad(theta)

    def mean_loss(th: np.ndarray) -> float:
        return np.mean([_numpy_loss(Guide(tuple(th)), e) for e in runs])
    assert loss == pytest.approx(mean_loss(theta), rel=1e-9)
    for k in range(len(FEATURES)):
        step = np.eye(len(FEATURES))[k] * 1e-6
        fd = (mean_loss(theta + step) - mean_loss(theta - step)) / 2e-6
        assert grad[k] == pytest.approx(fd, rel=1e-5, abs=1e-8)


def test_suite_learns_as_it_goes_and_off_does_not() -> None:
    only = ("group-inverse-product", "group-right-inverse", "ring-double-neg")
    on = prove_suite(UEQ, only=only)
    assert [r["guided"] for r in on] == [0, 1, 2]
    off = prove_suite(UEQ, only=only, learning=False)
    assert [r["guided"] for r in off] == [0, 0, 0] and all(r["proved"] for r in off)


def test_save_and_load(tmp_path: object) -> None:
    guide = _fitted()
    guide.save(tmp_path / "g.json")
    assert Guide.load(tmp_path / "g.json") == guide
    bad = tmp_path / "bad.json"
    data = json.loads((tmp_path / "g.json").read_text())
    for edit in ({"theta": [1.0]}, {"features": ["x"]}, {"offset": "nan"}):
        bad.write_text(json.dumps({**data, **edit}))
        with pytest.raises(AutomathError, match="bad.json"):
            Guide.load(bad)
    bad.write_text("{not json")
    with pytest.raises(AutomathError, match="not a clause-selection guide"):
        Guide.load(bad)


def test_cli_saves_a_guide_and_uses_it(tmp_path: object) -> None:
    run = CliRunner().invoke
    guide = tmp_path / "guide.json"
    db = str(tmp_path / "runs.db")
    out = run(main, ["prove", "--suite", str(UEQ), "--save-guide", str(guide), "--db", db,
                     "--timeout", "5"])
    assert out.exit_code == 0, out.output
    assert Guide.load(guide).runs >= 10
    out = run(main, ["prove", str(UEQ / "ring-double-neg.toml"), "--guide", str(guide), "--db", db,
                     "--format", "json"])
    assert out.exit_code == 0, out.output
    assert json.loads(out.output)["stats"]["guided"] == Guide.load(guide).runs
    out = run(main, ["prove", str(UEQ / "ring-double-neg.toml"), "--save-guide", str(guide),
                     "--db", db])
    assert out.exit_code == 2


def test_many_variables_are_named() -> None:
    prob = load(UEQ / "group-inverse-product.toml")
    prover = Prover(prob, settings(prob, {}))
    times = next(s for s, name in enumerate(prover.sig.names) if prover.sig.arity[s] == 2)
    wide = 0
    for v in range(1, 150):
        wide = (times, wide, v)
    text = prover.statement(wide, 0)
    words = set(re.findall(r"[A-Za-z_][A-Za-z_0-9]*", text))
    assert len(words) == 150 and not words & {"a", "b", "e"}
