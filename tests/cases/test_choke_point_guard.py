"""Every read and write of individual data goes through the choke point (Zulip's "test
that every access goes through it").

An AST scan of ``src/trygg``: ``Case.objects``, ``Person.objects``, ``Consent.objects``,
``Concern.objects`` and a person's ``.cases`` may appear only in the modules that apply
the rule and write the access log (cases/access.py, the services and selectors), in
culling and the demo data, and in migrations. A view, an API or another app that needs
a case asks those modules. The scanner has its own test, on a synthetic view module.
"""

from __future__ import annotations

import ast
from pathlib import Path

import trygg

ROOT = Path(trygg.__file__).resolve().parent
MODELS = frozenset({"Case", "Person", "Consent", "Concern"})
ALLOWED = (
    "cases/access.py",
    "cases/services.py",
    "cases/services/",
    "cases/selectors.py",
    "cases/selectors/",
    "cases/culling.py",
    "cases/demo.py",
)


# What a related manager is used with: ``person.cases.all()`` is the reverse relation, a
# list called ``cases`` on some other object (``plan.cases``) is not.
MANAGER_METHODS = frozenset(
    {
        "aggregate", "all", "annotate", "count", "create", "delete", "exclude", "exists",
        "filter", "first", "get", "get_or_create", "in_bulk", "iterator", "last",
        "none", "order_by", "prefetch_related", "select_related", "update", "values",
        "values_list",
    }
)  # fmt: skip


def direct_accesses(source: str) -> list[tuple[int, str]]:
    """``(line, what)`` for every ``<Model>.objects`` of a cases model and every use of a
    ``.cases`` related manager in ``source``."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Attribute):
            continue
        if node.attr == "objects" and isinstance(node.value, ast.Name):
            if node.value.id in MODELS:
                found.append((node.lineno, f"{node.value.id}.objects"))
        elif (
            node.attr in MANAGER_METHODS
            and isinstance(node.value, ast.Attribute)
            and node.value.attr == "cases"
        ):
            found.append((node.lineno, ".cases"))
    return found


def allowed(relative: str) -> bool:
    return "/migrations/" in f"/{relative}" or relative.startswith(ALLOWED)


def offenders(root: Path = ROOT) -> list[str]:
    found = []
    for path in sorted(root.rglob("*.py")):
        relative = path.relative_to(root).as_posix()
        if allowed(relative):
            continue
        for line, what in direct_accesses(path.read_text(encoding="utf-8")):
            found.append(f"{relative}:{line}: {what}")
    return found


def test_individual_data_is_read_and_written_only_behind_the_choke_point():
    assert offenders() == [], (
        "Read cases, people, consents and concerns through trygg.cases.access, "
        "selectors or services (they apply the rule and write the access log)."
    )


def test_the_scanner_reports_a_view_that_queries_cases_directly(tmp_path):
    view = tmp_path / "cases" / "views" / "sneaky.py"
    view.parent.mkdir(parents=True)
    view.write_text(
        "from trygg.cases.models import Case, Person\n"
        "\n"
        "def sneaky(request, person_id):\n"
        "    cases = Case.objects.filter(coordinator=request.user)\n"
        "    person = Person.objects.get(public_id=person_id)\n"
        "    return list(cases) + list(person.cases.all())\n",
        encoding="utf-8",
    )
    assert offenders(tmp_path) == [
        "cases/views/sneaky.py:4: Case.objects",
        "cases/views/sneaky.py:5: Person.objects",
        "cases/views/sneaky.py:6: .cases",
    ]


def test_the_scanner_lets_the_choke_point_and_migrations_be(tmp_path):
    for name in ("cases/access.py", "cases/services/case_work.py", "cases/migrations/0001.py"):
        module = tmp_path / name
        module.parent.mkdir(parents=True, exist_ok=True)
        module.write_text("Case.objects.all()\n", encoding="utf-8")
    assert offenders(tmp_path) == []
