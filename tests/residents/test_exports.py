"""The safety walk's CSV: a point's text never runs as a formula."""

from __future__ import annotations

import csv
import io

import pytest

from tests.core.test_exports import PAYLOADS
from tests.residents.test_walks import leader, walk, walk_url  # noqa: F401 (fixtures)
from trygg.residents.services import walk_finish, walk_point_add

pytestmark = pytest.mark.django_db


def test_point_texts_are_neutralised_in_the_walk_csv(client, place, walk):  # noqa: F811
    for n, text in enumerate(PAYLOADS):
        walk_point_add(
            actor=walk.leader,
            walk=walk,
            lat=place["lat"],
            lon=place["lon"] + 0.0001 * n,
            reasons=["dark"],
            text=text,
        )
    walk = walk_finish(actor=walk.leader, walk=walk)
    client.force_login(walk.leader)
    response = client.get(walk_url(walk, "residents:walk-export", fmt="csv"))
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert [r["text"] for r in rows] == ["'" + p for p in PAYLOADS]
    assert float(rows[0]["lat"]) == pytest.approx(place["lat"])
