"""Reads of residents' reports and safety walks, scoped to who may see them.

* Anyone holding a receipt link sees that report's status (not its text: a merged report's
  receipt is handed to a second resident, and the text is the first resident's words).
* Moderators (``moderate_resident_reports``) see every report and walk of their
  municipalities; everybody else gets 404.
* A group leader sees the walks they lead.
* The area page shows an area's approved reports (reasons, date, status; no text).
* The municipality's administrators keep the routing (departments and rules) of their
  municipalities; the public map's reads are in :mod:`.publicmap`.
"""

from __future__ import annotations

import itertools

from django.conf import settings
from django.db.models import Count, QuerySet
from django.http import Http404

from trygg.accounts.roles import Capability
from trygg.areas.models import Area, AreaLevel, Municipality
from trygg.areas.selectors import areas_for_user, municipalities_for_user

from .geo import distance_metres
from .models import PUBLIC_STATUSES, ReportStatus, ResidentReport, SafetyWalk
from .reasons import reason_label, reason_labels

AREA_PAGE_ROWS = 5


def public_municipality_get(*, code: str) -> Municipality:
    """A municipality whose public form is open, or 404."""
    enabled = getattr(settings, "TRYGG_RESIDENT_MUNICIPALITIES", []) or []
    if enabled and code not in enabled:
        raise Http404
    try:
        return Municipality.objects.get(code=code)
    except Municipality.DoesNotExist:
        raise Http404 from None


def public_areas(municipality: Municipality) -> QuerySet[Area]:
    return (
        Area.objects.filter(municipality=municipality, level=AreaLevel.AREA)
        .select_related("municipality", "parent")
        .order_by("name")
    )


def report_by_receipt(*, token: str) -> ResidentReport:
    if not token or len(token) > 64:
        raise Http404
    try:
        return ResidentReport.objects.select_related("municipality", "area").get(
            receipt_token=token
        )
    except ResidentReport.DoesNotExist:
        raise Http404 from None


def can_moderate(user) -> bool:
    return bool(user.is_authenticated and user.can(Capability.MODERATE_RESIDENT_REPORTS))


def reports_for_moderation(user) -> QuerySet[ResidentReport]:
    if not can_moderate(user):
        return ResidentReport.objects.none()
    return ResidentReport.objects.filter(
        municipality__in=municipalities_for_user(user)
    ).select_related("municipality", "area", "observation", "moderated_by")


def report_get_for_moderation(user, *, public_id) -> ResidentReport:
    try:
        return reports_for_moderation(user).get(public_id=public_id)
    except (ResidentReport.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def status_counts(reports: QuerySet[ResidentReport]) -> dict[str, int]:
    counts = dict(reports.values("status").annotate(n=Count("id")).values_list("status", "n"))
    return {status: counts.get(status, 0) for status in ReportStatus.values}


def moderation_map_areas(user, *, municipality_ids) -> QuerySet[Area]:
    """The areas drawn under the queue's points: those of the shown reports' municipalities
    (every area the user may see when no report is shown)."""
    areas = areas_for_user(user).filter(level=AreaLevel.AREA)
    if municipality_ids:
        areas = areas.filter(municipality_id__in=municipality_ids)
    return areas


def area_reports_for_user(user, *, area: Area) -> dict:
    """The area page's section: approved residents' reports, a count and the latest."""
    if not (
        user.is_authenticated
        and municipalities_for_user(user).filter(pk=area.municipality_id).exists()
    ):
        return {"count": 0, "agree": 0, "rows": [], "can_moderate": False}
    areas = [area.pk]
    if area.level == AreaLevel.DISTRICT:
        areas = list(area.children.values_list("pk", flat=True))
    approved = ResidentReport.objects.filter(area_id__in=areas, status__in=PUBLIC_STATUSES)
    rows = list(approved.select_related("area").order_by("-created_on", "-id")[:AREA_PAGE_ROWS])
    return {
        "count": approved.count(),
        "agree": sum(approved.values_list("agree_count", flat=True)),
        "rows": rows,
        "can_moderate": can_moderate(user),
    }


# ----------------------------------------------------------------------- safety walks


def walks_for_user(user) -> QuerySet[SafetyWalk]:
    """Moderators see every walk of their municipalities, a leader the walks they lead."""
    if not user.is_authenticated:
        return SafetyWalk.objects.none()
    walks = SafetyWalk.objects.filter(municipality__in=municipalities_for_user(user))
    if can_moderate(user):
        pass
    elif user.can(Capability.REPORT_OBSERVATIONS):
        walks = walks.filter(leader=user)
    else:
        return SafetyWalk.objects.none()
    return walks.select_related("municipality", "leader").annotate(
        point_count=Count("points", distinct=True)
    )


def walk_get_for_user(user, *, public_id) -> SafetyWalk:
    try:
        return walks_for_user(user).get(public_id=public_id)
    except (SafetyWalk.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def walk_get_for_leader(user, *, public_id) -> SafetyWalk:
    """Only the group leader records on a walk."""
    walk = walk_get_for_user(user, public_id=public_id)
    if walk.leader_id != user.pk or not user.can(Capability.REPORT_OBSERVATIONS):
        raise Http404
    return walk


def walk_points(walk: SafetyWalk):
    return walk.points.select_related("area", "observation").order_by("number")


def walk_summary(walk: SafetyWalk) -> dict:
    """Figures for the walk report: length walked, points per reason."""
    coords = walk.route_coordinates
    length = sum(distance_metres(a[1], a[0], b[1], b[0]) for a, b in itertools.pairwise(coords))
    per_reason: dict[str, int] = {}
    for reasons in walk.points.values_list("reasons", flat=True):
        for key in reasons:
            per_reason[key] = per_reason.get(key, 0) + 1
    ordered = sorted(per_reason, key=lambda k: (-per_reason[k], k))
    return {
        "length_m": round(length),
        "by_reason": [(reason_label(key), per_reason[key]) for key in ordered],
    }


def walk_point_rows(walk: SafetyWalk) -> list[dict]:
    """The walk's points as its page, its map and its PDF show them."""
    return [
        {
            "number": p.number,
            "lat": p.lat,
            "lon": p.lon,
            "area": p.area.name if p.area_id else "",
            "reasons": reason_labels(p.reasons),
            "text": p.text,
            "severity": p.severity,
            "recorded_at": p.recorded_at,
            "observation": p.observation,
        }
        for p in walk_points(walk)
    ]


def walk_areas(user, walk: SafetyWalk) -> QuerySet[Area]:
    """The areas of the walk's municipality the user may see, for the walk's map."""
    return areas_for_user(user, municipality=walk.municipality).filter(level=AreaLevel.AREA)


def walk_start_areas(user) -> QuerySet[Area]:
    """The areas a leader may name when starting a walk."""
    return areas_for_user(user).filter(level=AreaLevel.AREA).order_by("name")


# ------------------------------------------------------------ routing (admin pages)


def _administers(user) -> bool:
    return bool(user.is_authenticated and user.can(Capability.ADMINISTER))


def routing_municipality_get(user, *, code: str) -> Municipality:
    """A municipality whose routing the user administers, or 404."""
    if not _administers(user):
        raise Http404
    try:
        return municipalities_for_user(user).get(code=code)
    except Municipality.DoesNotExist:
        raise Http404 from None


def routing_municipalities(user) -> QuerySet[Municipality]:
    if not _administers(user):
        return Municipality.objects.none()
    return municipalities_for_user(user).order_by("name")


def department_get_for_admin(user, *, department_id: int):
    from .models import Department

    if not _administers(user):
        raise Http404
    try:
        return Department.objects.select_related("municipality").get(
            pk=department_id, municipality__in=municipalities_for_user(user)
        )
    except Department.DoesNotExist:
        raise Http404 from None


def routing_rule_get_for_admin(user, *, rule_id: int):
    from .models import RoutingRule

    if not _administers(user):
        raise Http404
    try:
        return RoutingRule.objects.select_related("municipality", "department").get(
            pk=rule_id, municipality__in=municipalities_for_user(user)
        )
    except RoutingRule.DoesNotExist:
        raise Http404 from None


def report_dispatches(report: ResidentReport):
    return report.dispatches.select_related("department").order_by("sent_at", "id")


def report_public_updates(report: ResidentReport):
    return report.updates.select_related("department").order_by("created_at", "id")
