"""Importing reported crimes: placed in areas, atomic, idempotent, bad rows named."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from tests.factories import AreaFactory, MunicipalityFactory, square
from trygg.analysis.errors import InputError
from trygg.audit.models import AuditEvent
from trygg.cli import main
from trygg.crime.models import ReportedCrime
from trygg.crime.selectors import crimes_table
from trygg.crime.services import crimes_import

pytestmark = pytest.mark.django_db


@pytest.fixture
def municipality():
    municipality = MunicipalityFactory(code="2281")
    AreaFactory(municipality=municipality, code="W", geometry=square(17.0, 62.0, 0.1))
    AreaFactory(municipality=municipality, code="E", geometry=square(17.1, 62.0, 0.1))
    return municipality


def write(tmp_path, text, name="brott.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


CSV = (
    "id;occurred_at;category;lat;lon\n"
    "1;2025-03-01 22:15;violence;62,05;17,05\n"
    "2;2025-03-02;theft;62,05;17,15\n"
    "3;2025-03-03T10:00:00+01:00;vandalism;63,5;17,05\n"
)


def test_crimes_are_placed_in_areas(municipality, tmp_path):
    result = crimes_import(municipality=municipality, path=write(tmp_path, CSV))
    assert (result.created, result.outside) == (3, 1)
    placed = dict(ReportedCrime.objects.values_list("source_id", "area__code"))
    assert placed == {"1": "W", "2": "E", "3": None}
    first = ReportedCrime.objects.get(source_id="1")
    assert first.occurred_at.isoformat() == "2025-03-01T21:15:00+00:00"  # Swedish time → UTC


def test_reimport_changes_nothing_and_corrections_replace(municipality, tmp_path):
    crimes_import(municipality=municipality, path=write(tmp_path, CSV))
    again = crimes_import(municipality=municipality, path=write(tmp_path, CSV))
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)
    corrected = CSV.replace("2;2025-03-02;theft", "2;2025-03-02;burglary")
    result = crimes_import(municipality=municipality, path=write(tmp_path, corrected, "v2.csv"))
    assert (result.created, result.updated, result.unchanged) == (0, 1, 2)
    assert ReportedCrime.objects.get(source_id="2").category == "burglary"
    assert AuditEvent.objects.filter(object_type="reported_crimes").count() == 2


def test_a_bad_row_imports_nothing(municipality, tmp_path):
    bad = CSV + "4;2025-13-45;violence;62,05;17,05\n"
    with pytest.raises(InputError) as caught:
        crimes_import(municipality=municipality, path=write(tmp_path, bad), file_name="mars.csv")
    problem = caught.value.first
    assert (problem.file, problem.line, problem.column) == ("mars.csv", 5, "occurred_at")
    assert ReportedCrime.objects.count() == 0


def test_skip_bad_rows_keeps_the_good_ones(municipality, tmp_path):
    bad = CSV + "4;2025-03-04;arson-ish;62,05;17,05\n"
    result = crimes_import(municipality=municipality, path=write(tmp_path, bad), skip_bad_rows=True)
    assert result.created == 3
    [problem] = result.rejected
    assert (problem.line, problem.column) == (5, "category")


def test_area_code_in_the_file_is_kept(municipality, tmp_path):
    path = write(tmp_path, "id,occurred_at,category,area_code\n9,2025-01-01,robbery,E\n")
    crimes_import(municipality=municipality, path=path)
    assert ReportedCrime.objects.get().area.code == "E"


def test_police_events_feed(municipality, tmp_path):
    events = [
        {
            "id": 101,
            "datetime": "2025-05-01 21:10:00 +02:00",
            "name": "01 maj 21.10, Misshandel, Sundsvall",
            "summary": "",
            "url": "/x",
            "type": "Misshandel",
            "location": {"name": "Sundsvall", "gps": "62.05,17.05"},
        },
        {
            "id": 102,
            "datetime": "2025-05-01 22:00:00 +02:00",
            "name": "Trafikolycka",
            "summary": "",
            "url": "/y",
            "type": "Trafikolycka",
            "location": {"name": "Sundsvall", "gps": "62.05,17.15"},
        },
    ]
    path = write(tmp_path, json.dumps(events), "handelser.json")
    result = crimes_import(municipality=municipality, path=path)
    assert (result.created, result.excluded) == (1, 1)
    crime = ReportedCrime.objects.get()
    assert (crime.category, crime.area.code, crime.source_id) == ("violence", "W", "101")


def test_crimes_table_for_the_analysis(municipality, tmp_path):
    crimes_import(municipality=municipality, path=write(tmp_path, CSV))
    table = crimes_table(municipality=municipality, first_year=2025, last_year=2025)
    assert table.columns == ["id", "occurred_at", "category", "lat", "lon", "area_code", "source"]
    assert table.height == 3
    assert sorted(table.get_column("area_code").drop_nulls().to_list()) == ["E", "W"]
    assert crimes_table(municipality=municipality, first_year=2026).height == 0


def test_cli_import_with_reject_file(municipality, tmp_path):
    path = write(tmp_path, CSV + "4;2025-03-04;nonsense;62,05;17,05\n")
    result = CliRunner().invoke(
        main, ["import", "crimes", str(path), "--municipality", "2281", "--skip-bad-rows"]
    )
    assert result.exit_code == 0, result.output
    assert "3 new" in result.output and "1 outside every area" in result.output
    rejects = (tmp_path / "brott.csv.rejected.csv").read_text().splitlines()
    assert rejects[0] == "file,line,column,reason" and rejects[1].startswith(
        "brott.csv,5,category,"
    )
    strict = CliRunner().invoke(main, ["import", "crimes", str(path), "--municipality", "2281"])
    assert strict.exit_code == 2 and "brott.csv, line 5, column 'category'" in strict.output


def test_an_area_removed_during_the_import_stops_it_before_anything_is_stored(
    municipality, tmp_path, monkeypatch
):
    """The database has no foreign keys on crimes (ADR 0008): the import checks its areas."""
    from trygg.crime import services

    stale = {**services._area_ids(municipality), "GONE": 10**9}
    monkeypatch.setattr(services, "_area_ids", lambda m: stale)
    text = "id;occurred_at;category;area_code\n1;2025-03-01;theft;W\n2;2025-03-01;theft;GONE\n"
    with pytest.raises(InputError) as caught:
        crimes_import(municipality=municipality, path=write(tmp_path, text))
    assert "removed while it was being imported" in str(caught.value)
    assert caught.value.first.column == "area_code"
    assert not ReportedCrime.objects.exists()


def test_removing_an_area_or_a_municipality_still_reaches_their_crimes(municipality, tmp_path):
    crimes_import(municipality=municipality, path=write(tmp_path, CSV))
    municipality.areas.get(code="W").delete()
    assert dict(ReportedCrime.objects.values_list("source_id", "area__code")) == {
        "1": None, "2": "E", "3": None,
    }  # fmt: skip
    municipality.delete()
    assert not ReportedCrime.objects.exists()
