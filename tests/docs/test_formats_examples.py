"""Every example of docs/formats.md goes through the reader it documents, so the reference
cannot drift from the code: a reader that stops accepting an example fails here.

An example is the fenced block right after an ``<!-- example: KEY -->`` comment.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from shapely.geometry import shape

from tests.factories import MunicipalityFactory, user_in
from trygg.analysis.areas_io import load_geojson, parse_areas, read_population
from trygg.analysis.bra_io import read_bra_municipal
from trygg.analysis.crime import read_crimes
from trygg.analysis.geo import AreaLocator
from trygg.analysis.pipeline import read_observations
from trygg.analysis.population_io import read_scb_population
from trygg.analysis.questionnaire import parse_questionnaire
from trygg.analysis.survey_io import load_responses

FORMATS = Path(__file__).resolve().parents[2] / "docs" / "formats.md"
MARKER = re.compile(r"<!-- example: ([a-z-]+) -->")
EXAMPLE = re.compile(r"<!-- example: ([a-z-]+) -->\n```[a-z]+\n(.*?)\n```", re.S)
KEYS = {
    "areas",
    "population",
    "population-pxcsv",
    "population-jsonstat",
    "bra-municipal",
    "survey-responses",
    "questionnaire",
    "crimes",
    "crimes-semicolon",
    "police-events",
    "observations",
    "sample-frame",
}
LEAVES = {"E01", "E02"}


def _examples() -> dict[str, str]:
    text = FORMATS.read_text(encoding="utf-8")
    found: dict[str, str] = {}
    for key, body in EXAMPLE.findall(text):
        assert key not in found, f"example {key!r} appears twice in {FORMATS.name}"
        found[key] = body + "\n"
    return found


EXAMPLES = _examples()


def _file(tmp_path: Path, key: str, name: str) -> Path:
    path = tmp_path / name
    path.write_text(EXAMPLES[key], encoding="utf-8")
    return path


def test_every_marked_example_has_a_block_and_a_check() -> None:
    marked = MARKER.findall(FORMATS.read_text(encoding="utf-8"))
    assert sorted(marked) == sorted(set(marked)), "an example key is used twice"
    assert set(marked) == set(EXAMPLES), "a marker is not followed by a fenced block"
    assert set(EXAMPLES) == KEYS, "add a check below for a new example (or remove its key)"


def test_areas(tmp_path: Path) -> None:
    features = parse_areas(
        load_geojson(_file(tmp_path, "areas", "areas.geojson")), file="areas.geojson"
    )
    assert [(f.code, f.parent_code) for f in features] == [
        ("D1", None),
        ("E01", "D1"),
        ("E02", "D1"),
    ]
    assert features[1].population == 1200


def test_population(tmp_path: Path) -> None:
    frame = read_population(
        _file(tmp_path, "population", "population.csv"), known_area_codes={"D1", *LEAVES}
    )
    assert frame.height == 6
    assert frame["sex"].to_list().count("F") == 3  # K is a woman
    assert frame["count"].to_list()[-1] == 1004  # a space as thousands separator


def test_population_pxcsv(tmp_path: Path) -> None:
    path = tmp_path / "BE0101Y.csv"
    path.write_bytes(EXAMPLES["population-pxcsv"].encode("latin-1"))  # PX-Web's default
    frame = read_scb_population(
        path, known_area_codes={"2281A0010", "2281A0020"}, municipality_code="2281"
    )
    got = {tuple(r[:4]): r[4] for r in frame.iter_rows()}
    assert got[("2281A0010", 2024, "M", "16-24")] == 43 + 8  # 16-19 of 15-19: 4/5 of 10
    assert got[("2281A0010", 2024, "M", "0-15")] == 2
    assert got[("2281A0020", 2024, "F", "75+")] == 2
    assert {r[0] for r in got} == {"2281A0010", "2281A0020"}  # Timrå and the total left out


def test_population_jsonstat(tmp_path: Path) -> None:
    frame = read_scb_population(
        _file(tmp_path, "population-jsonstat", "BE0101Y.json"),
        known_area_codes={"2281A0010"},
        municipality_code="2281",
    )
    got = {tuple(r[:4]): r[4] for r in frame.iter_rows()}
    assert got == {
        ("2281A0010", 2024, "M", "16-24"): 12,
        ("2281A0010", 2024, "F", "16-24"): 14,
        ("2281A0010", 2024, "M", "75+"): 6,
        ("2281A0010", 2024, "F", "75+"): 9,
    }


def test_bra_municipal(tmp_path: Path) -> None:
    path = tmp_path / "bra.csv"
    path.write_bytes(EXAMPLES["bra-municipal"].encode("cp1252"))
    frame = read_bra_municipal(path)
    assert frame["region_code"].to_list() == ["2281", "2262", "2281"]  # no country, no county
    assert frame.row(0) == ("2281", "Sundsvall", 2024, "Samtliga brott", 12345, 12696.3)


def test_survey_responses(tmp_path: Path) -> None:
    loaded = load_responses(_file(tmp_path, "survey-responses", "svar.csv"), known_areas=LEAVES)
    frame = loaded.frame
    assert frame["respondent_id"].to_list() == ["r0001", "r0002", "r0003", "r0004"]
    assert frame["age_group"].cast(str).to_list()[1] == "65-74"  # the age in years
    assert frame["sex"].cast(str).to_list()[2] == "F"  # SCB's 2
    assert frame["graffiti"].to_list()[1] == 4  # the answer's text
    assert frame["litter"].to_list()[0:3] == [1, 4, None]
    assert frame["vandalism"].to_list()[0] is None  # 9: no opinion
    assert loaded.ignored_columns == ()


def test_questionnaire() -> None:
    questionnaire = parse_questionnaire(EXAMPLES["questionnaire"], source="enkat.yaml")
    assert questionnaire.item_codes == ("litter", "graffiti")
    assert questionnaire.column_map()["q1"] == "litter"
    assert questionnaire.colour_of(1.0).code == "low"


def test_crimes(tmp_path: Path) -> None:
    crimes = read_crimes(_file(tmp_path, "crimes", "brott.csv"), areas=LEAVES)
    assert crimes.excluded == 1  # the traffic accident
    assert crimes.crimes["category"].to_list() == ["violence", "theft", "vandalism"]
    assert crimes.crimes["area_code"].to_list()[1] == "E02"


def test_crimes_semicolon(tmp_path: Path) -> None:
    crimes = read_crimes(_file(tmp_path, "crimes-semicolon", "brott.csv"), areas=LEAVES)
    assert crimes.crimes["lat"].to_list()[0] == pytest.approx(62.391)
    assert crimes.crimes["category"].to_list() == ["violence", "theft"]


def test_police_events(tmp_path: Path) -> None:
    crimes = read_crimes(_file(tmp_path, "police-events", "events.json"))
    assert crimes.excluded == 1
    assert crimes.crimes["category"].to_list() == ["violence"]
    assert crimes.crimes["lon"].to_list() == [pytest.approx(17.31)]


def test_observations_for_the_analysis(tmp_path: Path) -> None:
    features = parse_areas(
        load_geojson(_file(tmp_path, "areas", "areas.geojson")), file="areas.geojson"
    )
    leaves = [f for f in features if f.code in LEAVES]
    locator = AreaLocator(
        codes=[f.code for f in leaves], geometries=[shape(f.geometry) for f in leaves]
    )
    counts = read_observations(
        _file(tmp_path, "observations", "observationer.csv"), locator=locator
    )
    assert dict(counts.sort("area_code").iter_rows()) == {"E01": 2.0, "E02": 2.0}


@pytest.fixture
def municipality(tmp_path: Path):
    from trygg.areas.services import areas_import_geojson

    m = MunicipalityFactory(name="Exempelby")
    areas_import_geojson(municipality=m, path=_file(tmp_path, "areas", "areas.geojson"))
    return m


@pytest.mark.django_db
def test_observations_import(tmp_path: Path, municipality) -> None:
    from trygg.situation.models import Observation
    from trygg.situation.services import observations_import_csv

    result = observations_import_csv(
        actor=user_in(municipality),
        municipality=municipality,
        path=_file(tmp_path, "observations", "observationer.csv"),
    )
    assert (result.created, result.rejected) == (3, ())
    placed = dict(Observation.objects.values_list("source_id", "area__code"))
    assert placed == {"obs-0001": "E01", "obs-0002": "E02", "obs-0003": "E02"}


@pytest.mark.django_db
def test_sample_frame(tmp_path: Path, municipality) -> None:
    from trygg.surveys.models import SurveySamplePerson
    from trygg.surveys.services import survey_round_create, survey_sample_import

    survey_round = survey_round_create(municipality=municipality, year=2026)
    count = survey_sample_import(
        survey_round=survey_round,
        path=_file(tmp_path, "sample-frame", "urval.csv"),
        actor=None,
    )
    assert count == 3
    stored = SurveySamplePerson.objects.filter(round=survey_round).order_by("id")
    assert [(p.sex, p.age_group) for p in stored] == [
        ("F", "25-34"),
        ("M", "65-74"),
        ("F", "16-24"),
    ]
