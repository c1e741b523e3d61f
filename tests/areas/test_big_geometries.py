"""Big boundaries: refused above the vertex limit, drawn simplified, analysed exactly."""

from __future__ import annotations

import html
import io
import json
import math

import pytest
import shapely
from shapely.geometry import Point, shape

from tests.factories import MunicipalityFactory, user_in
from trygg.accounts.roles import Role
from trygg.analysis.errors import InputError
from trygg.areas.models import Area
from trygg.areas.selectors import locate_points
from trygg.areas.services import areas_import_geojson
from trygg.reports.selectors import analysis_inputs_from_db

pytestmark = pytest.mark.django_db

CENTRE = (17.3, 62.39)


def jagged_ring(vertices: int, radius: float = 0.02, tooth: float = 0.0003) -> dict:
    """A closed ring of ``vertices`` coordinates: a circle whose radius alternates by
    ``tooth`` (about 30 m), the kind of detail a surveyed boundary has and a map cannot show."""
    n = vertices - 1
    ring = []
    for i in range(n):
        r = radius + (tooth if i % 2 else -tooth)
        a = 2 * math.pi * i / n
        ring.append([CENTRE[0] + 2 * r * math.cos(a), CENTRE[1] + r * math.sin(a)])
    return {"type": "Polygon", "coordinates": [[*ring, ring[0]]]}


def areas_file(tmp_path, geometry: dict, *, code="A1", name="big.geojson"):
    path = tmp_path / name
    other = {
        "type": "Polygon",
        "coordinates": [[[17.5, 62.5], [17.51, 62.5], [17.51, 62.51], [17.5, 62.5]]],
    }
    features = [
        {"type": "Feature", "properties": {"code": "S1", "name": "Liten"}, "geometry": other},
        {"type": "Feature", "properties": {"code": code, "name": "Stor"}, "geometry": geometry},
    ]
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    return path


def test_an_area_with_200k_vertices_is_refused_naming_file_feature_code_and_count(tmp_path):
    municipality = MunicipalityFactory()
    path = areas_file(tmp_path, jagged_ring(200_000), code="HUGE")
    with pytest.raises(InputError) as caught:
        areas_import_geojson(municipality=municipality, path=path, file_name="big.geojson")
    (problem,) = caught.value.problems
    assert (problem.file, problem.feature, problem.column) == ("big.geojson", 1, "geometry")
    assert "'HUGE'" in problem.reason and "200000 vertices" in problem.reason
    assert "20000" in problem.reason
    assert not Area.objects.exists()  # nothing of the file is stored, the small area neither


def test_the_import_page_names_the_area_and_count_in_swedish(client, tmp_path):
    municipality = MunicipalityFactory()
    client.force_login(user_in(municipality, role=Role.SAFETY_COORDINATOR))
    upload = io.BytesIO(areas_file(tmp_path, jagged_ring(20_001), code="HUGE").read_bytes())
    upload.name = "grannar.geojson"
    response = client.post(
        "/areas/import/", {"kind": "areas", "municipality": municipality.pk, "file": upload}
    )
    page = html.unescape(response.content.decode())
    assert response.status_code == 200
    assert "grannar.geojson" in page
    assert "området 'HUGE' har 20001 hörnpunkter, fler än de 20000 som tillåts" in page
    assert not Area.objects.exists()


def test_the_vertex_limit_is_a_setting(tmp_path, settings):
    settings.TRYGG_MAX_AREA_VERTICES = 100
    with pytest.raises(InputError, match="101 vertices, more than the 100 allowed"):
        areas_import_geojson(
            municipality=MunicipalityFactory(), path=areas_file(tmp_path, jagged_ring(101))
        )


@pytest.fixture
def big_area(tmp_path):
    """A 19,999-vertex area (just under the limit), imported."""
    municipality = MunicipalityFactory()
    areas_import_geojson(municipality=municipality, path=areas_file(tmp_path, jagged_ring(19_999)))
    return Area.objects.get(municipality=municipality, code="A1")


def test_an_area_under_the_limit_is_drawn_simplified_everywhere(client, big_area):
    exact = shape(big_area.geometry)
    drawn = shape(big_area.map_geometry)
    assert len(big_area.geometry["coordinates"][0]) == 19_999
    assert len(drawn.exterior.coords) <= 1_500
    # Still the same place: its label point inside, nearly the same surface.
    assert drawn.contains(Point(big_area.centroid_lon, big_area.centroid_lat))
    assert drawn.is_valid and abs(drawn.area - exact.area) / exact.area < 0.02
    # The anonymous residents' page, the staff map pages and the API all stay small.
    public = client.get(f"/trygghet/{big_area.municipality.code}/")
    assert public.status_code == 200 and len(public.content) < 200_000
    client.force_login(user_in(big_area.municipality, role=Role.ANALYST))
    for url in ("/areas/", f"/areas/{big_area.pk}/", "/api/v1/areas/geojson/", "/"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert len(response.content) < 200_000, (url, len(response.content))
    geojson = client.get("/api/v1/areas/geojson/").json()
    (feature,) = [f for f in geojson["features"] if f["properties"]["code"] == "A1"]
    assert feature["geometry"] == big_area.map_geometry


def test_analyses_use_the_exact_boundary(big_area):
    exact = shape(big_area.geometry)
    drawn = shape(big_area.map_geometry)
    # A point in a tooth of the exact boundary that the drawn one cuts off, and one in a gap
    # of the exact boundary that the drawn one fills.
    cut_off = exact.difference(drawn).representative_point()
    filled = drawn.difference(exact).representative_point()
    assert not drawn.contains(cut_off) and not exact.contains(filled)
    located = locate_points(
        municipality=big_area.municipality, lon=[cut_off.x, filled.x], lat=[cut_off.y, filled.y]
    )
    assert list(located) == ["A1", None]
    inputs = analysis_inputs_from_db(municipality=big_area.municipality)
    (feature,) = [f for f in inputs.areas["features"] if f["properties"]["code"] == "A1"]
    assert feature["geometry"] == big_area.geometry


def test_a_changed_boundary_is_simplified_again(big_area):
    small = {
        "type": "Polygon",
        "coordinates": [[[17.0, 62.0], [17.01, 62.0], [17.01, 62.01], [17.0, 62.0]]],
    }
    big_area.geometry = small
    big_area.save(update_fields=["geometry"])
    big_area.refresh_from_db()
    assert big_area.map_geometry == small


def test_a_publication_made_before_simplification_is_served_small(client, big_area):
    """Publications keep the boundaries of their day; one stored with the imported
    boundary is still downloaded simplified."""
    from trygg.reports.models import AnalysisRun, Publication

    m = big_area.municipality
    run = AnalysisRun.objects.create(municipality=m, year=2026)
    feature = {"type": "Feature", "geometry": big_area.geometry, "properties": {"code": "A1"}}
    Publication.objects.create(
        run=run,
        municipality=m,
        year=2026,
        licence="CC BY 4.0",
        areas=[{"code": "A1", "name": "Stor"}],
        geometry={"type": "FeatureCollection", "features": [feature]},
    )
    response = client.get(f"/open/{m.code}/2026/data.geojson")
    assert response.status_code == 200 and len(response.content) < 200_000
    (served,) = json.loads(response.content)["features"]
    assert served["geometry"] == big_area.map_geometry


def test_many_small_islands_are_drawn_within_the_budget():
    """Thousands of parts cannot each be simplified below a triangle: the drawing keeps the
    largest parts that fit, and always the largest."""
    from shapely.geometry import MultiPolygon, box

    from trygg.analysis.areas_io import MAP_MAX_VERTICES, simplify_for_map

    islands = [
        box(
            17 + 0.001 * (i % 60),
            62 + 0.001 * (i // 60),
            17.0004 + 0.001 * (i % 60),
            62.0004 + 0.001 * (i // 60),
        )
        for i in range(3_000)
    ]
    mainland = box(16.8, 61.8, 16.9, 61.9)
    drawn = shape(simplify_for_map(MultiPolygon([*islands, mainland])))
    assert shapely.get_num_coordinates(drawn) <= MAP_MAX_VERTICES
    assert drawn.contains(mainland.centroid) and 1 < len(drawn.geoms) < 3_001


def test_the_guided_import_checks_the_same_vertex_limit(client, tmp_path, settings, two_factor_off):
    """The guided import (/imports/) checks a file before importing it: by the same setting."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.factories import IMMEDIATE_TASKS
    from trygg.imports.models import ImportUpload, UploadStatus

    settings.VAR_DIR = tmp_path
    settings.TASKS = IMMEDIATE_TASKS
    settings.TRYGG_MAX_AREA_VERTICES = 100
    municipality = MunicipalityFactory()
    client.force_login(user_in(municipality, role=Role.ANALYST))
    content = areas_file(tmp_path, jagged_ring(101), code="TAND").read_bytes()
    response = client.post(
        "/imports/",
        {
            "kind": "areas",
            "municipality": municipality.pk,
            "file": SimpleUploadedFile("tand.geojson", content),
        },
    )
    assert response.status_code == 302
    upload = ImportUpload.objects.get()
    client.post(f"/imports/{upload.public_id}/", {"action": "validate"})
    upload.refresh_from_db()
    assert upload.status == UploadStatus.INVALID
    assert [p["reason"] for p in upload.problems] == [
        "area 'TAND' has 101 vertices, more than the 100 allowed; simplify the boundary "
        "(e.g. in QGIS) and import again"
    ]
    assert not Area.objects.exists()
