"""Population as SCB's statistical database (PX-Web) gives it: the table "Folkmängden per
region (DeSO) efter ålder och kön" as JSON-stat 2.0 or as PX-Web's CSV export.

Both are read into Trygg's population table (``area_code, year, sex, age_group, count``,
as :func:`trygg.analysis.areas_io.read_population` returns it): DeSO codes lose a suffix
such as ``_DeSO2025``, only the rows of the given areas are kept (other municipalities and
totals are left out), and SCB's ages (single years or bands) are put in Trygg's age groups
(:data:`AGE_GROUPS`). A band of SCB's that straddles two of Trygg's groups (``15-19`` over
``0-15`` and ``16-24``) is split in proportion to the years it has in each, rounded so that
the band's total is kept. docs/formats.md describes the files.
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl

from .areas_io import POPULATION_COLUMNS
from .errors import InputError, RowProblem

#: Trygg's age groups for population: the survey's bands and the children below them.
AGE_GROUPS: tuple[tuple[int, int | None], ...] = (
    (0, 15), (16, 24), (25, 34), (35, 44), (45, 54), (55, 64), (65, 74), (75, None),
)  # fmt: skip
#: The oldest age a band open at the top ("100+") is taken to reach, for splitting it.
OLDEST = 110
SEXES = {
    "1": "M",
    "2": "F",
    "män": "M",
    "man": "M",
    "kvinnor": "F",
    "kvinna": "F",
    "men": "M",
    "women": "F",
    "m": "M",
    "k": "F",
    "f": "F",
}
TOTALS = {"tot", "totalt", "total", "1+2", "totalt ålder", "samtliga", "totalt kön"}
YEAR_RE = re.compile(r"(?<!\d)(19\d\d|20\d\d)(?!\d)")
DESO_SUFFIX = re.compile(r"_DeSO\d{4}$", re.I)
MISSING = {"..", ".", "-", ""}


@dataclass(frozen=True)
class Cell:
    """One count of the source as read, and where it stands (for its problems)."""

    region: str
    age: str
    sex: str
    year: str
    value: object
    line: int | None = None
    column: str | None = None


def band_name(low: int, high: int | None) -> str:
    return f"{low}+" if high is None else f"{low}-{high}"


def parse_age(text: str) -> tuple[int, int] | None:
    """SCB's age as (first, last) year: ``7``, ``7 år``, ``0-4``, ``100+``, ``100+ år``,
    ``80-`` (open); None when it is not an age."""
    t = text.strip().lower().replace("år", "").replace(" ", "").replace("\u2013", "-")
    if re.fullmatch(r"\d{1,3}", t):
        return int(t), int(t)
    if m := re.fullmatch(r"(\d{1,3})-(\d{1,3})", t):
        low, high = int(m.group(1)), int(m.group(2))
        return (low, high) if low <= high else None
    if m := re.fullmatch(r"(\d{1,3})(\+|-|ochäldre|-w)", t):
        return int(m.group(1)), OLDEST
    if m := re.fullmatch(r"-(\d{1,3})", t):
        return 0, int(m.group(1))
    return None


def split_age(low: int, high: int, count: int) -> list[tuple[str, int]]:
    """A count of ages ``low..high`` shared among Trygg's groups in proportion to the years
    in each (largest remainders, so the shares add up to ``count``)."""
    years = high - low + 1
    shares: list[tuple[str, float]] = []
    for g_low, g_high in AGE_GROUPS:
        top = OLDEST if g_high is None else g_high
        overlap = min(high, top) - max(low, g_low) + 1
        if overlap > 0:
            shares.append((band_name(g_low, g_high), count * overlap / years))
    floors = [math.floor(s) for _, s in shares]
    rest = count - sum(floors)
    order = sorted(range(len(shares)), key=lambda k: (floors[k] - shares[k][1], k))
    for k in order[:rest]:
        floors[k] += 1
    return [(shares[k][0], floors[k]) for k in range(len(shares))]


# ----------------------------------------------------------------------------- formats


def sniff(path: str | Path) -> str | None:
    """``"jsonstat"`` or ``"pxcsv"`` when the file is one of SCB's, else None (Trygg's own
    population table)."""
    raw = Path(path).read_bytes()[:65536]
    text = _decode(raw)
    head = text.lstrip()
    if head.startswith("{"):
        return "jsonstat" if '"dimension"' in text or '"value"' in text else None
    first = head.split("\n", 1)[0]
    names = [c.strip().strip('"').lower() for c in re.split(r"[;,\t]", first)]
    if names and names[0] == "area_code":
        return None
    if "region" in names and any(YEAR_RE.search(n) for n in names):
        return "pxcsv"
    return None


def _decode(raw: bytes) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        # A sample may end inside a character.
        if exc.start >= len(raw) - 3:
            return raw[: exc.start].decode("utf-8-sig")
        return raw.decode("cp1252", errors="replace")


def read_text(path: Path) -> str:
    raw = path.read_bytes()
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        # PX-Web's CSV export is in the web page's "ANSI" (Latin-1/Windows-1252).
        return raw.decode("cp1252", errors="replace")


def jsonstat_cells(
    path: Path, *, file: str, keep_region: Callable[[str], bool] | None = None
) -> Iterator[Cell]:
    """The table's cells in row-major order; with ``keep_region``, only the regions it
    keeps (a national table has a million cells, a municipality's a few thousand)."""
    try:
        data = json.loads(read_text(path))
    except json.JSONDecodeError as exc:
        raise InputError(
            RowProblem(file=file, line=exc.lineno, reason=f"not valid JSON: {exc.msg}")
        ) from exc
    if isinstance(data, dict) and data.get("class") == "collection":
        raise InputError(RowProblem(file=file, reason="a JSON-stat collection; save one table"))
    if not isinstance(data, dict) or not isinstance(data.get("dimension"), dict):
        raise InputError(RowProblem(file=file, reason="not a JSON-stat 2.0 dataset"))
    ids, sizes = data.get("id"), data.get("size")
    if not isinstance(ids, list) or not isinstance(sizes, list) or len(ids) != len(sizes):
        raise InputError(
            RowProblem(file=file, column="id", reason="'id' and 'size' must be lists alike")
        )
    roles = _roles(ids, data.get("role") or {})
    missing = [r for r in ("region", "age", "sex", "year") if r not in roles]
    if missing:
        raise InputError(
            RowProblem(
                file=file,
                column="dimension",
                reason="the table has no dimension for "
                + ", ".join(missing)
                + " (expected Region, Alder, Kon and Tid)",
            )
        )
    codes: dict[str, list[str]] = {}
    for dim, size in zip(ids, sizes, strict=True):
        index = ((data["dimension"].get(dim) or {}).get("category") or {}).get("index")
        if isinstance(index, dict):
            ordered = sorted(index, key=lambda k: index[k])
        elif isinstance(index, list):
            ordered = list(index)
        else:
            labels = ((data["dimension"].get(dim) or {}).get("category") or {}).get("label")
            ordered = list(labels or [])
        if len(ordered) != size:
            raise InputError(
                RowProblem(
                    file=file,
                    column=f"dimension.{dim}",
                    reason=f"{len(ordered)} categories but size says {size}",
                )
            )
        codes[dim] = [str(c) for c in ordered]
    for dim in ids:
        if dim not in roles.values() and len(codes[dim]) > 1:
            raise InputError(
                RowProblem(
                    file=file,
                    column=f"dimension.{dim}",
                    reason=f"the table holds {len(codes[dim])} contents; choose only "
                    "Folkmängd (Antal) when saving it",
                )
            )
    values = data.get("value")
    total = math.prod(sizes)
    if isinstance(values, list):
        if len(values) != total:
            raise InputError(
                RowProblem(
                    file=file, column="value", reason=f"{len(values)} values but {total} cells"
                )
            )
        get = values.__getitem__
    elif isinstance(values, dict):

        def get(k: int):
            # A sparse table leaves its empty cells out: no residents.
            return values.get(str(k), 0)
    else:
        raise InputError(RowProblem(file=file, column="value", reason="no values"))
    strides = [math.prod(sizes[k + 1 :]) for k in range(len(sizes))]
    pos = {role: ids.index(dim) for role, dim in roles.items()}
    positions: Iterable[int] = range(total)
    if keep_region is not None:
        kept = [i for i, c in enumerate(codes[roles["region"]]) if keep_region(c)]
        grid = np.arange(total, dtype=np.int64).reshape(sizes)
        positions = np.take(grid, kept, axis=pos["region"]).ravel().tolist()
    for k in positions:
        at = [(k // strides[d]) % sizes[d] for d in range(len(ids))]
        yield Cell(
            region=codes[roles["region"]][at[pos["region"]]],
            age=codes[roles["age"]][at[pos["age"]]],
            sex=codes[roles["sex"]][at[pos["sex"]]],
            year=codes[roles["year"]][at[pos["year"]]],
            value=get(k),
            column=f"value[{k}]",
        )


def _roles(ids: list[str], role: dict) -> dict[str, str]:
    found: dict[str, str] = {}
    for dim in ids:
        key = dim.lower()
        if key in ("region", "deso", "regso"):
            found["region"] = dim
        elif key in ("alder", "ålder", "age"):
            found["age"] = dim
        elif key in ("kon", "kön", "sex"):
            found["sex"] = dim
        elif key in ("tid", "år", "ar", "year"):
            found["year"] = dim
    for dim in role.get("time") or []:
        found.setdefault("year", dim)
    return found


def pxcsv_cells(path: Path, *, file: str) -> Iterator[Cell]:
    text = read_text(path)
    first = text.split("\n", 1)[0]
    delimiter = max((";", ",", "\t"), key=first.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header = [h.strip() for h in next(reader, [])]
    lowered = [h.lower() for h in header]

    def column(*names: str) -> int:
        for n in names:
            if n in lowered:
                return lowered.index(n)
        raise InputError(
            RowProblem(file=file, line=1, column=names[0], reason="required column is missing")
        )

    region, age, sex = column("region"), column("ålder", "alder"), column("kön", "kon")
    years = {k: m.group(1) for k, h in enumerate(header) if (m := YEAR_RE.search(h))}
    if not years:
        raise InputError(RowProblem(file=file, line=1, reason="no column of a year such as '2024'"))
    for row in reader:
        if not any(c.strip() for c in row):
            continue
        line = reader.line_num
        cells = row + [""] * (len(header) - len(row))
        for k, year in years.items():
            yield Cell(
                region=cells[region].strip().split(" ", 1)[0],
                age=cells[age],
                sex=cells[sex],
                year=year,
                value=cells[k],
                line=line,
                column=header[k],
            )


# ----------------------------------------------------------------------------- the table


def read_scb_population(
    path: str | Path,
    *,
    known_area_codes: Iterable[str],
    municipality_code: str | None = None,
    file: str | None = None,
    kind: str | None = None,
) -> pl.DataFrame:
    """SCB's population file as Trygg's population table for the given areas.

    A region that is an area is kept; one that looks like a DeSO or RegSO of
    ``municipality_code`` but is no area is a problem (import the areas first); the rest
    (other municipalities, the municipality's total) is left out. Totals of age or sex are
    left out too. Every problem names the file, the line (CSV) or the value (JSON-stat),
    the field and the reason."""
    path = Path(path)
    file = file or path.name
    kind = kind or sniff(path)
    if kind is None:
        raise InputError(RowProblem(file=file, reason="not a table of SCB's PX-Web"))
    known = set(known_area_codes)

    def ours(region: str) -> bool:
        code = DESO_SUFFIX.sub("", region.strip())
        return code in known or bool(municipality_code and code.startswith(municipality_code))

    cells = (
        jsonstat_cells(path, file=file, keep_region=ours)
        if kind == "jsonstat"
        else pxcsv_cells(path, file=file)
    )
    problems: list[RowProblem] = []
    totals: dict[tuple[str, int, str, str], int] = {}
    for cell in cells:
        code = DESO_SUFFIX.sub("", cell.region.strip())
        if code not in known:
            if municipality_code and code.startswith(municipality_code) and len(code) > 4:
                problems.append(
                    _problem(
                        file, cell, "region", f"unknown area code '{code}'; import the areas first"
                    )
                )
            continue
        age_text, sex_text = cell.age.strip(), cell.sex.strip().lower()
        if age_text.lower() in TOTALS or sex_text in TOTALS:
            continue
        age = parse_age(age_text)
        sex = SEXES.get(sex_text)
        year = int(cell.year) if str(cell.year).strip().isdigit() else None
        count = _count(cell.value)
        bad = False
        if age is None:
            problems.append(_problem(file, cell, "age", f"'{age_text}' is not an age"))
            bad = True
        if sex is None:
            problems.append(
                _problem(file, cell, "sex", f"'{cell.sex}' is not 1, 2, män or kvinnor")
            )
            bad = True
        if year is None or not 1900 <= year <= 2100:
            problems.append(_problem(file, cell, "year", f"'{cell.year}' is not a year"))
            bad = True
        if count is None:
            problems.append(
                _problem(file, cell, "count", f"'{cell.value}' is not a whole number ≥ 0")
            )
            bad = True
        if bad:
            continue
        for group, share in split_age(age[0], age[1], count):
            key = (code, year, sex, group)
            totals[key] = totals.get(key, 0) + share
    if problems:
        raise InputError(problems)
    if not totals:
        raise InputError(
            RowProblem(file=file, reason="no row is of one of the municipality's areas")
        )
    rows = sorted((*k, v) for k, v in totals.items())
    return pl.DataFrame(
        rows,
        schema={
            "area_code": pl.String,
            "year": pl.Int32,
            "sex": pl.String,
            "age_group": pl.String,
            "count": pl.Int64,
        },
        orient="row",
    ).select(POPULATION_COLUMNS)


def _count(value) -> int | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int):
        return value if value >= 0 else None
    if isinstance(value, float):
        return int(value) if value.is_integer() and value >= 0 else None
    text = str(value).strip().replace("\u00a0", "").replace(" ", "")
    if text in MISSING:
        return None
    return int(text) if text.isdigit() else None


def _problem(file: str, cell: Cell, field: str, reason: str) -> RowProblem:
    # A CSV cell is found by its line and the field; a JSON-stat cell by its position in
    # ``value`` (the column names both).
    column = field if cell.line is not None else f"{field} of {cell.column}"
    return RowProblem(file=file, line=cell.line, column=column, reason=reason)
