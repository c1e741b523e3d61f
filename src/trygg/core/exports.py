"""CSV and XLSX downloads: the one way a view answers with a spreadsheet.

The cells are written by :mod:`trygg.analysis.safe_csv`, so no text a user typed (an
observation, an area name) reaches Excel as a formula. Views build the rows and call one
of these; they never use ``csv.writer`` or openpyxl themselves
(``tests/core/test_exports.py`` checks that).
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from typing import Any

import polars as pl
from django.http import HttpResponse

from trygg.analysis.safe_csv import frame_xlsx_bytes, write_frame_csv, write_rows, xlsx_bytes

CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _attachment(response: HttpResponse, filename: str) -> HttpResponse:
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def csv_response(
    *,
    filename: str,
    header: Sequence[Any],
    rows: Iterable[Iterable[Any]],
    delimiter: str = ",",
    bom: bool = False,
) -> HttpResponse:
    """A CSV attachment; ``bom`` starts it with a byte-order mark (for Swedish Excel)."""
    buffer = io.StringIO()
    if bom:
        buffer.write("\ufeff")
    write_rows(buffer, header, rows, delimiter=delimiter)
    return _attachment(HttpResponse(buffer.getvalue().encode(), content_type=CSV_TYPE), filename)


def frame_csv_response(frame: pl.DataFrame, *, filename: str) -> HttpResponse:
    return _attachment(HttpResponse(write_frame_csv(frame), content_type=CSV_TYPE), filename)


def xlsx_response(
    *, filename: str, sheet: str, header: Sequence[Any], rows: Iterable[Iterable[Any]]
) -> HttpResponse:
    content = xlsx_bytes([(sheet, header, rows)])
    return _attachment(HttpResponse(content, content_type=XLSX_TYPE), filename)


def frame_xlsx_response(frame: pl.DataFrame, *, filename: str, sheet: str) -> HttpResponse:
    content = frame_xlsx_bytes(frame, sheet=sheet)
    return _attachment(HttpResponse(content, content_type=XLSX_TYPE), filename)
