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

from .categories import Category, CategoryTable, load_categories
from .changes import RATE_CHANGE_COLUMNS, RateChange, crime_rate_changes, rate_change
from .rates import crime_counts, crime_rates, harm_weighted_rates, place_crimes

# trygg.imports.services checks a crime file's header with it before reading the rows.
from .reading import _check_duplicate_columns as _check_duplicate_columns
from .reading import read_crimes, read_crimes_csv, read_crimes_parquet, read_police_events
from .schema import CRIME_COLUMNS, CrimeFile
from .trends import crime_trends
from .validation import validate_crimes

__all__ = [
    "CRIME_COLUMNS",
    "RATE_CHANGE_COLUMNS",
    "Category",
    "CategoryTable",
    "CrimeFile",
    "RateChange",
    "crime_counts",
    "crime_rate_changes",
    "crime_rates",
    "crime_trends",
    "harm_weighted_rates",
    "load_categories",
    "place_crimes",
    "rate_change",
    "read_crimes",
    "read_crimes_csv",
    "read_crimes_parquet",
    "read_police_events",
    "validate_crimes",
]
