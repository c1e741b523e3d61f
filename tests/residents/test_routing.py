"""Approved reports go to the department responsible; its e-mailed link sets the status of
that one report (signed, expiring, single-purpose); the status reaches the receipt and the
public map; a resident who gave an address hears of it, and the address goes when the
report closes."""

from __future__ import annotations

import re

import pytest
from django.core import mail, signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from tests.factories import (
    AreaFactory,
    MunicipalityFactory,
    ResidentReportFactory,
    sign_in_with_second_factor,
    user_in,
)
from trygg.accounts.roles import Role
from trygg.audit.models import AuditEvent
from trygg.residents.models import (
    Department,
    ReportDispatch,
    ReportStatus,
    ReportSubscription,
    RoutingRule,
)
from trygg.residents.services import (
    department_save,
    departments_for,
    dispatch_for_token,
    report_subscribe,
    resident_report_action_taken,
    resident_report_approve,
    resident_report_department_status,
    resident_report_reject,
    routing_rule_create,
    status_token,
)


@pytest.fixture
def admin(place):
    return user_in(place["municipality"], role=Role.ADMINISTRATOR)


@pytest.fixture
def routing(place, admin):
    """Lighting takes "dark" everywhere; the housing company takes "dark" in Nacksta; parks
    take "overgrown"."""
    m = place["municipality"]
    lighting = department_save(
        actor=admin, municipality=m, name="Gatubelysning", email="ljus@example.org"
    )
    housing = department_save(
        actor=admin, municipality=m, name="Bostadsbolaget", email="bo@example.org"
    )
    parks = department_save(actor=admin, municipality=m, name="Parker", email="park@example.org")
    routing_rule_create(actor=admin, municipality=m, reason="dark", department=lighting)
    routing_rule_create(
        actor=admin, municipality=m, reason="dark", area=place["area"], department=housing
    )
    routing_rule_create(actor=admin, municipality=m, reason="overgrown", department=parks)
    return {"lighting": lighting, "housing": housing, "parks": parks}


def link_in(message) -> str:
    return re.search(r"https?://\S+/trygghet/status/\S+/", message.body).group(0)


def path_of(link: str) -> str:
    return "/" + link.split("/", 3)[3]


def approve(place, report, **kwargs):
    return resident_report_approve(
        actor=place["coordinator"], report=report, base_url="https://trygg.example", **kwargs
    )


def test_the_area_rule_wins_and_each_reason_finds_its_department(place, routing):
    in_nacksta = ResidentReportFactory(area=place["area"], reasons=["dark", "overgrown"])
    elsewhere = ResidentReportFactory(area=place["other_area"], reasons=["dark"])
    assert departments_for(in_nacksta) == [routing["housing"], routing["parks"]]
    assert departments_for(elsewhere) == [routing["lighting"]]
    routing["parks"].active = False
    routing["parks"].save()
    assert departments_for(in_nacksta) == [routing["housing"]]


def test_approval_mails_each_department_once_with_its_link(place, routing):
    report = ResidentReportFactory(
        area=place["other_area"], reasons=["dark", "overgrown"], text="Lampan är trasig."
    )
    approve(place, report)
    assert sorted(m.to[0] for m in mail.outbox) == ["ljus@example.org", "park@example.org"]
    body = mail.outbox[0].body
    assert link_in(mail.outbox[0]).startswith("https://trygg.example/trygghet/status/")
    # The resident's words stay out of the mail unless the moderator publishes them.
    assert "Lampan är trasig." not in body
    assert ReportDispatch.objects.filter(report=report).count() == 2
    assert AuditEvent.objects.filter(summary__startswith="Sent the report to").count() == 2


def test_a_published_text_reaches_the_department_and_the_public(place, routing):
    report = ResidentReportFactory(area=place["other_area"], text="Lampan är trasig.")
    approve(place, report, text_public=True)
    assert "Lampan är trasig." in mail.outbox[0].body
    report.refresh_from_db()
    assert report.text_public


def test_a_refused_mail_leaves_the_report_unapproved(place, routing, monkeypatch):
    def refuse(self, *args, **kwargs):
        raise OSError("SMTP down")

    monkeypatch.setattr("django.core.mail.EmailMessage.send", refuse)
    report = ResidentReportFactory(area=place["other_area"])
    with pytest.raises(OSError):
        approve(place, report)
    report.refresh_from_db()
    assert report.status == ReportStatus.RECEIVED
    assert not ReportDispatch.objects.exists()


def test_the_link_sets_the_status_of_its_report_only(client, place, routing):
    report = ResidentReportFactory(area=place["other_area"])
    other = ResidentReportFactory(area=place["other_area"])
    approve(place, report)
    approve(place, other)
    link = path_of(link_in(mail.outbox[0]))
    page = client.get(link)
    assert page.status_code == 200
    assert page["X-Robots-Tag"] == "noindex"
    # A report id in the form is ignored: the token names the report.
    response = client.post(
        link,
        {"status": "in_progress", "note": "Beställt ny armatur.", "report": other.public_id},
    )
    assert response.status_code == 302
    report.refresh_from_db()
    other.refresh_from_db()
    assert report.status == ReportStatus.IN_PROGRESS
    assert other.status == ReportStatus.ASSESSED
    # The receipt shows the status and the note.
    receipt = client.get(reverse("trygghet:receipt", args=[report.receipt_token]))
    assert b'data-status="in_progress"' in receipt.content
    assert "Beställt ny armatur." in receipt.content.decode()
    audit = AuditEvent.objects.filter(summary__contains="through its link").get()
    assert audit.actor is None


def test_action_taken_needs_a_note_and_closes_the_report(client, place, routing):
    report = ResidentReportFactory(area=place["other_area"])
    approve(place, report)
    link = path_of(link_in(mail.outbox[0]))
    response = client.post(link, {"status": "action_taken", "note": ""})
    assert response.status_code == 400
    client.post(link, {"status": "action_taken", "note": "Ny lampa uppsatt."})
    report.refresh_from_db()
    assert report.status == ReportStatus.ACTION_TAKEN
    # A closed report's link shows it, and changes nothing more.
    response = client.post(link, {"status": "in_progress", "note": ""})
    report.refresh_from_db()
    assert report.status == ReportStatus.ACTION_TAKEN
    assert b'id="department-closed"' in client.get(link).content


def test_a_note_with_personal_data_is_refused(client, place, routing):
    report = ResidentReportFactory(area=place["other_area"])
    approve(place, report)
    dispatch = ReportDispatch.objects.get(report=report)
    with pytest.raises(ValidationError) as error:
        resident_report_department_status(
            dispatch=dispatch, status="in_progress", note="Ring mig på 070-123 45 67"
        )
    assert "note" in error.value.message_dict
    with pytest.raises(ValidationError):
        resident_report_department_status(dispatch=dispatch, status="assessed")


def test_forged_expired_and_foreign_tokens_open_nothing(client, place, routing, settings):
    report = ResidentReportFactory(area=place["other_area"])
    approve(place, report)
    dispatch = ReportDispatch.objects.get(report=report)
    good = status_token(dispatch)
    assert dispatch_for_token(good) == dispatch
    other = ResidentReportFactory(area=place["other_area"])
    candidates = {
        "tampered": good[:-2] + ("AA" if not good.endswith("AA") else "BB"),
        # The right shape, signed for another purpose (another salt).
        "other purpose": signing.dumps({"d": dispatch.pk, "r": str(report.public_id)}),
        # Correctly signed, but naming a dispatch with another report's id.
        "other report": signing.dumps(
            {"d": dispatch.pk, "r": str(other.public_id)},
            salt="trygg.residents.department-status",
        ),
        "garbage": "x" * 40,
        "too long": "a" * 400,
    }
    for name, token in candidates.items():
        response = client.post(
            reverse("trygghet:department-status", args=[token]),
            {"status": "action_taken", "note": "Klart."},
        )
        assert response.status_code == 404, name
    report.refresh_from_db()
    assert report.status == ReportStatus.ASSESSED
    # Expired: genuine, but older than the setting allows; the page says so.
    settings.TRYGG_RESIDENT_STATUS_LINK_DAYS = 0
    response = client.get(reverse("trygghet:department-status", args=[good]))
    assert response.status_code == 404
    assert b'id="link-expired"' in response.content
    # A deleted dispatch revokes its link.
    settings.TRYGG_RESIDENT_STATUS_LINK_DAYS = 60
    dispatch.delete()
    assert client.get(reverse("trygghet:department-status", args=[good])).status_code == 404


def test_subscribers_hear_of_each_change_and_are_forgotten_on_closing(client, place, routing):
    report = ResidentReportFactory(area=place["other_area"])
    assert report_subscribe(report=report, email="boende@example.org")
    approve(place, report)
    news = [m for m in mail.outbox if m.to == ["boende@example.org"]]
    assert len(news) == 1 and report.receipt_token in news[0].body
    dispatch = ReportDispatch.objects.get(report=report)
    resident_report_department_status(dispatch=dispatch, status="in_progress", note="På gång.")
    resident_report_department_status(dispatch=dispatch, status="action_taken", note="Klart.")
    news = [m for m in mail.outbox if m.to == ["boende@example.org"]]
    assert len(news) == 3 and "Klart." in news[-1].body
    assert not ReportSubscription.objects.filter(report=report).exists()
    # The receipt link keeps working without it.
    assert client.get(reverse("trygghet:receipt", args=[report.receipt_token])).status_code == 200
    # The address went nowhere else: not the audit log, not the report.
    assert not AuditEvent.objects.filter(details__icontains="boende@").exists()


def test_a_rejected_report_forgets_its_subscribers(place):
    report = ResidentReportFactory(area=place["other_area"])
    report_subscribe(report=report, email="boende@example.org")
    report = resident_report_reject(actor=place["coordinator"], report=report, reason="spam")
    assert not ReportSubscription.objects.exists()
    assert len(mail.outbox) == 1
    # Nothing is kept for a closed report.
    assert not report_subscribe(report=report, email="boende@example.org")


def test_the_moderators_action_taken_also_closes(place, routing):
    report = ResidentReportFactory(area=place["other_area"])
    report_subscribe(report=report, email="boende@example.org")
    approve(place, report)
    resident_report_action_taken(
        actor=place["coordinator"], report=report, public_message="Buskarna är klippta."
    )
    assert not ReportSubscription.objects.exists()


def test_only_the_municipalitys_administrator_configures(place, admin, routing):
    other = MunicipalityFactory(code="2262")
    with pytest.raises(PermissionDenied):
        department_save(actor=admin, municipality=other, name="X", email="x@example.org")
    with pytest.raises(PermissionDenied):
        department_save(
            actor=place["coordinator"],
            municipality=place["municipality"],
            name="X",
            email="x@example.org",
        )
    with pytest.raises(ValidationError):
        routing_rule_create(
            actor=admin,
            municipality=place["municipality"],
            reason="dark",
            area=AreaFactory(municipality=other),
            department=routing["lighting"],
        )
    with pytest.raises(ValidationError):
        routing_rule_create(
            actor=admin,
            municipality=place["municipality"],
            reason="no-such-reason",
            department=routing["lighting"],
        )
    with pytest.raises(ValidationError):
        # The municipality-wide rule for "dark" exists already.
        routing_rule_create(
            actor=admin,
            municipality=place["municipality"],
            reason="dark",
            department=routing["parks"],
        )
    assert RoutingRule.objects.count() == 3 and Department.objects.count() == 3


def test_the_admin_pages_keep_the_routing(client, place, admin, routing):
    sign_in_with_second_factor(client, admin)
    page = client.get(reverse("residents:routing", args=[place["municipality"].code]))
    assert page.status_code == 200 and "Gatubelysning" in page.content.decode()
    response = client.post(
        reverse("residents:routing", args=[place["municipality"].code]),
        {"form": "department", "name": "Polisen", "email": "polis@example.org", "active": "on"},
    )
    assert response.status_code == 302
    police = Department.objects.get(name="Polisen")
    response = client.post(
        reverse("residents:routing", args=[place["municipality"].code]),
        {"form": "rule", "reason": "groups_causing_unease", "department": police.pk},
    )
    assert response.status_code == 302
    rule = RoutingRule.objects.get(department=police)
    client.post(reverse("residents:rule-delete", args=[rule.pk]))
    assert not RoutingRule.objects.filter(department=police).exists()
    client.post(reverse("residents:department", args=[police.pk]), {"delete": "1"})
    assert not Department.objects.filter(name="Polisen").exists()
    # Another municipality's department, rule and page are not found.
    foreign = Department.objects.create(
        municipality=MunicipalityFactory(code="2262"), name="Annan", email="a@example.org"
    )
    assert client.get(reverse("residents:department", args=[foreign.pk])).status_code == 404
    assert client.get(reverse("residents:routing", args=["2262"])).status_code == 404
