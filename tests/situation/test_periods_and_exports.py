"""The quarter arithmetic, the week's grid shading and the exact shape of the downloads,
pinned before they moved out of the views."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from tests.factories import user_in
from tests.situation.test_picture import WEEK, setup  # noqa: F401 (fixture)
from trygg.accounts.roles import Role
from trygg.audit.models import AuditEvent
from trygg.situation.display import grid_shaded
from trygg.situation.periods import Quarter
from trygg.situation.services.checks import actor_require, point_check, text_check


def test_quarters_step_over_the_year():
    assert Quarter.of(date(2026, 1, 1)) == Quarter(2026, 1)
    assert Quarter.of(date(2026, 12, 31)) == Quarter(2026, 4)
    assert Quarter.parse("2026-Q1").previous() == Quarter(2025, 4)
    assert Quarter.parse("2025-Q4").following() == Quarter(2026, 1)
    assert str(Quarter(2026, 2)) == "2026-Q2" and Quarter(2026, 2).label == "2026 Q2"
    assert Quarter(2025, 4) < Quarter(2026, 1)


def test_the_grid_is_shaded_in_five_steps_of_the_weeks_largest_cell():
    grid = [[0] * 8 for _ in range(7)]
    grid[4][6], grid[1][6] = 10, 1
    shaded = grid_shaded(grid)
    assert len(shaded) == 7 and len(shaded[0][1]) == 8
    assert shaded[4][1][6] == (10, 5) and shaded[1][1][6] == (1, 1) and shaded[0][1][0] == (0, 0)
    assert grid_shaded([[0] * 8] * 7)[0][1][0] == (0, 0)  # an empty week divides by one


def test_the_shared_checks_refuse_as_each_app_words_it():
    with pytest.raises(ValidationError) as caught:
        point_check(1.0, None)
    assert not hasattr(caught.value, "error_dict")
    with pytest.raises(ValidationError) as caught:
        point_check(91.0, 10.0, field="lat")
    assert list(caught.value.message_dict) == ["lat"]
    assert text_check("  ok  ") == "ok"
    with pytest.raises(ValidationError) as caught:
        text_check("x", field="title", refusal=lambda text: "no")
    assert caught.value.message_dict == {"title": ["no"]}
    with pytest.raises(PermissionDenied):
        actor_require(None, "report_observations")


@pytest.mark.django_db
def test_the_quarter_page_links_the_quarters_before_and_after(client, setup):  # noqa: F811
    client.force_login(setup["member"])
    url = f"/situation/groups/{setup['group'].id}/quarter/"
    page = client.get(url + "?q=2026-Q1").content.decode()
    assert 'href="?q=2025-Q4"' in page and 'href="?q=2026-Q2"' in page
    now = Quarter.of(timezone.localdate())
    page = client.get(url).content.decode()
    assert f'href="?q={now.previous()}"' in page and f'href="?q={now.following()}"' not in page


@pytest.mark.django_db
def test_the_week_csv_has_one_table_of_the_three_sections(client, setup):  # noqa: F811
    client.force_login(setup["member"])
    response = client.get(f"/situation/groups/{setup['group'].id}/{WEEK}/?export=csv")
    assert response["Content-Disposition"] == (
        f'attachment; filename="lagesbild-{setup["group"].key}-{WEEK}.csv"'
    )
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == [
        "section",
        "category",
        "area_code",
        "area_name",
        "observed",
        "usual",
        "ratio",
        "p_value",
        "q_value",
        "rise",
    ]
    sections = [r[0] for r in rows[1:]]
    assert sections == sorted(sections, key=["category", "area", "change"].index)
    hot = next(r for r in rows[1:] if r[0] == "area" and r[3] == setup["hot"].name)
    assert hot[4] == "9" and hot[9] == "1"
    event = AuditEvent.objects.get(action="export")
    assert event.object_type == "weekly_picture_csv"
    assert event.details == {"scope": setup["group"].name, "week": str(WEEK)}


@pytest.mark.django_db
def test_the_observation_csv_has_the_import_columns_and_where(client, setup):  # noqa: F811
    client.force_login(user_in(setup["m"], role=Role.SAFETY_COORDINATOR))
    response = client.get("/situation/observations/?export=csv")
    assert response["Content-Disposition"] == 'attachment; filename="observations.csv"'
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == [
        "id",
        "observed_at",
        "category",
        "severity",
        "lat",
        "lon",
        "area_code",
        "place",
        "group",
        "people_count",
        "restricted",
        "text",
    ]
    assert len(rows) == 1 + 29  # all but the police-only report
    event = AuditEvent.objects.get(action="export")
    assert event.object_type == "observations" and event.details["rows"] == 29
