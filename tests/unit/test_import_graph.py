"""The modules of include/vagled import each other without cycles.

The graph is built from the source (ast), counting imports at module level and inside functions
alike: an import deferred into a function still ties the two modules together, and a cycle through
one is a tangle a reader has to unpick just the same.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from vagled.config import PACKAGE_DIR

pytestmark = pytest.mark.unit

PACKAGE = "vagled"


def _module_name(path: Path, package_dir: Path) -> str:
    parts = list(path.relative_to(package_dir.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _resolve(module: str, is_package: bool, node: ast.ImportFrom) -> str:
    """The absolute module an ``from ... import`` names (relative imports resolved)."""
    if node.level == 0:
        return node.module or ""
    base = module.split(".") if is_package else module.split(".")[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def import_graph(package_dir: Path = PACKAGE_DIR) -> dict[str, set[str]]:
    """{module: the package's modules it imports}, from every import statement in its source."""
    paths = {_module_name(path, package_dir): path for path in package_dir.rglob("*.py")}
    modules = set(paths)

    def known(name: str) -> str | None:
        # ``import a.b.c`` or ``from a.b import c`` where c may be a module or a name in a.b
        while name and name not in modules:
            name = name.rpartition(".")[0]
        return name or None

    graph: dict[str, set[str]] = {}
    for module, path in paths.items():
        is_package = path.name == "__init__.py"
        edges: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = _resolve(module, is_package, node)
                targets = [f"{base}.{alias.name}" for alias in node.names] if base else []
            else:
                continue
            for target in targets:
                if target.split(".")[0] != PACKAGE:
                    continue
                found = known(target)
                # a package's own __init__ is not a dependency on itself or its parents
                if found and found != module and not module.startswith(found + "."):
                    edges.add(found)
        graph[module] = edges
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """One cycle per strongly connected component of more than one module (Tarjan), as a path."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[set[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = set()
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.add(member)
                if member == node:
                    break
            if len(component) > 1:
                components.append(component)

    for node in sorted(graph):
        if node not in index:
            visit(node)

    found = []
    for component in components:
        start = min(component)
        # shortest way back to start inside the component (breadth first), printed as a path
        paths = {start: [start]}
        queue = [start]
        cycle = None
        while queue and cycle is None:
            current = queue.pop(0)
            for nxt in sorted(graph[current] & component):
                if nxt == start:
                    cycle = paths[current] + [start]
                    break
                if nxt not in paths:
                    paths[nxt] = paths[current] + [nxt]
                    queue.append(nxt)
        found.append(cycle or sorted(component))
    return found


def test_the_graph_sees_imports_at_module_and_function_level():
    graph = import_graph()
    assert "vagled.pipeline.feed" in graph["vagled.pipeline.load"] or graph["vagled.pipeline.load"]
    # dag_tasks imports the tasks inside its task functions only
    assert "vagled.pipeline.tasks" in graph["vagled.dag_tasks"]
    assert "vagled.config" in graph["vagled.sql"]


def test_cycles_are_found_and_printed():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert cycles(graph) == [["a", "b", "c", "a"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_no_import_cycles_between_modules():
    found = cycles(import_graph())
    assert found == [], "import cycles:\n" + "\n".join(" -> ".join(cycle) for cycle in found)


# Packages a layer below monitoring and the command line: monitoring reads the pipeline and the
# warehouse, the command line drives them all, never the other way round.
BELOW_MONITORING = ("vagled.pipeline", "vagled.warehouse", "vagled.feeds", "vagled.sources", "vagled.config")


def _within(module: str, *packages: str) -> bool:
    return any(module == package or module.startswith(package + ".") for package in packages)


def test_the_layers_below_never_import_monitoring_or_the_command_line():
    graph = import_graph()
    upward = sorted(
        f"{module} -> {target}"
        for module, targets in graph.items()
        if _within(module, *BELOW_MONITORING, "vagled.monitoring")
        for target in targets
        if target == "vagled.cli" or (_within(target, "vagled.monitoring") and not _within(module, "vagled.monitoring"))
    )
    assert upward == [], "imports against the layers:\n" + "\n".join(upward)


def test_feedsim_shares_no_code_with_the_feeds_or_their_clients():
    # feedsim imitates the upstreams; sharing a parser with the clients would let both be wrong alike
    graph = import_graph()
    shared = sorted(
        f"{module} -> {target}"
        for module, targets in graph.items()
        if _within(module, "vagled.feedsim")
        for target in targets
        if _within(target, "vagled.feeds", "vagled.sources", "vagled.pipeline")
    )
    assert shared == [], "feedsim imports client code:\n" + "\n".join(shared)
