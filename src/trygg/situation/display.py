"""What the picture's pages and its PDF show beyond the figures: links between weeks and
to operation planning, category labels beside the rows, and the shaded weekday × time grid.
No database reads of its own: the figures come from the selectors."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlencode

from django.urls import reverse
from django.utils.translation import gettext as _

from trygg.analysis.situation import IsoWeek

from .categories import category_label, crime_label
from .selectors import PictureScope

#: The grid's cells are shaded in this many steps (the template's classes).
GRID_SHADES = 5


def week_url(scope: PictureScope, week: IsoWeek) -> str:
    if scope.group is not None:
        return reverse("situation:week-group", args=[scope.group.pk, str(week)])
    return reverse("situation:week-municipality", args=[scope.municipality.code, str(week)])


def quarter_url(scope: PictureScope) -> str:
    if scope.group is not None:
        return reverse("situation:quarter-group", args=[scope.group.pk])
    return reverse("situation:quarter-municipality", args=[scope.municipality.code])


def weekdays() -> list[str]:
    return [_("Mon"), _("Tue"), _("Wed"), _("Thu"), _("Fri"), _("Sat"), _("Sun")]


def grid_shaded(grid: list[list[int]]) -> list[tuple[str, list[tuple[int, int]]]]:
    """Each weekday's counts, each with its shade (0 to 5, relative to the week's largest)."""
    grid_max = max((max(row) for row in grid), default=0) or 1
    return [
        (day, [(n, min(GRID_SHADES, (GRID_SHADES * n + grid_max - 1) // grid_max)) for n in row])
        for day, row in zip(weekdays(), grid, strict=True)
    ]


def week_context(scope: PictureScope, week: IsoWeek, picture, shown: dict) -> dict:
    """The week's page and its PDF share this."""
    blocks = 24 // shown["block_hours"]
    return {
        "scope": scope,
        "week": week,
        "picture": picture,
        "figures": shown,
        "monday": week.monday,
        "sunday": week.shifted(1).monday - timedelta(days=1),
        "by_category": [(category_label(r["category"]), r) for r in shown["by_category"]],
        "changes": [(category_label(r["category"]), r) for r in shown["changes"]],
        "crime_rows": [
            (crime_label(r["category"]), r)
            for r in (shown.get("crimes") or {}).get("by_category", [])
        ],
        "grid": grid_shaded(shown["grid"]),
        "grid_blocks": [
            f"{h:02d}–{h + shown['block_hours']:02d}" for h in range(0, 24, shown["block_hours"])
        ][:blocks],
    }


def plan_url(scope: PictureScope, rows: list[dict], period) -> str:
    """The new-operation form, pre-filled with these areas, their most reported
    categories and the proposed period."""
    query = [("municipality", scope.municipality.pk)]
    query += [("areas", r["area_id"]) for r in rows]
    query += [("categories", c) for c in dict.fromkeys(r["top_category"] for r in rows) if c]
    query += [("starts_on", period[0].isoformat()), ("ends_on", period[1].isoformat())]
    return f"{reverse('interventions:create')}?{urlencode(query)}"
