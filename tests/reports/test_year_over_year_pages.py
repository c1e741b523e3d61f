"""Year-over-year change on the area page, the comparison page and the public page (issue 16
item 5): a planted significant change is marked so in words, a planted chance one says it
may be chance, suppressed cells are empty with the reason, and the public page shows only
what was published."""

from __future__ import annotations

import csv
import io

import pytest

from tests.factories import AreaFactory, MunicipalityFactory, user_in
from trygg.accounts.roles import Role
from trygg.reports.models import AnalysisRun

pytestmark = pytest.mark.django_db

SIGNIFICANT = 'data-change="significant"'
NOT_SIGNIFICANT = 'data-change="not-significant"'
SUPPRESSED = 'data-change="suppressed"'
INCREASE = "Ökningen är statistiskt säkerställd."
CHANCE = "Förändringen kan vara slumpen."

SURVEY_HEADER = (
    "level,area_code,index,year,estimate,ci_low,ci_high,n,method,suppressed,"
    "direct_estimate,direct_se,df,share,share_se"
)


def write(path, text: str) -> None:
    path.write_text(text.strip() + "\n", encoding="utf-8")


@pytest.fixture
def planted(settings, tmp_path, two_factor_off):
    """Norra: the problem index and crime rise clearly from 2025 to 2026; Södra: a small
    rise that may be chance; Norra's worry index is suppressed in 2026."""
    settings.VAR_DIR = tmp_path / "var"
    municipality = MunicipalityFactory(code="2299", name="Planthem")
    north = AreaFactory(municipality=municipality, code="229901", name="Norra")
    south = AreaFactory(municipality=municipality, code="229902", name="Södra")
    run = AnalysisRun.objects.create(
        municipality=municipality, year=2026, parameters={"min_population": 50},
        run_record={"survey_year": 2026},
    )  # fmt: skip
    folder = run.directory
    folder.mkdir(parents=True)
    n, s = north.code, south.code
    write(
        folder / "survey_indices.csv",
        f"""{SURVEY_HEADER}
area,{n},problem_index,2025,2.0,1.8,2.2,80,direct,false,2.0,0.1,60,0.33,0.02
area,{n},problem_index,2026,2.8,2.6,3.0,80,direct,false,2.8,0.1,60,0.47,0.02
area,{s},problem_index,2025,2.0,1.6,2.4,80,direct,false,2.0,0.2,60,0.33,0.03
area,{s},problem_index,2026,2.1,1.7,2.5,80,direct,false,2.1,0.2,60,0.35,0.03
area,{n},worry_index,2025,1.5,1.3,1.7,40,direct,false,1.5,0.1,30,0.25,0.02
area,{n},worry_index,2026,,,,,,true,,,,,""",
    )
    write(
        folder / "survey_changes.csv",
        f"""level,area_code,index,year_from,year_to,estimate_from,estimate_to,difference,se,ci_low,ci_high,t,df,p_value,significant,suppressed
area,{n},problem_index,2025,2026,2.0,2.8,0.8,0.1414,0.52,1.08,5.66,60,0.0000004,true,false
area,{s},problem_index,2025,2026,2.0,2.1,0.1,0.2828,-0.47,0.67,0.35,60,0.72,false,false
area,{n},worry_index,2025,2026,,,,,,,,30,,false,true""",
    )
    write(
        folder / "crime_rates.csv",
        f"""area_code,year,category,count,population,rate_per_1000
{n},2025,theft,40,1000,40.0
{n},2026,theft,90,1000,90.0
{s},2025,theft,30,1000,30.0
{s},2026,theft,33,1000,33.0""",
    )
    write(
        folder / "priorities.csv",
        f"""area_code,name,rank,rank_low,rank_high,score,explanation_sv,explanation_en
{n},Norra,1,1,1,1.0,Norra först,Norra first
{s},Södra,2,2,2,-1.0,Södra sist,Södra last""",
    )
    return {"run": run, "north": north, "south": south, "municipality": municipality}


def section(page: str, heading_id: str) -> str:
    return page[page.index(f'id="{heading_id}"') :].split("</section>")[0]


def row_of(html: str, label: str) -> str:
    return html[html.index(label) :].split("</tr>")[0]


def test_area_page_marks_a_significant_change_and_says_chance_otherwise(client, planted):
    client.force_login(user_in(planted["municipality"], role=Role.SAFETY_COORDINATOR))
    page = client.get(f"/areas/{planted['north'].id}/").content.decode()
    survey = section(page, "survey-heading")
    problem = row_of(survey, '<th scope="row">Problem i området')
    assert SIGNIFICANT in problem and INCREASE in problem
    assert "+0,80" in problem and "+0,52 till +1,08" in problem  # the change and its interval
    worry = row_of(survey, '<th scope="row">Oro för brott')
    assert SUPPRESSED in worry and "för få svar" in worry and INCREASE not in worry
    crime = section(page, "crime-heading")
    # 40 → 90 per 1,000: +125 %, exact test p < 0.001.
    assert SIGNIFICANT in crime and "+125 %" in crime and INCREASE in crime
    assert "för få" not in crime

    page = client.get(f"/areas/{planted['south'].id}/").content.decode()
    survey = section(page, "survey-heading")
    problem = row_of(survey, '<th scope="row">Problem i området')
    assert NOT_SIGNIFICANT in problem and CHANCE in problem and INCREASE not in problem
    assert "-0,47 till +0,67" in problem
    crime = section(page, "crime-heading")
    assert NOT_SIGNIFICANT in crime and SIGNIFICANT not in crime and CHANCE in crime


def test_area_crime_download_has_the_tested_change(client, planted):
    client.force_login(user_in(planted["municipality"], role=Role.SAFETY_COORDINATOR))
    url = f"/reports/area-tables/?area={planted['north'].id}&table=crime&fmt=csv"
    rows = list(csv.DictReader(io.StringIO(client.get(url).content.decode("utf-8-sig"))))
    total = next(r for r in rows if r["category"] == "total")
    assert float(total["change_percent"]) == pytest.approx(125.0)
    assert float(total["change_low_percent"]) > 0 and total["significant"] == "true"
    assert "change" not in rows[0]  # no raw count difference any more


def test_compare_pages_mark_the_changes(client, planted):
    client.force_login(user_in(planted["municipality"], role=Role.SAFETY_COORDINATOR))
    north, south = planted["north"], planted["south"]
    page = client.get(f"/reports/compare/?a={north.id}&b={south.id}").content.decode()
    rows = page.split('class="change-row"')[1:]
    assert rows, "no change rows"
    problem = rows[0].split("</tr>")[0]
    north_cell, south_cell = problem.split("<td")[1:3]
    assert SIGNIFICANT in north_cell and INCREASE in north_cell
    assert NOT_SIGNIFICANT in south_cell and CHANCE in south_cell

    page = client.get(
        f"/reports/compare/?municipality={planted['municipality'].code}&year_a=2025&year_b=2026"
    ).content.decode()
    table = page[page.index("<caption>Problemindex och") :].split("</table>")[0]
    north_row = table[table.index(f"/areas/{north.id}/") :].split("</tr>")[0]
    south_row = table[table.index(f"/areas/{south.id}/") :].split("</tr>")[0]
    # Both the index (design-based test from the direct estimates) and the crime rate.
    assert north_row.count(SIGNIFICANT) == 2 and north_row.count(INCREASE) == 2
    assert south_row.count(NOT_SIGNIFICANT) == 2 and SIGNIFICANT not in south_row
    assert "+0,80" in north_row
    # The other way round the same change is a decrease.
    page = client.get(
        f"/reports/compare/?municipality={planted['municipality'].code}&year_a=2026&year_b=2025"
    ).content.decode()
    assert "Minskningen är statistiskt säkerställd." in page and "-0,80 <" not in page
    assert '<span class="change-value">-0,80</span>' in page


def test_public_page_shows_only_published_non_suppressed_changes(client, planted, settings):
    from trygg.reports.services import publication_create

    settings.TRYGG_PUBLIC_MIN_COUNT = 31  # Södra's 30 crimes of 2025 are too few to publish
    code = planted["municipality"].code
    assert client.get(f"/open/{code}/").status_code == 404  # nothing before publishing
    publication = publication_create(run=planted["run"], actor=None)
    north = next(r for r in publication.areas if r["code"] == planted["north"].code)
    south = next(r for r in publication.areas if r["code"] == planted["south"].code)
    assert north["problem_index_change"] == 0.8 and north["problem_index_change_significant"]
    assert "worry_index_change" not in north  # suppressed: nothing published
    assert north["crime_rate_change_significant"] and north["crime_rate_change_low"] > 0
    assert south["problem_index_change_significant"] is False
    assert "crime_rate_change_percent" not in south  # a year below the minimum count

    page = client.get(f"/open/{code}/").content.decode()
    north_row = row_of(page, '<th scope="row">Norra')
    assert north_row.count(SIGNIFICANT) == 2 and INCREASE in north_row
    south_row = row_of(page, '<th scope="row">Södra')
    assert NOT_SIGNIFICANT in south_row and CHANCE in south_row
    assert SIGNIFICANT not in south_row
    data = client.get(f"/open/{code}/2026/data.csv").content.decode("utf-8-sig")
    table = {r["code"]: r for r in csv.DictReader(io.StringIO(data))}
    assert table[planted["north"].code]["problem_index_change"] == "0.8"
    assert table[planted["south"].code]["crime_rate_change_percent"] == ""
    assert table[planted["north"].code]["worry_index_change"] == ""
