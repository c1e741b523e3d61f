"""The weekly picture's caches never show a viewer what they may not read.

The figures and the viewer-independent part of the page are shared by everyone; the list of
reports and the map's points are shared only by viewers of the same class (same rights,
municipalities, police or not, groups and their areas), and a viewer's own reports are never
part of what others get. Each test lets one viewer fill the caches first and then checks
what another gets.
"""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

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
from trygg.situation.selectors import current_week, viewer_class

pytestmark = pytest.mark.django_db

SECRET = "Hemlig polisuppgift om torget"
OWN_SECRET = "Min egen polisrapport vid skolan"


@pytest.fixture
def w():
    m = MunicipalityFactory()
    area, other_area = AreaFactory(municipality=m), AreaFactory(municipality=m)
    group = SafetyGroupFactory(municipality=m)
    group.areas.add(area)
    other_group = SafetyGroupFactory(municipality=m)
    other_group.areas.add(other_area)
    police = OrganisationFactory(municipalities=[m], kind=OrganisationKind.POLICE)
    member = user_in(m, role=Role.GROUP_MEMBER)
    neighbour = user_in(m, role=Role.GROUP_MEMBER)  # same group, same rights as member
    cop = UserFactory(organisation=police, role=Role.GROUP_MEMBER)
    for user in (member, neighbour, cop):
        SafetyGroupMembership.objects.create(group=group, user=user)
    outsider = user_in(m, role=Role.GROUP_MEMBER)
    SafetyGroupMembership.objects.create(group=other_group, user=outsider)
    week = current_week()
    start = week.bounds()[0]
    ObservationFactory(
        area=area, observed_at=start + timedelta(hours=1), text="Samling vid kiosken"
    )
    ObservationFactory(
        area=area, reporter=cop, observed_at=start + timedelta(hours=2), restricted=True,
        text=SECRET,
    )  # fmt: skip
    ObservationFactory(
        area=area, reporter=neighbour, observed_at=start + timedelta(hours=3), restricted=True,
        text=OWN_SECRET,
    )  # fmt: skip
    ObservationFactory(
        area=other_area, observed_at=start + timedelta(hours=4), text="Klotter i tunneln"
    )
    return {
        "m": m, "area": area, "group": group, "other_group": other_group, "member": member,
        "neighbour": neighbour, "cop": cop, "outsider": outsider, "week": week,
        "url": f"/situation/groups/{group.pk}/{week}/",
        "municipal_url": f"/situation/municipality/{m.code}/{week}/",
    }  # fmt: skip


def _view(client, user, url):
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200
    page = response.content.decode()

    def data(name):
        pattern = rf'<script id="{name}" type="application/json">(.*?)</script>'
        return json.loads(re.search(pattern, page)[1])

    assert data("picture-areas")["features"], "the map's areas are drawn from the cache too"
    assert data("picture-labels")["disorder"]
    return page, data("picture-points")


@pytest.mark.parametrize("first", ["cop", "neighbour", "member"], ids=lambda name: f"{name}-first")
def test_a_group_picture_shows_each_member_only_their_own_share(client, w, first):
    seen = {}
    order = [first] + [u for u in ("cop", "neighbour", "member") if u != first]
    for name in order + order:  # twice round: the second round is served from the caches
        seen[name] = _view(client, w[name], w["url"])
        page, points = seen[name]
        # Everyone counts all four reports of the group's week (three in its area) …
        assert "<dd>3</dd>" in page
        # … but reads only what they may.
        assert (SECRET in page) == (name == "cop")
        assert (OWN_SECRET in page) == (name in ("cop", "neighbour"))
        assert "Samling vid kiosken" in page
        assert len(points) == {"cop": 3, "neighbour": 2, "member": 1}[name]


def test_the_municipal_picture_shows_management_no_report_at_all(client, w):
    coordinator = user_in(w["m"], role=Role.SAFETY_COORDINATOR)
    analyst_police = UserFactory(
        organisation=OrganisationFactory(municipalities=[w["m"]], kind=OrganisationKind.POLICE),
        role=Role.ANALYST,
    )
    management = user_in(w["m"], role=Role.MANAGEMENT)
    page, points = _view(client, analyst_police, w["municipal_url"])
    assert SECRET in page and "Klotter i tunneln" in page and len(points) == 4
    page, points = _view(client, coordinator, w["municipal_url"])
    assert SECRET not in page and OWN_SECRET not in page and "Klotter i tunneln" in page
    assert len(points) == 2
    page, points = _view(client, management, w["municipal_url"])
    assert "<dd>4</dd>" in page  # the counts, and nothing else
    assert "Klotter i tunneln" not in page and "Samling vid kiosken" not in page
    assert points == []


def test_a_new_report_shows_at_once_despite_the_caches(client, w):
    _view(client, w["member"], w["url"])
    ObservationFactory(
        area=w["area"],
        observed_at=w["week"].bounds()[0] + timedelta(hours=5),
        text="Nytt: trasig belysning",
    )
    page, points = _view(client, w["member"], w["url"])
    assert "Nytt: trasig belysning" in page and "<dd>4</dd>" in page and len(points) == 2


def test_an_edit_that_restricts_a_report_hides_it_at_once(client, w):
    from trygg.situation.models import Observation
    from trygg.situation.services import observation_update

    _view(client, w["member"], w["url"])
    shown = Observation.objects.get(text="Samling vid kiosken")
    observation_update(actor=shown.reporter, observation=shown, restricted=True)
    page, points = _view(client, w["member"], w["url"])
    assert "Samling vid kiosken" not in page and points == []


def test_a_second_viewer_of_the_same_class_is_served_from_the_caches(client, w):
    client.force_login(w["member"])
    client.get(w["url"])
    client.force_login(w["neighbour"])
    client.get(w["url"])  # the neighbour's own report: their own list
    client.force_login(w["member"])
    with CaptureQueriesContext(connection) as again:
        client.get(w["url"])
    observation_reads = [
        q["sql"] for q in again.captured_queries if '"situation_observation"' in q["sql"]
    ]
    # Only the version lookup (the latest change) touches the observations now.
    assert len(observation_reads) == 1 and '"updated_at"' in observation_reads[0]


def test_viewer_classes_differ_exactly_where_rights_differ(w):
    assert viewer_class(w["member"]) == viewer_class(w["neighbour"])
    assert viewer_class(w["member"]) != viewer_class(w["cop"])  # police
    assert viewer_class(w["member"]) != viewer_class(w["outsider"])  # another group
    before = viewer_class(w["member"])
    w["group"].areas.add(AreaFactory(municipality=w["m"]))  # the group now covers more
    assert viewer_class(w["member"]) != before
    elsewhere = user_in(MunicipalityFactory(), role=Role.SAFETY_COORDINATOR)
    assert viewer_class(user_in(w["m"], role=Role.SAFETY_COORDINATOR)) != viewer_class(elsewhere)
    assert viewer_class(user_in(w["m"], role=Role.MANAGEMENT)) != viewer_class(
        user_in(w["m"], role=Role.SAFETY_COORDINATOR)
    )


def test_a_published_picture_hides_a_report_restricted_after_publication(client, w):
    from trygg.situation.models import Observation
    from trygg.situation.selectors import PictureScope
    from trygg.situation.services import observation_update, weekly_picture_publish

    analyst = user_in(w["m"], role=Role.ANALYST)
    weekly_picture_publish(actor=analyst, scope=PictureScope(w["m"], w["group"]), week=w["week"])
    page, _points = _view(client, w["member"], w["url"])
    assert "Samling vid kiosken" in page
    shown = Observation.objects.get(text="Samling vid kiosken")
    observation_update(actor=shown.reporter, observation=shown, restricted=True)
    page, points = _view(client, w["member"], w["url"])
    assert "Samling vid kiosken" not in page and points == []
    assert "<dd>3</dd>" in page  # the frozen count stays
