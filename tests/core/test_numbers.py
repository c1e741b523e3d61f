"""Numbers read the same on every page: one thousands separator, a decimal comma, a real
minus sign, and ranges with an en dash (issue 17, defect 5)."""

from __future__ import annotations

import pytest
from django.utils import translation

from tests.factories import AreaFactory, MunicipalityFactory, user_in
from trygg.areas.models import PopulationCount
from trygg.core.templatetags.numbers import number, range_dash

NBSP = "\xa0"


@pytest.mark.parametrize(
    ("value", "digits", "shown"),
    [
        (1431, 0, f"1{NBSP}431"),
        (1431.56, 1, f"1{NBSP}431,6"),
        (-0.3, 2, "−0,30"),
        (-1234.5, 1, f"−1{NBSP}234,5"),
        (-0.01, 1, "0,0"),
        (None, 0, "–"),
        (float("nan"), 1, "–"),
    ],
)
def test_numbers_in_swedish(value, digits, shown):
    with translation.override("sv"):
        assert number(value, digits) == shown


def test_numbers_in_english_keep_the_minus_sign():
    with translation.override("en"):
        assert number(-2.5, 1) == "−2.5"
        assert number(1431) == "1,431"


def test_ranges_take_an_en_dash():
    assert range_dash("0-15") == "0–15"
    assert range_dash("16 - 24") == "16–24"
    assert range_dash("65+") == "65+"


@pytest.mark.django_db
def test_the_area_page_shows_age_bands_with_an_en_dash(client, two_factor_off):
    municipality = MunicipalityFactory(code="2281")
    area = AreaFactory(municipality=municipality)
    PopulationCount.objects.create(area=area, year=2025, sex="F", age_group="0-15", count=1431)
    client.force_login(user_in(municipality))
    page = client.get(f"/areas/{area.id}/").content.decode()
    assert '<th scope="row">0–15</th>' in page
    assert '<th scope="row">0-15</th>' not in page
    assert f"1{NBSP}431" in page
