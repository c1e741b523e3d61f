"""A table as a CSV or XLSX download (the dashboard's and the area page's downloads)."""

from __future__ import annotations

import io

import polars as pl
from django.http import HttpResponse

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def table_download(table: pl.DataFrame, *, fmt: str, filename: str, sheet: str) -> HttpResponse:
    if fmt == "csv":
        response = HttpResponse(table.write_csv(), content_type="text/csv; charset=utf-8")
    else:
        from openpyxl import Workbook

        book = Workbook(write_only=True)
        page = book.create_sheet(sheet[:31])
        page.append(table.columns)
        for row in table.iter_rows():
            page.append(list(row))
        buffer = io.BytesIO()
        book.save(buffer)
        response = HttpResponse(buffer.getvalue(), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{filename}.{fmt}"'
    return response
