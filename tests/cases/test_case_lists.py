"""Lists of cases go through the rule case by case, without a query per case, and log
every case they show: the case list and the person page."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from trygg.accounts.models import User
from trygg.audit.models import AuditEvent
from trygg.cases.selectors import cases_for_user

from .world import give_consent, make_case, make_person

pytestmark = pytest.mark.django_db


def _log_queries_per_case() -> int:
    """Each case shown writes one access-log entry: the chain's last hash is read and the
    entry inserted; on PostgreSQL the chain's advisory lock is taken first. Nothing else may
    cost a query per case."""
    return 3 if connection.vendor == "postgresql" else 2


def _more_cases_for_police(world, count: int) -> None:
    u = world.users
    parties = list(world.orgs.values())
    for _ in range(count):
        person = make_person(world.municipality)
        give_consent(person, parties)
        make_case(world.municipality, person, u["coordinator"], [u["police"], u["school"]])


def _list_as_fresh_police(world):
    # A fresh user object, as in a request: nothing cached from an earlier call.
    return cases_for_user(User.objects.get(pk=world.users["police"].pk))


def _not_audit(queries) -> list[str]:
    return [
        q["sql"]
        for q in queries
        if "audit_auditevent" not in q["sql"] and "pg_advisory_xact_lock" not in q["sql"]
    ]


def test_the_case_list_does_not_query_per_case(world, django_assert_max_num_queries):
    with CaptureQueriesContext(connection) as few:
        shown_few = _list_as_fresh_police(world)
    _more_cases_for_police(world, 6)
    more = 6 * _log_queries_per_case()
    with (
        django_assert_max_num_queries(len(few) + more),
        CaptureQueriesContext(connection) as many,
    ):
        shown_many = _list_as_fresh_police(world)
    assert len(shown_many) == len(shown_few) + 6
    # Without the access log's own entries the count is the same for 2 cases as for 8.
    assert len(_not_audit(many)) == len(_not_audit(few))


def test_the_person_page_lists_only_the_cases_the_viewer_may_see_and_logs_them(world, client):
    u = world.users
    person = make_person(world.municipality)
    mine = make_case(world.municipality, person, u["coordinator"])
    theirs = make_case(world.municipality, person, u["other_coordinator"], [world.other_social])
    client.force_login(u["coordinator"])
    before = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0

    response = client.get(f"/cases/people/{person.public_id}/")

    assert response.status_code == 200
    assert f"/cases/{mine.public_id}/" in response.text
    assert f"/cases/{theirs.public_id}/" not in response.text
    logged = AuditEvent.objects.filter(id__gt=before)
    shown = logged.get(object_type="cases.case")
    assert shown.object_id == str(mine.public_id)
    assert shown.details["outcome"] == "granted" and shown.details["rule"] == "coordinator"
    assert shown.details["person"] == str(person.public_id)
    assert shown.purpose == "person"
    assert not logged.filter(object_id=str(theirs.public_id)).exists()
