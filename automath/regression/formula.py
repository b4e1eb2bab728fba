"""Formulas as torch modules, and their constants: fit by L-BFGS, snap to simple values.

``Formula`` evaluates a term on data columns with its numerals as trainable parameters;
``fit_constants`` fits them, ``snap_constants`` replaces each by the simplest nearby value
(p/q, k·π, k·e) that keeps the loss; ``sympy_term`` turns a sympy expression back into a term.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Sequence

import sympy
import torch
from torch import Tensor

from automath.core.constants import loss_limit, simple_values, snap_greedy
from automath.core.errors import ExpressionError
from automath.core.interpret import to_sympy
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


def numeral(token: str) -> sympy.Expr:
    """A numeral token as sympy: exact for ``p/q``, ``pi`` and ``E`` forms, else a float.

    >>> numeral("3/4"), numeral("2*pi"), numeral("0.1")
    (3/4, 2*pi, 0.100000000000000)
    """
    if re.fullmatch(r"-?\d+(/\d+)?", token) or "pi" in token or "E" in token:
        return sympy.sympify(token)
    return sympy.Float(token)


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


def fit_constants(module: Formula, x: Tensor, y: Tensor, steps: int = 50) -> float:
    """Fit the module's constants to ``y`` by L-BFGS on the MSE; returns the final MSE.

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
        opt.zero_grad()
        loss = torch.mean((module(x) - y) ** 2)
        if torch.isfinite(loss):
            loss.backward()
        return loss

    try:
        opt.step(closure)
    except (RuntimeError, IndexError, ValueError):  # a line search that met NaN: keep the best
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


def snap_constants(module: Formula, x: Tensor, y: Tensor, slack: float = 1e-9) -> list[str]:
    """Replace each constant by the simplest nearby value (p/q, k·π, k·e) that keeps the MSE
    within ``slack`` (relative, plus ``slack·var(y)``); returns the numeral tokens.

    >>> from automath.core.grammar import Grammar
    >>> f = Formula(Grammar.load("trig").parse("1.0000000001*x + 0.49999999999"), ["x"])
    >>> x = torch.linspace(0, 1, 20)[:, None]
    >>> snap_constants(f, x, x[:, 0] + 0.5)
    ['1', '1/2']
    """
    values = module.constants.detach().tolist()

    def loss(consts: list) -> float:
        with torch.no_grad():
            module.constants.copy_(torch.tensor([float(c) for c in consts], dtype=torch.float64))
        return _mse(module, x, y)

    limit = loss_limit(loss(values), float(y.var()), slack)
    snapped = snap_greedy(values, range(len(values)), lambda k: simple_values(values[k])[:2],
                          _put, loss, limit)
    loss(snapped)
    return [str(c) if isinstance(c, sympy.Basic) else _token(c, 12) for c in snapped]


def _put(values: list, k: int, value: object) -> list:
    return [*values[:k], value, *values[k + 1:]]
