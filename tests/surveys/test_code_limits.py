"""Wrong survey codes are counted per visitor behind the proxy, in the database, and never
keep a right code out (issue 14, item 8)."""

from __future__ import annotations

import pytest

from tests.factories import AreaFactory, MunicipalityFactory, survey_sample_world
from trygg.surveys.models import SurveyCodeAttempt
from trygg.surveys.services import WRONG_CODES_PER_CLIENT_PER_HOUR

pytestmark = pytest.mark.django_db
PROXY = "10.0.0.1"
WRONG = [f"K7XM-4Q{a}{b}" for a in "ABCD" for b in "EFGH"]


@pytest.fixture
def world():
    municipality = MunicipalityFactory(code="2281")
    AreaFactory(municipality=municipality, code="A1", name="Nacksta")
    return survey_sample_world(municipality, persons=3)


@pytest.fixture
def behind_proxy(settings):
    settings.TRYGG_TRUSTED_PROXY_HEADER = "X-Forwarded-For"
    settings.TRYGG_TRUSTED_PROXIES = [PROXY]


def enter(client, code, forwarded):
    # A new browser each time: only the address counts, not the session.
    return client.__class__().post(
        "/svar/", {"code": code}, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=forwarded
    )


def test_behind_the_proxy_one_visitors_wrong_codes_do_not_close_the_survey(
    behind_proxy, client, world
):
    _round, found = world
    for code in WRONG[:WRONG_CODES_PER_CLIENT_PER_HOUR]:
        assert enter(client, code, "203.0.113.66").status_code == 400
    assert enter(client, WRONG[-1], "203.0.113.66").status_code == 429
    # Another resident behind the same proxy: not limited, a wrong code is just wrong.
    assert enter(client, WRONG[-1], "198.51.100.7").status_code == 400
    assert enter(client, found[0], "198.51.100.7").status_code == 302


def test_a_right_code_after_ten_wrong_ones_from_the_same_address_works(behind_proxy, client, world):
    _round, found = world
    for code in WRONG[:WRONG_CODES_PER_CLIENT_PER_HOUR]:
        enter(client, code, "198.51.100.7")
    assert enter(client, WRONG[-1], "198.51.100.7").status_code == 429
    assert enter(client, found[1], "198.51.100.7").status_code == 302


def test_with_the_setting_off_a_forged_header_is_ignored(settings, client, world):
    settings.TRYGG_TRUSTED_PROXY_HEADER = ""
    settings.TRYGG_TRUSTED_PROXIES = [PROXY]
    for n, code in enumerate(WRONG[:WRONG_CODES_PER_CLIENT_PER_HOUR]):
        enter(client, code, f"203.0.113.{n}")
    assert enter(client, WRONG[-1], "198.51.100.99").status_code == 429


def test_ipv6_wrong_codes_count_per_64(behind_proxy, client, world):
    for n, code in enumerate(WRONG[:WRONG_CODES_PER_CLIENT_PER_HOUR]):
        enter(client, code, f"2001:db8:1:2::{n + 1:x}")
    assert enter(client, WRONG[-1], "2001:db8:1:2:ffff::1").status_code == 429
    assert enter(client, WRONG[-1], "2001:db8:1:3::1").status_code == 400


def test_the_count_is_in_the_database_not_in_a_process(behind_proxy, client, world):
    for code in WRONG[:3]:
        enter(client, code, "198.51.100.7")
    # Every worker process reads the same rows; nothing is kept in memory.
    assert SurveyCodeAttempt.objects.count() == 3
    assert len(set(SurveyCodeAttempt.objects.values_list("client_hash", flat=True))) == 1
