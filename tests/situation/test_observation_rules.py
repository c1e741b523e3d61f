"""One set of rules for a report, whichever way it is written: a position outside the
municipality and a time in year 0001 are refused on creation, on correction (service,
page, API) and in an import, also when an area is named beside the position."""

from __future__ import annotations

import html
from datetime import UTC, datetime

import pytest
from django.core.exceptions import ValidationError

from tests.factories import (
    AreaFactory,
    MunicipalityFactory,
    OrganisationFactory,
    SafetyGroupFactory,
    UserFactory,
    inside,
)
from trygg.accounts.models import OrganisationKind, SafetyGroupMembership
from trygg.accounts.roles import Role
from trygg.analysis.errors import InputError
from trygg.situation.models import Observation
from trygg.situation.services import observation_create, observation_update, observations_import_csv

pytestmark = pytest.mark.django_db

YEAR_ONE = datetime(1, 1, 1, 12, tzinfo=UTC)
# Far out at sea, and in the other municipality: neither lies in the reporter's areas.
AT_SEA = (0.0, 0.0)


@pytest.fixture
def w():
    m = MunicipalityFactory()
    area = AreaFactory(municipality=m)
    group = SafetyGroupFactory(municipality=m)
    group.areas.add(area)
    school = OrganisationFactory(municipalities=[m], kind=OrganisationKind.SCHOOL)
    reporter = UserFactory(organisation=school, role=Role.GROUP_MEMBER)
    SafetyGroupMembership.objects.create(group=group, user=reporter)
    coordinator = UserFactory(organisation=school, role=Role.SAFETY_COORDINATOR)
    other_area = AreaFactory(municipality=MunicipalityFactory())
    lon, lat = inside(area)
    observation, _ = observation_create(
        actor=reporter, category="disorder", severity=2, lat=lat, lon=lon
    )
    return {
        "m": m,
        "area": area,
        "reporter": reporter,
        "coordinator": coordinator,
        "observation": observation,
        "elsewhere": inside(other_area),
    }


def _unchanged(observation: Observation) -> None:
    stored = Observation.objects.get(pk=observation.pk)
    assert (stored.lat, stored.lon, stored.observed_at) == (
        observation.lat,
        observation.lon,
        observation.observed_at,
    )


def _outside_points(w):
    return [AT_SEA, w["elsewhere"]]


def test_creation_refuses_year_one_and_a_point_outside_even_with_an_area(w):
    with pytest.raises(ValidationError) as caught:
        observation_create(
            actor=w["reporter"],
            category="disorder",
            severity=1,
            area=w["area"],
            observed_at=YEAR_ONE,
        )
    assert "observed_at" in caught.value.message_dict
    for lon, lat in _outside_points(w):
        with pytest.raises(ValidationError, match="utanför kommunens områden"):
            observation_create(
                actor=w["reporter"],
                category="disorder",
                severity=1,
                lat=lat,
                lon=lon,
                area=w["area"],
            )
    assert Observation.objects.count() == 1


def test_the_service_refuses_the_same_on_update(w):
    observation = w["observation"]
    with pytest.raises(ValidationError) as caught:
        observation_update(actor=w["reporter"], observation=observation, observed_at=YEAR_ONE)
    assert "observed_at" in caught.value.message_dict
    for lon, lat in _outside_points(w):
        with pytest.raises(ValidationError):
            observation_update(actor=w["reporter"], observation=observation, lat=lat, lon=lon)
        with pytest.raises(ValidationError):  # naming the area does not let the point through
            observation_update(
                actor=w["reporter"], observation=observation, lat=lat, lon=lon, area=w["area"]
            )
    _unchanged(observation)
    # A correction inside the municipality still works.
    observation_update(actor=w["reporter"], observation=observation, severity=3)
    assert Observation.objects.get(pk=observation.pk).severity == 3


def test_the_page_refuses_the_same_on_update(client, w):
    observation = w["observation"]
    client.force_login(w["reporter"])
    url = f"/situation/observations/{observation.public_id}/"
    form = {
        "category": "disorder",
        "severity": "2",
        "observed_at": "2026-03-14T21:30",
        "lat": str(observation.lat),
        "lon": str(observation.lon),
        "area": str(w["area"].pk),
        "text": "",
    }
    early = client.post(url, form | {"observed_at": "0001-01-01T00:00"})
    assert early.status_code == 200 and "före 2000" in html.unescape(early.content.decode())
    for lon, lat in _outside_points(w):
        moved = client.post(url, form | {"lat": str(lat), "lon": str(lon)})
        assert moved.status_code == 200
        assert "utanför kommunens områden" in html.unescape(moved.content.decode())
    _unchanged(observation)


def test_the_api_refuses_the_same_on_patch(client, w):
    observation = w["observation"]
    client.force_login(w["reporter"])
    url = f"/api/v1/observations/{observation.public_id}/"
    for body in (
        {"observed_at": "0001-01-01T00:00:00Z"},
        {"observed_at": "0001-01-01T00:00"},
        *({"lat": lat, "lon": lon} for lon, lat in _outside_points(w)),
        *({"lat": lat, "lon": lon, "area": w["area"].code} for lon, lat in _outside_points(w)),
    ):
        response = client.patch(url, body, content_type="application/json")
        assert response.status_code == 400, (body, response.content)
    _unchanged(observation)


def test_the_import_refuses_the_same(w, tmp_path):
    a_lon, a_lat = inside(w["area"])
    sea_lon, sea_lat = AT_SEA
    far_lon, far_lat = w["elsewhere"]
    code = w["area"].code
    path = tmp_path / "obs.csv"
    path.write_text(
        "id,observed_at,category,severity,lat,lon,area_code\n"
        f"ok,2026-03-14T21:30,disorder,2,{a_lat},{a_lon},\n"
        f"old,0001-01-01T00:00,disorder,2,{a_lat},{a_lon},\n"
        f"sea,2026-03-14T21:30,disorder,2,{sea_lat},{sea_lon},{code}\n"
        f"far,2026-03-14T21:30,disorder,2,{far_lat},{far_lon},{code}\n",
        encoding="utf-8",
    )
    with pytest.raises(InputError) as caught:
        observations_import_csv(actor=w["coordinator"], municipality=w["m"], path=path)
    where = {(p.line, p.column) for p in caught.value.problems}
    assert (3, "observed_at") in where
    assert {line for line, _ in where} == {3, 4, 5}
    assert Observation.objects.count() == 1
