"""Reading delimited and spreadsheet files the way Swedish users deliver them.

CSV may use ``,``, ``;`` or tabs (Swedish Excel writes ``;`` and decimal commas), UTF-8
with or without a byte-order mark, or UTF-16 with one (Excel's "Unicode text"). Every reader returns a Polars frame whose columns are all text,
plus ``LINE_COLUMN`` holding the line number each row came from, so that validators can
say exactly where a bad value is.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from .errors import InputError, RowProblem

LINE_COLUMN = "__line__"

# What str.strip() removes (str.isspace); Polars' default strip_chars() keeps \x1c-\x1f.
_WHITESPACE = (
    "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005"
    "\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)


#: An XLSX workbook is a ZIP archive: how far it may unpack before anything parses it
#: (a 150 KB "zip bomb" unpacks to 150 MB). The web app sets both from its settings
#: (TRYGG_XLSX_MAX_UNPACKED_MB, TRYGG_XLSX_MAX_RATIO); the CLI keeps these defaults.
XLSX_LIMITS = {"max_unpacked_bytes": 200 * 1024 * 1024, "max_ratio": 100}
# Below this the ratio is not checked: small workbooks of empty cells pack very tightly.
_RATIO_FLOOR_BYTES = 10 * 1024 * 1024


def check_xlsx_size(
    path: str | Path,
    *,
    file: str | None = None,
    max_unpacked_bytes: int | None = None,
    max_ratio: float | None = None,
) -> None:
    """Refuse a workbook whose members unpack beyond the limits, before it is parsed.

    The sizes are the archive's own declarations; Python's zipfile never unpacks a member
    beyond its declared size, so a lying declaration cannot get past the check either.
    """
    path = Path(path)
    name = file or path.name
    limit = XLSX_LIMITS["max_unpacked_bytes"] if max_unpacked_bytes is None else max_unpacked_bytes
    ratio_limit = XLSX_LIMITS["max_ratio"] if max_ratio is None else max_ratio
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError, EOFError):
        raise InputError(
            RowProblem(
                file=name,
                reason="the file is not a readable XLSX workbook; save it again from the "
                "spreadsheet program",
            )
        ) from None
    unpacked = sum(m.file_size for m in members)
    packed = sum(m.compress_size for m in members) or 1
    if unpacked > limit:
        raise InputError(
            RowProblem(
                file=name,
                reason=f"the workbook unpacks to {_mb(unpacked)} MB, more than the limit of "
                f"{_mb(limit)} MB",
            )
        )
    if unpacked > _RATIO_FLOOR_BYTES and unpacked / packed > ratio_limit:
        raise InputError(
            RowProblem(
                file=name,
                reason=f"the workbook unpacks to {round(unpacked / packed)} times its size, "
                f"more than the limit of {ratio_limit:g}; save it again from the spreadsheet "
                "program",
            )
        )


def _mb(size: int) -> str:
    return f"{size / (1024 * 1024):.0f}"


@dataclass(frozen=True)
class CsvDialect:
    delimiter: str
    decimal_comma: bool
    encoding: str = "utf-8-sig"


def text_encoding(raw: bytes) -> str:
    """The encoding a byte-order mark names: Excel's "Unicode text" is UTF-16 (LE or BE)
    with a BOM; otherwise UTF-8 (with or without its BOM)."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")) and not raw.startswith(b"\xff\xfe\x00\x00"):
        return "utf-16"
    return "utf-8-sig"


def _decode(name: str, raw: bytes) -> str:
    encoding = text_encoding(raw)
    try:
        return raw.decode(encoding)
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].decode(encoding, errors="replace").count("\n") + 1
        if encoding == "utf-16":
            reason = "the file is not UTF-16 text; save it again as 'Unicode text' or 'CSV UTF-8'"
        else:
            reason = "the file is not UTF-8 text; save it as 'CSV UTF-8' and import again"
        raise InputError(RowProblem(file=name, line=line, reason=reason)) from exc


def sniff_dialect(header_line: str, sample: str = "") -> CsvDialect:
    """Pick the delimiter from the header line: the one that splits it into most fields."""
    counts = {d: header_line.count(d) for d in (";", ",", "\t")}
    delimiter = max(counts, key=lambda d: counts[d])
    if counts[delimiter] == 0:
        delimiter = ","
    # Decimal commas only make sense when commas do not delimit fields.
    decimal_comma = delimiter != "," and re.search(r"\d,\d", sample) is not None
    return CsvDialect(delimiter=delimiter, decimal_comma=decimal_comma)


def read_csv_text(
    path: str | Path, *, required: list[str] | tuple[str, ...] = (), file: str | None = None
) -> tuple[pl.DataFrame, CsvDialect]:
    """Read a CSV file as text columns with their line numbers.

    Header names are stripped and lower-cased. Missing required columns raise
    :class:`InputError` naming the file and the column.
    """
    path = Path(path)
    name = file or path.name
    text = _decode(name, path.read_bytes())
    if not text.strip():
        raise InputError(RowProblem(file=name, line=1, reason="the file is empty"))
    first_newline = text.find("\n")
    header_line = text if first_newline < 0 else text[:first_newline]
    dialect = sniff_dialect(header_line, text[: 64 * 1024])
    if _is_plain(text, header_line):
        header = [h.strip().lower() for h in header_line.split(dialect.delimiter)]
        _check_header(name, header, required)
        return _read_plain(text, header, dialect, name), dialect
    return _read_with_csv_module(text, dialect, name, required), dialect


def _read_with_csv_module(
    text: str, dialect: CsvDialect, name: str, required: list[str] | tuple[str, ...]
) -> pl.DataFrame:
    """Quoted fields (with delimiters or line breaks inside) need the csv module."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=dialect.delimiter)
    header = [h.strip().lower() for h in next(reader)]
    _check_header(name, header, required)
    rows: list[list[str]] = []
    lines: list[int] = []
    width = len(header)
    problems: list[RowProblem] = []
    for row in reader:
        if not row or all(not cell.strip() for cell in row):
            continue
        if len(row) > width and any(cell.strip() for cell in row[width:]):
            problems.append(
                RowProblem(
                    file=name,
                    line=reader.line_num,
                    reason=f"the row has {len(row)} fields but the header has {width}",
                )
            )
            continue
        row = (row + [""] * width)[:width]
        rows.append([cell.strip() for cell in row])
        lines.append(reader.line_num)
    if problems:
        raise InputError(problems)
    columns = {name: [r[i] for r in rows] for i, name in enumerate(header)}
    frame = pl.DataFrame(columns, schema={name: pl.String for name in header})
    return frame.with_columns(pl.Series(LINE_COLUMN, lines, dtype=pl.Int64))


def _is_plain(text: str, header_line: str) -> bool:
    """True when every record is one physical line split at the delimiter, so Polars can
    split the lines instead of the csv module: no quote character anywhere, no line break
    other than ``\\n`` or ``\\r\\n`` (the csv module also breaks at a lone ``\\r``) and a
    header that is not blank. Files with quotes take the csv module's path."""
    return (
        '"' not in text
        and text.count("\r") == text.count("\r\n")
        and header_line.strip(_WHITESPACE) != ""
    )


def _read_plain(text: str, header: list[str], dialect: CsvDialect, name: str) -> pl.DataFrame:
    """The csv-module loop of :func:`read_csv_text`, vectorised for quote-free files: same
    rows, same line numbers, same padding, same problems (about 30× faster at 1 M rows)."""
    delimiter = dialect.delimiter
    width = len(header)
    lines = pl.Series("__raw", text.split("\n"), dtype=pl.String)
    raw = pl.col("__raw")
    frame = (
        pl.DataFrame([lines])
        .with_row_index(LINE_COLUMN, offset=1)
        .slice(1)
        .filter(raw.str.replace_all(delimiter, "", literal=True).str.strip_chars(_WHITESPACE) != "")
        .with_columns(raw.str.splitn(delimiter, width + 1).alias("__parts"))
    )
    rest = pl.col("__parts").struct.field(f"field_{width}")
    too_long = frame.filter(
        rest.is_not_null()
        & (rest.str.replace_all(delimiter, "", literal=True).str.strip_chars(_WHITESPACE) != "")
    )
    if too_long.height:
        fields = too_long.select(
            pl.col(LINE_COLUMN), raw.str.count_matches(delimiter, literal=True) + 1
        )
        raise InputError(
            [
                RowProblem(
                    file=name,
                    line=int(line),
                    reason=f"the row has {count} fields but the header has {width}",
                )
                for line, count in fields.iter_rows()
            ]
        )
    # A repeated (empty) header name keeps its last column, as the dict in the loop does.
    columns = {
        column: pl.col("__parts")
        .struct.field(f"field_{i}")
        .fill_null("")
        .str.strip_chars(_WHITESPACE)
        for i, column in enumerate(header)
    }
    return frame.select(
        *[expr.alias(column) for column, expr in columns.items()],
        pl.col(LINE_COLUMN).cast(pl.Int64),
    )


def read_xlsx_text(
    path: str | Path,
    *,
    required: list[str] | tuple[str, ...] = (),
    sheet: str | None = None,
    file: str | None = None,
) -> pl.DataFrame:
    """Read the first (or the named) sheet of an XLSX workbook as text columns."""
    # Imported here: openpyxl takes a quarter of a second to load and only XLSX needs it.
    from openpyxl import load_workbook

    path = Path(path)
    name = file or path.name
    check_xlsx_size(path, file=name)
    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:
        raise InputError(
            RowProblem(
                file=name,
                reason="the file is not a readable XLSX workbook; save it again from the "
                "spreadsheet program",
            )
        ) from exc
    try:
        worksheet = workbook[sheet] if sheet else workbook.worksheets[0]
        iterator = worksheet.iter_rows(values_only=True)
        try:
            header_row = next(iterator)
        except StopIteration:
            raise InputError(RowProblem(file=name, line=1, reason="the sheet is empty")) from None
        header = [("" if h is None else str(h)).strip().lower() for h in header_row]
        _check_header(name, header, required)
        rows: list[list[str]] = []
        lines: list[int] = []
        for number, values in enumerate(iterator, start=2):
            cells = [_cell_text(v) for v in values][: len(header)]
            cells += [""] * (len(header) - len(cells))
            if all(not c for c in cells):
                continue
            rows.append(cells)
            lines.append(number)
    finally:
        workbook.close()
    columns = {name: [r[i] for r in rows] for i, name in enumerate(header) if name}
    frame = pl.DataFrame(columns, schema={name: pl.String for name in columns})
    return frame.with_columns(pl.Series(LINE_COLUMN, lines, dtype=pl.Int64))


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _check_header(file: str, header: list[str], required: list[str] | tuple[str, ...]) -> None:
    seen: set[str] = set()
    for name in header:
        if name and name in seen:
            raise InputError(
                RowProblem(file=file, line=1, column=name, reason="the column name appears twice")
            )
        seen.add(name)
    missing = [c for c in required if c not in seen]
    if missing:
        raise InputError(
            [
                RowProblem(file=file, line=1, column=c, reason="required column is missing")
                for c in missing
            ]
        )


def parse_decimal(text: str) -> float:
    """Parse a number written with a decimal point or a Swedish decimal comma."""
    cleaned = text.strip().replace("\u00a0", "").replace(" ", "")
    if "," in cleaned and "." not in cleaned:
        cleaned = cleaned.replace(",", ".")
    return float(cleaned)
