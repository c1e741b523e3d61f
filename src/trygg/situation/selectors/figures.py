"""The figures of a weekly picture: computed once per scope and week (cached, or frozen
when published), then cut down to what each viewer may read."""

from __future__ import annotations

import hashlib
import uuid
from datetime import UTC, datetime

import polars as pl
from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import ExtractHour, ExtractIsoWeekDay
from django.utils import timezone, translation

from trygg.analysis.situation import (
    DEFAULT_BASELINE_WEEKS,
    LOCAL,
    IsoWeek,
    compare_to_usual,
    is_real_rise,
    week_elapsed,
    weekday_time_grid,
)
from trygg.areas.models import Area, Municipality
from trygg.areas.selectors import (
    area_feature_collection,
)
from trygg.core.memo import memo
from trygg.crime.models import ReportedCrime

from ..categories import category_label
from ..models import Observation, WeeklyPicture
from .observations import _readable, viewer_class
from .scope import PictureScope, picture_get

BLOCK_HOURS = 3
#: A picture lists at most this many reports and draws at most this many points; the
#: counts always cover everything.
# The meeting reads the latest reports; the full list is one click away (observation list).
PICTURE_ROWS = 50
PICTURE_POINTS = 2000


def picture_compute(
    scope: PictureScope, week: IsoWeek, *, baseline_weeks: int = DEFAULT_BASELINE_WEEKS
) -> dict:
    """The figures of one week's picture, independent of who looks (JSON-safe).

    Counts go through the database's GROUP BY; only the week's own rows are fetched.
    """
    start, end = week.bounds()
    base_start = week.shifted(-baseline_weeks).bounds()[0]
    scoped = scope.observations()
    in_week = scoped.filter(observed_at__gte=start, observed_at__lt=end)
    in_base = scoped.filter(observed_at__gte=base_start, observed_at__lt=start)
    area_names = dict(
        Area.objects.filter(municipality=scope.municipality).values_list("id", "name")
    )
    area_codes = dict(
        Area.objects.filter(municipality=scope.municipality).values_list("id", "code")
    )

    def counts(queryset) -> pl.DataFrame:
        rows = list(
            queryset.values("category", "area_id")
            .annotate(n=Count("id"))
            .values_list("category", "area_id", "n")
        )
        return pl.DataFrame(
            [(c, str(a) if a else "", n) for c, a, n in rows],
            schema={"category": pl.String, "area": pl.String, "count": pl.Int64},
            orient="row",
        )

    now, before = counts(in_week), counts(in_base)
    # A week under way is compared with the usual level for the part of it that has gone.
    elapsed = week_elapsed(week, timezone.now())
    kwargs = {"baseline_weeks": baseline_weeks, "elapsed": elapsed}
    by_category = compare_to_usual(now, before, keys=["category"], **kwargs)
    by_area = compare_to_usual(
        now.filter(pl.col("area") != ""),
        before.filter(pl.col("area") != ""),
        keys=["area"],
        **kwargs,
    )
    cells = compare_to_usual(
        now.filter(pl.col("area") != ""),
        before.filter(pl.col("area") != ""),
        keys=["category", "area"],
        **kwargs,
    ).filter(pl.col("rise"))
    total, base_total = int(now["count"].sum() or 0), int(before["count"].sum() or 0)

    grid_rows = list(
        in_week.annotate(
            wd=ExtractIsoWeekDay("observed_at", tzinfo=LOCAL),
            hr=ExtractHour("observed_at", tzinfo=LOCAL),
        )
        .values("wd", "hr")
        .annotate(n=Count("id"))
        .values_list("wd", "hr", "n")
    )
    weekday = [wd - 1 for wd, _, n in grid_rows for _ in range(n)]
    hour = [hr for _, hr, n in grid_rows for _ in range(n)]
    grid = weekday_time_grid(weekday, hour, block_hours=BLOCK_HOURS)

    def area_row(row: dict) -> dict:
        area_id = int(row["area"])
        return {
            "area_id": area_id,
            "area_code": area_codes.get(area_id, ""),
            "area_name": area_names.get(area_id, ""),
            **_test_fields(row),
        }

    rows = list(
        in_week.select_related("area", "group")
        .order_by("-observed_at")
        .values_list(
            "id",
            "public_id",
            "observed_at",
            "category",
            "severity",
            "area__name",
            "place_name",
            "text",
            "people_count",
            "restricted",
            "reporter_id",
            "lat",
            "lon",
        )[: max(PICTURE_ROWS, PICTURE_POINTS)]
    )
    return {
        "scope": {
            "municipality": scope.municipality.code,
            "group_id": scope.group.pk if scope.group else None,
            "name": scope.name,
        },
        "week": str(week),
        "start": start.isoformat(),
        "end": end.isoformat(),
        "baseline_weeks": baseline_weeks,
        "total": total,
        "usual_total": base_total / baseline_weeks,
        "total_rise": is_real_rise(total, base_total, baseline_weeks, elapsed=elapsed),
        "elapsed": elapsed,
        "rise_areas": sorted(
            {area_names.get(int(r["area"]), "") for r in cells.iter_rows(named=True)}
        ),
        "by_category": [
            {"category": r["category"], **_test_fields(r)}
            for r in by_category.iter_rows(named=True)
        ],
        "by_area": [area_row(r) for r in by_area.iter_rows(named=True)],
        "changes": [
            {"category": r["category"], **area_row(r)} for r in cells.iter_rows(named=True)
        ],
        "grid": grid.tolist(),
        "block_hours": BLOCK_HOURS,
        "crimes": _crimes_beside(scope, week, baseline_weeks, area_codes, area_names, elapsed),
        "rows_total": total,
        "rows": [
            {
                "id": r[0],
                "public_id": str(r[1]),
                "observed_at": r[2].astimezone(UTC).isoformat(),
                "category": r[3],
                "severity": r[4],
                "area": r[5] or "",
                "place": r[6],
                "text": r[7],
                "people_count": r[8],
                "restricted": r[9],
                "reporter_id": r[10],
                "lat": r[11],
                "lon": r[12],
            }
            for r in rows
        ],
        "computed_at": timezone.now().isoformat(),
    }


def _test_fields(row: dict) -> dict:
    return {
        "observed": int(row["observed"]),
        "usual": round(float(row["usual"]), 2),
        "ratio": None if row["ratio"] is None else round(float(row["ratio"]), 2),
        "p_value": float(row["p_value"]),
        "q_value": float(row["q_value"]),
        "rise": bool(row["rise"]),
    }


def _crimes_beside(scope, week, baseline_weeks, area_codes, area_names, elapsed) -> dict | None:
    """The police's reported crimes in the same areas and week, if crime data exist."""
    crimes = scope.crimes()
    if not crimes.exists():
        return None
    start, end = week.bounds()
    base_start = week.shifted(-baseline_weeks).bounds()[0]
    now = crimes.filter(occurred_at__gte=start, occurred_at__lt=end)
    before = crimes.filter(occurred_at__gte=base_start, occurred_at__lt=start)
    usual = dict(before.values("category").annotate(n=Count("id")).values_list("category", "n"))
    this = dict(now.values("category").annotate(n=Count("id")).values_list("category", "n"))
    # The categories are a table like the observations': the same test, with FDR across them.
    schema = {"category": pl.String, "count": pl.Int64}
    tested = compare_to_usual(
        pl.DataFrame(list(this.items()), schema=schema, orient="row"),
        pl.DataFrame(list(usual.items()), schema=schema, orient="row"),
        keys=["category"],
        baseline_weeks=baseline_weeks,
        elapsed=elapsed,
    )
    rising = set(tested.filter(pl.col("rise"))["category"].to_list())
    by_area = (
        now.exclude(area=None).values("area_id").annotate(n=Count("id")).order_by("-n", "area_id")
    )
    return {
        "total": sum(this.values()),
        "usual_total": sum(usual.values()) / baseline_weeks,
        "latest": crimes.order_by("-occurred_at")
        .values_list("occurred_at", flat=True)[0]
        .astimezone(UTC)
        .isoformat(),
        "by_category": [
            {
                "category": c,
                "observed": this.get(c, 0),
                "usual": round(usual.get(c, 0) / baseline_weeks, 2),
                "rise": bool(c in rising),
            }
            # Ties by the usual level, then by name: the same table on every load.
            for c in sorted(
                set(this) | set(usual), key=lambda c: (-this.get(c, 0), -usual.get(c, 0), c)
            )
        ],
        "by_area": [
            {
                "area_id": r["area_id"],
                "area_code": area_codes.get(r["area_id"], ""),
                "area_name": area_names.get(r["area_id"], ""),
                "observed": r["n"],
            }
            for r in by_area
        ],
    }


def picture_for_viewer(user, figures: dict, *, figures_key: str | None = None) -> dict:
    """The figures with only the reports (and points) this user may read.

    A published picture's rows are a frozen copy; which of them a user may read is still
    decided by :func:`observations_for_user` today, plus the user's own reports.

    With ``figures_key`` (which changes whenever the figures or the observations behind them
    change), the rows readable by the user's :func:`viewer_class` are cached for everyone of
    that class; the user's own reports are added per user, never cached for others. The
    result's ``viewer_key`` names exactly what this user is shown, for caching the page.
    """
    all_rows = figures.get("rows", [])
    klass = viewer_class(user)

    def readable_ids() -> frozenset[int]:
        ids = [r["id"] for r in all_rows]
        return frozenset(_readable(user, own=False).filter(id__in=ids).values_list("id", flat=True))

    if not figures_key:
        readable = readable_ids()
    else:
        key = f"trygg:picture-readable:{figures_key}:{klass}"
        readable = memo.get_or_set(key, readable_ids, PICTURE_CACHE_SECONDS)
    user_id = user.id  # once: request.user is a lazy proxy, slow to read per row
    own = [r["id"] for r in all_rows if r["reporter_id"] == user_id and r["id"] not in readable]
    if figures_key and not own:
        # What everyone of the class is shown: built once per class (and language, for the
        # category labels), not per request.
        return memo.get_or_set(
            f"trygg:picture-shown:{figures_key}:{klass}:{translation.get_language()}",
            lambda: _shown(
                figures, readable, user_id=None, viewer_key=f"{figures_key}:{klass}:0:-"
            ),
            PICTURE_CACHE_SECONDS,
        )
    own_part = hashlib.sha256(repr(own).encode()).hexdigest()[:16] if own else "-"
    viewer_key = (
        f"{figures_key}:{klass}:{user_id}:{own_part}"
        if figures_key
        else f"uncached-{uuid.uuid4().hex}"
    )
    return _shown(figures, readable, user_id=user_id, viewer_key=viewer_key)


def _shown(figures: dict, readable: frozenset[int], *, user_id: int | None, viewer_key: str):
    """The figures with the rows and points of ``readable`` and of ``user_id``'s reports."""
    rows = [
        r
        for r in figures.get("rows", [])
        if r["id"] in readable or (user_id is not None and r["reporter_id"] == user_id)
    ]
    listed = [
        {
            **row,
            "category_label": category_label(row["category"]),
            "observed_local": datetime.fromisoformat(row["observed_at"]).astimezone(LOCAL),
        }
        for row in rows[:PICTURE_ROWS]
    ]
    return {
        **figures,
        "rows": listed,
        "rows_hidden": figures.get("rows_total", 0) - len(listed),
        # Only what the map draws; five decimals are a metre.
        "points": [
            {
                "lat": round(r["lat"], 5),
                "lon": round(r["lon"], 5),
                "category": r["category"],
                "severity": r["severity"],
            }
            for r in rows[:PICTURE_POINTS]
            if r["lat"] is not None and r["lon"] is not None
        ],
        "viewer_key": viewer_key,
    }


# A live picture is recomputed only when its data change; this long at most otherwise.
PICTURE_CACHE_SECONDS = 600


def picture_figures(scope: PictureScope, week: IsoWeek) -> tuple[WeeklyPicture | None, dict]:
    """The stored picture (if any) and its figures: frozen when published, live otherwise."""
    picture, figures, _key = picture_figures_keyed(scope, week)
    return picture, figures


def picture_figures_keyed(
    scope: PictureScope, week: IsoWeek
) -> tuple[WeeklyPicture | None, dict, str]:
    """:func:`picture_figures` and a key that changes whenever they, or the observations
    and crimes behind them, may have changed.

    Live figures are cached under that key, so the whole group can open the picture in the
    weekly meeting without recomputing it for each of them.
    """
    picture = picture_get(scope, week)
    version = data_version(scope.municipality)
    if picture is not None and picture.is_published and picture.snapshot:
        stamp = picture.published_at.timestamp() if picture.published_at else 0
        return picture, picture.snapshot, f"published:{picture.pk}:{stamp:.6f}:{version}"
    group = scope.group.pk if scope.group else 0
    # A week under way is compared pro rata: its figures change by the hour as well.
    hour = round(week_elapsed(week, timezone.now()) * 168)
    key = f"trygg:picture:{scope.municipality.pk}:{group}:{week}:{version}:{hour}"
    figures = memo.get_or_set(key, lambda: picture_compute(scope, week), PICTURE_CACHE_SECONDS)
    return picture, figures, key


def data_version(municipality: Municipality) -> str:
    """Changes whenever an observation of the municipality is added or edited (its
    ``updated_at``; two index lookups, not a scan) or crimes are imported.

    Observations are never deleted by the application; a row changed behind its back (an
    area or group deleted, which sets the link to null) shows within
    ``PICTURE_CACHE_SECONDS``.
    """
    latest = Observation.objects.filter(municipality=OuterRef("pk")).order_by("-updated_at")
    last_crime = ReportedCrime.objects.filter(municipality=OuterRef("pk")).order_by("-id")
    changed, crime = (
        Municipality.objects.filter(pk=municipality.pk)
        .values_list(
            Subquery(latest.values("updated_at")[:1]), Subquery(last_crime.values("id")[:1])
        )
        .get()
    )
    return f"{changed.timestamp() if changed else 0:.6f}-{crime}"


# -------------------------------------------------------------------------- the map


def picture_areas_geojson(scope: PictureScope, figures: dict) -> dict:
    """The scope's areas as GeoJSON, each with its count of the week and whether it rose."""
    collection = area_feature_collection(
        scope.areas().select_related("municipality", "parent").order_by("code")
    )
    counts = {r["area_id"]: r for r in figures["by_area"]}
    for feature in collection["features"]:
        row = counts.get(feature["properties"]["id"], {})
        feature["properties"]["count"] = row.get("observed", 0)
        feature["properties"]["rise"] = row.get("rise", False)
    return collection


def picture_map_areas(scope: PictureScope, figures: dict) -> list[dict]:
    """The scope's areas for the printed map: outline, name, count, rise and label point."""
    counts = {r["area_id"]: r for r in figures["by_area"]}
    return [
        {
            "geometry": geometry,
            "name": name,
            "count": counts.get(pk, {}).get("observed", 0),
            "rise": counts.get(pk, {}).get("rise", False),
            "label_at": (lon, lat),
        }
        for pk, name, geometry, lon, lat in scope.areas().values_list(
            "pk", "name", "map_geometry", "centroid_lon", "centroid_lat"
        )
    ]
