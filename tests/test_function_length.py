"""No function of the package is over 80 lines (60 is the habit): read on the ast of every
module of generator/, so that a long one is named with its file and line."""
from __future__ import annotations

import ast

from .conftest import ROOT

LIMIT = 80


def long_functions(limit: int = LIMIT) -> list[str]:
    out = []
    for path in sorted((ROOT / "generator").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                length = (node.end_lineno or node.lineno) - node.lineno + 1
                if length > limit:
                    out.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.name} ({length} lines)")
    return out


def test_no_function_is_over_80_lines():
    assert long_functions() == []


def test_the_check_sees_long_functions():
    """The same walk finds functions over a lower limit: it reads the package, not nothing."""
    assert any("generator/" in f for f in long_functions(limit=20))
