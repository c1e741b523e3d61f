"""Writing CSV and XLSX that a spreadsheet cannot run as a formula (CSV/formula injection).

Every CSV or XLSX file Trygg writes for people to open goes through this module (a test
in ``tests/core/test_exports.py`` finds writers that bypass it). Text from users, such as
an observation's text or an area's name, may start with ``=``, ``+``, ``-`` or ``@``
(or a tab or carriage return, which Excel skips before them): a spreadsheet program then
evaluates it, e.g. ``=HYPERLINK("http://…","Klicka")`` or a DDE call.

The rule, as OWASP recommends:

* **CSV**: a text cell that starts with one of those characters gets a leading ``'``,
  which Excel and LibreOffice show as text and do not evaluate. The ``'`` is visible in
  the file; :func:`restore_text` takes it off when Trygg reads its own output back.
  A text that already starts with ``'`` before such a character gets one more, so that
  writing and restoring give back exactly what was written.
* **Numbers stay numbers**: Python ``int``, ``float`` and ``Decimal`` values and Polars
  numeric columns are written unchanged, negative ones included (``-2.5`` is a number, not
  a formula). Only *text* is neutralised, even text that looks like a number such as
  ``"+1"`` or ``"-2+3"``: text comes from people, and its type says it is not a number.
* **XLSX**: text is always written as a string cell (never a formula), and a text that
  starts with one of those characters is also marked ``quotePrefix`` so that editing the
  cell in Excel does not turn it into a formula either. The text itself is unchanged.

This module is pure (no Django), so the analysis pipeline and the web layer share it.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Sequence
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

import polars as pl

#: A cell starting with one of these is evaluated by spreadsheet programs.
TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
_TRIGGER_CLASS = "[=+\\-@\\t\\r]"
_NUMBER_TYPES = (bool, int, float, Decimal)
#: Kept as they are in XLSX: numbers, dates and times are not text.
_XLSX_VALUE_TYPES = (*_NUMBER_TYPES, dt.date, dt.time)


def needs_quote(text: str) -> bool:
    """True when ``text`` would be evaluated (after any ``'`` a previous pass added)."""
    return text.lstrip("'")[:1] in TRIGGERS and text.lstrip("'") != ""


def neutralise(value: Any) -> Any:
    """A CSV cell value that no spreadsheet evaluates; numbers and None pass unchanged."""
    if value is None or isinstance(value, _NUMBER_TYPES):
        return value
    text = value if isinstance(value, str) else str(value)
    return "'" + text if needs_quote(text) else text


def restore_text(text: str) -> str:
    """The text :func:`neutralise` was given (for reading Trygg's own CSV output back)."""
    if isinstance(text, str) and text.startswith("'") and needs_quote(text[1:]):
        return text[1:]
    return text


def neutralise_row(row: Iterable[Any]) -> list[Any]:
    return [neutralise(value) for value in row]


def _text_columns(frame: pl.DataFrame) -> list[str]:
    return [
        name
        for name, dtype in frame.schema.items()
        if dtype == pl.String or isinstance(dtype, pl.Categorical | pl.Enum)
    ]


def neutralise_frame(frame: pl.DataFrame) -> pl.DataFrame:
    """The frame with every text column neutralised; numeric columns stay numeric."""
    pattern = f"^'*{_TRIGGER_CLASS}"
    expressions = []
    for name in _text_columns(frame):
        column = pl.col(name).cast(pl.String)
        expressions.append(
            pl.when(column.str.contains(pattern))
            .then(pl.lit("'") + column)
            .otherwise(column)
            .alias(name)
        )
    # Column names are text that people see too.
    frame = frame.with_columns(expressions) if expressions else frame
    return frame.rename({c: neutralise(c) for c in frame.columns if needs_quote(c)})


def restore_frame(frame: pl.DataFrame) -> pl.DataFrame:
    """The inverse of :func:`neutralise_frame` for the text columns of a file read back."""
    pattern = f"^''*{_TRIGGER_CLASS}"
    expressions = [
        pl.when(pl.col(name).str.contains(pattern))
        .then(pl.col(name).str.slice(1))
        .otherwise(pl.col(name))
        .alias(name)
        for name, dtype in frame.schema.items()
        if dtype == pl.String
    ]
    return frame.with_columns(expressions) if expressions else frame


def write_rows(
    target: IO[str],
    header: Sequence[Any] | None,
    rows: Iterable[Iterable[Any]],
    *,
    delimiter: str = ",",
    lineterminator: str = "\r\n",
) -> None:
    """Write a header and rows as CSV to an open text stream, every text cell neutralised."""
    writer = csv.writer(target, delimiter=delimiter, lineterminator=lineterminator)
    if header is not None:
        writer.writerow(neutralise_row(header))
    for row in rows:
        writer.writerow(neutralise_row(row))


def write_frame_csv(frame: pl.DataFrame, target: str | Path | IO[bytes] | None = None, **kwargs):
    """Polars' ``write_csv`` with every text column neutralised (returns text when ``target``
    is None, as Polars does)."""
    return neutralise_frame(frame).write_csv(target, **kwargs)


def xlsx_bytes(sheets: Sequence[tuple[str, Sequence[Any], Iterable[Iterable[Any]]]]) -> bytes:
    """An XLSX workbook of ``(sheet name, header, rows)``: text is always a string cell,
    numbers are numbers, and no cell can be a formula."""
    # Imported here: openpyxl takes a quarter of a second to load and only XLSX needs it.
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    book = Workbook(write_only=True)
    for title, header, rows in sheets:
        page = book.create_sheet(str(title)[:31])

        def cells(values: Iterable[Any], page=page) -> list[Any]:
            out = []
            for value in values:
                if value is None or isinstance(value, _XLSX_VALUE_TYPES):
                    out.append(value)
                    continue
                text = value if isinstance(value, str) else str(value)
                cell = WriteOnlyCell(page, value=text)
                # openpyxl turns text starting with "=" into a formula when it binds the
                # value; the type is set after it, so the cell stays a string.
                cell.data_type = "s"
                if needs_quote(text):
                    cell.quotePrefix = True
                out.append(cell)
            return out

        page.append(cells(header))
        for row in rows:
            page.append(cells(row))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def frame_xlsx_bytes(frame: pl.DataFrame, *, sheet: str) -> bytes:
    return xlsx_bytes([(sheet, frame.columns, frame.iter_rows())])
