"""The area page's other parts: operations and promises in the area, reported crime on
an H3 grid, and the area's tables as downloads."""

from __future__ import annotations

import polars as pl
from django.conf import settings
from django.db.models.functions import ExtractYear
from django.utils import timezone

from trygg.accounts.roles import Capability
from trygg.areas.models import Area
from trygg.crime.models import ReportedCrime
from trygg.interventions.models import CitizenPromise, OperationStatus
from trygg.interventions.selectors import operations_for_user, promises_for_user

from ..models import Publication
from .results import _codes_of, _lang


def area_operations_for_user(user, *, area: Area):
    """Planned and active operations in the area (or in its areas, for a district)."""
    return list(
        operations_for_user(user)
        .filter(areas__in=Area.objects.filter(pk=area.pk) | Area.objects.filter(parent=area))
        .filter(status__in=[OperationStatus.PLANNED, OperationStatus.ACTIVE])
        .distinct()
        .order_by("starts_on")
    )


def area_promises(user, *, area: Area, operations) -> list:
    """Citizen promises of the area's municipality that the user may see: those behind the
    area's operations first, then the other current ones."""
    today = timezone.localdate()
    visible = promises_for_user(user) if user.can(Capability.MANAGE_OPERATIONS) else None
    promises = (
        visible if visible is not None else CitizenPromise.objects.filter(is_public=True)
    ).filter(municipality=area.municipality, ends_on__gte=today)
    linked = set(
        promises.filter(operations__in=[o.pk for o in operations]).values_list("pk", flat=True)
    )
    ordered = sorted(promises.distinct(), key=lambda p: (p.pk not in linked, p.starts_on))
    for promise in ordered:
        promise.in_area = promise.pk in linked
    return ordered


# --------------------------------------------------------------------------------------
# The area page: reported crime on an H3 grid, and the area's tables as downloads
# --------------------------------------------------------------------------------------

#: Hexagons of about 0.1 km² (edge 175 m): streets and squares, not single addresses.
AREA_H3_RESOLUTION = 9


def area_crime_cells(
    user, *, area: Area, year: int | None = None, resolution: int = AREA_H3_RESOLUTION
) -> dict | None:
    """Reported crimes in the area in one year, counted per H3 cell, with the cells as
    GeoJSON for the map. Roles that only see published results get no count below
    ``TRYGG_PUBLIC_MIN_COUNT`` (the cell is shown as withheld)."""
    import h3
    import numpy as np

    from trygg.analysis import geo
    from trygg.analysis.report import charts

    crimes = ReportedCrime.objects.filter(
        municipality=area.municipality, area__code__in=_codes_of(area)
    )
    restricted = not user.can(Capability.VIEW_REPORTS)
    if year is None and restricted:
        # Those who see published results only: the year the municipality last published.
        year = (
            Publication.objects.filter(municipality=area.municipality, withdrawn_at=None)
            .order_by("-year")
            .values_list("year", flat=True)
            .first()
        )
    if year is None:
        year = (
            crimes.annotate(y=ExtractYear("occurred_at")).order_by("-y").values_list("y", flat=True)
        ).first()
    if year is None:
        return None
    points = list(
        crimes.filter(occurred_at__year=year, lat__isnull=False, lon__isnull=False).values_list(
            "lat", "lon"
        )
    )
    min_count = settings.TRYGG_PUBLIC_MIN_COUNT if restricted else 1
    if not points:
        return {"year": year, "cells": [], "geojson": None, "legend": [], "min_count": min_count,
                "restricted": restricted, "total": 0, "resolution": resolution}  # fmt: skip
    lat, lon = (np.asarray(c, dtype=float) for c in zip(*points, strict=True))
    names = geo.h3_cell_names(geo.h3_cells(lat=lat, lon=lon, resolution=resolution))
    cells, counts = np.unique(names, return_counts=True)
    shown = [int(c) if c >= min_count else None for c in counts]
    classes, keys = charts.quantile_classes(
        [float("nan") if c is None else c for c in shown], lang=_lang()
    )
    colour = {c.key: c.colour for c in classes}
    rows, features = [], []
    for cell, count, key in sorted(
        zip(cells.tolist(), shown, keys, strict=True), key=lambda r: (-(r[1] or 0), r[0])
    ):
        centre = h3.cell_to_latlng(cell)
        ring = [[round(lng, 6), round(lat_, 6)] for lat_, lng in h3.cell_to_boundary(cell)]
        rows.append(
            {"cell": cell, "count": count, "lat": round(centre[0], 5), "lon": round(centre[1], 5)}
        )
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "Polygon", "coordinates": [[*ring, ring[0]]]},
                "properties": {
                    "cell": cell,
                    "count": count,
                    "fill": colour.get(key, charts.NO_DATA),
                },
            }
        )
    legend = [{"colour": c.colour, "label": c.label} for c in classes]
    if restricted and any(r["count"] is None for r in rows):
        legend.append({"colour": charts.NO_DATA, "label": f"< {min_count}"})
    for entry in legend:
        entry["swatch"] = (
            '<svg width="16" height="16" aria-hidden="true" focusable="false">'
            f'<rect width="16" height="16" fill="{entry["colour"]}" stroke="#4a5560"/></svg>'
        )
    total = int(counts.sum())
    return {
        "year": year,
        "resolution": resolution,
        "cells": rows,
        "geojson": {"type": "FeatureCollection", "features": features},
        "legend": legend,
        "min_count": min_count,
        "restricted": restricted,
        # No total beside withheld cells: the difference would give their sum away.
        "total": None if any(c is None for c in shown) else total,
    }


AREA_TABLES = ("survey", "crime", "priority")
#: The tested change of the rate into the last year (not the raw count difference).
CHANGE_COLUMNS = ("change_percent", "change_low_percent", "change_high_percent", "p_value",
                  "significant")  # fmt: skip


SURVEY_CHANGE_COLUMNS = ("change", "change_low", "change_high", "change_p_value",
                         "change_significant")  # fmt: skip


def _survey_change_columns(change: dict | None, year: int) -> dict:
    """The change into ``year`` on that year's row; other rows have it empty."""
    if not change or change.get("suppressed") or change.get("year_to") != year:
        return dict.fromkeys(SURVEY_CHANGE_COLUMNS)
    return dict(zip(SURVEY_CHANGE_COLUMNS, (change["value"], change["low"], change["high"],
                                            change.get("p_value"), change["significant"]),
                    strict=True))  # fmt: skip


def _change_columns(change: dict | None) -> dict:
    if not change or change.get("suppressed"):
        return dict.fromkeys(CHANGE_COLUMNS)
    return {
        "change_percent": change["value"],
        "change_low_percent": change["low"],
        "change_high_percent": change["high"],
        "p_value": change.get("p_value"),
        "significant": change["significant"],
    }


def area_export_table(stats: dict, table: str) -> pl.DataFrame:
    """One of the area page's tables as it is downloaded: the rows the page shows."""
    if table == "survey":
        rows = [
            {
                "index": s["index"],
                "label": s["label"],
                "year": y["year"],
                "estimate": None if y["suppressed"] else y["estimate"],
                "ci_low": None if y["suppressed"] else y["ci_low"],
                "ci_high": None if y["suppressed"] else y["ci_high"],
                "answers": None if y["suppressed"] else y["n"],
                "suppressed": y["suppressed"],
                **_survey_change_columns(s.get("change"), y["year"]),
            }
            for s in stats["survey"]
            for y in s["years"]
        ]
        schema = ["index", "label", "year", "estimate", "ci_low", "ci_high", "answers",
                  "suppressed", *SURVEY_CHANGE_COLUMNS]  # fmt: skip
    elif table == "crime":
        crime = stats["crime"]
        years = [str(y) for y in crime["years"]]
        rows = [
            {"category": r["category"], "label": r["label"],
             **dict(zip(years, r["counts"], strict=True)),
             "rate_per_1000": r["rate"], **_change_columns(r["change"])}
            for r in crime["rows"]
        ]  # fmt: skip
        if crime["rows"]:
            rows.append(
                {"category": "total", "label": "",
                 **dict(zip(years, crime["total"]["counts"], strict=True)),
                 "rate_per_1000": crime["total"]["rates"][-1],
                 **_change_columns(crime["total"].get("change"))}
            )  # fmt: skip
        schema = ["category", "label", *years, "rate_per_1000", *CHANGE_COLUMNS]
    elif table == "priority":
        priority = stats["priority"] or {"components": []}
        rows = [
            {
                "component": c["code"],
                "label": c["label"],
                "value": c["value"],
                "sd_from_average": c["z"],
                "contribution": c["contribution"],
                "weight": c["weight"],
            }
            for c in priority["components"]
        ]
        schema = ["component", "label", "value", "sd_from_average", "contribution", "weight"]
    else:
        raise ValueError(table)
    if not rows:
        return pl.DataFrame({name: [] for name in schema})
    return pl.DataFrame(rows, strict=False).select(schema)
