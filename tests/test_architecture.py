"""The import graph the code is organised around: one way through, no cycles, rules that read only facts.

Every import counts, also those inside functions (kept there for start-up speed) and those for type
checking only: a cycle among them is still a knot a reader has to untie.
"""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Dict, List, Set

ROOT = Path(__file__).resolve().parents[1]

# From the outside in: a module may import those after it, never one before it.
LAYERS = [
    {"promptlint.__main__", "promptlint.api"},  # entry points: the command, the rule-pack facade
    # the commands, and the servers for editors and coding agents
    {
        "promptlint.cli",
        "promptlint.lsp",
        "promptlint.lsp.server",
        "promptlint.mcp_server",
        "promptlint.agent_tools",
    },
    # the check run, the in-process harness, and the lint of an editor's buffer
    {"promptlint.pipeline", "promptlint.testing", "promptlint.lsp.session"},
    {"promptlint.runner"},
    {"promptlint.engine", "promptlint.cache"},
]


def module_name(path: Path, base: Path) -> str:
    parts = list(path.relative_to(base).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def import_graph(package_dir: Path, base: Path) -> Dict[str, Set[str]]:
    modules = {module_name(path, base): path for path in package_dir.rglob("*.py")}
    graph: Dict[str, Set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                targets = [node.module, *(f"{node.module}.{alias.name}" for alias in node.names)]
            elif isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            else:
                continue
            graph[name].update(t for t in targets if t != name and t.split(".")[0] == "promptlint")
    return graph


def cycles(graph: Dict[str, Set[str]]) -> List[List[str]]:
    """Strongly connected components of more than one module (Tarjan, iteratively)."""
    index: Dict[str, int] = {}
    low: Dict[str, int] = {}
    stack: List[str] = []
    on_stack: Set[str] = set()
    found: List[List[str]] = []
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start] & graph.keys())))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child] & graph.keys()))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def test_the_engine_has_no_import_cycle() -> None:
    assert cycles(import_graph(ROOT / "promptlint", ROOT)) == []


def test_no_module_imports_one_that_drives_it() -> None:
    graph = import_graph(ROOT / "promptlint", ROOT)
    upward = []
    for depth, layer in enumerate(LAYERS):
        outer = set().union(*LAYERS[:depth]) if depth else set()
        for module in layer:
            upward += [(module, target) for target in graph.get(module, ()) if target in outer]
    for module, targets in graph.items():
        if not any(module in layer for layer in LAYERS):
            driving = set().union(*LAYERS)
            upward += [(module, target) for target in targets if target in driving]
    assert sorted(upward) == []


def test_rules_read_facts_not_extraction() -> None:
    graph = import_graph(ROOT / "rules" / "promptlint_rules", ROOT / "rules")
    reaching_in = sorted(
        (rule, target)
        for rule, targets in graph.items()
        for target in targets
        if target.startswith("promptlint.extract")
    )
    assert reaching_in == []


def test_the_cycle_finder_finds_cycles() -> None:
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []
