"""The public map of approved reports: coarsened positions, no resident's words unless
published, filters that shrug off bad values, a CSV safe for spreadsheets; the nearby
reports offered on the form, and a confirmation that adds to one of them."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.core import mail
from django.urls import reverse

from tests.factories import AreaFactory, MunicipalityFactory, ResidentReportFactory
from tests.residents.conftest import filled_long_ago
from trygg.residents.coarse import snap_to_grid
from trygg.residents.models import ReportStatus, ReportSubscription, ResidentReport
from trygg.residents.services import resident_report_approve


@pytest.fixture
def shown(place):
    """An approved report with a published text, one with a private text, one received."""
    published = ResidentReportFactory(
        area=place["area"], lat=place["lat"], lon=place["lon"], text="Trappan är mörk."
    )
    resident_report_approve(actor=place["coordinator"], report=published, text_public=True)
    private = ResidentReportFactory(
        area=place["other_area"], reasons=["overgrown"], text="Hemlig beskrivning."
    )
    resident_report_approve(actor=place["coordinator"], report=private)
    waiting = ResidentReportFactory(area=place["area"], reasons=["traffic"], text="Ej granskad.")
    return {"published": published, "private": private, "waiting": waiting}


def points_of(response) -> list[dict]:
    body = response.content.decode()
    marker = 'id="public-points" type="application/json">'
    start = body.index(marker) + len(marker)
    return json.loads(body[start : body.index("</script>", start)])


def test_the_map_shows_approved_reports_coarsened_and_words_only_when_published(
    client, place, shown
):
    response = client.get(reverse("trygghet:map", args=[place["municipality"].code]))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Trappan är mörk." in body
    assert "Hemlig beskrivning." not in body and "Ej granskad." not in body
    points = points_of(response)
    assert len(points) == 2
    exact = (shown["published"].lat, shown["published"].lon)
    grid = snap_to_grid(*exact, 250)
    assert any(abs(p["lat"] - grid[0]) < 1e-6 and abs(p["lon"] - grid[1]) < 1e-6 for p in points)
    # The marked point itself is nowhere in the page, at any precision shown.
    assert f"{exact[0]:.4f}" not in body and f"{exact[1]:.4f}" not in body
    # The accessible list holds the same reports.
    assert body.count('class="card public-report"') == 2


def test_the_filters_narrow_and_bad_values_are_ignored(client, place, shown):
    url = reverse("trygghet:map", args=[place["municipality"].code])
    assert len(points_of(client.get(url, {"reason": "overgrown"}))) == 1
    assert len(points_of(client.get(url, {"area": place["area"].pk}))) == 1
    assert len(points_of(client.get(url, {"status": "done"}))) == 0
    assert len(points_of(client.get(url, {"status": "open"}))) == 2
    foreign_area = AreaFactory(municipality=MunicipalityFactory(code="2262"))
    for query in (
        {"reason": "<script>"},
        {"area": "1 OR 1=1"},
        {"area": foreign_area.pk},
        {"area": "99999999999999999999999"},
        {"status": "rejected"},
        {"reason": "", "area": "", "page": "-1"},
        {"area": "\x00"},
    ):
        response = client.get(url, query)
        assert response.status_code == 200, query
        assert len(points_of(response)) == 2, query
    # Another municipality's reports never show on this map.
    ResidentReportFactory(area=foreign_area, status=ReportStatus.ASSESSED)
    assert len(points_of(client.get(url))) == 2
    assert client.get(reverse("trygghet:map", args=["0000"])).status_code == 404


def test_the_csv_neutralises_formulas(client, place):
    report = ResidentReportFactory(area=place["area"], text='=HYPERLINK("http://x")')
    resident_report_approve(actor=place["coordinator"], report=report, text_public=True)
    response = client.get(reverse("trygghet:map-csv", args=[place["municipality"].code]))
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][0] == "month"
    text = rows[1][rows[0].index("text")]
    assert not text.startswith("=") and "HYPERLINK" in text


def nearby(client, place, **query):
    params = {"lat": place["lat"], "lon": place["lon"], "reasons": ["dark"]} | query
    return client.get(reverse("trygghet:nearby", args=[place["municipality"].code]), params)


def test_nearby_offers_open_approved_reports_of_the_same_kind(client, place, shown):
    response = nearby(client, place)
    assert response.status_code == 200
    found = response.json()["reports"]
    assert [r["id"] for r in found] == [str(shown["published"].public_id)]
    # Only what the public map shows: a coarsened point, no receipt, no private words.
    row = found[0]
    assert set(row) >= {"lat", "lon", "reasons", "status", "month", "agree"}
    assert "receipt_token" not in json.dumps(found)
    assert (row["lat"], row["lon"]) != (shown["published"].lat, shown["published"].lon)
    # Another reason, a received report, or far away: nothing.
    assert nearby(client, place, reasons=["traffic"]).json()["reports"] == []
    assert nearby(client, place, lat=place["lat"] + 0.05).json()["reports"] == []
    # A report dealt with is no longer offered.
    ResidentReport.objects.filter(pk=shown["published"].pk).update(status=ReportStatus.ACTION_TAKEN)
    assert nearby(client, place).json()["reports"] == []


@pytest.mark.parametrize(
    "query",
    [
        {"lat": "abc"},
        {"lat": "nan"},
        {"lon": "1e999"},
        {"lat": "91"},
        {"reasons": ["no-such"]},
        {"reasons": []},
    ],
)
def test_nearby_refuses_malformed_values(client, place, query):
    response = nearby(client, place, **query)
    assert response.status_code == 400
    assert response.json()["reports"] == []


def test_confirming_a_nearby_report_adds_to_it(client, place, shown, form_data):
    target = shown["published"]
    response = client.post(
        reverse("trygghet:report", args=[place["municipality"].code]),
        form_data(same_as=str(target.public_id), email="boende@example.org"),
        REMOTE_ADDR="10.1.2.3",
    )
    assert response.status_code == 302
    assert "merged=1" in response.url and "news=1" in response.url
    target.refresh_from_db()
    assert target.agree_count == 1
    assert ResidentReport.objects.count() == 3
    # The address is kept apart, for that report only.
    assert ReportSubscription.objects.get().report == target
    receipt = client.get(response.url)
    assert b'id="subscribed"' in receipt.content
    assert b"boende@example.org" not in receipt.content


@pytest.mark.parametrize("which", ["foreign", "received", "other_reason", "far", "closed", "junk"])
def test_a_confirmation_only_joins_a_fitting_report(client, place, shown, form_data, which):
    target = shown["published"]
    data = {"same_as": str(target.public_id)}
    if which == "foreign":
        other = MunicipalityFactory(code="2262")
        foreign = ResidentReportFactory(area=AreaFactory(municipality=other))
        ResidentReport.objects.filter(pk=foreign.pk).update(status=ReportStatus.ASSESSED)
        data["same_as"] = str(foreign.public_id)
    elif which == "received":
        data["same_as"] = str(shown["waiting"].public_id)
        data["reasons"] = ["traffic"]
    elif which == "other_reason":
        data["reasons"] = ["traffic"]
    elif which == "far":
        data["lat"] = f"{place['lat'] + 0.03:.6f}"
    elif which == "closed":
        ResidentReport.objects.filter(pk=target.pk).update(status=ReportStatus.ACTION_TAKEN)
    else:
        data["same_as"] = "not-a-uuid"
    before = ResidentReport.objects.count()
    response = client.post(
        reverse("trygghet:report", args=[place["municipality"].code]),
        form_data(**data),
        REMOTE_ADDR="10.1.2.3",
    )
    assert response.status_code == 400
    target.refresh_from_db()
    assert target.agree_count == 0
    assert ResidentReport.objects.count() == before


def test_confirmations_are_rate_limited(client, place, shown, settings):
    settings.TRYGG_RESIDENT_RATE_PER_HOUR = 2
    settings.TRYGG_RESIDENT_CHALLENGE_AFTER = 99
    target = shown["published"]
    url = reverse("trygghet:report", args=[place["municipality"].code])
    answers = []
    for _ in range(3):
        answers.append(
            client.post(
                url,
                {
                    "reasons": ["dark"],
                    "lat": f"{place['lat']:.6f}",
                    "lon": f"{place['lon']:.6f}",
                    "same_as": str(target.public_id),
                    "started": filled_long_ago(client),
                },
                REMOTE_ADDR="10.9.9.9",
            ).status_code
        )
    assert answers == [302, 302, 429]
    target.refresh_from_db()
    assert target.agree_count == 2


def test_the_receipt_follows_the_departments_status(client, place, shown):
    assert len(mail.outbox) == 0  # no routing rules: nobody to send to
    response = client.get(reverse("trygghet:receipt", args=[shown["published"].receipt_token]))
    assert b"receipt-map-link" in response.content
