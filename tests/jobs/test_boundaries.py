"""The job system is shared infrastructure: it imports no feature app, and the apps that
run jobs (surveys, reports) use it, never the guided import (issue 15)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src" / "trygg"
#: What the job system may build on: the municipalities its jobs belong to, and Django.
JOBS_MAY_IMPORT = {"trygg.jobs", "trygg.areas"}


def imported_modules(package: str) -> dict[str, set[str]]:
    """Module path -> the trygg modules it imports (at any level, relative ones resolved)."""
    found: dict[str, set[str]] = {}
    for path in sorted((SRC / package).rglob("*.py")):
        names: set[str] = set()
        parts = ["trygg", *path.relative_to(SRC).with_suffix("").parts]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names |= {a.name for a in node.names}
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = parts[: len(parts) - node.level]
                    names.add(".".join([*base, *([node.module] if node.module else [])]))
                else:
                    names.add(node.module or "")
        found[str(path.relative_to(SRC))] = {n for n in names if n.startswith("trygg.")}
    return found


def app_of(module: str) -> str:
    return ".".join(module.split(".")[:2])


def test_the_job_system_imports_no_feature_app():
    for path, modules in imported_modules("jobs").items():
        assert {app_of(m) for m in modules} <= JOBS_MAY_IMPORT, path


@pytest.mark.parametrize("app", ["surveys", "reports"])
def test_surveys_and_reports_use_the_job_system_not_the_import(app):
    for path, modules in imported_modules(app).items():
        assert "trygg.imports" not in {app_of(m) for m in modules}, path


def test_the_apps_register_their_steps_and_kinds():
    from trygg.jobs.models import JobKind
    from trygg.jobs.steps import registered_kinds, step_label

    assert set(registered_kinds()) == set(JobKind.values)
    for code in ("store", "place crimes", "letters"):
        assert step_label(code) != code


def test_a_task_can_be_declared_before_the_apps_are_loaded(tmp_path):
    """Django builds the queue's backend when a module declares a task; a worker or a script
    may import such a module before django.setup() (the scale-out test's tasks do)."""
    import os
    import subprocess
    import sys

    script = tmp_path / "declare.py"
    script.write_text(
        "from django.tasks import task\n\n@task\ndef noted(note):\n    return note\n\nprint('declared')\n"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "trygg.settings.test"}
    done = subprocess.run(
        [sys.executable, str(script)], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "declared"
