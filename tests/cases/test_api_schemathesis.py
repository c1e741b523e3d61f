"""Schemathesis against the API's own OpenAPI document, in process.

Two SSPF coordinators of two municipalities (A and B) each have people, consents, concerns
and a case. Generated calls to every operation under /api/v1/{cases,people,consents,
concerns}/, made as each of them, must never answer with a server error, must match the
document (status codes, content types, bodies), and must never carry an identifier of the
other municipality's objects; each of the other's objects answers 404. Examples are few
and derived from a fixed seed, so the run is quick and the same every time.

Every other operation of the document (areas, groups, observations, analysis runs,
priorities, open data, ...) gets generated calls too, as several roles and anonymously:
none may answer with a server error, whatever its path and query values.
"""

from __future__ import annotations

import contextlib
import re

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from trygg.api.services import user_api_token
from trygg.cases.models import Case, Concern, Consent, FollowUp, Person

from .world import give_consent, make_case, make_person

pytestmark = pytest.mark.django_db

API = r"^/api/v1/(cases|people|consents|concerns)/"
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
EXAMPLES = settings(
    max_examples=8,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


@contextlib.contextmanager
def wsgi_schema():
    # Requests go through the real WSGI handler, which closes the database connection when a
    # request ends; inside a test that connection holds the test's transaction (PostgreSQL
    # loses it), so keep it open as Django's own test client does.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield schemathesis.openapi.from_wsgi("/api/schema/?format=json", get_wsgi_application())
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


@pytest.fixture
def schema(db):
    with wsgi_schema() as loaded:
        yield loaded.include(path_regex=API)


@pytest.fixture
def every_operation(db):
    with wsgi_schema() as loaded:
        yield loaded


KINDS = {
    "cases": (Case, "municipality"),
    "people": (Person, "municipality"),
    "consents": (Consent, "person__municipality"),
    "concerns": (Concern, "municipality"),
}


def identifiers(municipality) -> dict[str, list[str]]:
    """The public identifiers of one municipality's individual data, by kind."""
    return {
        kind: sorted(
            str(i)
            for i in model.objects.filter(**{lookup: municipality}).values_list(
                "public_id", flat=True
            )
        )
        for kind, (model, lookup) in KINDS.items()
    }


@pytest.fixture
def sides(world):
    """Municipality A is the world's; B gets its own coordinator's person, consent, case
    and concern."""
    b_coordinator = world.users["foreign_coordinator"]
    b_municipality = b_coordinator.organisation.municipalities.get()
    person = make_person(b_municipality, name="Bertil")
    give_consent(person, [b_coordinator.organisation])
    case = make_case(b_municipality, person, b_coordinator)
    # Entries with unreported measures (null) must match the document too.
    for side_case in (case, world.cases["own_team"]):
        FollowUp.objects.create(
            case=side_case,
            followed_up_on=timezone.localdate(),
            school_attendance=90,
            new_suspicions=None,
            leisure_activity=None,
        )
    Concern.objects.create(
        municipality=b_municipality, subject_name="Bea", description="Oro", case=None
    )
    assert case.public_id
    return {
        "A": (world.users["coordinator"], world.municipality),
        "B": (b_coordinator, b_municipality),
    }


def token_for(user) -> dict:
    return {"Authorization": f"Token {user_api_token(username=user.username)}"}


def run_operation(operation, headers: dict, known: dict[str, list[str]], foreign: set[str]):
    """Generated calls to one operation. Identifiers in the path, the ``person`` query and
    the ``person``/``concern`` fields of a body are often replaced by real ones, the
    caller's own and the other municipality's, so that the answers are not all 404."""
    strategy = operation.as_strategy()
    kind = operation.path.split("/")[3]

    def real(data, ids):
        return data.draw(st.one_of(st.none(), st.sampled_from(ids)))

    @EXAMPLES
    @given(st.data())
    def check(data):
        case = data.draw(strategy)
        if case.path_parameters and "public_id" in case.path_parameters:
            case.path_parameters["public_id"] = (
                real(data, known[kind]) or case.path_parameters["public_id"]
            )
        if case.query and "person" in case.query:
            case.query["person"] = real(data, known["people"]) or case.query["person"]
        if isinstance(case.body, dict):
            for field, ids in (("person", known["people"]), ("concern", known["concerns"])):
                if field in case.body:
                    case.body[field] = real(data, ids) or case.body[field]
        response = case.call(headers=headers)
        print("STAT", case.method, case.path, response.status_code)
        case.validate_response(response, checks=CHECKS)
        leaked = set(UUID.findall(response.text)) & foreign
        assert not leaked, f"{case.method} {case.formatted_path} leaked {leaked}"

    check()


@pytest.mark.parametrize(("me", "other"), [("A", "B"), ("B", "A")])
def test_generated_calls_conform_and_never_cross_the_boundary(schema, sides, me, other):
    user, _municipality = sides[me]
    own, theirs = identifiers(sides[me][1]), identifiers(sides[other][1])
    known = {kind: own[kind] + theirs[kind] for kind in KINDS}
    foreign = {i for ids in theirs.values() for i in ids}
    assert all(theirs.values())
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == 13
    for operation in operations:
        run_operation(operation, token_for(user), known, foreign)


@pytest.mark.parametrize(("me", "other"), [("A", "B"), ("B", "A")])
def test_every_object_of_the_other_municipality_is_not_found(schema, sides, me, other):
    """Each of the other's objects, by every operation on one object: 404, as documented.
    Each of the caller's own, read: 200 and a body that matches the document."""
    user, _municipality = sides[me]
    headers = token_for(user)
    own, theirs = identifiers(sides[me][1]), identifiers(sides[other][1])
    # Of the own municipality's cases, the caller reads those they coordinate.
    own["cases"] = [
        str(i)
        for i in Case.objects.filter(coordinator=user)
        .exclude(status="culled")
        .values_list("public_id", flat=True)
    ]
    checked = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        if "{public_id}" not in operation.path:
            continue
        kind = operation.path.split("/")[3]
        expected = [(i, 404) for i in theirs[kind]]
        if operation.method.upper() == "GET":
            expected += [(i, 200) for i in own[kind]]
        for public_id, status in expected:
            case = operation.Case(path_parameters={"public_id": public_id})
            response = case.call(headers=headers)
            assert response.status_code == status, f"{operation.label} {public_id}"
            case.validate_response(response, checks=CHECKS)
            checked += 1
    assert checked >= 10


@pytest.mark.parametrize("actor", ["analyst", "safety_coordinator", "group_member", None])
def test_every_other_operation_never_answers_with_a_server_error(every_operation, world, actor):
    headers = token_for(world.users[actor]) if actor else {}
    operations = [
        operation
        for operation in (result.ok() for result in every_operation.get_all_operations())
        if not re.match(API, operation.path)
    ]
    assert len(operations) >= 14
    for operation in operations:
        never_a_server_error(operation, headers)


def never_a_server_error(operation, headers: dict):
    strategy = operation.as_strategy()

    @EXAMPLES
    @given(st.data())
    def check(data):
        case = data.draw(strategy)
        response = case.call(headers=headers)
        case.validate_response(response, checks=[not_a_server_error])

    check()
