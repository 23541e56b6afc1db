"""The package's import structure, read from the `ast` of every module under generator/ (imports
inside functions count too: a lazy import is still a dependency): no module imports itself back
through others, and no module imports a layer above its own. README "Layout" tells the order."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "generator"

# Low to high; a module belongs to the layer of the longest prefix that names it. A module may
# import its own layer and the layers below. Two modules of `model` sit with `infra`: the text
# rules and limits that even safe YAML reading (infra/yamlsource.py) applies.
LAYERS: tuple[tuple[str, ...], ...] = (
    ("generator.infra", "generator.model.text", "generator.model.limits", "generator.i18n"),
    ("generator.model", "generator.schema"),
    ("generator.readers",),
    ("generator.rules", "generator.brand", "generator.fontcoverage"),
    ("generator.annex", "generator.writers", "generator.manifest",
     "generator.signing.fields", "generator.signing.typst_fields"),  # the empty signature fields the PDF writers draw
    ("generator.readers.review_docx",),  # reads back the DOCX the writers make (their bookmarks)
    ("generator.catalog",),
    ("generator.signing", "generator.versions"),
    ("generator.pipeline",),
    ("generator.commands",),
    ("generator.web",),
    ("generator.cli", "generator.__main__"),
)


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in PACKAGE.rglob("*.py")}


def imports_of(name: str) -> set[str]:
    """The generator modules `name` imports (`from X import Y` counts X.Y when Y is a module)."""
    path = MODULES[name]
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = package.split(".")[: len(package.split(".")) - node.level + 1] if node.level else []
            target = ".".join(base + ([node.module] if node.module else []))
            found |= {f"{target}.{a.name}" if f"{target}.{a.name}" in MODULES else target for a in node.names}
    return {m for m in found if m in MODULES and m != name}


GRAPH = {name: imports_of(name) for name in MODULES}


def layer_of(name: str) -> int:
    best, layer = -1, -1
    for i, prefixes in enumerate(LAYERS):
        for prefix in prefixes:
            if (name == prefix or name.startswith(prefix + ".")) and len(prefix) > best:
                best, layer = len(prefix), i
    return layer


def test_every_module_has_a_layer():
    assert [m for m in MODULES if m != "generator" and layer_of(m) < 0] == []


def test_no_module_imports_a_layer_above_its_own():
    upward = sorted(f"{a} -> {b}" for a, targets in GRAPH.items() for b in targets
                    if a != "generator" and b != "generator" and layer_of(b) > layer_of(a))
    assert upward == []


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one node (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found = []
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    top = stack.pop()
                    on_stack.discard(top)
                    component.append(top)
                    if top == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


# Circles known and owned elsewhere; whoever unties one removes it here (the test below fails
# while a listed circle no longer exists). The web's (routers importing back from app.py) is
# untied: their dependencies are in web/deps.py.
KNOWN_CIRCLES: list[list[str]] = []


def test_no_import_circle_between_modules():
    # a package's __init__ re-exporting its own modules, and a module importing a sibling through
    # that face, is the one way round allowed: the edge from a package to its own modules is dropped
    graph = {a: {b for b in targets if not b.startswith(a + ".")} for a, targets in GRAPH.items()}
    circles = _cycles(graph)
    assert [c for c in circles if c not in KNOWN_CIRCLES] == []
    assert [c for c in KNOWN_CIRCLES if c not in circles] == [], "untied: remove it from KNOWN_CIRCLES"


@pytest.mark.parametrize("a,b", [("generator.x", "generator.x.y")])
def test_the_cycle_finder_finds_a_circle(a, b):
    assert _cycles({a: {b}, b: {a}}) == [[a, b]]
    assert _cycles({a: {b}, b: set()}) == []
