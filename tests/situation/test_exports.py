"""The observations CSV and the weekly picture CSV: text a user typed never runs as a formula."""

from __future__ import annotations

import csv
import io

import pytest

from tests.core.test_exports import PAYLOADS
from tests.situation.test_observations import report, world  # noqa: F401 (fixture)
from tests.situation.test_picture import WEEK, setup  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db


def rows_of(response) -> list[dict]:
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))


def test_observation_text_is_neutralised_in_the_csv(client, world):  # noqa: F811
    for text in PAYLOADS:
        report(world["school_a"], world["area_a"], text=text)
    client.force_login(world["school_a"])
    rows = rows_of(client.get("/situation/observations/?export=csv"))
    assert sorted(r["text"] for r in rows) == sorted("'" + p for p in PAYLOADS)


def test_area_names_are_neutralised_in_the_weekly_picture_csv(client, setup):  # noqa: F811
    setup["hot"].name = PAYLOADS[0]
    setup["hot"].save()
    setup["calm"].name = PAYLOADS[3]
    setup["calm"].save()
    client.force_login(setup["member"])
    rows = rows_of(client.get(f"/situation/groups/{setup['group'].id}/{WEEK}/?export=csv"))
    names = {r["area_name"] for r in rows if r["area_name"]}
    assert names == {"'" + PAYLOADS[0], "'" + PAYLOADS[3]}
    # The counts stay numbers.
    assert all(r["observed"].lstrip("-").isdigit() for r in rows)
