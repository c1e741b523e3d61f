"""From the picture to the operation and out to residents: linking weekly pictures to an
operation, planning an operation from the quarterly view, and one public promise page per
municipality."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.factories import (
    AreaFactory,
    CitizenPromiseFactory,
    MunicipalityFactory,
    ObservationFactory,
    OperationFactory,
    SafetyGroupFactory,
    user_in,
)
from trygg.accounts.roles import Role
from trygg.analysis.situation import LOCAL
from trygg.audit.models import AuditEvent
from trygg.situation.models import WeeklyPicture
from trygg.situation.selectors import planning_period

pytestmark = pytest.mark.django_db


@pytest.fixture
def m():
    return MunicipalityFactory(name="Sundsvall")


def _picture(municipality, group, year, week, **kwargs):
    return WeeklyPicture.objects.create(
        municipality=municipality, group=group, iso_year=year, iso_week=week, **kwargs
    )


# ------------------------------------------------------------------ linking weekly pictures


def test_a_planner_links_the_pictures_around_the_operation(client, m):
    group = SafetyGroupFactory(municipality=m, name="Nacksta")
    operation = OperationFactory(
        municipality=m, starts_on=date(2026, 3, 2), ends_on=date(2026, 4, 26)
    )
    before = _picture(m, group, 2026, 8, status="published")  # led to the operation
    follow_up = _picture(m, None, 2026, 19)  # two weeks after it ended
    _picture(m, group, 2025, 40)  # too early to be offered
    elsewhere = _picture(MunicipalityFactory(), None, 2026, 10)
    coordinator = user_in(m, role=Role.SAFETY_COORDINATOR)
    client.force_login(coordinator)
    url = f"/operations/{operation.pk}/"

    response = client.get(url)
    page = response.content.decode()
    assert "Nacksta" in page and "publicerad" in page
    offered = set(response.context["picture_form"].fields["weekly_pictures"].queryset)
    assert offered == {before, follow_up}  # not too early, not another municipality's
    assert f'name="weekly_pictures" value="{before.pk}"' in page

    response = client.post(url, {"form": "pictures", "weekly_pictures": [before.pk, follow_up.pk]})
    assert response.status_code == 302
    assert set(operation.weekly_pictures.all()) == {before, follow_up}
    assert AuditEvent.objects.filter(object_type="operation", action="update").exists()
    page = client.get(url).content.decode()
    assert f"/situation/groups/{group.pk}/2026-W08/" in page  # shown as a link to the week

    # Another municipality's picture cannot be slipped in.
    response = client.post(url, {"form": "pictures", "weekly_pictures": [elsewhere.pk]})
    assert (
        response.status_code == 200 and "weekly_pictures" in response.context["picture_form"].errors
    )
    assert set(operation.weekly_pictures.all()) == {before, follow_up}

    # Unticking everything removes the links.
    assert client.post(url, {"form": "pictures"}).status_code == 302
    assert not operation.weekly_pictures.exists()


def test_only_planners_see_and_use_the_link_form(client, m):
    operation = OperationFactory(municipality=m)
    picture = _picture(m, None, 2026, 2)
    for role in (Role.GROUP_MEMBER, Role.MANAGEMENT):
        client.force_login(user_in(m, role=role))
        page = client.get(f"/operations/{operation.pk}/").content.decode()
        assert 'name="form" value="pictures"' not in page
        response = client.post(
            f"/operations/{operation.pk}/", {"form": "pictures", "weekly_pictures": [picture.pk]}
        )
        assert response.status_code == 404
    assert not operation.weekly_pictures.exists()


# ------------------------------------------------------------ planning from the quarter


def test_the_quarter_links_to_a_prefilled_operation(client, m):
    hot, calm = AreaFactory(municipality=m, name="Centrum"), AreaFactory(municipality=m)
    group = SafetyGroupFactory(municipality=m)
    group.areas.add(hot, calm)
    for day in range(6):
        moment = datetime.combine(date(2026, 2, 6) + timedelta(weeks=day), time(21), tzinfo=LOCAL)
        ObservationFactory(area=hot, observed_at=moment, category="open_drug_dealing")
    ObservationFactory(
        area=calm,
        observed_at=datetime.combine(date(2026, 2, 10), time(14), tzinfo=LOCAL),
        category="vandalism",
    )
    coordinator = user_in(m, role=Role.SAFETY_COORDINATOR)
    client.force_login(coordinator)
    response = client.get(f"/situation/groups/{group.pk}/quarter/?q=2026-Q1")
    page = response.content.decode()
    # Each area in the top list and in the table, and one button for the top areas together.
    assert page.count("/operations/new/?") == 5
    rows = {r["area_id"]: r for r in response.context["rows"]}
    link = urlsplit(rows[hot.pk]["plan_url"])
    query = parse_qs(link.query)
    assert link.path == "/operations/new/"
    assert query["areas"] == [str(hot.pk)] and query["categories"] == ["open_drug_dealing"]
    assert query["municipality"] == [str(m.pk)]
    start, end = planning_period(2026, 1)
    assert query["starts_on"] == [start.isoformat()] and query["ends_on"] == [end.isoformat()]

    form = client.get(rows[hot.pk]["plan_url"]).context["form"]
    assert form.initial["areas"] == [hot]
    assert form.initial["categories"] == ["open_drug_dealing"]
    assert form.initial["starts_on"] == start and form.initial["municipality"] == m.pk
    html = client.get(rows[hot.pk]["plan_url"]).content.decode()
    assert re.search(rf'<input[^>]*name="areas" value="{hot.pk}"[^>]*checked', html)
    assert not re.search(rf'<input[^>]*name="areas" value="{calm.pk}"[^>]*checked', html)

    # Management reads the quarter but does not plan operations: no link.
    client.force_login(user_in(m, role=Role.MANAGEMENT))
    page = client.get(f"/situation/groups/{group.pk}/quarter/?q=2026-Q1").content.decode()
    assert "/operations/new/" not in page


def test_a_prefilled_form_ignores_what_the_user_may_not_choose(client, m):
    own = AreaFactory(municipality=m)
    foreign_municipality = MunicipalityFactory()
    foreign = AreaFactory(municipality=foreign_municipality)
    client.force_login(user_in(m, role=Role.ANALYST))
    response = client.get(
        "/operations/new/",
        {
            "municipality": foreign_municipality.pk,
            "areas": [own.pk, foreign.pk, "x"],
            "categories": ["vandalism", "nonsense"],
            "starts_on": "2026-02-30",
            "ends_on": "2026-06-28",
        },
    )
    initial = response.context["form"].initial
    assert "municipality" not in initial and initial["areas"] == [own]
    assert initial["categories"] == ["vandalism"]
    assert "starts_on" not in initial and initial["ends_on"] == date(2026, 6, 28)


def test_the_planning_period_is_the_next_quarter_from_next_monday():
    # Viewing Q1 in mid-February: the whole second quarter.
    assert planning_period(2026, 1, today=date(2026, 2, 11)) == (
        date(2026, 4, 1),
        date(2026, 6, 30),
    )
    # Viewing the current quarter in May: from next Monday to the end of Q3.
    assert planning_period(2026, 2, today=date(2026, 5, 13)) == (
        date(2026, 7, 1),
        date(2026, 9, 30),
    )
    # Viewing last year's Q2: 13 weeks from next Monday.
    assert planning_period(2025, 2, today=date(2026, 5, 13)) == (
        date(2026, 5, 18),
        date(2026, 8, 16),
    )
    # Next quarter already begun: from next Monday to its end.
    assert planning_period(2026, 1, today=date(2026, 4, 8)) == (
        date(2026, 4, 13),
        date(2026, 6, 30),
    )


# ------------------------------------------------------------- public promise pages


def test_every_municipality_has_its_own_promise_page(client, m):
    other = MunicipalityFactory(name="Timrå")
    ours = CitizenPromiseFactory(municipality=m, title="Tryggare torg")
    theirs = CitizenPromiseFactory(municipality=other, title="Ljusare gångvägar")
    CitizenPromiseFactory(municipality=m, title="Utkast", is_public=False)

    overview = client.get("/operations/promises/").content.decode()  # anonymous
    assert "Sundsvall" in overview and "Timrå" in overview
    assert f'href="/operations/promises/{m.code}/"' in overview
    assert f'href="/operations/promises/{m.code}/#promise-{ours.pk}"' in overview
    assert "Utkast" not in overview

    page = client.get(f"/operations/promises/{m.code}/")
    text = page.content.decode()
    assert page.status_code == 200
    assert "Tryggare torg" in text and ours.text in text and f'id="promise-{ours.pk}"' in text
    assert theirs.title not in text and "Utkast" not in text
    assert client.get("/operations/promises/0000/").status_code == 404


def test_a_municipality_without_current_promises_says_so(client, m):
    CitizenPromiseFactory(
        municipality=m, title="Gammalt", starts_on=date(2020, 1, 1), ends_on=date(2020, 12, 31)
    )
    page = client.get(f"/operations/promises/{m.code}/").content.decode()
    assert "Gammalt" not in page and "Det finns inga aktuella medborgarlöften." in page
    assert m.name not in client.get("/operations/promises/").content.decode()
