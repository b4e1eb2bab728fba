"""Lemma discovery with proofs: problems, generation, pushforward, learning, checker, acceptance.

Oracles: every statement the generator derives must hold in every model of the axioms on at
most three elements (all operation tables, brute force); the checker must reject tampered
proofs; the Jacobian-vector product must match finite differences.
"""

from __future__ import annotations

import dataclasses
import importlib.util
import itertools
import json
from pathlib import Path

import pytest
import torch

from automath.core.term import Term
from automath.proofs.checker import ProofCheckError, Step, check_proof
from automath.proofs.learner import Learner, LemmaObjective
from automath.proofs.lemmas import LemmaLoop, prove_lemmas
from automath.proofs.problem import Problem, ProblemError, shipped_problems
from automath.proofs.prove import prove
from automath.proofs.space import PROOF, ProofSpace, _Derivation

ROOT = Path(__file__).resolve().parent.parent


# ---- a brute-force model oracle --------------------------------------------------------------

def models(problem: Problem, n: int) -> list[tuple[torch.Tensor, dict[Term, int]]]:
    """All operation tables on {0..n-1} satisfying the axioms, batched per constant assignment."""
    key = (problem.name, tuple(problem.axiom_texts), n)
    if key not in _MODELS:
        tables = torch.tensor(list(itertools.product(range(n), repeat=n * n))).reshape(-1, n, n)
        found = []
        for vals in itertools.product(range(n), repeat=len(problem.constants)):
            consts = dict(zip(problem.constants, vals, strict=True))
            ok = torch.ones(len(tables), dtype=torch.bool)
            for lhs, rhs in problem.axioms:
                ok &= holds_everywhere(tables, consts, lhs, rhs, n)
            found.append((tables[ok], consts))
        _MODELS[key] = found
    return _MODELS[key]


_MODELS: dict = {}


def evaluate(tables: torch.Tensor, consts: dict[Term, int], env: dict[str, int],
             t: Term) -> torch.Tensor:
    """Values of term ``t`` in a batch of operation tables (``mul`` is the only operator)."""
    if not t.args:
        v = consts[t] if t in consts else env[t.token]
        return torch.full((len(tables),), v)
    a, b = (evaluate(tables, consts, env, x) for x in t.args)
    return tables[torch.arange(len(tables)), a, b]


def holds_everywhere(tables: torch.Tensor, consts: dict[Term, int], lhs: Term, rhs: Term,
                     n: int) -> torch.Tensor:
    """Per table: ``lhs = rhs`` under every assignment of the variables."""
    names = sorted({v for side in (lhs, rhs) for v in side.variables()
                    if Term("var", token=v) not in consts})
    ok = torch.ones(len(tables), dtype=torch.bool)
    for vals in itertools.product(range(n), repeat=len(names)):
        env = dict(zip(names, vals, strict=True))
        ok &= evaluate(tables, consts, env, lhs) == evaluate(tables, consts, env, rhs)
    return ok


def valid(problem: Problem, lhs: Term, rhs: Term, max_n: int = 3) -> bool:
    """``lhs = rhs`` holds in every model of the axioms with at most ``max_n`` elements."""
    return all(bool(holds_everywhere(tables, consts, lhs, rhs, n).all())
               for n in range(1, max_n + 1) for tables, consts in models(problem, n))


# ---- problems and bad input ------------------------------------------------------------------

def test_shipped_problems_load():
    assert shipped_problems() == ["czech-slovak", "monoid-identities"]
    p = Problem.load("czech-slovak")
    assert [c.token for c in p.constants] == ["m", "n"] and len(p.axioms) == 2


def write(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "p.toml"
    path.write_text(body)
    return path


def test_an_axiom_that_does_not_parse_names_file_line_and_column(tmp_path):
    path = write(tmp_path, 'grammar = "monoid"\nconstants = ["m"]\n'
                           'axioms = [\n  "m * m = m",\n  "m * * m = m",\n]\n')
    with pytest.raises(ProblemError) as err:
        Problem.load(path)
    e = err.value
    assert e.file == str(path) and e.line == 5 and e.token == "*"
    assert "axiom 2" in str(e) and "does not parse" in str(e)
    assert 'm * * m = m",'[e.column - 4:].startswith("* m")  # the second '*' in the file line


def test_a_goal_over_unknown_symbols_names_the_symbol(tmp_path):
    path = write(tmp_path, 'constants = ["m"]\naxioms = ["m * a = a"]\ngoal = "m * k = k"\n')
    with pytest.raises(ProblemError, match="unknown symbol 'k'") as err:
        Problem.load(path)
    assert err.value.line == 3 and err.value.token == "k"


@pytest.mark.parametrize("body, message", [
    ('constants = ["m"]\naxioms = ["m * m"]\n', "not an equation"),
    ('constants = ["m"]\naxioms = []\n', "non-empty list 'axioms'"),
    ('constants = ["m * m"]\naxioms = ["m = m"]\n', "not a symbol"),
    ('constants = ["m"\n', "bad TOML"),
    ('grammar = "nope"\nconstants = ["m"]\naxioms = ["m = m"]\n', "no grammar"),
    ('constants = ["m"]\naxioms = ["m = m"]\nweights = [1]\n', "weights must be 2"),
    ('constants = ["m"]\naxioms = ["m = m"]\nweights = [1, -1]\n', "non-negative"),
    ('grammar = "arith"\nconstants = ["1"]\naxioms = ["x + 1 = (x"]\n',
     r"at column (9|10|11)\b"),  # in the right-hand side
])
def test_bad_problem_files_raise_clear_errors(tmp_path, body, message):
    with pytest.raises(Exception, match=message) as err:
        Problem.load(write(tmp_path, body))
    assert err.type.__module__.startswith("automath")


def test_unknown_problem_and_unknown_setting():
    with pytest.raises(ProblemError, match="shipped: czech-slovak, monoid-identities"):
        Problem.load("no-such-problem")
    with pytest.raises(Exception, match="unknown prove setting"):
        prove("monoid-identities", stepz=3)
    p = Problem.from_dict({"constants": ["m"], "axioms": ["m = m"], "search": {"deph": 3}})
    with pytest.raises(Exception, match="unknown \\[search\\] setting"):
        prove(p)


# ---- statements and pushforward --------------------------------------------------------------

def test_pushforward_forgets_orientation_and_variable_names():
    p = Problem.load("czech-slovak")
    sp = ProofSpace(p)
    g = p.grammar

    def cls(text: str) -> int:
        lhs, rhs = (g.parse(s) for s in text.split("="))
        sid = sp.statement(lhs, rhs)
        return int(sp.stmts["cls"][sid])

    assert cls("m * n * m = n") == cls("n = m * n * m")
    assert cls("(a * b) * b = a") == cls("(x * y) * y = x") == cls("x = (x * y) * y")
    assert cls("(a * b) * b = a") != cls("(b * a) * a = a")
    assert sp.statement(g.parse("(a*b)*b"), g.parse("a")) == sp.statement(g.parse("(x*y)*y"),
                                                                          g.parse("x"))


@pytest.mark.parametrize("name", ["monoid-identities", "czech-slovak"])
def test_every_generated_statement_holds_in_all_small_models(name):
    problem = Problem.load(name)
    loop = LemmaLoop(problem, steps=25, stop_at_goal=False)
    loop.run()
    sp = loop.space
    proofs = (sp.elems["kind"] == PROOF).nonzero().squeeze(1).tolist()
    assert len(proofs) > 50
    for e in proofs[:: max(1, len(proofs) // 150)]:
        assert valid(problem, *sp.sides(e)), sp.text(e)


# ---- learner ---------------------------------------------------------------------------------

def test_learner_sanity_f_of_a_ends_heaviest():
    """Types A, B; a : A, f : A -> B; generators {a, f, f(a)}; target A 0.01, B 0.99."""
    from automath.core.generate import Hyperedges
    app = Hyperedges(*(torch.tensor([v]) for v in (0, 1, 0, 2)))  # app(f, a) -> f(a)
    types = torch.tensor([0, 2, 1])  # a : A, f : A -> B, f(a) : B
    target = torch.tensor([0.01, 0.99, 0.0]).log()
    obj = LemmaObjective(types, target, entropy=0.0, kl=10.0)
    for natural in (True, False):  # a small step: a fixed step of 0.1 cycles near the optimum
        learner, p0 = Learner(1, natural=natural, lr=0.01), torch.full((3,), 1 / 3)
        _, first = learner.step(p0, app, obj)
        for _ in range(100):
            p0, loss = learner.step(p0, app, obj)
        assert int(p0.argmax()) == 2 and p0[2] > 0.9, p0
        assert loss < first / 50


def test_directional_derivative_matches_finite_differences():
    loop = LemmaLoop(Problem.load("monoid-identities"), steps=4, stop_at_goal=False)
    loop.run()
    generators = torch.zeros_like(loop.alive)
    generators[loop.space.generators] = True
    elem = int(torch.argmax(torch.where(generators, 0, loop.p0)))  # a learned element
    assert loop.p0[elem] > 1e-3
    d, tangent = loop.directional(elem)
    obj, edges = loop.objective(), loop.live_edges()
    a, b = loop.rules()
    v = -loop.p0.clone()
    v[elem] += 1
    h = 1e-6

    def f(p):
        from automath.core.evolve import evolve
        return float(obj(p, evolve(p, edges, a, b, loop.config.depth)))

    fd = (f(loop.p0 + h * v) - f(loop.p0 - h * v)) / (2 * h)
    assert d == pytest.approx(fd, rel=1e-4, abs=1e-7)
    assert abs(float(tangent.sum())) < 1e-9  # the evolved weights stay normalized


# ---- acceptance: monoid ----------------------------------------------------------------------

MONOID_LEMMAS = ["e_l = e_l * e_r", "e_r = e_l * e_r", "e_l * e_r = e_l", "e_l * e_r = e_r"]
REFLEXIVITIES = ["e_r = e_r", "e_l = e_l"]


def class_weight(loop: LemmaLoop, text: str) -> float:
    """Proof weight ``q`` of the statement class of ``text`` (either orientation)."""
    g = loop.problem.grammar
    lhs, rhs = (g.parse(s) for s in text.split("="))
    obj = loop.objective(trivial=True)
    _, q = obj.pq(loop.evolved())
    sid = loop.space.statement(lhs, rhs)
    cls = int(loop.space.stmts["cls"][sid])
    hit = (obj.stmts == cls).nonzero().squeeze(1)
    return float(q[hit[0]]) if hit.numel() else 0.0


def test_monoid_reflexivities_outrank_lemmas_before_learning_and_fall_after():
    problem = Problem.load("monoid-identities")
    before = LemmaLoop(problem, steps=3, lr=0, rule_lr=0, promote_every=0, stop_at_goal=False)
    before.run()
    after = LemmaLoop(problem)  # learns until the goal is proved
    assert after.run().proved and after.step_no > 1
    for lemma in MONOID_LEMMAS:
        for refl in REFLEXIVITIES:
            assert class_weight(before, refl) > class_weight(before, lemma) > 0
            assert class_weight(after, lemma) > class_weight(after, refl)


def test_monoid_goal_is_proved_with_a_checked_proof():
    res = prove_lemmas("monoid-identities")
    assert res.proved and res.checked
    p = res.problem
    assert (res.proof[-1].lhs, res.proof[-1].rhs) == p.goal
    assert valid(p, *p.goal)
    used = {p.grammar.format(s.lhs) + " = " + p.grammar.format(s.rhs) for s in res.proof}
    assert used & set(MONOID_LEMMAS)
    assert "axiom 1" in res.format_proof() and res.stats["goal_weight"] > 0
    check_proof(p, res.proof)  # raises if it does not replay


# ---- acceptance: olympiad --------------------------------------------------------------------

def is_swap_lemma(problem: Problem, step: Step) -> bool:
    """``(x*y)*x = y`` or ``x*(y*x) = y`` (either orientation) with {x, y} = {m, n}."""
    g = problem.grammar
    forms = {f"({x} * {y}) * {x} = {y}" for x, y in (("m", "n"), ("n", "m"))}
    forms |= {f"{x} * ({y} * {x}) = {y}" for x, y in (("m", "n"), ("n", "m"))}
    eqs = {tuple(g.parse(s) for s in f.split("=")) for f in forms}
    return (step.lhs, step.rhs) in eqs or (step.rhs, step.lhs) in eqs


def test_olympiad_is_proved_through_a_high_weight_lemma():
    res = prove_lemmas("czech-slovak")
    p = res.problem
    assert res.proved and res.checked
    assert all(s.rule in {"axiom", "inst", "sym", "trans", "refl", "cong0:mul", "cong1:mul"}
               for s in res.proof)  # rewrite is expanded into primitive steps
    swaps = [s for s in res.proof if is_swap_lemma(p, s)]
    assert swaps, res.format_proof()
    top, g = res.theorems(5), p.grammar  # the lemma score ranks: -p/(q log q)
    best = [Step("x", (), (), *(g.parse(x) for x in m.statement.split("="))) for m in res.lemmas(5)]
    assert any(is_swap_lemma(p, s) for s in best), [m.statement for m in res.lemmas(5)]
    for m in res.lemmas(10) + top:
        assert valid(p, *(g.parse(x) for x in m.statement.split("="))), m.statement


def test_olympiad_with_primitive_constructors_only():
    res = prove_lemmas("czech-slovak", rewrite=False, steps=150)
    assert res.proved and res.checked
    assert any(is_swap_lemma(res.problem, s) for s in res.proof)


# ---- acceptance: lemma promotion -------------------------------------------------------------

@pytest.fixture(scope="module")
def olympiad_steps():
    """The default olympiad run, one step at a time (the same steps as ``run()``); per
    element that became protected in a step: that step and its ``p0`` before and after."""
    loop = LemmaLoop(Problem.load("czech-slovak"))
    grown = []
    while loop.goal_elem < 0 and loop.step_no < loop.config.steps:
        before, was = loop.p0.clone(), loop.protected.clone()
        loop.run(steps=1)
        new = loop.protected.clone()
        new[: len(was)] &= ~was
        grown += [(loop.step_no, e, float(before[e]) if e < len(before) else 0.0,
                   float(loop.p0[e])) for e in new.nonzero().squeeze(1).tolist()]
    return loop, loop.result(), grown


def test_olympiad_promotes_proved_lemmas_that_gain_generating_weight(olympiad_steps):
    loop, res, grown = olympiad_steps
    assert res.proved and len(res.promoted) >= 3
    assert [(g[0], g[1]) for g in grown] == [(r["step"], r["elem"]) for r in res.promoted]
    eps, p, sp = loop.config.promote_eps, res.problem, loop.space
    no_goal = dataclasses.replace(p, goal=None, goal_text=None)
    table_cls = sp.statement_classes()[res.table.elem]
    for _, elem, w_before, w_after in grown:
        assert w_after >= eps * (1 - 1e-9) and w_after > w_before  # eps of p0 moved onto it
        assert loop.alive[elem] and loop.protected[elem] and loop.p0[elem] > 0  # still at the end
        steps = loop.derivation(elem)
        check_proof(no_goal, steps)  # a proof of it replays against the axioms
        assert (steps[-1].lhs, steps[-1].rhs) == sp.sides(elem)
        assert valid(p, *sp.sides(elem)), sp.text(elem)
        row = (table_cls == sp.statement_classes()[elem]).nonzero().squeeze(1)
        assert res.table.promoted[row].all() and res.table.weight[row] >= loop.p0[elem]


def test_olympiad_proof_goes_through_a_promoted_lemma(olympiad_steps):
    """What is true today: the goal's derivation uses a promoted lemma's statement (earlier,
    with another rounding of the evolution's gradient, it used none). Flip this if that
    changes."""
    loop, res, _ = olympiad_steps
    cls = loop.space.statement_classes()
    d = _Derivation(loop.space, loop.problem)
    d.steps_for(loop.goal_elem)
    used = {int(cls[e]) for e in d.index} - {-1}
    promoted = {int(cls[r["elem"]]) for r in res.promoted}
    assert used and promoted and used & promoted


def test_no_lemma_is_promoted_with_promotion_off():
    problem = Problem.load("czech-slovak")
    on = LemmaLoop(problem, steps=15, stop_at_goal=False)
    off = LemmaLoop(problem, steps=15, stop_at_goal=False, promote_every=0)
    assert on.run().promoted  # the same budget with promotion on does promote
    res = off.run()
    assert res.promoted == [] and not res.table.promoted.any()
    generators = torch.zeros_like(off.protected)
    generators[off.space.generators] = True
    assert torch.equal(off.protected, generators)  # only the axioms and constants


# ---- checker ---------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def monoid_proof():
    res = prove_lemmas("monoid-identities")
    return res.problem, res.proof


def test_checker_rejects_tampered_proofs(monoid_proof):
    p, proof = monoid_proof
    g = p.grammar
    ok = list(proof)
    check_proof(p, ok)
    k = next(n for n, s in enumerate(ok) if s.rule == "inst")
    bad_term = ok[:k] + [Step("inst", ok[k].premises, (g.parse("e_r * e_r"),), ok[k].lhs,
                              ok[k].rhs)] + ok[k + 1:]
    wrong_axiom = [Step("axiom", (), (), s.lhs, s.rhs, axiom=1 - s.axiom) if s.rule == "axiom"
                   else s for s in ok]
    swapped = ok[:-1] + [Step(ok[-1].rule, ok[-1].premises[::-1], (), ok[-1].lhs, ok[-1].rhs)]
    not_goal = ok + [Step("sym", (len(ok) - 1,), (), ok[-1].rhs, ok[-1].lhs)]
    variable_arg = ok[:k] + [Step("inst", ok[k].premises, (g.parse("zz"),), ok[k].lhs,
                                  ok[k].rhs)] + ok[k + 1:]
    future = [Step("sym", (3,), (), ok[0].rhs, ok[0].lhs)] + ok
    for bad in (bad_term, wrong_axiom, swapped, not_goal, variable_arg, future):
        with pytest.raises(ProofCheckError, match="step|goal"):
            check_proof(p, bad)


def test_checker_rejects_a_proof_of_a_false_statement():
    p = Problem.from_dict({"constants": ["m", "n"], "axioms": ["a * a = a"],
                           "goal": "m = n"})
    g = p.grammar
    m, n = g.parse("m"), g.parse("n")
    ax = Step("axiom", (), (), *p.axioms[0], axiom=0)
    fake = [ax, Step("inst", (0,), (m,), g.parse("m * m"), m), Step("sym", (1,), (), m, n)]
    assert not valid(p, m, n)
    with pytest.raises(ProofCheckError, match="step 3"):
        check_proof(p, fake)


# ---- API, results, examples ------------------------------------------------------------------

def test_user_problem_file_and_records_are_plain_data(tmp_path):
    path = write(tmp_path, '# a left identity and an idempotent\nconstants = ["e", "u"]\n'
                           'axioms = ["e * a = a", "u * u = u"]\ngoal = "e * (u * u) = u"\n'
                           '[search]\nmax_size = 5\n')
    res = prove_lemmas(path, steps=60)
    assert res.proved and res.checked
    rec = res.to_records(5)
    assert json.loads(json.dumps(rec))["proved"] is True
    assert rec["config"]["max_size"] == 5 and len(rec["lemmas"]) <= 5


def test_runs_are_deterministic_and_stop_at_the_goal():
    a, b = prove_lemmas("monoid-identities"), prove_lemmas("monoid-identities")
    assert a.format_proof() == b.format_proof()
    assert a.stats["steps"] == a.stats["goal_step"] + 1 <= a.config.steps


def test_no_goal_runs_the_budget_and_ranks_lemmas():
    p = Problem.from_dict({"constants": ["e_l", "e_r"], "axioms": ["e_l * a = a",
                                                                  "a * e_r = a"]})
    res = LemmaLoop(p, steps=12).run()
    assert res.proof is None and not res.proved and res.stats["steps"] == 12
    lemmas = res.lemmas(5)
    assert lemmas and all(a.score >= b.score for a, b in zip(lemmas, lemmas[1:], strict=False))
    assert all(m.statement.split(" = ")[0] != m.statement.split(" = ")[1] for m in lemmas)


def test_prove_monoid_example_runs():
    spec = importlib.util.spec_from_file_location("prove_monoid",
                                                  ROOT / "examples" / "prove_monoid.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    res = module.main()
    assert res.proved
