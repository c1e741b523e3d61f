"""The validation report of an upload: the file name and the user's column names never run
as a formula."""

from __future__ import annotations

import csv
import io

import pytest

from tests.core.test_exports import PAYLOADS
from tests.imports.test_imports import POPULATION, upload, world  # noqa: F401 (fixture)
from trygg.imports.models import ImportUpload

pytestmark = pytest.mark.django_db


def test_the_problems_csv_is_neutralised(client, world):  # noqa: F811
    municipality, _, _ = world
    up = upload(client, municipality, "population", "bef.csv", POPULATION)
    ImportUpload.objects.filter(pk=up.pk).update(
        file_name=PAYLOADS[0],
        problems=[
            {"line": 2, "column": PAYLOADS[1], "reason": "required column is missing"},
            {"line": 3, "column": PAYLOADS[2], "reason": PAYLOADS[3]},
        ],
        problem_count=2,
    )
    response = client.get(f"/imports/{up.public_id}/problems.csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert {r["file"] for r in rows} == {"'" + PAYLOADS[0]}
    assert [r["column"] for r in rows] == ["'" + PAYLOADS[1], "'" + PAYLOADS[2]]
    assert rows[1]["reason"] == "'" + PAYLOADS[3]
    assert rows[0]["line"] == "2"
