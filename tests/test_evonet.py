"""Tests of evolving networks (issue 7): forward vs a per-op loop, seed bugs, rules, export."""

from __future__ import annotations

import importlib.util
import random
from pathlib import Path

import numpy as np
import pytest
import sympy
import torch

from automath.core.errors import AutomathError, DataError, GrammarError
from automath.evonet import OPS
from automath.evonet.export import EvonetRegressor, export_network, snap
from automath.evonet.network import EvolvingNetwork, EvonetError
from automath.evonet.ops import resolve_ops

D = torch.float64
# a buffer view passed as ``out=`` with the wrong shape would be resized: a planning bug
pytestmark = pytest.mark.filterwarnings("error:An output with one or more elements was resized")

# An independent per-op reference: its own kernels (same guards as documented), one op at a time.
REF = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "div": lambda a, b: a / torch.where(b.abs() < 1e-6, torch.full_like(b, 1e-6), b),
    "neg": lambda a: -a,
    "sin": torch.sin,
    "cos": torch.cos,
    "exp": lambda a: torch.exp(torch.clamp(a, max=30.0)),
    "log": lambda a: torch.log(torch.clamp(a.abs(), min=1e-6)),
    "sq": lambda a: a * a,
}
UNARY = {"neg", "sin", "cos", "exp", "log", "sq"}


def reference_forward(net: EvolvingNetwork, x: torch.Tensor) -> torch.Tensor:
    """Plain Python loop: evaluate any op whose operands are ready, one op per iteration."""
    return reference_values(net, x) @ net.weight.T + net.bias


def reference_values(net: EvolvingNetwork, x: torch.Tensor) -> torch.Tensor:
    """``net.values`` by the plain loop: inputs then every slot's output (dead slots 0)."""
    n_in, cap = net.n_inputs, net.capacity
    consts = net.consts.reshape(-1)
    vals = {i: x[:, i] for i in range(n_in)}
    pending = set(net.alive_slots())
    while pending:
        for s in sorted(pending):
            name = net.op_names[int(net.kind[s])]
            cols = net.src[s, :1 if name in UNARY else 2].tolist()
            if all(c >= n_in + cap or c in vals for c in cols):
                args = [vals[c] if c < n_in + cap else consts[c - n_in - cap] for c in cols]
                vals[n_in + s] = REF[name](*args)
                pending.discard(s)
                break
        else:
            raise AssertionError("cycle in the op table")
    zero = torch.zeros(len(x), dtype=x.dtype)
    return torch.stack([vals.get(c, zero) for c in range(n_in + cap)], 1)


def random_network(seed: int, ops=tuple(OPS), n_in: int = 4, cap: int = 24,
                   n_out: int = 2) -> EvolvingNetwork:
    """Random topology with holes (prunes) so slot order differs from evaluation order."""
    rng = random.Random(seed)
    net = EvolvingNetwork(n_in, n_out, capacity=cap, ops=ops, max_depth=None, dtype=D)
    for step in range(3 * cap):
        if len(net.alive_slots()) == cap or (step % 4 == 3 and net.leaf_mask().any()):
            net.prune(rng.choice(net.leaf_mask().nonzero().flatten().tolist()))
            continue
        name = rng.choice(net.op_names)
        pool = list(range(n_in)) + [n_in + s for s in net.alive_slots()]
        a = rng.choice(pool)
        b = rng.uniform(-2, 2) if rng.random() < 0.3 else rng.choice(pool)
        net.add_op(name, a, None if net.specs[name].arity == 1 else b)
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        net.weight.copy_(torch.randn(net.weight.shape, generator=g, dtype=D))  # dead too
        net.bias.copy_(torch.randn(n_out, generator=g, dtype=D))
        net.consts.copy_(torch.randn(net.consts.shape, generator=g, dtype=D))
    return net


def product_data(seed: int, n: int = 256) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.uniform(-2, 2, (n, 5))  # x3, x4 are distractors
    return X, X[:, 0] * X[:, 1] + X[:, 2]


# ---- op table ------------------------------------------------------------------------------
def test_op_table_has_the_core_aliases_with_matching_sympy():
    x, y = sympy.symbols("x y")
    assert {"add", "sub", "mul", "div", "neg", "sin", "cos", "exp", "log"} <= set(OPS)
    assert OPS["sub"].sym(x, y) == x - y and OPS["div"].sym(x, y) == x / y
    assert OPS["cos"].sym(x) == sympy.cos(x) and OPS["neg"].arity == 1
    a, b = torch.tensor([0.3, -1.2], dtype=D), torch.tensor([2.0, 0.5], dtype=D)
    for name, spec in OPS.items():
        args = (a,) if spec.arity == 1 else (a, b)
        assert torch.allclose(spec.kernel(*args), REF[name](*args), rtol=0, atol=1e-15)


def test_unknown_alias_and_bad_tables_raise_automath_errors():
    with pytest.raises(GrammarError, match="unknown op alias"):
        EvolvingNetwork(2, ops=("add", "pow"))
    with pytest.raises(AutomathError):
        resolve_ops({"tri": (3, torch.add, sympy.Add)})
    net = EvolvingNetwork(2, capacity=1, ops=("add",))
    with pytest.raises(GrammarError):
        net.add_op("mul", 0, 1)
    with pytest.raises(EvonetError, match="neither an input nor an alive slot"):
        net.add_op("add", 0, 5)
    net.add_op("add", 0, 1)
    with pytest.raises(EvonetError, match="full"):
        net.add_op("add", 0, 1)


def test_forward_input_errors_are_data_errors():
    net = EvolvingNetwork(3, capacity=2)
    with pytest.raises(DataError, match=r"\(batch, 3\)"):
        net(torch.zeros(4, 2))
    with pytest.raises(DataError):
        EvonetRegressor(generations=1).fit([[1.0, np.nan]], [1.0])
    with pytest.raises(DataError, match="rows"):
        EvonetRegressor(generations=1).fit(np.zeros((4, 2)), np.zeros(3))
    with pytest.raises(DataError, match="not fitted"):
        EvonetRegressor().predict([[1.0]])
    with pytest.raises(EvonetError, match="unknown prune rule"):
        EvonetRegressor(prune="stddev").fit(np.zeros((4, 2)), np.zeros(4))


# ---- batched forward/backward vs the per-op loop --------------------------------------------
@pytest.mark.parametrize("seed", range(6))
def test_forward_and_gradients_match_per_op_loop(seed):
    net = random_network(seed)
    x = torch.randn(33, 4, dtype=D, generator=torch.Generator().manual_seed(100 + seed))
    assert len(net._get_plan().levels) > 2  # a real multi-level topology
    out = net(x)
    ref = reference_forward(net, x)
    torch.testing.assert_close(out, ref, rtol=1e-12, atol=1e-10)  # values reach ~1e7
    grads = torch.autograd.grad(out.sin().sum(), list(net.parameters()))
    ref_grads = torch.autograd.grad(ref.sin().sum(), list(net.parameters()))
    for g, r in zip(grads, ref_grads, strict=True):
        torch.testing.assert_close(g, r, rtol=1e-9, atol=1e-9)


@pytest.mark.parametrize("seed", range(3))
def test_values_and_gradients_wrt_inputs_match_per_op_loop(seed):
    net = random_network(seed)
    g = torch.Generator().manual_seed(200 + seed)
    x = torch.randn(17, 4, dtype=D, generator=g).requires_grad_()
    probe = torch.randn(17, 4 + net.capacity, dtype=D, generator=g)
    wrt = [x, net.consts, net.weight, net.bias]

    def loss(values, out):
        return (values * probe).sum() + out.sin().sum()

    got = torch.autograd.grad(loss(net.values(x), net(x)), wrt)
    ref = torch.autograd.grad(loss(reference_values(net, x), reference_forward(net, x)), wrt)
    for a, b in zip(got, ref, strict=True):
        torch.testing.assert_close(a, b, rtol=1e-9, atol=1e-9)


def test_gradient_wrt_inputs_and_custom_op_without_hand_written_gradient():
    table = {"sq": (1, lambda a: a * a, lambda a: a**2), "mul": OPS["mul"]}
    net = random_network(7, ops=table)
    x = torch.randn(9, 4, dtype=D, requires_grad=True)
    (gx,) = torch.autograd.grad(net(x).sum(), x)
    (rx,) = torch.autograd.grad(reference_forward(net, x).sum(), x)
    torch.testing.assert_close(gx, rx, rtol=1e-10, atol=1e-10)



def test_reused_buffers_do_not_leak_between_live_graphs():
    net = random_network(1)
    g = torch.Generator().manual_seed(9)
    x1, x2 = (torch.randn(12, 4, dtype=D, generator=g) for _ in range(2))
    params = list(net.parameters())
    out1, out2 = net(x1), net(x2)  # two live graphs of the same batch shape
    first = torch.autograd.grad(out1.sin().sum(), params, retain_graph=True)
    second = torch.autograd.grad(out2.sin().sum(), params)
    again = torch.autograd.grad(out1.sin().sum(), params)  # the retained graph, after another
    for x, got in ((x1, first), (x2, second), (x1, again)):
        ref = torch.autograd.grad(reference_forward(net, x).sin().sum(), params)
        # a leak would be off by O(1); sin of outputs near 1e8 amplifies rounding to ~1e-8
        for a, b in zip(got, ref, strict=True):
            torch.testing.assert_close(a, b, rtol=1e-6, atol=1e-9)
    with torch.no_grad():
        v1 = net.values(x1)
        net.values(x2)  # may reuse v1's buffers: v1 must not change
    torch.testing.assert_close(v1, reference_values(net, x1), rtol=1e-12, atol=1e-10)


def test_first_order_gradients_under_create_graph_and_no_silent_second_order():
    net = random_network(2)
    x = torch.randn(8, 4, dtype=D, generator=torch.Generator().manual_seed(5))
    (gw,) = torch.autograd.grad(net(x).sin().sum(), [net.weight], create_graph=True)
    (rw,) = torch.autograd.grad(reference_forward(net, x).sin().sum(), [net.weight])
    torch.testing.assert_close(gw, rw, rtol=1e-9, atol=1e-9)
    with pytest.raises(RuntimeError, match="once_differentiable"):
        gw.sum().backward()

# ---- one regression test per bug of the seed code -------------------------------------------
def test_input_column_zero_is_a_usable_operand():
    net = EvolvingNetwork(3, capacity=4, dtype=D, seed=3)
    slot = net.add_op("mul", 0, 1)
    assert net.operands(slot) == ["x0", "x1"]  # the seed's `if p1:` turned 0 into a parameter
    x = torch.randn(5, 3, dtype=D)
    torch.testing.assert_close(net.values(x)[:, 3 + slot], x[:, 0] * x[:, 1])
    firsts = [net.propose()[1] for _ in range(300)]
    assert 0 in firsts


def test_leaf_detection_includes_the_first_op_column():
    net = EvolvingNetwork(2, capacity=4)
    s0 = net.add_op("sin", 0)  # column 2 == n_inputs: the seed's `> input_dims` missed it
    s1 = net.add_op("mul", 2 + s0, 1)
    s2 = net.add_op("cos", 1)
    assert net.leaf_mask().tolist() == [False, True, True, False]
    with pytest.raises(EvonetError, match="not an alive leaf"):
        net.prune(s0)
    net.prune(s1)
    assert net.leaf_mask().tolist() == [True, False, True, False]
    assert s2 == 2


def test_prune_keeps_other_slots_and_their_operands():
    net = EvolvingNetwork(3, capacity=5, dtype=D, ops=("sin", "cos", "mul", "neg"))
    a = net.add_op("sin", 0)
    b = net.add_op("cos", 1)
    c = net.add_op("mul", 3 + b, 2)  # uses slot b, which sits after the slot we prune
    x = torch.randn(6, 3, dtype=D)
    before = net.values(x)
    net.prune(a)
    after = net.values(x)
    assert net.operands(c) == [f"s{b}", "x2"]
    torch.testing.assert_close(after[:, 3 + c], before[:, 3 + c], rtol=0, atol=0)
    new = net.add_op("neg", 3 + c)  # reuses slot a, below the slot it reads
    assert new == a
    torch.testing.assert_close(net.values(x)[:, 3 + new], -before[:, 3 + c])


def test_prune_removes_exactly_its_own_readout_column():
    net = random_network(11, n_in=3, cap=10)
    x = torch.randn(20, 3, dtype=D)
    leaf = int(net.leaf_mask().nonzero()[0])
    col = 3 + leaf
    w_before, v, y_before = net.weight.detach().clone(), net.values(x).detach(), net(x).detach()
    net.prune(leaf)
    expected = y_before - v[:, col:col + 1] @ w_before[:, col:col + 1].T
    torch.testing.assert_close(net(x), expected, rtol=0, atol=1e-10)
    others = [j for j in range(net.weight.shape[1]) if j != col]
    assert torch.equal(net.weight[:, others], w_before[:, others])
    assert torch.all(net.weight[:, col] == 0)


def test_outputs_do_not_depend_on_the_batch():
    net = random_network(5, ops=("add", "sub", "mul", "sin", "cos"))
    x = torch.randn(40, 4, dtype=D)
    full = net(x)
    rows = torch.cat([net(x[i:i + 1]) for i in range(len(x))])
    torch.testing.assert_close(rows, full, rtol=0, atol=1e-12)
    torch.testing.assert_close(net(x[:7]), full[:7], rtol=0, atol=1e-12)


def test_state_dict_round_trip_restores_topology_and_outputs():
    net = random_network(3)
    fresh = EvolvingNetwork(4, 2, capacity=24, ops=tuple(OPS), dtype=D)
    x = torch.randn(10, 4, dtype=D)
    fresh(x)  # builds (and caches) an evaluation plan for the empty topology
    fresh.load_state_dict(net.state_dict())
    assert fresh.describe() == net.describe()
    torch.testing.assert_close(fresh(x), net(x), rtol=0, atol=0)


def test_networks_do_not_share_default_state():
    a, b = EvolvingNetwork(2, capacity=3), EvolvingNetwork(2, capacity=3)
    a.add_op("mul", 0, 1)
    assert b.alive_slots() == [] and a.alive_slots() == [0]
    assert a.kind.data_ptr() != b.kind.data_ptr() and a.specs is not b.specs
    a.specs.pop("mul")
    assert "mul" in OPS and "mul" in b.specs


def test_optimizer_state_survives_evolve():
    torch.manual_seed(0)
    net = EvolvingNetwork(3, capacity=6, seed=1)
    for _ in range(5):
        net.add_random_op()
    x = torch.randn(64, 3)
    y = x[:, :1] * x[:, 1:2]
    opt = torch.optim.Adam(net.parameters(), lr=0.01)
    for _ in range(5):
        opt.zero_grad()
        torch.mean((net(x) - y) ** 2).backward()
        opt.step()
    params = list(net.parameters())
    states = {id(p): opt.state[p]["exp_avg"] for p in params}
    saved = {id(p): {k: v.clone() for k, v in opt.state[p].items()} for p in params}
    pruned, added = net.evolve(x, y, rule="spread", optimizer=opt)
    assert pruned is not None and added is not None
    assert [id(p) for p in net.parameters()] == [id(p) for p in params]
    assert opt.param_groups[0]["params"][0] is params[0]
    touched = {3 + pruned, 3 + added}
    keep = [j for j in range(net.weight.shape[1]) if j not in touched]
    for p in params:
        assert opt.state[p]["exp_avg"] is states[id(p)]
        assert torch.equal(opt.state[p]["step"], saved[id(p)]["step"])
    w_state = opt.state[net.weight]
    assert torch.equal(w_state["exp_avg"][:, keep], saved[id(net.weight)]["exp_avg"][:, keep])
    assert torch.all(w_state["exp_avg_sq"][:, 3 + added] == 0)
    opt.zero_grad()
    torch.mean((net(x) - y) ** 2).backward()
    opt.step()  # the optimizer keeps working on the evolved network


def test_random_ops_that_overflow_on_the_data_are_redrawn():
    net = EvolvingNetwork(2, capacity=30, ops=("exp", "mul"), max_depth=None, seed=0,
                          value_limit=1e3, dtype=D)
    x = torch.rand(50, 2, dtype=D, generator=torch.Generator().manual_seed(0)) * 2
    for _ in range(30):
        net.add_random_op(x)
    vals = net.values(x)
    assert torch.isfinite(vals).all() and vals.abs().max() <= 1e3
    assert any(line.count("exp") for line in net.describe())


# ---- prune rules ----------------------------------------------------------------------------
def test_spread_and_weight_rules_match_direct_computation():
    net = random_network(2, n_in=3, cap=8)
    x = torch.randn(50, 3, dtype=D)
    v, w, leaves = net.values(x).detach(), net.weight.detach(), net.leaf_mask()
    spread = net.prune_scores(x, rule="spread")
    weight = net.prune_scores(x, rule="weight")
    for s in range(8):
        if not leaves[s]:
            assert spread[s] == float("inf") and weight[s] == float("inf")
            continue
        per_output = [torch.std(w[o, 3 + s] * v[:, 3 + s], correction=0) for o in range(2)]
        assert float(spread[s]) == pytest.approx(float(torch.stack(per_output).norm()))
        assert float(weight[s]) == pytest.approx(float(w[:, 3 + s].norm()))


def test_refit_rule_matches_brute_force_refit():
    net = random_network(4, ops=("add", "mul", "sin"), n_in=3, cap=8)
    x = torch.randn(80, 3, dtype=D)
    y = torch.randn(80, 2, dtype=D)
    scores = net.prune_scores(x, y, rule="refit")
    v = net.values(x).detach().numpy()
    alive = [3 + s for s in net.alive_slots()]

    def rss(cols):
        f = np.concatenate([v[:, cols], np.ones((80, 1))], 1)
        beta, *_ = np.linalg.lstsq(f, y.numpy(), rcond=None)
        return float(np.sum((f @ beta - y.numpy()) ** 2))

    base = rss([0, 1, 2] + alive)
    for s in net.leaf_mask().nonzero().flatten().tolist():
        brute = rss([0, 1, 2] + [c for c in alive if c != 3 + s]) - base
        assert float(scores[s]) == pytest.approx(brute, rel=1e-5, abs=1e-8)
    with pytest.raises(EvonetError, match="needs targets"):
        net.prune_scores(x, rule="refit")
    with pytest.raises(EvonetError, match="unknown prune rule"):
        net.prune_scores(x, rule="random")


# ---- export -----------------------------------------------------------------------------
def test_export_snaps_weights_and_drops_negligible_terms():
    net = EvolvingNetwork(4, capacity=4, dtype=D)
    m = net.add_op("mul", 0, 1)
    s = net.add_op("sin", 3)
    c = net.add_op("add", 2, 0.0002)  # a constant that snaps to 0
    with torch.no_grad():
        net.weight[0, 4 + m] = 0.99996
        net.weight[0, 4 + s] = 2e-6
        net.weight[0, 4 + c] = 1.00003
        net.bias[0] = -0.0002
    x = torch.randn(100, 4, dtype=D, generator=torch.Generator().manual_seed(0))
    (expr,) = export_network(net, x).exprs
    x0, x1, x2 = sympy.symbols("x0 x1 x2", real=True)
    assert sympy.simplify(expr - (x0 * x1 + x2)) == 0


def test_export_merges_float_terms_that_cancel():
    net = EvolvingNetwork(2, capacity=2, dtype=D)
    inner = net.add_op("sub", 0, -0.0529505)  # x0 + c, c not a simple number
    outer = net.add_op("mul", 1, 2 + inner)
    with torch.no_grad():
        net.weight[0, 2 + outer] = 1.0
        net.weight[0, 1] = -0.0529505  # cancels x1*c
    (expr,) = export_network(net, torch.randn(40, 2, dtype=D)).exprs
    assert expr == sympy.Symbol("x0", real=True) * sympy.Symbol("x1", real=True)


def test_export_keeps_weights_that_are_not_simple_numbers():
    net = EvolvingNetwork(2, capacity=2, dtype=D)
    net.add_op("mul", 0, 1)
    with torch.no_grad():
        net.weight[0, 2] = 0.7316
    (expr,) = export_network(net, torch.randn(30, 2, dtype=D)).exprs
    assert isinstance(expr.as_coeff_Mul()[0], sympy.Float)
    assert float(expr.as_coeff_Mul()[0]) == pytest.approx(0.7316, rel=1e-5)
    assert snap(2.5000001) == sympy.Rational(5, 2) and snap(-3e-9) == 0


# ---- acceptance: recovery --------------------------------------------------------------------
@pytest.mark.parametrize("seed", range(5))
def test_product_task_recovered_within_100_generations(seed):
    X, y = product_data(seed)
    model = EvonetRegressor(generations=100, seed=seed).fit(X, y)
    x0, x1, x2 = sympy.symbols("x0 x1 x2", real=True)
    assert model.recovered_ and model.n_generations_ <= 100
    assert sympy.simplify(model.sympy() - (x0 * x1 + x2)) == 0
    np.testing.assert_allclose(model.predict(X), y, atol=1e-9)
    assert model.latex() == sympy.latex(model.sympy())


@pytest.mark.parametrize("seed", range(3))
def test_two_outputs_recovered_with_weight_norm_rule(seed):
    X, _ = product_data(seed)
    Y = np.stack([X[:, 0] * X[:, 1] + X[:, 2], -X[:, 0] * X[:, 1] + X[:, 3]], 1)
    model = EvonetRegressor(prune="weight", seed=seed).fit(X, Y)
    x0, x1, x2, x3 = sympy.symbols("x0 x1 x2 x3", real=True)
    first, second = model.sympy()
    assert sympy.simplify(first - (x0 * x1 + x2)) == 0
    assert sympy.simplify(second - (-x0 * x1 + x3)) == 0
    assert model.predict(X).shape == (256, 2)


def test_history_records_generations_and_evolution():
    X, y = product_data(0)
    seen = []
    model = EvonetRegressor(generations=3, tol=0.0, seed=0, callback=seen.append).fit(X, y)
    assert [r["generation"] for r in model.history_] == [0, 1, 2] and seen == model.history_
    assert all(r["n_ops"] == 12 and len(r["ops"]) == 12 for r in model.history_)
    assert all(r["added"].startswith("s") for r in model.history_)
    assert model.equations_ and model.equations_[0]["generation"] == 0


def test_example_script_runs_and_saves_its_plot(tmp_path, capsys):
    path = Path(__file__).resolve().parents[1] / "examples" / "evonet_product.py"
    spec = importlib.util.spec_from_file_location("evonet_product", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    plot = tmp_path / "evonet.png"
    assert module.main(["--plot", str(plot), "--seed", "1"]) == 0
    out = capsys.readouterr().out
    assert "generation" in out and "x0*x1 + x2" in out
    assert plot.stat().st_size > 1000
