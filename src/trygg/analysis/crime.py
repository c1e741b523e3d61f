"""Reported crime: reading, validation, placement in areas, counts, rates, trends and harm.

Inputs follow docs/formats.md ("Reported crimes"): CSV (``,`` or ``;``, decimal commas), Parquet
and the police's public events JSON. Everything is validated vectorised with Polars so that
a 15-million-row national extract is checked in seconds, and every problem names the file,
the line (CSV: as a text editor counts it, header = line 1; Parquet: the 1-based row; JSON:
the 0-based item as ``feature``), the column and the reason.

Times: ``occurred_at`` is ISO 8601; a date alone is fine. A time without an offset is
Swedish local time (what police systems and Swedish Excel write); one with an offset or
``Z`` is converted. Everything is stored in UTC and counted by Swedish calendar year and
month, so a crime at 23:30 on New Year's Eve belongs to the old year.

Counting uses DuckDB (straight from Parquet when given a path): one pass of a hash
aggregate over 15 M rows takes about 3 s on two cores.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import duckdb
import numpy as np
import polars as pl
import yaml
from scipy import special

from .errors import InputError, RowProblem
from .geo import AreaLocator
from .tables import sniff_dialect

__all__ = [
    "CRIME_COLUMNS",
    "Category",
    "CategoryTable",
    "CrimeFile",
    "crime_counts",
    "crime_rates",
    "crime_trends",
    "harm_weighted_rates",
    "load_categories",
    "place_crimes",
    "read_crimes",
    "read_crimes_csv",
    "read_crimes_parquet",
    "read_police_events",
    "validate_crimes",
]

LOCAL_TIME_ZONE = "Europe/Stockholm"
EXCLUDED = "excluded"

# Columns of a validated crime table, in this order; extra input columns follow.
CRIME_COLUMNS = (
    "id",
    "occurred_at",
    "occurred_to",
    "reported_at",
    "category",
    "lat",
    "lon",
    "area_code",
    "source",
    "line",
)

# InputError keeps at most this many RowProblems: a wholly wrong 15 M-row file must not
# allocate 15 M Python objects. The CrimeFile.rejected table always has every problem.
MAX_PROBLEMS_IN_ERROR = 10_000

_ISO = (
    r"^(\d{4}-\d{2}-\d{2})"
    r"(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?"
    r"\s*(Z|z|[+-]\d{2}(?::?\d{2})?)?$"
)


# --------------------------------------------------------------------------------------
# Categories
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Category:
    code: str
    name_sv: str
    name_en: str
    harm_weight: float


@dataclass(frozen=True)
class CategoryTable:
    """The category table and the mapping from police event types.

    :meth:`lookup` maps any accepted spelling (lower-cased, trimmed) to a category code or
    to ``"excluded"``: the codes themselves (``vehicle_crime`` or ``vehicle crime``), the
    Swedish and English names, and the police event types.
    """

    categories: tuple[Category, ...]
    event_types: Mapping[str, str]

    @property
    def codes(self) -> list[str]:
        return [c.code for c in self.categories]

    def harm_weights(self) -> dict[str, float]:
        return {c.code: c.harm_weight for c in self.categories}

    def lookup(self) -> dict[str, str]:
        table: dict[str, str] = {}
        for event_type, code in self.event_types.items():
            table[_key(event_type)] = code
        for c in self.categories:
            for spelling in (c.code, c.code.replace("_", " "), c.name_sv, c.name_en):
                table[_key(spelling)] = c.code
        return table

    def resolve(self, text: str) -> str | None:
        """Category code (or ``"excluded"``) for one spelling; ``None`` if unknown."""
        return self.lookup().get(_key(text))


def _key(text: str) -> str:
    return " ".join(str(text).strip().lower().split())


def load_categories(path: str | Path | None = None) -> CategoryTable:
    """Read a category table; without ``path`` the one shipped with Trygg."""
    if path is None:
        return _shipped_categories()
    return _parse_categories(Path(path).read_text(encoding="utf-8"), Path(path).name)


@lru_cache(maxsize=1)
def _shipped_categories() -> CategoryTable:
    text = (
        resources.files("trygg.analysis").joinpath("data/crime_categories.yaml").read_text("utf-8")
    )
    return _parse_categories(text, "crime_categories.yaml")


def _parse_categories(text: str, file: str) -> CategoryTable:
    data = yaml.safe_load(text) or {}
    problems: list[RowProblem] = []
    categories: list[Category] = []
    for index, item in enumerate(data.get("categories") or []):
        try:
            weight = float(item["harm_weight"])
            if not np.isfinite(weight) or weight < 0:
                raise ValueError
            categories.append(Category(str(item["code"]), str(item["sv"]), str(item["en"]), weight))
        except (KeyError, TypeError, ValueError):
            problems.append(
                RowProblem(
                    file=file,
                    feature=index,
                    column="categories",
                    reason="a category needs code, sv, en and a non-negative harm_weight",
                )
            )
    if not categories and not problems:
        problems.append(RowProblem(file=file, column="categories", reason="no categories defined"))
    codes = {c.code for c in categories}
    event_types: dict[str, str] = {}
    for event_type, code in (data.get("event_types") or {}).items():
        if code != EXCLUDED and code not in codes:
            problems.append(
                RowProblem(
                    file=file,
                    column="event_types",
                    reason=f"event type '{event_type}' maps to unknown category '{code}'",
                )
            )
        event_types[str(event_type)] = str(code)
    if problems:
        raise InputError(problems)
    return CategoryTable(categories=tuple(categories), event_types=event_types)


# --------------------------------------------------------------------------------------
# Reading and validation
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CrimeFile:
    """A validated crime file.

    ``crimes`` has :data:`CRIME_COLUMNS` (times as UTC datetimes, ``line`` the position in
    the file) followed by any extra input columns. ``rejected`` lists every problem
    (``line, column, reason, id``); it is empty unless ``skip_bad_rows`` was asked for,
    because otherwise problems raise :class:`InputError`. ``excluded`` counts rows whose
    type is not a reported crime (e.g. "Trafikolycka") and were left out on purpose.
    """

    crimes: pl.DataFrame
    rejected: pl.DataFrame
    excluded: int
    file: str
    problems: list[RowProblem] = field(default_factory=list)


def read_crimes(
    path: str | Path,
    *,
    categories: CategoryTable | None = None,
    areas: Collection[str] | None = None,
    skip_bad_rows: bool = False,
) -> CrimeFile:
    """Read a crime file by its suffix: ``.csv``/``.txt``, ``.parquet`` or ``.json``."""
    suffix = Path(path).suffix.lower()
    if suffix in (".csv", ".txt"):
        return read_crimes_csv(
            path, categories=categories, areas=areas, skip_bad_rows=skip_bad_rows
        )
    if suffix in (".parquet", ".pq"):
        return read_crimes_parquet(
            path, categories=categories, areas=areas, skip_bad_rows=skip_bad_rows
        )
    if suffix == ".json":
        return read_police_events(
            path, categories=categories, areas=areas, skip_bad_rows=skip_bad_rows
        )
    raise InputError(
        RowProblem(file=Path(path).name, reason="unknown file type; use .csv, .parquet or .json")
    )


def read_crimes_csv(
    path: str | Path,
    *,
    categories: CategoryTable | None = None,
    areas: Collection[str] | None = None,
    skip_bad_rows: bool = False,
) -> CrimeFile:
    """Read and validate a crime CSV (see the module docstring for the rules)."""
    path = Path(path)
    raw_head = path.open("rb").read(64 * 1024)
    if not raw_head.strip():
        raise InputError(RowProblem(file=path.name, line=1, reason="the file is empty"))
    try:
        head = raw_head.decode("utf-8-sig", errors="strict")
    except UnicodeDecodeError as exc:
        # The cut at 64 kB may split a multi-byte character; only complain about real errors.
        if exc.start < len(raw_head) - 4:
            line = raw_head[: exc.start].count(b"\n") + 1
            raise InputError(
                RowProblem(
                    file=path.name,
                    line=line,
                    reason="the file is not UTF-8 text; save it as 'CSV UTF-8' and import again",
                )
            ) from exc
        head = raw_head[: exc.start].decode("utf-8-sig")
    header_line = head.splitlines()[0] if head else ""
    dialect = sniff_dialect(header_line, head)
    # Polars silently renames a repeated column ("id_duplicated_0"); check the header itself.
    header = next(csv.reader([header_line], delimiter=dialect.delimiter), [])
    _check_duplicate_columns(path.name, [h.lstrip("\ufeff").strip().lower() for h in header])
    try:
        frame = pl.read_csv(
            path,
            separator=dialect.delimiter,
            infer_schema=False,
            encoding="utf8",
            truncate_ragged_lines=False,
        )
    except pl.exceptions.ComputeError as exc:
        raise InputError(
            RowProblem(file=path.name, reason=f"the file cannot be read as CSV ({exc})")
        ) from exc
    frame = frame.rename({c: c.lstrip("\ufeff").strip().lower() for c in frame.columns})
    # Line numbers: the header is line 1 and each record adds one line plus any newlines
    # quoted inside its fields. Polars keeps blank lines as all-null rows, dropped below
    # after numbering so the numbers still match the file.
    newlines = pl.sum_horizontal(
        [pl.col(c).fill_null("").str.count_matches("\n") for c in frame.columns]
    )
    frame = frame.with_columns(
        (
            pl.int_range(pl.len(), dtype=pl.Int64) + 2 + newlines.cum_sum().shift(1, fill_value=0)
        ).alias("line")
    )
    blank = pl.all_horizontal(
        [pl.col(c).fill_null("").str.strip_chars() == "" for c in frame.columns if c != "line"]
    )
    frame = frame.filter(~blank)
    return validate_crimes(
        frame,
        file=path.name,
        categories=categories,
        areas=areas,
        skip_bad_rows=skip_bad_rows,
    )


def read_crimes_parquet(
    path: str | Path,
    *,
    categories: CategoryTable | None = None,
    areas: Collection[str] | None = None,
    skip_bad_rows: bool = False,
) -> CrimeFile:
    """Read and validate a crime Parquet file; ``line`` is the 1-based row number.

    Columns may be typed (timestamps, floats) or text; text is validated like CSV.
    """
    path = Path(path)
    try:
        frame = pl.read_parquet(path)
    except Exception as exc:
        raise InputError(
            RowProblem(file=path.name, reason=f"the file is not readable Parquet ({exc})")
        ) from exc
    frame = frame.rename({c: c.strip().lower() for c in frame.columns})
    frame = frame.with_columns((pl.int_range(pl.len(), dtype=pl.Int64) + 1).alias("line"))
    return validate_crimes(
        frame, file=path.name, categories=categories, areas=areas, skip_bad_rows=skip_bad_rows
    )


def read_police_events(
    source: str | Path | Sequence[Mapping[str, Any]],
    *,
    file: str | None = None,
    categories: CategoryTable | None = None,
    areas: Collection[str] | None = None,
    skip_bad_rows: bool = False,
) -> CrimeFile:
    """Read the police's public events feed (a JSON list of events).

    Each event's ``type`` is mapped through the category table (types that are not crimes
    are counted in ``excluded``); it is placed at ``location.gps`` ("lat,lon"), which is the
    named place's coordinates and often only the town's. Problems name the 0-based item
    (``feature``) and the field. ``name``, ``summary``, ``url`` and ``location_name`` are
    kept as extra columns.
    """
    if isinstance(source, (str, Path)):
        path = Path(source)
        file = file or path.name
        try:
            events = json.loads(path.read_text(encoding="utf-8-sig"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise InputError(
                RowProblem(file=file, reason=f"the file is not valid JSON ({exc})")
            ) from exc
    else:
        events = source
        file = file or "events.json"
    if not isinstance(events, list):
        raise InputError(RowProblem(file=file, reason="the events feed must be a JSON list"))
    columns: dict[str, list[Any]] = {
        k: []
        for k in (
            "id",
            "occurred_at",
            "category",
            "gps",
            "location_name",
            "name",
            "summary",
            "url",
            "line",
        )
    }
    for index, event in enumerate(events):
        event = event if isinstance(event, Mapping) else {}
        location = event.get("location") if isinstance(event.get("location"), Mapping) else {}
        columns["id"].append(_text(event.get("id")))
        columns["occurred_at"].append(_text(event.get("datetime")))
        columns["category"].append(_text(event.get("type")))
        columns["gps"].append(_text(location.get("gps")))
        columns["location_name"].append(_text(location.get("name")))
        columns["name"].append(_text(event.get("name")))
        columns["summary"].append(_text(event.get("summary")))
        columns["url"].append(_text(event.get("url")))
        columns["line"].append(index)
    frame = pl.DataFrame(
        columns, schema={**{k: pl.String for k in columns if k != "line"}, "line": pl.Int64}
    )
    gps = pl.col("gps").str.strip_chars()
    has_comma = gps.str.contains(",", literal=True)
    frame = frame.with_columns(
        pl.when(has_comma).then(gps.str.extract(r"^([^,]*),", 1)).otherwise(gps).alias("lat"),
        pl.when(has_comma).then(gps.str.extract(r"^[^,]*,(.*)$", 1)).otherwise(None).alias("lon"),
        pl.lit("polisen.se events").alias("source"),
    ).drop("gps")
    return validate_crimes(
        frame,
        file=file,
        categories=categories,
        areas=areas,
        skip_bad_rows=skip_bad_rows,
        position="feature",
        column_names={
            "id": "id",
            "occurred_at": "datetime",
            "category": "type",
            "lat": "location.gps",
            "lon": "location.gps",
        },
    )


def _text(value: Any) -> str | None:
    if value is None:
        return None
    return str(value)


def _check_duplicate_columns(file: str, columns: list[str]) -> None:
    seen: set[str] = set()
    for name in columns:
        if name in seen:
            raise InputError(
                RowProblem(file=file, line=1, column=name, reason="the column name appears twice")
            )
        seen.add(name)


def validate_crimes(
    frame: pl.DataFrame,
    *,
    file: str,
    categories: CategoryTable | None = None,
    areas: Collection[str] | None = None,
    skip_bad_rows: bool = False,
    position: Literal["line", "feature"] = "line",
    column_names: Mapping[str, str] | None = None,
) -> CrimeFile:
    """Validate a raw crime table (text or typed columns plus ``line``).

    Checks, all collected before raising: required columns; empty ``id``, duplicate ``id``;
    ``occurred_at`` (and ``occurred_to``, ``reported_at``) not ISO 8601 or not a real date;
    ``occurred_to`` before ``occurred_at``; unknown ``category``; ``lat``/``lon`` not
    numeric, out of range or only one of them given; neither coordinates nor ``area_code``;
    ``area_code`` not among ``areas`` (when given).

    ``column_names`` renames columns in messages (the JSON feed calls ``occurred_at``
    "datetime"). With ``skip_bad_rows`` the bad rows are dropped and listed in
    ``rejected``; otherwise any problem raises :class:`InputError`.
    """
    categories = categories or load_categories()
    names = dict(column_names or {})
    present = set(frame.columns)
    header: list[RowProblem] = []
    for required in ("id", "occurred_at", "category"):
        if required not in present:
            header.append(
                _header_problem(
                    file, names.get(required, required), "required column is missing", position
                )
            )
    if ("lat" in present) != ("lon" in present) and "area_code" not in present:
        missing = "lon" if "lat" in present else "lat"
        header.append(_header_problem(file, missing, "lat and lon must both be given", position))
    elif not {"lat", "lon"} <= present and "area_code" not in present:
        header.append(
            _header_problem(
                file,
                "lat, lon, area_code",
                "the file needs either lat and lon or area_code",
                position,
            )
        )
    if header:
        raise InputError(header)

    extra = [c for c in frame.columns if c not in CRIME_COLUMNS]
    # Two passes: every row gets cheap checks (flags from parsed values, no message text);
    # only the rows that fail any check are prepared again with their raw text and the
    # messages. A clean 15 M-row file thus never formats a timestamp or a float as text.
    work = _prepare(frame, categories, with_raw=False)
    checks = _checks(categories, names, present, areas, position)
    bad = work.select(
        pl.any_horizontal([condition.fill_null(False) for _, condition, _ in checks]).alias("b")
    ).get_column("b")
    problem_frames: list[pl.DataFrame] = []
    if bad.any():
        sub = _prepare(frame.filter(bad), categories, with_raw=True)
        problem_frames += [
            sub.filter(condition.fill_null(False)).select(
                pl.col("line"),
                pl.lit(names.get(column, column)).alias("column"),
                reason.alias("reason"),
                pl.col("id"),
            )
            for column, condition, reason in checks
        ]
    # Duplicate ids: every occurrence after the first is a problem naming the first line.
    dup = _duplicate_ids(work)
    if dup.height:
        problem_frames.append(
            dup.select(
                pl.col("line"),
                pl.lit(names.get("id", "id")).alias("column"),
                pl.format("id '{}' also appears on {} {}", "id", pl.lit(position), "__first").alias(
                    "reason"
                ),
                pl.col("id"),
            )
        )
    if problem_frames:
        rejected = pl.concat(problem_frames).sort("line", "column", maintain_order=True)
    else:
        rejected = pl.DataFrame(
            schema={"line": pl.Int64, "column": pl.String, "reason": pl.String, "id": pl.String}
        )
    problems = _to_problems(rejected, file, position)
    if problems and not skip_bad_rows:
        raise InputError(problems)

    good = work
    if rejected.height:
        bad_lines = rejected.get_column("line").unique()
        good = work.filter(~pl.col("line").is_in(bad_lines.implode()))
    excluded = int((good.get_column("__code") == EXCLUDED).sum())
    if excluded:
        good = good.filter(pl.col("__code") != EXCLUDED)
    crimes = good.select(
        pl.col("id"),
        pl.col("occurred_at_utc").alias("occurred_at"),
        pl.col("occurred_to_utc").alias("occurred_to"),
        pl.col("reported_at_utc").alias("reported_at"),
        pl.col("__code").alias("category"),
        pl.col("lat_num").alias("lat"),
        pl.col("lon_num").alias("lon"),
        pl.col("area_code"),
        pl.col("source"),
        pl.col("line"),
        *[pl.col(c) for c in extra if c not in ("line",)],
    )
    return CrimeFile(
        crimes=crimes,
        rejected=rejected if skip_bad_rows else rejected.clear(),
        excluded=excluded,
        file=file,
        problems=problems if skip_bad_rows else [],
    )


def _prepare(frame: pl.DataFrame, categories: CategoryTable, *, with_raw: bool) -> pl.DataFrame:
    """The typed working columns of a raw crime table: ``id, category, area_code,
    source`` as trimmed text, ``__code`` (category code, null when empty or unknown),
    ``__category_given``, ``{lat,lon}_has/_num`` and ``{time}_has/_utc``. ``{x}_raw`` (the
    value as text, for messages) is always there for text input and, with ``with_raw``,
    for typed input too (formatting 15 M timestamps as text takes seconds)."""
    present = set(frame.columns)
    # The ISO pattern is matched once per column here: each part read straight from the
    # expression would run the regular expression again (seven times a column).
    frame = frame.with_columns(
        _as_text(name).str.extract_groups(_ISO).alias(_parts(name))
        for name in ("occurred_at", "occurred_to", "reported_at")
        if name in present and not isinstance(frame.schema[name], pl.Datetime | pl.Date)
    )
    work = frame.with_columns(
        _as_text("id"),
        _as_text("category"),
        _as_text("area_code")
        if "area_code" in present
        else pl.lit(None, pl.String).alias("area_code"),
        _as_text("source") if "source" in present else pl.lit(None, pl.String).alias("source"),
        *[expr for name in ("lat", "lon") for expr in _coordinate(frame, name, with_raw)],
        *[
            expr
            for name in ("occurred_at", "occurred_to", "reported_at")
            for expr in _parse_time(frame, name, with_raw)
        ],
    )
    # Categories: a handful of distinct spellings in millions of rows, so each distinct
    # text is looked up once and the codes are mapped back.
    lookup = categories.lookup()
    mapping = pl.DataFrame(
        {"__key": list(lookup), "__code": list(lookup.values())},
        schema={"__key": pl.String, "__code": pl.String},
    )
    distinct = (
        work.select(pl.col("category").unique())
        .filter(pl.col("category").is_not_null())
        .with_columns(
            pl.col("category").str.to_lowercase().str.replace_all(r"\s+", " ").alias("__key")
        )
        .join(mapping, on="__key", how="left")
    )
    return work.with_columns(
        pl.col("category")
        .replace_strict(
            distinct["category"], distinct["__code"], default=None, return_dtype=pl.String
        )
        .alias("__code")
    )


def _checks(
    categories: CategoryTable,
    names: Mapping[str, str],
    present: set[str],
    areas: Collection[str] | None,
    position: str,
) -> list[tuple[str, pl.Expr, pl.Expr]]:
    """``(column, condition, reason)`` per row check. Conditions read only the parsed
    columns of :func:`_prepare` (so they run on every row cheaply); reasons may read the
    ``_raw`` text columns (they run on failing rows only)."""
    checks: list[tuple[str, pl.Expr, pl.Expr]] = [
        ("id", pl.col("id").is_null(), pl.lit("id is empty")),
        ("occurred_at", ~pl.col("occurred_at_has"), pl.lit("occurred_at is empty")),
        (
            "occurred_at",
            pl.col("occurred_at_has") & pl.col("occurred_at_utc").is_null(),
            pl.format(
                "'{}' is not an ISO 8601 date or time (e.g. 2024-05-17 or 2024-05-17T21:30)",
                "occurred_at_raw",
            ),
        ),
        (
            "occurred_to",
            pl.col("occurred_to_has") & pl.col("occurred_to_utc").is_null(),
            pl.format("'{}' is not an ISO 8601 date or time", "occurred_to_raw"),
        ),
        (
            "occurred_to",
            pl.col("occurred_to_utc") < pl.col("occurred_at_utc"),
            pl.lit("occurred_to is before occurred_at"),
        ),
        (
            "reported_at",
            pl.col("reported_at_has") & pl.col("reported_at_utc").is_null(),
            pl.format("'{}' is not an ISO 8601 date or time", "reported_at_raw"),
        ),
        ("category", pl.col("category").is_null(), pl.lit("category is empty")),
        (
            "category",
            pl.col("category").is_not_null() & pl.col("__code").is_null(),
            pl.format(
                "unknown category '{}'; use one of {} or a police event type listed in the category table",
                "category",
                pl.lit(", ".join(categories.codes)),
            ),
        ),
    ]
    for name in ("lat", "lon"):
        low, high = (-90.0, 90.0) if name == "lat" else (-180.0, 180.0)
        checks += [
            (
                name,
                pl.col(f"{name}_has") & pl.col(f"{name}_num").is_null(),
                pl.format("'{}' is not a number", f"{name}_raw"),
            ),
            (
                name,
                (pl.col(f"{name}_num") < low)
                | (pl.col(f"{name}_num") > high)
                | pl.col(f"{name}_num").is_nan(),
                pl.format(f"{{}} is outside {low:g}..{high:g}", f"{name}_raw"),
            ),
        ]
    one_coordinate = pl.col("lat_has") != pl.col("lon_has")
    checks += [
        (
            "lat" if "lat" in present else "lon",
            one_coordinate,
            pl.lit("lat and lon must both be given or both be empty"),
        ),
        (
            "area_code",
            ~pl.col("lat_has") & ~pl.col("lon_has") & pl.col("area_code").is_null(),
            pl.lit("the row has neither lat/lon nor area_code"),
        ),
    ]
    if areas is not None:
        known = pl.Series(list({str(a) for a in areas}), dtype=pl.String)
        checks.append(
            (
                "area_code",
                pl.col("area_code").is_not_null() & ~pl.col("area_code").is_in(known.implode()),
                pl.format("area_code '{}' is not one of the areas", "area_code"),
            )
        )
    return checks


def _duplicate_ids(work: pl.DataFrame) -> pl.DataFrame:
    """``line, id, __first`` for every row whose id appeared on an earlier row.

    Grouping 15 M text ids takes seconds, so first a cheap test for "all distinct":
    ids already in sorted order (as exports usually are) are distinct when no two
    neighbours are equal; otherwise their 64-bit hashes are sorted and compared. Only
    rows whose hash occurs more than once are grouped by the id itself."""
    ids = work.get_column("id")
    given = ids.drop_nulls()
    if given.len() < 2:
        return pl.DataFrame(schema={"line": pl.Int64, "id": pl.String, "__first": pl.Int64})
    if given.is_sorted() and not (given.slice(1) == given.slice(0, given.len() - 1)).any():
        return pl.DataFrame(schema={"line": pl.Int64, "id": pl.String, "__first": pl.Int64})
    hashes = ids.hash()
    ordered = hashes.filter(ids.is_not_null()).sort()
    later = ordered.slice(1)
    repeated = later.filter(later == ordered.slice(0, ordered.len() - 1)).unique()
    candidates = work.select("line", "id")
    if repeated.len() == 0:
        return candidates.clear().with_columns(pl.lit(None, pl.Int64).alias("__first"))
    if repeated.len() < ordered.len():
        candidates = candidates.filter(ids.is_not_null() & hashes.is_in(repeated.implode()))
    firsts = (
        candidates.filter(pl.col("id").is_not_null())
        .group_by("id")
        .agg(pl.col("line").min().alias("__first"), pl.len().alias("__n"))
        .filter(pl.col("__n") > 1)
    )
    return (
        candidates.join(firsts, on="id", how="inner")
        .filter(pl.col("line") != pl.col("__first"))
        .select("line", "id", "__first")
    )


def _header_problem(file: str, column: str, reason: str, position: str) -> RowProblem:
    if position == "feature":
        return RowProblem(file=file, column=column, reason=reason)
    return RowProblem(file=file, line=1, column=column, reason=reason)


def _to_problems(rejected: pl.DataFrame, file: str, position: str) -> list[RowProblem]:
    problems: list[RowProblem] = []
    for line, column, reason, _id in rejected.head(MAX_PROBLEMS_IN_ERROR).iter_rows():
        if position == "feature":
            problems.append(RowProblem(file=file, feature=line, column=column, reason=reason))
        else:
            problems.append(RowProblem(file=file, line=line, column=column, reason=reason))
    if rejected.height > MAX_PROBLEMS_IN_ERROR:
        problems.append(
            RowProblem(
                file=file,
                reason=f"and {rejected.height - MAX_PROBLEMS_IN_ERROR} more problems not listed here",
            )
        )
    return problems


def _as_text(name: str) -> pl.Expr:
    """A column as trimmed text with empty strings as null (numbers, e.g. Parquet ids,
    become their decimal text)."""
    text = pl.col(name).cast(pl.String).str.strip_chars()
    return pl.when(text == "").then(None).otherwise(text).alias(name)


def _coordinate(frame: pl.DataFrame, name: str, with_raw: bool = True) -> list[pl.Expr]:
    """``{name}_has`` (a value was given), ``{name}_num`` (the number or null) and, for
    text input or with ``with_raw``, ``{name}_raw`` (the value as text)."""
    if name not in frame.columns:
        return [
            pl.lit(None, pl.String).alias(f"{name}_raw"),
            pl.lit(False).alias(f"{name}_has"),
            pl.lit(None, pl.Float64).alias(f"{name}_num"),
        ]
    dtype = frame.schema[name]
    if dtype.is_numeric():
        value = pl.col(name).cast(pl.Float64)
        raw = [value.cast(pl.String).alias(f"{name}_raw")] if with_raw else []
        return [*raw, value.is_not_null().alias(f"{name}_has"), value.alias(f"{name}_num")]
    raw = _as_text(name)
    # Swedish decimal comma and the thin or non-breaking spaces Excel sometimes keeps.
    cleaned = raw.str.replace_all(r"[\s\u00a0\u202f]", "").str.replace(",", ".", literal=True)
    return [
        raw.alias(f"{name}_raw"),
        raw.is_not_null().alias(f"{name}_has"),
        cleaned.cast(pl.Float64, strict=False).alias(f"{name}_num"),
    ]


def _parts(name: str) -> str:
    return f"__{name}_parts"


def _parse_time(frame: pl.DataFrame, name: str, with_raw: bool = True) -> list[pl.Expr]:
    """``{name}_has`` (a value was given), ``{name}_utc`` (UTC datetime or null) and, for
    text input or with ``with_raw``, ``{name}_raw`` (the value as text)."""
    if name not in frame.columns:
        return [
            pl.lit(None, pl.String).alias(f"{name}_raw"),
            pl.lit(False).alias(f"{name}_has"),
            pl.lit(None, pl.Datetime("us", "UTC")).alias(f"{name}_utc"),
        ]
    dtype = frame.schema[name]
    if isinstance(dtype, pl.Datetime):
        value = pl.col(name)
        utc = (
            value.dt.convert_time_zone("UTC")
            if dtype.time_zone
            else _localise(value.cast(pl.Datetime("us")))
        )
        raw = [value.cast(pl.String).alias(f"{name}_raw")] if with_raw else []
        return [
            *raw,
            value.is_not_null().alias(f"{name}_has"),
            utc.cast(pl.Datetime("us", "UTC")).alias(f"{name}_utc"),
        ]
    if dtype == pl.Date:
        value = pl.col(name).cast(pl.Datetime("us"))
        raw = [pl.col(name).cast(pl.String).alias(f"{name}_raw")] if with_raw else []
        return [
            *raw,
            pl.col(name).is_not_null().alias(f"{name}_has"),
            _localise(value).alias(f"{name}_utc"),
        ]
    raw = _as_text(name)
    parts = pl.col(_parts(name))
    date = parts.struct.field("1").str.to_date("%Y-%m-%d", strict=False)
    hour = parts.struct.field("2").cast(pl.Int64).fill_null(0)
    minute = parts.struct.field("3").cast(pl.Int64).fill_null(0)
    second = parts.struct.field("4").cast(pl.Int64).fill_null(0)
    micro = parts.struct.field("5").str.slice(0, 6).str.pad_end(6, "0").cast(pl.Int64).fill_null(0)
    valid_clock = (hour <= 23) & (minute <= 59) & (second <= 59)
    naive = date.cast(pl.Datetime("us")) + pl.duration(
        hours=hour, minutes=minute, seconds=second, microseconds=micro
    )
    offset = parts.struct.field("6").str.replace(":", "", literal=True)
    offset_minutes = (
        pl.when(offset.str.to_uppercase() == "Z")
        .then(0)
        .otherwise(
            (
                offset.str.slice(1, 2).cast(pl.Int64, strict=False) * 60
                + offset.str.slice(3, 2).cast(pl.Int64, strict=False).fill_null(0)
            )
            * pl.when(offset.str.starts_with("-")).then(-1).otherwise(1)
        )
    )
    with_offset = (naive - pl.duration(minutes=offset_minutes)).dt.replace_time_zone("UTC")
    utc = (
        pl.when(~valid_clock)
        .then(None)
        .when(offset.is_null())
        .then(_localise(naive))
        .otherwise(with_offset)
    )
    return [
        raw.alias(f"{name}_raw"),
        raw.is_not_null().alias(f"{name}_has"),
        utc.cast(pl.Datetime("us", "UTC")).alias(f"{name}_utc"),
    ]


def _localise(naive: pl.Expr) -> pl.Expr:
    """Swedish wall-clock time to UTC. In the autumn hour that occurs twice the first
    (summer-time) reading is taken; a time in the spring gap, which no clock showed, is
    read as the hour after (what a clock that was not yet moved forward meant)."""
    local = naive.dt.replace_time_zone(LOCAL_TIME_ZONE, ambiguous="earliest", non_existent="null")
    shifted = (naive + pl.duration(hours=1)).dt.replace_time_zone(
        LOCAL_TIME_ZONE, ambiguous="earliest", non_existent="null"
    )
    return pl.coalesce(local, shifted).dt.convert_time_zone("UTC")


# --------------------------------------------------------------------------------------
# Placement in areas
# --------------------------------------------------------------------------------------


def place_crimes(crimes: pl.DataFrame, *, locator: AreaLocator) -> pl.DataFrame:
    """Fill ``area_code`` from ``lat``/``lon`` with the area lookup and add ``placement``:
    ``given`` (the file named the area), ``located`` (found from the coordinates) or
    ``outside`` (the point lies in none of the areas; such crimes are kept but not counted
    in any area's rate)."""
    if "area_code" not in crimes.columns:
        crimes = crimes.with_columns(pl.lit(None, pl.String).alias("area_code"))
    need = crimes.get_column("area_code").is_null()
    if need.any():
        # Integer area indices, turned into codes by one gather: no Python string objects.
        index = np.full(crimes.height, -1, dtype=np.int64)
        where = need.to_numpy()
        lon = crimes.get_column("lon").to_numpy()
        lat = crimes.get_column("lat").to_numpy()
        if where.all():
            index = locator.locate_index(lon, lat)
        else:
            index[where] = locator.locate_index(lon[where], lat[where])
        positions = pl.Series("__index", index)
        positions = positions.set(positions < 0, None)
        located = pl.Series("__located", locator.codes.tolist(), dtype=pl.String).gather(positions)
    else:
        located = pl.repeat(None, crimes.height, dtype=pl.String, eager=True).alias("__located")
    return crimes.with_columns(
        pl.coalesce(pl.col("area_code"), located).alias("area_code"),
        pl.when(pl.col("area_code").is_not_null())
        .then(pl.lit("given"))
        .when(located.is_not_null())
        .then(pl.lit("located"))
        .otherwise(pl.lit("outside"))
        .alias("placement"),
    )


# --------------------------------------------------------------------------------------
# Counts and rates
# --------------------------------------------------------------------------------------

Period = Literal["year", "month"]


def crime_counts(
    crimes: pl.DataFrame | str | Path,
    *,
    period: Period = "year",
) -> pl.DataFrame:
    """Number of crimes per ``area_code × year [× month] × category`` (Swedish calendar).

    ``crimes`` is a placed crime table or the path of a Parquet file with at least
    ``occurred_at``, ``category`` and ``area_code``; DuckDB reads only those columns of a
    Parquet file, straight from disk. ``occurred_at`` in UTC (what the readers produce) is
    counted by Swedish year and month; a naive timestamp is taken to be Swedish time
    already, as the readers do. Crimes without an area are left out. Only combinations
    that occur are returned; :func:`crime_rates` adds the zeros.

    DuckDB rather than Polars: at 15 M rows it measured about 2× faster here, mostly in the
    time-zone conversion (bench/bench_crime.py prints both and a pandas baseline).
    """
    if period not in ("year", "month"):
        raise ValueError("period must be 'year' or 'month'")
    con = duckdb.connect()
    try:
        # With the session in Swedish time, year() and month() of a TIMESTAMPTZ are the
        # Swedish calendar's, and casting a naive timestamp reads it as Swedish time.
        con.execute(f"SET TimeZone = '{LOCAL_TIME_ZONE}'")
        if isinstance(crimes, (str, Path)):
            source = "read_parquet(?)"
            params: list[object] = [str(crimes)]
        else:
            con.register(
                "crimes_frame", crimes.select("occurred_at", "category", "area_code").to_arrow()
            )
            source, params = "crimes_frame", []
        month = ", month(t)::TINYINT AS month" if period == "month" else ""
        sql = f"""
            SELECT area_code::VARCHAR AS area_code, year(t)::INTEGER AS year{month},
                   category::VARCHAR AS category, count(*)::BIGINT AS count
            FROM (SELECT area_code, category, occurred_at::TIMESTAMPTZ AS t FROM {source}
                  WHERE area_code IS NOT NULL)
            GROUP BY ALL
        """  # noqa: S608 -- only fixed fragments are formatted in; the path is a parameter
        counts = pl.from_arrow(con.sql(sql, params=params).to_arrow_table())
    finally:
        con.close()
    assert isinstance(counts, pl.DataFrame)
    order = ["area_code", "year"] + (["month"] if period == "month" else []) + ["category"]
    return counts.sort(order)


def crime_rates(
    crimes: pl.DataFrame | str | Path,
    *,
    population: pl.DataFrame,
    period: Period = "year",
    categories: Sequence[str] | None = None,
    years: Sequence[int] | None = None,
    counts: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """Counts and rates per 1,000 residents.

    ``population`` has ``area_code, population`` and optionally ``year`` (then each year's
    figure is used; a missing year gives a null rate rather than a guess). The result has
    one row per area (every area in ``population``) × year (``years``, or every year from
    the first to the last crime) × category (``categories``, default the shipped table) ×
    month when ``period="month"``, zeros included, with columns
    ``area_code, year, [month,] category, count, population, rate_per_1000``.
    Crimes in areas missing from ``population`` are counted but get a null rate.
    ``counts``: the result of ``crime_counts(crimes, period=period)`` if the caller already
    has it (counting 15 M crimes takes a second or two).
    """
    if counts is None:
        counts = crime_counts(crimes, period=period)
    cats = list(categories) if categories is not None else load_categories().codes
    if years is None:
        if counts.height:
            years = list(range(int(counts["year"].min()), int(counts["year"].max()) + 1))  # type: ignore[arg-type]
        else:
            years = []
    pop = population.rename({c: c.strip().lower() for c in population.columns})
    if not {"area_code", "population"} <= set(pop.columns):
        raise ValueError("population needs columns area_code and population")
    pop = pop.with_columns(
        pl.col("area_code").cast(pl.String), pl.col("population").cast(pl.Float64)
    )
    areas = (
        pl.concat([pop.select("area_code"), counts.select("area_code")]).unique().sort("area_code")
    )
    grid = areas.join(pl.DataFrame({"year": pl.Series(list(years), dtype=pl.Int32)}), how="cross")
    if period == "month":
        grid = grid.join(
            pl.DataFrame({"month": pl.Series(range(1, 13), dtype=pl.Int8)}), how="cross"
        )
    grid = grid.join(pl.DataFrame({"category": pl.Series(cats, dtype=pl.String)}), how="cross")
    keys = ["area_code", "year"] + (["month"] if period == "month" else []) + ["category"]
    out = grid.join(counts, on=keys, how="left").with_columns(pl.col("count").fill_null(0))
    if "year" in pop.columns:
        pop_year = pop.select(
            pl.col("area_code"), pl.col("year").cast(pl.Int32), pl.col("population")
        )
        out = out.join(pop_year, on=["area_code", "year"], how="left")
    else:
        out = out.join(pop.select("area_code", "population"), on="area_code", how="left")
    return (
        out.with_columns(
            pl.when(pl.col("population") > 0)
            .then(pl.col("count") / pl.col("population") * 1000.0)
            .otherwise(None)
            .alias("rate_per_1000")
        )
        .select(*keys, "count", "population", "rate_per_1000")
        .sort(keys)
    )


def harm_weighted_rates(
    rates: pl.DataFrame,
    *,
    weights: Mapping[str, float] | None = None,
    categories: CategoryTable | None = None,
) -> pl.DataFrame:
    """Harm-weighted rate per area × period: ``Σ count × weight / population × 1000``.

    ``rates`` is :func:`crime_rates` output. ``weights`` override the defaults from the
    category table for the categories they name (a category weighted 0 drops out). Returns
    ``area_code, year, [month,] count, harm, population, harm_per_1000``.
    """
    table = categories or load_categories()
    merged = table.harm_weights()
    for code, weight in (weights or {}).items():
        if code not in merged:
            raise ValueError(f"unknown category '{code}' in harm weights")
        if not np.isfinite(weight) or weight < 0:
            raise ValueError(f"harm weight for '{code}' must be a non-negative number")
        merged[code] = float(weight)
    w = pl.DataFrame({"category": list(merged), "__w": list(merged.values())})
    keys = ["area_code", "year"] + (["month"] if "month" in rates.columns else [])
    return (
        rates.join(w, on="category", how="left")
        .group_by(keys)
        .agg(
            pl.col("count").sum(),
            (pl.col("count") * pl.col("__w").fill_null(0.0)).sum().alias("harm"),
            pl.col("population").first(),
        )
        .with_columns(
            pl.when(pl.col("population") > 0)
            .then(pl.col("harm") / pl.col("population") * 1000.0)
            .otherwise(None)
            .alias("harm_per_1000")
        )
        .sort(keys)
    )


# --------------------------------------------------------------------------------------
# Trends
# --------------------------------------------------------------------------------------


def crime_trends(
    rates: pl.DataFrame,
    *,
    by: Sequence[str] = ("area_code", "category"),
    model: Literal["quasi-poisson", "poisson"] = "quasi-poisson",
    min_count: int = 10,
    min_years: int = 3,
    level: float = 0.95,
) -> pl.DataFrame:
    """Yearly change in the crime rate per group, from a log-linear Poisson GLM.

    Per group (``by``, e.g. area and category; ``("area_code",)`` sums the categories):
    ``log E[count_t] = log(population_t) + a + b·t``, so ``exp(b) - 1`` is the average
    yearly change of the rate. ``quasi-poisson`` (default) widens the interval by the
    Pearson dispersion when it exceeds 1: crime counts vary more than Poisson (repeat
    offenders, one busy weekend), and a pure Poisson interval would call noise a trend.
    Years without population are left out. Groups with fewer than ``min_years`` years or
    ``min_count`` crimes, or whose fit does not converge (e.g. zero in every year but one),
    get null estimates and say why in ``method``.

    All groups are fitted at once by vectorised Fisher scoring (thousands of areas ×
    categories in well under a second); the tests check it against statsmodels' GLM.
    Returns ``*by, years, count, change_per_year, ci_low, ci_high, p_value, dispersion,
    method`` (changes as fractions: 0.05 = +5 % a year).
    """
    by = list(by)
    data = (
        rates.filter(pl.col("population").is_not_null() & (pl.col("population") > 0))
        .group_by([*by, "year"])
        .agg(pl.col("count").sum(), pl.col("population").first())
        .sort([*by, "year"])
    )
    groups = data.select(by).unique(maintain_order=True)
    gid = data.join(groups.with_row_index("__g"), on=by, how="left", maintain_order="left")[
        "__g"
    ].to_numpy()
    g = len(groups)
    y = data["count"].to_numpy().astype(np.float64)
    pop = data["population"].to_numpy().astype(np.float64)
    year = data["year"].to_numpy().astype(np.float64)
    n_years = np.bincount(gid, minlength=g)
    total = np.bincount(gid, weights=y, minlength=g)
    centre = np.bincount(gid, weights=year, minlength=g) / np.maximum(n_years, 1)
    x = year - centre[gid]
    log_pop = np.log(pop)

    fit_ok = (n_years >= min_years) & (total >= min_count)
    a = np.log(np.maximum(total, 0.5) / np.bincount(gid, weights=pop, minlength=g))
    b = np.zeros(g)
    converged = np.zeros(g, dtype=bool)
    for _ in range(50):
        mu = np.exp(log_pop + a[gid] + b[gid] * x)
        r = y - mu
        u_a = np.bincount(gid, weights=r, minlength=g)
        u_b = np.bincount(gid, weights=x * r, minlength=g)
        i_aa = np.bincount(gid, weights=mu, minlength=g)
        i_ab = np.bincount(gid, weights=x * mu, minlength=g)
        i_bb = np.bincount(gid, weights=x * x * mu, minlength=g)
        det = i_aa * i_bb - i_ab**2
        with np.errstate(divide="ignore", invalid="ignore"):
            step_a = (i_bb * u_a - i_ab * u_b) / det
            step_b = (i_aa * u_b - i_ab * u_a) / det
        step_a = np.where(np.isfinite(step_a), step_a, 0.0)
        step_b = np.where(np.isfinite(step_b), step_b, 0.0)
        # Damp huge steps so a group heading for separation diverges slowly and is caught
        # by the size check below instead of overflowing.
        step_a = np.clip(step_a, -5, 5)
        step_b = np.clip(step_b, -5, 5)
        a += np.where(fit_ok, step_a, 0.0)
        b += np.where(fit_ok, step_b, 0.0)
        converged = (np.abs(step_a) < 1e-10) & (np.abs(step_b) < 1e-10)
        if np.all(converged | ~fit_ok):
            break
    mu = np.exp(log_pop + a[gid] + b[gid] * x)
    i_aa = np.bincount(gid, weights=mu, minlength=g)
    i_ab = np.bincount(gid, weights=x * mu, minlength=g)
    i_bb = np.bincount(gid, weights=x * x * mu, minlength=g)
    with np.errstate(divide="ignore", invalid="ignore"):
        var_b = i_aa / (i_aa * i_bb - i_ab**2)
        pearson = np.bincount(gid, weights=(y - mu) ** 2 / mu, minlength=g)
        dispersion = pearson / np.maximum(n_years - 2, 1)
    scale = np.maximum(dispersion, 1.0) if model == "quasi-poisson" else np.ones(g)
    if model not in ("quasi-poisson", "poisson"):
        raise ValueError("model must be 'quasi-poisson' or 'poisson'")
    se = np.sqrt(var_b * scale)
    zcrit = special.ndtri(0.5 + level / 2)
    estimable = fit_ok & converged & (np.abs(b) < 3) & np.isfinite(se)
    method = np.where(
        n_years < min_years,
        "too_few_years",
        np.where(total < min_count, "too_few_crimes", np.where(estimable, model, "not_estimable")),
    )

    def masked(values: np.ndarray) -> np.ndarray:
        return np.where(estimable, values, np.nan)

    result = groups.with_columns(
        pl.Series("years", n_years, dtype=pl.Int32),
        pl.Series("count", total.astype(np.int64)),
        pl.Series("change_per_year", masked(np.expm1(b))),
        pl.Series("ci_low", masked(np.expm1(b - zcrit * se))),
        pl.Series("ci_high", masked(np.expm1(b + zcrit * se))),
        pl.Series("p_value", masked(2 * special.ndtr(-np.abs(b / se)))),
        pl.Series("dispersion", masked(dispersion)),
        pl.Series("method", method),
    )
    return result.fill_nan(None).sort(by)
