"""The pipeline's layering, read from the source: only backends import PyMC, and no two modules import each other."""

import ast
from pathlib import Path

import networkx as nx

PACKAGE = Path(__file__).resolve().parent.parent / "dagspec"


def _module(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path):
    """(module imported, names imported from it) for every import in the file, at any depth."""
    package = _module(path) if path.name == "__init__.py" else _module(path).rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            yield from ((alias.name, ()) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package.split(".")[: len(package.split(".")) - node.level + 1] if node.level else []
            yield ".".join(base + ([node.module] if node.module else [])), [a.name for a in node.names]


def _import_graph() -> nx.DiGraph:
    modules = {_module(p): p for p in PACKAGE.rglob("*.py")}
    graph = nx.DiGraph()
    for name, path in modules.items():
        for target, names in _imports(path):
            # `from . import x` imports the module x when there is one, else a name of the package
            targets = [f"{target}.{n}" for n in names if f"{target}.{n}" in modules] or [target]
            graph.add_edges_from((name, t) for t in targets if t in modules and t != name)
    return graph


def test_only_backends_import_pymc():
    for path in PACKAGE.rglob("*.py"):
        heavy = {m for m, _ in _imports(path) if m.split(".")[0] in ("pymc", "pytensor")}
        assert not heavy or "backends" in path.parts, f"{path.relative_to(PACKAGE)} imports {heavy}"


def test_spec_and_causal_analysis_do_not_import_each_other():
    graph = _import_graph()
    assert "dagspec.spec" in graph["dagspec.causal.api"]  # the analysis accepts specs and paths ...
    assert not nx.has_path(graph.subgraph(n for n in graph if n != "dagspec"), "dagspec.spec", "dagspec.causal.api")


def test_only_the_language_server_imports_pygls():
    """The editor's language logic (dagspec/editor/) is testable without an editor protocol; server.py speaks it."""
    for path in PACKAGE.rglob("*.py"):
        protocol = {m for m, _ in _imports(path) if m.split(".")[0] in ("pygls", "lsprotocol")}
        where = path.relative_to(PACKAGE)
        assert not protocol or where == Path("editor", "server.py"), f"{where} imports {protocol}"
