"""The person's access-log extract: names from the register never run as a formula."""

from __future__ import annotations

import csv
import io

import pytest

from tests.core.test_exports import PAYLOADS

pytestmark = pytest.mark.django_db


def test_the_log_extract_csv_is_neutralised(world, client):
    case = world.cases["own_team"]
    police = world.users["police"]
    police.organisation.name = PAYLOADS[0]
    police.organisation.save()
    client.force_login(police)
    client.get(f"/cases/{case.public_id}/")
    client.force_login(world.users["coordinator"])
    response = client.get(f"/cases/people/{case.person.public_id}/log/?format=csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    by_user = {r["user"]: r for r in rows}
    assert by_user["polis"]["organisation"] == "'" + PAYLOADS[0]
