"""The low layers import no higher one, not even inside a function (issue 15):
core < audit < accounts < areas < feature apps < top. trygg.analysis is a library that any
layer may use."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src" / "trygg"
LOW_LAYERS = ["core", "audit", "accounts", "areas"]
LIBRARIES = {"analysis"}


def _imported_apps(app: str) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for path in (SRC / app).rglob("*.py"):
        if "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                modules = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                modules = [node.module]
            else:
                continue
            for module in modules:
                parts = module.split(".")
                if parts[0] == "trygg" and len(parts) > 1 and parts[1] != app:
                    found.setdefault(parts[1], set()).add(str(path.relative_to(SRC)))
    return found


@pytest.mark.parametrize("app", LOW_LAYERS)
def test_a_low_layer_imports_only_lower_ones(app):
    allowed = set(LOW_LAYERS[: LOW_LAYERS.index(app)]) | LIBRARIES
    upward = {
        target: sorted(files)
        for target, files in _imported_apps(app).items()
        if target not in allowed
    }
    assert upward == {}
