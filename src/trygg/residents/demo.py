"""Synthetic residents' reports and one finished safety walk for the demo municipality.

Reports in every state: some wait for moderation, some are approved into the situational
picture (and routed to the demo's departments, so the public map has something to show),
one is in progress at the department it was routed to (its status link is in the mail the
department got), one has an action taken and one is rejected. Texts describe places, never
people. Building again changes nothing: it runs once per municipality.
"""

from __future__ import annotations

import math
from datetime import datetime, time, timedelta

from django.utils import timezone
from shapely.geometry import Point, shape

from trygg.accounts.models import User
from trygg.accounts.roles import Role
from trygg.analysis.situation import LOCAL
from trygg.areas.models import Area, AreaLevel, Municipality

from .models import (
    Department,
    RejectReason,
    ReportStatus,
    ResidentReport,
    RoutingRule,
    SafetyWalk,
)
from .services import (
    resident_report_action_taken,
    resident_report_approve,
    resident_report_department_status,
    resident_report_reject,
    walk_create,
    walk_finish,
    walk_point_add,
    walk_route_extend,
)

# (area name, reasons, text, when, days ago, what happens to it)
REPORTS = (
    ("Nacksta", ["dark"], "Gångtunneln under vägen är helt mörk på kvällen.", "evening", 2, "new"),
    ("Nacksta", ["overgrown", "deserted"], "Stigen mot skogen är igenvuxen.", "", 4, "new"),
    ("Skönsberg", ["vandalised"], "Krossade lampor vid cykelparkeringen.", "night", 1, "new"),
    (
        "Bredsand",
        ["traffic"],
        "Bilar kör fort förbi skolans övergångsställe.",
        "morning",
        3,
        "approve",
    ),
    ("Centrum", ["groups_causing_unease", "dark"], "", "night", 5, "approve"),
    (
        "Skönsberg",
        ["dark", "overgrown"],
        "Parkvägen: trasig belysning och höga buskar.",
        "evening",
        12,
        "action",
    ),
    # Approved, routed to the street lighting, which says through its link it is on it.
    ("Centrum", ["dark"], "Belysningen vid busstationen är släckt.", "night", 8, "progress"),
    ("Birsta", ["other"], "Test test", "", 6, "reject"),
)
WALK_TITLE = "Trygghetsvandring Nacksta"
# (department, its address, the reasons it takes): the routing the demo starts with.
DEPARTMENTS = (
    ("Gatubelysning", "gatubelysning@example.org", ["dark"]),
    ("Parkförvaltningen", "park@example.org", ["overgrown"]),
    ("Trafikenheten", "trafik@example.org", ["traffic"]),
    ("Polisen, lokalpolisområdet", "polis@example.org", ["groups_causing_unease"]),
)


def _demo_routing(municipality: Municipality) -> None:
    for name, email, reasons in DEPARTMENTS:
        department, _created = Department.objects.get_or_create(
            municipality=municipality, name=name, defaults={"email": email}
        )
        for reason in reasons:
            RoutingRule.objects.get_or_create(
                municipality=municipality,
                reason=reason,
                area=None,
                defaults={"department": department},
            )


def _points_in(area: Area, n: int, *, metres: float = 150) -> list[tuple[float, float]]:
    """n points (lon, lat) inside the area on a loop around its middle, as a walk goes."""
    polygon = shape(area.geometry)
    centre = polygon.representative_point()
    out = []
    for radius in (metres, metres / 2, metres / 4):
        out = []
        for i in range(n):
            angle = 2 * math.pi * i / max(n, 1)
            dlat = radius * math.sin(angle) / 111_000
            dlon = radius * math.cos(angle) / (111_000 * math.cos(math.radians(centre.y)))
            candidate = Point(centre.x + dlon, centre.y + dlat)
            if polygon.contains(candidate):
                out.append((candidate.x, candidate.y))
        if len(out) == n:
            return out
    return [(centre.x, centre.y)] * n


def demo_residents_build(*, municipality: Municipality) -> int:
    """Returns the number of reports created (0 when they already exist)."""
    if ResidentReport.objects.filter(municipality=municipality).exists():
        return 0
    coordinator = User.objects.filter(
        role=Role.SAFETY_COORDINATOR, organisation__municipalities=municipality
    ).first()
    leader = (
        User.objects.filter(role=Role.GROUP_MEMBER, organisation__municipalities=municipality)
        .order_by("username")
        .first()
    )
    areas = {
        a.name: a for a in Area.objects.filter(municipality=municipality, level=AreaLevel.AREA)
    }
    _demo_routing(municipality)
    today = timezone.localdate()
    created = 0
    for index, (name, reasons, text, when, days_ago, fate) in enumerate(REPORTS):
        area = areas.get(name)
        if area is None:
            continue
        lon, lat = _points_in(area, len(REPORTS), metres=80)[index]
        report = ResidentReport.objects.create(
            municipality=municipality,
            lat=round(lat, 6),
            lon=round(lon, 6),
            area=area,
            reasons=reasons,
            text=text,
            when=when,
            created_on=today - timedelta(days=days_ago),
            agree_count=2 if fate == "action" else 0,
        )
        created += 1
        if coordinator is None or fate == "new":
            continue
        if fate == "reject":
            resident_report_reject(
                actor=coordinator,
                report=report,
                reason=RejectReason.SPAM,
                public_message="Rapporten beskriver ingen plats.",
            )
            continue
        report = resident_report_approve(
            actor=coordinator,
            report=report,
            severity=2 if fate == "action" else 1,
            public_message="Tack! Vi har tagit med platsen i lägesbilden.",
            text_public=bool(text),
        )
        if fate == "progress":
            for dispatch in report.dispatches.all():
                resident_report_department_status(
                    dispatch=dispatch,
                    status=ReportStatus.IN_PROGRESS,
                    note="Felanmält; en elektriker är beställd.",
                )
        if fate == "action":
            resident_report_action_taken(
                actor=coordinator,
                report=report,
                public_message="Belysningen är lagad och buskarna är nedklippta.",
            )
    if leader is not None and "Nacksta" in areas:
        _demo_walk(leader, areas["Nacksta"], today - timedelta(days=6))
    return created


def _demo_walk(leader: User, area: Area, day) -> None:
    if SafetyWalk.objects.filter(municipality=area.municipality, title=WALK_TITLE).exists():
        return
    walk = walk_create(actor=leader, title=WALK_TITLE, walked_on=day, areas=[area], participants=14)
    route = _points_in(area, 8)
    # Back where the walk started.
    loop = [[x, y] for x, y in [*route, route[0]]]
    walk_route_extend(actor=leader, walk=walk, coordinates=loop)
    start = datetime.combine(day, time(18, 30), tzinfo=LOCAL)
    for number, (reasons, text, severity) in enumerate(
        (
            (["dark"], "Belysningen saknas längs gångvägen mot centrum.", 2),
            (["overgrown"], "Buskar skymmer sikten vid lekplatsen.", 1),
            (["vandalised", "deserted"], "Klotter och krossat glas vid garagen.", 2),
        )
    ):
        lon, lat = route[number * 3 % len(route)]
        walk_point_add(
            actor=leader,
            walk=walk,
            lat=lat,
            lon=lon,
            reasons=reasons,
            text=text,
            severity=severity,
            client_key=f"demo-{number}",
            recorded_at=start + timedelta(minutes=15 * number),
        )
    walk_finish(actor=leader, walk=walk)
