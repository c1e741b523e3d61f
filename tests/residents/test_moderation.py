"""The coordinator moderates residents' reports; approved ones join the weekly picture."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from tests.factories import (
    AreaFactory,
    MunicipalityFactory,
    ResidentReportFactory,
    user_in,
)
from trygg.accounts.roles import Role
from trygg.analysis.situation import week_of
from trygg.audit.models import AuditEvent
from trygg.residents.models import ReportStatus, ResidentReport
from trygg.residents.services import (
    resident_report_action_taken,
    resident_report_approve,
    resident_report_reject,
)
from trygg.situation.models import Observation
from trygg.situation.selectors import PictureScope, picture_compute


def detail(report):
    return reverse("residents:report", args=[report.public_id])


def receipt(report):
    return reverse("trygghet:receipt", args=[report.receipt_token])


def test_the_queue_lists_received_reports_of_the_coordinators_municipality(client, place):
    mine = ResidentReportFactory(area=place["area"], text="Mörk gångtunnel")
    elsewhere = ResidentReportFactory(text="Någon annanstans")
    client.force_login(place["coordinator"])
    response = client.get(reverse("residents:queue"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Mörk gångtunnel" in body and "Någon annanstans" not in body
    assert client.get(detail(mine)).status_code == 200
    assert client.get(detail(elsewhere)).status_code == 404


@pytest.mark.parametrize("role", [Role.GROUP_MEMBER, Role.ANALYST, Role.MANAGEMENT])
def test_only_moderators_reach_the_queue(client, place, role):
    report = ResidentReportFactory(area=place["area"])
    client.force_login(user_in(place["municipality"], role=role))
    assert client.get(reverse("residents:queue")).status_code == 404
    assert client.get(detail(report)).status_code == 404
    assert client.post(detail(report), {"action": "approve"}).status_code == 404


def test_approving_puts_the_report_in_that_weeks_picture(client, place):
    report = ResidentReportFactory(
        area=place["area"], reasons=["dark", "overgrown"], when="evening"
    )
    client.force_login(place["coordinator"])
    response = client.post(
        detail(report),
        {"action": "approve", "severity": "2", "public_message": "Tack, vi tittar på det."},
    )
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.status == ReportStatus.ASSESSED
    observation = report.observation
    assert observation.source == "residents" and observation.category == "unsafe_place"
    assert observation.severity == 2 and observation.reporter == place["coordinator"]
    assert observation.area == place["area"] and observation.group == place["group"]
    assert observation.source_id == f"resident-report-{report.pk}"
    assert observation.text.startswith("Invånarrapport: ")
    assert "Trasig belysning" in observation.text
    assert observation.lat == report.lat

    week = week_of(observation.observed_at)
    assert week == week_of(observation.created_at)
    for scope in (
        PictureScope(place["municipality"], None),
        PictureScope(place["municipality"], place["group"]),
    ):
        figures = picture_compute(scope, week)
        assert figures["total"] == 1
        assert [r["category"] for r in figures["by_category"] if r["observed"]] == ["unsafe_place"]
        assert figures["rows"][0]["public_id"] == str(observation.public_id)
    page = client.get(
        reverse("situation:week-municipality", args=[place["municipality"].code, str(week)])
    )
    assert page.status_code == 200 and "Invånarrapport" in page.content.decode()

    status = client.get(receipt(report)).content.decode()
    assert 'data-status="assessed"' in status and "Tack, vi tittar på det." in status
    assert AuditEvent.objects.filter(
        object_type="resident_report", summary__startswith="Approved"
    ).exists()


def test_approving_twice_makes_one_observation(place):
    report = ResidentReportFactory(area=place["area"])
    resident_report_approve(actor=place["coordinator"], report=report)
    with pytest.raises(ValidationError):
        resident_report_approve(actor=place["coordinator"], report=report)
    assert Observation.objects.count() == 1


def test_a_report_from_the_area_list_is_approved_without_a_point(place):
    report = ResidentReportFactory(area=place["other_area"], lat=None, lon=None)
    report = resident_report_approve(actor=place["coordinator"], report=report)
    assert report.observation.area == place["other_area"] and report.observation.lat is None
    # No safety group covers that area.
    assert report.observation.group is None


def test_rejecting_with_a_reason(client, place):
    report = ResidentReportFactory(area=place["area"])
    client.force_login(place["coordinator"])
    refused = client.post(detail(report), {"action": "reject", "reject_reason": ""})
    assert refused.status_code == 400
    client.post(detail(report), {"action": "reject", "reject_reason": "personal_data"})
    report.refresh_from_db()
    assert report.status == ReportStatus.REJECTED and report.reject_reason == "personal_data"
    # The text that held personal data is gone; the place is kept.
    assert report.text == "" and report.area == place["area"]
    assert Observation.objects.count() == 0
    page = client.get(receipt(report)).content.decode()
    assert 'data-status="rejected"' in page and "contains personal data" in page


def test_action_taken_after_approval_tells_the_resident(client, place):
    report = ResidentReportFactory(area=place["area"])
    with pytest.raises(ValidationError):
        resident_report_action_taken(
            actor=place["coordinator"], report=report, public_message="Lagat."
        )
    resident_report_approve(actor=place["coordinator"], report=report)
    client.force_login(place["coordinator"])
    empty = client.post(detail(report), {"action": "action_taken", "public_message": ""})
    assert empty.status_code == 400
    client.post(
        detail(report),
        {"action": "action_taken", "public_message": "Belysningen är lagad.", "internal_note": "x"},
    )
    report.refresh_from_db()
    assert report.status == ReportStatus.ACTION_TAKEN and report.internal_note == "x"
    page = client.get(receipt(report)).content.decode()
    assert 'data-status="action_taken"' in page and "Belysningen är lagad." in page
    # The internal note never reaches the resident.
    assert ">x<" not in page


def test_the_public_message_may_not_hold_personal_data(place):
    report = ResidentReportFactory(area=place["area"])
    with pytest.raises(ValidationError):
        resident_report_approve(
            actor=place["coordinator"], report=report, public_message="Ring 070-123 45 67"
        )
    assert ResidentReport.objects.get().status == ReportStatus.RECEIVED


def test_another_municipalitys_coordinator_cannot_moderate(place):
    report = ResidentReportFactory(area=place["area"])
    other = user_in(MunicipalityFactory(code="2262"), role=Role.SAFETY_COORDINATOR)
    AreaFactory(municipality=other.organisation.municipalities.get())
    with pytest.raises(PermissionDenied):
        resident_report_approve(actor=other, report=report)
    with pytest.raises(PermissionDenied):
        resident_report_reject(actor=other, report=report, reason="spam")


def test_the_area_page_shows_approved_reports(client, place):
    approved = ResidentReportFactory(area=place["area"], reasons=["traffic"], agree_count=2)
    resident_report_approve(actor=place["coordinator"], report=approved)
    ResidentReportFactory(area=place["area"], reasons=["deserted"])  # still received
    member = user_in(place["municipality"], role=Role.GROUP_MEMBER)
    client.force_login(member)
    body = client.get(reverse("areas:detail", args=[place["area"].id])).content.decode()
    assert 'id="area-residents"' in body
    assert "1 approved report from residents" in body and "2 more residents agreed" in body
    assert "Traffic" in body and "Deserted" not in body
    # Members see the count, not the moderation links or the resident's words.
    assert f'href="{reverse("residents:queue")}"' not in body and "Trasig belysning" not in body
    client.force_login(place["coordinator"])
    body = client.get(reverse("areas:detail", args=[place["area"].id])).content.decode()
    assert reverse("residents:report", args=[approved.public_id]) in body
