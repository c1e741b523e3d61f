"""What every crime module shares: the columns of a validated crime table, the local time zone
that decides a crime's year and month, and the limits of an error report."""

from __future__ import annotations

from dataclasses import dataclass, field

import polars as pl

from ..errors import RowProblem

__all__ = ["CRIME_COLUMNS", "CrimeFile"]


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
