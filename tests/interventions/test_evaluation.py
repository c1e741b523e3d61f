"""The evaluation on the operation page, in its CSV and PDF: periods, comparison areas
(the same for observations and crimes, busy and priority areas left out), the effect in
words, and the scoping of the new downloads."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, time, timedelta

import numpy as np
import pytest

from tests.factories import (
    AreaFactory,
    MunicipalityFactory,
    ObservationFactory,
    OperationFactory,
    user_in,
)
from trygg.accounts.roles import Role
from trygg.analysis.situation import LOCAL
from trygg.interventions.evaluation import operation_evaluation
from trygg.reports.models import AnalysisRun, Publication
from trygg.situation.models import Observation

pytestmark = pytest.mark.django_db

START = date(2026, 3, 2)  # a Monday
TODAY = date(2026, 12, 3)


def _observations(area, reporter, rates, rng):
    """``rates``: expected observations per week, one per week from 4 weeks before START."""
    built = [
        ObservationFactory.build(
            area=area,
            reporter=reporter,
            observed_at=datetime.combine(
                START + timedelta(weeks=k - 4, days=4), time(21), tzinfo=LOCAL
            ),
            category="open_drug_dealing",
            text="",
        )
        for k, rate in enumerate(rates)
        for _ in range(rng.poisson(rate))
    ]
    Observation.objects.bulk_create(built)


@pytest.fixture
def world(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    m = MunicipalityFactory()
    reporter = user_in(m, role=Role.GROUP_MEMBER)
    rng = np.random.default_rng(7)
    treated = AreaFactory(municipality=m, name="Centrum", population=5000)
    busy = AreaFactory(municipality=m, name="Upptaget", population=5000)
    priority = AreaFactory(municipality=m, name="Prioriterat", population=5000)
    similar = [AreaFactory(municipality=m, population=5000) for _ in range(6)]
    # Four weeks before, four during, four after: a cut by two thirds, half of it kept.
    _observations(treated, reporter, [12] * 4 + [4] * 4 + [8] * 4, rng)
    for area in (busy, priority, *similar):
        _observations(area, reporter, [6] * 12, rng)
    operation = OperationFactory(
        municipality=m,
        areas=[treated],
        starts_on=START,
        ends_on=START + timedelta(weeks=4, days=-1),
        before_weeks=4,
        after_weeks=4,
        status="completed",
    )
    OperationFactory(
        municipality=m,
        areas=[busy],
        starts_on=START + timedelta(weeks=6),
        ends_on=START + timedelta(weeks=10),
    )
    run = AnalysisRun.objects.create(municipality=m, year=2026)
    run.directory.mkdir(parents=True)
    (run.directory / "priorities.csv").write_text(
        f"area_code,rank\n{priority.code},1\n{treated.code},2\n{similar[0].code},\n",
        encoding="utf-8",
    )
    Publication.objects.create(run=run, municipality=m, year=2026, licence="CC BY 4.0")
    return {
        "m": m,
        "operation": operation,
        "treated": treated,
        "busy": busy,
        "priority": priority,
        "similar": similar,
    }


def test_one_set_of_comparison_areas_without_busy_and_priority_areas(world):
    evaluation = operation_evaluation(world["operation"], today=TODAY)
    codes = set(evaluation.choice.areas)
    assert len(codes) == 5 and codes <= {a.code for a in world["similar"]}
    assert evaluation.choice.busy == [world["busy"].code]
    assert evaluation.choice.priority_rule == "excluded"
    assert evaluation.choice.priority == [world["priority"].code]
    observations, crimes = evaluation.outcomes
    assert observations.during.verdict == "decrease"
    assert observations.during.ci_low < 1 / 3 < observations.during.ci_high
    assert observations.after.rate_ratio < 1
    # Crimes are counted over the same comparison areas (none were reported here).
    assert crimes.comparison.sum() == 0 and crimes.during.verdict == "too_thin"


def test_priority_areas_stay_when_too_few_candidates_remain(world):
    for area in world["similar"][2:]:
        area.delete()
    evaluation = operation_evaluation(world["operation"], today=TODAY)
    assert evaluation.choice.priority_rule == "kept_too_few"
    assert world["priority"].code in evaluation.choice.areas
    assert world["busy"].code not in evaluation.choice.areas


def test_the_page_shows_periods_comparison_chart_and_words(client, world):
    client.force_login(user_in(world["m"], role=Role.GROUP_MEMBER))
    page = client.get(f"/operations/{world['operation'].pk}/").content.decode()
    assert "Utvärdering" in page
    assert "Under jämfört med före" in page and "Efter jämfört med före" in page
    assert "Insatsområdena minskade" in page and "mer än i jämförbara områden" in page
    assert "Jämförelseområden (samma för observationer och brott)" in page
    assert "Upptaget" in page  # named as left out
    comparison_line = page.split("samma för observationer och brott)")[1].split("</p>")[0]
    assert "Upptaget" not in comparison_line and "Prioriterat" not in comparison_line
    assert "Utelämnat: 1 annat prioriterat område" in page
    assert '<svg xmlns="http://www.w3.org/2000/svg"' in page and "Diagrammet som tabell" in page
    assert "2026-03-02" in page  # the during period's first Monday


def test_a_running_after_period_says_so(client, world):
    operation = world["operation"]
    evaluation = operation_evaluation(operation, today=START + timedelta(weeks=6, days=2))
    assert len(evaluation.periods.after) == 2 and evaluation.periods.after_running
    running = operation_evaluation(operation, today=START + timedelta(weeks=2))
    assert running.periods.during_running and running.periods.after == []
    assert all(o.after is None for o in running.outcomes)
    operation.starts_on, operation.ends_on = date(2027, 1, 4), date(2027, 2, 28)
    operation.save()
    client.force_login(user_in(world["m"], role=Role.GROUP_MEMBER))
    page = client.get(f"/operations/{operation.pk}/").content.decode()
    assert "Insatsen har inte börjat än" in page


def test_the_series_download_is_a_safe_csv(client, world):
    client.force_login(user_in(world["m"], role=Role.ANALYST))
    response = client.get(f"/operations/{world['operation'].pk}/evaluation.csv")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert len(rows) == 2 * 12
    assert {r["outcome"] for r in rows} == {"observations", "crimes"}
    first = rows[0]
    assert first["week"] == "2026-W06" and first["week_start"] == "2026-02-02"
    assert [r["period"] for r in rows[:12]] == ["before"] * 4 + ["during"] * 4 + ["after"] * 4
    observed = [int(r["operation_areas"]) for r in rows[:12]]
    assert sum(observed[:4]) > sum(observed[4:8])


def test_the_pdf_has_the_evaluation(client, world):
    client.force_login(user_in(world["m"], role=Role.SAFETY_COORDINATOR))
    response = client.get(f"/operations/{world['operation'].pk}/operation.pdf")
    assert response.status_code == 200 and response.content.startswith(b"%PDF")


def test_other_municipalitys_operation_is_404(client, world):
    other = MunicipalityFactory()
    client.force_login(user_in(other, role=Role.ANALYST))
    pk = world["operation"].pk
    for url in (f"/operations/{pk}/", f"/operations/{pk}/evaluation.csv"):
        assert client.get(url).status_code == 404
    assert client.get(f"/operations/{pk}/operation.pdf").status_code == 404


def test_the_period_lengths_are_set_on_the_operation(client, world):
    analyst = user_in(world["m"], role=Role.ANALYST)
    client.force_login(analyst)
    operation = world["operation"]
    data = {
        "municipality": world["m"].pk,
        "title": operation.title,
        "areas": [world["treated"].pk],
        "categories": ["open_drug_dealing"],
        "starts_on": "2026-03-02",
        "ends_on": "2026-03-29",
        "lead_organisation": operation.lead_organisation.pk,
        "status": "completed",
        "before_weeks": "6",
        "after_weeks": "",
    }
    assert client.post(f"/operations/{operation.pk}/edit/", data).status_code == 302
    operation.refresh_from_db()
    assert (operation.before_weeks, operation.after_weeks) == (6, None)
    evaluation = operation_evaluation(operation, today=TODAY)
    assert len(evaluation.periods.before) == 6 and len(evaluation.periods.after) == 8
    data["before_weeks"] = "0"
    page = client.post(f"/operations/{operation.pk}/edit/", data)
    assert page.status_code == 200
