"""Emerging hot spots and the H3 hot-spot grid on the dashboard map and the area page, from
a demo run with a hexagon grid (built once for the module, tests/shared_db.py)."""

from __future__ import annotations

import json
import re

import polars as pl
import pytest

from tests.factories import user_in
from trygg.accounts.roles import Role
from trygg.areas.models import Area
from trygg.reports.models import AnalysisRun
from trygg.reports.selectors import dashboard_cells, dashboard_rows, run_table
from trygg.reports.selectors.emerging import emerging_by_area

pytestmark = pytest.mark.django_db

RESOLUTION = 9  # as `make demo` runs it


@pytest.fixture(scope="module")
def module_grid_run(django_db_setup, django_db_blocker, tmp_path_factory):
    from tests.shared_db import demo_run_for_module
    from trygg.analysis.pipeline import AnalysisParams

    yield from demo_run_for_module(
        django_db_blocker, tmp_path_factory,
        params=AnalysisParams(pdf=False, h3_resolution=RESOLUTION),
    )  # fmt: skip


@pytest.fixture
def run(db, module_grid_run):
    return AnalysisRun.objects.get(pk=module_grid_run.pk)


@pytest.fixture
def coordinator(client, run, two_factor_off):
    user = user_in(run.municipality, role=Role.SAFETY_COORDINATOR)
    client.force_login(user)
    return user


def test_every_area_has_a_category_and_the_planted_clusters_show_on_the_grid(run):
    categories = emerging_by_area(run)
    areas = Area.objects.filter(municipality=run.municipality, level="area")
    assert set(categories) == set(areas.values_list("code", flat=True))
    # The demo's planted point clusters (Nacksta's drug scene, the centre) are hot every
    # year on the grid; the one planted in Norrmalm in the last two years is new there.
    rows = dashboard_rows(run, areas=areas)
    _, _, cells = dashboard_cells(run, rows=rows)
    by_area: dict[str, set[str]] = {}
    for cell in cells:
        by_area.setdefault(cell["area"], set()).add(cell["emerging"])
    assert "Ihållande het punkt" in by_area.get("Nacksta", set()) | by_area.get("Centrum", set())
    assert by_area.get("Norrmalm", set()) & {"Ny het punkt", "Sammanhängande het punkt"}


def test_dashboard_offers_emerging_and_grid_layers_with_legends_and_tables(
    client, run, coordinator
):
    page = client.get("/reports/dashboard/").content.decode()
    for layer in ("emerging", "h3_hotspots", "h3_emerging"):
        assert f'<option value="{layer}">' in page
        assert f'data-legend="{layer}"' in page
    assert 'data-cells="cells-geojson"' in page and 'id="cells-geojson"' in page
    assert "Mönster över åren" in page and "Sexkantsrutnätet som tabell" in page
    cells = json.loads(
        re.search(
            r'<script id="cells-geojson" type="application/json">(.*?)</script>', page, re.S
        ).group(1)
    )
    assert cells["features"]
    first = cells["features"][0]["properties"]
    assert {"fill_h3_hotspots", "fill_h3_emerging", "label_h3_hotspots"} <= set(first)
    # Every drawn cell is one the run found hot, cold or patterned.
    hot = run_table(run, "hotspots").filter(pl.col("level") == f"h3_{RESOLUTION}")
    marked = set(hot.filter(pl.col("class") != "none")["unit"].to_list())
    emerging = run_table(run, "emerging_hotspots").filter(pl.col("level") == f"h3_{RESOLUTION}")
    marked |= set(emerging["unit"].to_list())
    assert {f["properties"]["cell"] for f in cells["features"]} <= marked


def test_grid_cells_stay_within_the_areas_shown(run):
    areas = Area.objects.filter(municipality=run.municipality, level="area")
    rows = dashboard_rows(run, areas=areas)
    _, _, everything = dashboard_cells(run, rows=rows)
    some = [r for r in rows if r["name"] in {"Nacksta", "Skönsberg"}]
    _, _, few = dashboard_cells(run, rows=some)
    assert {c["area"] for c in few} <= {"Nacksta", "Skönsberg"}
    assert len(few) <= len(everything)
    _, legends, none = dashboard_cells(run, rows=[])
    assert none == [] and legends == {}


def test_area_page_shows_the_category_and_the_yearly_z(client, run, coordinator):
    nacksta = Area.objects.get(name="Nacksta", municipality=run.municipality)
    page = client.get(f"/areas/{nacksta.id}/").content.decode()
    assert 'id="emerging-heading"' in page and "Het punkt över åren" in page
    category = emerging_by_area(run)[nacksta.code]
    assert f'data-emerging="{category}"' in page
    years = run_table(run, "emerging_hotspot_years")
    mine = years.filter((pl.col("level") == "area") & (pl.col("unit") == nacksta.code))
    for year in mine["year"].to_list():
        assert f'<th scope="row" class="num">{year}</th>' in page


def test_the_emerging_tables_download_with_the_run(client, run, coordinator):
    response = client.get(f"/reports/{run.public_id}/emerging_hotspots.csv")
    assert response.status_code == 200
    assert b"category" in b"".join(response.streaming_content)


def test_other_municipality_sees_no_grid_or_pattern(client, run, two_factor_off):
    from tests.factories import MunicipalityFactory

    other = MunicipalityFactory(code="0999", name="Annanstans")
    client.force_login(user_in(other, role=Role.SAFETY_COORDINATOR))
    page = client.get("/reports/dashboard/").content.decode()
    assert "cells-geojson" not in page and "Nacksta" not in page


def test_the_api_gives_the_areas_category_and_yearly_z(client, run, coordinator):
    nacksta = Area.objects.get(name="Nacksta", municipality=run.municipality)
    stats = client.get(f"/api/v1/areas/{nacksta.id}/statistics/").json()
    emerging = stats["emerging"]
    assert emerging["category"] == emerging_by_area(run)[nacksta.code]
    assert [s["year"] for s in emerging["series"]] == sorted(s["year"] for s in emerging["series"])
    assert "chart" not in emerging
