"""The README's quick tour, as a file the tests run.

A loop on the `arith` grammar with atoms x and 1 learns to put weight on expressions close
to x**3 + 2*x; then the same grammar is extended with `max`, mapped to sympy and torch.
"""

from __future__ import annotations

import sympy
import torch

import automath
from automath import Domain, Loop, Op, Semantics


def main(steps: int = 60) -> list[dict]:
    domain = Domain.create("arith", atoms="x,1")          # grammar, atoms, value kind
    result = Loop(domain, target="x**3 + 2*x", steps=steps, seed=0).run()
    for row in result.to_records(5):
        print(f"{row['rank']:>2}  {row['expression']:<28} weight {row['weight']:.3f}")
    print("top as sympy:", result.to_sympy(1)[0].expand())

    # Extend a shipped grammar: a new production with an alias, and its semantics.
    sem = Semantics().with_op("max", Op(2, sympy.Max, {"real": torch.maximum}))
    grammar = automath.Grammar(
        '%import arith (start, expr, term, factor, atom, NAME, NUMBER, WS)\n'
        '%extend atom: "max" "(" expr "," expr ")" -> max\n'
        '%ignore WS\n', name="maxarith")
    extended = Domain.create(grammar, atoms="x,1", kind="real", semantics=sem)
    print("rules:", extended.rules, "->", grammar.format(grammar.parse("max(x, 1)*x")))
    return result.to_records(5)


if __name__ == "__main__":
    main()
