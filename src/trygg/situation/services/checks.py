"""The checks every write of free text and of a place shares, here and in the residents'
app (which may import the situational picture; the reverse is not allowed).

* :func:`actor_require`: the actor holds the capability, or ``PermissionDenied``;
* :func:`text_check`: free text, stripped, within its length, without personal data;
* :func:`point_check` and :func:`point_area`: a position is a coordinate, and lies in one
  of the municipality's areas.
"""

from __future__ import annotations

from collections.abc import Callable

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _

from trygg.areas.models import Area, AreaLevel, Municipality
from trygg.areas.selectors import locate_points
from trygg.core.personal_data import find_personal_numbers

from ..models import TEXT_MAX_LENGTH


def actor_require(actor, capability: str) -> None:
    if not (actor is not None and actor.is_authenticated and actor.can(capability)):
        raise PermissionDenied(capability)


def personal_number_refusal(text: str) -> str | None:
    """Why the situational picture refuses ``text``, or None: it names no individual."""
    if find_personal_numbers(text):
        return _(
            "The text contains a personal identity number. The situational picture is "
            "about places and situations, never about individuals: remove the number "
            "and any names of private persons."
        )
    return None


def text_check(
    text: str,
    *,
    field: str = "text",
    max_length: int = TEXT_MAX_LENGTH,
    refusal: Callable[[str], str | None] = personal_number_refusal,
) -> str:
    """The free text, stripped; refused on ``field`` when longer than ``max_length`` or when
    ``refusal`` names a reason (the personal data it carries)."""
    text = (text or "").strip()
    if len(text) > max_length:
        raise ValidationError(
            {field: _("Keep it short: at most %(n)d characters.") % {"n": max_length}}
        )
    reason = refusal(text)
    if reason:
        raise ValidationError({field: reason})
    return text


def _invalid(message: str, field: str | None) -> ValidationError:
    return ValidationError({field: message} if field else message)


def point_check(lat: float | None, lon: float | None, *, field: str | None = None) -> None:
    """Both coordinates or neither, and a real coordinate; errors on ``field`` when named."""
    if (lat is None) != (lon is None):
        raise _invalid(_("A position needs both latitude and longitude."), field)
    if lat is not None and not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise _invalid(_("The position is not a valid coordinate."), field)


def point_area(
    municipality: Municipality,
    *,
    lat: float,
    lon: float,
    outside: str,
    field: str | None = None,
    named: Area | None = None,
) -> Area | None:
    """The area of ``municipality`` that holds a (checked) point.

    ``named`` is an area given with the point: it is kept when the point lies in any of the
    municipality's areas. A point outside all of them is refused with ``outside``, unless
    the municipality has no areas at all (then ``named``, or None).
    """
    code = locate_points(municipality=municipality, lon=[lon], lat=[lat])[0]
    if code:
        if named is not None:
            return named
        return Area.objects.get(municipality=municipality, code=code)
    if Area.objects.filter(municipality=municipality, level=AreaLevel.AREA).exists():
        raise _invalid(outside, field)
    return named
