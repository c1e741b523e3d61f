"""The safe CSV/XLSX writer: text that a spreadsheet would run is neutralised, numbers stay
numbers, and no module writes CSV or XLSX for people without it."""

from __future__ import annotations

import ast
import csv
import io
import zipfile
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest
from openpyxl import load_workbook

from trygg.analysis.safe_csv import (
    neutralise,
    neutralise_frame,
    restore_frame,
    restore_text,
    write_frame_csv,
    write_rows,
    xlsx_bytes,
)
from trygg.core.exports import csv_response, frame_xlsx_response, xlsx_response

#: What the export tests plant in text fields and area names.
PAYLOADS = ['=HYPERLINK("http://x","y")', "+1", "-2+3", "@SUM(A1)"]

SRC = Path(__file__).resolve().parents[2] / "src" / "trygg"


@pytest.mark.parametrize("text", [*PAYLOADS, "\t=1+1", "\r=1+1", "'=1+1", "''@x"])
def test_formula_like_text_gets_a_quote_and_reads_back(text):
    assert neutralise(text) == "'" + text
    assert restore_text(neutralise(text)) == text


@pytest.mark.parametrize("value", ["Nacksta", "", "'", "12", "2026-03-01", "a=b", " =1"])
def test_ordinary_text_is_unchanged(value):
    assert neutralise(value) == value
    assert restore_text(value) == value


@pytest.mark.parametrize("value", [-2, -2.5, 0, Decimal("-1.25"), True, None])
def test_numbers_stay_numbers(value):
    assert neutralise(value) is value


def test_csv_rows_and_header_are_neutralised():
    buffer = io.StringIO()
    write_rows(buffer, ["=head", "n"], [[p, -3] for p in PAYLOADS], delimiter=";")
    rows = list(csv.reader(io.StringIO(buffer.getvalue()), delimiter=";"))
    assert rows[0] == ["'=head", "n"]
    assert [r[0] for r in rows[1:]] == ["'" + p for p in PAYLOADS]
    assert {r[1] for r in rows[1:]} == {"-3"}


def test_frame_text_columns_are_neutralised_and_numbers_kept():
    frame = pl.DataFrame(
        {"name": PAYLOADS, "score": [-1.5, 2.0, -3.0, 4.0], "kind": ["a", "b", "c", "d"]}
    ).with_columns(pl.col("kind").cast(pl.Categorical))
    text = write_frame_csv(frame)
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [r["name"] for r in rows] == ["'" + p for p in PAYLOADS]
    assert [r["score"] for r in rows] == ["-1.5", "2.0", "-3.0", "4.0"]
    back = restore_frame(pl.read_csv(io.StringIO(text)))
    assert back["name"].to_list() == PAYLOADS and back["score"].to_list()[0] == -1.5
    assert neutralise_frame(pl.DataFrame({"=x": [1]})).columns == ["'=x"]


def assert_no_formula(content: bytes) -> None:
    """Neither a formula element nor a formula cell type anywhere in the workbook."""
    with zipfile.ZipFile(io.BytesIO(content)) as book:
        for name in book.namelist():
            if name.startswith("xl/worksheets/"):
                xml = book.read(name).decode()
                assert "<f>" not in xml and "<f " not in xml and 't="str"' not in xml, name


def xlsx_cells(content: bytes) -> list[list]:
    sheet = load_workbook(io.BytesIO(content)).worksheets[0]
    return [[(c.value, c.data_type, c.quotePrefix) for c in row] for row in sheet.iter_rows()]


def test_xlsx_text_is_a_string_cell_with_quote_prefix_and_numbers_are_numbers():
    content = xlsx_bytes([("s", ["name", "n"], [[p, -2] for p in PAYLOADS] + [["Ok", 1.5]])])
    assert_no_formula(content)
    rows = xlsx_cells(content)
    assert [r[0] for r in rows[1:5]] == [(p, "s", True) for p in PAYLOADS]
    assert rows[5][0] == ("Ok", "s", False)
    assert {r[1] for r in rows[1:5]} == {(-2, "n", False)} and rows[5][1] == (1.5, "n", False)


def test_django_responses_are_attachments_through_the_safe_writer():
    response = csv_response(filename="x.csv", header=["a"], rows=[[PAYLOADS[0]]], bom=True)
    assert response["Content-Disposition"] == 'attachment; filename="x.csv"'
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff") and "'=HYPERLINK" in text
    for response in (
        xlsx_response(filename="x.xlsx", sheet="s", header=["a"], rows=[[PAYLOADS[0]]]),
        frame_xlsx_response(pl.DataFrame({"a": [PAYLOADS[0]]}), filename="x.xlsx", sheet="s"),
    ):
        assert_no_formula(response.content)
        assert xlsx_cells(response.content)[1][0] == (PAYLOADS[0], "s", True)


# --- no CSV/XLSX writer outside the safe one ------------------------------------------

#: Files Trygg writes for itself or for its importers, never for a person to open: their
#: values must stay exactly what the source held, so they do not go through the writer.
INTERNAL_WRITERS = {
    # normalised.csv: the uploaded file with the mapping applied, read by the importers.
    "imports/services/reading.py": 1,
    # COPY … FROM STDIN to PostgreSQL.
    "crime/services.py": 1,
    # The demo's synthetic input files, read by the demo's own import.
    "demo/services.py": 1,
    "demo/synth.py": 1,
    "demo/synthetic_survey.py": 1,
}
WRITER_CALLS = {"writer", "DictWriter", "write_csv", "to_csv", "Workbook", "write_excel"}


def _writer_calls(path: Path) -> int:
    count = 0
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            owner = func.value if isinstance(func, ast.Attribute) else None
            if name == "writer" and not (isinstance(owner, ast.Name) and owner.id == "csv"):
                continue
            count += name in WRITER_CALLS
        elif isinstance(node, ast.ImportFrom) and node.module == "csv":
            count += any(a.name in ("writer", "DictWriter") for a in node.names)
    return count


def test_every_csv_and_xlsx_writer_goes_through_the_safe_writer():
    found = {}
    for path in SRC.rglob("*.py"):
        relative = path.relative_to(SRC).as_posix()
        if relative == "analysis/safe_csv.py" or "/migrations/" in relative:
            continue
        if n := _writer_calls(path):
            found[relative] = n
    assert found == INTERNAL_WRITERS


def test_the_meta_test_sees_a_bypass(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("import csv\ndef f(r, t):\n    csv.writer(r)\n    t.write_csv('x.csv')\n")
    assert _writer_calls(bad) == 2
