"""The one engine: grammars, fingerprinted stores, generation, differentiable evolution, learning.

Every task package (``laws``, ``proofs``, ``regression``, ``evonet``) instantiates these pieces;
nothing here imports a task package or ``runs``. Modules are imported by their full names
(``automath.core.store``), so importing one stage does not load the others.
"""
