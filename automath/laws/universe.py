"""Laws, and the enumerated term universe that the congruence-closure prover works on.

The universe holds every enumerated term as a *node*: an atom, or ``f(a, b)`` over fingerprint
classes ``a``, ``b`` (each standing for its smallest term, the class representative). A
union-find over the nodes (``automath.laws.prover``) records what the laws prove; a node is
*proved* once it is in its class representative's component.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import sympy
import torch

from automath.core.generate import Hyperedges, check_key_range, edge_keys
from automath.core.index import lookup
from automath.core.interpret import to_sympy
from automath.core.semantics import DEFAULT_SEMANTICS, Semantics
from automath.core.store import Store
from automath.core.term import Term


@dataclass(frozen=True)
class Law:
    """An equation ``lhs = rhs`` between terms, with its size, weight and how it was verified.

    ``generates`` counts the enumerated equations that depend on the law; ``weight`` (in [0, 1],
    summing to 1 over a set of laws) is its learned share of the theory (``learn_weights``);
    ``eq`` is the sympy ``Eq``, built on first use under ``semantics`` (default: built-in).

    >>> x, y = Term("var", token="x"), Term("var", token="y")
    >>> law = Law(Term("mul", (x, y)), Term("mul", (y, x)), "x * y", "y * x", "proved: sympy")
    >>> str(law), law.size, law.eq
    ('x * y = y * x', 3, Eq(x*y, x*y))
    """

    lhs: Term
    rhs: Term
    lhs_text: str = ""
    rhs_text: str = ""
    verified: str = ""
    weight: float = 0.0
    generates: int = 0
    semantics: Semantics | None = field(default=None, compare=False, repr=False)
    condition: str = ""  # a conditional law's predicate over variables, e.g. "x <= y"
    check: str = ""  # the condition as ``check_law`` reads it, e.g. "le(x, y)"

    @cached_property
    def eq(self) -> sympy.Basic:
        """The sympy ``Eq`` of the sides (lazy: sympy's Min and Max simplify as they build);
        a conditional law's ``Eq`` holds only where its ``condition`` does."""
        sem = self.semantics or DEFAULT_SEMANTICS
        return sympy.Eq(to_sympy(self.lhs, sem), to_sympy(self.rhs, sem), evaluate=False)

    @property
    def size(self) -> int:
        """The size of the larger side (the enumeration bound a law needs)."""
        return max(self.lhs.size, self.rhs.size)

    def __str__(self) -> str:
        cond = f"{self.condition} => " if self.condition else ""
        return f"{cond}{self.lhs_text or self.lhs} = {self.rhs_text or self.rhs}"

    def __repr__(self) -> str:
        """The law as printed, and how it was verified.

        >>> xs = Term("var", token="xs")
        >>> Law(Term("reverse", (Term("reverse", (xs,)),)), xs, "reverse(reverse(xs))", "xs",
        ...     "proved: exhaustive")
        Law('reverse(reverse(xs)) = xs', proved: exhaustive)
        """
        how = f", {self.verified}" if self.verified else ""
        return f"Law({str(self)!r}{how})"

    def _repr_latex_(self) -> str:
        """The law in LaTeX for notebooks: each side verbatim in ``\\texttt``, then how it
        was verified.

        >>> x = Term("var", token="x")
        >>> print(Law(x, x, "x_1 & {x}", "x", "proved: sympy")._repr_latex_())
        $\\texttt{x\\_1 \\& \\{x\\}} = \\texttt{x}\\quad\\text{(proved: sympy)}$
        """
        cond = f"{_tt(self.condition)} \\Rightarrow " if self.condition else ""
        sides = f"{_tt(self.lhs_text or str(self.lhs))} = {_tt(self.rhs_text or str(self.rhs))}"
        how = f"\\quad\\text{{({_escape(self.verified)})}}" if self.verified else ""
        return f"${cond}{sides}{how}$"

    def to_dict(self) -> dict:
        """A JSON-ready record: lhs, rhs (grammar syntax), size, weight, verified, generates,
        and a conditional law's condition."""
        rec = {"lhs": self.lhs_text or str(self.lhs), "rhs": self.rhs_text or str(self.rhs),
               "size": self.size, "weight": self.weight, "verified": self.verified,
               "generates": self.generates}
        return {**rec, "condition": self.condition} if self.condition else rec


LATEX_SPECIAL = {c: "\\" + c for c in "&%$#_{}"} | {
    "\\": r"\textbackslash{}", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}"}


def _escape(text: str) -> str:
    """Text with LaTeX's special characters escaped (for ``\\texttt`` and ``\\text``)."""
    return "".join(LATEX_SPECIAL.get(c, c) for c in text)


def _tt(text: str) -> str:
    return f"\\texttt{{{_escape(text)}}}"


class Universe:
    """Enumerated terms as nodes (atoms, then one node per hyperedge) with lookups.

    >>> from automath.core.kinds import ModpKind
    >>> from automath.core.semantics import Semantics
    >>> from automath.core.generate import expand
    >>> s = Store(ModpKind(k=4), Semantics(), ["mul"])
    >>> atoms = s.add_atoms([Term("var", token="x"), Term("var", token="y")])
    >>> u = Universe(s, atoms, expand(s, 0, atoms.repeat(2), atoms.repeat_interleave(2)), 3)
    >>> len(u), u.candidates().tolist()  # y*x merged into the class of x*y
    (6, [4])
    """

    def __init__(self, store: Store, atom_ids: torch.Tensor, edges: Hyperedges,
                 bound: int, reach: int = 2) -> None:
        check_key_range(len(store), len(store.rules))
        self.store, self.bound, self.edges = store, bound, edges
        self.atoms = atom_ids
        self.cls = torch.cat([atom_ids, edges.c])
        j = edges.j.clamp(min=0)
        app = 1 + store.size[edges.i] + torch.where(edges.j >= 0, store.size[j], 0)
        self.size = torch.cat([torch.ones_like(atom_ids), app])
        keys = edges.keys()
        order = torch.argsort(keys)
        self._keys, self._node = keys[order], order + len(atom_ids)
        self.rep = self._rep_nodes()
        self.rep_node = self.rep[self.cls]  # per node: its class's representative node
        self.atom_node = {store.leaves[int(a)]: n for n, a in enumerate(atom_ids.tolist())}
        self.rule_index = {r: n for n, r in enumerate(store.rules)}
        apps = torch.arange(len(atom_ids), len(self))
        self.by_rule = [apps[edges.rule == r] for r in range(len(store.rules))]
        self.node_rule = torch.cat([torch.full_like(atom_ids, -1), edges.rule])
        # The prover's caches (automath.laws.prover), kept with the universe they hold for:
        self.axioms: dict[tuple, object] = {}  # (lhs, rhs) -> the law's instance tables
        self.closures: dict[frozenset, tuple] = {}  # law set -> saturated (parent, rows left)
        self.near = (self.size <= store.size[self.cls] + reach).nonzero().squeeze(1)

    def __len__(self) -> int:
        return int(self.cls.shape[0])

    def _rep_nodes(self) -> torch.Tensor:
        s = self.store
        rep = torch.full((len(s),), -1, dtype=torch.int64)
        rep[self.atoms] = torch.arange(len(self.atoms))
        apps = (s.rule >= 0).nonzero().squeeze(1)
        rep[apps] = self.lookup(s.rule[apps], s.left[apps], s.right[apps])
        return rep

    def lookup(self, rule: torch.Tensor | int, a: torch.Tensor,
               b: torch.Tensor | None) -> torch.Tensor:
        """The node of ``rule(a, b)`` for class ids ``a``, ``b`` (``None``: unary), or -1."""
        b = torch.full_like(a, -1) if b is None else b
        return lookup(self._keys, self._node, edge_keys(rule, a, b))

    def term(self, node: int) -> Term:
        """The term a node stands for (its arguments are class representatives)."""
        if node < len(self.atoms):
            return self.store.term(int(self.atoms[node]))
        e = node - len(self.atoms)
        rule, i, j = (int(t[e]) for t in (self.edges.rule, self.edges.i, self.edges.j))
        args = (i,) if j < 0 else (i, j)
        return Term(self.store.rules[rule], tuple(self.store.term(a) for a in args))

    def child(self, nodes: torch.Tensor, k: int) -> torch.Tensor:
        """The class of argument ``k`` (0 or 1) of application nodes."""
        e = nodes - len(self.atoms)
        return (self.edges.i if k == 0 else self.edges.j).index_select(0, e)

    def candidates(self) -> torch.Tensor:
        """Nodes that are not their class's representative: each one a conjectured law."""
        return (self.rep_node != torch.arange(len(self))).nonzero().squeeze(1)
