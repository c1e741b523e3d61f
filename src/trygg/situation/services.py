"""Writes of the situational picture: reports, imports, the weekly picture. Every write is
atomic and audited; every rule that a form, the API and an import share lives here."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import polars as pl
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from trygg.accounts.models import SafetyGroup
from trygg.accounts.roles import Capability
from trygg.analysis.errors import InputError, RowProblem
from trygg.analysis.situation import LOCAL, IsoWeek
from trygg.analysis.tables import LINE_COLUMN, read_csv_text
from trygg.areas.models import Area, AreaLevel, Municipality
from trygg.areas.selectors import (
    locate_points,
    municipalities_for_user,
    municipality_ids_for_user,
)
from trygg.audit.models import AuditAction
from trygg.audit.services import audit_record

from .categories import category_keys
from .models import TEXT_MAX_LENGTH, Observation, ObservationSource, Place, WeeklyPicture
from .privacy import find_personal_numbers
from .selectors import PictureScope, groups_for_reporting, picture_compute, reporting_groups_by_id

#: A report may be dated a few minutes ahead: phones' clocks drift.
CLOCK_SLACK = timedelta(minutes=10)
#: No report is older than the platform's data; a year such as 0001 is a typing error, and
#: one that cannot be converted to UTC breaks every week and export that meets it.
EARLIEST_OBSERVATION = datetime(2000, 1, 1, tzinfo=UTC)
IMPORT_COLUMNS = ("id", "observed_at", "category", "severity")


def _require(actor, capability: str) -> None:
    if not (actor is not None and actor.is_authenticated and actor.can(capability)):
        raise PermissionError(capability)


def text_check(text: str) -> str:
    """The free text, stripped; refused when it carries a personal identity number."""
    text = (text or "").strip()
    if len(text) > TEXT_MAX_LENGTH:
        raise ValidationError(
            {"text": _("Keep it short: at most %(n)d characters.") % {"n": TEXT_MAX_LENGTH}}
        )
    if find_personal_numbers(text):
        raise ValidationError(
            {
                "text": _(
                    "The text contains a personal identity number. The situational picture is "
                    "about places and situations, never about individuals: remove the number "
                    "and any names of private persons."
                )
            }
        )
    return text


@dataclass(frozen=True)
class Where:
    municipality: Municipality
    lat: float | None
    lon: float | None
    place: Place | None
    area: Area | None


def _where(
    actor,
    *,
    municipality: Municipality | None,
    group: SafetyGroup | None,
    lat: float | None,
    lon: float | None,
    place: Place | None,
    area: Area | None,
) -> Where:
    allowed = municipalities_for_user(actor)
    candidates = {
        m.pk: m
        for m in (
            municipality,
            group.municipality if group else None,
            place.municipality if place else None,
            area.municipality if area else None,
        )
        if m is not None
    }
    if len(candidates) > 1:
        raise ValidationError(_("The group, place and area belong to different municipalities."))
    if not candidates:
        only = list(allowed[:2])
        if len(only) != 1:
            raise ValidationError(_("Choose the safety group or area the report belongs to."))
        candidates = {only[0].pk: only[0]}
    (municipality,) = candidates.values()
    if municipality.pk not in municipality_ids_for_user(actor):
        raise ValidationError(_("You cannot report in that municipality."))
    if (lat is None) != (lon is None):
        raise ValidationError(_("A position needs both latitude and longitude."))
    if lat is not None and not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise ValidationError(_("The position is not a valid coordinate."))
    # A point given by the reporter (not taken from a named place, whose position the
    # municipality keeps) must lie in the municipality, whatever area is named with it.
    given_point = lat is not None and (place is None or (lat, lon) != (place.lat, place.lon))
    if place is not None and lat is None:
        lat, lon = place.lat, place.lon
    if lat is None and area is None:
        raise ValidationError(
            _("Say where: tap the map, use your position, or pick a named place or an area.")
        )
    if area is not None and area.level != AreaLevel.AREA:
        raise ValidationError(_("Pick an area, not a district."))
    if area is None and place is not None and place.area_id:
        area = place.area
    if lat is not None and (area is None or given_point):
        code = locate_points(municipality=municipality, lon=[lon], lat=[lat])[0]
        if code:
            if area is None:
                area = Area.objects.get(municipality=municipality, code=code)
        elif Area.objects.filter(municipality=municipality, level=AreaLevel.AREA).exists():
            raise ValidationError(_("The position lies outside the municipality's areas."))
    return Where(municipality, lat, lon, place, area)


def _check_fields(*, category: str, severity: int, observed_at: datetime, people_count) -> None:
    errors: dict[str, str] = {}
    if category not in category_keys():
        errors["category"] = _("Unknown category.")
    if severity not in (1, 2, 3):
        errors["severity"] = _("Severity is 1, 2 or 3.")
    if observed_at is None or timezone.is_naive(observed_at):
        errors["observed_at"] = _("Give the time with its time zone.")
    elif observed_at > timezone.now() + CLOCK_SLACK:
        errors["observed_at"] = _("The time lies in the future.")
    elif observed_at < EARLIEST_OBSERVATION:
        errors["observed_at"] = _("The time lies before %(year)d; check the year.") % {
            "year": EARLIEST_OBSERVATION.year
        }
    if people_count is not None and not 0 <= people_count <= 10000:
        errors["people_count"] = _("The number of people is not plausible.")
    if errors:
        raise ValidationError(errors)


def _default_group(actor, where: Where, group: SafetyGroup | None) -> SafetyGroup | None:
    if group is not None:
        if (
            group.pk not in reporting_groups_by_id(actor)
            or group.municipality_id != where.municipality.pk
        ):
            raise ValidationError({"group": _("You do not report to that safety group.")})
        return group
    reporting = groups_for_reporting(actor).filter(municipality=where.municipality)
    mine = reporting.filter(memberships__user=actor)
    if where.area is not None:
        covering = mine.filter(areas=where.area).first()
        if covering is not None:
            return covering
    return mine.first() if mine.count() == 1 else None


def observation_create(
    *,
    actor,
    category: str,
    severity: int,
    observed_at: datetime | None = None,
    text: str = "",
    lat: float | None = None,
    lon: float | None = None,
    place: Place | None = None,
    area: Area | None = None,
    group: SafetyGroup | None = None,
    municipality: Municipality | None = None,
    people_count: int | None = None,
    restricted: bool = False,
    source: str = ObservationSource.WEB,
    source_id: str = "",
) -> tuple[Observation, bool]:
    """Save one report. Returns ``(observation, created)``.

    ``source_id`` makes a retried submission harmless: the same reporter sending the same
    key again gets the stored report back instead of a second one.
    """
    _require(actor, Capability.REPORT_OBSERVATIONS)
    observed_at = observed_at or timezone.now()
    _check_fields(
        category=category, severity=severity, observed_at=observed_at, people_count=people_count
    )
    text = text_check(text)
    where = _where(
        actor, municipality=municipality, group=group, lat=lat, lon=lon, place=place, area=area
    )
    group = _default_group(actor, where, group)
    try:
        with transaction.atomic():
            observation = Observation.objects.create(
                municipality=where.municipality,
                reporter=actor,
                group=group,
                observed_at=observed_at,
                category=category,
                severity=severity,
                people_count=people_count,
                text=text,
                lat=where.lat,
                lon=where.lon,
                place=where.place,
                place_name=where.place.name if where.place else "",
                area=where.area,
                restricted=restricted,
                source=source,
                source_id=source_id,
            )
            audit_record(
                actor=actor,
                action=AuditAction.CREATE,
                object_type="observation",
                object_id=str(observation.public_id),
                municipality_code=where.municipality.code,
                summary=f"Reported observation {category} severity {severity}",
                details={"source": source, "restricted": restricted, "group": group and group.pk},
            )
    except IntegrityError:
        # The key was sent before (a retry, or two racing): the first report stands. Asking
        # the unique index instead of looking first saves a query on every new report.
        if not source_id:
            raise
        existing = Observation.objects.filter(
            municipality=where.municipality, source=source, source_id=source_id, reporter=actor
        ).first()
        if existing is None:
            raise
        return existing, False
    return observation, True


EDITABLE = (
    "category",
    "severity",
    "observed_at",
    "text",
    "people_count",
    "restricted",
    "lat",
    "lon",
    "place",
    "area",
    "group",
)


def observation_update(*, actor, observation: Observation, **changes: Any) -> Observation:
    """The reporter corrects their own report; published pictures keep their copy."""
    _require(actor, Capability.REPORT_OBSERVATIONS)
    if observation.reporter_id != actor.pk:
        raise PermissionError("only the reporter edits a report")
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    values = {field: getattr(observation, field) for field in EDITABLE} | changes
    _check_fields(
        category=values["category"],
        severity=values["severity"],
        observed_at=values["observed_at"],
        people_count=values["people_count"],
    )
    values["text"] = text_check(values["text"])
    moved = {"lat", "lon", "place", "area"} & set(changes)
    if moved:
        if "area" not in changes and ({"lat", "lon", "place"} & set(changes)):
            values["area"] = None  # recomputed from the new point
        where = _where(
            actor,
            municipality=observation.municipality,
            group=values["group"],
            lat=values["lat"],
            lon=values["lon"],
            place=values["place"],
            area=values["area"],
        )
        values.update(lat=where.lat, lon=where.lon, area=where.area, place=where.place)
        values["place_name"] = where.place.name if where.place else ""
    if (
        "group" in changes
        and changes["group"] is not None
        and changes["group"].pk not in reporting_groups_by_id(actor)
    ):
        raise ValidationError({"group": _("You do not report to that safety group.")})
    changed = {k: v for k, v in values.items() if getattr(observation, k) != v}
    if not changed:
        return observation
    with transaction.atomic():
        for key, value in changed.items():
            setattr(observation, key, value)
        observation.save()
        audit_record(
            actor=actor,
            action=AuditAction.UPDATE,
            object_type="observation",
            object_id=str(observation.public_id),
            municipality_code=observation.municipality.code,
            summary=f"Changed observation: {', '.join(sorted(changed))}",
            details={"fields": sorted(changed)},
        )
    return observation


# ------------------------------------------------------------------------------ import


@dataclass(frozen=True)
class ObservationImportResult:
    created: int
    unchanged: int
    rejected: tuple[RowProblem, ...] = ()

    def __str__(self) -> str:
        return f"{self.created} new, {self.unchanged} already there, {len(self.rejected)} rejected"


def observations_import_csv(
    *,
    actor,
    municipality: Municipality,
    path: str | Path,
    file_name: str | None = None,
    skip_bad_rows: bool = False,
) -> ObservationImportResult:
    """Import observations (FORMATS.md): ``id, observed_at, category, severity`` and
    ``lat, lon`` or ``area_code`` or ``place``, optional ``group`` (key) and ``text``.

    Every row passes the same rules as the form. A file with bad rows imports nothing
    unless ``skip_bad_rows``; rows are keyed by ``id``, so a second import changes nothing.
    """
    _require(actor, Capability.ANALYSE_SITUATION)
    if not municipalities_for_user(actor).filter(pk=municipality.pk).exists():
        raise PermissionError("municipality")
    path = Path(path)
    name = file_name or path.name
    frame, _dialect = read_csv_text(path, required=IMPORT_COLUMNS, file=name)
    areas = {a.code: a for a in Area.objects.filter(municipality=municipality)}
    places = {p.name.casefold(): p for p in Place.objects.filter(municipality=municipality)}
    groups = {g.key: g for g in SafetyGroup.objects.filter(municipality=municipality)}
    problems: list[RowProblem] = []
    prepared: list[tuple[int, dict]] = []
    seen: set[str] = set()

    def cell(row: dict, column: str) -> str:
        return (row.get(column) or "").strip()

    for row in frame.iter_rows(named=True):
        line = row[LINE_COLUMN]

        def bad(column: str, reason: str, line=line) -> None:
            problems.append(RowProblem(file=name, line=line, column=column, reason=reason))

        before = len(problems)
        source_id = cell(row, "id")
        if not source_id:
            bad("id", "empty")
        elif source_id in seen:
            bad("id", f"'{source_id}' appears twice in the file")
        seen.add(source_id)
        observed_at = _parse_time(cell(row, "observed_at"))
        if observed_at is None:
            bad("observed_at", "not an ISO 8601 time (e.g. 2026-03-14T21:30)")
        category = cell(row, "category")
        if category not in category_keys():
            bad("category", f"unknown category '{category}'")
        try:
            severity = int(cell(row, "severity"))
            if severity not in (1, 2, 3):
                raise ValueError
        except ValueError:
            severity = None
            bad("severity", "must be 1, 2 or 3")
        lat = lon = None
        if cell(row, "lat") or cell(row, "lon"):
            try:
                lat = float(cell(row, "lat").replace(",", "."))
                lon = float(cell(row, "lon").replace(",", "."))
            except ValueError:
                bad("lat", "latitude and longitude must both be numbers")
        area = areas.get(cell(row, "area_code")) if cell(row, "area_code") else None
        if cell(row, "area_code") and area is None:
            bad("area_code", f"no area '{cell(row, 'area_code')}' in {municipality.name}")
        place = places.get(cell(row, "place").casefold()) if cell(row, "place") else None
        if cell(row, "place") and place is None:
            bad("place", f"no named place '{cell(row, 'place')}'")
        group = groups.get(cell(row, "group")) if cell(row, "group") else None
        if cell(row, "group") and group is None:
            bad("group", f"no safety group '{cell(row, 'group')}'")
        if len(problems) > before:
            continue
        fields = {
            "category": category,
            "severity": severity,
            "observed_at": observed_at,
            "text": cell(row, "text"),
            "lat": lat,
            "lon": lon,
            "place": place,
            "area": area,
            "group": group,
            "municipality": municipality,
            "source": ObservationSource.IMPORT,
            "source_id": source_id,
        }
        try:
            _check_fields(
                category=category, severity=severity, observed_at=observed_at, people_count=None
            )
            text_check(fields["text"])
            _where(
                actor,
                municipality=municipality,
                group=group,
                lat=lat,
                lon=lon,
                place=place,
                area=area,
            )
        except ValidationError as exc:
            for column, messages in _error_items(exc):
                bad(column, "; ".join(messages))
            continue
        prepared.append((line, fields))
    if problems and not skip_bad_rows:
        raise InputError(problems)
    created = unchanged = 0
    stored = set(
        Observation.objects.filter(
            municipality=municipality, source=ObservationSource.IMPORT
        ).values_list("source_id", flat=True)
    )
    with transaction.atomic():
        for _line, fields in prepared:
            if fields["source_id"] in stored:
                unchanged += 1
                continue
            _obs, was_created = observation_create(actor=actor, **fields)
            created += was_created
            unchanged += not was_created
        if created:
            audit_record(
                actor=actor,
                action=AuditAction.IMPORT,
                object_type="observations",
                municipality_code=municipality.code,
                summary=f"Imported observations from {name}: {created} new",
                details={"file": name, "created": created, "rejected": len(problems)},
            )
    return ObservationImportResult(created, unchanged, tuple(problems))


def _error_items(exc: ValidationError) -> list[tuple[str, list[str]]]:
    if hasattr(exc, "error_dict"):
        return [(k, [m for e in v for m in e.messages]) for k, v in exc.error_dict.items()]
    return [("", exc.messages)]


def _parse_time(text: str) -> datetime | None:
    if not text:
        return None
    try:
        value = datetime.fromisoformat(text.replace(" ", "T", 1) if "T" not in text else text)
    except ValueError:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=LOCAL)  # local Swedish time, as people write it
    return value


# ----------------------------------------------------------------------- weekly picture


def weekly_picture_save(
    *,
    actor,
    scope: PictureScope,
    week: IsoWeek,
    assessment: str,
    decided_actions: str,
) -> WeeklyPicture:
    """The analyst's assessment and the meeting's decided actions, on a draft picture."""
    _require(actor, Capability.ANALYSE_SITUATION)
    assessment, decided_actions = _picture_texts(assessment, decided_actions)
    with transaction.atomic():
        picture, _created = WeeklyPicture.objects.select_for_update().get_or_create(
            municipality=scope.municipality,
            group=scope.group,
            iso_year=week.year,
            iso_week=week.week,
        )
        if picture.is_published:
            raise ValidationError(_("The picture is published and can no longer be changed."))
        picture.assessment, picture.decided_actions = assessment, decided_actions
        picture.save()
        audit_record(
            actor=actor,
            action=AuditAction.UPDATE,
            object_type="weekly_picture",
            object_id=picture.pk,
            municipality_code=scope.municipality.code,
            summary=f"Assessment of {scope.name} {week}",
        )
    return picture


def _picture_texts(assessment: str, decided_actions: str) -> tuple[str, str]:
    """The meeting's texts, trimmed; a personal identity number in either is refused."""
    assessment, decided_actions = assessment.strip(), decided_actions.strip()
    for field, value in (("assessment", assessment), ("decided_actions", decided_actions)):
        if find_personal_numbers(value):
            raise ValidationError({field: _("Remove the personal identity number.")})
    return assessment, decided_actions


def weekly_picture_publish(
    *,
    actor,
    scope: PictureScope,
    week: IsoWeek,
    assessment: str | None = None,
    decided_actions: str | None = None,
) -> WeeklyPicture:
    """Freeze the week's figures: from now on the page shows this copy.

    ``assessment`` and ``decided_actions``, when given, are what the form holds as the
    meeting publishes: they are kept with the frozen picture, so publishing in one step never
    loses the record typed above the button. None keeps what was saved before."""
    _require(actor, Capability.ANALYSE_SITUATION)
    texts = None
    if assessment is not None or decided_actions is not None:
        texts = _picture_texts(assessment or "", decided_actions or "")
    with transaction.atomic():
        picture, _created = WeeklyPicture.objects.select_for_update().get_or_create(
            municipality=scope.municipality,
            group=scope.group,
            iso_year=week.year,
            iso_week=week.week,
        )
        if picture.is_published:
            raise ValidationError(_("The picture is already published."))
        if texts is not None:
            picture.assessment, picture.decided_actions = texts
        picture.snapshot = picture_compute(scope, week)
        picture.status = "published"
        picture.published_at = timezone.now()
        picture.published_by = actor
        picture.save()
        audit_record(
            actor=actor,
            action=AuditAction.UPDATE,
            object_type="weekly_picture",
            object_id=picture.pk,
            municipality_code=scope.municipality.code,
            summary=f"Published the picture of {scope.name} {week}",
            details={"observations": picture.snapshot["total"]},
        )
    return picture


def weekly_picture_send_digest(*, actor, picture: WeeklyPicture, link: str = "") -> int:
    """E-mail the published picture's summary (counts, changes, assessment and actions: never
    a report's text) to the group's members, or to every group's members for the whole
    municipality. Returns the number of recipients."""
    _require(actor, Capability.ANALYSE_SITUATION)
    if not picture.is_published:
        raise ValidationError(_("Publish the picture before sending it."))
    from trygg.accounts.models import User

    members = User.objects.filter(is_active=True).exclude(email="")
    if picture.group_id:
        members = members.filter(group_memberships__group=picture.group)
    else:
        members = members.filter(group_memberships__group__municipality=picture.municipality)
    recipients = sorted(set(members.values_list("email", flat=True)))
    if not recipients:
        return 0

    figures = picture.snapshot
    _digest_mail(
        actor=actor,
        picture=picture,
        recipients=recipients,
        subject=_("Weekly picture %(week)s: %(scope)s"),
        template="situation/digest.txt",
        context={"link": link},
        summary=f"Sent the digest of {figures['scope']['name']} {figures['week']}",
        details={"recipients": len(recipients)},
    )
    return len(recipients)


def _digest_mail(
    *, actor, picture, recipients, subject, template, context, summary, details
) -> None:
    """Mail a published picture's figures (never a report's text) and log the sending."""
    from .categories import category_label

    figures = picture.snapshot
    context = {
        "picture": picture,
        "figures": figures,
        "categories": [
            (category_label(r["category"]), r) for r in figures["by_category"] if r["observed"]
        ],
        "changes": [(category_label(r["category"]), r) for r in figures["changes"]],
        **context,
    }
    subject = subject % {"week": figures["week"], "scope": figures["scope"]["name"]}
    body = render_to_string(template, context)
    with transaction.atomic():
        EmailMessage(subject=subject, body=body, to=[], bcc=recipients).send()
        audit_record(
            actor=actor,
            action=AuditAction.EXPORT,
            object_type="weekly_picture",
            object_id=picture.pk,
            municipality_code=picture.municipality.code,
            summary=summary,
            details=details,
        )


def weekly_picture_send_municipal_digest(*, actor, picture: WeeklyPicture, link: str = "") -> int:
    """E-mail the whole municipality's published picture to those who steer the work: every
    active user whose organisation works in the municipality and whose role sees every
    group's picture (coordinators, analysts, management). Beside the municipal figures it
    summarises each group's week (counts against the usual level, a real rise, the actions
    its meeting decided). Never a report's text. Returns the number of recipients."""
    _require(actor, Capability.ANALYSE_SITUATION)
    if picture.group_id is not None:
        raise ValidationError(
            _("The municipal digest is sent from the whole municipality's picture.")
        )
    if not picture.is_published:
        raise ValidationError(_("Publish the picture before sending it."))
    from trygg.accounts.models import User
    from trygg.accounts.roles import ROLE_CAPABILITIES

    from .selectors import picture_figures

    steering = [
        r for r, caps in ROLE_CAPABILITIES.items() if Capability.VIEW_MUNICIPAL_PICTURE in caps
    ]
    recipients = sorted(
        set(
            User.objects.filter(
                is_active=True,
                role__in=steering,
                organisation__municipalities=picture.municipality,
            )
            .exclude(email="")
            .values_list("email", flat=True)
        )
    )
    if not recipients:
        return 0
    week = IsoWeek(picture.iso_year, picture.iso_week)
    groups = []
    for group in SafetyGroup.objects.filter(municipality=picture.municipality).order_by("name"):
        group_picture, figures = picture_figures(PictureScope(picture.municipality, group), week)
        groups.append(
            {
                "name": group.name,
                "total": figures["total"],
                "usual": figures["usual_total"],
                "rise": figures["total_rise"] or bool(figures["changes"]),
                "published": bool(group_picture and group_picture.is_published),
                "decided_actions": group_picture.decided_actions if group_picture else "",
            }
        )
    figures = picture.snapshot
    _digest_mail(
        actor=actor,
        picture=picture,
        recipients=recipients,
        subject=_("Municipal weekly picture %(week)s: %(scope)s"),
        template="situation/digest_municipal.txt",
        context={"groups": groups, "link": link},
        summary=f"Sent the municipal digest of {figures['scope']['name']} {figures['week']}",
        details={"recipients": len(recipients), "groups": len(groups)},
    )
    return len(recipients)


def observations_csv_rows(observations) -> pl.DataFrame:
    """The export's columns, the same as the import's plus where it was placed."""
    rows = [
        {
            "id": str(o.public_id),
            "observed_at": o.observed_at.astimezone(LOCAL).isoformat(timespec="minutes"),
            "category": o.category,
            "severity": o.severity,
            "lat": o.lat,
            "lon": o.lon,
            "area_code": o.area.code if o.area_id else "",
            "place": o.place_name,
            "group": o.group.key if o.group_id else "",
            "people_count": o.people_count,
            "restricted": o.restricted,
            "text": o.text,
        }
        for o in observations
    ]
    return pl.DataFrame(
        rows,
        schema={
            "id": pl.String,
            "observed_at": pl.String,
            "category": pl.String,
            "severity": pl.Int64,
            "lat": pl.Float64,
            "lon": pl.Float64,
            "area_code": pl.String,
            "place": pl.String,
            "group": pl.String,
            "people_count": pl.Int64,
            "restricted": pl.Boolean,
            "text": pl.String,
        },
    )


def export_record(*, actor, what: str, municipality_code: str = "", details: dict) -> None:
    """Every export is logged: who took which rows out."""
    audit_record(
        actor=actor,
        action=AuditAction.EXPORT,
        object_type=what,
        municipality_code=municipality_code,
        summary=f"Exported {what}",
        details=details,
    )
