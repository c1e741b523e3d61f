"""A table as a CSV or XLSX download (the dashboard's and the area page's downloads)."""

from __future__ import annotations

import polars as pl
from django.http import HttpResponse

from trygg.core.exports import frame_csv_response, frame_xlsx_response


def table_download(table: pl.DataFrame, *, fmt: str, filename: str, sheet: str) -> HttpResponse:
    # Area names are text an administrator typed: the writers keep them from being formulas.
    if fmt == "csv":
        return frame_csv_response(table, filename=f"{filename}.csv")
    return frame_xlsx_response(table, filename=f"{filename}.xlsx", sheet=sheet)
