"""The annual report renders as HTML and as a PDF whose pages carry the expected headings."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest

from tests.analysis.test_pipeline import fast_params, write_inputs
from trygg.analysis import crime as crime_mod
from trygg.analysis.areas_io import load_geojson, read_population
from trygg.analysis.pipeline import AnalysisInputs, run_analysis_on_tables
from trygg.analysis.report.render import TEXTS, render_report_html, render_report_pdf
from trygg.analysis.survey_io import read_responses

HEADINGS = {
    "sv": ["Trygghetsrapport 2026", "Sammanfattning", "Kartor", "Utveckling",
           "Rangordning av områden", "Enkätresultat per område 2026", "Metod"],
    "en": ["Safety report 2026", "Summary", "Maps", "Trends", "Ranking of areas",
           "Survey results per area 2026", "Method"],
}  # fmt: skip


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    paths = write_inputs(tmp_path_factory.mktemp("report"))
    tables = AnalysisInputs(
        areas=load_geojson(paths["areas"]),
        crimes=crime_mod.read_crimes(paths["crimes"]).crimes,
        responses=read_responses(paths["survey"]),
        population=read_population(paths["population"]),
    )
    return run_analysis_on_tables(tables, params=fast_params(municipality_name="Sundsvall"))


def _page_texts(pdf: bytes, html: str) -> list[str]:
    """Text per PDF page: pypdf when installed; otherwise WeasyPrint's own layout of the
    same HTML (its bookmarks carry the page of every heading)."""
    try:
        from pypdf import PdfReader
    except ImportError:
        from weasyprint import HTML

        document = HTML(string=html).render()
        pages = [""] * len(document.pages)

        def walk(tree):
            for label, (page, *_), children, *_ in tree:
                pages[page] += label + "\n"
                walk(children)

        walk(document.make_bookmark_tree())
        return pages
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_pdf_pages_have_the_expected_headings(results, lang):
    html = render_report_html(results, lang=lang, today=dt.date(2027, 1, 15))
    pdf = render_report_pdf(html)
    assert pdf.startswith(b"%PDF-")
    pages = _page_texts(pdf, html)
    assert len(pages) >= 6
    # The title is alone on page 1, each chapter starts a page, in order.
    first_pages = []
    for heading in HEADINGS[lang]:
        found = [i for i, text in enumerate(pages) if heading in text]
        assert found, f"{heading!r} not in the PDF"
        first_pages.append(found[0])
    assert first_pages[0] == 0
    assert first_pages == sorted(first_pages)
    assert first_pages[1] >= 1


def test_html_content(results):
    html = render_report_html(results, lang="sv", today=dt.date(2027, 1, 15))
    # Opened on a phone, the report is laid out for the phone's width, not 980 px.
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in html
    assert "Framtagen 2027-01-15" in html  # Swedish date style
    # Problem index, crime rate, hot spots, and the emerging hot spots' map.
    assert html.count('class="chart map"') == 4
    assert 'class="chart trend"' in html and 'class="chart ranks"' in html
    assert "<table class='ranked'>" in html
    # The top priority areas and their explanations are in the summary.
    summary = html.split('id="summary"')[1].split("</section>")[0]
    top = results.priorities.table.head(3)["name"].to_list()
    assert all(name in summary for name in top)
    assert "hamnar på plats 1 (intervall" in summary
    assert "Vikter i prioriteringen" in summary
    # Decimal commas in Swedish.
    assert re.search(r"<td class='num'>\d+,\d\d</td>", html)
    # Counts of areas, answers and crimes on the title page.
    assert "29 områden" in html


def test_suppressed_cells_are_marked(results):
    import polars as pl

    # Suppress one area's problem index as the survey code does for too few answers.
    code = results.area_codes[0]
    si = results.survey_indices.with_columns(
        pl.when((pl.col("area_code") == code) & (pl.col("level") == "area"))
        .then(True)
        .otherwise(pl.col("suppressed"))
        .alias("suppressed"),
        pl.when((pl.col("area_code") == code) & (pl.col("level") == "area"))
        .then(None)
        .otherwise(pl.col("estimate"))
        .alias("estimate"),
    )
    results.survey_indices, original = si, results.survey_indices
    try:
        html = render_report_html(results, lang="en")
    finally:
        results.survey_indices = original
    assert "<td class='num suppressed'>–</td>" in html
    assert "too few answers to publish" in html
    assert 'fill="url(#hatch)"' in html  # hatched on the map


def test_texts_are_complete_in_both_languages():
    assert set(TEXTS["sv"]) == set(TEXTS["en"])
    assert all(v.strip() for lang in TEXTS for v in TEXTS[lang].values())


def test_grid_hot_spots_get_their_own_map_around_the_hot_cells(tmp_path):
    """With an H3 resolution the report adds a map of the hot and cold hexagons, zoomed to
    their surroundings, and says how many there are; without one it has no such map."""
    paths = write_inputs(tmp_path)
    tables = AnalysisInputs(
        areas=load_geojson(paths["areas"]),
        crimes=crime_mod.read_crimes(paths["crimes"]).crimes,
        responses=read_responses(paths["survey"]),
        population=read_population(paths["population"]),
    )
    grid = run_analysis_on_tables(
        tables,
        params=fast_params(municipality_name="Sundsvall", permutations=None, h3_resolution=8),
    )
    cells = grid.hotspots.filter(grid.hotspots["level"] == "h3_8")
    hot = int((cells["class"] == "hot").sum())
    assert hot > 0  # the planted centre is found on the grid with the default inference
    html = render_report_html(grid, lang="sv")
    # The three area maps and the grid's, and the emerging chapter's for areas and grid.
    assert html.count('class="chart map"') == 6
    assert "i sexkanter (H3, upplösning 8)" in html
    assert f"{hot} heta och" in html
    # Every hot hexagon is drawn (its title is the cell id), the quiet ones are not.
    figure = html.split("i sexkanter (H3, upplösning 8)")[1].split("</figure>")[0]
    assert figure.count("<title>") >= hot
    assert cells.filter(cells["class"] == "none")["unit"][0] not in figure
    assert (
        "upplösning"
        not in render_report_html(
            run_analysis_on_tables(tables, params=fast_params()), lang="sv"
        ).split("Metod")[0]
    )
