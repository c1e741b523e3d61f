"""SCB's population by DeSO through the guided import and the importer: recognised
without a column mapping, imported into the areas whose codes are DeSO codes, the same
file twice changes nothing, a bad file imports nothing."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.analysis.scb_files import jsonstat, px_csv
from tests.factories import IMMEDIATE_TASKS, AreaFactory, MunicipalityFactory, user_in
from trygg.accounts.roles import Role
from trygg.analysis.errors import InputError
from trygg.areas.models import PopulationCount
from trygg.areas.services import population_import_csv
from trygg.imports.models import ImportUpload, UploadStatus

pytestmark = pytest.mark.django_db

REGIONS = ["2281A0010_DeSO2025", "2281A0020_DeSO2025", "2262A0010_DeSO2025"]
COUNTS = {
    ("2281A0010_DeSO2025", "17", "2", "2024"): 30,
    ("2281A0010_DeSO2025", "80", "1", "2024"): 12,
    ("2281A0020_DeSO2025", "5", "1", "2024"): 8,
    ("2262A0010_DeSO2025", "17", "2", "2024"): 500,
}


@pytest.fixture
def world(tmp_path, settings, client, two_factor_off):
    settings.VAR_DIR = tmp_path / "var"
    settings.TASKS = IMMEDIATE_TASKS
    municipality = MunicipalityFactory(code="2281")
    for code in ("2281A0010", "2281A0020"):
        AreaFactory(municipality=municipality, code=code)
    client.force_login(user_in(municipality, role=Role.ANALYST))
    return municipality


def _upload(client, municipality, name, content) -> ImportUpload:
    response = client.post(
        "/imports/",
        {"kind": "population", "municipality": municipality.pk, "source": "",
         "file": SimpleUploadedFile(name, content)},
    )  # fmt: skip
    assert response.status_code == 302, response.content.decode()[:2000]
    return ImportUpload.objects.get(public_id=response.url.split("/")[2])


def _validate_and_import(client, up: ImportUpload) -> ImportUpload:
    client.post(f"/imports/{up.public_id}/", {"action": "validate"})
    up.refresh_from_db()
    assert up.status == UploadStatus.VALID, up.problems
    client.post(f"/imports/{up.public_id}/", {"action": "import"})
    up.refresh_from_db()
    return up


def _stored() -> dict[tuple, int]:
    return {
        (p.area.code, p.year, p.sex, p.age_group): p.count
        for p in PopulationCount.objects.select_related("area")
        if p.count  # SCB's zeros are stored too: no residents is a count
    }


def test_jsonstat_through_the_guided_import(client, world, tmp_path):
    path = jsonstat(
        tmp_path / "x.json", COUNTS, regions=REGIONS, ages=["5", "17", "80"], years=["2024"]
    )
    up = _upload(client, world, "BE0101Y.json", path.read_bytes())
    page = client.get(f"/imports/{up.public_id}/").content.decode()
    assert 'data-scb-format="jsonstat"' in page and "2281A0010_DeSO2025" in page
    up = _validate_and_import(client, up)
    # 2 areas x 2 sexes x 3 age groups, zeros included
    assert up.status == UploadStatus.IMPORTED and up.result["created"] == 12
    assert _stored() == {
        ("2281A0010", 2024, "F", "16-24"): 30,
        ("2281A0010", 2024, "M", "75+"): 12,
        ("2281A0020", 2024, "M", "0-15"): 8,
    }
    again = _upload(client, world, "BE0101Y.json", path.read_bytes())
    again = _validate_and_import(client, again)
    assert again.result == {"created": 0, "updated": 0, "unchanged": 12}


def test_px_csv_latin1_through_the_guided_import(client, world, tmp_path):
    counts = {(r.split("_")[0], a, s, y): n for (r, a, s, y), n in COUNTS.items()}
    path = px_csv(
        tmp_path / "x.csv",
        counts,
        regions=[r.split("_")[0] for r in REGIONS],
        ages=["5", "17", "80"],
        years=["2024"],
    )
    up = _upload(client, world, "BE0101Y.csv", path.read_bytes())
    assert up.encoding == "cp1252"
    page = client.get(f"/imports/{up.public_id}/").content.decode()
    assert 'data-scb-format="pxcsv"' in page
    up = _validate_and_import(client, up)
    assert up.result["created"] == 12
    assert _stored()[("2281A0010", 2024, "F", "16-24")] == 30


def test_a_bad_cell_imports_nothing(client, world, tmp_path):
    path = tmp_path / "scb.csv"
    path.write_text(
        '"region","ålder","kön","2024"\n"2281A0010","16 år","män",4\n'
        '"2281A0010","16 år","okänt",3\n',
        encoding="utf-8-sig",
    )
    up = _upload(client, world, "scb.csv", path.read_bytes())
    client.post(f"/imports/{up.public_id}/", {"action": "validate"})
    up.refresh_from_db()
    assert up.status == UploadStatus.INVALID
    assert up.problems[0]["line"] == 3 and up.problems[0]["column"] == "sex"
    with pytest.raises(InputError):
        population_import_csv(municipality=world, path=path)
    assert not PopulationCount.objects.exists()
