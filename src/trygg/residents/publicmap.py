"""Reads for the public map of residents' reports: only approved reports, only what the
public may see (reasons, area, status, month, how many agree, coarsened position; the
resident's text only when the moderator published it), and the nearby open reports a
resident is offered while marking a place."""

from __future__ import annotations

import math
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Prefetch, QuerySet

from trygg.areas.models import Area, Municipality

from .coarse import grid_metres, public_position
from .geo import distance_metres
from .models import (
    OPEN_STATUSES,
    PUBLIC_STATUSES,
    ReportStatus,
    ReportUpdate,
    ResidentReport,
)
from .reasons import reason_keys, reason_labels

PUBLIC_LIST_MAX = 500
NEARBY_MAX = 5
#: The status filter's values on the public map.
STATUS_FILTERS = {
    "open": OPEN_STATUSES,
    "done": (ReportStatus.ACTION_TAKEN,),
}


def nearby_metres() -> int:
    return int(getattr(settings, "TRYGG_RESIDENT_NEARBY_METRES", 300))


@dataclass(frozen=True)
class PublicFilter:
    reason: str = ""
    area: Area | None = None
    status: str = ""


def public_reports(municipality: Municipality, flt: PublicFilter | None = None) -> QuerySet:
    """Approved reports of the municipality, newest first, filtered."""
    flt = flt or PublicFilter()
    reports = ResidentReport.objects.filter(municipality=municipality, status__in=PUBLIC_STATUSES)
    if flt.status in STATUS_FILTERS:
        reports = reports.filter(status__in=STATUS_FILTERS[flt.status])
    if flt.area is not None:
        reports = reports.filter(area=flt.area)
    if flt.reason:
        # JSON containment is not on every database: filter the (bounded) rows in Python.
        ids = [
            pk
            for pk, reasons in reports.values_list("pk", "reasons")
            if flt.reason in (reasons or [])
        ]
        reports = reports.filter(pk__in=ids)
    notes = ReportUpdate.objects.exclude(note="").order_by("-created_at", "-id")
    return (
        reports.select_related("area")
        .prefetch_related(Prefetch("updates", queryset=notes, to_attr="public_notes"))
        .order_by("-created_on", "-id")
    )


def public_row(report: ResidentReport) -> dict | None:
    """One report as the public map and list show it; None when it has no place."""
    position = public_position(report)
    if position is None:
        return None
    notes = getattr(report, "public_notes", None)
    if notes is None:
        notes = list(report.updates.exclude(note="").order_by("-created_at", "-id")[:1])
    return {
        "id": str(report.public_id),
        "lat": position.lat,
        "lon": position.lon,
        "place": position.place,
        "reasons": reason_labels(report.reasons),
        "reason_keys": list(report.reasons),
        "status": report.status,
        "status_label": str(ReportStatus(report.status).label),
        "month": report.created_on.replace(day=1),
        "agree": report.agree_count,
        "text": report.text if report.text_public else "",
        "note": notes[0].note if notes else "",
    }


def public_rows(reports) -> list[dict]:
    rows = (public_row(r) for r in reports[:PUBLIC_LIST_MAX])
    return [row for row in rows if row is not None]


def nearby_open_reports(
    municipality: Municipality,
    *,
    lat: float,
    lon: float,
    reasons: list[str],
    metres: int | None = None,
    limit: int = NEARBY_MAX,
) -> list[tuple[float, ResidentReport]]:
    """Approved open reports sharing a reason whose public (coarsened) position lies within
    ``metres`` of the point, nearest first. Measured to the public position, so the answer
    tells nothing the public map does not."""
    metres = nearby_metres() if metres is None else metres
    wanted = set(reasons) & set(reason_keys())
    if not wanted:
        return []
    # A box first: the radius plus half a grid square's diagonal around the true point.
    reach = metres + grid_metres()
    dlat = reach / 111_000
    dlon = reach / (111_000 * max(math.cos(math.radians(lat)), 0.01))
    candidates = (
        ResidentReport.objects.filter(municipality=municipality, status__in=OPEN_STATUSES)
        .filter(lat__gte=lat - dlat, lat__lte=lat + dlat, lon__gte=lon - dlon, lon__lte=lon + dlon)
        .select_related("area")
    )
    area_only = ResidentReport.objects.filter(
        municipality=municipality, status__in=OPEN_STATUSES, lat__isnull=True
    ).select_related("area")
    found = []
    for report in [*candidates[:200], *area_only[:200]]:
        if not wanted & set(report.reasons or []):
            continue
        position = public_position(report)
        if position is None:
            continue
        distance = distance_metres(lat, lon, position.lat, position.lon)
        if distance <= metres:
            found.append((distance, report))
    found.sort(key=lambda pair: (pair[0], pair[1].pk))
    return found[:limit]
