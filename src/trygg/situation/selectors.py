"""Reads of the situational picture, scoped to what a user may see.

Who sees which observation (the one rule, used by pages, the API and every export):

* the reporter always sees their own reports;
* a group member sees the reports of their groups: reported to the group, or placed in one
  of the group's areas;
* coordinators and analysts (``view_all_observations``) see every report in their
  municipalities;
* a report restricted to the police is seen only by police users (within the above) and by
  its reporter. Aggregates (counts, the usual level, the grid) count every report in the
  picture's scope, restricted or not, and never show the text.

Who sees which weekly picture: members see their groups' pictures; roles with
``view_municipal_picture`` see every group's and the whole municipality's.
"""

from __future__ import annotations

import hashlib
import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import polars as pl
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import ExtractHour, ExtractIsoWeekDay
from django.http import Http404
from django.utils import timezone, translation

from trygg.accounts.models import OrganisationKind, SafetyGroup
from trygg.accounts.roles import Capability
from trygg.analysis.situation import (
    DEFAULT_BASELINE_WEEKS,
    LOCAL,
    IsoWeek,
    compare_to_usual,
    is_real_rise,
    quarter_priorities,
    week_elapsed,
    weekday_time_grid,
)
from trygg.areas.models import Area, AreaLevel, Municipality
from trygg.areas.selectors import municipalities_for_user, municipality_ids_for_user
from trygg.core.memo import memo
from trygg.crime.models import ReportedCrime

from .categories import category_label
from .models import Observation, Place, WeeklyPicture

BLOCK_HOURS = 3
#: A picture lists at most this many reports and draws at most this many points; the
#: counts always cover everything.
# The meeting reads the latest reports; the full list is one click away (observation list).
PICTURE_ROWS = 50
PICTURE_POINTS = 2000


def is_police(user) -> bool:
    return bool(
        user.is_authenticated
        and user.organisation_id
        and user.organisation.kind == OrganisationKind.POLICE
    )


def _group_ids_of(user) -> list[int]:
    return list(user.group_memberships.values_list("group_id", flat=True))


def _in_groups(group_ids) -> Q:
    # The area ids are fetched first (a handful) rather than as a subquery: with literal
    # lists PostgreSQL combines the (group, observed_at) and (area, observed_at) indexes;
    # with a subquery it scans every observation of the municipality.
    group_ids = list(group_ids)
    areas = list(
        Area.objects.filter(safety_groups__in=group_ids).values_list("id", flat=True).distinct()
    )
    return Q(group_id__in=group_ids) | Q(area_id__in=areas)


def _readable(user, *, own: bool = True) -> QuerySet[Observation]:
    """The rule above. Without ``own``, only what the user reads by role, groups and
    organisation, not as the reporter: the same for every user of the same
    :func:`viewer_class`, so it may be cached for all of them."""
    if not user.is_authenticated or not (
        user.can(Capability.REPORT_OBSERVATIONS) or user.can(Capability.VIEW_ALL_OBSERVATIONS)
    ):
        return Observation.objects.none()
    observations = Observation.objects.filter(municipality_id__in=municipality_ids_for_user(user))
    if not user.can(Capability.VIEW_ALL_OBSERVATIONS):
        groups = _in_groups(_group_ids_of(user))
        observations = observations.filter(Q(reporter=user) | groups if own else groups)
    if not is_police(user):
        unrestricted = Q(restricted=False)
        observations = observations.filter(unrestricted | Q(reporter=user) if own else unrestricted)
    return observations


def observations_for_user(user) -> QuerySet[Observation]:
    """Every observation the user may read, with its text."""
    return _readable(user).select_related("area", "group", "place", "reporter", "municipality")


def viewer_class(user) -> str:
    """A digest of everything except the user's identity that decides which observations
    the user may read (see :func:`_readable` with ``own=False``): role capabilities,
    municipalities, police or not, and the groups with their areas. Two users with the same
    class read the same reports, apart from their own. One query for the groups; the
    organisation and the municipality ids are read at most once per user object."""
    if not user.is_authenticated:
        return "anonymous"
    view_all = user.can(Capability.VIEW_ALL_OBSERVATIONS)
    can_read = view_all or user.can(Capability.REPORT_OBSERVATIONS)
    police = is_police(user)
    municipalities = municipality_ids_for_user(user)
    groups, areas = [], []
    if not view_all:
        memberships = list(user.group_memberships.values_list("group_id", "group__areas"))
        groups = sorted({g for g, _a in memberships})
        areas = sorted({a for _g, a in memberships if a is not None})
    parts = (
        f"read={int(can_read)} all={int(view_all)} police={int(police)} "
        f"m={municipalities} g={groups} a={areas}"
    )
    return hashlib.sha256(parts.encode()).hexdigest()[:24]


def observations_filtered(
    observations: QuerySet[Observation],
    *,
    group: int | str | None = None,
    area: int | str | None = None,
    category: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> QuerySet[Observation]:
    """The filters of the list page, its CSV export and the API: one implementation."""
    if group:
        observations = observations.filter(_in_groups([int(group)]))
    if area:
        observations = observations.filter(area_id=int(area))
    if category:
        observations = observations.filter(category=category)
    if since:
        observations = observations.filter(observed_at__gte=since)
    if until:
        observations = observations.filter(observed_at__lt=until)
    return observations


# How long a list's count may be reused at most; a new or edited report changes its key at
# once, this bounds what only culling (which deletes) or a changed membership could leave.
COUNT_CACHE_SECONDS = 60


def observations_count(user, observations: QuerySet[Observation], *, filters: dict) -> int:
    """``observations.count()`` for a list the user asked for with ``filters``, reused until
    a report in the user's municipalities is added or edited.

    Counting a group's month is most of what a page of the list costs (≈ 5 ms of SQL at a
    million reports), and the field app asks for the same page again and again. The key
    holds the user, what the user may read (:func:`viewer_class`) and the filters.
    """
    latest = (
        Observation.objects.filter(municipality=OuterRef("pk"))
        .order_by("-updated_at")
        .values("updated_at")[:1]
    )
    versions = list(
        municipalities_for_user(user).order_by("pk").values_list("pk", Subquery(latest))
    )
    key = (
        "trygg:observations-count:"
        + hashlib.sha256(
            repr((user.pk, viewer_class(user), sorted(filters.items()), versions)).encode()
        ).hexdigest()
    )
    return memo.get_or_set(key, observations.count, COUNT_CACHE_SECONDS)


def group_branches(group: int | str) -> list[Q]:
    """The group filter of :func:`observations_filtered` as separate conditions, each served
    by an index on (column, observed_at): the group itself and each of its areas."""
    group_id = int(group)
    areas = Area.objects.filter(safety_groups=group_id).order_by().values_list("id", flat=True)
    return [Q(group_id=group_id), *(Q(area_id=a) for a in areas)]


def observations_slice(
    observations: QuerySet[Observation],
    *,
    start: int,
    stop: int,
    branches: list[Q] | None = None,
) -> list[Observation]:
    """``observations`` newest first (``observed_at``, then ``id``), rows ``start:stop``.

    With ``branches`` (conditions whose union is what ``observations`` already selects),
    each branch is read newest first, at most ``stop`` rows along its own index, and the
    keys are merged; only the page's rows are then fetched whole. A group's list then reads a
    few hundred index entries instead of sorting every report of the period.
    """
    ordered = ("-observed_at", "-id")
    if not branches or stop <= start:
        return list(observations.order_by(*ordered)[start:stop])
    parts = [
        observations.filter(branch).order_by(*ordered).values_list("observed_at", "id")[:stop]
        for branch in branches
    ]
    if connection.features.supports_slicing_ordering_in_compound and len(parts) > 1:
        keys = list(parts[0].union(*parts[1:]))  # one round trip
    else:
        keys = [key for part in parts for key in part]
    ids = [i for _at, i in sorted(set(keys), reverse=True)[start:stop]]
    rows = {o.id: o for o in observations.filter(id__in=ids)}
    return [rows[i] for i in ids if i in rows]


def observation_get_for_user(user, *, public_id) -> Observation:
    try:
        return observations_for_user(user).get(public_id=public_id)
    except (Observation.DoesNotExist, ValueError, TypeError, ValidationError):
        raise Http404 from None


def observation_get_for_edit(user, *, public_id) -> Observation:
    """Only the reporter edits a report."""
    observation = observation_get_for_user(user, public_id=public_id)
    if observation.reporter_id != user.id or not user.can(Capability.REPORT_OBSERVATIONS):
        raise Http404
    return observation


def groups_for_reporting(user) -> QuerySet[SafetyGroup]:
    """The groups a user can report to: their own, or every group for coordinators."""
    groups = SafetyGroup.objects.filter(municipality__in=municipalities_for_user(user))
    if not user.can(Capability.VIEW_ALL_OBSERVATIONS):
        groups = groups.filter(memberships__user=user)
    return groups.select_related("municipality").order_by("municipality__code", "name")


def reporting_groups_by_id(user) -> dict[int, SafetyGroup]:
    """:func:`groups_for_reporting` by id, read once per user object (once per request).

    Filing a report asks twice whether the reporter may use a group: the API or form
    resolving the id, and the service's own check. Both answer from this one query. The
    groups are read again when the user's organisation or role changes.
    """
    key = (user.organisation_id, user.role)
    cached = getattr(user, "_trygg_reporting_groups", None)
    if cached is not None and cached[0] == key:
        return cached[1]
    groups = {group.pk: group for group in groups_for_reporting(user)}
    user._trygg_reporting_groups = (key, groups)
    return groups


def places_for_user(user) -> QuerySet[Place]:
    return Place.objects.filter(municipality__in=municipalities_for_user(user)).select_related(
        "area", "municipality"
    )


# --------------------------------------------------------------------- picture scope


@dataclass(frozen=True)
class PictureScope:
    municipality: Municipality
    group: SafetyGroup | None

    @property
    def name(self) -> str:
        return self.group.name if self.group else self.municipality.name

    def areas(self) -> QuerySet[Area]:
        if self.group is not None:
            return self.group.areas.all()
        return Area.objects.filter(municipality=self.municipality, level=AreaLevel.AREA)

    def observations(self) -> QuerySet[Observation]:
        """Every observation in the scope, restricted ones too: for counting only."""
        observations = Observation.objects.filter(municipality=self.municipality)
        if self.group is not None:
            observations = observations.filter(_in_groups([self.group.pk]))
        return observations

    def crimes(self) -> QuerySet[ReportedCrime]:
        crimes = ReportedCrime.objects.filter(municipality=self.municipality)
        if self.group is not None:
            crimes = crimes.filter(area__in=self.group.areas.all())
        return crimes


def picture_scope_for_user(
    user, *, municipality_code: str | None = None, group_id: int | None = None
) -> PictureScope:
    """The scope of a weekly picture the user may see, or 404."""
    if not (user.is_authenticated and user.can(Capability.VIEW_SITUATION)):
        raise Http404
    municipalities = municipalities_for_user(user)
    if group_id is not None:
        try:
            group = SafetyGroup.objects.select_related("municipality").get(
                pk=group_id, municipality__in=municipalities
            )
        except SafetyGroup.DoesNotExist:
            raise Http404 from None
        if not (
            user.can(Capability.VIEW_MUNICIPAL_PICTURE)
            or group.memberships.filter(user=user).exists()
        ):
            raise Http404
        return PictureScope(group.municipality, group)
    if not user.can(Capability.VIEW_MUNICIPAL_PICTURE):
        raise Http404
    try:
        return PictureScope(municipalities.get(code=municipality_code), None)
    except Municipality.DoesNotExist:
        raise Http404 from None


def picture_scopes_for_user(user) -> list[PictureScope]:
    """The pictures a user can open, for the index page and the menu."""
    if not (user.is_authenticated and user.can(Capability.VIEW_SITUATION)):
        return []
    municipalities = list(municipalities_for_user(user).order_by("name"))
    groups = SafetyGroup.objects.filter(municipality__in=municipalities).select_related(
        "municipality"
    )
    if user.can(Capability.VIEW_MUNICIPAL_PICTURE):
        scopes = [PictureScope(m, None) for m in municipalities]
    else:
        scopes = []
        groups = groups.filter(memberships__user=user)
    return scopes + [PictureScope(g.municipality, g) for g in groups.order_by("name")]


def picture_get(scope: PictureScope, week: IsoWeek) -> WeeklyPicture | None:
    return WeeklyPicture.objects.filter(
        municipality=scope.municipality, group=scope.group, iso_year=week.year, iso_week=week.week
    ).first()


def pictures_published(scope: PictureScope) -> QuerySet[WeeklyPicture]:
    return WeeklyPicture.objects.filter(
        municipality=scope.municipality, group=scope.group, status="published"
    )


# -------------------------------------------------------------------- picture figures


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


# ------------------------------------------------------------------------- quarter


def quarter_bounds(year: int, quarter: int) -> tuple[datetime, datetime]:
    if not 1 <= quarter <= 4:
        raise ValueError("a quarter is 1 to 4")
    start = datetime(year, 3 * quarter - 2, 1, tzinfo=LOCAL)
    end = datetime(year + (quarter == 4), 1 if quarter == 4 else 3 * quarter + 1, 1, tzinfo=LOCAL)
    return start.astimezone(UTC), end.astimezone(UTC)


def quarter_view(scope: PictureScope, *, year: int, quarter: int) -> list[dict]:
    """Which areas of the scope need action most and where action can change most."""
    start, end = quarter_bounds(year, quarter)
    length = end - start
    prev_start = start - length
    areas = list(scope.areas().values_list("id", "code", "name", "population"))
    ids = [a[0] for a in areas]
    observations = Observation.objects.filter(area_id__in=ids)
    rows = list(
        observations.filter(observed_at__gte=start, observed_at__lt=end)
        .annotate(
            wd=ExtractIsoWeekDay("observed_at", tzinfo=LOCAL),
            hr=ExtractHour("observed_at", tzinfo=LOCAL),
        )
        .values_list("area_id", "category", "wd", "hr", "severity")
    )
    previous = dict(
        observations.filter(observed_at__gte=prev_start, observed_at__lt=start)
        .values("area_id")
        .annotate(n=Count("id"))
        .values_list("area_id", "n")
    )
    crimes = dict(
        ReportedCrime.objects.filter(area_id__in=ids, occurred_at__gte=start, occurred_at__lt=end)
        .values("area_id")
        .annotate(n=Count("id"))
        .values_list("area_id", "n")
    )
    table = pl.DataFrame(
        [(str(i), p or 0, crimes.get(i, 0), previous.get(i, 0)) for i, _c, _n, p in areas],
        schema={
            "area_code": pl.String,
            "population": pl.Int64,
            "crimes": pl.Int64,
            "previous": pl.Int64,
        },
        orient="row",
    )
    obs = pl.DataFrame(
        [(str(a), c, wd - 1, hr, s) for a, c, wd, hr, s in rows],
        schema={
            "area_code": pl.String,
            "category": pl.String,
            "weekday": pl.Int64,
            "hour": pl.Int64,
            "severity": pl.Int64,
        },
        orient="row",
    )
    names = {str(i): (code, name) for i, code, name, _ in areas}
    result = quarter_priorities(table, obs, block_hours=BLOCK_HOURS)
    # The most reported category of each area: what an operation planned there is about.
    per_category: dict[int, Counter] = {}
    for area_id, category, *_rest in rows:
        per_category.setdefault(area_id, Counter())[category] += 1
    return [
        {
            **row,
            "area_id": int(row["area_code"]),
            "code": names[row["area_code"]][0],
            "name": names[row["area_code"]][1],
            "top_category": (
                per_category[int(row["area_code"])].most_common(1)[0][0]
                if int(row["area_code"]) in per_category
                else None
            ),
        }
        for row in result.iter_rows(named=True)
    ]


def planning_period(year: int, quarter: int, *, today: date | None = None) -> tuple[date, date]:
    """The period an operation planned from a quarter's figures is proposed for: the next
    quarter, starting no earlier than next Monday; a quarter long from next Monday when the
    next quarter is already over."""
    today = today or timezone.localdate()
    following = (year + (quarter == 4), 1 if quarter == 4 else quarter + 1)
    start, end = (d.astimezone(LOCAL).date() for d in quarter_bounds(*following))
    end -= timedelta(days=1)
    next_monday = today + timedelta(days=7 - today.weekday())
    start = max(start, next_monday)
    if start > end - timedelta(days=6):
        start, end = next_monday, next_monday + timedelta(weeks=13) - timedelta(days=1)
    return start, end


def current_week() -> IsoWeek:
    from trygg.analysis.situation import week_of

    return week_of(timezone.now())
