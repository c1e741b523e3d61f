"""The REST API answers only with what the user may see, by session or by token."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from tests.factories import AreaFactory, MunicipalityFactory, SafetyGroupFactory, user_in
from trygg.api.services import user_api_token

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    sundsvall, timra = MunicipalityFactory(code="2281"), MunicipalityFactory(code="2262")
    own = AreaFactory(municipality=sundsvall, code="S1")
    other = AreaFactory(municipality=timra, code="T1")
    group = SafetyGroupFactory(municipality=sundsvall)
    group.areas.add(own)
    SafetyGroupFactory(municipality=timra)
    return {"user": user_in(sundsvall, username="sara"), "own": own, "other": other}


@pytest.fixture
def api(world):
    client = APIClient()
    client.force_authenticate(world["user"])
    return client


def test_anonymous_gets_nothing():
    client = APIClient()
    for url in (
        "/api/v1/areas/",
        "/api/v1/me/",
        "/api/v1/municipalities/",
        "/api/v1/safety-groups/",
    ):
        assert client.get(url).status_code in (401, 403)


def test_areas_are_scoped(api, world):
    data = api.get("/api/v1/areas/").json()
    assert [a["code"] for a in data["results"]] == ["S1"]
    assert api.get(f"/api/v1/areas/{world['own'].id}/").status_code == 200
    assert api.get(f"/api/v1/areas/{world['other'].id}/").status_code == 404


def test_area_filters(api, world):
    assert api.get("/api/v1/areas/?municipality=2262").json()["count"] == 0
    assert api.get("/api/v1/areas/?level=district").json()["count"] == 0
    assert api.get("/api/v1/areas/?level=area&municipality=2281").json()["count"] == 1


def test_geojson_has_the_boundaries(api, world):
    collection = api.get("/api/v1/areas/geojson/").json()
    assert collection["type"] == "FeatureCollection"
    [feature] = collection["features"]
    assert feature["properties"]["code"] == "S1"
    assert feature["geometry"]["type"] == "Polygon"


def test_municipalities_and_groups_are_scoped(api):
    assert [m["code"] for m in api.get("/api/v1/municipalities/").json()["results"]] == ["2281"]
    assert api.get("/api/v1/municipalities/2262/").status_code == 404
    groups = api.get("/api/v1/safety-groups/").json()["results"]
    assert (
        len(groups) == 1
        and groups[0]["area_codes"] == ["S1"]
        and groups[0]["municipality"] == "2281"
    )


def test_me(api):
    me = api.get("/api/v1/me/").json()
    assert me["username"] == "sara" and me["municipalities"] == ["2281"]


def test_token_authentication(world):
    token = user_api_token(username="sara")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert client.get("/api/v1/areas/").json()["count"] == 1
    client.credentials(HTTP_AUTHORIZATION="Token not-a-token")
    assert client.get("/api/v1/areas/").status_code == 401


def test_openapi_document_lists_the_endpoints(client):
    response = client.get("/api/schema/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    for path in (
        "/api/v1/areas/",
        "/api/v1/areas/{id}/",
        "/api/v1/areas/geojson/",
        "/api/v1/me/",
        "/api/v1/municipalities/",
        "/api/v1/safety-groups/",
    ):
        assert path in paths


def test_api_docs_need_login_and_load_locally(client, world):
    assert client.get("/api/docs/").status_code == 302
    client.force_login(world["user"])
    page = client.get("/api/docs/").content.decode()
    assert "swagger-ui" in page.lower()
    assert "cdn." not in page and "unpkg" not in page
