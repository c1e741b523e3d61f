"""What residents' reports and safety walks share: their checks (free text without
contact details, the reasons, the place) and how they enter the situational picture."""

from __future__ import annotations

from datetime import date, datetime, time
from functools import partial

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from trygg.accounts.models import SafetyGroup
from trygg.analysis.situation import LOCAL
from trygg.areas.models import Area, AreaLevel, Municipality
from trygg.areas.selectors import municipalities_for_user
from trygg.core.personal_data import personal_data_problem
from trygg.situation.models import TEXT_MAX_LENGTH as OBSERVATION_TEXT_MAX
from trygg.situation.selectors import groups_for_reporting
from trygg.situation.services.checks import point_area, point_check
from trygg.situation.services.checks import text_check as shared_text_check

from ..models import TEXT_MAX_LENGTH, WhenSeen
from ..reasons import reason_keys, reason_labels

#: The category that approved reports and walk points get in the situational picture.
OBSERVATION_CATEGORY = "unsafe_place"
# A representative hour for "when", so an approved report lands in a plausible cell of the
# weekday × time grid; "usually" and unknown take midday.
WHEN_HOUR = {
    WhenSeen.MORNING: 8,
    WhenSeen.DAYTIME: 13,
    WhenSeen.EVENING: 20,
    WhenSeen.NIGHT: 23,
}


def _setting(name: str, default):
    return getattr(settings, name, default)


def _require_municipality(actor, municipality: Municipality) -> None:
    if not municipalities_for_user(actor).filter(pk=municipality.pk).exists():
        raise PermissionDenied("municipality")


# ------------------------------------------------------------------------- checks


def personal_data_refusal(text: str) -> str | None:
    """Why a resident's text is refused, or None: it holds no identity number, e-mail
    address or telephone number."""
    problem = personal_data_problem(text)
    if problem == "pin":
        return _(
            "The text contains a personal identity number. Reports are about places, "
            "never about people: remove the number and send again. Nothing was saved."
        )
    if problem == "email":
        return _(
            "The text contains an e-mail address. Reports are anonymous: remove it and "
            "send again. You follow your report through the receipt link instead."
        )
    if problem == "phone":
        return _(
            "The text contains a telephone number. Reports are anonymous and nobody "
            "will call: remove the number and send again."
        )
    return None


#: The free text, stripped; refused when it holds an identity number or contact details.
text_check = partial(shared_text_check, max_length=TEXT_MAX_LENGTH, refusal=personal_data_refusal)


def reasons_check(reasons, *, field: str = "reasons") -> list[str]:
    chosen = [str(r) for r in (reasons or [])]
    known = reason_keys()
    if not chosen:
        raise ValidationError({field: _("Pick at least one thing that makes the place unsafe.")})
    unknown = [r for r in chosen if r not in known]
    if unknown:
        raise ValidationError(
            {field: _("Unknown choice: %(keys)s.") % {"keys": ", ".join(unknown)}}
        )
    # Stored in the list's order, so that equal choices compare equal.
    return [k for k in known if k in chosen]


def _locate(
    municipality: Municipality, *, lat: float | None, lon: float | None, area: Area | None
) -> tuple[float | None, float | None, Area | None]:
    """The point and its area, or the area alone; refused outside the municipality."""
    point_check(lat, lon, field="lat")
    if lat is not None:
        outside = _(
            "The marked place lies outside %(name)s. Move the marker, or pick an "
            "area from the list."
        ) % {"name": municipality.name}
        return lat, lon, point_area(municipality, lat=lat, lon=lon, outside=outside, field="lat")
    if area is None:
        raise ValidationError(
            {"lat": _("Say where: tap the map, use your position, or pick an area.")}
        )
    if area.municipality_id != municipality.pk or area.level != AreaLevel.AREA:
        raise ValidationError({"area": _("Pick one of the municipality's areas.")})
    return None, None, area


def _reasons_and_text_checked(reasons, text, errors: dict) -> tuple:
    """The cleaned reasons and text of a report or walk point; problems go into ``errors``."""
    try:
        reasons = reasons_check(reasons)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    try:
        text = text_check(text)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    return reasons, text


# ----------------------------------------------------- into the situational picture


def _covering_group(actor, municipality: Municipality, area: Area | None) -> SafetyGroup | None:
    """The safety group whose areas hold the place, if the moderator may report to it."""
    if area is None:
        return None
    return (
        groups_for_reporting(actor)
        .filter(municipality=municipality, areas=area)
        .order_by("name")
        .first()
    )


def _observed_at(day: date, when: str) -> datetime:
    moment = datetime.combine(day, time(WHEN_HOUR.get(when, 12)), tzinfo=LOCAL)
    return min(moment, timezone.now())


def observation_text(reasons: list[str], text: str, *, prefix: str) -> str:
    """The observation's text in the municipality's language: the reasons, then the words."""
    head = f"{prefix}: {', '.join(reason_labels(reasons, language='sv'))}."
    full = f"{head} {text}".strip() if text else head
    # Every reason plus the longest text can pass the observation's limit: shorten the end.
    return full if len(full) <= OBSERVATION_TEXT_MAX else full[: OBSERVATION_TEXT_MAX - 1] + "…"
