"""Validating a crime table vectorised with Polars: every problem names the line, the column
and the reason; times are parsed as Swedish local time unless they carry an offset."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Literal

import polars as pl

from ..errors import InputError, RowProblem
from .categories import CategoryTable, load_categories
from .schema import _ISO, CRIME_COLUMNS, EXCLUDED, LOCAL_TIME_ZONE, MAX_PROBLEMS_IN_ERROR, CrimeFile

__all__ = ["validate_crimes"]


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
        _clean_text(frame, "id"),
        _clean_text(frame, "category"),
        _clean_text(frame, "area_code")
        if "area_code" in present
        else pl.lit(None, pl.String).alias("area_code"),
        _clean_text(frame, "source")
        if "source" in present
        else pl.lit(None, pl.String).alias("source"),
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


def _clean_text(frame: pl.DataFrame, name: str) -> pl.Expr:
    """:func:`_as_text`, or the column itself when it is text that trimming and emptying
    would not change: a copy of 15 M ids or categories is the peak memory of a national
    run, and a clean file (the usual case) needs none."""
    column = frame.get_column(name)
    if column.dtype == pl.String and not column.str.contains(r"^\s|\s$|^$").any():
        return pl.col(name)
    return _as_text(name)


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
