"""Reads for areas. What a user may see (the areas of the municipalities that the user's
organisation works in) is the tenancy rule of trygg.accounts.scoping, re-exported here."""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from django.db.models import Count, Max, QuerySet, Sum

# The tenancy rule lives in accounts; areas' callers have always read it from here.
from trygg.accounts.scoping import (  # noqa: F401
    area_get_for_user,
    areas_for_user,
    municipalities_for_user,
    municipality_get_for_user,
    municipality_ids_for_user,
)

from .models import Area, AreaLevel, Municipality, PopulationCount


def area_feature_collection(areas: QuerySet[Area], *, exact: bool = False) -> dict:
    """Areas as a GeoJSON FeatureCollection for the map and the API.

    Maps get the boundary simplified for drawing, a few kilobytes an area whatever was
    imported; ``exact`` gives the imported boundary, which analyses need.
    """
    areas = areas.defer("map_geometry") if exact else areas.defer("geometry")
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "id": area.id,
                "geometry": area.geometry if exact else area.map_geometry,
                "properties": {
                    "id": area.id,
                    "code": area.code,
                    "name": area.name,
                    "level": area.level,
                    "parent_code": area.parent.code if area.parent_id else None,
                    "population": area.population,
                    "municipality": area.municipality.code,
                },
            }
            for area in areas
        ],
    }


def population_summary(*, area: Area) -> dict:
    """Latest year's population of an area by sex and age group, with totals."""
    counts = PopulationCount.objects.filter(area__in=_self_or_children(area))
    latest = counts.aggregate(year=Max("year"))["year"]
    if latest is None:
        return {"year": None, "rows": [], "total": area.population}
    rows = list(
        counts.filter(year=latest)
        .values("age_group", "sex")
        .annotate(count=Sum("count"))
        .order_by("age_group", "sex")
    )
    table: dict[str, dict[str, int]] = {}
    for row in rows:
        table.setdefault(row["age_group"], {"F": 0, "M": 0})[row["sex"]] = row["count"]
    ordered = sorted(table.items(), key=lambda item: int(item[0].rstrip("+").split("-")[0]))
    return {
        "year": latest,
        "rows": [
            {"age_group": age, "women": c["F"], "men": c["M"], "total": c["F"] + c["M"]}
            for age, c in ordered
        ],
        "total": sum(c["F"] + c["M"] for c in table.values()),
    }


def _self_or_children(area: Area) -> QuerySet[Area]:
    if area.level == AreaLevel.DISTRICT:
        return Area.objects.filter(parent=area)
    return Area.objects.filter(pk=area.pk)


def municipality_overview(*, municipality: Municipality) -> dict:
    areas = Area.objects.filter(municipality=municipality)
    return {
        "districts": areas.filter(level=AreaLevel.DISTRICT).count(),
        "areas": areas.filter(level=AreaLevel.AREA).count(),
        "population": areas.filter(level=AreaLevel.AREA).aggregate(total=Sum("population"))[
            "total"
        ],
        "safety_groups": municipality.safety_groups.annotate(n=Count("areas")).count(),
    }


def locate_points(*, municipality: Municipality, lon, lat) -> np.ndarray:
    """Codes of the areas (not districts) that contain each point; None outside all areas.

    The spatial index is built once per municipality and rebuilt when its areas change.
    """
    stamp = Area.objects.filter(municipality=municipality, level=AreaLevel.AREA).aggregate(
        changed=Max("updated_at"), n=Count("id")
    )
    locator = _locator(municipality.pk, str(stamp["changed"]), stamp["n"])
    return locator.locate(np.asarray(lon, dtype=float), np.asarray(lat, dtype=float))


@lru_cache(maxsize=32)
def _locator(municipality_id: int, changed: str, count: int):
    from shapely.geometry import shape

    from trygg.analysis.geo import AreaLocator

    rows = Area.objects.filter(municipality_id=municipality_id, level=AreaLevel.AREA).values_list(
        "code", "geometry"
    )
    codes = [code for code, _ in rows]
    return AreaLocator(codes=codes, geometries=[shape(geometry) for _, geometry in rows])
