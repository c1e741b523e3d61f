"""The log review (/cases/log-review/) shows a reviewer their own municipalities' access log
only."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.factories import MunicipalityFactory, user_in
from trygg.accounts.roles import Role
from trygg.audit.selectors import audit_sample
from trygg.cases.access import log_access

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_municipalities(two_factor_off):
    sundsvall = MunicipalityFactory(code="2281", name="Sundsvall")
    timra = MunicipalityFactory(code="2262", name="Timrå")
    people = {
        "sundsvall_admin": user_in(sundsvall, Role.ADMINISTRATOR, username="granskare-sundsvall"),
        "sundsvall_worker": user_in(sundsvall, Role.CASE_WORKER, username="handlaggare-sundsvall"),
        "timra_admin": user_in(timra, Role.ADMINISTRATOR, username="granskare-timra"),
        "timra_worker": user_in(timra, Role.CASE_WORKER, username="handlaggare-timra"),
    }
    for who, code in (("sundsvall_worker", "2281"), ("timra_worker", "2262")):
        for outcome in ("granted", "granted", "refused"):
            log_access(
                people[who],
                object_type="cases.case",
                object_id=f"case-{code}",
                purpose="case_work",
                outcome=outcome,
                municipality_code=code,
            )
        # A look-up of a case that does not exist names no municipality.
        log_access(
            people[who],
            object_type="cases.case",
            object_id=f"missing-{code}",
            purpose="case_work",
            outcome="not_found",
        )
    return people


def test_a_sundsvall_reviewer_never_sees_a_timra_entry(client, two_municipalities):
    client.force_login(two_municipalities["sundsvall_admin"])
    page = client.get("/cases/log-review/", {"size": 100})
    assert page.status_code == 200
    text = page.content.decode()
    assert "handlaggare-sundsvall" in text
    assert "handlaggare-timra" not in text
    assert "missing-2262"[:10] not in text and "case-2262" not in text
    # The figures count Sundsvall's four entries only.
    report = page.context["report"]
    assert (report.total, report.refused) == (4, 2)
    assert {e.actor_username for e in report.sample} == {"handlaggare-sundsvall"}
    assert [user for user, _, _ in report.by_user] == ["handlaggare-sundsvall"]


def test_a_timra_reviewer_sees_timra_only(client, two_municipalities):
    client.force_login(two_municipalities["timra_admin"])
    report = client.get("/cases/log-review/", {"size": 100}).context["report"]
    assert report.total == 4
    assert {e.actor_username for e in report.sample} == {"handlaggare-timra"}


def test_the_sample_is_scoped_by_the_codes_given(two_municipalities):
    now = timezone.now()
    window = {"since": now - timedelta(hours=1), "until": now + timedelta(hours=1)}
    assert audit_sample(**window, municipality_codes=[], size=100).total == 0
    both = audit_sample(**window, municipality_codes=["2281", "2262"], size=100)
    assert both.total == 8
