"""Reading crime files: CSV, Parquet and the police's events JSON, each validated by
:func:`trygg.analysis.crime.validation.validate_crimes`."""

from __future__ import annotations

import csv
import json
from collections.abc import Collection, Mapping, Sequence
from pathlib import Path
from typing import Any

import polars as pl

from ..errors import InputError, RowProblem
from ..tables import sniff_dialect
from .categories import CategoryTable
from .schema import CrimeFile
from .validation import validate_crimes

__all__ = [
    "read_crimes",
    "read_crimes_csv",
    "read_crimes_parquet",
    "read_police_events",
]


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
