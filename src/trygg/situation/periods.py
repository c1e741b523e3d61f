"""Calendar arithmetic of the situational picture: quarters and the period an operation
planned from one is proposed for. Pure: no database, no request."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from django.utils import timezone

from trygg.analysis.situation import LOCAL


@dataclass(frozen=True, order=True)
class Quarter:
    year: int
    number: int

    @classmethod
    def of(cls, day: date) -> Quarter:
        return cls(day.year, (day.month - 1) // 3 + 1)

    @classmethod
    def parse(cls, text: str) -> Quarter:
        """``2026-Q1``, as the quarter page's ``?q=`` (checked by its form) and links give it."""
        year, number = (int(x) for x in text.split("-Q"))
        return cls(year, number)

    def __str__(self) -> str:
        return f"{self.year}-Q{self.number}"

    @property
    def label(self) -> str:
        return f"{self.year} Q{self.number}"

    def previous(self) -> Quarter:
        return Quarter(self.year - (self.number == 1), 4 if self.number == 1 else self.number - 1)

    def following(self) -> Quarter:
        return Quarter(self.year + (self.number == 4), 1 if self.number == 4 else self.number + 1)


def quarter_bounds(year: int, quarter: int) -> tuple[datetime, datetime]:
    if not 1 <= quarter <= 4:
        raise ValueError("a quarter is 1 to 4")
    start = datetime(year, 3 * quarter - 2, 1, tzinfo=LOCAL)
    end = datetime(year + (quarter == 4), 1 if quarter == 4 else 3 * quarter + 1, 1, tzinfo=LOCAL)
    return start.astimezone(UTC), end.astimezone(UTC)


def planning_period(year: int, quarter: int, *, today: date | None = None) -> tuple[date, date]:
    """The period an operation planned from a quarter's figures is proposed for: the next
    quarter, starting no earlier than next Monday; a quarter long from next Monday when the
    next quarter is already over."""
    today = today or timezone.localdate()
    following = Quarter(year, quarter).following()
    start, end = (
        d.astimezone(LOCAL).date() for d in quarter_bounds(following.year, following.number)
    )
    end -= timedelta(days=1)
    next_monday = today + timedelta(days=7 - today.weekday())
    start = max(start, next_monday)
    if start > end - timedelta(days=6):
        start, end = next_monday, next_monday + timedelta(weeks=13) - timedelta(days=1)
    return start, end
