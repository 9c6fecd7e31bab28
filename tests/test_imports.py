"""The shape of zhclean's imports: no cycle, and the layers the design keeps apart.

The graph is built with `ast` from every `import zhclean...` / `from zhclean... import`
in zhclean/**/*.py (`from zhclean.x import y` is an edge to the module `zhclean.x.y` when
there is one, else to `zhclean.x`). Two graphs are checked:

- module-level imports only (what runs when a module is imported): must be a DAG;
- every import anywhere, function bodies included: must be a DAG once the few lazy
  imports listed in LAZY_EDGES are left out. Each of those closes a loop on purpose and
  says why; a new loop, lazy or not, fails here.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.conftest import ROOT

PACKAGE = ROOT / "zhclean"

# (importer, imported): imports inside functions that close a loop on purpose.
LAZY_EDGES = {
    # check_config validates step options and names against the step registry, while each
    # step declares its options with config's `setting` and checks them with `check_fields`.
    ("zhclean.config", "zhclean.steps"),
    # and filter options and names against the filter registry, the same way.
    ("zhclean.config", "zhclean.filters"),
    # check_config loads the rule files the boilerplate options name, and the rule loader
    # reports errors with config's one-line ConfigError.
    ("zhclean.config", "zhclean.boilerplate_rules"),
    # make_engine picks an engine by name, and each engine implements base's protocol.
    ("zhclean.engines.base", "zhclean.engines.local"),
    ("zhclean.engines.base", "zhclean.engines.ray_engine"),
}


def module_names() -> dict[str, Path]:
    names = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        names[".".join(parts)] = path
    return names


MODULES = module_names()


def imported(module: str, module_level_only: bool) -> set[str]:
    """The zhclean modules `module` imports."""
    path = MODULES[module]
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    package = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
    found: set[str] = set()
    for node in (tree.body if module_level_only else ast.walk(tree)):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                source = ".".join(base + ([node.module] if node.module else []))
            else:
                source = node.module or ""
            for alias in node.names:
                found.add(f"{source}.{alias.name}" if f"{source}.{alias.name}" in MODULES else source)
    return {name for name in found if name.split(".")[0] == "zhclean" and name != module}


def graph(module_level_only: bool) -> dict[str, set[str]]:
    return {module: imported(module, module_level_only) for module in MODULES}


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """One cycle per back edge of a depth-first search (empty: the graph is a DAG)."""
    state: dict[str, int] = {}
    found: list[list[str]] = []

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(edges.get(node, ())):
            if state.get(nxt) == 1:
                found.append(path[path.index(nxt):] + [nxt])
            elif nxt not in state:
                visit(nxt, path)
        path.pop()
        state[node] = 2

    for node in sorted(edges):
        if node not in state:
            visit(node, [])
    return found


def test_every_import_resolves_to_a_module():
    unknown = {(m, i) for m, targets in graph(False).items() for i in targets if i not in MODULES}
    assert not unknown, sorted(unknown)


def test_module_level_imports_have_no_cycle():
    assert cycles(graph(module_level_only=True)) == []


def test_no_cycle_even_through_lazy_imports_beyond_the_listed_ones():
    edges = graph(module_level_only=False)
    for importer, target in LAZY_EDGES:
        assert target in edges[importer], f"{importer} no longer imports {target}: drop it from LAZY_EDGES"
        edges[importer] = edges[importer] - {target}
    found = cycles(edges)
    assert found == [], "\n".join(" -> ".join(c) for c in found)


def _importers_under(folder: str) -> list[str]:
    return [m for m in MODULES if m.startswith(f"zhclean.{folder}.")]


@pytest.mark.parametrize("folder, forbidden", [
    ("engines", ("zhclean.dedup", "zhclean.jobs")),
    ("steps", ("zhclean.io", "zhclean.engines", "zhclean.jobs", "zhclean.cli")),
    ("filters", ("zhclean.io", "zhclean.engines", "zhclean.jobs", "zhclean.cli")),
])
def test_layers(folder, forbidden):
    """Engines schedule shard tasks and know nothing of dedup or jobs; steps are pure text
    functions and know nothing of files, engines, jobs or the command line. Imports
    anywhere in the module count."""
    assert _importers_under(folder)
    wrong = sorted((module, target) for module in _importers_under(folder)
                   for target in imported(module, module_level_only=False)
                   if any(target == f or target.startswith(f + ".") for f in forbidden))
    assert wrong == []
