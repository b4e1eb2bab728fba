"""The package's import graph: no cycles, and imports point one way (cli -> tasks -> core).

Every ``automath.*`` import counts: module-level, function-local and under ``TYPE_CHECKING``.
The graph is read with ``ast`` from the source files (doctest text lives in strings, so it is
never parsed), independently of the code it checks. Importing ``automath.a.b`` runs the package
``automath.a`` first, but that implicit edge is not counted: a package's ``__init__`` importing
its own submodules is fine.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent / "automath"
TASKS = ("laws", "proofs", "regression", "evonet")
PERSISTING: frozenset[str] = frozenset()  # task modules that may store runs themselves (none)


def module_name(path: Path) -> str:
    """Dotted module name of a source file under ``ROOT``."""
    parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def all_modules() -> dict[str, Path]:
    """Every module of the package, by dotted name."""
    return {module_name(path): path for path in sorted(ROOT.rglob("*.py"))}


def absolute(node: ast.ImportFrom, name: str, path: Path) -> str:
    """The absolute module a ``from ... import`` names, relative imports resolved."""
    if not node.level:
        return node.module or ""
    package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    base = package[: len(package) - node.level + 1]
    return ".".join(base + ([node.module] if node.module else []))


def imports_of(name: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """The ``automath`` modules that module ``name`` imports anywhere in its source."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            source = absolute(node, name, path)
            for alias in node.names:
                target = f"{source}.{alias.name}"
                found.add(target if target in modules else source)
    return {target for target in found if target in modules and target != name}


def import_graph() -> dict[str, set[str]]:
    """Module -> the package modules it imports."""
    modules = all_modules()
    return {name: imports_of(name, path, modules) for name, path in modules.items()}


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle of ``graph`` as a path that ends where it starts, or None when acyclic."""
    state: dict[str, str] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = "open"
        stack.append(node)
        for target in sorted(graph[node]):
            if state.get(target) == "open":
                return stack[stack.index(target):] + [target]
            if target not in state and (cycle := visit(target)):
                return cycle
        stack.pop()
        state[node] = "done"
        return None

    for node in sorted(graph):
        if node not in state and (cycle := visit(node)):
            return cycle
    return None


def all_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Cycles of ``graph``, found one at a time by cutting an edge of each found."""
    graph = {node: set(targets) for node, targets in graph.items()}
    cycles = []
    while cycle := find_cycle(graph):
        cycles.append(cycle)
        graph[cycle[-2]].discard(cycle[-1])
    return cycles


def package_of(name: str) -> str:
    """The subpackage a module belongs to (``automath.core.kinds`` -> ``core``)."""
    parts = name.split(".")
    return parts[1] if len(parts) > 1 else ""


def edges_from(package: str, graph: dict[str, set[str]]) -> list[tuple[str, str]]:
    """Every import edge that starts in ``package``."""
    return sorted((source, target) for source, targets in graph.items()
                  if package_of(source) == package for target in targets)


def test_graph_is_read():
    graph = import_graph()
    assert "automath.core.domain" in graph["automath.core.engine"]  # the package root is lazy
    assert all(target in graph for targets in graph.values() for target in targets)


def test_find_cycle_reports_the_loop():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_no_import_cycles():
    cycles = all_cycles(import_graph())
    assert not cycles, "import cycles:\n" + "\n".join(" -> ".join(c) for c in cycles)


def test_core_imports_no_task_runs_or_cli():
    banned = {*TASKS, "runs", "cli", ""}
    bad = [(s, t) for s, t in edges_from("core", import_graph()) if package_of(t) in banned]
    assert not bad, f"core imports outside core: {bad}"


def test_runs_imports_only_core():
    graph = import_graph()
    bad = [(s, t) for s, t in edges_from("runs", graph) if package_of(t) not in {"core", "runs"}]
    assert not bad, f"runs imports outside core: {bad}"


def test_tasks_never_import_cli_or_runs():
    graph = import_graph()
    bad = [(s, t) for task in TASKS for s, t in edges_from(task, graph)
           if package_of(t) == "cli" or (package_of(t) == "runs" and s not in PERSISTING)]
    assert not bad, f"task packages import cli or runs: {bad}"
