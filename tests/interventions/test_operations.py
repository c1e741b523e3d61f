"""Operations, their actions and evaluation; citizen promises and their public page."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import numpy as np
import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from tests.factories import (
    AreaFactory,
    CitizenPromiseFactory,
    MunicipalityFactory,
    ObservationFactory,
    OperationFactory,
    OrganisationFactory,
    user_in,
)
from trygg.accounts.roles import Role
from trygg.analysis.situation import LOCAL
from trygg.audit.models import AuditEvent
from trygg.interventions.evaluation import operation_evaluation
from trygg.interventions.selectors import promises_public
from trygg.interventions.services import (
    operation_action_add,
    operation_action_set_status,
    operation_create,
    promise_save,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def m():
    return MunicipalityFactory()


def test_create_with_actions_is_audited_and_checked(m):
    coordinator = user_in(m, role=Role.SAFETY_COORDINATOR)
    area = AreaFactory(municipality=m)
    police = OrganisationFactory(municipalities=[m])
    operation = operation_create(
        actor=coordinator,
        municipality=m,
        title="Fredagskvällar på torget",
        starts_on=date(2026, 3, 2),
        ends_on=date(2026, 5, 31),
        lead_organisation=police,
        areas=[area],
        categories=["open_drug_dealing"],
    )
    action = operation_action_add(
        actor=coordinator,
        operation=operation,
        description="Byt belysning vid gångtunneln",
        owner_organisation=police,
        due_on=date(2026, 3, 20),
    )
    operation_action_set_status(actor=coordinator, action=action, status="done")
    assert operation.actions.get().status == "done"
    assert AuditEvent.objects.filter(object_type__in=["operation", "operationaction"]).count() == 3
    with pytest.raises(ValidationError):
        operation_create(
            actor=coordinator,
            municipality=m,
            title="x",
            starts_on=date(2026, 3, 2),
            ends_on=date(2026, 1, 1),
            lead_organisation=police,
            areas=[AreaFactory()],
            categories=["nonsense"],
        )
    with pytest.raises(PermissionDenied):
        operation_create(
            actor=user_in(m, role=Role.GROUP_MEMBER),
            municipality=m,
            title="x",
            starts_on=date(2026, 3, 2),
            ends_on=date(2026, 4, 1),
            lead_organisation=police,
            areas=[area],
            categories=[],
        )


def _weekly(area, monday: date, weeks: int, rate: float, rng, category="open_drug_dealing"):
    for k in range(weeks):
        day = monday + timedelta(weeks=k)
        for _ in range(rng.poisson(rate)):
            moment = datetime.combine(day + timedelta(days=4), time(21), tzinfo=LOCAL)
            ObservationFactory(area=area, observed_at=moment, category=category, text="")


def test_evaluation_finds_a_planted_effect_against_similar_areas(m):
    rng = np.random.default_rng(4)
    treated = AreaFactory(municipality=m, population=5000)
    similar = [AreaFactory(municipality=m, population=5000) for _ in range(5)]
    AreaFactory(municipality=m, population=200)  # unlike: not chosen
    start = date(2026, 3, 2)
    before = start - timedelta(weeks=8)
    _weekly(treated, before, 8, 8.0, rng)
    _weekly(treated, start, 8, 2.5, rng)  # the operation cut the problem by about 70 %
    for area in similar:
        _weekly(area, before, 16, 3.0, rng)
    operation = OperationFactory(
        municipality=m,
        areas=[treated],
        starts_on=start,
        ends_on=start + timedelta(weeks=8) - timedelta(days=1),
    )
    evaluation = operation_evaluation(operation, today=date(2026, 6, 1))
    observations, crimes = evaluation.outcomes
    r = observations.during
    assert (len(evaluation.periods.before), len(evaluation.periods.during)) == (8, 8)
    assert r.verdict == "decrease" and r.ci_high < 1
    assert r.ci_low < 0.31 < r.ci_high or abs(r.rate_ratio - 0.31) < 0.2
    assert len(evaluation.choice.areas) == 5
    assert crimes.during.verdict == "too_thin"


def test_operation_pages(client, m):
    area = AreaFactory(municipality=m)
    operation = OperationFactory(municipality=m, areas=[area])
    client.force_login(user_in(m, role=Role.GROUP_MEMBER))
    page = client.get(f"/operations/{operation.pk}/")
    assert page.status_code == 200 and "För tunt underlag" in page.content.decode()
    assert client.post(f"/operations/{operation.pk}/", {"form": "status"}).status_code == 404
    analyst = user_in(m, role=Role.ANALYST)
    client.force_login(analyst)
    response = client.post(
        f"/operations/{operation.pk}/",
        {
            "form": "action",
            "description": "Trygghetsvandring",
            "owner_organisation": analyst.organisation.pk,
        },
    )
    assert response.status_code == 302 and operation.actions.count() == 1
    response = client.post(
        "/operations/new/",
        {
            "municipality": m.pk,
            "title": "Ny",
            "areas": [area.pk],
            "categories": ["vandalism"],
            "starts_on": "2026-04-01",
            "ends_on": "2026-06-30",
            "lead_organisation": analyst.organisation.pk,
            "status": "planned",
        },
    )
    assert response.status_code == 302


def test_public_promises_show_only_published_current_ones(client, m):
    coordinator = user_in(m, role=Role.SAFETY_COORDINATOR)
    operation = OperationFactory(municipality=m, title="Belysning i parken", status="active")
    shown = promise_save(
        actor=coordinator,
        municipality=m,
        title="Tryggare park",
        text="Vi lovar bättre belysning.",
        starts_on=date(2026, 1, 1),
        ends_on=date(2099, 1, 1),
        operations=[operation],
        is_public=True,
    )
    CitizenPromiseFactory(municipality=m, title="Utkast", is_public=False)
    CitizenPromiseFactory(
        municipality=m, title="Gammalt", starts_on=date(2020, 1, 1), ends_on=date(2020, 12, 31)
    )
    assert list(promises_public()) == [shown]
    overview = client.get("/operations/promises/").content.decode()  # anonymous
    assert "Tryggare park" in overview
    assert "Utkast" not in overview and "Gammalt" not in overview
    # The whole promise, with how it is delivered, is on the municipality's own page.
    page = client.get(f"/operations/promises/{m.code}/").content.decode()
    assert "Tryggare park" in page and "Belysning i parken" in page and "pågår" in page
    assert "Utkast" not in page and "Gammalt" not in page
