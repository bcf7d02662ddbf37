"""The import graph has no circle: every module can be read knowing only what is below it."""

from __future__ import annotations

import grimp

PACKAGES = ("api", "domain", "storage", "outbound", "bench")


def _cycles(graph: grimp.ImportGraph) -> list[list[str]]:
    """Strongly connected groups of more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for imported in graph.find_modules_directly_imported_by(module):
            if imported not in graph.modules or imported.split(".")[0] not in PACKAGES:
                continue
            if imported not in index:
                visit(imported)
                low[module] = min(low[module], low[imported])
            elif imported in on_stack:
                low[module] = min(low[module], index[imported])
        if low[module] == index[module]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == module:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for module in sorted(graph.modules):
        if module.split(".")[0] in PACKAGES and module not in index:
            visit(module)
    return found


def test_no_module_imports_itself_back() -> None:
    graph = grimp.build_graph(*PACKAGES)
    assert _cycles(graph) == []


def test_the_walk_finds_a_circle_when_there_is_one() -> None:
    graph = grimp.ImportGraph()
    for module in ("api.a", "api.b", "api.c"):
        graph.add_module(module)
    graph.add_import(importer="api.a", imported="api.b")
    graph.add_import(importer="api.b", imported="api.c")
    graph.add_import(importer="api.c", imported="api.a")
    assert _cycles(graph) == [["api.a", "api.b", "api.c"]]
