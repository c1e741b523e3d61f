"""A year of synthetic observations for the demo municipality.

Weekly rhythm (more on Friday and Saturday), evening peaks, more in the priority areas, and
planted clusters the weekly picture should find: open drug dealing at Nacksta torg on
evenings in the last ten days, a vandalism wave in Skönsberg in the autumn, youth
gatherings in Bredsand in early summer, and (when asked) disorder that fell where the
demo's operations ran. Texts describe places and situations, never
people. Building again changes nothing (the rows are keyed ``demo-<n>``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import numpy as np
import shapely
from django.db import transaction
from django.utils import timezone

from trygg.accounts.models import SafetyGroup
from trygg.analysis.situation import LOCAL
from trygg.areas.models import Area, AreaLevel, Municipality
from trygg.audit.models import AuditAction
from trygg.audit.services import audit_record

from .models import Observation, ObservationSource, Place

HOT_AREAS = {"Nacksta": 2.6, "Skönsberg": 2.2, "Centrum": 2.0, "Bredsand": 1.5}
CATEGORY_WEIGHTS = {
    "disorder": 18,
    "youth_gathering": 16,
    "vandalism": 14,
    "unsafe_place": 10,
    "worry_rumour": 9,
    "open_drug_dealing": 7,
    "threat_violence": 5,
    "positive_sign": 8,
    "weapons": 1,
    "other": 6,
}
TEXTS = {
    "disorder": ["Högljutt sällskap vid busshållplatsen.", "Bråk utanför kiosken, lugnade sig."],
    "youth_gathering": ["Ett tjugotal ungdomar samlade vid skolgården.", "Moppegäng vid torget."],
    "vandalism": ["Krossad glasruta i busskuren.", "Nytt klotter på gaveln mot gångvägen."],
    "unsafe_place": ["Trasig belysning i gångtunneln.", "Sly skymmer sikten vid stigen."],
    "worry_rumour": ["Rykten i sociala medier om bråk i helgen.", "Föräldrar oroliga över torget."],
    "open_drug_dealing": [
        "Misstänkt langning vid torget.",
        "Återkommande överlämningar vid p-däcket.",
    ],
    "threat_violence": ["Personal hotad vid fritidsgården.", "Slagsmål mellan några ungdomar."],
    "positive_sign": ["Lugn kväll, många vuxna ute.", "Nattvandrare på plats, god stämning."],
    "weapons": ["Uppgift om kniv i gruppen vid torget."],
    "other": ["Nedskräpning vid återvinningen.", "Vårdslös mopedkörning på gångvägen."],
}
PLACES = {
    "Nacksta torg": "Nacksta",
    "Skönsbergs centrum": "Skönsberg",
    "Stora torget": "Centrum",
    "Bredsand centrum": "Bredsand",
    "Birsta city": "Birsta",
    "Kvissleby centrum": "Kvissleby",
}
# Weekday weights, Monday first, and an hour profile with the evening peak.
WEEKDAY = np.array([0.8, 0.8, 0.9, 1.0, 1.5, 1.6, 1.0])
HOURS = np.array(
    [
        3,
        2,
        1.5,
        1,
        0.5,
        0.3,
        0.3,
        0.6,
        1,
        1.2,
        1.3,
        1.5,
        1.8,
        2,
        2.3,
        3,
        3.8,
        4.5,
        5.5,
        6.5,
        7,
        6.5,
        5.5,
        4.5,
    ]
)


def _points_in(geometry: dict, n: int, rng: np.random.Generator) -> np.ndarray:
    polygon = shapely.geometry.shape(geometry)
    minx, miny, maxx, maxy = polygon.bounds
    out = np.empty((0, 2))
    while len(out) < n:
        candidates = rng.uniform([minx, miny], [maxx, maxy], size=(max(16, 3 * n), 2))
        inside = shapely.contains_xy(polygon, candidates[:, 0], candidates[:, 1])
        out = np.vstack([out, candidates[inside]])
    return out[:n]


@dataclass(frozen=True)
class PlantedEffect:
    """Disorder that falls in some areas while an operation runs there and stays lower
    after, so the operations' evaluation has an effect to find. Weeks count from the
    Monday of ``today``'s week."""

    area_names: tuple[str, ...]
    started_weeks_ago: int
    before_weeks: int
    during_weeks: int
    after_weeks: int
    category: str = "disorder"
    # Extra observations per week before, during and after.
    rates: tuple[float, float, float] = (8.0, 2.0, 3.0)


def demo_observations_build(
    *,
    municipality: Municipality,
    seed: int = 2281,
    today: date | None = None,
    planted_effect: PlantedEffect | None = None,
) -> int:
    """Create the demo's observations and named places once. Returns how many were made."""
    if Observation.objects.filter(
        municipality=municipality, source=ObservationSource.IMPORT, source_id__startswith="demo-"
    ).exists():
        return 0
    rng = np.random.default_rng(seed)
    today = today or timezone.localdate()
    areas = list(Area.objects.filter(municipality=municipality, level=AreaLevel.AREA))
    by_name = {a.name: a for a in areas}
    groups = list(SafetyGroup.objects.filter(municipality=municipality).prefetch_related("areas"))
    group_of = {a.pk: g for g in groups for a in g.areas.all()}
    reporters = {
        g.pk: list(g.members.filter(role__in=["group_member", "safety_coordinator"]))
        for g in groups
    }
    with transaction.atomic():
        for name, area_name in PLACES.items():
            area = by_name.get(area_name)
            if area is None:
                continue
            point = shapely.geometry.shape(area.geometry).representative_point()
            Place.objects.get_or_create(
                municipality=municipality,
                name=name,
                defaults={"lat": point.y, "lon": point.x, "area": area},
            )
        places = {p.area_id: p for p in Place.objects.filter(municipality=municipality)}

        start = today - timedelta(days=364)
        days = np.array([start + timedelta(days=i) for i in range(365)])
        categories = list(CATEGORY_WEIGHTS)
        cat_p = np.array([CATEGORY_WEIGHTS[c] for c in categories], dtype=float)
        cat_p /= cat_p.sum()
        hour_p = HOURS / HOURS.sum()
        rows: list[Observation] = []

        def add(area, when_local: datetime, category: str, severity: int):
            group = group_of.get(area.pk)
            people = reporters.get(group.pk, []) if group else []
            if not people:
                return
            lon, lat = _points_in(area.geometry, 1, rng)[0]
            place = places.get(area.pk) if rng.random() < 0.25 else None
            if place is not None:
                lat, lon = place.lat, place.lon
            texts = TEXTS[category]
            rows.append(
                Observation(
                    municipality=municipality,
                    reporter=people[int(rng.integers(len(people)))],
                    group=group,
                    observed_at=when_local.astimezone(UTC),
                    category=category,
                    severity=severity,
                    people_count=int(rng.integers(2, 25))
                    if category == "youth_gathering"
                    else None,
                    text=texts[int(rng.integers(len(texts)))],
                    lat=float(lat),
                    lon=float(lon),
                    place=place,
                    place_name=place.name if place else "",
                    area=area,
                    restricted=category in ("weapons", "open_drug_dealing") and rng.random() < 0.3,
                    source=ObservationSource.IMPORT,
                    source_id=f"demo-{len(rows)}",
                )
            )

        def moment(day: date, hour: int) -> datetime:
            return datetime(day.year, day.month, day.day, hour, int(rng.integers(60)), tzinfo=LOCAL)

        for area in areas:
            weekly = 0.9 * (area.population or 1000) / 3500 * HOT_AREAS.get(area.name, 1.0)
            for day in days:
                season = 1.0 + 0.25 * np.sin(2 * np.pi * (day.timetuple().tm_yday - 120) / 365)
                n = rng.poisson(weekly / 7 * WEEKDAY[day.weekday()] * 7 / WEEKDAY.sum() * season)
                for _ in range(n):
                    category = categories[int(rng.choice(len(categories), p=cat_p))]
                    severity = int(rng.choice([1, 2, 3], p=[0.55, 0.35, 0.10]))
                    add(area, moment(day, int(rng.choice(24, p=hour_p))), category, severity)

        # Planted clusters.
        if "Nacksta" in by_name:
            for offset in range(10):
                day = today - timedelta(days=offset)
                for _ in range(rng.poisson(1.6 if day.weekday() < 4 else 3.0)):
                    add(
                        by_name["Nacksta"],
                        moment(day, int(rng.choice([19, 20, 21, 22]))),
                        "open_drug_dealing",
                        2,
                    )
        if "Skönsberg" in by_name:
            for offset in range(120, 134):
                for _ in range(rng.poisson(1.5)):
                    add(
                        by_name["Skönsberg"],
                        moment(today - timedelta(days=offset), 23),
                        "vandalism",
                        2,
                    )
        if "Bredsand" in by_name:
            for offset in range(60):
                day = date(today.year if today.month > 6 else today.year - 1, 5, 25) + timedelta(
                    days=offset
                )
                if start <= day <= today and day.weekday() >= 4:
                    add(by_name["Bredsand"], moment(day, 21), "youth_gathering", 1)
        if planted_effect is not None:
            effect = planted_effect
            start = today - timedelta(days=today.weekday(), weeks=effect.started_weeks_ago)
            spans = (
                (start - timedelta(weeks=effect.before_weeks), effect.before_weeks),
                (start, effect.during_weeks),
                (start + timedelta(weeks=effect.during_weeks), effect.after_weeks),
            )
            for name in effect.area_names:
                if name not in by_name:
                    continue
                for (first, weeks), rate in zip(spans, effect.rates, strict=True):
                    for offset in range(7 * weeks):
                        day = first + timedelta(days=offset)
                        for _ in range(rng.poisson(rate / 7)):
                            hour = int(rng.choice([18, 20, 21, 22, 23]))
                            add(by_name[name], moment(day, hour), effect.category, 1)
        # Drop what lies in the future of today (the planted days include today).
        now = timezone.now()
        rows = [r for r in rows if r.observed_at <= now]
        Observation.objects.bulk_create(rows, batch_size=2000)
        audit_record(
            actor=None,
            action=AuditAction.IMPORT,
            object_type="observations",
            municipality_code=municipality.code,
            summary=f"Demo: {len(rows)} synthetic observations",
        )
    return len(rows)
