"""Survey estimates: weighted index and share per area × year, with design-based intervals.

Input is the typed response frame from :mod:`survey_io`, usually with the ``weight`` column
that :func:`weighting.rake` adds. For every area × year and every index (each index group
of the questionnaire, e.g. ``problem_index``, and each item, e.g. ``litter``) the output has
one row (:func:`estimate_indices`); FORMATS.md's ``survey_indices.csv`` is its first eight
columns.

Method, and why:

- A respondent's item value is the questionnaire's 0–6 index value of their answer; "no
  opinion" is not an answer. A respondent's group value is the mean of their answered
  items in the group, when they answered at least the questionnaire's ``min_items_share``
  of the group's items *that the survey of their year has answers for* (a file with 4 of
  the 13 problem items gets a problem index from those 4; :func:`item_coverage` says which
  items each group was computed from, and the run reports it). The *share* of an item is the share answering one of the scale's share codes
  (e.g. 4–5, "a big problem"); the share of a group is the share for whom at least one
  answered item is in its share codes (e.g. "victimised by any of the crimes asked about").
- The estimate is the weighted mean (a ratio estimator, Σwy/Σw). Its variance is by
  Taylor linearisation, with strata and PSUs: by default each area × year is a stratum
  (the police sample every area separately) and each respondent a PSU; ``strata`` and
  ``psu`` columns override this (strata are always crossed with year, since each year is a
  new sample). Respondents without an answer stay in the design with a zero contribution
  (domain estimation), as ``svy: mean, subpop()`` does. Checked against NHANES II in the
  tests (mean zinc 87.18207, SE 0.4944827, as Stata and R's survey).
- Intervals for means use Student's t with the domain's design degrees of freedom (PSUs
  minus strata in the strata it touches), clipped to 0–6. Intervals for shares are
  Korn–Graubard (Clopper–Pearson on the design-effective sample size, df-adjusted) by
  default, or logit; never Wald, which fails for small shares in thin areas.
- Areas with fewer than ``min_n_publish`` answers for an index are *suppressed*: the row
  is kept with ``suppressed = true``, ``n`` and every estimate column empty, and ``method``
  empty, so a report can mark the cell. Index rows with no answers at all (an item not
  asked that year) are left out.
- Areas with ``min_n_publish <= n < small_area_below`` get a Fay–Herriot estimate
  (:mod:`smallarea`) shrunk towards their parent district, ``method = small_area``; its
  interval is EBLUP ± z·√MSE. The model uses a smoothed sampling variance
  ``s²·deff/n`` (pooled respondent variance of the year, the area's Kish design effect),
  because a thin area's own variance estimate is itself too noisy and an area that
  happened to get similar answers would otherwise escape shrinkage. Shares are always
  direct.
- District (``parents``) and municipality (``total_code``) rows are direct estimates over
  all their respondents, with ``level`` saying which.
"""

from __future__ import annotations

from .changes import year_over_year
from .design import (
    ESTIMATE_COLUMNS,
    LEVEL_AREA,
    LEVEL_DISTRICT,
    LEVEL_TOTAL,
    METHOD_DIRECT,
    METHOD_SMALL_AREA,
    ShareInterval,
    share_interval,
    weighted_mean,
)
from .indices import estimate_indices, item_coverage, min_items_for, respondent_scores

__all__ = [
    "ESTIMATE_COLUMNS",
    "LEVEL_AREA",
    "LEVEL_DISTRICT",
    "LEVEL_TOTAL",
    "METHOD_DIRECT",
    "METHOD_SMALL_AREA",
    "ShareInterval",
    "estimate_indices",
    "item_coverage",
    "min_items_for",
    "respondent_scores",
    "share_interval",
    "weighted_mean",
    "year_over_year",
]
