"""Every role against every route (tests/routes.yaml), and no route left out of the matrix."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
import yaml
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from tests.factories import AreaFactory, MunicipalityFactory, SafetyGroupFactory, user_in
from tests.shared_db import module_transaction
from trygg.accounts.roles import Role

MATRIX = yaml.safe_load((Path(__file__).parent / "routes.yaml").read_text())
# Routes that belong to libraries and are tested there: sign-in flows, admin internals.
FOREIGN_NAMESPACES = ("admin",)
FOREIGN_PREFIXES = ("accounts/", "i18n/")


def own_route_names() -> set[str]:
    names: set[str] = set()

    def walk(patterns, prefix: str, namespace: str | None):
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                ns = pattern.namespace or namespace
                if ns in FOREIGN_NAMESPACES or route.startswith(FOREIGN_PREFIXES):
                    continue
                walk(pattern.url_patterns, route, ns)
            elif isinstance(pattern, URLPattern) and pattern.name:
                if "format" in str(pattern.pattern):
                    continue  # DRF's .json suffix variants of the same views
                names.add(f"{namespace}:{pattern.name}" if namespace else pattern.name)

    walk(get_resolver().url_patterns, "", None)
    return names


# Individual cases (issue 5) have their own matrix over object states, with its own
# meta-test: tests/cases/authz.yaml and tests/cases/test_matrix.py.
CASES_ROUTES = {
    key.split(" ", 1)[1]
    for key in yaml.safe_load((Path(__file__).parent / "cases" / "authz.yaml").read_text())
    if not key.startswith("_")
}


def test_every_route_is_in_the_matrix():
    missing = own_route_names() - set(MATRIX) - CASES_ROUTES
    stale = set(MATRIX) - own_route_names() - {"admin:index"}
    assert missing == set(), f"add these routes to tests/routes.yaml: {sorted(missing)}"
    assert stale == set(), f"these routes no longer exist: {sorted(stale)}"


@pytest.fixture(scope="module")
def module_world(django_db_setup, django_db_blocker, tmp_path_factory):
    """The world of objects, built once for the module (tests/shared_db.py): each test runs in
    a savepoint inside the transaction that holds it, and only reads it."""
    from django.test import override_settings

    with (
        override_settings(VAR_DIR=tmp_path_factory.mktemp("routes")),
        module_transaction(django_db_blocker),
    ):
        with django_db_blocker.unblock():
            built = build_world()
        yield built


@pytest.fixture
def world(db, module_world):
    return module_world


def build_world():
    from trygg.reports.models import AnalysisRun

    sundsvall, timra = MunicipalityFactory(code="2281"), MunicipalityFactory(code="2262")
    objects = {}
    for label, municipality in (("own", sundsvall), ("other", timra)):
        area = AreaFactory(municipality=municipality)
        group = SafetyGroupFactory(municipality=municipality)
        group.areas.add(area)
        run = AnalysisRun.objects.create(municipality=municipality, year=2026)
        run.directory.mkdir(parents=True)
        (run.directory / "priorities.csv").write_text("area_code,rank\n", encoding="utf-8")
        objects[label] = {"area": area, "group": group, "municipality": municipality, "run": run}
        objects[label] |= situation_objects(municipality, area)
        objects[label] |= action_objects(municipality, group)
        objects[label] |= statistics_objects(municipality, run)
        objects[label] |= residents_objects(area)
        objects[label] |= administration_objects(municipality)
    return sundsvall, objects


def administration_objects(municipality) -> dict:
    """A user of an organisation working only in the municipality (issue 14)."""
    managed = user_in(municipality, role=Role.READ_ONLY)
    return {"managed_user": managed, "organisation": managed.organisation}


def situation_objects(municipality, area) -> dict:
    """An observation, an operation and a citizen promise in the municipality (issue 4)."""
    from tests.factories import CitizenPromiseFactory, ObservationFactory, OperationFactory

    return {
        "observation": ObservationFactory(area=area),
        "operation": OperationFactory(municipality=municipality, areas=[area]),
        "promise": CitizenPromiseFactory(municipality=municipality),
    }


def action_objects(municipality, group) -> dict:
    """A decided action of the group's meeting (issue 17)."""
    from trygg.situation.models import DecidedAction, WeeklyPicture

    picture, _created = WeeklyPicture.objects.get_or_create(
        municipality=municipality, group=group, iso_year=2026, iso_week=10
    )
    action = DecidedAction.objects.create(
        municipality=municipality,
        group=group,
        picture=picture,
        decided_week=202610,
        what="Belysning",
        due_on=date(2026, 3, 13),
        created_by=user_in(municipality),
    )
    return {"decided_action": action}


def statistics_objects(municipality, run) -> dict:
    """An analysis job, an uploaded file, a survey round and a publication (issue 6)."""
    from tests.factories import statistics_world

    return statistics_world(municipality, run)


def residents_objects(area) -> dict:
    """A resident's report and a safety walk in the area's municipality (issue 7)."""
    from tests.factories import ResidentReportFactory, SafetyWalkFactory
    from trygg.residents.models import Department, ReportDispatch, RoutingRule

    report = ResidentReportFactory(area=area)
    # get_or_create: a world may be built twice around the same municipality.
    department, _ = Department.objects.get_or_create(
        municipality=area.municipality, name="Gatubelysning", defaults={"email": "ljus@example.org"}
    )
    rule, _ = RoutingRule.objects.get_or_create(
        municipality=area.municipality,
        reason="dark",
        area=None,
        defaults={"department": department},
    )
    dispatch = ReportDispatch.objects.create(
        report=report, department=department, sent_at=timezone.now()
    )
    return {
        "resident_report": report,
        "walk": SafetyWalkFactory(area=area),
        "department": department,
        "routing_rule": rule,
        "dispatch": dispatch,
    }


def letters_job(survey_round):
    """A finished letters job of the round, with its PDF on disk."""
    from trygg.jobs.models import Job, JobKind, JobStatus
    from trygg.surveys.services import letters_file_path

    job = Job.objects.create(
        kind=JobKind.LETTERS,
        municipality=survey_round.municipality,
        status=JobStatus.DONE,
        result={"round": survey_round.pk, "kind": "invitation", "letters": 1},
    )
    path = letters_file_path(job)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"%PDF-1.7 test")
    return job


def _status_token(dispatch) -> str:
    from trygg.residents.services import status_token

    return status_token(dispatch)


RESIDENTS_ROUTES = {
    "trygghet:report": lambda t: {"code": t["municipality"].code},
    "trygghet:map": lambda t: {"code": t["municipality"].code},
    "trygghet:map-csv": lambda t: {"code": t["municipality"].code},
    "trygghet:nearby": lambda t: {"code": t["municipality"].code},
    "trygghet:department-status": lambda t: {"token": _status_token(t["dispatch"])},
    "residents:routing": lambda t: {"code": t["municipality"].code},
    "residents:department": lambda t: {"department_id": t["department"].id},
    "residents:rule-delete": lambda t: {"rule_id": t["routing_rule"].id},
    "trygghet:receipt": lambda t: {"token": t["resident_report"].receipt_token},
    "residents:report": lambda t: {"public_id": t["resident_report"].public_id},
    "residents:walk": lambda t: {"public_id": t["walk"].public_id},
    "residents:walk-point": lambda t: {"public_id": t["walk"].public_id},
    "residents:walk-route": lambda t: {"public_id": t["walk"].public_id},
    "residents:walk-finish": lambda t: {"public_id": t["walk"].public_id},
    "residents:walk-convert": lambda t: {"public_id": t["walk"].public_id},
    "residents:walk-export": lambda t: {"public_id": t["walk"].public_id, "fmt": "csv"},
}

STATISTICS_ROUTES = {
    "reports:job": lambda t: {"public_id": t["job"].public_id},
    "reports:publish": lambda t: {"public_id": t["run"].public_id},
    "reports:dashboard-export": lambda t: {"fmt": "csv"},
    "imports:detail": lambda t: {"public_id": t["upload"].public_id},
    "imports:problems": lambda t: {"public_id": t["upload"].public_id},
    "imports:job-status": lambda t: {"public_id": t["job"].public_id},
    "surveys:detail": lambda t: {"round_id": t["survey_round"].id},
    "surveys:progress": lambda t: {"round_id": t["survey_round"].id},
    "surveys:settings": lambda t: {"round_id": t["survey_round"].id},
    "surveys:sample": lambda t: {"round_id": t["survey_round"].id},
    "surveys:letters": lambda t: {"round_id": t["survey_round"].id},
    "surveys:paper": lambda t: {"round_id": t["survey_round"].id},
    "surveys:close": lambda t: {"round_id": t["survey_round"].id},
    "surveys:letters-file": lambda t: {"public_id": letters_job(t["survey_round"]).public_id},
    "public:municipality": lambda t: {"code": t["municipality"].code},
    "analysis-run-detail": lambda t: {"public_id": t["run"].public_id},
    "api-area-statistics": lambda t: {"pk": t["area"].id},
    "api-open-data": lambda t: {"code": t["municipality"].code},
    "public:data-csv": lambda t: {"code": t["municipality"].code, "year": 2026},
    "public:data-geojson": lambda t: {"code": t["municipality"].code, "year": 2026},
    "public:report": lambda t: {
        "code": t["municipality"].code,
        "year": 2026,
        "name": "report.html",
    },
}


SITUATION_ROUTES = {
    "situation:observation": lambda t: {"public_id": t["observation"].public_id},
    "observation-detail": lambda t: {"public_id": t["observation"].public_id},
    "situation:week-group": lambda t: {"group_id": t["group"].id, "week": "2026-W10"},
    "situation:quarter-group": lambda t: {"group_id": t["group"].id},
    "situation:group": lambda t: {"group_id": t["group"].id},
    "situation:group-settings": lambda t: {"group_id": t["group"].id},
    "situation:action": lambda t: {"action_id": t["decided_action"].id},
    "situation:week-municipality": lambda t: {"code": t["municipality"].code, "week": "2026-W10"},
    "situation:quarter-municipality": lambda t: {"code": t["municipality"].code},
    "interventions:detail": lambda t: {"operation_id": t["operation"].id},
    "interventions:edit": lambda t: {"operation_id": t["operation"].id},
    "interventions:evaluation-csv": lambda t: {"operation_id": t["operation"].id},
    "interventions:pdf": lambda t: {"operation_id": t["operation"].id},
    "interventions:promise-edit": lambda t: {"promise_id": t["promise"].id},
    "interventions:promises-municipality": lambda t: {"code": t["municipality"].code},
}


MANAGE_ROUTES = {
    "manage:user": lambda t: {"user_id": t["managed_user"].id},
    "manage:user-password": lambda t: {"user_id": t["managed_user"].id},
    "manage:user-authenticators": lambda t: {"user_id": t["managed_user"].id},
    "manage:organisation": lambda t: {"organisation_id": t["organisation"].id},
    "manage:organisation-sign-on": lambda t: {"organisation_id": t["organisation"].id},
    "manage:area": lambda t: {"area_id": t["area"].id},
    "groups:edit": lambda t: {"group_id": t["group"].id},
    "groups:members": lambda t: {"group_id": t["group"].id},
}


def url_for(name: str, target: dict | None) -> str:
    kwargs = {}
    if name in ("areas:detail",):
        kwargs = {"area_id": target["area"].id}
    elif name == "groups:detail":
        kwargs = {"group_id": target["group"].id}
    elif name in ("area-detail",):
        kwargs = {"pk": target["area"].id}
    elif name == "safety-group-detail":
        kwargs = {"pk": target["group"].id}
    elif name == "reports:detail":
        kwargs = {"public_id": target["run"].public_id}
    elif name == "reports:file":
        kwargs = {"public_id": target["run"].public_id, "name": "priorities.csv"}
    elif name in SITUATION_ROUTES:
        kwargs = SITUATION_ROUTES[name](target)
    elif name in RESIDENTS_ROUTES:
        kwargs = RESIDENTS_ROUTES[name](target)
    elif name in STATISTICS_ROUTES:
        kwargs = STATISTICS_ROUTES[name](target)
    elif name in MANAGE_ROUTES:
        kwargs = MANAGE_ROUTES[name](target)
    elif name == "municipality-detail":
        kwargs = {"code": target["municipality"].code}
    return reverse(name, kwargs=kwargs)


def expectations(name: str) -> list[tuple[str, str | None, object]]:
    """(actor, target, expected answer) for every role, and anonymous, on one route."""
    rule = MATRIX[name]
    found = []
    for actor in ["anonymous", *Role.values]:
        for target in ("own", "other") if ("own" in rule or "other" in rule) else (None,):
            if actor == "anonymous":
                expected = rule["anonymous"]
            elif target is not None:
                own_rule = rule.get(actor, rule[target])
                expected = own_rule[target] if isinstance(own_rule, dict) else own_rule
            else:
                expected = rule.get(actor, rule.get("default"))
            found.append((actor, target, expected))
    return found


# One test per route, one subtest per role and target. The world of objects is built once
# for the module and what a test's requests write is rolled back after it, which keeps the
# suite quick as roles and routes grow.
@pytest.mark.parametrize("name", list(MATRIX))
def test_route(world, two_factor_off, subtests, name):
    municipality, objects = world
    for actor, target, expected in expectations(name):
        with subtests.test(actor=actor, target=target or "any"):
            # A client of its own per role: as clean as signing out (which writes to the audit
            # log on each of ~1,300 subtests) and cheaper.
            client = Client()
            if actor != "anonymous":
                client.force_login(user_in(municipality, role=actor))
            url = url_for(name, objects[target] if target else objects["own"])
            accept = "application/json" if name == "api-schema" else "*/*"
            response = client.get(url, HTTP_ACCEPT=accept)
            if expected == "login":
                assert response.status_code == 302
                assert response.url.startswith("/accounts/login/")
            elif expected == "login-admin":
                assert response.status_code == 302
                assert response.url.startswith("/admin/login/")
            else:
                assert response.status_code == expected, (actor, target, url)
