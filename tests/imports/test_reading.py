"""Reading uploads safely: XLSX zip bombs are refused before parsing, UTF-16 text (Excel's
"Unicode text") is detected and imported, a broken file gets a clean problem."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from tests.imports.test_imports import mapping_post, upload, world  # noqa: F401 (fixture)
from trygg.areas.models import PopulationCount
from trygg.imports.models import ImportUpload, UploadStatus

pytestmark = pytest.mark.django_db


def population_xlsx() -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(["area_code", "year", "sex", "age_group", "count"])
    sheet.append(["2281A001", 2026, "F", "16-24", 120])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def padded(content: bytes, data: bytes) -> bytes:
    """The workbook with one more member holding ``data`` (deflated)."""
    buffer = io.BytesIO(content)
    with zipfile.ZipFile(buffer, "a", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/media/padding.bin", data)
    return buffer.getvalue()


def zip_bomb() -> bytes:
    """About 40 kB that unpack to 40 MB."""
    return padded(population_xlsx(), bytes(40 * 1024 * 1024))


def _refused(client, municipality, name, content) -> str:
    response = client.post(
        "/imports/",
        {
            "kind": "population",
            "municipality": municipality.pk,
            "file": SimpleUploadedFile(name, content),
        },
    )
    assert response.status_code == 200  # the form again, with the reason
    assert not ImportUpload.objects.exists()
    page = response.content.decode()
    assert "Traceback" not in page and "Error" not in page
    return page


def test_a_zip_bomb_is_refused_before_it_is_parsed(client, world, monkeypatch):  # noqa: F811
    import openpyxl

    def never(*args, **kwargs):
        raise AssertionError("the workbook was parsed")

    monkeypatch.setattr(openpyxl, "load_workbook", never)
    content = zip_bomb()
    assert len(content) < 100 * 1024
    page = _refused(client, world[0], "bef.xlsx", content)
    assert "bef.xlsx: arbetsboken packas upp till" in page and "gånger sin storlek" in page


def test_the_unpacked_size_limit_is_a_setting(client, world, settings):  # noqa: F811
    import os

    settings.TRYGG_XLSX_MAX_UNPACKED_MB = 1
    content = padded(population_xlsx(), os.urandom(2 * 1024 * 1024))  # does not compress
    page = _refused(client, world[0], "stor.xlsx", content)
    assert "stor.xlsx: arbetsboken packas upp till 2 MB, mer än gränsen 1 MB" in page
    settings.TRYGG_XLSX_MAX_UNPACKED_MB = 200
    up = upload(client, world[0], "population", "stor.xlsx", content)
    assert up.columns[:2] == ["area_code", "year"]


def test_the_analysis_reader_refuses_a_bomb_too(tmp_path):
    from trygg.analysis.errors import InputError
    from trygg.analysis.tables import read_xlsx_text

    path = tmp_path / "enkat.xlsx"
    path.write_bytes(zip_bomb())
    with pytest.raises(InputError) as caught:
        read_xlsx_text(path)
    assert caught.value.first.file == "enkat.xlsx"
    assert caught.value.first.reason.startswith("the workbook unpacks to")


POPULATION_TSV = (
    "omr\tår\tkön\tage_group\tantal\n"
    "2281A001\t2026\tF\t16-24\t120\n2281A001\t2026\tM\t16-24\t130\n2281A002\t2026\tF\t16-24\t90\n"
)


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
def test_a_utf16_unicode_text_file_is_detected_and_imported(client, world, codec):  # noqa: F811
    municipality, _, _ = world
    bom = "\ufeff".encode(codec)
    up = upload(client, municipality, "population", "bef.txt", bom + POPULATION_TSV.encode(codec))
    assert (up.encoding, up.delimiter) == ("utf-16", "\t")
    assert up.columns == ["omr", "år", "kön", "age_group", "antal"]
    page = client.get(f"/imports/{up.public_id}/").content.decode()
    assert "2281A002" in page and '<option value="utf-16" selected>UTF-16</option>' in page
    client.post(f"/imports/{up.public_id}/", mapping_post(up, area_code="omr"))
    up.refresh_from_db()
    assert up.status == UploadStatus.VALID, up.problems
    client.post(f"/imports/{up.public_id}/", {"action": "import"})
    up.refresh_from_db()
    assert up.status == UploadStatus.IMPORTED and PopulationCount.objects.count() == 3
    assert PopulationCount.objects.filter(area__code="2281A001", sex="M").get().count == 130


def test_a_broken_utf16_file_names_the_line_without_exception_text(client, world):  # noqa: F811
    municipality, _, _ = world
    lines = POPULATION_TSV.split("\n")
    # Line 3 holds a lone surrogate: not UTF-16 text.
    raw = ("\ufeff" + "\n".join(lines[:2]) + "\n").encode("utf-16-le")
    raw += "2281A001\t2026\tM\t16-24\t".encode("utf-16-le") + b"\x00\xd8" + b"1\x00"
    raw += ("\n" + "\n".join(lines[3:])).encode("utf-16-le")
    up = upload(client, municipality, "population", "bef.txt", raw)
    assert up.encoding == "utf-16"
    client.post(f"/imports/{up.public_id}/", mapping_post(up, area_code="omr"))
    up.refresh_from_db()
    assert up.status == UploadStatus.INVALID
    assert [p["line"] for p in up.problems] == [3]
    page = client.get(f"/imports/{up.public_id}/").content.decode()
    assert "filen är inte UTF-16-text" in page
    for raw_text in ("codec", "decode", "Traceback", "surrogate", "position"):
        assert raw_text not in page
    report = client.get(f"/imports/{up.public_id}/problems.csv").content.decode()
    assert "bef.txt,3,,filen är inte UTF-16-text" in report


def test_a_windows_1252_file_with_an_undefined_byte_is_a_clean_problem(client, world):  # noqa: F811
    municipality, _, _ = world
    raw = "omr;år;kön;age_group;antal\n2281A001;2026;F;16-24;120\n".encode("cp1252")
    raw += b"2281A\x81001;2026;M;16-24;130\n"  # 0x81 is no character in Windows-1252
    up = upload(client, municipality, "population", "bef.csv", raw)
    assert up.encoding == "cp1252"
    client.post(f"/imports/{up.public_id}/", mapping_post(up, area_code="omr"))
    up.refresh_from_db()
    assert up.status == UploadStatus.INVALID
    assert [(p["line"], p["reason"]) for p in up.problems] == [
        (
            3,
            "the file is not Windows-1252 text; choose the encoding it was saved in and check "
            "it again",
        )
    ]
