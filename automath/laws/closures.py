"""Functions over infinite sorts in typed signatures (issue 15.3): partial applications such
as ``(++) xs`` or ``map f``, their composition ``(++) xs . (++) ys``, the identity, and their
application, over sorts whose domain has no finite list of elements (lists, naturals, or
function tables too many to list).

A semantics file gives an alias a kernel with fewer arguments than the kernel takes::

    [types]
    cat = "list -> list -> list"     # (++): append with no argument given
    map = "fun -> list -> list"      # map with none (fun = "elem -> elem", a table)
    rev = "list -> list"
    [ops]
    cat = { partial = "append" }
    map = { partial = "map" }
    rev = { partial = "reverse" }

A value of a sort ``a -> b`` whose ``a`` is infinite (``ClosureKind``) is, per sample, a small
program — up to ``MAX_STAGES`` stages run one after another, each a registered kernel with
the arguments given so far (one ``slot``) — and, in front, a hash of its outputs at
``PROBES`` probe values of ``a`` drawn per sample (fixed by seed). The store compares
closures by that hash only (``TypedKind.quantize`` zeroes the program), so two closures
equal at the probes are one class: equality of functions is *tested*, as QuickSpec tests it
by applying them to random arguments. Laws are never proved by it: the verifier evaluates
both sides afresh at other samples and other probes, and reports such laws ``tested only``.
A composition longer than ``MAX_STAGES`` stages, or a closure whose output at a probe has no
value, has no value (the term is missed, never wrong).
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import torch

from automath.core.errors import SemanticsError
from automath.core.kinds import Kind, fingerprint_hash
from automath.core.models import parse_sort, sort_text

POOL = 32  # a random function's outputs: drawn from this many values of its codomain
MAX_STAGES = 3  # stages of one closure's program (a longer composition has no value)
SEAL_ROWS = 1024  # closures hashed at once
PROBES = 4  # probe values of the domain per sample, at which a closure's outputs are hashed
HASH, COUNT, FIRST = 0, 1, 2  # payload columns: the probe hash, the stage count, stage 1
CODE, GIVEN, SLOT = 0, 1, 2  # columns of a stage: kernel code, arguments given, the argument


@dataclass(frozen=True)
class Stage:
    """A registered kernel a closure's stage runs: ``kernel`` (a ``TypedKernel``) over the
    argument sorts ``args`` to ``result``; a stage with fewer arguments given than ``args``
    waits for the others."""

    kernel: object
    args: tuple[str, ...]
    result: str


class ClosureKind(Kind):
    """Functions from an infinite sort ``dom`` to ``cod`` of a typed signature (``owner``),
    as programs with a probe hash (see the module doc). Variables of such sorts are not
    sampled (there is no finite table to draw).

    >>> from automath.laws.typed import TypedKind
    >>> t = TypedKind({"list": "list:4"}, {"xs": "list"}, k=2, more=["list -> list"])
    >>> c = t.natives["list -> list"]; c.spec, c.shape
    ('(list -> list)', (2, 23))
    """

    name = "closure"
    dtype = torch.int64

    def __init__(self, owner, dom: str, cod: str) -> None:
        super().__init__(owner.k, owner.seed, owner.device)
        if isinstance(owner.natives.get(dom), ClosureKind):
            raise SemanticsError(f"sort ({dom}) -> {cod}: a function whose argument is a "
                                 "function over an infinite sort is not supported", token=dom)
        self.owner, self.dom, self.cod = owner, dom, cod
        self.sort = sort_text((parse_sort(dom), parse_sort(cod)))

    @property
    def spec(self) -> str:
        """``(dom -> cod)``."""
        return f"({self.dom} -> {self.cod})"

    @property
    def shape(self) -> tuple[int, ...]:
        """``(k, 2 + MAX_STAGES * (2 + slot))``: hash, count, stages."""
        return (self.k, FIRST + MAX_STAGES * stage_width(self.owner))

    def valid(self, values: torch.Tensor) -> torch.Tensor:
        """Rows whose every sample has a program (count -1: no value)."""
        return (values[..., COUNT] >= 0).flatten(1).all(dim=1)

    def variable(self, name: str) -> torch.Tensor:
        """A random function per sample (tagged: ``random_closure``)."""
        return random_closure(self.owner, name, self.sort)[0]

    def constant(self, value: str) -> torch.Tensor:
        """Always an error: functions have no numerals."""
        raise SemanticsError("functions have no numerals", token=str(value))


def stage_width(owner) -> int:
    """Columns of one stage: code, arguments given, one argument of the widest plain sort.

    >>> from automath.laws.typed import TypedKind
    >>> stage_width(TypedKind({"list": "list:4", "n": "nat"}, {"xs": "list"}, k=1))
    7
    """
    return SLOT + owner.slot


def _stage(values: torch.Tensor, d: int, width: int) -> torch.Tensor:
    return values[..., FIRST + d * width:FIRST + (d + 1) * width]


def _seal(owner, ck: ClosureKind, prog: torch.Tensor) -> torch.Tensor:
    """Programs ``(n, k, w)`` with their probe hash filled in (and count -1 where an output
    at a probe has no value)."""
    if prog.shape[0] > SEAL_ROWS:  # bounded memory: probes times rows (times nested probes)
        return torch.cat([_seal(owner, ck, part) for part in prog.split(SEAL_ROWS)])
    n, probes = prog.shape[0], owner.probes(ck.dom)
    x = probes[:, None].expand(PROBES, n, *probes.shape[1:]).reshape(-1, *probes.shape[1:])
    y = _call(owner, prog.repeat(PROBES, 1, 1), x)
    rows = owner.masked(y).reshape(PROBES, n * ck.k, -1).transpose(0, 1)
    h = fingerprint_hash(fingerprint_hash(rows.reshape(-1, rows.shape[-1])).reshape(-1, PROBES))
    bad = ~owner.sample_valid(y).reshape(PROBES, n, ck.k).all(dim=0)
    out = prog.clone()
    out[..., HASH] = h.reshape(n, ck.k)
    out[..., COUNT] = torch.where(bad | (prog[..., COUNT] < 0), -1, prog[..., COUNT])
    return out


def _call(owner, f: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """Programs ``f`` (native rows) applied to tagged values ``x``: tagged results (tag -1
    where a program or an argument has no value)."""
    cur, width = x, stage_width(owner)
    count = f[:, 0, COUNT] if f.shape[0] else f.new_zeros(0)
    for d in range(MAX_STAGES):
        rows = (count > d).nonzero().squeeze(1)
        if rows.numel() == cur.shape[0]:  # every row has stage d: no gathering
            cur = _step(owner, _stage(f, d, width), cur)
        elif rows.numel():
            cur = cur.clone()
            cur[rows] = _step(owner, _stage(f[rows], d, width), cur[rows])
    bad = f[..., COUNT] < 0
    return torch.cat([torch.where(bad, -1, cur[..., 0])[..., None], cur[..., 1:]], dim=-1)


def _step(owner, stage: torch.Tensor, cur: torch.Tensor) -> torch.Tensor:
    """One stage per row on tagged values: the kernel, or (arguments still missing) a closure
    holding the argument."""
    keys = stage[:, 0, CODE] * 4 + stage[:, 0, GIVEN]
    found = torch.unique(keys).tolist()
    out = None if len(found) == 1 else torch.zeros_like(cur)
    for key in found:
        rows = keys == key if out is not None else slice(None)
        part = _run_stage(owner, key, stage[rows], cur[rows])
        out = part if out is None else out.index_put_((rows,), part)
    ok = owner.sample_valid(cur)
    return torch.cat([torch.where(ok, out[..., 0], -1)[..., None], out[..., 1:]], dim=-1)


def _run_stage(owner, key: int, stage: torch.Tensor, cur: torch.Tensor) -> torch.Tensor:
    """Rows of one stage key (code, arguments given) on tagged values."""
    st, given = owner.stages[key // 4 - 1], key % 4
    stored = [_slot_value(owner, stage[..., SLOT:], st.args[0])] if given else []
    args = [*stored, cur]
    if len(args) == len(st.args):
        return st.kernel.raw(owner, (st.args, st.result), args)
    return _make(owner, key // 4, args, owner.rest(st, len(args)))


def _slot_value(owner, payload: torch.Tensor, sort: str) -> torch.Tensor:
    """A stage's stored argument as a tagged value of ``sort``."""
    out = torch.zeros((*payload.shape[:-1], owner.shape[1]), dtype=torch.int64,
                      device=payload.device)
    w = owner.widths[sort]
    out[..., 0], out[..., 1:1 + w] = owner.tags[sort], payload[..., :w]
    return out


def _make(owner, code: int, given: Sequence[torch.Tensor], sort: str) -> torch.Tensor:
    """The tagged closure of ``sort`` running stage ``code`` with the tagged arguments
    ``given`` (at most one) stored."""
    ck, n = owner.natives[sort], given[0].shape[0] if given else 1
    prog = torch.zeros((n, ck.k, ck.shape[1]), dtype=torch.int64, device=owner.device)
    prog[..., COUNT], prog[..., FIRST + CODE], prog[..., FIRST + GIVEN] = 1, code, len(given)
    for a in given:
        prog[..., FIRST + SLOT:FIRST + SLOT + owner.slot] = a[..., 1:1 + owner.slot]
        prog[..., COUNT] = torch.where(owner.sample_valid(a), 1, -1)
    return owner.encode(_seal(owner, ck, prog), sort)


def _compose(owner, inst: tuple, args: Sequence[torch.Tensor]) -> torch.Tensor:
    """``f . g`` of closures: g's stages, then f's (tagged in and out)."""
    (fs, gs), result = inst
    f, g = owner.decode(args[0], fs), owner.decode(args[1], gs)
    nf, ng, width = f[:, 0, COUNT], g[:, 0, COUNT], stage_width(owner)
    out = g.clone()
    for m in range(MAX_STAGES + 1):
        rows = ng == m
        out[rows, :, FIRST + m * width:] = f[rows][..., FIRST:FIRST + (MAX_STAGES - m) * width]
    bad = (f[..., COUNT] < 0) | (g[..., COUNT] < 0) | ((nf + ng) > MAX_STAGES)[:, None]
    out[..., COUNT] = torch.where(bad, -1, (nf + ng)[:, None].expand_as(bad))
    return owner.encode(_seal(owner, owner.natives[result], out), result)


def _identity(owner, inst: tuple, args: Sequence[torch.Tensor]) -> torch.Tensor:
    """The closure of no stages (one row)."""
    ck = owner.natives[inst[1]]
    prog = torch.zeros((1, ck.k, ck.shape[1]), dtype=torch.int64, device=owner.device)
    return owner.encode(_seal(owner, ck, prog), inst[1])


def _apply(owner, inst: tuple, args: Sequence[torch.Tensor]) -> torch.Tensor:
    """``f x`` for a closure f: its program run on x."""
    return _call(owner, owner.decode(args[0], inst[0][0]), args[1])


CLOSURE_KERNELS: dict[str, Callable] = {"apply": _apply, "compose": _compose,
                                        "identity": _identity}
"""The function kernels (``automath.laws.functions``) on closures, on tagged values."""


class RandomFunction:
    """The stage of a variable of a closure sort: a random function per sample, its output
    at x one of ``POOL`` values of the codomain (drawn per sample like its variables),
    picked by a hash of x, the sample and the variable's name."""

    def __init__(self, name: str) -> None:
        self.salt = zlib.crc32(name.encode()) & 0x7FFFFFFF

    def raw(self, owner, inst: tuple, args: Sequence[torch.Tensor]) -> torch.Tensor:
        """The outputs at tagged arguments ``x`` (tagged, tag -1 where x has no value)."""
        x, pool = args[-1], owner.pool(inst[1])  # pool: (k, POOL, width)
        n, k = x.shape[:2]
        extra = torch.tensor([self.salt, owner.seed], device=x.device).expand(n, k, 2)
        at = torch.arange(k, device=x.device)[None, :, None].expand(n, k, 1)
        rows = torch.cat([owner.masked(x), at, extra], dim=-1).reshape(n * k, -1)
        pick = torch.remainder(fingerprint_hash(rows) >> 33, POOL).reshape(n, k)
        out = pool[at[..., 0], pick]
        out[..., 0] = torch.where(owner.sample_valid(x), out[..., 0], -1)
        return out


def random_closure(owner, name: str, sort: str) -> torch.Tensor:
    """A variable of a closure sort, tagged ``(1, k, width)``: one registered
    ``RandomFunction`` stage (codes shared by the signature's resampled kinds).

    >>> from automath.laws.typed import TypedKind
    >>> t = TypedKind({"list": "list:4"}, {"xs": "list"}, k=3, more=["list -> list"])
    >>> u = random_closure(t, "u", "list -> list"); u.shape, t.valid(u).tolist()
    (torch.Size([1, 3, 24]), [True])
    >>> bool((random_closure(t, "u", "list -> list") == u).all())  # fixed by seed and name
    True
    """
    ck = owner.natives[sort]
    if ck.cod in owner.closures:
        raise SemanticsError(f"variable {name!r} of sort {sort}: a random function needs a "
                             "finite domain or a result that is not a function", token=name)
    if name not in owner.random_codes:
        owner.random_codes[name] = owner.register(Stage(RandomFunction(name), (ck.dom,),
                                                        ck.cod))
    return _make(owner, owner.random_codes[name], [], sort)


class ClosureMaker:
    """The kernel of a partial application (``{ partial = "append" }``): the closure of
    stage ``code`` with the grammar's arguments stored."""

    def __init__(self, name: str, code: int) -> None:
        self.name, self.code = name, code

    def tagged(self, owner, inst: tuple, args: Sequence[torch.Tensor]) -> torch.Tensor:
        """The closures (tagged), one per row of ``args`` (one row for a constant); over a
        finite domain, tables."""
        if inst[1] in owner.closures:
            return _make(owner, self.code, list(args), inst[1])
        return tabulate(owner, owner.stages[self.code - 1], list(args), inst[1])


def tabulate(owner, st: Stage, given: Sequence[torch.Tensor], sort: str) -> torch.Tensor:
    """A partial application whose last argument has a finite sort: the table (tagged, of
    ``sort``) of its kernel at each element of that sort.

    >>> from automath.core.semantics import KERNELS
    >>> from automath.laws.typed import TypedKernel, TypedKind
    >>> t = TypedKind({"e": "mod:3"}, {"x": "e"}, k=2, more=["e -> e"])
    >>> add = Stage(TypedKernel(KERNELS["add"].kernels["mod"], [(("e", "e"), "e")]),
    ...             ("e", "e"), "e")
    >>> x = t.variable("x")[None]
    >>> table = tabulate(t, add, [x], "e -> e")[0, :, 1:4].tolist()
    >>> table == [[(v + e) % 3 for e in range(3)] for v in x[0, :, 1].tolist()]
    True
    """
    fk, n = owner.natives[sort], given[0].shape[0] if given else 1
    dom, ok = st.args[len(given)], torch.ones((n, fk.k), dtype=torch.bool, device=owner.device)
    for a in given:
        ok &= owner.sample_valid(a)
    outs = []
    for e in fk.dom.elements().to(owner.device):
        x = owner.encode(e.expand(n, fk.k, *e.shape), dom)
        y = st.kernel.raw(owner, (st.args, st.result), [*given, x])
        ok &= owner.sample_valid(y)
        outs.append(y[..., 1:1 + owner.widths[st.result]])
    out = owner.encode(torch.cat(outs, dim=-1), sort)
    out[..., 0] = torch.where(ok, out[..., 0], -1)
    return out


def run_closure(kernel, owner, inst: tuple, args: Sequence[torch.Tensor]) -> torch.Tensor:
    """A kernel on an instance with closure sorts, on tagged values (a clear error for one
    that does not take closures).

    >>> from automath.core.semantics import KERNELS
    >>> from automath.laws.functions import FUNCTION_KERNELS
    >>> from automath.laws.typed import TypedKernel, TypedKind
    >>> t = TypedKind({"list": "list:4"}, {"xs": "list"}, k=3, more=["list -> list"])
    >>> rev = TypedKernel(KERNELS["reverse"].kernels["list"], [(("list",), "list")])
    >>> t.register(Stage(rev, ("list",), "list"))
    1
    >>> ap = FUNCTION_KERNELS["apply"].kernels["fun"]
    >>> rev = run_closure(ClosureMaker("rev", 1), t, ((), "list -> list"), [])
    >>> xs = t.variable("xs")[None]
    >>> ys = run_closure(ap, t, (("list -> list", "list"), "list"), [rev, xs])
    >>> n = xs[0, :, 1].tolist()
    >>> [ys[0, s, 2:2 + k].tolist() for s, k in enumerate(n)] == [
    ...     xs[0, s, 2:2 + k].flip(0).tolist() for s, k in enumerate(n)]
    True
    """
    if isinstance(kernel, ClosureMaker):
        return kernel.tagged(owner, inst, args)
    name = getattr(kernel, "name", None)
    plain = [s for s in (*inst[0], inst[1]) if not isinstance(owner.natives[s], ClosureKind)]
    if name == "compose" and plain:  # a table composed with a closure: not supported
        return torch.full_like(args[0], -1)
    if name not in CLOSURE_KERNELS:
        raise SemanticsError(f"{name or kernel!r} needs a finite domain for its functions "
                             f"(sorts {', '.join(inst[0])} -> {inst[1]}); over infinite ones "
                             "only apply, compose and identity run", token=str(name))
    return CLOSURE_KERNELS[name](owner, inst, args)

