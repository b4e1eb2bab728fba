"""Networks that evolve their topology while they train (issue 7).

A network holds a fixed-capacity table of op *slots*.  An alive slot applies one op kind
(``add``, ``mul``, ``sin``, ...) to operands that are input columns, earlier slots' outputs or
learnable scalars.  A linear readout sees ``[inputs, slot outputs]``.  Slots are evaluated level
by level (level = 1 + the deepest operand): one gather per level, one ``addcmul`` for its add,
sub, mul and neg ops and one kernel per other (level, op kind), keeping each op's local
derivatives, so a level's backward pass is one multiply and one ``scatter_add_``: a forward+backward
costs a few tensor ops per level instead of a few per op.  Adding or pruning an op rewrites
index buffers in place; parameters keep their identity, so an optimizer's state survives.
"""

from __future__ import annotations

import numbers
import random
from collections.abc import Callable

import torch
from torch import Tensor

from automath.core.errors import AutomathError, DataError, GrammarError
from automath.evonet.level import Plan
from automath.evonet.ops import DEFAULT_OPS, OpsArg, resolve_ops
from automath.evonet.plan import Forward, Network, apply, build_plan


class EvonetError(AutomathError):
    """A bad slot, operand or prune rule for an evolving network, or a network that is full."""


_COMMUTATIVE = frozenset({"add", "mul"})
Operand = int | float


class EvolvingNetwork(torch.nn.Module):
    """A linear readout over inputs and a fixed-capacity table of ops that evolve.

    >>> net = EvolvingNetwork(2, capacity=4, ops=("add", "mul"), seed=0)
    >>> net.add_op("mul", 0, 1), net.add_op("add", 2, 0.5)
    (0, 1)
    >>> net.describe()
    ['s0 = mul(x0, x1)', 's1 = add(s0, 0.5)']
    >>> net.values(torch.tensor([[2.0, 3.0]]))[0, 2:4].tolist()
    [6.0, 6.5]
    """

    def __init__(self, n_inputs: int, n_outputs: int = 1, *, capacity: int = 32,
                 ops: OpsArg = DEFAULT_OPS, max_depth: int | None = 4,
                 param_prob: float = 0.1, input_prob: float = 0.7, value_limit: float = 1e6,
                 seed: int = 0, dtype: torch.dtype | None = None) -> None:
        super().__init__()
        if min(n_inputs, n_outputs, capacity) < 1:
            raise EvonetError("n_inputs, n_outputs and capacity must all be >= 1")
        self.specs, self.n_inputs, self.n_outputs = resolve_ops(ops), n_inputs, n_outputs
        self.op_names, self.capacity = list(self.specs), capacity
        self.max_depth, self.param_prob, self.input_prob = max_depth, param_prob, input_prob
        self.rng, self.value_limit = random.Random(seed), value_limit
        dtype = dtype or torch.get_default_dtype()
        self.register_buffer("kind", torch.full((capacity,), -1, dtype=torch.long))
        self.register_buffer("src", torch.zeros((capacity, 2), dtype=torch.long))
        self.register_buffer("level", torch.zeros(capacity, dtype=torch.long))
        self.consts = torch.nn.Parameter(torch.zeros(capacity, 2, dtype=dtype))
        self.weight = torch.nn.Parameter(torch.zeros(n_outputs, n_inputs + capacity, dtype=dtype))
        self.bias = torch.nn.Parameter(torch.zeros(n_outputs, dtype=dtype))
        self._plan: Plan | None = None
        self.register_load_state_dict_post_hook(lambda module, _: module._invalidate())

    # ---- topology -------------------------------------------------------------------------
    @property
    def alive(self) -> Tensor:
        """Boolean mask of the slots holding an op.

        >>> EvolvingNetwork(1, capacity=2).alive.tolist()
        [False, False]
        """
        return self.kind >= 0

    def alive_slots(self) -> list[int]:
        """Indices of the slots holding an op.

        >>> net = EvolvingNetwork(1, capacity=3); _ = net.add_op("sin", 0); net.alive_slots()
        [0]
        """
        return self.alive.nonzero().flatten().tolist()

    def leaf_mask(self) -> Tensor:
        """Alive slots that no alive op uses as an operand (the only ones that can be pruned).

        >>> net = EvolvingNetwork(1, capacity=3); _ = net.add_op("sin", 0)
        >>> _ = net.add_op("cos", 1); net.leaf_mask().tolist()
        [False, True, False]
        """
        n_in, alive = self.n_inputs, self.alive
        arity = torch.tensor([self.specs[n].arity for n in self.op_names], device=alive.device)
        used = self.src[alive]
        used[:, 1] = torch.where(arity[self.kind[alive]] == 2, used[:, 1], -1)
        used = used[(used >= n_in) & (used < n_in + self.capacity)] - n_in
        referenced = torch.zeros_like(alive).index_fill_(0, used, True)
        return alive & ~referenced

    def add_op(self, kind: str, a: Operand, b: Operand | None = None, *,
               optimizer: torch.optim.Optimizer | None = None) -> int:
        """Put ``kind(a, b)`` in the lowest free slot; ints are columns, floats constants.

        >>> net = EvolvingNetwork(2, capacity=2, ops=("mul",)); net.add_op("mul", 0, 2.0)
        0
        """
        spec = self.specs.get(kind)
        if spec is None:
            raise GrammarError(f"op {kind!r} is not in this network's table {self.op_names}")
        operands = (a,) if spec.arity == 1 else (a, b)
        if spec.arity == 1 and b is not None:
            raise EvonetError(f"{kind} takes one operand, got two")
        free = (~self.alive).nonzero().flatten()
        if len(free) == 0:
            raise EvonetError(f"network is full ({self.capacity} slots); prune first")
        slot = int(free[0])
        cols = [self._operand_column(slot, i, v) for i, v in enumerate(operands)]
        self._reset_slot(slot, optimizer)
        with torch.no_grad():
            for i, v in enumerate(operands):
                if isinstance(v, float):
                    self.consts[slot, i] = v
        self.src[slot] = torch.tensor(cols + cols[:1] * (2 - len(cols)))
        levels = [int(self.level[c - self.n_inputs]) for c in cols if self._is_slot(c)]
        self.level[slot] = 1 + max(levels, default=0)
        self.kind[slot] = self.op_names.index(kind)
        self._invalidate()
        return slot

    def prune(self, slot: int, *, optimizer: torch.optim.Optimizer | None = None) -> None:
        """Remove the op in ``slot``, which must be a leaf; other slots keep their numbers.

        >>> net = EvolvingNetwork(1, capacity=2); _ = net.add_op("sin", 0); net.prune(0)
        >>> net.alive_slots()
        []
        """
        if not 0 <= slot < self.capacity or not bool(self.leaf_mask()[slot]):
            raise EvonetError(f"slot {slot} is not an alive leaf op; cannot prune it")
        self.kind[slot], self.level[slot] = -1, 0
        self.src[slot] = 0
        self._reset_slot(slot, optimizer)
        self._invalidate()

    def _is_slot(self, col: int) -> bool:
        return self.n_inputs <= col < self.n_inputs + self.capacity

    def _operand_column(self, slot: int, i: int, v: Operand) -> int:
        if isinstance(v, numbers.Integral) and not isinstance(v, bool):
            v = int(v)  # numpy and torch integers name columns too
        if isinstance(v, float):
            return self.n_inputs + self.capacity + 2 * slot + i
        if isinstance(v, bool) or not isinstance(v, int):
            raise EvonetError(f"operand {v!r} must be an int column or a float constant")
        if 0 <= v < self.n_inputs or (self._is_slot(v) and bool(self.alive[v - self.n_inputs])):
            return v
        raise EvonetError(f"operand column {v} is neither an input nor an alive slot")

    def _reset_slot(self, slot: int, optimizer: torch.optim.Optimizer | None) -> None:
        col = self.n_inputs + slot
        with torch.no_grad():
            self.weight[:, col] = 0.0
            self.consts[slot] = 0.0
        state = optimizer.state if optimizer is not None else {}
        for p, where in ((self.weight, (slice(None), col)), (self.consts, (slot,))):
            for v in state.get(p, {}).values():
                if isinstance(v, Tensor) and v.shape == p.shape:
                    v[where] = 0.0

    def _invalidate(self) -> None:
        self._plan = None

    def _get_plan(self) -> Plan:
        if self._plan is None:
            self._plan = build_plan(self.n_inputs, self.kind, self.src, self.level,
                                    [self.specs[n] for n in self.op_names])
        return self._plan

    # ---- evolution ------------------------------------------------------------------------
    def propose(self) -> tuple[str, Operand, Operand | None]:
        """A random op ``(kind, a, b)`` over inputs, alive slots and (rarely) a constant.

        >>> EvolvingNetwork(3, capacity=4, ops=("mul",), seed=1).propose()
        ('mul', 0, 1)
        """
        taken, rng = self._signatures(), self.rng
        depth_ok = self.level < (self.max_depth if self.max_depth is not None else 1 << 30)
        inputs = list(range(self.n_inputs))
        slots = [self.n_inputs + s for s in (self.alive & depth_ok).nonzero().flatten().tolist()]

        def pick() -> int:
            return rng.choice(inputs if not slots or rng.random() < self.input_prob else slots)

        for _ in range(32):  # resample ops the network already has
            kind = rng.choice(self.op_names)
            const = self.specs[kind].arity == 2 and rng.random() < self.param_prob
            a, b = pick(), rng.gauss(0.0, 1.0) if const else pick()
            b = None if self.specs[kind].arity == 1 else b
            if self._signature(kind, a, b) not in taken:
                break
        return kind, a, b

    def _signature(self, kind: str, a: Operand, b: Operand | None) -> tuple:
        ops = tuple("c" if isinstance(v, float) else v for v in (a, b))
        return (kind, *sorted(ops, key=str)) if kind in _COMMUTATIVE else (kind, *ops)

    def _signatures(self) -> set[tuple]:
        out, top = set(), self.n_inputs + self.capacity
        for s in self.alive_slots():
            kind = self.op_names[int(self.kind[s])]
            a, b = (c if c < top else 0.0 for c in self.src[s].tolist())
            out.add(self._signature(kind, a, b if self.specs[kind].arity == 2 else None))
        return out

    def add_random_op(self, x: Tensor | None = None, y: Tensor | None = None, *,
                      candidates: int = 1, optimizer: torch.optim.Optimizer | None = None) -> int:
        """Add a random op; with ``candidates > 1``, the proposal best aligned with the residual.

        Given ``x``, proposals whose outputs are not finite or exceed ``value_limit`` are
        redrawn (up to 8 rounds).

        >>> net = EvolvingNetwork(2, capacity=3, ops=("mul",)); net.add_random_op()
        0
        """
        if candidates > 1 and (x is None or y is None):
            raise EvonetError("scoring candidates needs x and y")
        for _ in range(8):
            props = [self.propose() for _ in range(max(1, candidates))]
            if x is None:
                break
            cols = self._proposal_values(x, props)
            ok = (torch.isfinite(cols) & (cols.abs() <= self.value_limit)).all(0).tolist()
            if any(ok):
                props, cols = [p for p, k in zip(props, ok, strict=True) if k], cols[:, ok]
                break
        if len(props) > 1:
            props = [props[int(self._candidate_scores(x, y, cols).argmax())]]
        return self.add_op(*props[0], optimizer=optimizer)

    @torch.no_grad()
    def _proposal_values(self, x: Tensor, props: list) -> Tensor:
        """Outputs of proposed ops on ``x`` as a (batch, n_proposals) float64 tensor."""
        vals = self.values(x).double()
        return torch.stack([self.specs[kind].kernel(
            *[vals[:, v] if isinstance(v, int) else torch.full_like(vals[:, 0], v)
              for v in (a, b) if v is not None]) for kind, a, b in props], 1)

    @torch.no_grad()
    def _candidate_scores(self, x: Tensor, y: Tensor, c: Tensor) -> Tensor:
        """Squared partial correlation of each candidate column with y, given the features."""
        vals = self.values(x).double()
        keep = torch.cat([torch.ones(self.n_inputs, dtype=torch.bool), self.alive.cpu()])
        q, _ = torch.linalg.qr(torch.cat([vals[:, keep.to(vals.device)],
                                          torch.ones_like(vals[:, :1])], 1))
        r = _as_2d(y).to(vals)
        c, r = c - q @ (q.T @ c), r - q @ (q.T @ r)
        score = ((c.T @ r) ** 2).sum(1) / ((c * c).sum(0) * (r * r).sum() + 1e-30)
        return torch.nan_to_num(score, nan=-1.0)

    @torch.no_grad()
    def prune_scores(self, x: Tensor, y: Tensor | None = None, rule: str = "spread") -> Tensor:
        """Per-slot importance under a rule in ``PRUNE_RULES``; inf for dead and non-leaf slots.

        >>> net = EvolvingNetwork(1, capacity=2); _ = net.add_op("sin", 0)
        >>> net.prune_scores(torch.ones(3, 1), rule="weight").tolist()
        [0.0, inf]
        """
        if rule not in PRUNE_RULES:
            raise EvonetError(f"unknown prune rule {rule!r}; choose from {sorted(PRUNE_RULES)}")
        scores = PRUNE_RULES[rule](self, self.values(x), y)
        return torch.where(self.leaf_mask(), scores, torch.full_like(scores, float("inf")))

    def evolve(self, x: Tensor, y: Tensor | None = None, *, rule: str = "spread",
               candidates: int = 1, optimizer: torch.optim.Optimizer | None = None,
               ) -> tuple[int | None, int | None]:
        """Prune the least important leaf op, then add a random op: (pruned, added) slots.

        >>> net = EvolvingNetwork(2, capacity=2, seed=0); _ = net.add_op("mul", 0, 1)
        >>> net.evolve(torch.ones(4, 2), rule="weight")
        (0, 0)
        """
        pruned = None
        scores = self.prune_scores(x, y, rule)
        if bool(torch.isfinite(scores).any()):
            pruned = int(scores.argmin())
            self.prune(pruned, optimizer=optimizer)
        added = None
        if not bool(self.alive.all()):
            added = self.add_random_op(x, y, candidates=candidates, optimizer=optimizer)
        return pruned, added

    # ---- evaluation -----------------------------------------------------------------------
    def features(self, x: Tensor) -> Tensor:
        """Inputs then alive slots' outputs (evaluation order), as (n_inputs + n_alive, batch).

        >>> net = EvolvingNetwork(1, capacity=2); _ = net.add_op("sin", 0)
        >>> net.features(torch.ones(3, 1)).shape
        torch.Size([2, 3])
        """
        return apply(Forward, self._check_x(x), self.consts, self._get_plan())

    def values(self, x: Tensor) -> Tensor:
        """The readout's input ``[inputs, slot outputs]``, (batch, n_inputs + capacity); dead = 0.

        >>> EvolvingNetwork(2, capacity=1).values(torch.ones(4, 2)).shape
        torch.Size([4, 3])
        """
        feats = self.features(x)
        out = feats.new_zeros((feats.shape[1], self.n_inputs + self.capacity))
        return out.index_copy(1, self._get_plan().read_cols, feats.T)

    def forward(self, x: Tensor) -> Tensor:
        """Readout of the inputs and alive ops: (batch, n_outputs); rows are independent.

        >>> net = EvolvingNetwork(2, capacity=2); _ = net.add_op("mul", 0, 1)
        >>> with torch.no_grad(): _ = net.weight[0, 2].fill_(3.0)
        >>> net(torch.tensor([[2.0, 5.0]])).tolist()
        [[30.0]]
        """
        return apply(Network, self._check_x(x), self.consts, self.weight, self.bias,
                     self._get_plan())

    def _check_x(self, x: Tensor) -> Tensor:
        if not isinstance(x, Tensor) or x.ndim != 2 or x.shape[1] != self.n_inputs:
            shape = tuple(x.shape) if isinstance(x, Tensor) else type(x).__name__
            raise DataError(f"expected a (batch, {self.n_inputs}) tensor, got {shape}")
        return x if x.dtype == self.weight.dtype else x.to(self.weight.dtype)

    def describe(self) -> list[str]:
        """One line per alive slot, e.g. ``s3 = mul(x0, s1)``, in evaluation order.

        >>> net = EvolvingNetwork(1, capacity=2, ops=("sin",)); _ = net.add_op("sin", 0)
        >>> net.describe()
        ['s0 = sin(x0)']
        """
        return [self.op_string(s) for s in self._get_plan().slot_order.tolist()]

    def op_string(self, slot: int) -> str:
        """The op in one alive slot as text, e.g. ``s3 = mul(x0, s1)``.

        >>> net = EvolvingNetwork(2, capacity=1); _ = net.add_op("mul", 0, 1); net.op_string(0)
        's0 = mul(x0, x1)'
        """
        return f"s{slot} = {self.op_names[int(self.kind[slot])]}({', '.join(self.operands(slot))})"

    def operands(self, slot: int) -> list[str]:
        """Operand names of a slot: ``x<i>`` inputs, ``s<j>`` slots, numbers for constants.

        >>> net = EvolvingNetwork(1, capacity=1); _ = net.add_op("add", 0, 1.5)
        >>> net.operands(0)
        ['x0', '1.5']
        """
        spec = self.specs[self.op_names[int(self.kind[slot])]]
        return [self._name(int(c)) for c in self.src[slot, :spec.arity]]

    def _name(self, col: int) -> str:
        n_in, cap = self.n_inputs, self.capacity
        if col < n_in:
            return f"x{col}"
        if col < n_in + cap:
            return f"s{col - n_in}"
        return f"{float(self.consts.detach().reshape(-1)[col - n_in - cap]):.4g}"


def _as_2d(y: Tensor) -> Tensor:
    return y.unsqueeze(1) if y.ndim == 1 else y


def _score_spread(net: EvolvingNetwork, vals: Tensor, y: Tensor | None) -> Tensor:
    """Spread over the batch of each op's readout contribution, as a norm over outputs."""
    return net.weight[:, net.n_inputs:].norm(dim=0) * vals[:, net.n_inputs:].std(0, correction=0)


def _score_weight(net: EvolvingNetwork, vals: Tensor, y: Tensor | None) -> Tensor:
    """Norm over outputs of each op's readout weights."""
    return net.weight[:, net.n_inputs:].norm(dim=0)


def _score_refit(net: EvolvingNetwork, vals: Tensor, y: Tensor | None) -> Tensor:
    """Rise in squared error when an op is removed and the readout refitted (least squares)."""
    if y is None:
        raise EvonetError("the 'refit' prune rule needs targets y")
    keep = torch.cat([torch.ones(net.n_inputs, dtype=torch.bool), net.alive.cpu()])
    cols = keep.nonzero().flatten().to(vals.device)
    f = torch.cat([vals[:, cols], torch.ones_like(vals[:, :1])], 1).double()
    gram = f.T @ f + 1e-8 * torch.eye(f.shape[1], dtype=f.dtype, device=f.device)
    inv = torch.linalg.inv(gram)
    beta = inv @ (f.T @ _as_2d(y).to(f))
    rise = (beta ** 2).sum(1) / inv.diagonal()
    out = torch.zeros(net.n_inputs + net.capacity, dtype=f.dtype, device=f.device)
    return out.index_copy(0, cols, rise[:-1])[net.n_inputs:].to(vals.dtype)


PRUNE_RULES: dict[str, Callable[[EvolvingNetwork, Tensor, Tensor | None], Tensor]] = {
    "spread": _score_spread, "weight": _score_weight, "refit": _score_refit}
