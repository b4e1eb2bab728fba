"""Formulas as torch modules, and their constants: fit by L-BFGS, snap to simple values.

``Formula`` evaluates a term on data columns with its numerals as trainable parameters;
``fit_constants`` fits them, ``snap_constants`` replaces each by the simplest closed form
(``p/q · π^k · √r · e^m``, ``automath.core.constants``) within a few of its standard errors
that keeps the loss; ``tidy`` drops the ``1·`` and ``+ 0`` a snap leaves; ``sympy_term`` turns a
sympy expression back into a term.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Callable, Sequence

import sympy
import torch
from torch import Tensor

from automath.core.constants import closed_forms, loss_limit, snap_greedy
from automath.core.errors import ExpressionError
from automath.core.interpret import to_sympy
from automath.core.parsing import parse_sympy
from automath.core.semantics import DEFAULT_SEMANTICS, Semantics
from automath.core.term import Term


def _postorder(term: Term) -> list[Term]:
    out: list[Term] = []
    stack = [(term, False)]
    while stack:
        t, done = stack.pop()
        if done or not t.args:
            out.append(t)
        else:
            stack.append((t, True))
            stack.extend((a, False) for a in reversed(t.args))
    return out


class Formula(torch.nn.Module):
    """A term as a torch module: variables are input columns, numerals are parameters.

    >>> from automath.core.grammar import Grammar
    >>> f = Formula(Grammar.load("trig").parse("2.5*sin(x1) + x0"), ["x0", "x1"])
    >>> f(torch.tensor([[1.0, 0.0]])).tolist(), [round(c, 2) for c in f.constants.tolist()]
    ([1.0], [2.5])
    """

    def __init__(self, term: Term, variables: Sequence[str], semantics: Semantics | None = None,
                 ) -> None:
        super().__init__()
        self.nodes, self.variables = _postorder(term), list(variables)
        self.semantics = semantics or DEFAULT_SEMANTICS
        nums = [float(numeral(n.token)) for n in self.nodes if n.op == "num"]
        self.constants = torch.nn.Parameter(torch.tensor(nums, dtype=torch.float64))
        missing = sorted({n.token for n in self.nodes if n.op == "var"} - set(self.variables))
        if missing:
            raise ExpressionError(f"formula uses variables {missing} that are not among the "
                                  f"inputs {self.variables}")

    def forward(self, x: Tensor) -> Tensor:
        """Values at the rows of ``x`` (shape (n, d)); shape (n,)."""
        x = torch.as_tensor(x, dtype=torch.float64)
        stack: list[Tensor] = []
        k = 0
        for node in self.nodes:
            if node.op == "var":
                stack.append(x[:, self.variables.index(node.token)])
            elif node.op == "num":
                stack.append(self.constants[k].expand(x.shape[0]))
                k += 1
            else:
                n = len(node.args)
                args, stack = stack[len(stack) - n:], stack[:len(stack) - n]
                stack.append(self._kernel(node.op)(*args) if n else
                             torch.full((x.shape[0],), torch.nan, dtype=torch.float64))
        return stack[0]

    def _kernel(self, op: str) -> Callable[..., Tensor]:
        return self.semantics.kernel(op, "real")

    def extra_repr(self) -> str:
        return str(term_sympy(self.term(), self.semantics))

    def term(self, tokens: Sequence[str] | None = None, digits: int = 12) -> Term:
        """The term with ``tokens`` (default: the current constant values) as numerals."""
        values = iter(tokens if tokens is not None else
                      [_token(v, digits) for v in self.constants.detach().tolist()])
        return _rebuild(self.nodes, lambda: next(values))


def _token(v: float, digits: int) -> str:
    return f"{v:.{digits}g}"


def _rebuild(nodes: list[Term], num: Callable[[], str]) -> Term:
    stack: list[Term] = []
    for node in nodes:
        if node.op == "num":
            stack.append(Term("num", (), num()))
        elif not node.args:
            stack.append(node)
        else:
            n = len(node.args)
            args, stack = tuple(stack[len(stack) - n:]), stack[:len(stack) - n]
            stack.append(Term(node.op, args))
    return stack[0]


FLOAT = re.compile(r"[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?")


def numeral(token: str) -> sympy.Expr:
    """A numeral token as sympy: a float for a decimal, else exact (``p/q``, closed forms read
    by the safe parser ``core.parsing.parse_sympy``).

    >>> numeral("3/4"), numeral("2*pi"), numeral("0.1"), numeral("sqrt(2)/(4*pi)")
    (3/4, 2*pi, 0.100000000000000, sqrt(2)/(4*pi))
    >>> numeral("1e-3"), numeral("7")
    (0.00100000000000000, 7)
    """
    if FLOAT.fullmatch(token) and not re.fullmatch(r"[-+]?\d+", token):
        return sympy.Float(token)
    return parse_sympy(token, file="<numeral>")


def term_sympy(term: Term, semantics: Semantics | None = None) -> sympy.Expr:
    """Sympy expression of a term; numerals with a decimal point stay floats.

    >>> from automath.core.grammar import Grammar
    >>> term_sympy(Grammar.load("trig").parse("0.5*x + 1/2"))
    0.5*x + 1/2
    """
    return to_sympy(term, semantics or DEFAULT_SEMANTICS, number=numeral)


_SYMPY_OPS = {sympy.Add: "add", sympy.Mul: "mul", sympy.Pow: "pow", sympy.sin: "sin",
              sympy.cos: "cos", sympy.exp: "exp", sympy.log: "log"}


def sympy_term(expr: sympy.Expr) -> Term:
    """A sympy expression as a term (numbers become numerals), or a clear error.

    >>> str(term_sympy(sympy_term(sympy.sympify("2.5*sin(x)**2 + x/3"))))
    'x/3 + 2.5*sin(x)**2'
    """
    if expr.is_Symbol:
        return Term("var", token=str(expr))
    if expr.is_Number or expr in (sympy.pi, sympy.E):
        value = expr if expr.is_Rational or not expr.is_Number else float(expr)
        return Term("num", (), str(value) if not isinstance(value, float) else repr(value))
    op = next((name for cls, name in _SYMPY_OPS.items() if isinstance(expr, cls)), None)
    if op is None or not expr.args:
        raise ExpressionError(f"{type(expr).__name__} in {expr} has no operator of a formula "
                              f"module (have: + * ** sin cos exp log)")
    args = [sympy_term(a) for a in expr.args]
    if len(args) == 1:
        return Term(op, tuple(args))
    return functools.reduce(lambda a, b: Term(op, (a, b)), args)


@functools.cache
def warm_optimizer() -> None:
    """Build one L-BFGS optimizer (once per process): torch's first optimizer imports
    ``torch._dynamo``, about 2 s, which a fit should pay during its search, not after it.

    >>> warm_optimizer()
    """
    torch.optim.LBFGS([torch.nn.Parameter(torch.zeros(1, dtype=torch.float64))])


class _Deadline(Exception):
    """Raised inside an L-BFGS closure once the fit's ``stop()`` holds."""


def fit_constants(module: Formula, x: Tensor, y: Tensor, steps: int = 50,
                  stop: Callable[[], bool] = lambda: False) -> float:
    """Fit the module's constants to ``y`` by L-BFGS on the MSE; returns the final MSE. When
    ``stop()`` holds (checked at each evaluation) the fit ends there, keeping the better of
    where it got and where it started.

    >>> from automath.core.grammar import Grammar
    >>> f = Formula(Grammar.load("trig").parse("1*x + 1"), ["x"])
    >>> x = torch.linspace(0, 1, 20)[:, None]
    >>> round(fit_constants(f, x, 3 * x[:, 0] - 2), 9), [round(c, 6) for c in f.constants.tolist()]
    (0.0, [3.0, -2.0])
    """
    if module.constants.numel() == 0:
        return _mse(module, x, y)
    opt = torch.optim.LBFGS([module.constants], lr=1.0, max_iter=steps, tolerance_grad=1e-14,
                            tolerance_change=1e-16, line_search_fn="strong_wolfe")
    best = (_mse(module, x, y), module.constants.detach().clone())

    def closure() -> Tensor:
        if stop():
            raise _Deadline
        opt.zero_grad()
        loss = torch.mean((module(x) - y) ** 2)
        if torch.isfinite(loss):
            loss.backward()
        return loss

    try:
        opt.step(closure)
    except (RuntimeError, IndexError, ValueError, _Deadline):  # NaN in a line search, or time
        pass
    loss = _mse(module, x, y)
    if not loss <= best[0]:
        with torch.no_grad():
            module.constants.copy_(best[1])
        loss = best[0]
    return loss


def _mse(module: Formula, x: Tensor, y: Tensor) -> float:
    with torch.no_grad():
        v = float(torch.mean((module(x) - y) ** 2))
    return v if v == v else float("inf")


def standard_errors(module: Formula, x: Tensor, y: Tensor) -> list[float]:
    """Each constant's standard error from the fit's residual: ``√diag(s² (JᵀJ)⁺)`` with the
    Jacobian ``J`` by central differences and ``s² = SSE / (n − k)`` (inf where ``n <= k``).

    >>> from automath.core.grammar import Grammar
    >>> f = Formula(Grammar.load("trig").parse("2*x"), ["x"]); x = torch.linspace(0, 1, 11)[:, None]
    >>> [round(e, 4) for e in standard_errors(f, x, 2 * x[:, 0] + 0.1 * (-1) ** torch.arange(11))]
    [0.0535]
    """
    c = module.constants.detach().clone()
    n, k = len(y), len(c)
    if n <= k:
        return [math.inf] * k
    cols = []
    with torch.no_grad():
        for j in range(k):
            h = 1e-6 * max(1.0, abs(float(c[j])))
            module.constants.copy_(c + h * torch.eye(k, dtype=c.dtype)[j])
            up = module(x)
            module.constants.copy_(c - h * torch.eye(k, dtype=c.dtype)[j])
            cols.append((up - module(x)) / (2 * h))
        module.constants.copy_(c)
    jac = torch.nan_to_num(torch.stack(cols, 1), nan=0.0, posinf=0.0, neginf=0.0)
    s2 = _mse(module, x, y) * n / (n - k)
    cov = s2 * torch.linalg.pinv(jac.T @ jac)
    return [float(v) if v > 0 else math.inf for v in torch.diagonal(cov).sqrt().tolist()]


def snap_constants(module: Formula, x: Tensor, y: Tensor, slack: float = 1e-9,
                   z: float = 2.0, rounding: float = 1e-7) -> list[str]:
    """Replace each constant by the simplest closed form within ``z`` standard errors (plus
    ``rounding`` relative: L-BFGS stops short of the optimum by about that much on exact data)
    whose MSE stays within ``loss_limit`` — ``z²/n`` relative growth (a shift of ``z``
    standard errors), plus ``slack·var(y)``; returns the tokens. A
    closed form may cost (``core.constants``) at most one more than the significant digits the
    estimate has (``log10 |c| / tol``), so noise-level constants snap to 0 or stay floats.

    >>> from automath.core.grammar import Grammar
    >>> f = Formula(Grammar.load("trig").parse("1.0000000001*x + 0.49999999999"), ["x"])
    >>> x = torch.linspace(0, 1, 20)[:, None]
    >>> snap_constants(f, x, x[:, 0] + 0.5)
    ['1', '1/2']
    >>> f = Formula(Grammar.load("trig").parse("0.0795774715*x"), ["x"])
    >>> snap_constants(f, x, x[:, 0] / (4 * math.pi))
    ['1/(4*pi)']
    """
    values = module.constants.detach().tolist()
    errors = standard_errors(module, x, y)

    def loss(consts: list) -> float:
        with torch.no_grad():
            module.constants.copy_(torch.tensor([float(c) for c in consts], dtype=torch.float64))
        return _mse(module, x, y)

    def candidates(k: int) -> list[sympy.Expr]:
        tol = min(z * errors[k], abs(values[k]) + 1.0) + rounding * max(1.0, abs(values[k]))
        digits = math.log10(max(abs(values[k]), 1e-300) / tol) + 1  # what the data support
        return closed_forms(values[k], tol, max_cost=digits)[:3]

    limit = loss_limit(loss(values), float(y.var()), slack, rows=len(y), z=z)
    snapped = snap_greedy(values, range(len(values)), candidates, _put, loss, limit)
    loss(snapped)
    return [str(c) if isinstance(c, sympy.Basic) else _token(c, 12) for c in snapped]


def _put(values: list, k: int, value: object) -> list:
    return [*values[:k], value, *values[k + 1:]]


def _is_num(term: Term, value: float) -> bool:
    return term.op == "num" and float(numeral(term.token)) == value


TIDY: dict[str, Callable[[Term, Term], Term | None]] = {
    "add": lambda a, b: b if _is_num(a, 0) else a if _is_num(b, 0) else None,
    "sub": lambda a, b: a if _is_num(b, 0) else None,
    "mul": lambda a, b: (a if _is_num(a, 0) else b if _is_num(b, 0) else b if _is_num(a, 1)
                         else a if _is_num(b, 1) else None),
    "div": lambda a, b: a if _is_num(b, 1) else None,
}


def tidy(term: Term) -> Term:
    """The term without the neutral numerals a snap leaves (``1·t``, ``t + 0``, ``0·t``...).

    >>> from automath.core.grammar import Grammar
    >>> str(term_sympy(tidy(Grammar.load("trig").parse("1*(2.5*x) + 0"))))
    '2.5*x'
    """
    nodes: list[Term] = []
    for node in _postorder(term):
        n = len(node.args)
        args, nodes = tuple(nodes[len(nodes) - n:]), nodes[:len(nodes) - n]
        rule = TIDY.get(node.op) if n == 2 else None
        out = rule(*args) if rule is not None else None
        nodes.append(out if out is not None else Term(node.op, args, node.token) if n else node)
    return nodes[0]


def summands(term: Term, limit: int = 6) -> list[Term]:
    """The terms of a top-level sum or difference (signs dropped), at most ``limit``.

    >>> [str(t) for t in summands(Term("sub", (Term("var", token="x"), Term("var", token="y"))))]
    ['x', 'y']
    """
    if term.op not in ("add", "sub"):
        return [term]
    out = summands(term.args[0], limit) + summands(term.args[1], limit)
    return out if len(out) <= limit else [term]
