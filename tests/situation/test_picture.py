"""The weekly picture: counts against the usual level, frozen publication, exports, digest."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone

from tests.factories import (
    AreaFactory,
    MunicipalityFactory,
    ObservationFactory,
    OrganisationFactory,
    SafetyGroupFactory,
    UserFactory,
    user_in,
)
from trygg.accounts.models import OrganisationKind, SafetyGroupMembership
from trygg.accounts.roles import Role
from trygg.analysis.situation import IsoWeek, week_of
from trygg.audit.models import AuditEvent
from trygg.crime.models import ReportedCrime
from trygg.situation.models import WeeklyPicture
from trygg.situation.selectors import PictureScope, picture_compute, quarter_view
from trygg.situation.services import weekly_picture_publish, weekly_picture_save

pytestmark = pytest.mark.django_db

WEEK = IsoWeek(2026, 10)


@pytest.fixture
def setup():
    m = MunicipalityFactory()
    calm, hot = AreaFactory(municipality=m), AreaFactory(municipality=m)
    group = SafetyGroupFactory(municipality=m)
    group.areas.add(calm, hot)
    police = OrganisationFactory(municipalities=[m], kind=OrganisationKind.POLICE)
    member = user_in(m, role=Role.GROUP_MEMBER, email="member@example.org")
    cop = UserFactory(organisation=police, role=Role.GROUP_MEMBER, email="cop@example.org")
    for user in (member, cop):
        SafetyGroupMembership.objects.create(group=group, user=user)
    start = WEEK.bounds()[0]
    # Ten usual weeks: one disorder report a week in each area, Tuesday 20:00 Swedish time.
    for k in range(1, 11):
        for area in (calm, hot):
            ObservationFactory(
                area=area,
                reporter=member,
                group=group,
                observed_at=start - timedelta(weeks=k, hours=-43),
            )
    # This week: the usual one in "calm", a planted cluster of nine on Friday evening in "hot".
    ObservationFactory(area=calm, reporter=member, observed_at=start + timedelta(hours=43))
    for i in range(9):
        ObservationFactory(
            area=hot,
            reporter=cop,
            observed_at=start + timedelta(days=4, hours=20, minutes=i),
            restricted=i == 0,
            text="Hemlig polisuppgift" if i == 0 else "Samling vid centrum",
        )
    ReportedCrime.objects.create(
        municipality=m,
        source="x",
        source_id="1",
        occurred_at=start + timedelta(hours=5),
        category="public_order",
        area=hot,
    )
    return {"m": m, "calm": calm, "hot": hot, "group": group, "member": member, "cop": cop}


def test_figures_flag_the_planted_rise_only(setup):
    figures = picture_compute(PictureScope(setup["m"], setup["group"]), WEEK)
    assert figures["total"] == 10 and figures["usual_total"] == 2.0
    by_area = {r["area_id"]: r for r in figures["by_area"]}
    assert by_area[setup["hot"].id]["rise"] and not by_area[setup["calm"].id]["rise"]
    assert [(c["category"], c["area_id"]) for c in figures["changes"]] == [
        ("disorder", setup["hot"].id)
    ]
    # Friday (4) 18–21 Swedish time holds the cluster (Monday 00:00 + 4 days 20 hours).
    assert figures["grid"][4][6] == 9 and figures["grid"][1][6] == 1
    assert figures["crimes"]["total"] == 1


def test_members_see_counts_but_not_restricted_text(client, setup):
    client.force_login(setup["member"])
    url = f"/situation/groups/{setup['group'].id}/{WEEK}/"
    page = client.get(url).content.decode()
    assert "Samling vid centrum" in page and "Hemlig polisuppgift" not in page
    assert "<dd>10</dd>" in page  # the restricted report is still counted
    client.force_login(setup["cop"])
    assert "Hemlig polisuppgift" in client.get(url).content.decode()
    other = SafetyGroupFactory(municipality=setup["m"])
    client.force_login(setup["member"])
    assert client.get(f"/situation/groups/{other.id}/{WEEK}/").status_code == 404
    assert client.get(f"/situation/municipality/{setup['m'].code}/{WEEK}/").status_code == 404


def test_published_picture_is_frozen(client, setup):
    analyst = user_in(setup["m"], role=Role.ANALYST)
    scope = PictureScope(setup["m"], setup["group"])
    weekly_picture_save(
        actor=analyst,
        scope=scope,
        week=WEEK,
        assessment="Öppen handel vid centrum",
        decided_actions="Polisen patrullerar fredag kväll",
    )
    picture = weekly_picture_publish(actor=analyst, scope=scope, week=WEEK)
    assert picture.snapshot["total"] == 10
    # Later edits: a new report in the week and a changed one.
    ObservationFactory(area=setup["hot"], observed_at=WEEK.bounds()[0] + timedelta(hours=30))
    client.force_login(analyst)
    page = client.get(f"/situation/groups/{setup['group'].id}/{WEEK}/").content.decode()
    assert "<dd>10</dd>" in page and "Publicerad" in page
    with pytest.raises(ValidationError, match="publicerad"):
        weekly_picture_save(
            actor=analyst, scope=scope, week=WEEK, assessment="x", decided_actions=""
        )
    # A draft of the next week is live.
    live = client.get(f"/situation/groups/{setup['group'].id}/{WEEK.shifted(1)}/")
    assert live.status_code == 200 and "Utkast" in live.content.decode()
    # The badge and the words after it are kept apart, as on a published picture.
    assert "Utkast</span> · siffrorna uppdateras löpande" in live.content.decode()


def test_assessment_publish_and_digest_through_the_page(client, setup):
    coordinator = user_in(setup["m"], role=Role.SAFETY_COORDINATOR)
    client.force_login(coordinator)
    url = f"/situation/groups/{setup['group'].id}/{WEEK}/"
    client.post(url, {"action": "save", "assessment": "Lugnt", "decided_actions": "Inga"})
    assert WeeklyPicture.objects.get().assessment == "Lugnt"
    client.post(url, {"action": "publish"})
    assert WeeklyPicture.objects.get().is_published
    client.post(url, {"action": "digest"})
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert set(message.bcc) == {"member@example.org", "cop@example.org"}
    assert "Lugnt" in message.body and "Hemlig" not in message.body
    # A member cannot publish or write.
    client.force_login(setup["member"])
    assert client.post(url, {"action": "publish"}).status_code == 404


def test_exports_are_logged_and_scoped(client, setup):
    client.force_login(setup["member"])
    url = f"/situation/groups/{setup['group'].id}/{WEEK}/"
    csv = client.get(url + "?export=csv")
    assert csv.status_code == 200 and csv["Content-Type"].startswith("text/csv")
    assert "area," in csv.content.decode() and "Hemlig" not in csv.content.decode()
    pdf = client.get(url + "?export=pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert AuditEvent.objects.filter(action="export").count() == 2


def test_quarter_view_ranks_the_areas(setup):
    rows = quarter_view(PictureScope(setup["m"], setup["group"]), year=2026, quarter=1)
    assert {r["area_id"] for r in rows} == {setup["calm"].id, setup["hot"].id}
    top = min(rows, key=lambda r: r["need_rank"])
    assert top["area_id"] == setup["hot"].id


# ------------------------------------------------------- the PDF's map, the municipal digest


def test_the_static_map_shades_areas_and_escapes_names():
    from tests.factories import square
    from trygg.situation.static_map import picture_map_svg

    areas = [
        {"geometry": square(17.0, 62.0), "name": "Lugnt", "count": 0, "rise": False},
        {"geometry": square(17.01, 62.0), "name": "<Torget & co>", "count": 7, "rise": True,
         "label_at": (17.015, 62.005)},
    ]  # fmt: skip
    points = [{"lat": 62.005, "lon": 17.015, "severity": 3}, {"lat": None, "lon": None}]
    svg = picture_map_svg(areas, points, title="Karta")
    assert svg.startswith("<svg") and svg.endswith("</svg>")
    assert svg.count("<path") == 2 and svg.count("<circle") == 1
    assert 'fill="#f1f4f6"' in svg and 'fill="#d9534f"' in svg  # 0 and 6+
    assert 'stroke="#9b1c1c"' in svg  # the real rise
    assert "&lt;Torget &amp; co&gt;: 7" in svg and "<Torget" not in svg
    assert ">7</text>" in svg
    # Every coordinate lies inside the drawing.
    import re

    numbers = [float(n) for n in re.findall(r"(\d+\.\d),(\d+\.\d)", svg) for n in n]
    assert numbers and all(0 <= n <= 680 for n in numbers)
    assert picture_map_svg([], [], title="Tom").count("<path") == 0


def test_the_pdf_map_plots_only_the_points_the_reader_may_see(client, setup, monkeypatch):
    from trygg.situation import exports

    drawn = {}
    original = exports.picture_map_svg

    def spy(areas, points, **kwargs):
        drawn["areas"], drawn["points"] = areas, points
        return original(areas, points, **kwargs)

    monkeypatch.setattr(exports, "picture_map_svg", spy)
    url = f"/situation/groups/{setup['group'].id}/{WEEK}/?export=pdf"
    client.force_login(setup["member"])
    assert client.get(url).content.startswith(b"%PDF")
    assert len(drawn["points"]) == 9  # the police-only report is not plotted
    counts = {a["name"]: a["count"] for a in drawn["areas"]}
    assert counts == {setup["hot"].name: 9, setup["calm"].name: 1}  # counts include it
    client.force_login(setup["cop"])
    client.get(url)
    assert len(drawn["points"]) == 10


def test_the_municipal_digest_goes_to_those_who_steer_without_report_texts(client, setup):
    m = setup["m"]
    coordinator = user_in(m, role=Role.SAFETY_COORDINATOR, email="samordnare@example.org")
    user_in(m, role=Role.MANAGEMENT, email="ledning@example.org")
    user_in(m, role=Role.ANALYST, email="analytiker@example.org")
    user_in(m, role=Role.CASE_WORKER, email="soc@example.org")
    user_in(MunicipalityFactory(), role=Role.MANAGEMENT, email="annan@example.org")
    group_scope = PictureScope(m, setup["group"])
    weekly_picture_save(
        actor=coordinator,
        scope=group_scope,
        week=WEEK,
        assessment="",
        decided_actions="Polisen patrullerar fredag kväll",
    )
    client.force_login(coordinator)
    url = f"/situation/municipality/{m.code}/{WEEK}/"
    assert client.post(url, {"action": "municipal_digest"}).status_code == 302
    assert mail.outbox == []  # not before publication
    client.post(url, {"action": "publish"})
    page = client.get(url).content.decode()
    assert 'value="municipal_digest"' in page
    client.post(url, {"action": "municipal_digest"})
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert set(message.bcc) == {
        "samordnare@example.org",
        "ledning@example.org",
        "analytiker@example.org",
    }
    body = message.body
    assert setup["group"].name in body and "Polisen patrullerar fredag kväll" in body
    assert "Hemlig" not in body and "Samling vid centrum" not in body
    assert "10" in body
    assert AuditEvent.objects.filter(summary__startswith="Sent the municipal digest").exists()
    # A group's picture has no municipal digest.
    group_url = f"/situation/groups/{setup['group'].id}/{WEEK}/"
    client.post(group_url, {"action": "publish"})
    assert 'value="municipal_digest"' not in client.get(group_url).content.decode()
    client.post(group_url, {"action": "municipal_digest"})
    assert len(mail.outbox) == 1
    # A member cannot send it.
    client.force_login(setup["member"])
    assert client.post(url, {"action": "municipal_digest"}).status_code == 404


def test_publishing_in_one_step_keeps_the_meeting_record(client, setup):
    """Type the assessment and the decided actions, press "Publicera och lås" without saving
    first: the frozen picture, its PDF and its e-mail carry both texts (they were once lost)."""
    import io

    from pypdf import PdfReader

    coordinator = user_in(setup["m"], role=Role.SAFETY_COORDINATOR)
    client.force_login(coordinator)
    url = f"/situation/groups/{setup['group'].id}/{WEEK}/"
    answer = client.post(
        url,
        {
            "action": "publish",
            "assessment": "Öppen handel vid torget på kvällarna",
            "decided_actions": "Fältassistenter och polis på torget fredag 19–23",
        },
    )
    assert answer.status_code == 302
    picture = WeeklyPicture.objects.get()
    assert picture.is_published
    assert picture.assessment == "Öppen handel vid torget på kvällarna"
    assert picture.decided_actions == "Fältassistenter och polis på torget fredag 19–23"
    page = client.get(url).content.decode()
    assert "Öppen handel vid torget på kvällarna" in page
    assert "Fältassistenter och polis på torget fredag 19–23" in page
    pdf = client.get(url + "?export=pdf").content
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    assert "Öppen handel vid torget" in " ".join(text.split())
    assert "fredag 19–23" in " ".join(text.split())
    client.post(url, {"action": "digest"})
    assert "Öppen handel vid torget på kvällarna" in mail.outbox[-1].body
    assert "fredag 19–23" in mail.outbox[-1].body


def test_publishing_refuses_a_personal_number_in_the_record_and_freezes_nothing(client, setup):
    coordinator = user_in(setup["m"], role=Role.SAFETY_COORDINATOR)
    client.force_login(coordinator)
    url = f"/situation/groups/{setup['group'].id}/{WEEK}/"
    client.post(url, {"action": "save", "assessment": "Sparad text", "decided_actions": ""})
    client.post(
        url,
        {"action": "publish", "assessment": "Gäller 19121212-1212", "decided_actions": ""},
    )
    picture = WeeklyPicture.objects.get()
    assert not picture.is_published
    assert picture.assessment == "Sparad text"


def test_a_week_under_way_says_so_and_names_the_areas_that_rise(client, setup):
    """The live picture of the current week says it is compared pro rata; the "areas with a
    real rise" card names the areas instead of only counting them."""
    coordinator = user_in(setup["m"], role=Role.SAFETY_COORDINATOR)
    client.force_login(coordinator)
    current = week_of(timezone.now())
    page = client.get(f"/situation/groups/{setup['group'].id}/{current}/").content.decode()
    if timezone.now() < current.bounds()[1] - timedelta(hours=1):
        assert "Veckan pågår" in page
    page = client.get(f"/situation/groups/{setup['group'].id}/{WEEK}/").content.decode()
    assert "Veckan pågår" not in page  # a past week is whole
    figures = picture_compute(PictureScope(setup["m"], setup["group"]), WEEK)
    assert figures["elapsed"] == 1.0
    assert figures["rise_areas"] == [setup["hot"].name]
    assert f'<dd class="small">{setup["hot"].name}</dd>' in page


def test_the_quarter_page_explains_why_one_report_does_not_come_first(client, setup):
    client.force_login(user_in(setup["m"], role=Role.SAFETY_COORDINATOR))
    page = client.get(f"/situation/groups/{setup['group'].id}/quarter/?q=2026-Q1")
    assert page.status_code == 200
    assert "som om varje område hade 5 observationer till" in page.content.decode()
