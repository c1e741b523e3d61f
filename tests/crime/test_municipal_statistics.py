"""Brå's reported crimes per municipality and year: read with clear problems, imported
atomically and idempotently into the importing municipality's own table, through the
guided import, and shown beside the other municipalities (another municipality's table is
never shown)."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.factories import IMMEDIATE_TASKS, MunicipalityFactory, user_in
from trygg.accounts.roles import Role
from trygg.analysis.bra_io import read_bra_municipal
from trygg.analysis.errors import InputError
from trygg.crime.models import MunicipalCrimeStatistic
from trygg.crime.services import crime_statistics_import
from trygg.imports.models import ImportUpload, UploadStatus

BRA = (
    '"Region";"År";"Brottskod/Brott";"Antal";"Per 100 000 inv"\n'
    '"Riket";"2024";"Samtliga brott";"1 472 000";"13 968"\n'
    '"2281 Sundsvall";"2024";"Samtliga brott";"12 345";"12 696,3"\n'
    '"2262 Timrå";"2024";"Samtliga brott";"1 800";"9 950,1"\n'
    '"2283 Sollefteå";"2024";"Samtliga brott";"2 100";"..";\n'
    '"0180 Stockholm";"2024";"Samtliga brott";"150 000";"15 300,0"\n'
    '"2281 Sundsvall";"2024";"Skadegörelse";"1 900";"1 954,2"\n'
    '"Västernorrlands län";"2024";"Samtliga brott";"30 000";"12 000,0"\n'
)


def write(tmp_path: Path, text: str, encoding: str = "cp1252", name: str = "bra.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def test_brå_file_in_latin1_is_read_without_country_and_counties(tmp_path):
    frame = read_bra_municipal(write(tmp_path, BRA))
    assert frame["region_code"].to_list() == ["2281", "2262", "2283", "0180", "2281"]
    assert frame.row(0) == ("2281", "Sundsvall", 2024, "Samtliga brott", 12345, 12696.3)
    assert frame.row(2)[5] is None  # Brå's '..': no rate


def test_bad_rows_name_file_line_column_and_reason(tmp_path):
    text = (
        "Region;År;Brott;Antal\n"
        "Sundsvall;2024;Rån;3\n"
        "2281 Sundsvall;20x4;Rån;3\n"
        "2281 Sundsvall;2024;Rån;-1\n"
        "2262 Timrå;2024;Rån;1\n"
        "2262 Timrå;2024;Rån;2\n"
    )
    with pytest.raises(InputError) as caught:
        read_bra_municipal(write(tmp_path, text, "utf-8"))
    assert [str(p) for p in caught.value.problems] == [
        "bra.csv, line 2, column 'Region': 'Sundsvall' has no four-digit municipality code "
        "(e.g. '2281 Sundsvall')",
        "bra.csv, line 3, column 'År': '20x4' is not a year",
        "bra.csv, line 4, column 'Antal': '-1' is not a whole number ≥ 0",
        "bra.csv, line 6, column 'Brott': the same municipality, year and crime is on line 5 too",
    ]
    with pytest.raises(InputError, match="required column is missing"):
        read_bra_municipal(write(tmp_path, "Region;År;Antal\n2281 X;2024;1\n", "utf-8"))


@pytest.mark.django_db
def test_import_is_atomic_idempotent_and_per_municipality(tmp_path):
    sundsvall, timra = MunicipalityFactory(code="2281"), MunicipalityFactory(code="2262")
    path = write(tmp_path, BRA)
    first = crime_statistics_import(municipality=sundsvall, path=path)
    assert (first.created, first.updated, first.unchanged) == (5, 0, 0)
    again = crime_statistics_import(municipality=sundsvall, path=path)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 5)
    changed = write(tmp_path, BRA.replace('"1 800"', '"1 801"'))
    assert crime_statistics_import(municipality=sundsvall, path=changed).updated == 1
    assert not MunicipalCrimeStatistic.objects.filter(municipality=timra).exists()
    bad = write(tmp_path, BRA + '"2281 Sundsvall";"2024";"Rån";"x";""\n', name="bad.csv")
    with pytest.raises(InputError):
        crime_statistics_import(municipality=timra, path=bad)
    assert not MunicipalCrimeStatistic.objects.filter(municipality=timra).exists()


@pytest.fixture
def world(tmp_path, settings, client, two_factor_off):
    settings.VAR_DIR = tmp_path / "var"
    settings.TASKS = IMMEDIATE_TASKS
    municipality = MunicipalityFactory(code="2281", name="Sundsvall")
    client.force_login(user_in(municipality, role=Role.ANALYST))
    return municipality


@pytest.mark.django_db
def test_guided_import_recognises_bra_and_the_page_compares(client, world, tmp_path):
    response = client.post(
        "/imports/",
        {"kind": "crime_stats", "municipality": world.pk, "source": "",
         "file": SimpleUploadedFile("bra.csv", BRA.encode("cp1252"))},
    )  # fmt: skip
    assert response.status_code == 302, response.content.decode()[:2000]
    up = ImportUpload.objects.get(public_id=response.url.split("/")[2])
    assert 'data-scb-format="bra"' in client.get(f"/imports/{up.public_id}/").content.decode()
    client.post(f"/imports/{up.public_id}/", {"action": "validate"})
    up.refresh_from_db()
    assert up.status == UploadStatus.VALID, up.problems
    client.post(f"/imports/{up.public_id}/", {"action": "import"})
    up.refresh_from_db()
    assert up.status == UploadStatus.IMPORTED and up.result["created"] == 5

    page = client.get("/reports/municipalities/").content.decode()
    assert "Samtliga brott" in page and "Timrå (2262)" in page
    summary = page.split("data-own-summary>", 1)[1].split("</p>", 1)[0]
    # 15 300 (Stockholm), 12 696 (Sundsvall), 9 950 (Timrå); Sollefteå has no rate
    assert "12\u00a0696" in summary and " 2 " in summary and " 3 " in summary
    assert "13\u00a0323" in summary or "12\u00a0625" in summary  # the others' median
    other = client.get("/reports/municipalities/?category=Skadegörelse").content.decode()
    assert "1\u00a0954" in other and "Timrå" not in other


@pytest.mark.django_db
def test_another_municipality_sees_only_its_own_table(client, world, tmp_path, two_factor_off):
    crime_statistics_import(municipality=world, path=write(tmp_path, BRA))
    client.force_login(user_in(MunicipalityFactory(code="2262"), role=Role.ANALYST))
    page = client.get("/reports/municipalities/?municipality=2281").content.decode()
    assert "Samtliga brott" not in page
