"""The audit log is append-only and any later change to it is detected."""

from __future__ import annotations

import itertools

import pytest
from django.db import connection, transaction

from tests.factories import MunicipalityFactory, user_in
from trygg.audit.models import AuditEvent
from trygg.audit.selectors import audit_verify_chain
from trygg.audit.services import GENESIS_HASH, audit_record

pytestmark = pytest.mark.django_db


@pytest.fixture
def chain():
    actor = user_in(MunicipalityFactory(code="2281"))
    return [
        audit_record(
            actor=actor,
            action="export",
            object_type="areas",
            summary=f"event {i}",
            details={"rows": i},
        )
        for i in range(5)
    ]


def raw(sql, params=()):
    """Change the table behind the application's back, as an intruder with database access would."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "ALTER TABLE audit_auditevent DISABLE TRIGGER audit_auditevent_append_only"
            )
        cursor.execute(sql, params)
        if connection.vendor == "postgresql":
            cursor.execute(
                "ALTER TABLE audit_auditevent ENABLE TRIGGER audit_auditevent_append_only"
            )


def test_events_link_into_a_chain(chain):
    assert chain[0].previous_hash == GENESIS_HASH
    assert all(b.previous_hash == a.entry_hash for a, b in itertools.pairwise(chain))
    report = audit_verify_chain()
    assert report.intact and report.checked == 5


def test_actor_details_are_copied(chain):
    event = chain[0]
    assert event.actor_username.startswith("user")
    assert event.actor_role == "safety_coordinator"
    assert event.actor_organisation.startswith("Organisation")


def test_editing_an_entry_is_detected(chain):
    raw("UPDATE audit_auditevent SET summary = %s WHERE id = %s", ["nothing happened", chain[2].id])
    report = audit_verify_chain()
    assert report.first_broken_id == chain[2].id
    assert "content" in report.reason


def test_deleting_an_entry_is_detected(chain):
    raw("DELETE FROM audit_auditevent WHERE id = %s", [chain[1].id])
    assert audit_verify_chain().first_broken_id == chain[2].id


def test_reordering_entries_is_detected(chain):
    # Swap the content of two rows, keeping their hashes in place.
    a, b = chain[1], chain[3]
    raw(
        "UPDATE audit_auditevent SET summary = %s, details = %s WHERE id = %s",
        [b.summary, '{"rows": 3}', a.id],
    )
    raw(
        "UPDATE audit_auditevent SET summary = %s, details = %s WHERE id = %s",
        [a.summary, '{"rows": 1}', b.id],
    )
    assert audit_verify_chain().first_broken_id == a.id


def test_the_application_cannot_change_or_delete_entries(chain):
    event = chain[0]
    event.summary = "changed"
    with pytest.raises(PermissionError):
        event.save()
    with pytest.raises(PermissionError):
        event.delete()
    with pytest.raises(PermissionError):
        AuditEvent.objects.filter(pk=event.pk).update(summary="x")
    with pytest.raises(PermissionError):
        AuditEvent.objects.all().delete()


@pytest.mark.postgres
def test_postgresql_refuses_update_and_delete(chain):
    from django.db import DatabaseError

    for sql in ("UPDATE audit_auditevent SET summary = 'x'", "DELETE FROM audit_auditevent"):
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(sql)


def test_verify_command_reports_intact_and_broken(chain):
    from click.testing import CliRunner

    from trygg.cli import main

    ok = CliRunner().invoke(main, ["audit", "verify"])
    assert ok.exit_code == 0 and "intact (5 entries checked)" in ok.output
    raw("UPDATE audit_auditevent SET details = %s WHERE id = %s", ['{"rows": 99}', chain[4].id])
    broken = CliRunner().invoke(main, ["audit", "verify"])
    assert broken.exit_code == 1
    assert f"broken at entry {chain[4].id}" in broken.output


@pytest.mark.django_db
def test_an_unreadable_id_with_a_nul_byte_is_logged_not_refused():
    """A malformed id from a request reaches the access log as it came; PostgreSQL's text
    columns refuse NUL, so the entry keeps a stand-in and the request gets its 404."""
    from trygg.audit.services import audit_record

    event = audit_record(actor=None, action="read", object_id="abc\x00def", summary="x\x00y")
    event.refresh_from_db()
    assert event.object_id == "abc\ufffddef" and event.summary == "x\ufffdy"
