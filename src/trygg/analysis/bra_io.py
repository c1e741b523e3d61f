"""Brå's open statistics of reported crimes per municipality and year (CSV), for comparing
a municipality with the others. docs/formats.md describes the file.

One row per municipality × year × crime: ``Region`` (``2281 Sundsvall``: the code first;
or a separate ``Kommunkod``), ``År``, the crime (``Brott``, ``Brottskod``,
``Brottskategori`` or ``Brottskod/Brott``), ``Antal`` and optionally ``Per 100 000 inv``.
Rows of the whole country, counties and police regions (no four-digit code) are left out.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import polars as pl

from .errors import InputError, RowProblem

BRA_COLUMNS = ("region_code", "region_name", "year", "category", "count", "rate_per_100k")
_CODE_NAME = re.compile(r"^(\d{4})\s+(.+)$")
_LEFT_OUT = re.compile(r"^(riket|hela landet|sverige|.*\slän|polisregion\s.*|region\s.*)$", re.I)
_ALIASES = {
    "region": ("region", "kommun", "kommunnamn"),
    "code": ("kommunkod", "regionkod", "kod"),
    "year": ("år", "ar", "year", "tid"),
    "category": ("brottskod/brott", "brott", "brottskategori", "brottskod", "brottstyp"),
    "count": ("antal", "antal anmälda brott", "anmälda brott"),
    "rate": ("per 100 000 inv", "per 100 000 invånare", "antal per 100 000 inv", "per 100000 inv"),
}


def _text(path: Path) -> str:
    raw = path.read_bytes()
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("cp1252", errors="replace")


def _norm(name: str) -> str:
    return re.sub(r"\s+", " ", name.replace("\u00a0", " ")).strip().strip('"').lower()


def looks_like_bra(path: str | Path) -> bool:
    first = _text(Path(path)).split("\n", 1)[0]
    names = {_norm(n) for n in re.split(r"[;,\t]", first)}
    return bool(names & set(_ALIASES["count"])) and bool(names & set(_ALIASES["category"]))


def _number(text: str, *, decimal: bool) -> float | int | None:
    t = text.strip().replace("\u00a0", "").replace(" ", "")
    if decimal:
        t = t.replace(",", ".")
        try:
            value = float(t)
        except ValueError:
            return None
        return value if value >= 0 else None
    return int(t) if t.isdigit() else None


def read_bra_municipal(path: str | Path, *, file: str | None = None) -> pl.DataFrame:
    """The file as ``region_code, region_name, year, category, count, rate_per_100k``
    (rate null when the file has none); every problem names the file, line, column and
    reason; the same municipality, year and crime twice is refused."""
    path = Path(path)
    file = file or path.name
    if not path.is_file():
        raise InputError(RowProblem(file=file, reason="the file does not exist"))
    text = _text(path)
    first = text.split("\n", 1)[0]
    delimiter = max((";", "\t", ","), key=first.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header = [_norm(h) for h in next(reader, [])]

    def find(key: str) -> int | None:
        return next((header.index(n) for n in _ALIASES[key] if n in header), None)

    columns = {k: find(k) for k in _ALIASES}
    missing = [k for k in ("region", "year", "category", "count") if columns[k] is None]
    if missing:
        raise InputError(
            [
                RowProblem(
                    file=file, line=1, column=_ALIASES[k][0], reason="required column is missing"
                )
                for k in missing
            ]
        )
    problems: list[RowProblem] = []
    rows: list[tuple] = []
    seen: dict[tuple, int] = {}
    for row in reader:
        if not any(c.strip() for c in row):
            continue
        line = reader.line_num
        cells = row + [""] * (len(header) - len(row))

        def cell(key: str, cells: list[str] = cells) -> str:
            return cells[columns[key]].strip() if columns[key] is not None else ""

        region = cell("region")
        code, name = cell("code"), region
        if m := _CODE_NAME.match(region):
            code, name = m.group(1), m.group(2).strip()
        if not re.fullmatch(r"\d{4}", code):
            if _LEFT_OUT.match(region) or not region:
                continue  # the country, a county, a police region: not a municipality
            problems.append(
                RowProblem(
                    file=file,
                    line=line,
                    column="Region",
                    reason=(
                        f"'{region}' has no four-digit municipality code (e.g. '2281 Sundsvall')"
                    ),
                )
            )
            continue
        year_text = cell("year")
        year = int(year_text) if re.fullmatch(r"\d{4}", year_text) else None
        category = cell("category")
        count = _number(cell("count"), decimal=False)
        rate_text = cell("rate")
        rate = _number(rate_text, decimal=True) if rate_text not in ("", "..", "-") else None
        bad = False
        if year is None or not 1950 <= year <= 2100:
            problems.append(
                RowProblem(file=file, line=line, column="År", reason=f"'{year_text}' is not a year")
            )
            bad = True
        if not category:
            problems.append(
                RowProblem(file=file, line=line, column="Brott", reason="missing crime")
            )
            bad = True
        if count is None:
            problems.append(
                RowProblem(
                    file=file,
                    line=line,
                    column="Antal",
                    reason=(f"'{cell('count')}' is not a whole number ≥ 0"),
                )
            )
            bad = True
        if rate_text not in ("", "..", "-") and rate is None:
            problems.append(
                RowProblem(
                    file=file,
                    line=line,
                    column="Per 100 000 inv",
                    reason=(f"'{rate_text}' is not a number ≥ 0"),
                )
            )
            bad = True
        if bad:
            continue
        key = (code, year, category)
        if key in seen:
            problems.append(
                RowProblem(
                    file=file,
                    line=line,
                    column="Brott",
                    reason=(f"the same municipality, year and crime is on line {seen[key]} too"),
                )
            )
            continue
        seen[key] = line
        rows.append((code, name, year, category[:100], count, rate))
    if problems:
        raise InputError(problems)
    if not rows:
        raise InputError(RowProblem(file=file, reason="the file has no municipality's rows"))
    return pl.DataFrame(
        rows,
        schema={
            "region_code": pl.String,
            "region_name": pl.String,
            "year": pl.Int32,
            "category": pl.String,
            "count": pl.Int64,
            "rate_per_100k": pl.Float64,
        },
        orient="row",
    )
