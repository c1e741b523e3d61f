"""The area page's tables as CSV/XLSX downloads, and reported crime on an H3 grid."""

from __future__ import annotations

import io
import re

import polars as pl
import pytest
from openpyxl import load_workbook

from tests.factories import MunicipalityFactory, user_in
from trygg.accounts.roles import Role
from trygg.areas.models import Area
from trygg.audit.models import AuditEvent

# `demo_run` is built once for the module (tests/shared_db.py); the module is listed in
# SHARED_DATA_MODULES (tests/conftest.py), so its tests run on one xdist worker.
pytestmark = pytest.mark.django_db


@pytest.fixture
def run(demo_run):
    return demo_run


def test_the_area_tables_download_as_shown_and_are_audited(client, run, two_factor_off):
    client.force_login(user_in(run.municipality, role=Role.SAFETY_COORDINATOR))
    nacksta = Area.objects.get(name="Nacksta")
    page = client.get(f"/areas/{nacksta.id}/").content.decode()
    for table in ("priority", "survey", "crime"):
        assert f"area={nacksta.id}&amp;table={table}&amp;fmt=csv" in page
    base = f"/reports/area-tables/?area={nacksta.id}"

    survey = client.get(f"{base}&table=survey&fmt=csv")
    assert survey["Content-Disposition"].startswith("attachment")
    survey = pl.read_csv(io.BytesIO(survey.content))
    assert {"index", "year", "estimate", "ci_low", "ci_high", "answers"} <= set(survey.columns)
    assert "problem_index" in survey["index"].to_list()

    crime = pl.read_csv(io.BytesIO(client.get(f"{base}&table=crime&fmt=csv").content))
    assert crime["category"].to_list()[-1] == "total" and "rate_per_1000" in crime.columns
    # the same counts as the page's table, last row the total
    years = [c for c in crime.columns if c.isdigit()]
    assert years and str(crime.filter(pl.col("category") == "total")[years[-1]][0]) in page

    priority = client.get(f"{base}&table=priority&fmt=xlsx")
    assert priority.content[:2] == b"PK"
    sheet = load_workbook(io.BytesIO(priority.content)).active
    header = [c.value for c in next(sheet.iter_rows(max_row=1))]
    assert header[:4] == ["component", "label", "value", "sd_from_average"]
    assert sheet.max_row > 2
    assert AuditEvent.objects.filter(action="export", object_type="area_statistics").count() == 3

    assert client.get(f"{base}&table=secret&fmt=csv").status_code == 404
    assert client.get(f"{base}&table=crime&fmt=pdf").status_code == 404


def test_area_downloads_are_refused_to_other_municipalities_and_roles(client, run, two_factor_off):
    nacksta = Area.objects.get(name="Nacksta")
    url = f"/reports/area-tables/?area={nacksta.id}&table=crime&fmt=csv"
    client.force_login(user_in(MunicipalityFactory(code="2262"), role=Role.SAFETY_COORDINATOR))
    assert client.get(url).status_code == 404
    client.force_login(user_in(run.municipality, role=Role.GROUP_MEMBER))
    assert client.get(url).status_code == 404
    assert not AuditEvent.objects.filter(object_type="area_statistics").exists()


def cell_counts(page: str) -> list[str]:
    table = page[page.index('class="cells-table"') :].split("</tbody>")[0]
    return re.findall(r'<td class="num">([^<]*)</td></tr>', table)


def test_crime_on_an_h3_grid_withholds_small_counts_from_published_only_roles(
    client, run, two_factor_off
):
    nacksta = Area.objects.get(name="Nacksta")
    client.force_login(user_in(run.municipality, role=Role.ANALYST))
    page = client.get(f"/areas/{nacksta.id}/").content.decode()
    assert 'id="cells-heading"' in page and 'data-cellmap="cells-geojson"' in page
    assert 'id="cells-geojson"' in page and "cellmap.js" in page
    full = cell_counts(page)
    assert full and all(c.isdigit() for c in full)
    assert any(int(c) < 5 for c in full), "the demo should have a cell with few crimes"

    client.force_login(user_in(run.municipality, role=Role.GROUP_MEMBER))
    page = client.get(f"/areas/{nacksta.id}/").content.decode()
    assert 'id="cells-heading"' in page and "survey-heading" not in page
    shown = cell_counts(page)
    assert len(shown) == len(full)
    assert all(not c.isdigit() or int(c) >= 5 for c in shown)
    assert any(not c.isdigit() for c in shown)  # "fewer than 5"
    # the GeoJSON for the map carries no small count either
    geojson = page[page.index('id="cells-geojson"') :].split("</script>")[0]
    counts = [int(n) for n in re.findall(r'"count": (\d+)', geojson)]
    assert counts and min(counts) >= 5
    assert (
        '<tfoot><tr><th scope="row">'
        not in page.split('class="cells-table"')[1].split("</table>")[0]
    )


def test_category_labels_are_neutralised_in_the_area_tables(
    client, run, two_factor_off, monkeypatch
):
    """A municipality's category table names the labels; one that reads as a formula is
    written as text to both the CSV and the XLSX."""
    from tests.core.test_exports import PAYLOADS, assert_no_formula, xlsx_cells
    from trygg.reports.selectors import results as selectors

    labels = selectors._category_labels()
    planted = {code: PAYLOADS[i % len(PAYLOADS)] for i, code in enumerate(labels)}
    monkeypatch.setattr(selectors, "_category_labels", lambda: planted)
    client.force_login(user_in(run.municipality, role=Role.SAFETY_COORDINATOR))
    nacksta = Area.objects.get(name="Nacksta")
    base = f"/reports/area-tables/?area={nacksta.id}&table=crime"
    crime = pl.read_csv(io.BytesIO(client.get(f"{base}&fmt=csv").content))
    shown = [label for label in crime["label"].to_list() if label]
    assert shown and all(label.startswith("'") and label[1:] in PAYLOADS for label in shown)
    xlsx = client.get(f"{base}&fmt=xlsx").content
    assert_no_formula(xlsx)
    cells = [row[1] for row in xlsx_cells(xlsx)[1:] if row[1][0]]
    assert cells and all(c[0] in PAYLOADS and c[1:] == ("s", True) for c in cells)
