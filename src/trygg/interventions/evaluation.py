"""The evaluation of an operation: before, during and after, against comparison areas.

One set of comparison areas per operation, used for both outcomes (observations of the
operation's categories, and reported crimes of the matching crime categories), so the two
answers are about the same comparison. The statistics are :mod:`trygg.analysis.evaluation`;
this module reads the counts, picks the exclusions and puts the words to the numbers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import numpy as np
import polars as pl
from django.db.models import Count, Q
from django.db.models.functions import TruncWeek
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from trygg.analysis.evaluation import (
    ComparisonChoice,
    DidResult,
    Effect,
    Periods,
    describe_effect,
    difference_in_differences,
    evaluation_periods,
    indexed,
    select_comparison_areas,
    weekly_series,
)
from trygg.analysis.evaluation_chart import PeriodBand, period_chart
from trygg.analysis.situation import LOCAL
from trygg.areas.models import Area, AreaLevel
from trygg.core.providers import priority_area_codes
from trygg.core.templatetags.numbers import number
from trygg.crime.models import ReportedCrime
from trygg.situation.categories import categories
from trygg.situation.models import Observation

from .models import Operation, OperationStatus

COMPARISON_AREAS = 5
#: The top of the priority ranking that counts as "priority areas" (as in the report's
#: summary, trygg.analysis.report.sections.TOP_N).
PRIORITY_TOP = 5
OUTCOMES = ("observations", "crimes")
PERIODS = ("before", "during", "after")


@dataclass(frozen=True)
class OutcomeEvaluation:
    outcome: str
    label: str
    treated: np.ndarray  # weekly counts over periods.weeks
    comparison: np.ndarray
    during: DidResult | None
    after: DidResult | None
    during_text: str
    after_text: str
    chart: str
    rows: list[dict]  # the chart's table alternative and the CSV

    @property
    def totals(self) -> list[dict]:
        """Counts per period in the operation and the comparison areas."""
        out = {key: {"period": key, "treated": 0, "comparison": 0, "weeks": 0} for key in PERIODS}
        for r in self.rows:
            total = out[r["period"]]
            total["treated"] += r["treated"]
            total["comparison"] += r["comparison"]
            total["weeks"] += 1
        return list(out.values())


@dataclass(frozen=True)
class Evaluation:
    periods: Periods
    choice: ComparisonChoice
    comparison_names: list[str]
    busy_names: list[str]
    outcomes: list[OutcomeEvaluation]

    @property
    def started(self) -> bool:
        return bool(self.periods.during)


# --------------------------------------------------------------------------- reading


def _priority_codes(operation: Operation) -> list[str]:
    """The top of the municipality's current priority ranking (the reports app's)."""
    return priority_area_codes(operation.municipality, top=PRIORITY_TOP)


def _busy_codes(operation: Operation, first: date, last: date) -> list[str]:
    """Areas of the municipality's other operations whose period overlaps ``first..last``
    (cancelled operations did not happen and do not count)."""
    others = (
        Operation.objects.filter(
            municipality=operation.municipality, starts_on__lte=last, ends_on__gte=first
        )
        .exclude(pk=operation.pk)
        .exclude(status=OperationStatus.CANCELLED)
    )
    return sorted(
        set(Area.objects.filter(operations__in=others).values_list("code", flat=True).distinct())
    )


def _events(outcome: str, operation: Operation, first: date, last: date) -> pl.DataFrame:
    """Counts per area code and week (Monday) from ``first`` to the week of ``last``."""
    since = datetime.combine(first, time.min, tzinfo=LOCAL)
    until = datetime.combine(last + timedelta(weeks=1), time.min, tzinfo=LOCAL)
    if outcome == "observations":
        rows = Observation.objects.filter(municipality=operation.municipality)
        if operation.categories:
            rows = rows.filter(category__in=operation.categories)
        field = "observed_at"
    else:
        rows = ReportedCrime.objects.filter(municipality=operation.municipality)
        crime_categories = {
            c for cat in categories() if cat.key in operation.categories for c in cat.crime
        }
        if crime_categories:
            rows = rows.filter(category__in=crime_categories)
        field = "occurred_at"
    counted = (
        rows.exclude(area=None)
        .filter(Q(**{f"{field}__gte": since}), Q(**{f"{field}__lt": until}))
        .annotate(week=TruncWeek(field, tzinfo=LOCAL))
        .values("area__code", "week")
        .annotate(n=Count("id"))
        .values_list("area__code", "week", "n")
    )
    records = [
        (code, week.date() if isinstance(week, datetime) else week, n) for code, week, n in counted
    ]
    return pl.DataFrame(
        records,
        schema={"area_code": pl.String, "week": pl.Date, "n": pl.Int64},
        orient="row",
    )


_NO_EVENTS = pl.DataFrame(schema={"area_code": pl.String, "week": pl.Date, "n": pl.Int64})


# --------------------------------------------------------------------------- words


def _pct(value: float | None) -> str:
    return number(None if value is None else abs(value), 0)


def _signed(value: float | None) -> str:
    """A bound of the interval in percent, with its sign: "+2", "−36", "0"."""
    text = number(value, 0)
    return f"+{text}" if value is not None and round(value) > 0 else text


def effect_sentence(effect: Effect) -> str:
    """The effect in words: direction and size against the comparison areas."""
    if effect.verdict == "too_thin" or effect.size is None:
        return _(
            "Too thin to tell: too few events, or too wide an interval, to say whether "
            "the operation made a difference."
        )
    p = _pct(effect.size)
    phrase = {
        ("fell", "more"): _("fell %(p)s %% more than in comparable areas"),
        ("fell", "less"): _("fell %(p)s %% less than in comparable areas"),
        ("rose", "more"): _("rose %(p)s %% more than in comparable areas"),
        ("rose", "less"): _("rose %(p)s %% less than in comparable areas"),
        ("unchanged", "more"): _("stayed level, %(p)s %% lower than in comparable areas"),
        ("unchanged", "less"): _("stayed level, %(p)s %% higher than in comparable areas"),
    }[(effect.direction, effect.relation)] % {"p": p}
    interval = {"low": _signed(effect.low), "high": _signed(effect.high)}
    if effect.verdict == "no_clear_change":
        return _(
            "No clear difference: the operation areas %(phrase)s, but the interval "
            "(%(low)s to %(high)s %%) includes no difference."
        ) % {"phrase": phrase, **interval}
    return _("The operation areas %(phrase)s (interval %(low)s to %(high)s %%).") % {
        "phrase": phrase,
        **interval,
    }


def _outcome_label(outcome: str) -> str:
    return _("Observations") if outcome == "observations" else _("Reported crimes")


# --------------------------------------------------------------------------- the whole


def _candidates(operation: Operation, before_counts: dict[str, int]) -> pl.DataFrame:
    return pl.DataFrame(
        [
            (code, population or 0, before_counts.get(code, 0))
            for code, population in Area.objects.filter(
                municipality=operation.municipality, level=AreaLevel.AREA
            ).values_list("code", "population")
        ],
        schema={"area_code": pl.String, "population": pl.Int64, "before": pl.Int64},
        orient="row",
    )


def _did(events, treated, comparison, before, later) -> DidResult | None:
    if not before or not later:
        return None
    return difference_in_differences(
        weekly_series(events, areas=treated, weeks=before),
        weekly_series(events, areas=treated, weeks=later),
        weekly_series(events, areas=comparison, weeks=before),
        weekly_series(events, areas=comparison, weeks=later),
    )


def _bands(periods: Periods) -> list[PeriodBand]:
    labels = {"before": _("Before"), "during": _("During"), "after": _("After")}
    return [
        PeriodBand(key, labels[key], weeks[0], weeks[-1])
        for key, weeks in (
            ("before", periods.before),
            ("during", periods.during),
            ("after", periods.after),
        )
        if weeks
    ]


def operation_evaluation(
    operation: Operation,
    *,
    today: date | None = None,
    before_weeks: int | None = None,
    after_weeks: int | None = None,
) -> Evaluation:
    """Both outcomes of ``operation`` over the three periods, against one set of comparison
    areas. The period lengths default to the operation's own settings."""
    today = today or timezone.localdate()
    periods = evaluation_periods(
        operation.starts_on,
        operation.ends_on,
        today=today,
        before_weeks=before_weeks if before_weeks is not None else operation.before_weeks,
        after_weeks=after_weeks if after_weeks is not None else operation.after_weeks,
    )
    treated = sorted(operation.areas.values_list("code", flat=True))
    weeks = periods.weeks
    events = {
        outcome: _events(outcome, operation, weeks[0], weeks[-1]) if weeks else _NO_EVENTS
        for outcome in OUTCOMES
    }
    # Similar before the start on both outcomes together: one choice for both.
    before_counts: dict[str, int] = {}
    for frame in events.values():
        for code, n in (
            frame.filter(pl.col("week") < periods.start)
            .group_by("area_code")
            .agg(pl.col("n").sum())
            .iter_rows()
        ):
            before_counts[code] = before_counts.get(code, 0) + n
    window_first, window_last = periods.window
    choice = select_comparison_areas(
        _candidates(operation, before_counts),
        treated=treated,
        busy=_busy_codes(operation, window_first, window_last),
        priority=_priority_codes(operation),
        k=COMPARISON_AREAS,
    )
    names = dict(
        Area.objects.filter(municipality=operation.municipality).values_list("code", "name")
    )
    outcomes = []
    for outcome in OUTCOMES:
        frame = events[outcome]
        t = weekly_series(frame, areas=treated, weeks=weeks)
        c = weekly_series(frame, areas=choice.areas, weeks=weeks)
        during = _did(frame, treated, choice.areas, periods.before, periods.during)
        after = _did(frame, treated, choice.areas, periods.before, periods.after)
        base = len(periods.before)
        t_index, c_index = indexed(t, base=base), indexed(c, base=base)
        label = _outcome_label(outcome)
        chart = period_chart(
            weeks,
            [(_("Operation areas"), t_index), (_("Comparison areas"), c_index)],
            periods=_bands(periods),
            title=_("%(outcome)s per week, index (before = 100)") % {"outcome": label},
            description=_(
                "Weekly counts in the operation areas and in the comparison areas, each as "
                "an index where the mean of the weeks before the operation is 100. The "
                "table below the chart has the same numbers."
            ),
            y_label=_("Index"),
            chart_id=f"evaluation-{outcome}",
            no_data=_("No data"),
        )
        rows = [
            {
                "week": week,
                "iso_week": f"{week.isocalendar().year}-W{week.isocalendar().week:02d}",
                "period": periods.period_of(week),
                "treated": int(t[i]),
                "comparison": int(c[i]),
                "treated_index": t_index[i],
                "comparison_index": c_index[i],
            }
            for i, week in enumerate(weeks)
        ]
        outcomes.append(
            OutcomeEvaluation(
                outcome=outcome,
                label=label,
                treated=t,
                comparison=c,
                during=during,
                after=after,
                during_text=effect_sentence(describe_effect(during)) if during else "",
                after_text=effect_sentence(describe_effect(after)) if after else "",
                chart=mark_safe(chart),  # noqa: S308 (every text in it is escaped)
                rows=rows,
            )
        )
    return Evaluation(
        periods=periods,
        choice=choice,
        comparison_names=[names.get(c, c) for c in choice.areas],
        busy_names=[names.get(c, c) for c in choice.busy],
        outcomes=outcomes,
    )


CSV_HEADER = [
    "outcome",
    "week",
    "week_start",
    "period",
    "operation_areas",
    "comparison_areas",
    "operation_index",
    "comparison_index",
]


def evaluation_csv_rows(evaluation: Evaluation) -> list[list]:
    """One row per outcome and week: the counts and indices the chart draws."""
    return [
        [
            o.outcome,
            r["iso_week"],
            r["week"].isoformat(),
            r["period"],
            r["treated"],
            r["comparison"],
            "" if r["treated_index"] is None else round(r["treated_index"], 1),
            "" if r["comparison_index"] is None else round(r["comparison_index"], 1),
        ]
        for o in evaluation.outcomes
        for r in o.rows
    ]
