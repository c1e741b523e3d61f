"""ADR 0006: trygg.analysis imports no Django and no other trygg package, at any level
(function-level imports included), so the CLI, notebooks and benchmarks can use it alone."""

from __future__ import annotations

import ast
from pathlib import Path

import trygg.analysis

ANALYSIS = Path(trygg.analysis.__file__).parent


def forbidden_imports(source: str, *, package: str = "trygg.analysis.x") -> list[str]:
    """The imports in ``source`` (a module of ``package``) of django or of a trygg package
    other than trygg.analysis, with their line numbers."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                # A relative import: resolve it against the module's package.
                parts = package.split(".")
                base = parts[: len(parts) - node.level + 1] if node.level > 1 else parts
                names = [".".join([*base, node.module] if node.module else base)]
            else:
                names = [node.module or ""]
        else:
            continue
        for name in names:
            top = name.split(".")
            if top[0] == "django" or (top[0] == "trygg" and top[:2] != ["trygg", "analysis"]):
                found.append(f"{node.lineno}: {name}")
    return found


def _package_of(path: Path) -> str:
    """The package a module file belongs to (for an ``__init__.py``: its own package)."""
    return ".".join(path.relative_to(ANALYSIS.parent.parent).parent.parts)


def test_analysis_imports_no_django_and_no_other_trygg_package():
    modules = sorted(ANALYSIS.rglob("*.py"))
    assert len(modules) > 20  # the walk found the package
    offenders = {
        str(path.relative_to(ANALYSIS)): found
        for path in modules
        if (found := forbidden_imports(path.read_text(encoding="utf-8"), package=_package_of(path)))
    }
    assert offenders == {}


def test_the_check_sees_forbidden_imports():
    assert forbidden_imports("from trygg.reports import x\n") == ["1: trygg.reports"]
    assert forbidden_imports("def f():\n    import django.conf\n") == ["2: django.conf"]
    assert forbidden_imports("from django import forms\n") == ["1: django"]
    assert forbidden_imports("import trygg.core.models as m\n") == ["1: trygg.core.models"]
    # Relative imports that climb out of trygg.analysis are caught too.
    assert forbidden_imports(
        "from ...reports import render\n", package="trygg.analysis.report"
    ) == ["1: trygg.reports"]
    assert (
        forbidden_imports(
            "from trygg.analysis import geo\nfrom . import charts\nfrom ..priority import X\n"
            "import djangoish\n",
            package="trygg.analysis.report",
        )
        == []
    )
