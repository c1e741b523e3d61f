"""Every actor × every route and API operation of the cases app × every object state
(tests/cases/authz.yaml), and a meta-test that no route or operation is left out."""

from __future__ import annotations

import uuid
from datetime import timedelta
from pathlib import Path

import pytest
import yaml
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from rest_framework.test import APIClient

from tests.shared_db import module_transaction

from .world import STATES, World, new_pin

MATRIX = {
    key: value
    for key, value in yaml.safe_load((Path(__file__).parent / "authz.yaml").read_text()).items()
    if not key.startswith("_")
}
ACTORS = (
    "anonymous",
    "coordinator",
    "other_coordinator",
    "social",
    "police",
    "school",
    "police_outside",
    "foreign_coordinator",
    "management",
    "analyst",
    "administrator",
    "safety_coordinator",
    "group_member",
    "read_only",
)
API_PREFIXES = tuple(f"api/v1/^{p}/" for p in ("cases", "people", "consents", "concerns"))


def cases_operations() -> set[str]:
    """'METHOD name' for every page route of the cases app and every API operation on
    /api/v1/{cases,people,consents,concerns}/."""
    found: set[str] = set()

    def walk(patterns, namespace, prefix):
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, pattern.namespace or namespace, route)
            elif isinstance(pattern, URLPattern) and pattern.name:
                if "format" in str(pattern.pattern):
                    continue
                callback = pattern.callback
                if namespace == "cases":
                    for method in callback.allowed_methods:
                        found.add(f"{method} cases:{pattern.name}")
                actions = getattr(callback, "actions", None)
                if actions and route.lstrip("^").startswith(API_PREFIXES):
                    # DRF adds HEAD to a viewset's actions once the view has run.
                    for method in set(actions) - {"head", "options"}:
                        found.add(f"{method.upper()} {pattern.name}")

    walk(get_resolver().url_patterns, None, "")
    return found


def test_every_cases_route_and_operation_is_in_the_matrix():
    operations = cases_operations()
    assert operations - set(MATRIX) == set(), "add these to tests/cases/authz.yaml"
    assert set(MATRIX) - operations == set(), "these no longer exist"


def test_the_global_route_matrix_leaves_cases_routes_to_this_one():
    from tests.test_routes import MATRIX as GLOBAL

    names = {key.split(" ", 1)[1] for key in MATRIX}
    assert names.isdisjoint(GLOBAL)


def stateful(rule: dict) -> bool:
    return any(isinstance(v, dict) for v in rule.values())


def expected_for(rule: dict, actor: str, state: str | None):
    value = rule.get(actor, rule.get("default"))
    return value[state] if isinstance(value, dict) else value


def _missing() -> str:
    return str(uuid.uuid4())


def target(world, name: str, state: str | None) -> dict:
    """URL kwargs, query and POST data for one operation on the object of ``state``."""
    case = world.cases[state or "own_team"]
    person = case.person
    consent = person.consents.first() if person else None
    concern = getattr(case, "concern", None) if person else None
    today = timezone.localdate()
    person_id = str(person.public_id) if person else _missing()
    consent_id = str(consent.public_id) if consent else _missing()
    concern_id = str(concern.public_id) if concern else _missing()
    member = case.members.first()
    plan_item = case.plan_items.first()
    police = world.orgs["police"]
    kwargs, query, data = {}, {}, {}
    route = name.split(" ", 1)[1]
    short = route.removeprefix("cases:")
    if short in (
        "case",
        "member-add",
        "meeting-add",
        "plan-add",
        "plan-status",
        "follow-up-add",
        "police-notes",
        "close",
        "reopen",
        "contact-log-add",
    ):
        kwargs = {"case_id": case.public_id}
    elif short == "member-remove":
        kwargs = {"case_id": case.public_id, "member_id": member.pk if member else 0}
    elif short in (
        "person",
        "guardian-add",
        "consent-new",
        "person-log",
        "case-new",
        "person-edit",
    ):
        kwargs = {"person_id": person_id}
    elif short == "guardian-edit":
        guardian = person.guardians.first() if person else None
        kwargs = {
            "person_id": person_id,
            "guardian_id": str(guardian.public_id) if guardian else _missing(),
        }
    elif short in ("consent-pdf", "consent-received", "consent-withdraw") and route.startswith(
        "cases:"
    ):
        kwargs = {"consent_id": consent_id}
    elif short == "concern":
        kwargs = {"concern_id": concern_id}
    elif route == "case-detail":
        kwargs = {"public_id": case.public_id}
    elif route == "person-detail":
        kwargs = {"public_id": person_id}
    elif route in ("consent-detail", "consent-withdraw"):
        kwargs = {"public_id": consent_id}
    elif route == "concern-detail":
        kwargs = {"public_id": concern_id}
    if route == "consent-list":
        query = {"person": person_id}
    data = {
        "cases:concern-new": {"subject_name": "Kim", "description": "Oro"},
        "cases:concern": {"reason": "Hanteras annars"},
        "cases:person-find": {"pin": new_pin()},
        "cases:guardian-add": {"name": "Ny vårdnadshavare"},
        "cases:person-edit": {"first_name": "Ändrad", "last_name": "Testsson"},
        "cases:guardian-edit": {"name": "Ändrad vårdnadshavare", "has_custody": "on"},
        "cases:consent-new": {
            "giver": "person",
            "parties": [police.pk],
            "information": ["school"],
            "purpose": "Stöd",
            "valid_from": today,
            "valid_to": today + timedelta(days=30),
        },
        "cases:case-new": {"programme": "sspf", "level": "individual"},
        "cases:member-add": {"user": world.leisure.pk},
        "cases:meeting-add": {
            "held_on": today,
            "kind": "cooperation",
            "participants": "Alla",
            "minutes": "Protokoll",
        },
        "cases:plan-add": {
            "what": "Läxhjälp",
            "organisation": world.orgs["school"].pk,
            "due_on": today,
        },
        "cases:plan-status": {
            "item": str(plan_item.public_id) if plan_item else _missing(),
            "status": "done",
        },
        "cases:follow-up-add": {
            "followed_up_on": today,
            "school_attendance": 80,
            "outcome": "Bättre",
        },
        "cases:police-notes": {"text": "Ny anteckning"},
        "cases:consent-withdraw": {"received_how": "in_writing", "confirm": "on"},
        "cases:contact-log-add": {"contacted_on": today, "kind": "meeting", "note": "Träff"},
        "cases:close": {"reason": "Målen nådda"},
        "cases:reopen": {"reason": "Ny oro"},
        "case-list": {"person": person_id, "programme": "sspf", "level": "selective"},
        "person-list": {
            "personal_identity_number": new_pin(),
            "first_name": "Ny",
            "last_name": "Person",
        },
        "consent-list": {
            "person": person_id,
            "given_by": "person",
            "parties": [police.key],
            "information": ["school"],
            "purpose": "Stöd",
            "valid_from": str(today),
            "valid_to": str(today + timedelta(days=30)),
        },
        "concern-list": {"subject_name": "Kim", "description": "Oro"},
    }.get(route, {})
    return {"route": route, "kwargs": kwargs, "query": query, "data": data}


def cases():
    for name in sorted(MATRIX):
        if name.startswith("GET "):
            yield pytest.param(name, None, id=name)
        else:
            for actor in ACTORS:
                yield pytest.param(name, actor, id=f"{name}-{actor}")


@pytest.fixture(scope="module")
def module_world(django_db_setup, django_db_blocker):
    """One world for the module's tests, built once (tests/shared_db.py): each test runs in a
    savepoint inside the transaction that holds it, so every test meets the world as built."""
    from django.test import override_settings

    with override_settings(TRYGG_SYNTHETIC_PINS=True), module_transaction(django_db_blocker):
        with django_db_blocker.unblock():
            world = World()
        yield world


@pytest.fixture
def world(db, two_factor_off, module_world):
    """The module's world. Tests only read its objects (and log its users in); what their
    requests write goes to the database, and is rolled back after each test."""
    return module_world


# A read changes nothing a later reader could notice, so every actor of a GET operation
# shares one world (a subtest each); a write gets a fresh world per actor, since the first
# successful write (closing a case, say) would change what the next actor meets. Fresh: each
# test's writes are rolled back after it, so the next test meets the world as it was built.
@pytest.mark.parametrize(("name", "actor"), list(cases()))
def test_operation(world, subtests, name, actor):
    for each in ACTORS if actor is None else (actor,):
        with subtests.test(actor=each):
            _check_operation(world, name, each)


def _check_operation(world, name, actor):
    rule = MATRIX[name]
    method, route = name.split(" ", 1)
    is_api = not route.startswith("cases:")
    client = APIClient() if is_api else Client()
    if actor != "anonymous":
        client.force_login(world.users[actor])
    mismatches = []
    for state in STATES if stateful(rule) else (None,):
        expected = expected_for(rule, actor, state)
        t = target(world, name, state)
        url = reverse(t["route"], kwargs=t["kwargs"])
        if method == "GET":
            response = client.get(url, t["query"])
        elif is_api:
            response = client.post(url, t["data"], format="json")
        else:
            response = client.post(url, t["data"])
        got = response.status_code
        if expected == "login":
            ok = got == 302 and response.url.startswith("/accounts/login/")
        else:
            ok = got == expected
        if ok and got == 404 and t["kwargs"]:
            # Forbidden and missing answer alike, byte for byte.
            missing = {k: (_missing() if k != "member_id" else 0) for k in t["kwargs"]}
            probe = reverse(t["route"], kwargs=missing)
            other = client.get(probe) if method == "GET" else client.post(probe, t["data"])
            ok = other.status_code == 404 and other.content == response.content
        if not ok:
            mismatches.append(f"{state}: expected {expected}, got {got}")
    assert mismatches == [], f"{name} as {actor}: {mismatches}"
