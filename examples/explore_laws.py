"""Law discovery: the laws of a commutative semiring, of a ring, of min/max and of Booleans.

Run ``python examples/explore_laws.py`` (or ``automath explore semiring --size 7``). Each law is
verified exactly before it is printed (sympy, truth tables, or all orderings of the variables)
and pruned against the smaller ones. Weights are learned by the differentiable evolution with the
laws and the enumerated equations that depend on them as elements: a few gradient steps on the
laws' weights so that, pushed onto the equations, they cover the theory as evenly as possible.
"""

from __future__ import annotations

import time

from automath import explore

SIGNATURES = [
    ("semiring", {}),                             # {0, 1, +, *} over the integers
    ("ring", {}),                                 # ... and negation
    ("minmax", {}),                               # {min, max}
    ("logic", {"ops": ("and", "or", "not")}),     # Booleans with True, False
]


def main(size: int = 7, weights: bool = True) -> dict[str, list]:
    """Explore each signature; print its laws with weights; return them by grammar."""
    found = {}
    for grammar, options in SIGNATURES:
        start = time.perf_counter()
        laws = explore(grammar, size=size, weights=weights, **options)
        print(f"{grammar}: {len(laws)} laws of size <= {size} "
              f"({time.perf_counter() - start:.2f} s)")
        for n, law in enumerate(laws, 1):
            print(f"  {n:2d}. {str(law):42s} weight {law.weight:.3f}  {law.verified}")
        found[grammar] = laws
    return found


if __name__ == "__main__":
    main()
