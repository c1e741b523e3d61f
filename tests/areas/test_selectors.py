"""What a user sees of areas follows the municipalities of the user's organisation."""

from __future__ import annotations

import numpy as np
import pytest
from django.http import Http404

from tests.factories import (
    AreaFactory,
    MunicipalityFactory,
    OrganisationFactory,
    UserFactory,
    square,
    user_in,
)
from trygg.areas.models import AreaLevel, PopulationCount
from trygg.areas.selectors import (
    area_get_for_user,
    areas_for_user,
    locate_points,
    municipalities_for_user,
    population_summary,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_municipalities():
    sundsvall, timra = MunicipalityFactory(code="2281"), MunicipalityFactory(code="2262")
    return sundsvall, timra, AreaFactory(municipality=sundsvall), AreaFactory(municipality=timra)


def test_user_sees_only_own_municipality(two_municipalities):
    sundsvall, _timra, own, other = two_municipalities
    user = user_in(sundsvall)
    assert list(areas_for_user(user)) == [own]
    assert area_get_for_user(user, area_id=own.id) == own
    with pytest.raises(Http404):
        area_get_for_user(user, area_id=other.id)


def test_missing_and_forbidden_look_the_same(two_municipalities):
    sundsvall, _timra, _own, other = two_municipalities
    user = user_in(sundsvall)
    for area_id in (other.id, 999_999, "x"):
        with pytest.raises(Http404):
            area_get_for_user(user, area_id=area_id)


def test_police_area_spanning_two_municipalities_sees_both(two_municipalities):
    sundsvall, timra, own, other = two_municipalities
    police = OrganisationFactory(kind="police", municipalities=[sundsvall, timra])
    analyst = UserFactory(organisation=police, role="analyst")
    assert set(areas_for_user(analyst)) == {own, other}


def test_inactive_and_anonymous_users_see_nothing(two_municipalities):
    from django.contrib.auth.models import AnonymousUser

    sundsvall = two_municipalities[0]
    inactive = user_in(sundsvall, is_active=False)
    assert not municipalities_for_user(inactive).exists()
    assert not municipalities_for_user(AnonymousUser()).exists()


def test_population_summary_of_a_district_adds_its_areas():
    municipality = MunicipalityFactory()
    district = AreaFactory(municipality=municipality, level=AreaLevel.DISTRICT)
    a, b = (
        AreaFactory(municipality=municipality, parent=district),
        AreaFactory(municipality=municipality, parent=district),
    )
    for area, count in ((a, 10), (b, 5)):
        PopulationCount.objects.create(
            area=area, year=2024, sex="F", age_group="75+", count=count + 100
        )
        PopulationCount.objects.create(area=area, year=2025, sex="F", age_group="75+", count=count)
        PopulationCount.objects.create(
            area=area, year=2025, sex="M", age_group="16-24", count=count
        )
    summary = population_summary(area=district)
    assert summary["year"] == 2025
    assert summary["rows"] == [
        {"age_group": "16-24", "women": 0, "men": 15, "total": 15},
        {"age_group": "75+", "women": 15, "men": 0, "total": 15},
    ]
    assert summary["total"] == 30


def test_locate_points_uses_the_areas_and_follows_changes():
    municipality = MunicipalityFactory()
    west = AreaFactory(municipality=municipality, code="W", geometry=square(17.0, 62.0, 0.1))
    AreaFactory(municipality=municipality, code="E", geometry=square(17.1, 62.0, 0.1))
    codes = locate_points(
        municipality=municipality, lon=[17.05, 17.15, 18.0], lat=[62.05, 62.05, 62.05]
    )
    assert list(codes[:2]) == ["W", "E"]
    assert codes[2] is None or codes[2] == ""
    west.geometry = square(17.9, 62.0, 0.2)
    west.save()
    moved = locate_points(municipality=municipality, lon=np.array([18.0]), lat=np.array([62.05]))
    assert list(moved) == ["W"]
