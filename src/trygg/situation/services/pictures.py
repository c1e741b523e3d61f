"""The weekly picture: the analyst's assessment, publication (its figures frozen) and the
digests mailed to the group and to those who steer the municipality's work."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from trygg.accounts.models import SafetyGroup, User
from trygg.accounts.roles import ROLE_CAPABILITIES, Capability
from trygg.analysis.situation import IsoWeek
from trygg.audit.models import AuditAction
from trygg.audit.services import audit_record
from trygg.core.personal_data import find_personal_numbers

from ..categories import category_label
from ..models import GroupMeeting, WeeklyPicture
from ..selectors import PictureScope, picture_compute, picture_figures
from ..selectors.actions import actions_frozen, actions_thawed, picture_actions
from .checks import actor_require


def weekly_picture_save(
    *,
    actor,
    scope: PictureScope,
    week: IsoWeek,
    assessment: str,
    decided_actions: str,
) -> WeeklyPicture:
    """The analyst's assessment and the meeting's decided actions, on a draft picture."""
    actor_require(actor, Capability.ANALYSE_SITUATION)
    assessment, decided_actions = _picture_texts(assessment, decided_actions)
    with transaction.atomic():
        picture = _picture_locked(scope, week)
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


def _picture_locked(scope: PictureScope, week: IsoWeek) -> WeeklyPicture:
    """The week's picture of ``scope``, created as a draft if need be, locked until the
    transaction ends (saving and publishing must not interleave)."""
    picture, _created = WeeklyPicture.objects.select_for_update().get_or_create(
        municipality=scope.municipality, group=scope.group, iso_year=week.year, iso_week=week.week
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
    actor_require(actor, Capability.ANALYSE_SITUATION)
    texts = None
    if assessment is not None or decided_actions is not None:
        texts = _picture_texts(assessment or "", decided_actions or "")
    with transaction.atomic():
        picture = _picture_locked(scope, week)
        if picture.is_published:
            raise ValidationError(_("The picture is already published."))
        if texts is not None:
            picture.assessment, picture.decided_actions = texts
        picture.snapshot = picture_compute(scope, week)
        # The meeting's actions, decided and carried, as it left them: frozen with the figures.
        picture.snapshot["actions"] = actions_frozen(picture_actions(scope, week, picture))
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
    actor_require(actor, Capability.ANALYSE_SITUATION)
    if not picture.is_published:
        raise ValidationError(_("Publish the picture before sending it."))
    members = User.objects.filter(is_active=True).exclude(email="")
    if picture.group_id:
        members = members.filter(group_memberships__group=picture.group)
    else:
        members = members.filter(group_memberships__group__municipality=picture.municipality)
    recipients = set(members.values_list("email", flat=True))
    if picture.group_id:
        # The group's own e-mail list: partners without an account in Trygg.
        meeting = GroupMeeting.objects.filter(group_id=picture.group_id).first()
        recipients |= set(meeting.addresses if meeting else ())
    recipients = sorted(recipients)
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
    figures = picture.snapshot
    context = {
        "picture": picture,
        "figures": figures,
        "categories": [
            (category_label(r["category"]), r) for r in figures["by_category"] if r["observed"]
        ],
        "changes": [(category_label(r["category"]), r) for r in figures["changes"]],
        "actions": actions_thawed(figures.get("actions") or {}),
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
    actor_require(actor, Capability.ANALYSE_SITUATION)
    if picture.group_id is not None:
        raise ValidationError(
            _("The municipal digest is sent from the whole municipality's picture.")
        )
    if not picture.is_published:
        raise ValidationError(_("Publish the picture before sending it."))
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
                "actions": picture_actions(
                    PictureScope(picture.municipality, group), week, group_picture
                )["decided"],
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
