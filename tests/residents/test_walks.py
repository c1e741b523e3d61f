"""A group leader records a safety walk on a phone; the coordinator follows it up."""

from __future__ import annotations

import io
import json

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from pypdf import PdfReader

from tests.factories import SafetyWalkFactory, user_in
from trygg.accounts.roles import Role
from trygg.residents.models import SafetyWalk, WalkPoint, WalkStatus
from trygg.residents.services import walk_finish, walk_point_add, walk_to_observations
from trygg.residents.svg import walk_svg
from trygg.situation.models import Observation

PIN = "19121212-1212"


@pytest.fixture
def leader(place):
    return user_in(place["municipality"], role=Role.GROUP_MEMBER)


@pytest.fixture
def walk(place, leader):
    return SafetyWalkFactory(area=place["area"], leader=leader, route={})


def walk_url(walk, name="residents:walk", **kwargs):
    return reverse(name, kwargs={"public_id": walk.public_id, **kwargs})


def test_a_leader_starts_a_walk(client, place, leader):
    client.force_login(leader)
    assert client.get(reverse("residents:walk-new")).status_code == 200
    response = client.post(
        reverse("residents:walk-new"),
        {
            "title": "Kvällsvandring Nacksta",
            "walked_on": "2026-11-20",
            "areas": [place["area"].pk],
            "participants": "12",
        },
    )
    walk = SafetyWalk.objects.get()
    assert response.url == walk_url(walk)
    assert walk.leader == leader and walk.status == WalkStatus.RECORDING
    assert list(walk.areas.all()) == [place["area"]] and walk.participants == 12
    page = client.get(response.url).content.decode()
    assert 'id="walk-recorder"' in page and 'id="walk-track"' in page


def test_points_are_saved_one_request_each_and_a_resend_counts_once(client, place, walk):
    client.force_login(walk.leader)
    point = {
        "lat": f"{place['lat']:.6f}",
        "lon": f"{place['lon']:.6f}",
        "reasons": ["dark", "overgrown"],
        "text": "Lampan vid trappan är trasig.",
        "severity": "2",
        "client_key": "a1",
        "recorded_at": "2026-11-20T18:40:00+01:00",
    }
    first = client.post(walk_url(walk, "residents:walk-point"), point, HTTP_X_TRYGG_ASYNC="1")
    assert first.status_code == 201
    assert first.json()["number"] == 1 and first.json()["area"] == "Nacksta"
    again = client.post(walk_url(walk, "residents:walk-point"), point, HTTP_X_TRYGG_ASYNC="1")
    assert again.status_code == 200 and again.json()["number"] == 1
    second = client.post(
        walk_url(walk, "residents:walk-point"),
        {**point, "client_key": "a2", "severity": ""},
        HTTP_X_TRYGG_ASYNC="1",
    )
    assert second.json()["number"] == 2
    assert WalkPoint.objects.count() == 2
    assert WalkPoint.objects.get(number=2).severity is None
    refused = client.post(
        walk_url(walk, "residents:walk-point"),
        {**point, "client_key": "a3", "text": f"Nummer {PIN}"},
        HTTP_X_TRYGG_ASYNC="1",
    )
    assert refused.status_code == 400 and "text" in refused.json()["errors"]
    assert WalkPoint.objects.count() == 2


def test_the_route_is_sent_in_batches(client, place, walk):
    client.force_login(walk.leader)
    route_url = walk_url(walk, "residents:walk-route")
    batch = [[place["lon"], place["lat"]], [place["lon"] + 0.001, place["lat"]]]
    response = client.post(route_url, json.dumps({"coordinates": batch}), "application/json")
    assert response.status_code == 200 and response.json()["length"] == 2
    # A resent batch that overlaps at the seam does not repeat the last position.
    more = [batch[-1], [place["lon"] + 0.002, place["lat"] + 0.001]]
    assert (
        client.post(route_url, json.dumps({"coordinates": more}), "application/json").json()[
            "length"
        ]
        == 3
    )
    bad = client.post(route_url, json.dumps({"coordinates": [["x", 1]]}), "application/json")
    assert bad.status_code == 400
    assert client.post(route_url, "not json", "application/json").status_code == 400
    walk.refresh_from_db()
    assert walk.route["type"] == "LineString" and len(walk.route["coordinates"]) == 3


def test_only_the_leader_records(client, place, walk):
    other = user_in(place["municipality"], role=Role.GROUP_MEMBER)
    client.force_login(other)
    data = {"lat": place["lat"], "lon": place["lon"], "reasons": ["dark"]}
    assert client.post(walk_url(walk, "residents:walk-point"), data).status_code == 404
    assert client.get(walk_url(walk)).status_code == 404
    # The coordinator sees the walk but does not record on it.
    client.force_login(place["coordinator"])
    assert client.get(walk_url(walk)).status_code == 200
    assert client.post(walk_url(walk, "residents:walk-point"), data).status_code == 404


def test_finishing_closes_the_walk(client, place, walk):
    client.force_login(walk.leader)
    client.post(walk_url(walk, "residents:walk-finish"), {"participants": "9"})
    walk.refresh_from_db()
    assert walk.status == WalkStatus.FINISHED and walk.participants == 9
    with pytest.raises(ValidationError):
        walk_point_add(
            actor=walk.leader, walk=walk, lat=place["lat"], lon=place["lon"], reasons=["dark"]
        )
    page = client.get(walk_url(walk)).content.decode()
    assert 'id="walk-recorder"' not in page and "export/pdf" in page


def _finished_walk(place, walk):
    for n, reasons in enumerate([["dark"], ["vandalised", "deserted"]]):
        walk_point_add(
            actor=walk.leader,
            walk=walk,
            lat=place["lat"],
            lon=place["lon"] + 0.0005 * n,
            reasons=reasons,
            text=f"Plats {n + 1}",
            severity=n + 1,
        )
    walk.route = {
        "type": "LineString",
        "coordinates": [[place["lon"], place["lat"]], [place["lon"] + 0.001, place["lat"]]],
    }
    walk.save()
    return walk_finish(actor=walk.leader, walk=walk)


def test_the_walk_report_as_pdf_geojson_and_csv(client, place, walk):
    walk = _finished_walk(place, walk)
    client.force_login(walk.leader)
    pdf = client.get(walk_url(walk, "residents:walk-export", fmt="pdf"))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
    assert walk.title in text and "Plats 2" in text
    geo = client.get(walk_url(walk, "residents:walk-export", fmt="geojson")).json()
    kinds = [f["properties"]["kind"] for f in geo["features"]]
    assert kinds == ["route", "point", "point"]
    assert geo["features"][2]["properties"]["reasons"] == ["deserted", "vandalised"]
    csv = client.get(walk_url(walk, "residents:walk-export", fmt="csv")).content.decode()
    assert csv.splitlines()[0].startswith("number,lat,lon,area,reasons")
    assert len(csv.splitlines()) == 3
    assert client.get(walk_url(walk, "residents:walk-export", fmt="xlsx")).status_code == 404


def test_the_map_of_the_walk_is_drawn_from_the_coordinates():
    svg = walk_svg(
        [[17.30, 62.39], [17.31, 62.391]],
        [{"number": 1, "lat": 62.39, "lon": 17.30}, {"number": 2, "lat": 62.391, "lon": 17.31}],
        title="Test <walk>",
    )
    assert svg.startswith("<svg") and "<polyline" in svg
    assert ">1</text>" in svg and ">2</text>" in svg and "Test &lt;walk&gt;" in svg
    assert walk_svg([], []) == ""


def test_the_coordinator_takes_the_points_into_the_picture(client, place, walk):
    walk = _finished_walk(place, walk)
    client.force_login(walk.leader)
    assert client.post(walk_url(walk, "residents:walk-convert")).status_code == 404
    client.force_login(place["coordinator"])
    response = client.post(walk_url(walk, "residents:walk-convert"))
    assert response.status_code == 302
    observations = Observation.objects.filter(source="residents").order_by("severity")
    assert [o.severity for o in observations] == [1, 2]
    assert {o.category for o in observations} == {"unsafe_place"}
    assert all(o.group == place["group"] for o in observations)
    assert observations[0].text.startswith("Trygghetsvandring ")
    walk.refresh_from_db()
    assert walk.status == WalkStatus.FOLLOWED_UP
    assert walk_to_observations(actor=place["coordinator"], walk=walk) == 0
    assert Observation.objects.count() == 2


def test_a_walk_being_recorded_is_not_converted(place, walk):
    with pytest.raises(ValidationError):
        walk_to_observations(actor=place["coordinator"], walk=walk)


def test_walk_lists(client, place, walk):
    other_walk = SafetyWalkFactory(area=place["area"])
    client.force_login(walk.leader)
    body = client.get(reverse("residents:walks")).content.decode()
    assert walk.title in body and other_walk.title not in body
    client.force_login(place["coordinator"])
    body = client.get(reverse("residents:walks")).content.decode()
    assert walk.title in body and other_walk.title in body
